import type { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import WebSocket from 'ws';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  createBatchingAuthenticator, createInProcessTransport, createRedisTransport, startChannel, type AgentAuthenticator,
  type RunningChannel, type Transport,
} from '../channel/index.js';
import { generateSigningKey, PROTOCOL_VERSION, type ChannelToProxy } from '../protocol/index.js';
import { makeDispatch } from '../protocol/test-fixtures.js';
import { startAgentSim, type AgentSim } from './helpers/agent-sim.js';
import { deleteKeys, testRedis, uniquePrefix } from './helpers/redis.js';
import { waitFor } from './helpers/wait-for.js';

const key = generateSigningKey();
/** Credentials are `secret-<agentId>`; the verifier counts its calls (batched). */
function authenticator(): AgentAuthenticator & { batches: number } {
  const a = createBatchingAuthenticator({
    windowMs: 50, // wide enough that agents connecting together still batch on a loaded machine
    verifyMany: async (creds) => {
      a.batches++;
      return creds.map((c) => c.credential === `secret-${c.agentId}`);
    },
  }) as AgentAuthenticator & { batches: number };
  a.batches = 0;
  return a;
}
const ids = (n: number, p = 'agent') => Array.from({ length: n }, (_, i) => ({ agentId: `${p}-${i}`, credential: `secret-${p}-${i}` }));

let redis: Redis | undefined;
const prefixes: string[] = [];
const transports: Array<{ name: string; make(): Transport }> = [
  { name: 'in-process', make: () => createInProcessTransport() },
  {
    name: 'redis',
    make: () => {
      redis ??= testRedis();
      const prefix = uniquePrefix('channel');
      prefixes.push(prefix);
      return createRedisTransport({ redis, prefix, blockMs: 100 });
    },
  },
];
afterAll(async () => {
  if (redis) {
    for (const p of prefixes) await deleteKeys(redis, p);
    await redis.quit();
  }
});

