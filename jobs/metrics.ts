import { Gauge, type Registry } from 'prom-client';
import type { JobCounts, Jobs } from './types.js';

const STATES = ['waiting', 'active', 'delayed', 'completed', 'failed'] as const satisfies ReadonlyArray<keyof JobCounts>;

/**
 * `starling_jobs{queue,state}`: the jobs of every defined queue by state, read when /metrics
 * is scraped (one counts call per queue and scrape, nothing in between). With BullMQ the
 * figures are the queue's in Redis, shared by every process; `completed` is capped by what
 * the queue keeps. A queue that cannot be read is left out of that scrape.
 */
export function registerJobMetrics(registry: Registry, jobs: Jobs): Gauge<'queue' | 'state'> {
  return new Gauge({
    name: 'starling_jobs',
    help: 'Jobs per queue and state, read from the queue at scrape time.',
    labelNames: ['queue', 'state'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const names = jobs.queues();
      const counts = await Promise.allSettled(names.map((n) => jobs.counts(n)));
      counts.forEach((c, i) => {
        if (c.status !== 'fulfilled') return;
        for (const state of STATES) this.set({ queue: names[i]!, state }, c.value[state]);
      });
    },
  });
}
