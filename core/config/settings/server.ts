import { z } from 'zod';
import { boolish, positiveInt, port, setting } from '../setting.js';

/** Settings of the server process: listening, storage, Redis, logging, limits. */
export const serverSettings = {
  PORT: setting({
    schema: port, default: 8080,
    doc: 'TCP port of the HTTP API. 0 picks a free port (tests).',
    allowed: 'an integer from 0 to 65535',
  }),
  HOST: setting({
    schema: z.string().min(1), default: '127.0.0.1',
    doc: 'Address the HTTP API listens on. Use 0.0.0.0 to listen on every interface.',
    allowed: 'a host name or IP address',
  }),
  DATABASE_URL: setting({
    schema: z.string().regex(/^postgres(ql)?:\/\//, 'must start with postgres:// or postgresql://'),
    doc: 'PostgreSQL connection URL. Unset: embedded PGlite, stored under STARLING_DATA_DIR. Small statements are prepared; behind a pooler in transaction mode add ?prepare=false.',
    allowed: 'a postgres:// or postgresql:// URL',
    secret: true,
  }),
  REDIS_URL: setting({
    schema: z.string().regex(/^rediss?:\/\//, 'must start with redis:// or rediss://'),
    doc: 'Redis connection URL for BullMQ jobs and the proxy-channel transport. Unset: jobs and transport run in-process.',
    allowed: 'a redis:// or rediss:// URL',
    secret: true,
  }),
  JOBS_WORKERS: setting({
    schema: boolish, default: true,
    doc: 'Whether `starling server` and `starling proxy` process jobs (robot commands and replies, diagnoses, CMDB reconciliation, clean-ups) themselves. false (or `--no-workers`): they only queue jobs, and `starling worker` processes them; this needs REDIS_URL and is refused without it (PROXY-USR-WORKERS_NEED_REDIS). `starling worker` ignores the setting.',
    allowed: 'true or false',
  }),
  JOBS_PREFIX: setting({
    schema: z.string().min(1).max(100), default: 'starling',
    doc: 'Key prefix of the BullMQ queues in Redis (and of the robot\'s rate limiter and message ledger); every process of one installation must use the same, and installations sharing a Redis must differ.',
    allowed: 'a non-empty string of at most 100 characters',
  }),
  STARLING_DATA_DIR: setting({
    schema: z.string().min(1), default: './.starling',
    doc: 'Directory for local state: the embedded database (pglite/ below it) and generated keys.',
    allowed: 'a directory path',
  }),
  LOG_LEVEL: setting({
    schema: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']), default: 'info',
    doc: 'Minimum level of log records.',
    allowed: 'one of fatal, error, warn, info, debug, trace, silent',
  }),
  LOG_FORMAT: setting({
    schema: z.enum(['json', 'pretty']), default: 'json',
    doc: 'json: one JSON object per line (pino). pretty: human-readable lines for a terminal.',
    allowed: 'json or pretty',
  }),
  BODY_LIMIT_BYTES: setting({
    schema: positiveInt, default: 1_048_576,
    doc: 'Largest accepted HTTP request body, in bytes. Larger bodies get PROXY-USR-BODY_TOO_LARGE.',
    allowed: 'a positive integer',
  }),
  SHUTDOWN_TIMEOUT_MS: setting({
    schema: positiveInt, default: 10_000,
    doc: 'How long SIGINT/SIGTERM waits for HTTP, jobs and the database to close before exiting anyway.',
    allowed: 'a positive integer (milliseconds)',
  }),
};
