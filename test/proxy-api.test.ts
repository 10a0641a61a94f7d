import { afterEach, describe, expect, it } from 'vitest';
import { importPublicKey, verifyDispatch, type RunDispatchFrame } from '../protocol/index.js';
import { testDatabases } from './helpers/db.js';
import { startAgentSim, type AgentSim } from './helpers/agent-sim.js';
import { startProxyHarness, TEST_ENROLMENT_TOKEN, type ProxyHarness } from './helpers/proxy-harness.js';
import { waitFor } from './helpers/wait-for.js';

describe.each(testDatabases())('proxy API on $name', ({ open }) => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  async function setup(n: number, answer?: Parameters<typeof startAgentSim>[0]['answer']) {
    const h: ProxyHarness = await startProxyHarness({ database: await open() });
    cleanup.push(() => h.close());
    const regs = [];
    for (let i = 0; i < n; i++) regs.push(await h.register({ hostname: `web-${i}`, ip: `10.0.0.${i + 1}`, sn: `SN${i}` }));
    const sim: AgentSim = await startAgentSim({
      url: regs[0]!.channels[0]!.url,
      agents: regs.map((r) => ({ agentId: r.agentId, credential: r.credential })),
      ...(answer && { answer }),
    });
    cleanup.push(() => sim.close());
    expect(sim.welcomed()).toBe(n);
    await waitFor(async () => {
      const online = await h.ctx.db.query.agents.findMany({ where: (a, { eq }) => eq(a.state, 'online') });
      return online.length === n;
    }, { what: 'agents online' });
    return { h, regs, sim };
  }

  it('registers agents (batched, idempotent) and hands out channels, heartbeat interval and signing keys', async () => {
    const h = await startProxyHarness({ database: await open() });
    cleanup.push(() => h.close());
    const regs = await Promise.all([0, 1, 2].map((i) => h.register({ hostname: `db-${i}`, ip: `10.9.0.${i}`, sn: `SNX${i}` })));
    expect(new Set(regs.map((r) => r.agentId)).size).toBe(3);
    for (const r of regs) {
      expect(r.channels).toHaveLength(1);
      expect(r.channels[0]!.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/$/);
      expect(r.signingKeys).toHaveLength(1);
      expect(r.heartbeatMs).toBe(30_000);
      expect(r.credential.length).toBeGreaterThanOrEqual(32);
    }
    // Only hashes are stored.
    const agents = await h.ctx.db.query.agents.findMany();
    expect(agents.map((a) => a.credentialHash)).not.toContain(regs[0]!.credential);
    // Re-registering with the held identity keeps it, and a reinstalled agent (no identity) gets the host's id back.
    const again = await h.register({ hostname: 'db-0', ip: '10.9.0.0', sn: 'SNX0' }, { agentId: regs[0]!.agentId, credential: regs[0]!.credential });
    expect(again).toMatchObject({ agentId: regs[0]!.agentId, credential: regs[0]!.credential, hostId: regs[0]!.hostId });
    const moved = await h.register({ hostname: 'db-1-renamed', ip: '10.9.0.99', sn: 'SNX1' });
    expect(moved.agentId).toBe(regs[1]!.agentId);
    expect(moved.credential).not.toBe(regs[1]!.credential);
    expect((await h.ctx.db.query.hosts.findMany()).length).toBe(3);
    const host1 = await h.ctx.db.query.hosts.findFirst({ where: (x, { eq }) => eq(x.id, Number(regs[1]!.hostId)) });
    expect(host1).toMatchObject({ hostname: 'db-1-renamed', ip: '10.9.0.99' });

    const bad = await fetch(`${h.http.url}/v1/agents/register`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer nope' }, body: '{}',
    });
    expect(bad.status).toBe(401);
    expect(bad.headers.get('content-type')).toContain('application/problem+json');
    expect(((await bad.json()) as { code: string }).code).toBe('PROXY-USR-ENROLMENT_REFUSED');
    const invalid = await fetch(`${h.http.url}/v1/agents/register`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_ENROLMENT_TOKEN}` }, body: '{"type":"register"}',
    });
    expect(invalid.status).toBe(422);
  });

  it('refuses API calls without a valid key with a 401 problem document', async () => {
    const h = await startProxyHarness({ database: await open(), channel: false });
    cleanup.push(() => h.close());
    for (const auth of [null, 'stk_nope_nope', '']) {
      const r = await h.api('POST', '/v1/tasks', { targets: ['x'], command: 'true' }, auth);
      expect(r.status).toBe(401);
      expect(r.type).toContain('application/problem+json');
      expect(r.body).toMatchObject({ code: 'PROXY-USR-UNAUTHORIZED', status: 401, layer: 'PROXY', category: 'USR' });
    }
    const r = await h.api('GET', '/v1/tasks/00000000-0000-0000-0000-000000000000');
    expect(r.status).toBe(404);
    expect(r.body.code).toBe('PROXY-USR-TASK_NOT_FOUND');
    // The API is in the OpenAPI document.
    const doc = await h.api('GET', '/openapi.json', undefined, null);
    for (const path of ['/v1/tasks', '/v1/tasks/{id}', '/v1/tasks/{id}/runs', '/v1/tasks/{id}/cancel', '/v1/agents/register']) {
      expect(Object.keys(doc.body.paths)).toContain(path);
    }
    expect(doc.body.components.schemas).toHaveProperty('TaskRequest');
  });

  it('runs a task on every host, signs each run, returns outputs inline with wait, and keeps the full history', async () => {
    const { h, regs, sim } = await setup(3, (d) => ({ stdout: `hello from ${d.agentId}\n` }));
    const r = await h.api('POST', '/v1/tasks', { targets: ['SN0', '10.0.0.2', 'web-2'], command: 'echo hello', wait: 10 });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ done: true, targetCount: 3, lane: 'interactive', counts: { SUCCEEDED: 3 } });
    const byAgent = new Map(r.body.runs.map((x: any) => [x.agentId, x]));
    for (const reg of regs) {
      const run: any = byAgent.get(reg.agentId);
      expect(run).toMatchObject({ state: 'SUCCEEDED', stdout: `hello from ${reg.agentId}\n`, exitCode: 0, error: null });
      expect(run.history.map((e: any) => e.state)).toEqual(['RECEIVED', 'DISPATCHED', 'RUNNING', 'SUCCEEDED']);
    }
    // Every dispatch verifies against the key handed out at registration.
    const keys = new Map(regs[0]!.signingKeys.map((k) => [k.keyId, importPublicKey(k.publicKey)]));
    const dispatches = [...sim.received.values()].flat().filter((f): f is RunDispatchFrame => f.type === 'run.dispatch');
    expect(dispatches).toHaveLength(3);
    for (const d of dispatches) expect(verifyDispatch(d, keys)).toBeNull();
    // Results were acknowledged to the agents.
    await waitFor(() => [...sim.received.values()].flat().filter((f) => f.type === 'result.ack').length === 3, { what: 'result acks' });

    const t = await h.api('GET', `/v1/tasks/${r.body.id}`);
    expect(t.body).toMatchObject({ id: r.body.id, done: true, counts: { SUCCEEDED: 3, RUNNING: 0 } });
    expect(t.body.durationMs).toBeGreaterThanOrEqual(0);
    const page1 = await h.api('GET', `/v1/tasks/${r.body.id}/runs?limit=2`);
    expect(page1.body.runs).toHaveLength(2);
    const page2 = await h.api('GET', `/v1/tasks/${r.body.id}/runs?limit=2&after=${page1.body.next}`);
    expect(page2.body.runs).toHaveLength(1);
    expect(page2.body.next).toBeNull();
    const none = await h.api('GET', `/v1/tasks/${r.body.id}/runs?state=FAILED`);
    expect(none.body.runs).toHaveLength(0);
  });

  it('ends unknown targets, offline agents and failed commands with their own codes, as problems per run', async () => {
    const { h } = await setup(1, () => ({ outcome: 'FAILED', exitCode: 3, error: { code: 'AGENT-USR-COMMAND_FAILED', message: 'The command exited with code 3.' } }));
    await h.register({ hostname: 'sleepy', ip: '10.1.1.1', sn: 'SNOFF' }); // registered, never connected
    const r = await h.api('POST', '/v1/tasks', { targets: ['web-0', 'no-such-host', 'sleepy'], command: 'exit 3', wait: 10 });
    expect(r.status).toBe(201);
    expect(r.body.counts).toMatchObject({ FAILED: 2, REJECTED: 1 });
    const byTarget = new Map(r.body.runs.map((x: any) => [x.target, x]));
    expect(byTarget.get('no-such-host')).toMatchObject({
      state: 'REJECTED', error: { code: 'PROXY-USR-TARGET_NOT_FOUND', layer: 'PROXY', category: 'USR', retryable: false, status: 404 },
    });
    expect(byTarget.get('sleepy')).toMatchObject({ state: 'FAILED', error: { code: 'CHANNEL-ENV-AGENT_OFFLINE', layer: 'CHANNEL', category: 'ENV', retryable: true } });
    expect(byTarget.get('web-0')).toMatchObject({ state: 'FAILED', exitCode: 3, error: { code: 'AGENT-USR-COMMAND_FAILED', detail: 'The command exited with code 3.' } });
    expect((byTarget.get('no-such-host') as any).history.map((e: any) => e.state)).toEqual(['RECEIVED', 'REJECTED']);
  });

  it('answers bad input with catalogued errors and loses nothing already accepted', async () => {
    const { h } = await setup(1);
    const ok = await h.api('POST', '/v1/tasks', { targets: ['web-0'], command: 'true', wait: 10 });
    expect(ok.body.done).toBe(true);
    const cases: Array<[unknown, number, string]> = [
      ['{"targets": [', 400, 'PROXY-USR-MALFORMED_JSON'],
      [{ targets: Array.from({ length: 100_001 }, (_, i) => `h${i}`), command: 'true' }, 422, 'PROXY-USR-TOO_MANY_TARGETS'],
      [{ targets: ['web-0'], command: '   ' }, 422, 'PROXY-USR-EMPTY_COMMAND'],
      [{ targets: ['web-0'], command: '' }, 422, 'PROXY-USR-EMPTY_COMMAND'],
      [{ targets: ['web-0'] }, 422, 'PROXY-USR-EMPTY_COMMAND'],
      [{ targets: ['web-0'], argv: [] }, 422, 'PROXY-USR-EMPTY_COMMAND'],
      [{ targets: [], command: 'true' }, 422, 'PROXY-USR-VALIDATION_FAILED'],
      [{ targets: ['web-0'], command: 'true', timeoutMs: -1 }, 422, 'PROXY-USR-VALIDATION_FAILED'],
    ];
    for (const [body, status, code] of cases) {
      const r = await h.api('POST', '/v1/tasks', body);
      expect([r.status, r.body.code]).toEqual([status, code]);
      expect(r.type).toContain('application/problem+json');
    }
    const again = await h.api('GET', `/v1/tasks/${ok.body.id}/runs`);
    expect(again.body.runs).toHaveLength(1);
    expect(again.body.runs[0].state).toBe('SUCCEEDED');
    expect((await h.ctx.db.query.tasks.findMany()).length).toBe(1);
  });

  it('cancels open runs; a late result does not move a canceled run', async () => {
    const held: RunDispatchFrame[] = [];
    const { h } = await setup(1, (d) => (held.push(d), null));
    const r = await h.api('POST', '/v1/tasks', { targets: ['web-0'], command: 'sleep 100', timeoutMs: 60_000 });
    await waitFor(async () => (await h.api('GET', `/v1/tasks/${r.body.id}`)).body.counts.RUNNING === 1, { what: 'running' });
    const c = await h.api('POST', `/v1/tasks/${r.body.id}/cancel`);
    expect(c.body).toMatchObject({ done: true, counts: { CANCELED: 1 } });
    const runs = await h.api('GET', `/v1/tasks/${r.body.id}/runs`);
    expect(runs.body.runs[0]).toMatchObject({ state: 'CANCELED', error: { code: 'PROXY-USR-TASK_CANCELED' } });
    expect(runs.body.runs[0].history.map((e: any) => e.state)).toEqual(['RECEIVED', 'DISPATCHED', 'RUNNING', 'CANCELED']);
  });

  it('writes heartbeats in batches: liveness and health per agent, a metrics sample only when something changed', async () => {
    const { h, regs, sim } = await setup(3);
    sim.heartbeatAll();
    await waitFor(async () => (await h.ctx.db.query.hostMetrics.findMany()).length === 3, { what: 'metrics samples' });
    const agents = await h.ctx.db.query.agents.findMany();
    expect(agents.filter((a) => a.lastHeartbeatAt !== null)).toHaveLength(3);
    expect(agents[0]!.health).toMatchObject({ version: 'sim', executor: { state: 'ok' } });
    const sample = await h.ctx.db.query.hostMetrics.findFirst();
    expect(sample).toMatchObject({ load1: expect.closeTo(0.1, 5), cpus: 2, mounts: [{ mount: '/', usedBytes: 1, totalBytes: 10 }] });
    const beat0 = Math.max(...agents.map((a) => a.lastHeartbeatAt!.getTime()));
    sim.heartbeatAll(); // same metrics: liveness moves, no new sample
    await waitFor(async () => {
      const again = await h.ctx.db.query.agents.findMany();
      return again.every((a) => a.lastHeartbeatAt!.getTime() > beat0 - 1) && again.some((a) => a.lastHeartbeatAt!.getTime() > beat0);
    }, { what: 'second heartbeat applied' });
    expect((await h.ctx.db.query.hostMetrics.findMany()).length).toBe(3);
    expect(regs).toHaveLength(3);
  });
});
