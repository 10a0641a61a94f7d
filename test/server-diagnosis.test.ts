// The whole `starling server` as one real process: a run on a host that is down comes back
// from `POST /v1/tasks` with `wait` carrying, in its problem document, the diagnosis verdict
// (code, cause, rule) and the host's owner from the CMDB. The down host is an address on a
// veth link into a network namespace this test makes, which nobody answers.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNetnsHost, type NetnsHost } from '../diagnostics/testing/netns.js';
import { PROTOCOL_VERSION, REGISTER_PATH } from '../protocol/index.js';
import { createScratchPostgres } from './helpers/db.js';
import { startStarling, type StarlingProcess } from './helpers/process.js';
import { TEST_REDIS_URL } from './helpers/redis.js';

const ENROLMENT = 'e2e-enrolment-token-0123456789';

let netns: NetnsHost;
const running: StarlingProcess[] = [];
const cleanups: Array<() => Promise<void> | void> = [];
beforeAll(() => {
  netns = createNetnsHost('e2e');
});
afterAll(async () => {
  for (const p of running) await p.stop('SIGKILL');
  for (const c of cleanups) await c();
  netns?.close();
});

/** `starling keys create` against the same store, before the server starts; returns the key. */
async function createKey(env: Record<string, string>): Promise<string> {
  const p = startStarling(['keys', 'create', '--name', 'e2e'], env);
  let out = '';
  p.child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  expect(await p.exited).toBe(0);
  return out.trim().split('\n').pop()!;
}

const configs: Array<{ name: string; env(): Promise<Record<string, string>> }> = [
  {
    name: 'embedded (PGlite, in-process jobs)',
    async env() {
      const dir = mkdtempSync(join(tmpdir(), 'starling-e2e-diag-'));
      cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
      return { STARLING_DATA_DIR: dir };
    },
  },
  {
    name: 'Postgres + Redis',
    async env() {
      const scratch = await createScratchPostgres('starling_e2e_diag');
      cleanups.push(() => scratch.drop());
      return { DATABASE_URL: scratch.url, REDIS_URL: TEST_REDIS_URL, TRANSPORT_PREFIX: `e2e-${process.pid}-${Date.now()}` };
    },
  },
];

describe.each(configs)('starling server on $name', (config) => {
  it('answers a run on a down host with the verdict, its cause and the CMDB owner', async () => {
    const base = await config.env();
    const key = await createKey(base);
    const p = startStarling(['server'], {
      ...base, PORT: '0', HOST: '127.0.0.1', EMBEDDED_CHANNEL_PORT: '0', AGENT_ENROLMENT_TOKEN: ENROLMENT,
      DIAG_WAIT_BUDGET_MS: '8000', DIAG_PROBE_TIMEOUT_MS: '800', CMDB_RECONCILE_EVERY_MS: '0',
    });
    running.push(p);
    const url = (await p.waitForRecord((r) => r.msg === 'starling server listening', 60_000)).url as string;
    const api = async (method: string, path: string, body?: unknown, bearer: string | null = key) => {
      const res = await fetch(url + path, {
        method,
        headers: { 'content-type': 'application/json', ...(bearer && { authorization: `Bearer ${bearer}` }) },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      });
      return { status: res.status, type: res.headers.get('content-type') ?? '', body: (await res.json()) as any };
    };
    const down = netns.spareIps[0]!;

    // The CMDB and diagnostics APIs need an API key like the tasks API.
    const anonymous = await api('PUT', '/v1/cmdb/hosts', { hosts: [] }, null);
    expect(anonymous.status).toBe(401);
    expect(anonymous.type).toContain('application/problem+json');
    expect((await api('POST', '/v1/diagnoses', { target: down }, null)).status).toBe(401);

    const imported = await api('PUT', '/v1/cmdb/hosts', { hosts: [{ sn: 'E2E-SN-0001', ip: down, hostname: 'db-7', owner: 'alice' }] });
    expect(imported.status).toBe(200);

    // The host registers (its agent then never connects: it is down).
    const reg = await fetch(url + REGISTER_PATH, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ENROLMENT}` },
      body: JSON.stringify({ type: 'register', v: PROTOCOL_VERSION, idc: null, agentVersion: 'e2e', facts: { hostname: 'db-7', ip: down, ips: [down], sn: 'E2E-SN-0001' } }),
    });
    expect(reg.status).toBe(200);

    const t0 = Date.now();
    const task = await api('POST', '/v1/tasks', { targets: [down, 'no-such-host-e2e'], command: 'uptime', timeoutMs: 5000, wait: 20 });
    const took = Date.now() - t0;
    expect(task.status).toBe(201);
    const byTarget = new Map<string, any>(task.body.runs.map((r: any) => [r.target, r]));
    const run = byTarget.get(down);
    expect(run.state).toBe('FAILED');
    expect(run.error).toMatchObject({ code: 'CHANNEL-ENV-AGENT_OFFLINE', layer: 'CHANNEL', category: 'ENV' });
    expect(run.error.diagnosis).toMatchObject({ status: 'done', code: 'DIAG-ENV-HOST_DOWN', rule: 'host-down' });
    expect(run.error.cause).toMatch(/down/i);
    expect(run.error.owner).toMatchObject({ name: 'alice' });
    expect(run.error.evidence.map((e: any) => e.check)).toContain('ping');
    // The verdict came within the diagnosis budget, not after the task's own timeout.
    expect(took).toBeLessThan(8000 + 3000);

    // A target nobody knows keeps its own code, with a verdict saying no owner is on record.
    const unknown = byTarget.get('no-such-host-e2e');
    expect(unknown.error.code).toBe('PROXY-USR-TARGET_NOT_FOUND');
    expect(unknown.error.owner).toMatchObject({ text: 'no owner on record' });

    // The diagnosis is persisted and readable through the API.
    const stored = await api('GET', run.error.diagnosis.link);
    expect(stored.status).toBe(200);
    expect(stored.body).toMatchObject({ verdict: { code: 'DIAG-ENV-HOST_DOWN' } });

    // Listing the runs later recalls the stored diagnosis into the problem document (no probing).
    const listed = await api('GET', `/v1/tasks/${task.body.id}/runs?state=FAILED`);
    expect(listed.status).toBe(200);
    expect(listed.body.runs).toHaveLength(1);
    expect(listed.body.runs[0].error).toMatchObject({
      code: 'CHANNEL-ENV-AGENT_OFFLINE', diagnosis: { code: 'DIAG-ENV-HOST_DOWN', id: run.error.diagnosis.id }, owner: { name: 'alice' },
    });

    expect(await p.stop('SIGTERM')).toBe(0);
  }, 120_000);
});
