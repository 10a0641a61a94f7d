import { sql } from 'drizzle-orm';
import { rows, runHistoryEntry, type Db } from '../../db/index.js';
import type {
  ChannelStatusMessage, ChannelToProxy, HeartbeatsMessage, RouteChangesMessage, RunAckedMessage, RunResultMessage, UndeliverableMessage,
} from '../../protocol/index.js';

const json = (v: unknown) => sql`${JSON.stringify(v)}::json`;

/** What one applied batch changed, for the caller to act on after the commit. */
export interface AppliedBatch {
  /** Result acknowledgements to send, per channel and agent (every result in the batch, applied or duplicate). */
  resultAcks: Array<{ channelId: string; agentId: string; runIds: string[] }>;
  /** Tasks whose runs changed state (waiters re-check them). */
  touchedTasks: Set<string>;
  /** Runs that reached a terminal state in this batch. */
  finished: number;
}

/** Options of {@link applyChannelMessages}. */
export interface ApplyOptions {
  /** Decide which heartbeats write a host_metrics sample (the rest only refresh liveness); default all. */
  sampleMetrics?: (agentId: string, at: number, metrics: HeartbeatsMessage['items'][number]['metrics']) => boolean;
}

function latestRoutes(messages: RouteChangesMessage[]) {
  // Per agent, the newest change wins (ties: online), whatever channel reported it; an
  // offline only applies where the agent is still on the channel that reported it.
  const byAgent = new Map<string, { agentId: string; channelId: string; online: boolean; since: number; agentVersion?: string }>();
  for (const m of messages) {
    for (const o of m.online) {
      const cur = byAgent.get(o.agentId);
      if (!cur || o.since >= cur.since) byAgent.set(o.agentId, { agentId: o.agentId, channelId: m.channelId, online: true, since: o.since, agentVersion: o.agentVersion });
    }
    for (const o of m.offline) {
      const cur = byAgent.get(o.agentId);
      if (!cur || o.since > cur.since) byAgent.set(o.agentId, { agentId: o.agentId, channelId: m.channelId, online: false, since: o.since });
    }
  }
  return [...byAgent.values()];
}

/**
 * Apply one delivery of channel messages in ONE transaction with a fixed, small number of
 * set-based statements (never one per message): channel status, routing changes, heartbeats
 * (agents and host metrics), acks (→ RUNNING), results (→ terminal) and undeliverable
 * dispatches. Every run transition is conditional — a terminal run never moves, duplicates
 * change nothing — and appends to the run's history in the same statement.
 */
export async function applyChannelMessages(db: Db, messages: ChannelToProxy[], options: ApplyOptions = {}): Promise<AppliedBatch> {
  const status: ChannelStatusMessage[] = [];
  const routes: RouteChangesMessage[] = [];
  const beats: HeartbeatsMessage[] = [];
  const acks: RunAckedMessage[] = [];
  const results: RunResultMessage[] = [];
  const undeliverable: UndeliverableMessage[] = [];
  for (const m of messages) {
    switch (m.type) {
      case 'channel.status': status.push(m); break;
      case 'route.changes': routes.push(m); break;
      case 'agent.heartbeats': beats.push(m); break;
      case 'run.ack': acks.push(m); break;
      case 'run.result': results.push(m); break;
      case 'run.undeliverable': undeliverable.push(m); break;
    }
  }
  const touchedTasks = new Set<string>();
  let finished = 0;

  // An ack whose result is in the same batch is folded into the result's write: one row
  // update instead of two, the RUNNING event still recorded (with the ack's channel). The
  // channel folds them itself when both came in one window (`ackedAt`).
  const resulted = new Set(results.map((r) => r.result.runId));
  const ackedInBatch = new Set(acks.map((a) => a.runId));
  for (const r of results) if (r.ackedAt !== undefined) ackedInBatch.add(r.result.runId);
  const lone = acks.filter((a) => !resulted.has(a.runId));
  // One statement (results only, e.g. an interactive delivery: a result with its ack folded
  // in) is atomic by itself: no BEGIN/COMMIT round trips. Anything more is one transaction.
  const onlyResults = results.length > 0 && !status.length && !routes.length && !beats.length && !undeliverable.length && !lone.length;
  const run = onlyResults ? (fn: (tx: Db) => Promise<void>) => fn(db) : (fn: (tx: Db) => Promise<void>) => db.transaction(fn);
  await run(async (tx) => {
    if (status.length) await applyStatus(tx, status);
    if (routes.length) await applyRoutes(tx, routes);
    if (beats.length) await applyHeartbeats(tx, beats, options);
    if (lone.length) {
      const done = await applyAcks(tx, lone);
      for (const t of done) touchedTasks.add(t);
    }
    if (results.length) {
      const done = await applyResults(tx, results, ackedInBatch);
      finished += done.runs;
      for (const t of done.tasks) touchedTasks.add(t);
    }
    if (undeliverable.length) await applyUndeliverable(tx, undeliverable);
  });

  const ackMap = new Map<string, { channelId: string; agentId: string; runIds: string[] }>();
  for (const r of results) {
    const key = `${r.channelId}\u0000${r.agentId}`;
    let e = ackMap.get(key);
    if (!e) ackMap.set(key, (e = { channelId: r.channelId, agentId: r.agentId, runIds: [] }));
    e.runIds.push(r.result.runId);
  }
  return { resultAcks: [...ackMap.values()], touchedTasks, finished };
}

