import type { JobDefinition } from '../jobs/index.js';
import type { Context } from '../runtime/index.js';
import { autofixCmdb, autofixPolicyFromConfig } from './autofix-cmdb.js';
import { reconcileCmdb, type ReconcileSummary } from './reconcile-cmdb.js';
import { createReconcileRun, getReconcileRun } from './reconcile-runs.js';

/** Queue name of the reconciliation job. */
export const RECONCILE_JOB = 'cmdb.reconcile';

/** Data of a reconciliation job: an already created run, or none (the schedule creates one). */
export interface ReconcileJobData {
  runId?: number;
  trigger?: string;
}

/**
 * The reconciliation job: runs {@link reconcileCmdb} with progress reported to the queue,
 * then applies auto-fix when the settings enable it. A retry of a run that already
 * succeeded goes straight to auto-fix, so findings are never written twice.
 */
export function reconcileJob(ctx: Context): JobDefinition<ReconcileJobData> {
  return {
    name: RECONCILE_JOB,
    attempts: 2,
    backoffMs: 5000,
    concurrency: 1,
    async process(data, job) {
      const runId = data.runId ?? (await createReconcileRun(ctx, { trigger: data.trigger ?? 'schedule' }));
      const run = await getReconcileRun(ctx, runId);
      let summary: ReconcileSummary | { runId: number; counts: Record<string, number> };
      if (run.status === 'succeeded') {
        summary = { runId, counts: run.counts };
      } else {
        summary = await reconcileCmdb(ctx, { runId, progress: (p) => job.progress({ ...p }) });
        ctx.log.info({ runId, counts: summary.counts, diff: (summary as ReconcileSummary).diff, ms: (summary as ReconcileSummary).durationMs }, 'cmdb reconciliation finished');
      }
      const fixes = await autofixCmdb(ctx, runId, autofixPolicyFromConfig(ctx.config));
      if (fixes.ip || fixes.sn) ctx.log.info({ runId, fixes }, 'cmdb auto-fix applied');
      return { ...summary, fixes };
    },
  };
}

/** Declare the repeating reconciliation when CMDB_RECONCILE_EVERY_MS is above 0. */
export async function scheduleReconcile(ctx: Context): Promise<boolean> {
  const every = ctx.config.CMDB_RECONCILE_EVERY_MS;
  if (!every) return false;
  await ctx.jobs.repeat<ReconcileJobData>(RECONCILE_JOB, { trigger: 'schedule' }, { everyMs: every }, 'cmdb-reconcile-schedule');
  return true;
}

/** Create a run and queue it; returns the run id at once (the job does the work). */
export async function requestReconcile(ctx: Context, trigger: string, requestedBy?: string): Promise<number> {
  const runId = await createReconcileRun(ctx, { trigger, requestedBy });
  await ctx.jobs.enqueue<ReconcileJobData>(RECONCILE_JOB, { runId }, { jobId: `cmdb-reconcile-${runId}` });
  return runId;
}
