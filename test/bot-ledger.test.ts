import { afterEach, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { botMessages, type Database } from '../db/index.js';
import { MessageLedger, type MessageClaim } from '../bot/index.js';
import { openMemoryPglite, openScratchPostgres } from './helpers/db.js';
import { deleteKeys, testRedis, uniquePrefix } from './helpers/redis.js';
import { waitFor } from './helpers/wait-for.js';

// The de-duplication ledger on its own, against every storage it runs on: the batched INSERT
// deciding (no Redis; PGlite or Postgres) and a Redis script deciding with the rows written behind.
const setups = [
  { name: 'pglite, no redis', open: openMemoryPglite, redis: false },
  { name: 'postgres, no redis', open: openScratchPostgres, redis: false },
  { name: 'postgres + redis', open: openScratchPostgres, redis: true },
];

const TTL_MS = 7 * 86_400_000;
let cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

const msg = (messageId: string): MessageClaim => ({ platform: 'dingtalk', messageId, conversationId: 'cidA==', senderId: 'staff-a' });

describe.each(setups)('message ledger on $name', (setup) => {
  let database: Database;
  let redis: Redis | null;
  let prefix: string;
  const ledgerOn = (options: { recentKept?: number } = {}) =>
    new MessageLedger(database.db, { ...options, redis: redis ? { client: redis, prefix, ttlMs: TTL_MS } : undefined });
  const start = async (options: { recentKept?: number } = {}) => {
    database = await setup.open();
    redis = setup.redis ? testRedis() : null;
    prefix = uniquePrefix('ledger');
    const ledger = ledgerOn(options);
    cleanup.push(async () => {
      await ledger.close();
      if (redis) {
        await deleteKeys(redis, prefix);
        redis.disconnect();
      }
      await database.close();
    });
    return ledger;
  };
  const rows = () => database.db.select().from(botMessages);

  it('gives each id of a burst to exactly one job, writing the rows in one INSERT', async () => {
    const ledger = await start();
    const before = database.statements;
    const ids = Array.from({ length: 200 }, (_, i) => `burst-${i}`);
    // Two jobs per id (accepted at different times, as by two processes): one claim each wins.
    const results = await Promise.all([...ids.map((id) => ledger.claim(msg(id), 1_000)), ...ids.map((id) => ledger.claim(msg(id), 2_000))]);
    expect(results.slice(0, 200)).toEqual(Array(200).fill(true));
    expect(results.slice(200)).toEqual(Array(200).fill(false));
    let polls = 0;
    await waitFor(async () => {
      polls++;
      return (await rows()).length === 200;
    });
    // With Redis the rows are history written behind the claims: the burst may straddle two batches.
    expect(database.statements - before - polls).toBeLessThanOrEqual(setup.redis ? 2 : 1);
    expect(database.statements - before - polls).toBeGreaterThanOrEqual(1);
  });

  it('lets the claiming job retry, refuses any other job, also through a second ledger (another process)', async () => {
    const ledger = await start();
    expect(await ledger.claim(msg('m1'), 1_000)).toBe(true);
    expect(await ledger.claim(msg('m1'), 1_000)).toBe(true); // the same job, retried
    expect(await ledger.claim(msg('m1'), 2_000)).toBe(false); // a redelivery's job
    await ledger.close(); // writes what is pending
    const other = ledgerOn();
    expect(await other.claim(msg('m1'), 2_000)).toBe(false);
    expect(await other.claim(msg('m1'), 1_000)).toBe(true);
    expect(await other.claim(msg('m2'), 3_000)).toBe(true);
    await other.close();
    const all = await rows();
    expect(all.map((r) => [r.messageId, r.receivedAt.getTime()]).sort()).toEqual([['m1', 1_000], ['m2', 3_000]]);
    if (redis) expect(await redis.pttl(`${prefix}:msg:dingtalk:m1`)).toBeGreaterThan(TTL_MS - 60_000);
  });

  it('remembers the ids this process queued, bounded', async () => {
    const ledger = await start({ recentKept: 3 });
    for (const id of ['a', 'b', 'c', 'd']) ledger.noteQueued(msg(id));
    expect(['a', 'b', 'c', 'd'].map((id) => ledger.queuedRecently(msg(id)))).toEqual([false, true, true, true]);
  });

  it('prunes ids by when they were accepted', async () => {
    const ledger = await start();
    const now = Date.now();
    expect(await ledger.claim(msg('old'), now - 10 * 86_400_000)).toBe(true);
    expect(await ledger.claim(msg('new'), now)).toBe(true);
    await waitFor(async () => (await rows()).length === 2);
    expect(await ledger.prune(new Date(now - TTL_MS))).toBe(1);
    expect((await rows()).map((r) => r.messageId)).toEqual(['new']);
  });
});