async function applyStatus(tx: Db, status: ChannelStatusMessage[]) {
  const latest = new Map<string, ChannelStatusMessage>();
  for (const s of status) {
    const cur = latest.get(s.channelId);
    if (!cur || s.at >= cur.at) latest.set(s.channelId, s);
  }
  const list = [...latest.values()].map((s) => ({
    id: s.channelId, idc: s.idc, url: s.url, connections: s.connections, capacity: s.capacity, state: s.up ? 'up' : 'down',
  }));
  await tx.execute(sql`
    insert into channels (id, idc, url, connections, capacity, state, last_seen_at)
    select x.id, x.idc, x.url, x.connections, x.capacity, x.state, now()
    from json_to_recordset(${json(list)}) as x(id text, idc text, url text, connections int, capacity int, state text)
    on conflict (id) do update set idc = excluded.idc, url = excluded.url, connections = excluded.connections,
      capacity = excluded.capacity, state = excluded.state, last_seen_at = now(), updated_at = now()`);
  // A channel that stopped cleanly holds no agents any more.
  const down = list.filter((c) => c.state === 'down').map((c) => c.id);
  if (down.length) {
    await tx.execute(sql`
      update agents set state = 'offline', channel_id = null, updated_at = now()
      where channel_id in (select value from json_array_elements_text(${json(down)}))`);
  }
}

async function applyRoutes(tx: Db, routes: RouteChangesMessage[]) {
  // A channel start ("reset"): agents it held before are gone unless it reports them online again.
  for (const m of routes.filter((r) => r.reset)) {
    const keep = m.online.map((o) => o.agentId);
    await tx.execute(sql`
      update agents set state = 'offline', channel_id = null, updated_at = now()
      where channel_id = ${m.channelId} and id not in (select value from json_array_elements_text(${json(keep)}))`);
  }
  const changes = latestRoutes(routes);
  const online = changes.filter((c) => c.online);
  const offline = changes.filter((c) => !c.online);
  if (online.length) {
    // Channels referenced before their first status row exists get a placeholder row (FK).
    await tx.execute(sql`
      insert into channels (id, idc, url, state, last_seen_at)
      select distinct x."channelId", 'unknown', '', 'up', now() from json_to_recordset(${json(online)}) as x("channelId" text)
      on conflict (id) do nothing`);
    await tx.execute(sql`
      update agents a set state = 'online', channel_id = x."channelId", version = coalesce(x."agentVersion", a.version),
        connected_at = to_timestamp(x.since / 1000.0), updated_at = now()
      from json_to_recordset(${json(online)}) as x("agentId" text, "channelId" text, since bigint, "agentVersion" text)
      where a.id = x."agentId" and (a.connected_at is null or a.connected_at <= to_timestamp(x.since / 1000.0))`);
  }
  if (offline.length) {
    await tx.execute(sql`
      update agents a set state = 'offline', channel_id = null, updated_at = now()
      from json_to_recordset(${json(offline)}) as x("agentId" text, "channelId" text, since bigint)
      where a.id = x."agentId" and a.channel_id = x."channelId"
        and (a.connected_at is null or a.connected_at <= to_timestamp(x.since / 1000.0))`);
  }
}

async function applyHeartbeats(tx: Db, beats: HeartbeatsMessage[], options: ApplyOptions) {
  const latest = new Map<string, HeartbeatsMessage['items'][number]>();
  for (const b of beats) for (const i of b.items) {
    const cur = latest.get(i.agentId);
    if (!cur || i.at >= cur.at) latest.set(i.agentId, i);
  }
  const items = [...latest.values()];
  // Liveness always; health only where it changed.
  await tx.execute(sql`
    update agents a set last_heartbeat_at = now(),
      health = case when a.health is distinct from x.health then x.health else a.health end
    from json_to_recordset(${json(items.map((i) => ({ id: i.agentId, health: i.health })))}) as x(id text, health jsonb)
    where a.id = x.id`);
  const samples = items.filter((i) => options.sampleMetrics?.(i.agentId, i.at, i.metrics) ?? true);
  if (samples.length) {
    await tx.execute(sql`
      with x as (
        select * from json_to_recordset(${json(samples.map((i) => ({
          id: i.agentId, at: i.at, l1: i.metrics.load[0], l5: i.metrics.load[1], l15: i.metrics.load[2], cpus: i.metrics.cpus, mounts: i.metrics.mounts,
        })))}) as x(id text, at bigint, l1 real, l5 real, l15 real, cpus int, mounts jsonb)
      ), ins as (
        insert into host_metrics (host_id, at, load1, load5, load15, cpus, mounts)
        select a.host_id, to_timestamp(x.at / 1000.0), x.l1, x.l5, x.l15, x.cpus, x.mounts from x join agents a on a.id = x.id
        returning host_id
      )
      update hosts h set last_seen_at = now() where h.id in (select host_id from ins)`);
  }
}

