import { randomUUID } from 'node:crypto';
import type { Logger } from '../core/index.js';
import type { EnqueueOptions, FailedJob, JobCounts, JobDefinition, Jobs } from './types.js';

/** Options of {@link createInProcessJobs}. */
export interface InProcessJobsOptions {
  log?: Logger;
  /** How long close() waits for running jobs, ms; default 5,000. */
  drainTimeoutMs?: number;
  /** Failed jobs kept per queue before the oldest is evicted (with a warning); default 10,000. */
  maxFailedKept?: number;
  /** Ids of completed jobs remembered for de-duplication per queue; default 10,000. */
  maxCompletedKept?: number;
}

interface Pending {
  id: string;
  data: unknown;
  attempt: number;
  attempts: number;
  priority: number;
  seq: number;
}

class Lane {
  readonly waiting: Pending[] = [];
  readonly failed: FailedJob[] = [];
  readonly completed = new Set<string>();
  readonly known = new Set<string>();
  readonly timers = new Set<NodeJS.Timeout>();
  readonly starts: number[] = [];
  active = 0;
  delayed = 0;
  completedCount = 0;
  constructor(readonly def: JobDefinition) {}
}

/**
 * The in-process job runner used when no Redis is configured: same definitions, retries
 * with exponential backoff, concurrency, rate limits, repeat schedules and kept failures
 * as the BullMQ backend, but held in memory. Jobs waiting at shutdown are lost with the
 * process; that is the price of running with nothing installed, and why production uses Redis.
 */
export function createInProcessJobs(options: InProcessJobsOptions = {}): Jobs {
  const lanes = new Map<string, Lane>();
  const repeats = new Map<string, NodeJS.Timeout>();
  const maxFailed = options.maxFailedKept ?? 10_000;
  const maxCompleted = options.maxCompletedKept ?? 10_000;
  let started = false;
  let closing: Promise<void> | undefined;
  let seq = 0;
  const idle: Array<() => void> = [];

  const lane = (name: string): Lane => {
    const l = lanes.get(name);
    if (!l) throw new Error(`job queue ${name} is not defined`);
    return l;
  };

  const allIdle = () => [...lanes.values()].every((l) => l.active === 0);

  function rateWaitMs(l: Lane): number {
    const rl = l.def.rateLimit;
    if (!rl) return 0;
    const now = Date.now();
    while (l.starts.length && now - l.starts[0]! >= rl.durationMs) l.starts.shift();
    if (l.starts.length < rl.max) return 0;
    return rl.durationMs - (now - l.starts[0]!);
  }

  function pump(l: Lane): void {
    if (!started || closing) return;
    while (l.active < (l.def.concurrency ?? 1) && l.waiting.length > 0) {
      const wait = rateWaitMs(l);
      if (wait > 0) {
        const t = setTimeout(() => {
          l.timers.delete(t);
          pump(l);
        }, wait);
        l.timers.add(t);
        return;
      }
      l.waiting.sort((a, b) => a.priority - b.priority || a.seq - b.seq);
      const job = l.waiting.shift()!;
      if (l.def.rateLimit) l.starts.push(Date.now());
      void run(l, job);
    }
  }

  async function run(l: Lane, job: Pending): Promise<void> {
    l.active++;
    try {
      await l.def.process(job.data, {
        id: job.id,
        name: l.def.name,
        attempt: job.attempt,
        progress: async (value) => {
          options.log?.debug({ job: l.def.name, id: job.id, progress: value }, 'job progress');
        },
      });
      l.completedCount++;
      l.completed.add(job.id);
      if (l.completed.size > maxCompleted) {
        const oldest = l.completed.values().next().value as string;
        l.completed.delete(oldest);
        l.known.delete(oldest);
      }
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (job.attempt < job.attempts && !closing) {
        const delay = (l.def.backoffMs ?? 1000) * 2 ** (job.attempt - 1);
        options.log?.warn({ job: l.def.name, id: job.id, attempt: job.attempt, delay, err: message }, 'job failed; retrying');
        schedule(l, { ...job, attempt: job.attempt + 1 }, delay);
      } else {
        options.log?.error({ job: l.def.name, id: job.id, attempts: job.attempt, err: message }, 'job failed; retries exhausted');
        l.failed.unshift({ id: job.id, name: l.def.name, data: job.data, error: message, attempts: job.attempt, failedAt: new Date() });
        if (l.failed.length > maxFailed) {
          const evicted = l.failed.pop()!;
          options.log?.warn({ job: l.def.name, id: evicted.id }, 'failed-job list full; evicted the oldest');
        }
      }
    } finally {
      l.active--;
      if (allIdle()) for (const f of idle.splice(0)) f();
      pump(l);
    }
  }

  function schedule(l: Lane, job: Pending, delayMs: number): void {
    if (delayMs <= 0) {
      l.waiting.push(job);
      pump(l);
      return;
    }
    l.delayed++;
    const t = setTimeout(() => {
      l.timers.delete(t);
      l.delayed--;
      l.waiting.push(job);
      pump(l);
    }, delayMs);
    l.timers.add(t);
  }

  const jobs: Jobs = {
    kind: 'in-process',
    define(def) {
      if (lanes.has(def.name)) throw new Error(`job queue ${def.name} is defined twice`);
      lanes.set(def.name, new Lane(def as JobDefinition));
    },
    async enqueue(name, data, opts: EnqueueOptions = {}) {
      const l = lane(name);
      const id = opts.jobId ?? randomUUID();
      if (l.known.has(id)) return id;
      l.known.add(id);
      schedule(
        l,
        { id, data, attempt: 1, attempts: opts.attempts ?? l.def.attempts ?? 3, priority: opts.priority ?? Number.MAX_SAFE_INTEGER, seq: seq++ },
        opts.delayMs ?? 0,
      );
      return id;
    },
    async repeat(name, data, { everyMs }, id) {
      lane(name);
      const key = `${name}:${id}`;
      const existing = repeats.get(key);
      if (existing) clearInterval(existing);
      const t = setInterval(() => {
        void jobs.enqueue(name, data, { jobId: `${key}:${Date.now()}` });
      }, everyMs);
      t.unref();
      repeats.set(key, t);
    },
    queues() {
      return [...lanes.keys()];
    },
    async failed(name) {
      return [...lane(name).failed];
    },
    async counts(name) {
      const l = lane(name);
      const c: JobCounts = { waiting: l.waiting.length, active: l.active, delayed: l.delayed, completed: l.completedCount, failed: l.failed.length };
      return c;
    },
    async start() {
      started = true;
      for (const l of lanes.values()) pump(l);
    },
    close() {
      return (closing ??= (async () => {
        for (const t of repeats.values()) clearInterval(t);
        for (const l of lanes.values()) for (const t of l.timers) clearTimeout(t);
        if (!allIdle()) {
          await Promise.race([
            new Promise<void>((r) => idle.push(r)),
            new Promise<void>((r) => setTimeout(r, options.drainTimeoutMs ?? 5000).unref()),
          ]);
        }
      })());
    },
  };
  return jobs;
}
