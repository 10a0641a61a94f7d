import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createInProcessTransport, createRedisTransport, type Transport } from '../channel/index.js';
import { PROTOCOL_VERSION, type ChannelToProxy, type ProxyToChannel } from '../protocol/index.js';
import { deleteKeys, testRedis, uniquePrefix } from './helpers/redis.js';
import { waitFor } from './helpers/wait-for.js';

/** A backend of the behaviour suite: `open(shared)` builds a transport; two opens with the same `shared` talk to each other. */
interface Backend {
  name: string;
  setup(): Promise<{ open(consumerName?: string): Transport; crash(t: Transport): Promise<void>; cleanup(): Promise<void> }>;
}

const backends: Backend[] = [
  {
    name: 'in-process',
    async setup() {
      const t = createInProcessTransport({ retryBaseMs: 10 });
      return { open: () => t, crash: async () => {}, cleanup: () => t.close() };
    },
  },
  {
    name: 'redis',
    async setup() {
      const redis: Redis = testRedis();
      const prefix = uniquePrefix('transport');
      const opened: Transport[] = [];
      return {
        open: (consumerName) => {
          const t = createRedisTransport({ redis, prefix, blockMs: 100, claimIdleMs: 300, claimIntervalMs: 100, ...(consumerName && { consumerName }) });
          opened.push(t);
          return t;
        },
        crash: (t) => t.close(),
        async cleanup() {
          await Promise.all(opened.map((t) => t.close()));
          await deleteKeys(redis, prefix);
          await redis.quit();
        },
      };
    },
  },
];

const ack = (i: number): ProxyToChannel => ({ type: 'result.ack', v: PROTOCOL_VERSION, agentId: `a${i}`, runIds: [`r${i}`] });
const acked = (i: number): ChannelToProxy => ({
  type: 'run.ack', v: PROTOCOL_VERSION, channelId: 'c1', agentId: 'a', runId: `r${i}`, duplicate: false, at: i,
});