async function applyAcks(tx: Db, acks: RunAckedMessage[]): Promise<string[]> {
  const list = acks.map((a) => ({ run_id: a.runId, agent_id: a.agentId, channel_id: a.channelId, at: a.at, duplicate: a.duplicate }));
  const done = await rows<{ task_id: string }>(tx, sql`
    with x as (
      select distinct on (run_id) * from json_to_recordset(${json(list)}) as x(run_id uuid, agent_id text, channel_id text, at bigint, duplicate boolean)
    ), upd as (
      update task_runs r set state = 'RUNNING', started_at = coalesce(r.started_at, now()), channel_id = x.channel_id, updated_at = now(),
        history = r.history || ${runHistoryEntry(sql`'RUNNING'`, sql`jsonb_build_object('channelId', x.channel_id, 'agentAt', x.at, 'duplicate', x.duplicate)`)}
      from x where r.id = x.run_id and r.agent_id = x.agent_id and r.state in ('RECEIVED', 'DISPATCHED')
      returning r.task_id
    )
    select distinct task_id from upd`);
  return done.map((d) => d.task_id);
}

async function applyResults(tx: Db, results: RunResultMessage[], acked: Set<string>): Promise<{ runs: number; tasks: string[] }> {
  const list = results.map((m) => {
    const r = m.result;
    const error = r.outcome === 'SUCCEEDED' ? null : (r.error ?? { code: 'AGENT-USR-COMMAND_FAILED', message: `The command exited with code ${r.exitCode}.` });
    return {
      run_id: r.runId, agent_id: m.agentId, channel_id: m.channelId, state: r.outcome, exit_code: r.exitCode, signal: r.signal,
      stdout: r.stdout, stderr: r.stderr, stdout_truncated: r.stdoutTruncated, stderr_truncated: r.stderrTruncated,
      duration_ms: r.durationMs, started_at: r.startedAt, finished_at: r.finishedAt,
      error_code: error?.code ?? null, error_message: error?.message ?? null, acked: acked.has(r.runId),
    };
  });
  const done = await rows<{ id: string; task_id: string }>(tx, sql`
    with x as (
      select distinct on (run_id) * from json_to_recordset(${json(list)}) as x(
        run_id uuid, agent_id text, channel_id text, state text, exit_code int, signal text, stdout text, stderr text,
        stdout_truncated boolean, stderr_truncated boolean, duration_ms int, started_at bigint, finished_at bigint,
        error_code text, error_message text, acked boolean)
    ), upd as (
      update task_runs r set state = x.state, exit_code = x.exit_code, signal = x.signal, stdout = x.stdout, stderr = x.stderr,
        stdout_truncated = x.stdout_truncated, stderr_truncated = x.stderr_truncated, duration_ms = x.duration_ms,
        started_at = coalesce(r.started_at, to_timestamp(x.started_at / 1000.0)), finished_at = now(),
        error_code = x.error_code, error_message = x.error_message, channel_id = x.channel_id, updated_at = now(),
        -- RUNNING first when this result is the first the proxy hears of the run's start (its
        -- ack came with it, or was lost: then the entry says it was inferred). In SET, r.state
        -- is the row's state before this update (after a concurrent update: the newest one).
        history = r.history
          || case when r.state <> 'RUNNING' then ${runHistoryEntry(sql`'RUNNING'`, sql`case when x.acked then jsonb_build_object('channelId', x.channel_id)
               else jsonb_build_object('channelId', x.channel_id, 'inferred', true) end`)} else '[]'::jsonb end
          || ${runHistoryEntry(sql`x.state`, sql`case when x.error_code is null then null else jsonb_build_object('code', x.error_code) end`)}
      from x
      -- By primary key (= any of the batch's ids) as well as the join: a join with x alone is
      -- planned as a scan of every open run (x's size is unknown to the planner), which during
      -- a big fan-out is thousands.
      where r.id = any(array(select run_id from x)) and r.id = x.run_id and r.agent_id = x.agent_id
        and r.state in ('RECEIVED', 'DISPATCHED', 'RUNNING')
      returning r.id, r.task_id
    )
    select id, task_id from upd`);
  return { runs: done.length, tasks: [...new Set(done.map((d) => d.task_id))] };
}

async function applyUndeliverable(tx: Db, list: UndeliverableMessage[]) {
  // The agent was not on that channel: forget the route so the sweeper re-dispatches as soon
  // as the agent is online somewhere (or ends the run once the agent stayed away too long).
  const data = list.map((u) => ({ run_id: u.runId, channel_id: u.channelId, code: u.error.code }));
  await tx.execute(sql`
    with x as (select * from json_to_recordset(${json(data)}) as x(run_id uuid, channel_id text, code text))
    update task_runs r set channel_id = null, updated_at = now(),
      history = r.history || ${runHistoryEntry(sql`'DISPATCHED'`, sql`jsonb_build_object('undeliverable', true, 'channelId', x.channel_id, 'code', x.code)`)}
    from x where r.id = x.run_id and r.state = 'DISPATCHED' and r.channel_id = x.channel_id`);
}
