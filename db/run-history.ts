import { sql, type SQL } from 'drizzle-orm';

/**
 * A one-entry jsonb array `[{state, at: clock_timestamp(), detail}]` for `task_runs.history`
 * (see RunHistoryEntry): statements that move a run append it with
 * `history = r.history || ${runHistoryEntry(...)}`. `state` and `detail` are SQL expressions
 * (`sql\`'RUNNING'\``, `sql\`x.state\``, `sql\`jsonb_build_object(...)\``, `sql\`null\``).
 */
export function runHistoryEntry(state: SQL, detail: SQL): SQL {
  return sql`jsonb_build_array(jsonb_build_object('state', ${state}, 'at', clock_timestamp(), 'detail', ${detail}))`;
}
