import { sql } from 'drizzle-orm';
import { bigint, boolean, index, integer, jsonb, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { createdAt, tz, updatedAt } from './columns.js';

/** Run states: `RECEIVED → DISPATCHED → RUNNING → SUCCEEDED | FAILED | TIMED_OUT | CANCELED | REJECTED`. */
export const RUN_STATES = ['RECEIVED', 'DISPATCHED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'CANCELED', 'REJECTED'] as const;
export type RunState = (typeof RUN_STATES)[number];
/** States a run never leaves. */
export const TERMINAL_RUN_STATES: readonly RunState[] = ['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'CANCELED', 'REJECTED'];

/** One entry of a run's history: a state it entered, when (the proxy's clock), and why. */
export interface RunHistoryEntry {
  state: RunState;
  at: string;
  detail: Record<string, unknown> | null;
}

/** One task on one host (or one unresolved target). */
export const taskRuns = pgTable(
  'task_runs',
  {
    id: uuid('id').primaryKey(),
    // The task's id, without a foreign key: runs are inserted by the statement that inserts
    // their task, and tasks are never deleted; the key check cost one index probe and row-lock
    // check per run (~80 ms of a 10,000-run insert, all of it before the first dispatch).
    taskId: uuid('task_id').notNull(),
    /** The target as the caller wrote it (IP, SN, hostname or host id). */
    target: text('target').notNull(),
    // The host and agent the run was for, as resolved at submission. No foreign keys (hosts and
    // agents are never deleted): a key check takes a row lock on the referenced host and agent,
    // each a WAL record, so a 10,000-host task paid 20,000 tuple locks (~30 % of its insert).
    hostId: bigint('host_id', { mode: 'number' }),
    agentId: text('agent_id'),
    channelId: text('channel_id'),
    state: text('state').$type<RunState>().notNull(),
    attempts: integer('attempts').notNull().default(0),
    exitCode: integer('exit_code'),
    signal: text('signal'),
    stdout: text('stdout'),
    stderr: text('stderr'),
    stdoutTruncated: boolean('stdout_truncated').notNull().default(false),
    stderrTruncated: boolean('stderr_truncated').notNull().default(false),
    durationMs: integer('duration_ms'),
    errorCode: text('error_code'),
    errorMessage: text('error_message'),
    createdAt: createdAt(),
    dispatchedAt: tz('dispatched_at'),
    startedAt: tz('started_at'),
    finishedAt: tz('finished_at'),
    deadlineAt: tz('deadline_at').notNull(),
    /**
     * Every transition after RECEIVED (which is `created_at`), in order, appended by the same
     * statement that moves `state`. Kept in the row rather than in an event table: a run's
     * history is read only with its run, and an event row per transition was 3 of the 5 rows
     * (with their index entries and foreign-key checks) written per run of a fan-out.
     */
    history: jsonb('history').$type<RunHistoryEntry[]>().notNull().default(sql`'[]'::jsonb`),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('task_runs_task_state_idx').on(t.taskId, t.state),
    index('task_runs_host_idx').on(t.hostId),
    /**
     * Open runs only, for the sweeper: a run reaching its terminal state leaves this index
     * instead of adding an entry to it (most runs of a fan-out go terminal within seconds).
     */
    index('task_runs_open_deadline_idx').on(t.state, t.deadlineAt).where(sql`state in ('RECEIVED', 'DISPATCHED', 'RUNNING')`),
    /** Recently failed runs, for the diagnostics job that queues their hosts. */
    index('task_runs_failed_finished_idx').on(t.finishedAt).where(sql`state in ('FAILED', 'TIMED_OUT')`),
  ],
);
