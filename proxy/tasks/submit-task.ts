import { sql } from 'drizzle-orm';
import { renderMessage, errorEntry, type ErrorCode, type ErrorParams } from '../../core/index.js';
import type { Context } from '../../runtime/index.js';
import type { DispatchJob, TaskSpec } from './dispatcher.js';
import { resolveTargets } from './resolve-targets.js';
import { uuidv7 } from './uuid-v7.js';
import type { TaskRequest } from './task-schemas.js';

/** A persisted task and what to publish for it. */
export interface SubmittedTask {
  taskId: string;
  lane: 'interactive' | 'bulk';
  /** Runs to publish (already DISPATCHED in the database). */
  jobs: DispatchJob[];
}

const message = (code: ErrorCode, params: ErrorParams) => renderMessage(errorEntry(code).message, params);

/**
 * Persist a task: resolve every target in one query, then insert the task and all its runs,
 * each with its first state change in its history, in ONE statement. A run's RECEIVED
 * transition is its `created_at` (`listRuns` shows it from there). Each run starts in its
 * right state: targets matching no host end REJECTED (PROXY-USR-TARGET_NOT_FOUND), hosts whose
 * agent is offline end FAILED (CHANNEL-ENV-AGENT_OFFLINE), the rest are DISPATCHED to their
 * agent's channel (the caller publishes them after the commit; if it dies first, the sweeper
 * sends them). A host named twice (by IP and by name, say) gets one run. `onPlanned` sees the runs to dispatch
 * once they are known, before the insert.
 */
export async function submitTask(
  ctx: Context, input: TaskRequest, apiKeyId: number | null, onPlanned?: (jobs: DispatchJob[], lane: SubmittedTask['lane']) => void,
): Promise<SubmittedTask> {
  const taskId = uuidv7();
  const now = ctx.clock.now();
  const targets = [...new Set(input.targets.map((t) => String(t).trim()))];
  const t0 = performance.now();
  const resolved = await resolveTargets(ctx.db, targets);
  const resolvedMs = performance.now() - t0;
  const seenHosts = new Set<number>();
  const runs: Array<Record<string, unknown>> = [];
  const jobs: DispatchJob[] = [];
  const spec: TaskSpec = {
    taskId, command: input.command ?? null, argv: input.argv ?? null, timeoutMs: input.timeoutMs,
    cwd: input.cwd ?? null, env: input.env ?? null, user: input.user ?? null, deadline: now + input.timeoutMs,
  };
  for (const r of resolved) {
    if (r.hostId !== null) {
      if (seenHosts.has(r.hostId)) continue;
      seenHosts.add(r.hostId);
    }
    const id = uuidv7();
    if (r.hostId === null) {
      runs.push({ id, target: r.target, state: 'REJECTED', error_code: 'PROXY-USR-TARGET_NOT_FOUND', error_message: message('PROXY-USR-TARGET_NOT_FOUND', { target: r.target }) });
    } else if (!r.agentId || !r.channelId) {
      const code = 'CHANNEL-ENV-AGENT_OFFLINE';
      runs.push({
        id, target: r.target, host_id: r.hostId, agent_id: r.agentId, state: 'FAILED', error_code: code,
        error_message: message(code, { agentId: r.agentId ?? '(none registered)', channelId: '(none)' }),
      });
    } else {
      runs.push({ id, target: r.target, host_id: r.hostId, agent_id: r.agentId, channel_id: r.channelId, state: 'DISPATCHED' });
      jobs.push({ runId: id, agentId: r.agentId, channelId: r.channelId, task: spec });
    }
  }
  const lane = input.wait > 0 || jobs.length <= ctx.config.PROXY_INTERACTIVE_MAX_TARGETS ? 'interactive' : 'bulk';
  // The caller may start preparing the dispatches now (signing them while the insert runs); it
  // publishes nothing before this function returns, i.e. before the commit.
  onPlanned?.(jobs, lane);
  const createdAt = new Date(now).toISOString();
  const deadlineAt = new Date(now + input.timeoutMs + ctx.config.PROXY_RESULT_GRACE_MS).toISOString();
  await ctx.db.execute(sql`
    with task as (
      insert into tasks (id, api_key_id, command, argv, cwd, env, run_as, timeout_ms, lane, target_count, created_at, deadline_at)
      values (${taskId}, ${apiKeyId}, ${spec.command}, ${spec.argv === null ? null : JSON.stringify(spec.argv)}::jsonb, ${spec.cwd},
        ${spec.env === null ? null : JSON.stringify(spec.env)}::jsonb, ${spec.user}, ${input.timeoutMs}, ${lane}, ${runs.length},
        ${createdAt}::timestamptz, ${deadlineAt}::timestamptz)
      returning id
    ), x as (
      select * from json_to_recordset(${JSON.stringify(runs)}::json) as x(id uuid, target text, host_id bigint, agent_id text, channel_id text, state text, error_code text, error_message text)
    )
    insert into task_runs (id, task_id, target, host_id, agent_id, channel_id, state, attempts, error_code, error_message,
      created_at, dispatched_at, finished_at, deadline_at, history)
    select x.id, task.id, x.target, x.host_id, x.agent_id, x.channel_id, x.state, case when x.state = 'DISPATCHED' then 1 else 0 end,
      x.error_code, x.error_message, ${createdAt}::timestamptz,
      case when x.state = 'DISPATCHED' then now() end, case when x.state in ('REJECTED', 'FAILED') then now() end, ${deadlineAt}::timestamptz,
      jsonb_build_array(jsonb_build_object('state', x.state, 'at', now(), 'detail',
        case when x.error_code is not null then jsonb_build_object('code', x.error_code)
             else jsonb_build_object('channelId', x.channel_id, 'attempt', 1) end))
    from x cross join task`);
  if (targets.length >= 1000) {
    ctx.log.info({ taskId, targets: targets.length, resolveMs: Math.round(resolvedMs), totalMs: Math.round(performance.now() - t0) }, 'large task persisted');
  }
  return { taskId, lane, jobs };
}
