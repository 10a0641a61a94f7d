import { sql } from 'drizzle-orm';
import { deleteInChunks } from '../../db/index.js';
import type { JobDefinition } from '../../jobs/index.js';
import type { Context } from '../../runtime/index.js';

/** Name of the task retention job. */
export const TASK_PRUNE_JOB = 'proxy-task-prune';

/** Options of {@link pruneTasks}. */
export interface PruneTasksOptions {
  /** Runs deleted per statement; default 50,000 (a statement never holds its locks for long). */
  chunk?: number;
  /** Called after each statement with the totals so far. */
  progress?: (p: { runs: number; tasks: number }) => void | Promise<void>;
}

/**
 * Delete the tasks created before `before` whose deadline is past too (so none of their runs
 * can still change), with their runs: first the runs, `chunk` at a time, then the tasks left
 * without runs. Nothing references a run or a task by foreign key (diagnoses keep a run id as
 * a plain value), so each statement is a plain bounded delete. Returns what was deleted.
 */
export async function pruneTasks(ctx: Pick<Context, 'db'>, before: Date, options: PruneTasksOptions = {}): Promise<{ runs: number; tasks: number }> {
  const at = before.toISOString();
  const old = sql`t.created_at < ${at}::timestamptz and t.deadline_at < ${at}::timestamptz`;
  const total = { runs: 0, tasks: 0 };
  total.runs = await deleteInChunks(ctx.db, (limit) => sql`
    delete from task_runs where id in (select r.id from tasks t join task_runs r on r.task_id = t.id where ${old} limit ${limit})
    returning 1`, { ...(options.chunk && { chunk: options.chunk }), progress: (n) => options.progress?.({ ...total, runs: n }) });
  total.tasks = await deleteInChunks(ctx.db, (limit) => sql`
    delete from tasks where id in (
      select t.id from tasks t where ${old} and not exists (select 1 from task_runs r where r.task_id = t.id) limit ${limit})
    returning 1`, { ...(options.chunk && { chunk: options.chunk }), progress: (n) => options.progress?.({ ...total, tasks: n }) });
  return total;
}

/**
 * The retention job: deletes tasks and runs older than PROXY_TASK_RETENTION_DAYS, reporting
 * progress after each chunk. The proxy schedules it daily.
 */
export function taskPruneJob(ctx: Context): JobDefinition<Record<string, never>> {
  return {
    name: TASK_PRUNE_JOB,
    attempts: 2,
    async process(_data, job) {
      const before = new Date(ctx.clock.now() - ctx.config.PROXY_TASK_RETENTION_DAYS * 86_400_000);
      const deleted = await pruneTasks(ctx, before, { progress: (p) => job.progress({ ...p }) });
      if (deleted.runs || deleted.tasks) ctx.log.info({ ...deleted, before: before.toISOString() }, 'old tasks pruned');
      return deleted;
    },
  };
}
