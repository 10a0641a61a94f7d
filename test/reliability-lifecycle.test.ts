import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, rows } from '../db/index.js';
import { sweepRuns } from '../proxy/index.js';
import { createInProcessTransport, type Transport } from '../channel/index.js';
import { PROTOCOL_VERSION, type ChannelToProxy, type ProxyToChannel } from '../protocol/index.js';
import { applyChannelMessagesForTest } from './helpers/proxy-internals.js';
import { startAgentSim } from './helpers/agent-sim.js';
import { openScratchPostgres, testDatabases } from './helpers/db.js';
import { startProxyHarness, type ProxyHarness } from './helpers/proxy-harness.js';
import { waitFor } from './helpers/wait-for.js';

/** A transport that loses chosen messages, to inject faults between proxy and channel. */
function lossy(inner: Transport, drop: { toChannel?(m: ProxyToChannel): boolean; toProxy?(m: ChannelToProxy): boolean }): Transport {
  return {
    kind: inner.kind,
    sendToChannel: (id, ms, lane) => inner.sendToChannel(id, ms.filter((m) => !drop.toChannel?.(m)), lane),
    sendToProxy: (ms, lane) => inner.sendToProxy(ms.filter((m) => !drop.toProxy?.(m)), lane),
    consumeChannel: (id, h) => inner.consumeChannel(id, h),
    consumeProxy: (h) => inner.consumeProxy(h),
    close: () => inner.close(),
  };
}

/** Drop the first message of a kind per run id. */
function firstPerRun<M>(pick: (m: M) => string | null) {
  const seen = new Set<string>();
  return (m: M) => {
    const id = pick(m);
    if (id === null || seen.has(id)) return false;
    seen.add(id);
    return true;
  };
}

describe.each(testDatabases())('run lifecycle on $name', ({ open }) => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  async function setup(opts: { transport?: Transport; answer?: Parameters<typeof startAgentSim>[0]['answer']; agents?: number } = {}) {
    const h: ProxyHarness = await startProxyHarness({ database: await open(), ...(opts.transport && { transport: opts.transport }) });
    cleanup.push(() => h.close());
    const n = opts.agents ?? 1;
    const regs = await Promise.all(Array.from({ length: n }, (_, i) => h.register({ hostname: `h-${i}`, ip: `10.2.${i >> 8}.${i & 255}`, sn: null })));
    const sim = await startAgentSim({
      url: regs[0]!.channels[0]!.url, agents: regs.map((r) => ({ agentId: r.agentId, credential: r.credential })),
      ...(opts.answer && { answer: opts.answer }),
    });
    cleanup.push(() => sim.close());
    await waitFor(async () => (await h.ctx.db.query.agents.findMany({ where: (a, { eq }) => eq(a.state, 'online') })).length === n, { what: 'online' });
    return { h, regs, sim };
  }

  it('re-sends a dropped dispatch until the agent acknowledges it', async () => {
    const transport = lossy(createInProcessTransport(), {
      toChannel: firstPerRun((m) => (m.type === 'run.dispatch' ? m.frame.runId : m.type === 'run.dispatch.encoded' ? m.runId : null)),
    });
    const { h } = await setup({ transport });
    const r = await h.api('POST', '/v1/tasks', { targets: ['h-0'], command: 'true', wait: 10 });
    expect(r.body.counts.SUCCEEDED).toBe(1);
    const run = r.body.runs[0];
    expect(run.attempts).toBe(2);
    expect(run.history.map((e: any) => e.state)).toEqual(['RECEIVED', 'DISPATCHED', 'DISPATCHED', 'RUNNING', 'SUCCEEDED']);
    expect(run.history[2].detail).toMatchObject({ resent: true, attempt: 2 });
  });

  it('re-sends when the ack is lost, and ends a run with no answer TIMED_OUT at its deadline', async () => {
    const transport = lossy(createInProcessTransport(), { toProxy: firstPerRun((m) => (m.type === 'run.ack' ? m.runId : null)) });
    const { h, sim } = await setup({ transport, answer: () => null });
    const started = Date.now();
    const r = await h.api('POST', '/v1/tasks', { targets: ['h-0'], command: 'sleep 60', timeoutMs: 1500, wait: 10 });
    expect(r.body.counts.TIMED_OUT).toBe(1);
    const run = r.body.runs[0];
    expect(run.error).toMatchObject({ code: 'AGENT-ENV-TIMEOUT', status: 504, retryable: true });
    expect(run.history.map((e: any) => e.state)).toEqual(['RECEIVED', 'DISPATCHED', 'DISPATCHED', 'RUNNING', 'TIMED_OUT']);
    const finished = Date.parse(run.finishedAt);
    expect(finished - Date.parse(run.createdAt)).toBeGreaterThanOrEqual(1500);
    expect(finished - started).toBeLessThan(1500 + 300 + 1500); // deadline + result grace + sweep slack
    expect([...sim.received.values()].flat().filter((f) => f.type === 'run.dispatch')).toHaveLength(2);
  });

  it('applies transitions exactly once: duplicates and late results never move a terminal run', async () => {
    const { h, regs } = await setup();
    const r = await h.api('POST', '/v1/tasks', { targets: ['h-0'], command: 'echo once', wait: 10 });
    const run = r.body.runs[0];
    expect(run.state).toBe('SUCCEEDED');
    const result = {
      type: 'run.result' as const, v: PROTOCOL_VERSION, runId: run.id, taskId: r.body.id, outcome: 'FAILED' as const, exitCode: 9, signal: null,
      durationMs: 1, startedAt: Date.now(), finishedAt: Date.now(), stdout: 'late', stderr: '', stdoutTruncated: false, stderrTruncated: false,
      error: { code: 'AGENT-USR-COMMAND_FAILED', message: 'x' },
    };
    const channelId = h.channel!.channelId;
    const batch: ChannelToProxy[] = [
      { type: 'run.ack', v: PROTOCOL_VERSION, channelId, agentId: regs[0]!.agentId, runId: run.id, duplicate: true, at: Date.now() },
      { type: 'run.result', v: PROTOCOL_VERSION, channelId, agentId: regs[0]!.agentId, result },
      { type: 'run.result', v: PROTOCOL_VERSION, channelId, agentId: regs[0]!.agentId, result },
    ];
    const applied = await applyChannelMessagesForTest(h.ctx.db, batch);
    expect(applied.finished).toBe(0);
    expect(applied.resultAcks).toEqual([{ channelId, agentId: regs[0]!.agentId, runIds: [run.id, run.id] }]);
    const after = await h.api('GET', `/v1/tasks/${r.body.id}/runs`);
    expect(after.body.runs[0]).toMatchObject({ state: 'SUCCEEDED', stdout: 'ok\n', exitCode: 0 });
    expect(after.body.runs[0].history).toHaveLength(4);
    // A result claimed by another agent is ignored too.
    const other = await h.register({ hostname: 'intruder', ip: '10.3.0.1', sn: null });
    const r2 = await h.api('POST', '/v1/tasks', { targets: ['10.3.0.1'], command: 'true' });
    expect(r2.body.counts.FAILED).toBe(1); // intruder is offline
    const forged = await applyChannelMessagesForTest(h.ctx.db, [
      { type: 'run.result', v: PROTOCOL_VERSION, channelId, agentId: other.agentId, result: { ...result, runId: run.id } },
    ]);
    expect(forged.finished).toBe(0);
  });

  it('ends the runs of an agent that vanished mid-run FAILED with CHANNEL-ENV-AGENT_OFFLINE after the grace', async () => {
    const { h, regs, sim } = await setup({ answer: () => null });
    const r = await h.api('POST', '/v1/tasks', { targets: ['h-0'], command: 'sleep 100', timeoutMs: 60_000 });
    await waitFor(async () => (await h.api('GET', `/v1/tasks/${r.body.id}`)).body.counts.RUNNING === 1, { what: 'running' });
    sim.drop(regs[0]!.agentId);
    const done = await waitFor(async () => {
      const t = await h.api('GET', `/v1/tasks/${r.body.id}`);
      return t.body.done && t.body;
    }, { timeoutMs: 15_000, what: 'run ended' });
    expect(done.counts.FAILED).toBe(1);
    const runs = await h.api('GET', `/v1/tasks/${r.body.id}/runs`);
    expect(runs.body.runs[0].error.code).toBe('CHANNEL-ENV-AGENT_OFFLINE');
    expect(runs.body.runs[0].history.map((e: any) => e.state)).toEqual(['RECEIVED', 'DISPATCHED', 'RUNNING', 'FAILED']);
  });
});

