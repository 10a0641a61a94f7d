import { hostname } from 'node:os';
import { Queue, Worker, type ConnectionOptions, type Job } from 'bullmq';
import type { Redis, RedisOptions } from 'ioredis';
import type { Logger } from '../core/index.js';
import type { EnqueueOptions, FailedJob, JobCounts, JobDefinition, Jobs } from './types.js';

/** Options of {@link createBullJobs}. */
export interface BullJobsOptions {
  /** The application's Redis client; its connection options are reused for BullMQ's own connections. */
  redis: Redis;
  /** Key prefix of every queue; default `starling`. Tests use a unique one. */
  prefix?: string;
  log?: Logger;
  /** Completed jobs kept per queue (for inspection and de-duplication); default 1,000. */
  keepCompleted?: number;
  /** Stored on every job this process's workers process (BullMQ's `processedBy`); default `<hostname>:<pid>`. */
  workerName?: string;
}

/**
 * Named queues on BullMQ: durable across restarts, shared by every process pointing at the
 * same Redis. Failed jobs are kept (removeOnFail: false) so nothing disappears silently.
 */
export function createBullJobs(options: BullJobsOptions): Jobs {
  const prefix = options.prefix ?? 'starling';
  // BullMQ opens its own connections (workers block on them); they must not give up on
  // commands while Redis restarts, hence maxRetriesPerRequest: null.
  const { keyPrefix: _ignored, ...base } = options.redis.options as RedisOptions;
  const connection = { ...base, maxRetriesPerRequest: null, lazyConnect: false } as ConnectionOptions;
  const defs = new Map<string, JobDefinition>();
  const queues = new Map<string, Queue>();
  const workers: Worker[] = [];
  let closing: Promise<void> | undefined;

  const queue = (name: string): Queue => {
    const def = defs.get(name);
    if (!def) throw new Error(`job queue ${name} is not defined`);
    let q = queues.get(name);
    if (!q) {
      q = new Queue(name, {
        connection,
        prefix,
        defaultJobOptions: {
          attempts: def.attempts ?? 3,
          backoff: { type: 'exponential', delay: def.backoffMs ?? 1000 },
          removeOnComplete: { count: options.keepCompleted ?? 1000 },
          removeOnFail: false,
        },
      });
      q.on('error', (err) => options.log?.warn({ queue: name, err: err.message }, 'queue connection error'));
      queues.set(name, q);
    }
    return q;
  };

  return {
    kind: 'bullmq',
    define(def) {
      if (defs.has(def.name)) throw new Error(`job queue ${def.name} is defined twice`);
      defs.set(def.name, def as JobDefinition);
    },
    async enqueue(name, data, opts: EnqueueOptions = {}) {
      const job = await queue(name).add(name, data, {
        ...(opts.jobId !== undefined && { jobId: opts.jobId }),
        ...(opts.delayMs !== undefined && { delay: opts.delayMs }),
        ...(opts.priority !== undefined && { priority: opts.priority }),
        ...(opts.attempts !== undefined && { attempts: opts.attempts }),
      });
      return job.id!;
    },
    async repeat(name, data, { everyMs }, id) {
      // upsertJobScheduler is keyed by `id` and replaces the pending run of an existing schedule
      // (at the same slot when `every` is unchanged), so any number of processes may declare
      // the same schedule: Redis holds one. Its next run is added by the worker that takes the
      // current one, so the declaring process need not run workers itself.
      await queue(name).upsertJobScheduler(id, { every: everyMs }, { name, data });
    },
    queues() {
      return [...defs.keys()];
    },
    async failed(name) {
      const jobs = (await queue(name).getFailed(0, 999)) as Job[];
      return jobs
        .map(
          (j): FailedJob => ({
            id: j.id!,
            name,
            data: j.data,
            error: j.failedReason ?? 'failed',
            attempts: j.attemptsMade,
            failedAt: new Date(j.finishedOn ?? j.timestamp),
          }),
        )
        .sort((a, b) => b.failedAt.getTime() - a.failedAt.getTime());
    },
    async counts(name) {
      const c = await queue(name).getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'completed', 'failed');
      const out: JobCounts = {
        waiting: (c.waiting ?? 0) + (c.prioritized ?? 0),
        active: c.active ?? 0,
        delayed: c.delayed ?? 0,
        completed: c.completed ?? 0,
        failed: c.failed ?? 0,
      };
      return out;
    },
    async start() {
      for (const def of defs.values()) {
        queue(def.name);
        const worker = new Worker(
          def.name,
          async (job: Job) =>
            def.process(job.data, {
              id: job.id!,
              name: def.name,
              attempt: job.attemptsMade + 1,
              progress: (value) => job.updateProgress(value),
            }),
          {
            connection,
            prefix,
            name: options.workerName ?? `${hostname()}:${process.pid}`,
            concurrency: def.concurrency ?? 1,
            ...(def.rateLimit && { limiter: { max: def.rateLimit.max, duration: def.rateLimit.durationMs } }),
          },
        );
        worker.on('failed', (job, err) =>
          options.log?.warn({ job: def.name, id: job?.id, attempt: job?.attemptsMade, err: err.message }, 'job failed'),
        );
        worker.on('error', (err) => options.log?.warn({ job: def.name, err: err.message }, 'worker error'));
        workers.push(worker);
      }
    },
    close() {
      return (closing ??= (async () => {
        await Promise.allSettled(workers.map((w) => w.close()));
        await Promise.allSettled([...queues.values()].map((q) => q.close()));
      })());
    },
  };
}
