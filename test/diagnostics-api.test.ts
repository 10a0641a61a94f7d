import { randomUUID } from 'node:crypto';
import { eq, inArray, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, loadConfig, problemFromCode } from '../core/index.js';
import { diagnoses, hosts, owners, syslogEvents, type Database } from '../db/index.js';
import { countDiagnoses, createSyslogStore, enrichProblem, pruneSyslogEvents, diagnoseJob, DIAGNOSE_JOB, diagnosticsRoutes, enqueueDiagnosis, queueFailedRunDiagnoses, storedProblemMembers, diagnoseHost, latestDiagnosisOfHost, type Diagnosis, type SyslogEventInput } from '../diagnostics/index.js';
import { createApp } from '../http/index.js';
import { createContext, type Context } from '../runtime/index.js';
import { testDatabases } from './helpers/db.js';
import { waitFor } from './helpers/wait-for.js';

describe.each(testDatabases())('diagnostics API and storage on $name', (backend) => {
  let database: Database;
  let ctx: Context & { close(): Promise<void> };
  let app: ReturnType<typeof createApp>;
  let hostId: number;

  beforeAll(async () => {
    database = await backend.open();
    // Probes go to loopback only; ports nobody listens on keep them quick.
    const config = loadConfig({ env: { DIAG_PROBE_TIMEOUT_MS: '500', DIAG_SSH_PORT: '1', DIAG_PING_MODE: 'tcp', DIAG_TCP_PROBE_PORTS: '1' } });
    ctx = await createContext(config, { log: createLogger({ level: 'silent' }), database });
    ctx.jobs.define(diagnoseJob(ctx));
    await ctx.jobs.start();
    app = createApp(ctx, { routes: [diagnosticsRoutes(ctx)] });
    const [o] = await ctx.db.insert(owners).values({ name: `Zhang Wei ${randomUUID().slice(0, 6)}`, email: 'zw@example.test' }).returning();
    const [h] = await ctx.db.insert(hosts).values({ ip: '127.0.0.41', sn: 'SN-API-1', hostname: 'api1.test', ownerId: o!.id }).returning();
    hostId = h!.id;
  }, 60_000);
  afterAll(async () => ctx?.close());

  const post = (body: unknown) => app.request('/v1/diagnoses', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('POST /v1/diagnoses probes a target unknown to Starling and says it has no owner on record; GET reads it back', async () => {
    const res = await post({ target: '127.0.0.99' });
    expect(res.status).toBe(201);
    const d = (await res.json()) as Diagnosis;
    expect(d.host).toBeNull();
    expect(d.verdict.ownerText).toBe('no owner on record');
    expect(d.verdict.rule).toBeTypeOf('string');
    // TCP probe to a loopback port nobody listens on: refused, so the host is up; SSH refused.
    expect(d.verdict.code).toBe('DIAG-ENV-SSH_UNREACHABLE');
    expect(d.verdict.evidence.find((e) => e.check === 'agent')!.status).toBe('unknown');
    const again = await app.request(d.link);
    expect(again.status).toBe(200);
    expect(((await again.json()) as Diagnosis).verdict.cause).toEqual(d.verdict.cause);
    const [row] = await ctx.db.select().from(diagnoses).where(eq(diagnoses.id, d.id));
    expect(row).toMatchObject({ target: '127.0.0.99', code: 'DIAG-ENV-SSH_UNREACHABLE', rule: 'ssh-dead' });
  });

  it('rejects bad bodies and unknown ids with catalogued problems', async () => {
    const bad = await post({ target: 'has space', extra: 1 });
    expect(bad.status).toBe(422);
    expect(((await bad.json()) as { code: string }).code).toBe('PROXY-USR-VALIDATION_FAILED');
    const missing = await app.request(`/v1/diagnoses/${randomUUID()}`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { code: string }).code).toBe('DIAG-USR-DIAGNOSIS_NOT_FOUND');
    const noHost = await app.request('/v1/hosts/999999999/diagnosis');
    expect(((await noHost.json()) as { code: string }).code).toBe('DIAG-USR-HOST_NOT_FOUND');
  });

  it('GET /v1/hosts/:id/diagnosis diagnoses a known host with its owner', async () => {
    const res = await app.request(`/v1/hosts/${hostId}/diagnosis`);
    expect(res.status).toBe(200);
    const d = (await res.json()) as Diagnosis;
    expect(d.host!.id).toBe(hostId);
    expect(d.verdict.ownerText).toContain('Zhang Wei');
    expect(d.verdict.evidence.find((e) => e.check === 'agent')!.finding).toBe('not-registered');
  });

  it('the diagnose job runs through the jobs floor, de-duplicated per host and persisted', async () => {
    const before = await countDiagnoses(ctx.db);
    const a = await enqueueDiagnosis(ctx, { hostId, runId: randomUUID(), runCode: 'AGENT-ENV-TIMEOUT' });
    const b = await enqueueDiagnosis(ctx, { hostId, runId: randomUUID(), runCode: 'AGENT-ENV-TIMEOUT' });
    expect(b).toBe(a);
    await waitFor(async () => (await ctx.jobs.counts(DIAGNOSE_JOB)).completed >= 1, { what: 'job done' });
    // The host was diagnosed in the previous test within the TTL: the job reused it.
    expect(await countDiagnoses(ctx.db)).toBe(before);
  });

  it('stores syslog batches in one statement each, mapping senders to hosts', async () => {
    const store = createSyslogStore(() => ctx.db);
    const ev = (senderIp: string, message: string, hostname: string | null = null): SyslogEventInput => ({
      senderIp, transport: 'udp', receivedAt: new Date(), reportedAt: null, format: 'rfc3164', facility: 0, severity: 0,
      hostname, app: 'kernel', pid: null, message, kind: null, patternId: null,
    });
    // On Postgres the rows go in by COPY through the driver, which drizzle's statement counter does not see.
    const insertCounted = backend.name === 'pglite' ? 1 : 0;
    const statements = database.statements;
    await store([ev('127.0.0.41', 'a'), ev('127.0.0.250', 'b', 'api1.test'), ev('127.0.0.251', 'c'), ev('127.0.0.251', 'tab\there \\ backslash')]);
    expect(database.statements - statements).toBe(1 + insertCounted); // one sender lookup for the whole batch
    await store([ev('127.0.0.41', 'd')]);
    expect(database.statements - statements).toBe(1 + 2 * insertCounted); // mapping cached: no lookup
    const rowsOut = await ctx.db.select({ hostId: syslogEvents.hostId, message: syslogEvents.message }).from(syslogEvents);
    const by = Object.fromEntries(rowsOut.map((r) => [r.message, r.hostId]));
    expect(by).toMatchObject({ a: hostId, b: hostId, c: null, d: hostId, 'tab\there \\ backslash': null });
  });

  it('prunes syslog events older than the retention, keeping newer ones', async () => {
    const store = createSyslogStore(() => ctx.db);
    const old = new Date(Date.now() - 100 * 3_600_000);
    const mk = (message: string, receivedAt: Date): SyslogEventInput => ({
      senderIp: '127.0.0.42', transport: 'tcp', receivedAt, reportedAt: null, format: 'raw', facility: null, severity: null,
      hostname: null, app: null, pid: null, message, kind: null, patternId: null,
    });
    await store([mk('old-1', old), mk('old-2', old), mk('new-1', new Date())]);
    const deleted = await pruneSyslogEvents(ctx, new Date(Date.now() - 72 * 3_600_000), 1);
    expect(deleted).toBeGreaterThanOrEqual(2);
    const left = (await ctx.db.select({ m: syslogEvents.message }).from(syslogEvents)).map((r) => r.m);
    expect(left).toContain('new-1');
    expect(left).not.toContain('old-1');
  });
  it('a failed run past the wait budget gets the link, and the diagnosis finishes behind it', async () => {
    const problem = problemFromCode('AGENT-ENV-TIMEOUT', { timeoutMs: 1000 });
    const doc = await enrichProblem(ctx, problem, { target: '127.0.0.98', runCode: 'AGENT-ENV-TIMEOUT' }, { budgetMs: 0 });
    expect(doc.code).toBe('AGENT-ENV-TIMEOUT');
    expect(doc.diagnosis.status).toBe('pending');
    expect(doc.cause).toContain(doc.diagnosis.link);
    const first = await app.request(doc.diagnosis.link);
    expect([200, 202]).toContain(first.status);
    const done = await waitFor(async () => {
      const r = await app.request(doc.diagnosis.link);
      return r.status === 200 ? ((await r.json()) as Diagnosis) : undefined;
    }, { what: 'diagnosis stored' });
    expect(done.verdict.ownerText).toBe('no owner on record');
    expect(done.runCode).toBe('AGENT-ENV-TIMEOUT');
  });
  it('queues one diagnosis per host of runs that just failed, none for older or successful runs', async () => {
    // Hosts of their own: earlier tests' diagnoses of hostId are cached and their jobs de-duplicated.
    const [h1, h2] = await ctx.db.insert(hosts).values([
      { ip: '127.0.0.43', sn: 'SN-API-3', hostname: 'api3.test' },
      { ip: '127.0.0.42', sn: 'SN-API-2', hostname: 'api2.test' },
    ]).returning();
    const hostId = h1!.id;
    const taskId = randomUUID();
    await ctx.db.execute(sql`insert into tasks (id, command, timeout_ms, lane, target_count, deadline_at)
      values (${taskId}, 'true', 1000, 'bulk', 5, now())`);
    // Two recent failures of host 1 (one diagnosis), one recent timeout of host 2, an old failure
    // of host 2 and a success of host 1.
    await ctx.db.execute(sql`insert into task_runs (id, task_id, target, host_id, state, error_code, deadline_at, finished_at) values
      (gen_random_uuid(), ${taskId}, '127.0.0.43', ${hostId}, 'FAILED', 'CHANNEL-ENV-AGENT_OFFLINE', now(), now()),
      (gen_random_uuid(), ${taskId}, '127.0.0.43', ${hostId}, 'FAILED', 'AGENT-USR-EXIT_NONZERO', now(), now() - interval '1 second'),
      (gen_random_uuid(), ${taskId}, '127.0.0.42', ${h2!.id}, 'TIMED_OUT', 'AGENT-ENV-TIMEOUT', now(), now()),
      (gen_random_uuid(), ${taskId}, '127.0.0.42', ${h2!.id}, 'FAILED', 'AGENT-ENV-TIMEOUT', now(), now() - interval '1 hour'),
      (gen_random_uuid(), ${taskId}, '127.0.0.43', ${hostId}, 'SUCCEEDED', null, now(), now())`);
    const before = await countDiagnoses(ctx.db);
    expect(await queueFailedRunDiagnoses(ctx, 60_000)).toBe(2);
    await waitFor(async () => ((await countDiagnoses(ctx.db)) >= before + 2 ? true : undefined), { what: 'two diagnoses', timeoutMs: 20_000 });
    const made = await ctx.db.select().from(diagnoses).where(inArray(diagnoses.hostId, [hostId, h2!.id]));
    const latest = new Map(made.map((d) => [d.hostId, d]));
    expect(latest.get(h2!.id)).toMatchObject({ runCode: 'AGENT-ENV-TIMEOUT' });
    // Host 1's latest failure is the one its diagnosis names.
    expect(latest.get(hostId)).toMatchObject({ runCode: 'CHANNEL-ENV-AGENT_OFFLINE' });
    expect(made).toHaveLength(2);
  }, 30_000);

  it('recalls a host\'s stored diagnosis for failed runs in one query, never a stale one', async () => {
    await diagnoseHost(ctx, { hostId }, { force: true });
    const fresh = (await latestDiagnosisOfHost(ctx.db, hostId))!;
    const statements = database.statements;
    const now = new Date().toISOString();
    const later = new Date(Date.now() + ctx.config.DIAG_CACHE_TTL_MS + 60_000).toISOString();
    const got = await storedProblemMembers(ctx, [
      { runId: 'r-now', hostId, finishedAt: now },
      { runId: 'r-later', hostId, finishedAt: later },
      { runId: 'r-other', hostId: 987654321, finishedAt: now },
    ]);
    expect(database.statements - statements).toBe(1);
    expect(got.get('r-now')?.diagnosis).toMatchObject({ status: 'done', id: fresh.id });
    expect(got.has('r-later')).toBe(false);
    expect(got.has('r-other')).toBe(false);
  });

  it('documents its routes in the OpenAPI document', async () => {
    const doc = (await (await app.request('/openapi.json')).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/diagnoses', '/v1/diagnoses/{id}', '/v1/hosts/{id}/diagnosis']));
  });
});
