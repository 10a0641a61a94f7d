import { afterEach, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { createJobs, type Jobs } from '../jobs/index.js';
import { deleteKeys, testRedis, uniquePrefix } from './helpers/redis.js';
import { waitFor } from './helpers/wait-for.js';

interface Backend {
  name: string;
  make(): Jobs;
}

let cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

const backends: Backend[] = [
  { name: 'in-process', make: () => createJobs({}) },
  {
    name: 'bullmq',
    make: () => {
      const redis: Redis = testRedis();
      const prefix = uniquePrefix('jobs');
      const jobs = createJobs({ redis, prefix });
      cleanups.push(async () => {
        await jobs.close();
        await deleteKeys(redis, prefix);
        redis.disconnect();
      });
      return jobs;
    },
  },
];

describe.each(backends)('jobs on $name', ({ make }) => {
  const track = (jobs: Jobs) => {
    cleanups.push(() => jobs.close());
    return jobs;
  };

  it('processes jobs with their data, enqueued before and after start', async () => {
    const jobs = track(make());
    const seen: number[] = [];
    jobs.define<{ n: number }>({ name: 'square', process: async ({ n }) => void seen.push(n * n) });
    await jobs.enqueue('square', { n: 2 });
    await jobs.start();
    await jobs.enqueue('square', { n: 3 });
    await waitFor(() => seen.length === 2);
    expect(seen.sort()).toEqual([4, 9]);
  });

  it('retries with backoff until the processor succeeds', async () => {
    const jobs = track(make());
    const attempts: number[] = [];
    jobs.define({
      name: 'flaky',
      attempts: 3,
      backoffMs: 50,
      process: async (_d, job) => {
        attempts.push(job.attempt);
        if (job.attempt < 3) throw new Error('not yet');
      },
    });
    await jobs.start();
    await jobs.enqueue('flaky', {});
    await waitFor(async () => (await jobs.counts('flaky')).completed === 1);
    expect(attempts).toEqual([1, 2, 3]);
    expect(await jobs.failed('flaky')).toEqual([]);
  });

  it('keeps a job that exhausted its retries, with its error and data', async () => {
    const jobs = track(make());
    jobs.define({ name: 'doomed', attempts: 2, backoffMs: 20, process: async () => Promise.reject(new Error('disk on fire')) });
    await jobs.start();
    const id = await jobs.enqueue('doomed', { host: 'h1' });
    const failed = await waitFor(async () => {
      const f = await jobs.failed('doomed');
      return f.length === 1 ? f : undefined;
    });
    expect(failed[0]).toMatchObject({ id, error: 'disk on fire', attempts: 2, data: { host: 'h1' } });
    expect((await jobs.counts('doomed')).failed).toBe(1);
  });

  it('de-duplicates by job id', async () => {
    const jobs = track(make());
    let runs = 0;
    jobs.define({ name: 'once', process: async () => void runs++ });
    await jobs.enqueue('once', {}, { jobId: 'msg-1' });
    await jobs.enqueue('once', {}, { jobId: 'msg-1' });
    await jobs.start();
    await waitFor(async () => (await jobs.counts('once')).completed === 1);
    await jobs.enqueue('once', {}, { jobId: 'msg-1' });
    await new Promise((r) => setTimeout(r, 100));
    expect(runs).toBe(1);
  });

  it('honours concurrency', async () => {
    const jobs = track(make());
    let active = 0;
    let peak = 0;
    let done = 0;
    jobs.define({
      name: 'slow',
      concurrency: 2,
      process: async () => {
        active++;
        peak = Math.max(peak, active);
        await new Promise((r) => setTimeout(r, 60));
        active--;
        done++;
      },
    });
    await jobs.start();
    for (let i = 0; i < 6; i++) await jobs.enqueue('slow', { i });
    await waitFor(() => done === 6);
    expect(peak).toBe(2);
  });

  it('honours the rate limit', async () => {
    const jobs = track(make());
    const starts: number[] = [];
    jobs.define({ name: 'limited', concurrency: 5, rateLimit: { max: 2, durationMs: 400 }, process: async () => void starts.push(Date.now()) });
    await jobs.start();
    for (let i = 0; i < 5; i++) await jobs.enqueue('limited', { i });
    await waitFor(() => starts.length === 5);
    starts.sort((a, b) => a - b);
    // 5 jobs at 2 per 400 ms need at least two full windows between the first and the last.
    expect(starts[4]! - starts[0]!).toBeGreaterThanOrEqual(700);
  });

  it('runs repeatable jobs on their schedule', async () => {
    const jobs = track(make());
    let ticks = 0;
    jobs.define({ name: 'tick', process: async () => void ticks++ });
    await jobs.start();
    await jobs.repeat('tick', {}, { everyMs: 150 }, 'every-150');
    await waitFor(() => ticks >= 2, { timeoutMs: 5000 });
  });

  it('close waits for a running job and is safe twice', async () => {
    const jobs = make();
    let finished = false;
    let started = false;
    jobs.define({
      name: 'long',
      process: async () => {
        started = true;
        await new Promise((r) => setTimeout(r, 200));
        finished = true;
      },
    });
    await jobs.start();
    await jobs.enqueue('long', {});
    await waitFor(() => started);
    await Promise.all([jobs.close(), jobs.close()]);
    expect(finished).toBe(true);
  });
});
