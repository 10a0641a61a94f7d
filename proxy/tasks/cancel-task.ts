import { sql } from 'drizzle-orm';
import { errorEntry } from '../../core/index.js';
import { rows } from '../../db/index.js';
import type { Context } from '../../runtime/index.js';
import { getTask } from './task-views.js';
import type { TaskView } from './task-schemas.js';

/**
 * Cancel a task: every run not yet terminal ends CANCELED (PROXY-USR-TASK_CANCELED), in one
 * statement with its events; finished runs keep their state. A command already started on a
 * host is not interrupted (the protocol has no cancel frame yet); its late result is ignored.
 */
export async function cancelTask(ctx: Context, taskId: string): Promise<TaskView> {
  await getTask(ctx.db, taskId); // 404 when unknown
  const msg = errorEntry('PROXY-USR-TASK_CANCELED').message;
  await rows(ctx.db, sql`
    with t as (update tasks set canceled_at = coalesce(canceled_at, now()) where id = ${taskId} returning id),
    upd as (
      update task_runs r set state = 'CANCELED', error_code = 'PROXY-USR-TASK_CANCELED', error_message = ${msg},
        finished_at = now(), updated_at = now()
      from t where r.task_id = t.id and r.state in ('RECEIVED', 'DISPATCHED', 'RUNNING')
      returning r.id, r.task_id
    )
    insert into task_events (run_id, task_id, state, at, detail)
    select id, task_id, 'CANCELED', clock_timestamp(), json_build_object('code', 'PROXY-USR-TASK_CANCELED')::jsonb from upd
    returning task_id`);
  return getTask(ctx.db, taskId);
}
