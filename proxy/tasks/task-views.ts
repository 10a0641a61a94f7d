import { sql } from 'drizzle-orm';
import { isErrorCode, problemFromCode, StarlingError, type ProblemDocument } from '../../core/index.js';
import { RUN_STATES, rows, type Db, type RunState } from '../../db/index.js';
import type { RunView, TaskView } from './task-schemas.js';

const iso = (v: Date | string | null): string | null => (v === null ? null : new Date(v).toISOString());

/** The problem document of a run that did not succeed; null for SUCCEEDED and open runs. */
export function runProblem(run: { id: string; state: string; error_code: string | null; error_message: string | null }): ProblemDocument | null {
  if (!run.error_code) return null;
  const code = isErrorCode(run.error_code) ? run.error_code : 'PROXY-UNK-UNEXPECTED';
  const doc = problemFromCode(code, {}, { runId: run.id, state: run.state }, `urn:starling:run:${run.id}`);
  if (run.error_message) doc.detail = run.error_message;
  if (code !== run.error_code) doc.reportedCode = run.error_code;
  return doc;
}

/** A task with counts by state and timing, or PROXY-USR-TASK_NOT_FOUND. */
export async function getTask(db: Db, taskId: string): Promise<TaskView> {
  const [t] = await rows<{
    id: string; lane: 'interactive' | 'bulk'; command: string | null; argv: string[] | null; timeout_ms: number; target_count: number;
    created_at: Date | string; deadline_at: Date | string; canceled_at: Date | string | null; counts: Record<string, number> | string | null;
    last_finished: Date | string | null;
  }>(
    db,
    sql`select t.id, t.lane, t.command, t.argv, t.timeout_ms, t.target_count, t.created_at, t.deadline_at, t.canceled_at,
          (select json_object_agg(state, n) from (select state, count(*)::int as n from task_runs where task_id = t.id group by state) s) as counts,
          (select max(finished_at) from task_runs where task_id = t.id) as last_finished
        from tasks t where t.id = ${taskId}`,
  );
  if (!t) throw new StarlingError('PROXY-USR-TASK_NOT_FOUND', { taskId });
  const raw = typeof t.counts === 'string' ? (JSON.parse(t.counts) as Record<string, number>) : (t.counts ?? {});
  const counts = Object.fromEntries(RUN_STATES.map((s) => [s, Number(raw[s] ?? 0)])) as Record<RunState, number>;
  const open = counts.RECEIVED + counts.DISPATCHED + counts.RUNNING;
  const done = open === 0;
  const createdAt = new Date(t.created_at);
  const finishedAt = done ? (t.last_finished ? new Date(t.last_finished) : createdAt) : null;
  return {
    id: t.id, lane: t.lane, command: t.command, argv: t.argv, timeoutMs: t.timeout_ms, targetCount: t.target_count, counts, done,
    createdAt: createdAt.toISOString(), deadlineAt: iso(t.deadline_at)!, canceledAt: iso(t.canceled_at),
    finishedAt: finishedAt ? finishedAt.toISOString() : null,
    durationMs: finishedAt ? Math.max(0, finishedAt.getTime() - createdAt.getTime()) : null,
  };
}

type RunRow = {
  id: string; target: string; host_id: string | number | null; agent_id: string | null; channel_id: string | null; state: RunState;
  attempts: number; exit_code: number | null; signal: string | null; stdout: string | null; stderr: string | null;
  stdout_truncated: boolean; stderr_truncated: boolean; duration_ms: number | null; error_code: string | null; error_message: string | null;
  created_at: Date | string; dispatched_at: Date | string | null; started_at: Date | string | null; finished_at: Date | string | null;
  deadline_at: Date | string; history: Array<{ state: string; at: string; detail: Record<string, unknown> | null }> | string | null;
};

function present(r: RunRow): RunView {
  const history = typeof r.history === 'string' ? (JSON.parse(r.history) as RunView['history']) : (r.history ?? []);
  return {
    id: r.id, target: r.target, hostId: r.host_id === null ? null : Number(r.host_id), agentId: r.agent_id, channelId: r.channel_id,
    state: r.state, attempts: r.attempts, exitCode: r.exit_code, signal: r.signal, stdout: r.stdout, stderr: r.stderr,
    stdoutTruncated: r.stdout_truncated, stderrTruncated: r.stderr_truncated, durationMs: r.duration_ms,
    createdAt: iso(r.created_at)!, dispatchedAt: iso(r.dispatched_at), startedAt: iso(r.started_at), finishedAt: iso(r.finished_at),
    deadlineAt: iso(r.deadline_at)!,
    error: runProblem(r) as RunView['error'],
    history: history.map((h) => ({ state: h.state, at: new Date(h.at).toISOString(), detail: h.detail ?? null })),
  };
}

/** Options of {@link listRuns}. */
export interface ListRunsOptions {
  state?: RunState | undefined;
  /** Page size; default 100. */
  limit?: number;
  /** Return runs after this run id (the previous page's `next`). */
  after?: string | undefined;
}

/**
 * A page of a task's runs (ordered by run id), each with its full state history, output and,
 * unless it succeeded, its error as a problem document. One query per page.
 */
export async function listRuns(db: Db, taskId: string, options: ListRunsOptions = {}): Promise<{ runs: RunView[]; next: string | null }> {
  const limit = options.limit ?? 100;
  const found = await rows<RunRow>(
    db,
    sql`select r.id, r.target, r.host_id, r.agent_id, r.channel_id, r.state, r.attempts, r.exit_code, r.signal, r.stdout, r.stderr,
          r.stdout_truncated, r.stderr_truncated, r.duration_ms, r.error_code, r.error_message, r.created_at, r.dispatched_at,
          r.started_at, r.finished_at, r.deadline_at,
          -- RECEIVED is the run's creation: no entry of its own (see submitTask).
          jsonb_build_array(jsonb_build_object('state', 'RECEIVED', 'at', r.created_at, 'detail', null)) || r.history as history
        from task_runs r
        where r.task_id = ${taskId}
          ${options.state ? sql`and r.state = ${options.state}` : sql``}
          ${options.after ? sql`and r.id > ${options.after}::uuid` : sql``}
        order by r.id
        limit ${limit + 1}`,
  );
  const page = found.slice(0, limit).map(present);
  return { runs: page, next: found.length > limit ? page[page.length - 1]!.id : null };
}
