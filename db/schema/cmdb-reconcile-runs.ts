import { bigint, bigserial, index, jsonb, pgTable, text } from 'drizzle-orm/pg-core';
import { createdAt, tz } from './columns.js';

/**
 * One CMDB reconciliation run: its trigger, state, per-kind counts (including MATCH, which
 * has no finding rows) and the diff against the previous successful run.
 */
export const cmdbReconcileRuns = pgTable(
  'cmdb_reconcile_runs',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    /** `queued`, `running`, `succeeded`, `failed`. */
    status: text('status').notNull().default('queued'),
    /** `schedule`, `api`, `cli`, `test`. */
    trigger: text('trigger').notNull(),
    /** Who asked for it (audit actor). */
    requestedBy: text('requested_by'),
    previousRunId: bigint('previous_run_id', { mode: 'number' }),
    /** Options the run used (no-agent window, spec version). */
    options: jsonb('options').$type<Record<string, unknown>>().notNull().default({}),
    /** Counts by finding kind, `MATCH` included. */
    counts: jsonb('counts').$type<Record<string, number>>().notNull().default({}),
    /** Finding counts by diff state: `new`, `open`, `resolved`. */
    diff: jsonb('diff').$type<Record<string, number>>().notNull().default({}),
    /** Last reported progress. */
    progress: jsonb('progress').$type<Record<string, unknown>>().notNull().default({}),
    /** Changes applied by auto-fix in this run, by field. */
    fixes: jsonb('fixes').$type<Record<string, number>>().notNull().default({}),
    error: text('error'),
    createdAt: createdAt(),
    startedAt: tz('started_at'),
    finishedAt: tz('finished_at'),
  },
  (t) => [index('cmdb_reconcile_runs_status_idx').on(t.status, t.id)],
);
