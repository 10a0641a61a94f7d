import { sql } from 'drizzle-orm';
import { rows } from '../db/index.js';
import type { JobDefinition } from '../jobs/index.js';
import type { Context } from '../runtime/index.js';
import { enqueueDiagnosis } from './diagnose-job.js';

/** Name of the job that queues diagnoses for runs that just failed. */
export const FAILED_RUNS_JOB = 'diagnostics-failed-runs';

/** Most hosts queued by one tick; the rest are picked up by the next. */
const MAX_HOSTS_PER_TICK = 5000;

/**
 * Find the hosts of runs that ended FAILED or TIMED_OUT within the last `lookbackMs` (one
 * statement, one row per host: its latest failed run) and queue one diagnosis per host.
 * `enqueueDiagnosis` keys jobs by host and cache window, so overlapping ticks and several
 * server processes add each host once. Returns how many hosts were queued.
 */
export async function queueFailedRunDiagnoses(ctx: Context, lookbackMs: number): Promise<number> {
  const failed = await rows<{ host_id: number | string; run_id: string; target: string; error_code: string | null }>(ctx.db, sql`
    select distinct on (host_id) host_id, id as run_id, target, error_code
    from task_runs
    where state in ('FAILED', 'TIMED_OUT') and host_id is not null
      and finished_at > now() - make_interval(secs => ${lookbackMs / 1000})
    order by host_id, finished_at desc
    limit ${MAX_HOSTS_PER_TICK}`);
  await Promise.all(
    failed.map((r) => enqueueDiagnosis(ctx, { hostId: Number(r.host_id), target: r.target, runId: r.run_id, runCode: r.error_code })),
  );
  return failed.length;
}

/**
 * The repeating job behind DIAG_FAILED_RUNS_EVERY_MS: every failed run gets its host diagnosed
 * in the background, so `GET /v1/diagnoses`, the robot and later problem documents find a
 * fresh verdict without anyone asking. Looks back three periods so a late tick misses nothing.
 */
export function failedRunsJob(ctx: Context): JobDefinition<Record<string, never>> {
  return {
    name: FAILED_RUNS_JOB,
    attempts: 1,
    async process() {
      const every = Math.max(1000, ctx.config.DIAG_FAILED_RUNS_EVERY_MS);
      return { queued: await queueFailedRunDiagnoses(ctx, every * 3) };
    },
  };
}
