import type { JobDefinition } from '../jobs/index.js';
import type { Context } from '../runtime/index.js';
import { diagnosticsEngine } from './diagnose-host.js';
import type { DiagnoseTarget } from './diagnosis.js';

/** Name of the diagnosis queue. */
export const DIAGNOSE_JOB = 'diagnose';

/** Data of a `diagnose` job: the failed run's host and code. */
export type DiagnoseJobData = DiagnoseTarget;

/**
 * The `diagnose` job for the jobs floor: a failed, timed-out or agent-offline run enqueues
 * one (see {@link enqueueDiagnosis}); the engine's per-host cache makes a 10,000-host
 * failure probe each host once. Concurrency follows DIAG_CONCURRENCY; starts are limited to
 * DIAG_PROBES_PER_SECOND / 2 per second (each diagnosis probes twice).
 */
export function diagnoseJob(ctx: Context): JobDefinition<DiagnoseJobData> {
  return {
    name: DIAGNOSE_JOB,
    attempts: 2,
    backoffMs: 1000,
    concurrency: ctx.config.DIAG_CONCURRENCY,
    rateLimit: { max: Math.max(1, Math.floor(ctx.config.DIAG_PROBES_PER_SECOND / 2)), durationMs: 1000 },
    async process(data) {
      const d = await diagnosticsEngine(ctx).diagnose(data);
      return { id: d.id, code: d.verdict.code, rule: d.verdict.rule };
    },
  };
}

/**
 * Enqueue a diagnosis for a failed run. The job id is per host and cache window, so a mass
 * failure enqueues one job per host, not one per run.
 */
export function enqueueDiagnosis(ctx: Context, data: DiagnoseJobData): Promise<string> {
  const key = data.hostId !== undefined ? `h${data.hostId}` : `t${(data.target ?? '').replace(/[^A-Za-z0-9._-]/g, '_')}`;
  const window = Math.floor(ctx.clock.now() / Math.max(1000, ctx.config.DIAG_CACHE_TTL_MS));
  return ctx.jobs.enqueue(DIAGNOSE_JOB, data, { jobId: `diag-${key}-${window}` });
}
