import type { Redis } from 'ioredis';
import type { Logger } from '../core/index.js';
import { createBullJobs } from './bullmq.js';
import { createInProcessJobs } from './in-process.js';
import type { Jobs } from './types.js';

export * from './types.js';
export { createBullJobs, type BullJobsOptions } from './bullmq.js';
export { createInProcessJobs, type InProcessJobsOptions } from './in-process.js';
export { registerJobMetrics } from './metrics.js';

/** Options of {@link createJobs}. */
export interface CreateJobsOptions {
  /** Redis client: BullMQ when given, in-process when null/absent. */
  redis?: Redis | null;
  /** BullMQ key prefix; default `starling`. */
  prefix?: string;
  log?: Logger;
}

/** The jobs floor: BullMQ on Redis when configured, the same processors in-process otherwise. */
export function createJobs(options: CreateJobsOptions): Jobs {
  if (options.redis) {
    return createBullJobs({ redis: options.redis, ...(options.prefix && { prefix: options.prefix }), ...(options.log && { log: options.log }) });
  }
  return createInProcessJobs(options.log ? { log: options.log } : {});
}