describe.each(transports)('channel over the $name transport', ({ make }) => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  async function setup(opts: { capacity?: number; agents?: number; metrics?: Registry } = {}) {
    const transport = make();
    const toProxy: ChannelToProxy[] = [];
    const lanes = new Map<ChannelToProxy, string>();
    const consumer = transport.consumeProxy(async (ms, lane) => {
      toProxy.push(...ms);
      for (const m of ms) lanes.set(m, lane);
    });
    const auth = authenticator();
    const channel: RunningChannel = await startChannel({
      channelId: `ch-${Math.random().toString(36).slice(2)}`, idc: 'test', transport, authenticator: auth,
      capacity: opts.capacity ?? 100, flushMs: 5, statusIntervalMs: 200, ...(opts.metrics && { metrics: opts.metrics }),
    });
    const sim: AgentSim = await startAgentSim({ url: channel.url, agents: ids(opts.agents ?? 3) });
    cleanup.push(async () => {
      await sim.close();
      await channel.close();
      await consumer.close();
      await transport.close();
    });
    return { transport, toProxy, lanes, channel, sim, auth };
  }

  it('serves its connection count at /metrics, and no /metrics without a registry', async () => {
    const { channel, sim } = await setup({ agents: 3, metrics: new Registry() });
    const httpUrl = channel.url.replace(/^ws/, 'http');
    const res = await fetch(`${httpUrl}metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toMatch(/^starling_channel_connections 3$/m);
    expect(text).toMatch(/^starling_channel_pending_to_proxy \d+$/m);
    sim.drop('agent-0');
    await waitFor(async () => /^starling_channel_connections 2$/m.test(await (await fetch(`${httpUrl}metrics`)).text()));
    const bare = await setup({ agents: 0 });
    expect((await fetch(`${bare.channel.url.replace(/^ws/, 'http')}metrics`)).status).toBe(426);
  });

  it('authenticates agents in batches and reports them online, once, in a reset batch', async () => {
    const { toProxy, channel, sim, auth } = await setup({ agents: 3 });
    expect(sim.welcomed()).toBe(3);
    expect(channel.connections()).toBe(3);
    expect(auth.batches).toBeLessThanOrEqual(2);
    const online = await waitFor(() => {
      const all = toProxy.filter((m) => m.type === 'route.changes').flatMap((m) => (m.type === 'route.changes' ? m.online : []));
      return all.length === 3 && all;
    });
    expect(online.map((o) => o.agentId).sort()).toEqual(['agent-0', 'agent-1', 'agent-2']);
    expect(toProxy.some((m) => m.type === 'route.changes' && m.reset)).toBe(true);
    await waitFor(() => toProxy.some((m) => m.type === 'channel.status' && m.connections === 3));
  });

  it('forwards runs, relays acks and results, forwards result acks, and reports offline agents undeliverable', async () => {
    const { transport, toProxy, channel, sim } = await setup({ agents: 2 });
    const d = makeDispatch(key, { agentId: 'agent-1', command: 'echo hi' });
    const lost = makeDispatch(key, { agentId: 'nobody' });
    await transport.sendToChannel(channel.channelId, [
      { type: 'run.dispatch', v: PROTOCOL_VERSION, frame: d },
      { type: 'run.dispatch', v: PROTOCOL_VERSION, frame: lost },
    ]);
    await waitFor(() => toProxy.some((m) => m.type === 'run.result' && m.result.runId === d.runId), { what: 'result relayed' });
    const result = toProxy.find((m) => m.type === 'run.result');
    expect(result).toMatchObject({ agentId: 'agent-1', channelId: channel.channelId, result: { runId: d.runId, outcome: 'SUCCEEDED', stdout: 'ok\n' } });
    // The simulated agent acks and answers at once: the ack travels folded into the result.
    expect(result?.type === 'run.result' && result.ackedAt).toBeGreaterThan(0);
    expect(toProxy.some((m) => m.type === 'run.ack')).toBe(false);
    const undeliverable = await waitFor(() => toProxy.find((m) => m.type === 'run.undeliverable'));
    expect(undeliverable).toMatchObject({ runId: lost.runId, error: { code: 'CHANNEL-ENV-AGENT_OFFLINE' } });
    // The dispatch reached the agent byte-for-byte (its signature still verifies there).
    expect(sim.received.get('agent-1')?.[0]).toEqual(d);

    await transport.sendToChannel(channel.channelId, [{ type: 'result.ack', v: PROTOCOL_VERSION, agentId: 'agent-1', runIds: [d.runId] }]);
    await waitFor(() => sim.received.get('agent-1')?.some((f) => f.type === 'result.ack' && f.runIds[0] === d.runId));
  });

  it('relays an ack on its own when the result does not follow within the window', async () => {
    const transport = make();
    const toProxy: ChannelToProxy[] = [];
    const consumer = transport.consumeProxy(async (ms) => {
      toProxy.push(...ms);
    });
    const channel = await startChannel({ channelId: `ch-${Math.random().toString(36).slice(2)}`, idc: 'test', transport, authenticator: authenticator(), flushMs: 5 });
    const sim = await startAgentSim({ url: channel.url, agents: ids(1), answer: (f) => (f.command === 'slow' ? null : {}) });
    cleanup.push(async () => {
      await sim.close();
      await channel.close();
      await consumer.close();
      await transport.close();
    });
    const d = makeDispatch(key, { agentId: 'agent-0', command: 'slow' });
    await transport.sendToChannel(channel.channelId, [{ type: 'run.dispatch', v: PROTOCOL_VERSION, frame: d }]);
    const ack = await waitFor(() => toProxy.find((m) => m.type === 'run.ack'), { what: 'lone ack' });
    expect(ack).toMatchObject({ agentId: 'agent-0', runId: d.runId, channelId: channel.channelId, duplicate: false });
  });

  it('answers in the lane a run came in: acks, results and undeliverables of interactive runs skip the bulk batch', async () => {
    const { transport, toProxy, lanes, channel } = await setup({ agents: 2 });
    const quick = makeDispatch(key, { agentId: 'agent-0' });
    const lost = makeDispatch(key, { agentId: 'nobody' });
    const slow = makeDispatch(key, { agentId: 'agent-1' });
    await transport.sendToChannel(channel.channelId, [{ type: 'run.dispatch', v: PROTOCOL_VERSION, frame: slow }], 'bulk');
    await transport.sendToChannel(channel.channelId, [
      { type: 'run.dispatch', v: PROTOCOL_VERSION, frame: quick }, { type: 'run.dispatch', v: PROTOCOL_VERSION, frame: lost },
    ], 'interactive');
    const runOf = (m: ChannelToProxy) => (m.type === 'run.result' ? m.result.runId : m.type === 'run.ack' || m.type === 'run.undeliverable' ? m.runId : null);
    await waitFor(() => toProxy.filter((m) => m.type === 'run.result' || m.type === 'run.undeliverable').length === 3, { what: 'two results, one undeliverable' });
    const laneOf = (runId: string) => [...new Set(toProxy.filter((m) => runOf(m) === runId).map((m) => lanes.get(m)))];
    expect(laneOf(quick.runId)).toEqual(['interactive']);
    expect(laneOf(lost.runId)).toEqual(['interactive']);
    expect(laneOf(slow.runId)).toEqual(['bulk']);
    // Status and routing travel in the bulk lane; an agent that connected moments ago has its
    // routing change echoed in front of its interactive messages (they may overtake the bulk
    // lane, and the proxy must know the agent is online before the result ends its task).
    expect(toProxy.filter((m) => m.type === 'channel.status').every((m) => lanes.get(m) === 'bulk')).toBe(true);
    const echoed = toProxy.filter((m) => m.type === 'route.changes' && lanes.get(m) === 'interactive');
    expect(echoed.flatMap((m) => (m.type === 'route.changes' ? m.online.map((o) => o.agentId) : []))).toContain('agent-0');
    expect(echoed.every((m) => m.type === 'route.changes' && !m.reset && !m.online.some((o) => o.agentId === 'agent-1'))).toBe(true);
    expect(toProxy.some((m) => m.type === 'route.changes' && lanes.get(m) === 'bulk' && m.online.some((o) => o.agentId === 'agent-0'))).toBe(true);
  });

  it('answers bad frames with catalogued errors and keeps the connection; heartbeats are coalesced', async () => {
    const { toProxy, channel, sim } = await setup({ agents: 1 });
    sim.sendRaw('agent-0', '{not json');
    sim.sendRaw('agent-0', JSON.stringify({ type: 'run.ack', v: PROTOCOL_VERSION }));
    sim.sendRaw('agent-0', JSON.stringify({ type: 'heartbeat', v: 99 }));
    sim.sendRaw('agent-0', 'x'.repeat(1_048_577));
    const errors = await waitFor(() => {
      const e = (sim.received.get('agent-0') ?? []).filter((f) => f.type === 'error');
      return e.length === 4 && e;
    });
    expect(errors.map((e) => (e.type === 'error' ? e.error.code : ''))).toEqual([
      'CHANNEL-USR-FRAME_MALFORMED', 'CHANNEL-USR-FRAME_INVALID', 'CHANNEL-USR-PROTOCOL_UNSUPPORTED', 'CHANNEL-USR-FRAME_TOO_LARGE',
    ]);
    expect(channel.connections()).toBe(1);
    for (let i = 0; i < 5; i++) sim.heartbeatAll();
    const hb = await waitFor(() => toProxy.find((m) => m.type === 'agent.heartbeats'));
    expect(hb.type === 'agent.heartbeats' && hb.items.length).toBe(1);
  });

  it('closes with 4401 on a bad credential or a frame before hello, and reports a dropped agent offline', async () => {
    const { toProxy, channel, sim } = await setup({ agents: 2 });
    const bad = await startAgentSim({ url: channel.url, agents: [{ agentId: 'agent-x', credential: 'wrong' }] });
    cleanup.push(() => bad.close());
    expect(bad.closes.get('agent-x')).toBe(4401);
    const early = new WebSocket(channel.url);
    const code = await new Promise<number>((resolve) => {
      early.on('open', () => early.send(JSON.stringify({ type: 'run.ack', v: 1, runId: 'r', duplicate: false, at: 1 })));
      early.on('close', (c) => resolve(c));
    });
    expect(code).toBe(4401);
    sim.drop('agent-0');
    const off = await waitFor(() => toProxy.find((m) => m.type === 'route.changes' && m.offline.length > 0));
    expect(off.type === 'route.changes' && off.offline.map((o) => o.agentId)).toEqual(['agent-0']);
    expect(channel.connections()).toBe(1);
  });

  it('replaces an older connection of the same agent without reporting it offline', async () => {
    const { toProxy, channel, sim } = await setup({ agents: 1 });
    const again = await startAgentSim({ url: channel.url, agents: ids(1) });
    cleanup.push(() => again.close());
    await waitFor(() => sim.closes.get('agent-0') === 4409, { what: 'old connection replaced' });
    expect(channel.connections()).toBe(1);
    await channel.close(); // flushes; shutdown reports offline on purpose, so look before it
    const offlines = toProxy.filter((m) => m.type === 'route.changes' && m.offline.length && !m.online.length);
    expect(offlines.length).toBeLessThanOrEqual(1); // only the shutdown one
  });

  it('refuses connections over capacity (4503) and sheds idle agents with a rebalance frame', async () => {
    const { channel, sim } = await setup({ agents: 2, capacity: 2 });
    const extra = await startAgentSim({ url: channel.url, agents: ids(1, 'late') });
    cleanup.push(() => extra.close());
    expect(extra.closes.get('late-0')).toBe(4503);
    expect(channel.shed(1, 1000)).toBe(1);
    const shedOne = await waitFor(() => [...sim.received.values()].flat().find((f) => f.type === 'rebalance'));
    expect(shedOne).toMatchObject({ reason: 'over_capacity', reregister: true });
  });

  it('closes a connection that sends no hello (4408) and drops an agent that goes silent', async () => {
    const transport = make();
    const toProxy: ChannelToProxy[] = [];
    const consumer = transport.consumeProxy(async (ms) => {
      toProxy.push(...ms);
    });
    const channel = await startChannel({
      channelId: `ch-${Math.random().toString(36).slice(2)}`, idc: 'test', transport, authenticator: authenticator(),
      flushMs: 5, helloTimeoutMs: 200, heartbeatMs: 100,
    });
    const sim = await startAgentSim({ url: channel.url, agents: ids(1) });
    cleanup.push(async () => {
      await sim.close();
      await channel.close();
      await consumer.close();
      await transport.close();
    });
    const mute = new WebSocket(channel.url);
    const code = await new Promise<number>((resolve) => mute.on('close', (c) => resolve(c)));
    expect(code).toBe(4408);
    // The simulated agent never heartbeats: after three intervals it is dropped and reported offline.
    await waitFor(() => sim.closes.has('agent-0'), { what: 'silent agent dropped' });
    await waitFor(() => toProxy.some((m) => m.type === 'route.changes' && m.offline.some((o) => o.agentId === 'agent-0')));
    expect(channel.connections()).toBe(0);
  });
});
