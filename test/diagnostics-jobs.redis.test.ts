import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, loadConfig } from '../core/index.js';
import { hosts } from '../db/index.js';
import { countDiagnoses, diagnoseJob, DIAGNOSE_JOB, enqueueDiagnosis } from '../diagnostics/index.js';
import { createContext, type Context } from '../runtime/index.js';
import { openScratchPostgres } from './helpers/db.js';
import { deleteKeys, testRedis, TEST_REDIS_URL, uniquePrefix } from './helpers/redis.js';
import { waitFor } from './helpers/wait-for.js';

// The diagnose job on BullMQ (Redis) and Postgres: a mass failure enqueues one job per host.
describe('diagnose job on BullMQ', () => {
  let ctx: Context & { close(): Promise<void> };
  const prefix = uniquePrefix('diag');
  const ids: number[] = [];

  beforeAll(async () => {
    const config = loadConfig({ env: { REDIS_URL: TEST_REDIS_URL, DIAG_PING_MODE: 'tcp', DIAG_TCP_PROBE_PORTS: '1', DIAG_SSH_PORT: '1', DIAG_PROBE_TIMEOUT_MS: '300' } });
    ctx = await createContext(config, { log: createLogger({ level: 'silent' }), database: await openScratchPostgres(), jobsPrefix: prefix });
    expect(ctx.jobs.kind).toBe('bullmq');
    ctx.jobs.define(diagnoseJob(ctx));
    await ctx.jobs.start();
    const rowsOut = await ctx.db.insert(hosts).values([1, 2, 3].map((i) => ({ ip: `127.0.0.${60 + i}`, sn: `SN-J-${i}-${randomUUID().slice(0, 4)}` }))).returning({ id: hosts.id });
    ids.push(...rowsOut.map((r) => r.id));
  }, 60_000);

  afterAll(async () => {
    await ctx?.close();
    const r = testRedis();
    await deleteKeys(r, prefix);
    r.disconnect();
  });

  it('30 failed runs on 3 hosts: 3 jobs, 3 persisted diagnoses', async () => {
    const jobIds = await Promise.all(Array.from({ length: 30 }, (_, i) => enqueueDiagnosis(ctx, { hostId: ids[i % 3]!, runId: randomUUID(), runCode: 'AGENT-ENV-TIMEOUT' })));
    expect(new Set(jobIds).size).toBe(3);
    await waitFor(async () => (await ctx.jobs.counts(DIAGNOSE_JOB)).completed === 3, { what: '3 jobs done', timeoutMs: 20_000 });
    expect(await countDiagnoses(ctx.db)).toBe(3);
  });
});
