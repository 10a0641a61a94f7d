import { Redis } from 'ioredis';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { createLogger, systemClock, StarlingError, type Clock, type Config, type Logger } from '../core/index.js';
import { migrate, openDatabase, type Database, type Db } from '../db/index.js';
import { createJobs, registerJobMetrics, type Jobs } from '../jobs/index.js';

/**
 * The handles every component works with, built once by the composition root and passed
 * down. There are no module-level singletons: a function that needs the database takes
 * `ctx`, and `ctx.db` may be a transaction (see {@link withDb}).
 */
export interface Context {
  readonly config: Config;
  readonly log: Logger;
  readonly clock: Clock;
  /** The open database and its lifecycle. */
  readonly database: Database;
  /** The drizzle handle: the database, or a transaction inside {@link withDb}. */
  readonly db: Db;
  /** Redis when REDIS_URL is set, else null. */
  readonly redis: Redis | null;
  readonly jobs: Jobs;
  /** This process's Prometheus registry (never prom-client's global one); served at /metrics. */
  readonly metrics: Registry;
}

/** A copy of the context whose `db` is the given transaction. */
export function withDb(ctx: Context, db: Db): Context {
  return { ...ctx, db };
}

/** Options of {@link createContext}. */
export interface CreateContextOptions {
  /** Logger; default a pino logger from LOG_LEVEL/LOG_FORMAT. */
  log?: Logger;
  /** Clock; default the system clock. */
  clock?: Clock;
  /** Apply migrations on open; default true. */
  migrate?: boolean;
  /** BullMQ key prefix; default the JOBS_PREFIX setting. */
  jobsPrefix?: string;
  /** An already open database to use instead of opening one from the config (tests). */
  database?: Database;
}

/** Open a Redis client that reconnects by itself and never exits the process on errors. */
export async function openRedis(url: string, log: Logger): Promise<Redis> {
  const redis = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 3,
    retryStrategy: (times) => Math.min(200 * 2 ** Math.min(times, 6), 5000),
  });
  let lastError = '';
  redis.on('error', (err: Error) => {
    if (err.message !== lastError) log.warn({ err: err.message }, 'redis connection error');
    lastError = err.message;
  });
  redis.on('ready', () => {
    lastError = '';
  });
  try {
    await redis.connect();
  } catch (err) {
    redis.disconnect();
    throw new StarlingError('PROXY-DEP-REDIS_UNAVAILABLE', { reason: (err as Error).message }, {}, { cause: err });
  }
  return redis;
}

/** Ping Redis; throws PROXY-DEP-REDIS_UNAVAILABLE when it does not answer within `timeoutMs`. */
export async function pingRedis(redis: Redis, timeoutMs = 1000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      redis.ping(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } catch (err) {
    throw new StarlingError('PROXY-DEP-REDIS_UNAVAILABLE', { reason: (err as Error).message }, {}, { cause: err });
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Build the context from configuration: the database (Postgres or embedded PGlite, migrated),
 * Redis when configured, and the jobs floor on top of it.
 */
export async function createContext(config: Config, options: CreateContextOptions = {}): Promise<Context & { close(): Promise<void> }> {
  const log = options.log ?? createLogger({ level: config.LOG_LEVEL, format: config.LOG_FORMAT });
  const database = options.database ?? (await openDatabase({ url: config.DATABASE_URL, dataDir: config.STARLING_DATA_DIR, log }));
  let redis: Redis | null = null;
  try {
    if (options.migrate ?? true) await migrate(database);
    if (config.REDIS_URL) redis = await openRedis(config.REDIS_URL, log);
  } catch (err) {
    await database.close();
    throw err;
  }
  const jobs = createJobs({ redis, log, prefix: options.jobsPrefix ?? config.JOBS_PREFIX });
  const metrics = new Registry();
  collectDefaultMetrics({ register: metrics });
  // Every process that owns queues (server, proxy, worker) exports their counts.
  registerJobMetrics(metrics, jobs);
  let closing: Promise<void> | undefined;
  return {
    config,
    log,
    clock: options.clock ?? systemClock,
    database,
    db: database.db,
    redis,
    jobs,
    metrics,
    close: () =>
      (closing ??= (async () => {
        await jobs.close();
        if (redis) await redis.quit().catch(() => redis?.disconnect());
        await database.close();
      })()),
  };
}
