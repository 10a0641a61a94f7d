import { bigserial, index, jsonb, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { tz } from './columns.js';
import { taskRuns } from './task-runs.js';

/** Every state transition of a run, with its time: the run's history. */
export const taskEvents = pgTable(
  'task_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    runId: uuid('run_id').notNull().references(() => taskRuns.id, { onDelete: 'cascade' }),
    taskId: uuid('task_id').notNull(),
    state: text('state').notNull(),
    at: tz('at').notNull().defaultNow(),
    detail: jsonb('detail').$type<Record<string, unknown>>(),
  },
  (t) => [index('task_events_run_idx').on(t.runId, t.at), index('task_events_task_idx').on(t.taskId)],
);
