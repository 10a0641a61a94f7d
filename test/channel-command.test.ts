import { EventEmitter } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { channelCommand, createBatchingAuthenticator, createRedisTransport } from '../channel/index.js';
import { generateSigningKey, PROTOCOL_VERSION, type ChannelToProxy } from '../protocol/index.js';
import { makeDispatch } from '../protocol/test-fixtures.js';
import { startAgentSim } from './helpers/agent-sim.js';
import { createScratchPostgres } from './helpers/db.js';
import { deleteKeys, TEST_REDIS_URL, testRedis, uniquePrefix } from './helpers/redis.js';
import { waitFor } from './helpers/wait-for.js';

describe('starling channel (command, Redis transport, real sockets)', () => {
  const redis = testRedis();
  const prefix = uniquePrefix('chcmd');
  let pg: Awaited<ReturnType<typeof createScratchPostgres>>;
  const saved = { ...process.env };
  beforeAll(async () => {
    pg = await createScratchPostgres();
    Object.assign(process.env, {
      REDIS_URL: TEST_REDIS_URL, DATABASE_URL: pg.url, TRANSPORT_PREFIX: prefix, CHANNEL_PORT: '0', LOG_LEVEL: 'silent',
    });
  });
  afterAll(async () => {
    process.env = saved;
    await deleteKeys(redis, prefix);
    await redis.quit();
    await pg.drop();
  });

  it('announces itself, takes agents, relays a run both ways over Redis, and stops on SIGTERM', async () => {
    const signals = new EventEmitter();
    const io = { stdout: { write: () => true }, stderr: { write: () => true } };
    const running = channelCommand(['--idc', 'lab', '--id', 'lab-ch-1'], io, {
      createAuthenticator: () => createBatchingAuthenticator({ verifyMany: async (cs) => cs.map((c) => c.credential === 'good-credential') }),
    }, signals);
    const proxySide = createRedisTransport({ redis, prefix, blockMs: 100 });
    const seen: ChannelToProxy[] = [];
    const consumer = proxySide.consumeProxy(async (ms) => {
      seen.push(...ms);
    });
    try {
      const status = await waitFor(() => seen.find((m) => m.type === 'channel.status'), { what: 'channel.status', timeoutMs: 15_000 });
      expect(status).toMatchObject({ channelId: 'lab-ch-1', idc: 'lab', up: true });
      const url = status.type === 'channel.status' ? status.url : '';
      const sim = await startAgentSim({ url, agents: [{ agentId: 'a1', credential: 'good-credential' }] });
      expect(sim.welcomed()).toBe(1);
      const d = makeDispatch(generateSigningKey(), { agentId: 'a1' });
      await proxySide.sendToChannel('lab-ch-1', [{ type: 'run.dispatch', v: PROTOCOL_VERSION, frame: d }]);
      await waitFor(() => seen.some((m) => m.type === 'run.result' && m.result.runId === d.runId), { what: 'result over Redis' });
      await sim.close();
    } finally {
      signals.emit('SIGTERM', 'SIGTERM');
      expect(await running).toBe(0);
      await waitFor(() => seen.some((m) => m.type === 'channel.status' && !m.up), { what: 'last status' });
      await consumer.close();
      await proxySide.close();
    }
  });
});
