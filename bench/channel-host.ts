// A channel in its own process for bench/channel.ts: Redis Streams transport, credentials
// `sim-credential` accepted. Prints `{"event":"listening","url":…}` and runs until SIGTERM.
import { Redis } from 'ioredis';
import { createBatchingAuthenticator, createRedisTransport, startChannel } from '../channel/index.js';

const [redisUrl, prefix, channelId] = process.argv.slice(2);
const redis = new Redis(redisUrl!, { maxRetriesPerRequest: 3 });
const transport = createRedisTransport({ redis, prefix: prefix!, consumerName: channelId!, blockMs: 200 });
const channel = await startChannel({
  channelId: channelId!, idc: 'bench', transport, capacity: 50_000,
  authenticator: createBatchingAuthenticator({ verifyMany: async (cs) => cs.map((c) => c.credential === 'sim-credential') }),
});
process.stdout.write(`${JSON.stringify({ event: 'listening', url: channel.url })}\n`);
process.on('SIGTERM', () => {
  void channel.close().then(async () => {
    await transport.close();
    redis.disconnect();
    process.exit(0);
  });
});
