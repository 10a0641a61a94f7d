import type { OpenAPIHono } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { onceClose, StarlingError } from '../core/index.js';
import type { Context } from '../runtime/index.js';
import type { ChatAdapter, InboundMessage } from './adapter.js';
import { COMMAND_JOB, processCommand, type CommandJobData } from './command-job.js';
import type { AccessPolicy } from './command/access.js';
import type { BotServices } from './command/services.js';
import { DELIVER_JOB, processDelivery, type DeliverJobData } from './delivery/delivery-job.js';
import { createMemoryLimiter, createRedisLimiter, type SlotLimiter } from './delivery/rate-limiter.js';
import { createDingtalkAdapter, type DingtalkAdapter, type DingtalkAdapterOptions } from './dingtalk/adapter.js';
import { DingtalkStreamReceiver } from './dingtalk/stream.js';
import { MessageLedger, type MessageClaim, type MessageLedgerOptions } from './inbox/message-ledger.js';
import { jobIdOf } from './job-id.js';
import type { Reply } from './render/reply.js';
import { botRouter } from './routes.js';

/** Options of {@link createBot}. */
export interface BotOptions {
  /** The verbs behind the commands, built by the composition root; default none (every data command answers BOT-SYS-FEATURE_UNAVAILABLE). */
  services?: BotServices;
  /** Guards `POST /v1/notify` (admins only). Default none: the route is not mounted. */
  adminAuth?: MiddlewareHandler;
  /** DingTalk adapter overrides (tests shorten windows and margins); default from the configuration. */
  dingtalk?: Partial<DingtalkAdapterOptions>;
  /** Extra spacing on the rate-limit window, ms; default 1,000. */
  rateMarginMs?: number;
  /** Send-slot limiter; default Redis-backed when ctx.redis is set, in memory otherwise. */
  limiter?: SlotLimiter;
  /** Commands answered at once; default 8. */
  commandConcurrency?: number;
  /** Deliveries sent at once; default 4. */
  deliveryConcurrency?: number;
  /** Tries of a delivery that fails transiently; default 5. */
  deliveryAttempts?: number;
  /** First retry delay of a failed delivery, ms (doubled per try); default 1,000. */
  deliveryBackoffMs?: number;
  /** Largest callback body, bytes; default 65,536. */
  callbackBodyLimit?: number;
  /** Upper bound of one command's service call, ms; default 20,000. */
  commandTimeoutMs?: number;
  /** Stream reconnect backoff base, ms; default 1,000. */
  streamReconnectBaseMs?: number;
  /** Redis key prefix of the limiter and the message ledger; default `<JOBS_PREFIX>:bot` (`starling:bot`). */
  redisPrefix?: string;
  /** How long message ids are kept for de-duplication, ms; default 7 days (DingTalk redelivers within minutes). */
  messageRetentionMs?: number;
  /** Batching of the message-id ledger; defaults as in {@link MessageLedgerOptions} (claims 10 ms without Redis, history rows 100 ms with it). */
  ledger?: Pick<MessageLedgerOptions, 'maxDelayMs' | 'historyDelayMs'>;
}

/** Queue name of the hourly sweep of old message ids. */
export const PRUNE_JOB = 'bot.prune';

/** The outcome of offering a message to the bot. */
export type AcceptResult = 'accepted' | 'duplicate';

/** The robot: adapters, the de-duplication ledger, the job processors and the Stream receiver. */
export interface Bot {
  readonly dingtalk: DingtalkAdapter;
  readonly adapters: ReadonlyMap<string, ChatAdapter>;
  /**
   * Queue a normalised message ('duplicate': this process queued it lately, nothing done); the
   * answer follows asynchronously, after the job has claimed the message id.
   */
  accept(message: InboundMessage): Promise<AcceptResult>;
  /** Queue a notification through the custom robot; returns the delivery keys. Throws BOT-SYS-NOT_CONFIGURED without one. */
  notify(reply: Reply): Promise<string[]>;
  /** The HTTP routes: `POST /bot/dingtalk` (when DINGTALK_APP_SECRET is set) and `POST /v1/notify` (when adminAuth is given). */
  routes(): OpenAPIHono;
  /** Schedule the hourly prune and start Stream mode when DINGTALK_STREAM is true. */
  start(): Promise<void>;
  /** Stop the Stream receiver and flush the ledger. Safe to call twice. */
  close(): Promise<void>;
}

