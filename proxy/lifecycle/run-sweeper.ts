import { sql } from 'drizzle-orm';
import { backoffDelay, errorEntry, onceClose, sleep } from '../../core/index.js';
import { rows, runHistoryEntry } from '../../db/index.js';
import type { Lane } from '../../channel/index.js';
import type { Context } from '../../runtime/index.js';
import type { Dispatcher, DispatchJob, TaskSpec } from '../tasks/dispatcher.js';
import type { TaskNotifier } from './task-notifier.js';

/** Options of {@link startRunSweeper}. */
export interface RunSweeperOptions {
  dispatcher: Dispatcher;
  notifier?: TaskNotifier;
  /** Sweep period, ms; default PROXY_SWEEP_INTERVAL_MS. */
  intervalMs?: number;
  /** Resend a dispatch not acknowledged for this long, ms; default PROXY_ACK_TIMEOUT_MS. */
  ackTimeoutMs?: number;
  /** End runs of agents offline this long, ms; default PROXY_AGENT_GRACE_MS. */
  agentGraceMs?: number;
  /** A channel silent this long is down and its agents offline, ms; default 30,000. */
  channelStaleMs?: number;
  /** Most runs handled per step of one sweep; default 5,000. */
  limit?: number;
}

/** What one sweep did. */
export interface SweepReport {
  channelsDown: number;
  expired: number;
  orphaned: number;
  resent: number;
}

/**
 * One sweep. Each step is one set-based statement over at most `limit` runs, taking row locks
 * with SKIP LOCKED so that several proxies sweeping together split the work instead of
 * repeating it: (1) channels that stopped reporting go down and their agents offline;
 * (2) runs past their deadline end TIMED_OUT (AGENT-ENV-TIMEOUT); (3) runs whose agent has
 * been offline longer than the grace end FAILED (CHANNEL-ENV-AGENT_OFFLINE); (4) dispatches not
 * acknowledged in time, or whose agent moved or was not found on its channel, are signed
 * again and re-sent to the agent's current channel.
 */