describe('the sweeper across proxies (Postgres)', () => {
  it('two proxies sweeping at once expire each run exactly once (row locks, SKIP LOCKED)', async () => {
    // The harness's own background sweeper would take runs too; keep it idle for this test.
    const a = await startProxyHarness({ database: await openScratchPostgres(), channel: false, env: { PROXY_SWEEP_INTERVAL_MS: '3600000' } });
    const other = await openDatabase({ url: (a.ctx.database as unknown as { url: string }).url });
    try {
      const ctxB = { ...a.ctx, database: other, db: other.db };
      const taskId = randomUUID();
      await a.ctx.db.execute(sql`insert into tasks (id, command, timeout_ms, lane, target_count, deadline_at)
        values (${taskId}, 'true', 1000, 'bulk', 300, now() - interval '1 second')`);
      await a.ctx.db.execute(sql`insert into task_runs (id, task_id, target, state, deadline_at)
        select gen_random_uuid(), ${taskId}, 't' || i, 'RUNNING', now() - interval '1 second' from generate_series(1, 300) i`);
      const dispatcher = a.core.dispatcher()!;
      const [ra, rb] = await Promise.all([
        sweepRuns(a.ctx, { dispatcher, limit: 200 }),
        sweepRuns(ctxB, { dispatcher, limit: 200 }),
      ]);
      const again = await sweepRuns(a.ctx, { dispatcher, limit: 200 });
      // These runs have no agent, so a concurrent sweep may end some of them as orphaned
      // (CHANNEL-ENV-AGENT_OFFLINE) before the deadline step reaches them: either is right, twice is not.
      const ended = [ra, rb, again].reduce((n, r) => n + r.expired + r.orphaned, 0);
      expect(ended).toBe(300);
      expect(ra.expired + rb.expired + again.expired).toBeGreaterThan(0);
      const counted = await rows<{ runs: number; events: number }>(a.ctx.db, sql`
        select count(distinct r.id)::int as runs, count(*)::int as events
        from task_runs r cross join jsonb_array_elements(r.history) e
        where r.task_id = ${taskId} and e->>'state' in ('TIMED_OUT', 'FAILED')`);
      expect(counted[0]).toEqual({ runs: 300, events: 300 });
    } finally {
      await other.close();
      await a.close();
    }
  }, 60_000);
});