const messageClaim = (m: InboundMessage): MessageClaim => ({ platform: m.platform, messageId: m.messageId, conversationId: m.conversationId, senderId: m.senderId });

/** Read the access policy from the configuration. */
export function policyFromConfig(config: Context['config']): AccessPolicy {
  return {
    conversations: config.BOT_CONVERSATIONS,
    senders: config.BOT_SENDERS,
    actingEnabled: config.BOT_ACTING_ENABLED,
    actingSenders: config.BOT_ACTING_SENDERS,
  };
}

/**
 * Build the robot on a context and define its two job queues (`bot.command`, `bot.deliver`) on
 * `ctx.jobs`; call once per context, before `ctx.jobs.start()`.
 */
export function createBot(ctx: Context, options: BotOptions = {}): Bot {
  const cfg = ctx.config;
  const stop = new AbortController();
  const dingtalk = createDingtalkAdapter({
    appSecret: cfg.DINGTALK_APP_SECRET,
    clientId: cfg.DINGTALK_CLIENT_ID,
    clientSecret: cfg.DINGTALK_CLIENT_SECRET,
    apiBase: cfg.DINGTALK_API_BASE,
    webhookHosts: cfg.DINGTALK_WEBHOOK_HOSTS,
    robotWebhook: cfg.DINGTALK_ROBOT_WEBHOOK,
    robotSecret: cfg.DINGTALK_ROBOT_SECRET,
    perMinute: cfg.BOT_RATE_LIMIT_PER_MINUTE,
    rateLimitPauseMs: cfg.BOT_RATE_LIMITED_BACKOFF_MS,
    now: () => ctx.clock.now(),
    ...options.dingtalk,
  });
  const adapters = new Map<string, ChatAdapter>([[dingtalk.platform, dingtalk]]);
  const limiterOptions = { max: dingtalk.limits.perWindow, windowMs: dingtalk.limits.windowMs, marginMs: options.rateMarginMs ?? 1000 };
  const redisPrefix = options.redisPrefix ?? `${cfg.JOBS_PREFIX}:bot`;
  const limiter =
    options.limiter ??
    (ctx.redis ? createRedisLimiter(ctx.redis, redisPrefix, limiterOptions) : createMemoryLimiter(limiterOptions));
  const retentionMs = options.messageRetentionMs ?? 7 * 86_400_000;
  const ledger = new MessageLedger(ctx.db, {
    ...options.ledger,
    redis: ctx.redis ? { client: ctx.redis, prefix: redisPrefix, ttlMs: retentionMs } : undefined,
    log: ctx.log,
  });
  const deliveryAttempts = options.deliveryAttempts ?? 5;

  ctx.jobs.define<CommandJobData>({
    name: COMMAND_JOB,
    concurrency: options.commandConcurrency ?? 8,
    attempts: 3,
    process: (data) =>
      processCommand(
        {
          jobs: ctx.jobs, log: ctx.log, adapters, signal: stop.signal, limiter, clock: ctx.clock,
          claim: (d) => ledger.claim(messageClaim(d.message), d.acceptedAt),
          command: { services: options.services ?? {}, policy: policyFromConfig(cfg), linkBase: cfg.BOT_LINK_BASE_URL, timeoutMs: options.commandTimeoutMs ?? 20_000 },
        },
        data,
      ),
  });
  ctx.jobs.define<DeliverJobData>({
    name: DELIVER_JOB,
    concurrency: options.deliveryConcurrency ?? 4,
    attempts: deliveryAttempts,
    backoffMs: options.deliveryBackoffMs ?? 1000,
    process: (data, job) =>
      processDelivery({ db: ctx.db, jobs: ctx.jobs, log: ctx.log, clock: ctx.clock, limiter, adapters, attempts: deliveryAttempts, signal: stop.signal }, data, job),
  });

  ctx.jobs.define<Record<string, never>>({
    name: PRUNE_JOB,
    attempts: 1,
    process: async () => {
      const removed = await ledger.prune(new Date(ctx.clock.now() - retentionMs));
      if (removed > 0) ctx.log.info({ removed }, 'old robot message ids pruned');
      return removed;
    },
  });

  let stream: DingtalkStreamReceiver | undefined;

  const bot: Bot = {
    dingtalk,
    adapters,
    async accept(message) {
      // The acknowledgement waits for the queue alone: the job (durable in BullMQ; in memory without
      // Redis) is the message. Its id derives from the msgId, so a redelivery while the queue still
      // knows the job adds nothing; one that gets further is dropped by the claim before processing.
      const claim = messageClaim(message);
      if (ledger.queuedRecently(claim)) return 'duplicate';
      const data: CommandJobData = { message, acceptedAt: ctx.clock.now() };
      await ctx.jobs.enqueue(COMMAND_JOB, data, { jobId: jobIdOf('command', message.platform, message.messageId) });
      ledger.noteQueued(claim);
      return 'accepted';
    },
    async notify(reply) {
      if (!dingtalk.canNotify) throw new StarlingError('BOT-SYS-NOT_CONFIGURED', { feature: 'Notifications', settings: 'DINGTALK_ROBOT_WEBHOOK (and DINGTALK_ROBOT_SECRET)' });
      const handle = dingtalk.robotHandle();
      const robotKey = dingtalk.robotKey({ replyHandle: handle, conversationId: '' });
      const batch = `notify:${ctx.clock.now()}:${Math.random().toString(36).slice(2, 10)}`;
      const keys: string[] = [];
      for (const [i, part] of dingtalk.render(reply).entries()) {
        const deliveryKey = `${batch}:${i}`;
        const job: DeliverJobData = { platform: dingtalk.platform, deliveryKey, robotKey, handle, message: part, conversationId: null, sourceMessageId: null, useFallback: false, hop: 0, tries: 0 };
        await ctx.jobs.enqueue(DELIVER_JOB, job, { jobId: jobIdOf('deliver', deliveryKey, 0) });
        keys.push(deliveryKey);
      }
      return keys;
    },
    routes() {
      return botRouter(ctx, bot, { adminAuth: options.adminAuth, callbackBodyLimit: options.callbackBodyLimit ?? 65_536 });
    },
    async start() {
      await ctx.jobs.repeat(PRUNE_JOB, {}, { everyMs: 3_600_000 }, 'bot-prune');
      if (!cfg.DINGTALK_STREAM || stream) return;
      if (!cfg.DINGTALK_CLIENT_ID || !cfg.DINGTALK_CLIENT_SECRET) {
        throw new StarlingError('BOT-SYS-NOT_CONFIGURED', { feature: 'DingTalk Stream mode', settings: 'DINGTALK_CLIENT_ID and DINGTALK_CLIENT_SECRET' });
      }
      stream = new DingtalkStreamReceiver({
        clientId: cfg.DINGTALK_CLIENT_ID,
        clientSecret: cfg.DINGTALK_CLIENT_SECRET,
        apiBase: cfg.DINGTALK_API_BASE,
        log: ctx.log,
        reconnectBaseMs: options.streamReconnectBaseMs,
        onMessage: async (body) => {
          const result = await bot.accept(dingtalk.parse(body));
          if (result === 'duplicate') ctx.log.info('dingtalk stream redelivery ignored');
        },
      });
      await stream.start();
    },
    close: onceClose(async () => {
      stop.abort();
      await stream?.close();
      await ledger.close();
    }),
  };
  return bot;
}

/** The robot's routes on a context: shorthand for `createBot(ctx, options).routes()` when nothing else needs the bot. */
export function botRoutes(ctx: Context, options: BotOptions = {}): OpenAPIHono {
  return createBot(ctx, options).routes();
}
