import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

/** URL of the real Redis used by integration tests. */
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A unique key prefix for one test, so parallel tests never see each other's keys. */
export function uniquePrefix(name = 't'): string {
  return `starling-test-${name}-${randomBytes(5).toString('hex')}`;
}

/** Delete every key under a prefix (SCAN, never FLUSHALL). */
export async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    cursor = next;
    if (keys.length) await redis.del(...keys);
  } while (cursor !== '0');
}

/** A Redis client for tests. */
export function testRedis(): Redis {
  return new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 3 });
}
