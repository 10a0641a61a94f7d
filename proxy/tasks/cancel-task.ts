import { sql } from 'drizzle-orm';
import { errorEntry } from '../../core/index.js';
import { rows, runHistoryEntry } from '../../db/index.js';
import type { Context } from '../../runtime/index.js';
import { getTask } from './task-views.js';
import type { TaskView } from './task-schemas.js';

/**
 * Cancel a task: every run not yet terminal ends CANCELED (PROXY-USR-TASK_CANCELED), in one
 * statement that also appends to their histories; finished runs keep their state. A command
 * already started on a host is not interrupted (the protocol has no cancel frame yet); its late result is ignored.
 */
export async function cancelTask(ctx: Context, taskId: string): Promise<TaskView> {
  await getTask(ctx.db, taskId); // 404 when unknown
  const msg = errorEntry('PROXY-USR-TASK_CANCELED').message;
  await rows(ctx.db, sql`
    with t as (update tasks set canceled_at = coalesce(canceled_at, now()) where id = ${taskId} returning id),
    upd as (
      update task_runs r set state = 'CANCELED', error_code = 'PROXY-USR-TASK_CANCELED', error_message = ${msg},
        finished_at = now(), updated_at = now(),
        history = r.history || ${runHistoryEntry(sql`'CANCELED'`, sql`jsonb_build_object('code', 'PROXY-USR-TASK_CANCELED')`)}
      from t where r.task_id = t.id and r.state in ('RECEIVED', 'DISPATCHED', 'RUNNING')
      returning r.id
    )
    select count(*) from upd`);
  return getTask(ctx.db, taskId);
}
