import { Registry } from 'prom-client';
import { createLogger, loadConfig, systemClock } from '../../core/index.js';
import type { Database } from '../../db/index.js';
import { createApp, startHttpServer } from '../../http/index.js';
import { createJobs } from '../../jobs/index.js';
import type { Context } from '../../runtime/index.js';
import { createBot, type Bot, type BotOptions, type BotServices } from '../../bot/index.js';
import { referenceSign, startFakeDingtalk, type FakeDingtalk, type FakeDingtalkOptions } from './fake-dingtalk.js';
import { deleteKeys, testRedis, uniquePrefix } from './redis.js';

/** The app secret the harness configures; tests sign callbacks with it themselves. */
export const TEST_APP_SECRET = 'appSecretExample_ABCdef0123456789';

/** Options of {@link startBotHarness}. */
export interface BotHarnessOptions {
  /** Opens the database (a testDatabases() backend). */
  openDatabase(): Promise<Database>;
  /** Use BullMQ on the test Redis instead of in-process jobs; default false. */
  redis?: boolean;
  /** Extra settings (env names), or a function of the fake for URLs that name its port. */
  env?: Record<string, string> | ((fake: FakeDingtalk) => Record<string, string>);
  bot?: BotOptions;
  /** Build the bot's services from the context (e.g. componentBotServices); wins over bot.services. */
  services?: (ctx: Context) => BotServices;
  fake?: FakeDingtalkOptions;
  /** Start the job workers; default true (false measures the HTTP path alone). */
  startJobs?: boolean;
}

/** A running bot over real HTTP with a fake DingTalk beside it. */
export interface BotHarness {
  url: string;
  fake: FakeDingtalk;
  ctx: Context;
  bot: Bot;
  /** POST a robot message to /bot/dingtalk, signed by the test from the documented rule unless headers are given. */
  callback(body: unknown, headers?: Record<string, string>): Promise<Response>;
  close(): Promise<void>;
}

/** Headers of a correctly signed callback at `ts` (ms), computed from the documented rule. */
export function signedHeaders(ts = Date.now(), secret = TEST_APP_SECRET): Record<string, string> {
  return { timestamp: String(ts), sign: referenceSign(String(ts), secret), 'content-type': 'application/json; charset=utf-8' };
}

/** A DingTalk group @-mention (the official body shape) replying through the fake's session webhook. */
export function groupMessage(fake: FakeDingtalk, text: string, over: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Date.now();
  const msgId = `msg${Math.random().toString(36).slice(2)}==`;
  return {
    conversationId: 'cidGroupA==',
    atUsers: [{ dingtalkId: '$:LWCP_v1:$robot' }],
    chatbotCorpId: 'dingcorp',
    chatbotUserId: '$:LWCP_v1:$robot',
    msgId,
    senderNick: '杨工',
    isAdmin: false,
    senderStaffId: 'staff-yang',
    sessionWebhookExpiredTime: now + 5_400_000,
    createAt: now,
    senderCorpId: 'dingcorp',
    conversationType: '2',
    senderId: '$:LWCP_v1:$sender',
    conversationTitle: '运维群',
    isInAtList: true,
    sessionWebhook: fake.sessionWebhook(`s-${msgId}`),
    text: { content: ` ${text}` },
    robotCode: 'dingrobot01',
    msgtype: 'text',
    ...over,
  };
}

/** Start the fake DingTalk, a context (PGlite or Postgres; in-process jobs or BullMQ), the bot and the HTTP app. */
export async function startBotHarness(options: BotHarnessOptions): Promise<BotHarness> {
  const fake = await startFakeDingtalk(options.fake);
  const config = loadConfig({
    env: {
      LOG_LEVEL: 'silent',
      DINGTALK_APP_SECRET: TEST_APP_SECRET,
      DINGTALK_API_BASE: fake.url,
      DINGTALK_WEBHOOK_HOSTS: '127.0.0.1',
      BOT_CONVERSATIONS: '*',
      BOT_LINK_BASE_URL: 'https://starling.test',
      ...(typeof options.env === 'function' ? options.env(fake) : options.env),
    },
  });
  const log = createLogger({ level: 'silent' });
  const database = await options.openDatabase();
  const redis = options.redis ? testRedis() : null;
  const prefix = uniquePrefix('bot');
  const jobs = createJobs({ redis, prefix, log });
  const ctx: Context = { config, log, clock: systemClock, database, db: database.db, redis, jobs, metrics: new Registry() };
  const bot = createBot(ctx, { redisPrefix: `${prefix}:limiter`, ...options.bot, ...(options.services && { services: options.services(ctx) }) });
  const app = createApp(ctx, { routes: [bot.routes()] });
  if (options.startJobs ?? true) await jobs.start();
  await bot.start();
  const server = await startHttpServer(app.fetch, { port: 0, host: '127.0.0.1' });
  let closing: Promise<void> | undefined;
  return {
    url: server.url,
    fake,
    ctx,
    bot,
    callback: (body, headers) =>
      fetch(`${server.url}/bot/dingtalk`, {
        method: 'POST',
        headers: headers ?? signedHeaders(),
        body: typeof body === 'string' ? body : JSON.stringify(body),
      }),
    close: () =>
      (closing ??= (async () => {
        await server.close(1000);
        await bot.close();
        await jobs.close();
        if (redis) {
          await deleteKeys(redis, prefix);
          redis.disconnect();
        }
        await database.close();
        await fake.close();
      })()),
  };
}