export async function sweepRuns(ctx: Context, options: RunSweeperOptions): Promise<SweepReport> {
  const ackMs = options.ackTimeoutMs ?? ctx.config.PROXY_ACK_TIMEOUT_MS;
  const graceMs = options.agentGraceMs ?? ctx.config.PROXY_AGENT_GRACE_MS;
  const staleMs = options.channelStaleMs ?? 30_000;
  const limit = options.limit ?? 5000;
  const touched = new Set<string>();

  const down = await rows<{ id: string }>(ctx.db, sql`
    with down as (
      update channels set state = 'down', updated_at = now()
      where state = 'up' and last_seen_at < now() - make_interval(secs => ${staleMs / 1000}) returning id
    ), off as (
      update agents set state = 'offline', channel_id = null, updated_at = now() where channel_id in (select id from down) returning id
    )
    select id from down`);

  const timeoutMsg = errorEntry('AGENT-ENV-TIMEOUT').message;
  const expired = await rows<{ task_id: string }>(ctx.db, sql`
    with due as (
      select id from task_runs where state in ('RECEIVED', 'DISPATCHED', 'RUNNING') and deadline_at < now()
      order by deadline_at limit ${limit} for update skip locked
    ), upd as (
      update task_runs r set state = 'TIMED_OUT', error_code = 'AGENT-ENV-TIMEOUT',
        error_message = replace(${timeoutMsg}, '{timeoutMs}', t.timeout_ms::text), finished_at = now(), updated_at = now(),
        history = r.history || ${runHistoryEntry(sql`'TIMED_OUT'`, sql`jsonb_build_object('code', 'AGENT-ENV-TIMEOUT', 'by', 'proxy')`)}
      from due, tasks t where r.id = due.id and t.id = r.task_id
      returning r.id, r.task_id
    )
    select task_id from upd`);
  for (const e of expired) touched.add(e.task_id);

  const offlineMsg = errorEntry('CHANNEL-ENV-AGENT_OFFLINE').message;
  const orphaned = await rows<{ task_id: string }>(ctx.db, sql`
    with gone as (
      select id from agents where state <> 'online' and updated_at < now() - make_interval(secs => ${graceMs / 1000})
    ), due as (
      -- The (few) agents gone too long first, then their open runs: not a lookup of every open
      -- run's agent, which during a 10,000-host fan-out is 10,000 index probes per sweep.
      select r.id from task_runs r
      where r.state in ('DISPATCHED', 'RUNNING') and (r.agent_id is null or r.agent_id in (select id from gone))
      limit ${limit} for update of r skip locked
    ), upd as (
      update task_runs r set state = 'FAILED', error_code = 'CHANNEL-ENV-AGENT_OFFLINE',
        error_message = replace(replace(${offlineMsg}, '{agentId}', coalesce(r.agent_id, '(none)')), '{channelId}', coalesce(r.channel_id, '(none)')),
        finished_at = now(), updated_at = now(),
        history = r.history || ${runHistoryEntry(sql`'FAILED'`, sql`jsonb_build_object('code', 'CHANNEL-ENV-AGENT_OFFLINE', 'by', 'proxy')`)}
      from due where r.id = due.id
      returning r.id, r.task_id
    )
    select task_id from upd`);
  for (const e of orphaned) touched.add(e.task_id);

  const resend = await rows<{
    id: string; task_id: string; agent_id: string; channel_id: string; attempts: number; command: string | null; argv: string[] | null;
    timeout_ms: number; cwd: string | null; env: Record<string, string> | null; run_as: string | null; created_at: Date | string;
    lane: string;
  }>(ctx.db, sql`
    with a as materialized (
      -- Materialized: the join below is then one hash over the online agents, not an index probe
      -- per dispatched run (the planner, misled by stale statistics, picks that during a fan-out).
      select id, channel_id from agents where state = 'online' and channel_id is not null
    ), due as (
      select r.id, a.channel_id as new_channel from task_runs r join a on a.id = r.agent_id
      where r.state = 'DISPATCHED'
        and (r.channel_id is null or r.channel_id <> a.channel_id or r.dispatched_at < now() - make_interval(secs => ${ackMs / 1000}))
      order by r.dispatched_at nulls first limit ${limit} for update of r skip locked
    ), upd as (
      update task_runs r set channel_id = due.new_channel, dispatched_at = now(), attempts = r.attempts + 1, updated_at = now(),
        history = r.history || ${runHistoryEntry(sql`'DISPATCHED'`, sql`jsonb_build_object('channelId', due.new_channel, 'attempt', r.attempts + 1, 'resent', true)`)}
      from due, tasks t where r.id = due.id and t.id = r.task_id
      returning r.id, r.task_id, r.agent_id, r.channel_id, r.attempts, t.command, t.argv, t.timeout_ms, t.cwd, t.env, t.run_as, t.created_at, t.lane
    )
    select * from upd`);
  if (resend.length) {
    const specs = new Map<string, TaskSpec>();
    const jobs: Record<Lane, DispatchJob[]> = { interactive: [], bulk: [] };
    for (const r of resend) {
      let task = specs.get(r.task_id);
      if (!task) {
        task = {
          taskId: r.task_id, command: r.command, argv: typeof r.argv === 'string' ? JSON.parse(r.argv) : r.argv, timeoutMs: r.timeout_ms,
          cwd: r.cwd, env: typeof r.env === 'string' ? JSON.parse(r.env) : r.env, user: r.run_as,
          deadline: new Date(r.created_at).getTime() + r.timeout_ms,
        };
        specs.set(r.task_id, task);
      }
      jobs[r.lane === 'bulk' ? 'bulk' : 'interactive'].push({ runId: r.id, agentId: r.agent_id, channelId: r.channel_id, task });
    }
    // Each run goes back in its task's lane: a re-sent one-host command still skips bulk work.
    await Promise.all([options.dispatcher.sendNow(jobs.interactive, 'interactive'), options.dispatcher.sendNow(jobs.bulk, 'bulk')]);
  }
  options.notifier?.notify(touched);
  const report = { channelsDown: down.length, expired: expired.length, orphaned: orphaned.length, resent: resend.length };
  if (report.channelsDown || report.expired || report.orphaned || report.resent) ctx.log.info(report, 'run sweep');
  return report;
}

/** A running sweeper loop. */
export interface RunSweeper {
  /** Sweep now (tests); resolves with the report. */
  sweepNow(): Promise<SweepReport>;
  close(): Promise<void>;
}

/**
 * Sweep every `intervalMs` (jittered) until closed; failures (database down) back off with
 * jitter and the loop carries on by itself.
 */
export function startRunSweeper(ctx: Context, options: RunSweeperOptions): RunSweeper {
  const abort = new AbortController();
  const intervalMs = options.intervalMs ?? ctx.config.PROXY_SWEEP_INTERVAL_MS;
  let running: Promise<SweepReport> | undefined;
  const sweepOnce = () => (running ??= sweepRuns(ctx, options).finally(() => (running = undefined)));
  const loop = (async () => {
    let failures = 0;
    while (!abort.signal.aborted) {
      try {
        await sleep(failures ? backoffDelay(failures, { baseMs: intervalMs, maxMs: 30_000 }) : intervalMs * (0.8 + 0.4 * Math.random()), abort.signal);
        await sweepOnce();
        failures = 0;
      } catch (err) {
        if (abort.signal.aborted) break;
        failures++;
        ctx.log.warn({ err: (err as Error).message }, 'run sweep failed; retrying');
      }
    }
  })();
  return {
    sweepNow: sweepOnce,
    close: onceClose(async () => {
      abort.abort();
      await loop;
      await running?.catch(() => {});
    }),
  };
}