describe.each(backends)('transport behaviour: $name', (backend) => {
  let env: Awaited<ReturnType<Backend['setup']>>;
  beforeAll(async () => {
    env = await backend.setup();
  });
  afterAll(async () => {
    await env.cleanup();
  });
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of closers.splice(0)) await c();
  });

  it('delivers dispatches to the named channel only, in order, including ones sent before the consumer started', async () => {
    const proxy = env.open();
    const channel = env.open();
    const id = `ch-${Math.random()}`;
    await proxy.sendToChannel(id, [ack(0), ack(1)]);
    await proxy.sendToChannel(`${id}-other`, [ack(99)]);
    const got: string[] = [];
    const c = channel.consumeChannel(id, async (ms) => {
      for (const m of ms) if (m.type === 'result.ack') got.push(m.agentId);
    });
    closers.push(() => c.close());
    await proxy.sendToChannel(id, [ack(2)]);
    await waitFor(() => got.length === 3, { what: 'three dispatches' });
    expect(got).toEqual(['a0', 'a1', 'a2']);
  });

  it('acknowledges only after the handler resolves: a rejected delivery comes again, nothing lost', async () => {
    const proxy = env.open('proxy-a');
    const channel = env.open();
    let attempts = 0;
    const committed: string[] = [];
    const c = proxy.consumeProxy(async (ms) => {
      attempts++;
      if (attempts <= 2) throw new Error('database commit failed');
      for (const m of ms) if (m.type === 'run.ack') committed.push(m.runId);
    });
    closers.push(() => c.close());
    await channel.sendToProxy([acked(1), acked(2), acked(3)]);
    await waitFor(() => committed.length >= 3, { what: 'commit after retries' });
    expect(attempts).toBeGreaterThanOrEqual(3);
    expect([...new Set(committed)].sort()).toEqual(['r1', 'r2', 'r3']);
  });

  it('batches: many messages in one send arrive in few handler calls', async () => {
    const proxy = env.open('proxy-b');
    const channel = env.open();
    const seen = new Set<string>();
    let calls = 0;
    const c = proxy.consumeProxy(async (ms) => {
      calls++;
      for (const m of ms) if (m.type === 'run.ack') seen.add(m.runId);
    });
    closers.push(() => c.close());
    await channel.sendToProxy(Array.from({ length: 3000 }, (_, i) => acked(1000 + i)));
    await waitFor(() => seen.size === 3000, { what: '3000 messages' });
    expect(calls).toBeLessThanOrEqual(10);
  });

  it('re-claims what a consumer took but never acknowledged (it crashed mid-delivery)', async () => {
    const dying = env.open('proxy-dying');
    const channel = env.open();
    let took = 0;
    const c1 = dying.consumeProxy(async (ms) => {
      took += ms.length;
      await new Promise(() => {}); // never resolves: the commit never happened
    });
    await channel.sendToProxy([acked(7), acked(8)]);
    await waitFor(() => took === 2, { what: 'first consumer took the messages' });
    void c1.close(); // dies with its handler stuck: nothing was acknowledged
    const survivor = env.open('proxy-survivor');
    const got: string[] = [];
    const c2 = survivor.consumeProxy(async (ms) => {
      for (const m of ms) if (m.type === 'run.ack') got.push(m.runId);
    });
    closers.push(() => c2.close());
    await waitFor(() => got.length >= 2, { what: 'survivor re-claimed', timeoutMs: 10_000 });
    expect(got.sort()).toEqual(['r7', 'r8']);
  });

  it('a restarted channel (same consumer name) gets the dispatches its dead predecessor took, at once', async () => {
    const proxy = env.open();
    const id = `ch-restart-${Math.random()}`;
    const dead = env.open(id);
    let took = 0;
    const c1 = dead.consumeChannel(id, async (ms) => {
      took += ms.length;
      await new Promise(() => {}); // killed before it could finish
    });
    await proxy.sendToChannel(id, [ack(41), ack(42)]);
    await waitFor(() => took === 2, { what: 'first incarnation took them' });
    void c1.close();
    const again = env.open(id);
    const got: string[] = [];
    const t0 = Date.now();
    const c2 = again.consumeChannel(id, async (ms) => {
      for (const m of ms) if (m.type === 'result.ack') got.push(m.agentId);
    });
    closers.push(() => c2.close());
    await waitFor(() => got.length >= 2, { what: 'restarted channel re-read its pending dispatches' });
    expect(got).toEqual(['a41', 'a42']);
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it('lanes: an interactive delivery is handled while a bulk delivery is still pending; each lane keeps its order', async () => {
    const proxy = env.open();
    const channel = env.open();
    const id = `ch-lanes-${Math.random()}`;
    const got: Array<{ lane: string; agentId: string }> = [];
    let releaseBulk!: () => void;
    const bulkHeld = new Promise<void>((r) => (releaseBulk = r));
    let bulkCalls = 0;
    const c = channel.consumeChannel(id, async (ms, lane) => {
      for (const m of ms) if (m.type === 'result.ack') got.push({ lane, agentId: m.agentId });
      if (lane === 'bulk' && bulkCalls++ === 0) await bulkHeld; // a long bulk delivery (a 10,000-run chunk)
    });
    closers.push(() => c.close());
    await proxy.sendToChannel(id, [ack(0), ack(1)]); // no lane: bulk
    await waitFor(() => got.length === 2, { what: 'the bulk delivery started' });
    await proxy.sendToChannel(id, [ack(2)], 'bulk');
    await proxy.sendToChannel(id, [ack(10)], 'interactive');
    await proxy.sendToChannel(id, [ack(11)], 'interactive');
    await waitFor(() => got.filter((g) => g.lane === 'interactive').length === 2, { what: 'interactive delivered past the held bulk delivery' });
    expect(got.map((g) => g.agentId)).toEqual(['a0', 'a1', 'a10', 'a11']); // a2 waits behind its own lane
    releaseBulk();
    await waitFor(() => got.length === 5, { what: 'the rest of the bulk lane' });
    expect(got.filter((g) => g.lane === 'bulk').map((g) => g.agentId)).toEqual(['a0', 'a1', 'a2']);
  });

  it('lanes on the results side: the handler learns the lane, and a rejected interactive delivery comes again in its lane', async () => {
    const proxy = env.open('proxy-lanes');
    const channel = env.open();
    const seen: Array<{ lane: string; runId: string }> = [];
    let failedOnce = false;
    const c = proxy.consumeProxy(async (ms, lane) => {
      if (lane === 'interactive' && !failedOnce) {
        failedOnce = true;
        throw new Error('database commit failed');
      }
      for (const m of ms) if (m.type === 'run.ack') seen.push({ lane, runId: m.runId });
    });
    closers.push(() => c.close());
    await channel.sendToProxy([acked(21)], 'interactive');
    await channel.sendToProxy([acked(22)]);
    await waitFor(() => seen.length === 2, { what: 'both lanes', timeoutMs: 10_000 });
    expect(seen.sort((a, b) => a.runId.localeCompare(b.runId))).toEqual([
      { lane: 'interactive', runId: 'r21' }, { lane: 'bulk', runId: 'r22' },
    ]);
    expect(failedOnce).toBe(true);
  });

  it('close() is safe to call twice', async () => {
    const t = env.open();
    const c = t.consumeChannel('twice', async () => {});
    await c.close();
    await c.close();
  });
});
