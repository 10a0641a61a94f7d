import { afterEach, expect, it } from 'vitest';
import { MessageLedger } from '../bot/index.js';
import { botMessages } from '../db/index.js';
import { openScratchPostgres } from './helpers/db.js';
import { deleteKeys, testRedis, uniquePrefix } from './helpers/redis.js';
import { waitFor } from './helpers/wait-for.js';

let cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

it('with Redis a claim costs one script call; the row follows in the background', async () => {
  const database = await openScratchPostgres();
  const redis = testRedis();
  const prefix = uniquePrefix('ledger');
  const ledger = new MessageLedger(database.db, { historyDelayMs: 300, redis: { client: redis, prefix, ttlMs: 7 * 86_400_000 } });
  cleanup.push(async () => {
    await ledger.close();
    await deleteKeys(redis, prefix);
    redis.disconnect();
    await database.close();
  });
  const rows = () => database.db.select().from(botMessages);
  const before = database.statements;
  expect(await ledger.claim({ platform: 'dingtalk', messageId: 'fast', conversationId: 'cidA==', senderId: 's' }, 1_234)).toBe(true);
  expect(database.statements).toBe(before);
  // The marker holds the claiming job's identity for the retention.
  expect(await redis.get(`${prefix}:msg:dingtalk:fast`)).toBe('1234');
  expect(await redis.pttl(`${prefix}:msg:dingtalk:fast`)).toBeGreaterThan(7 * 86_400_000 - 60_000);
  expect(await rows()).toHaveLength(0);
  await waitFor(async () => (await rows()).length === 1);
});
