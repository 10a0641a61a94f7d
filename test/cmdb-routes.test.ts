import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CollectedFacts } from '../collector/index.js';
import { createLogger, loadConfig } from '../core/index.js';
import { hosts } from '../db/index.js';
import { createApp } from '../http/index.js';
import { createContext, type Context } from '../runtime/index.js';
import { cmdbRoutes, reconcileJob, recordHostFacts, scheduleReconcile } from '../cmdb-sync/index.js';
import { openMemoryPglite } from './helpers/db.js';
import { waitFor } from './helpers/wait-for.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const json = (r: Response): Promise<any> => r.json();

let ctx: Context & { close(): Promise<void> };
let app: ReturnType<typeof createApp>;

function facts(sn: string, ip: string): CollectedFacts {
  return {
    specVersion: 'v1',
    sn: { value: sn, source: 'dmi:product_serial', specVersion: 'v1', rejected: [], unread: [] },
    ip: { value: ip, source: 'default-route-ipv4', specVersion: 'v1', rejected: [] },
    hostname: { value: sn.toLowerCase(), source: 'kernel', specVersion: 'v1' },
    platform: { value: null, source: 'none', specVersion: 'v1' },
    addresses: [],
    excludedInterfaces: [],
  };
}

beforeAll(async () => {
  const config = loadConfig({ env: { CMDB_API_MAX_ROWS: '50', CMDB_RECONCILE_EVERY_MS: '0' } });
  ctx = await createContext(config, { log: createLogger({ level: 'silent' }), database: await openMemoryPglite() });
  ctx.jobs.define(reconcileJob(ctx));
  await ctx.jobs.start();
  app = createApp(ctx, { routes: [cmdbRoutes(ctx)] });
  const made = await ctx.db.insert(hosts).values([{ hostname: 'a' }, { hostname: 'b' }, { hostname: 'c' }]).returning({ id: hosts.id });
  await recordHostFacts(ctx, [
    { hostId: made[0]!.id, facts: facts('RT1', '10.5.0.1') },
    { hostId: made[1]!.id, facts: facts('RT2', '10.5.0.2') },
    { hostId: made[2]!.id, facts: facts('RT3', '10.5.0.3') },
  ]);
});
afterAll(async () => ctx?.close());

const put = (body: unknown) => app.request('/v1/cmdb/hosts', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('CMDB API', () => {
  it('PUT /v1/cmdb/hosts imports valid rows and lists bad ones by row number', async () => {
    const res = await put({
      hosts: [
        { sn: 'RT1', ip: '10.5.0.1', owner: 'ops' },
        { sn: 'RT2', ip: '10.5.9.2', owner: 'ops' },
        { sn: 'RT9', ip: 'not-an-ip' },
        42,
        { sn: 'RT4', ip: '10.5.0.4', hostname: 'bad host name!' },
      ],
    });
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body).toMatchObject({ source: 'api', total: 5, inserted: 2, updated: 0 });
    expect(body.rejected).toEqual([
      { row: 3, errors: [{ field: 'ip', message: 'not an IPv4 or IPv6 address' }] },
      { row: 4, errors: [{ field: '(row)', message: 'is not an object' }] },
      { row: 5, errors: [{ field: 'hostname', message: 'not a valid host name' }] },
    ]);
  });

  it('strict mode refuses the whole batch with a problem document listing the rows', async () => {
    const res = await put({ strict: true, hosts: [{ sn: 'RT5', ip: '10.5.0.5' }, { ip: '10.5.0.300' }] });
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    const body = await json(res);
    expect(body.code).toBe('CMDB-USR-IMPORT_INVALID_ROWS');
    expect(body.errors).toEqual([{ row: 2, errors: [{ field: 'ip', message: 'not an IPv4 or IPv6 address' }] }]);
    const check = await json(await app.request('/v1/cmdb/reconcile/runs'));
    expect(check.items).toEqual([]);
  });

  it('refuses a malformed body and too many rows with catalogued codes', async () => {
    const bad = await put({ hosts: 'nope' });
    expect(bad.status).toBe(422);
    expect((await json(bad)).code).toBe('PROXY-USR-VALIDATION_FAILED');
    const big = await put({ hosts: Array.from({ length: 51 }, (_, i) => ({ sn: `B${i}` })) });
    expect(big.status).toBe(413);
    expect((await json(big)).code).toBe('CMDB-USR-IMPORT_TOO_LARGE');
  });

  it('POST /v1/cmdb/reconcile queues a run whose result and findings are readable', async () => {
    const res = await app.request('/v1/cmdb/reconcile', { method: 'POST' });
    expect(res.status).toBe(202);
    const { runId, url } = await json(res);
    const run = await waitFor(async () => {
      const r = await json(await app.request(url));
      return r.status === 'succeeded' || r.status === 'failed' ? r : undefined;
    }, { what: 'reconcile run' });
    expect(run).toMatchObject({ id: runId, status: 'succeeded', trigger: 'api', counts: { MATCH: 1, IP_MISMATCH: 1, MISSING_IN_CMDB: 1 } });
    const all = await json(await app.request(`/v1/cmdb/reconcile/runs/${runId}/findings`));
    expect(all.items.map((f: { kind: string }) => f.kind).sort()).toEqual(['IP_MISMATCH', 'MISSING_IN_CMDB']);
    const filtered = await json(await app.request(`/v1/cmdb/reconcile/runs/${runId}/findings?kind=IP_MISMATCH&owner=ops`));
    expect(filtered.items).toHaveLength(1);
    expect(filtered.items[0]).toMatchObject({ host: { sn: 'RT2', ip: '10.5.0.2' }, cmdb: { sn: 'RT2', ip: '10.5.9.2' }, owner: { name: 'ops' }, state: 'new' });
    const paged = await json(await app.request(`/v1/cmdb/findings?limit=1`));
    expect(paged.items).toHaveLength(1);
    expect(paged.nextAfter).toBe(paged.items[0].id);
    const rest = await json(await app.request(`/v1/cmdb/findings?limit=1&after=${paged.nextAfter}`));
    expect(rest.items).toHaveLength(1);
    expect(rest.nextAfter).toBeNull();
  });

  it('answers 404 for an unknown run, and no schedule when the interval is 0', async () => {
    const res = await app.request('/v1/cmdb/reconcile/runs/99999');
    expect(res.status).toBe(404);
    expect((await json(res)).code).toBe('CMDB-USR-RUN_NOT_FOUND');
    expect(await scheduleReconcile(ctx)).toBe(false);
  });
});
