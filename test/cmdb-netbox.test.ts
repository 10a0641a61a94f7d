import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../core/index.js';
import { cmdbHosts, type Database } from '../db/index.js';
import { importCmdb, pullNetboxDevices } from '../cmdb-sync/index.js';
import { openMemoryPglite } from './helpers/db.js';

/** 7 devices shaped like NetBox 4 `/api/dcim/devices/` results. */
const DEVICES = Array.from({ length: 7 }, (_, i) => ({
  id: 100 + i,
  url: `http://netbox.invalid/api/dcim/devices/${100 + i}/`,
  display: `rack-sw-${i}`,
  name: i === 6 ? null : `srv-${i}`,
  serial: i === 3 ? '' : i === 4 ? 'Default string' : `NBX${i}0042`,
  asset_tag: null,
  site: { id: 1, url: 'http://netbox.invalid/api/dcim/sites/1/', display: 'HZ One', name: 'HZ One', slug: 'hz1' },
  tenant: i % 2 ? { id: 2, name: 'payments', slug: 'payments' } : null,
  role: { id: 3, name: 'Application Server', slug: 'app' },
  primary_ip4: i === 5 ? null : { id: 10 + i, family: { value: 4, label: 'IPv4' }, address: `10.9.0.${i + 1}/24` },
  primary_ip6: i === 5 ? { id: 99, family: { value: 6, label: 'IPv6' }, address: '2001:db8:9::5/64' } : null,
  status: { value: 'active', label: 'Active' },
  config_context: {},
}));

let server: Server;
let base: string;
const seen: { auth?: string; url: string }[] = [];
let failNext = 0;
let foreignNext = false;

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({ url: req.url ?? '', ...(req.headers.authorization && { auth: req.headers.authorization }) });
    if (req.headers.authorization !== 'Token nb-secret-123') {
      res.writeHead(403, { 'content-type': 'application/json' }).end('{"detail":"Invalid token"}');
      return;
    }
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname !== '/api/dcim/devices/') {
      res.writeHead(404).end();
      return;
    }
    if (failNext > 0) {
      failNext--;
      res.writeHead(503).end('busy');
      return;
    }
    const limit = Number(url.searchParams.get('limit'));
    const offset = Number(url.searchParams.get('offset'));
    const results = DEVICES.slice(offset, offset + limit);
    const more = offset + limit < DEVICES.length;
    const host = foreignNext ? 'http://127.0.0.2:1' : base;
    const next = more ? `${host}/api/dcim/devices/?limit=${limit}&offset=${offset + limit}` : null;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ count: DEVICES.length, next, previous: null, results }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => new Promise<void>((r) => server.close(() => r())));

describe('NetBox pull', () => {
  let database: Database;
  beforeAll(async () => {
    database = await openMemoryPglite();
  });
  afterAll(async () => database?.close());

  it('follows pagination with token auth, retries a 503, and imports serial and primary IP', async () => {
    seen.length = 0;
    failNext = 1;
    const records = await pullNetboxDevices({ url: base, token: 'nb-secret-123', pageSize: 3, backoffMs: 1 });
    expect(records).toHaveLength(7);
    expect(seen.every((s) => s.auth === 'Token nb-secret-123')).toBe(true);
    expect(seen.map((s) => new URL(s.url, 'http://x').searchParams.get('offset'))).toEqual(['0', '0', '3', '6']);
    const result = await importCmdb({ db: database.db, config: loadConfig({ env: {} }) }, records, { source: 'netbox' });
    expect(result).toMatchObject({ total: 7, inserted: 7, rejected: [] });
    const rows = await database.db.select().from(cmdbHosts).orderBy(cmdbHosts.externalId);
    expect(rows.map((r) => [r.externalId, r.sn, r.ip, r.hostname, r.idc, r.app])).toEqual([
      ['netbox:100', 'NBX00042', '10.9.0.1', 'srv-0', 'hz1', 'Application Server'],
      ['netbox:101', 'NBX10042', '10.9.0.2', 'srv-1', 'hz1', 'Application Server'],
      ['netbox:102', 'NBX20042', '10.9.0.3', 'srv-2', 'hz1', 'Application Server'],
      ['netbox:103', null, '10.9.0.4', 'srv-3', 'hz1', 'Application Server'],
      ['netbox:104', null, '10.9.0.5', 'srv-4', 'hz1', 'Application Server'],
      ['netbox:105', 'NBX50042', '2001:db8:9::5', 'srv-5', 'hz1', 'Application Server'],
      ['netbox:106', 'NBX60042', '10.9.0.7', null, 'hz1', 'Application Server'],
    ]);
    expect(rows[4]!.extra).toMatchObject({ snRaw: 'Default string' });
  });

  it('reports a refused token as CMDB-DEP-NETBOX_AUTH_FAILED without retrying', async () => {
    seen.length = 0;
    await expect(pullNetboxDevices({ url: base, token: 'wrong', backoffMs: 1 })).rejects.toMatchObject({ code: 'CMDB-DEP-NETBOX_AUTH_FAILED', params: { status: 403 } });
    expect(seen).toHaveLength(1);
  });

  it('gives up after the attempts with CMDB-DEP-NETBOX_UNAVAILABLE', async () => {
    failNext = 5;
    await expect(pullNetboxDevices({ url: base, token: 'nb-secret-123', attempts: 2, backoffMs: 1 })).rejects.toMatchObject({ code: 'CMDB-DEP-NETBOX_UNAVAILABLE' });
    failNext = 0;
  });

  it('refuses a next link to another host', async () => {
    foreignNext = true;
    try {
      await expect(pullNetboxDevices({ url: base, token: 'nb-secret-123', pageSize: 3 })).rejects.toMatchObject({ code: 'CMDB-DEP-NETBOX_BAD_RESPONSE' });
    } finally {
      foreignNext = false;
    }
  });

  it('refuses a page that is not NetBox-shaped or too large', async () => {
    await expect(pullNetboxDevices({ url: `${base}/nothing-here`, token: 'nb-secret-123' })).rejects.toMatchObject({ code: 'CMDB-DEP-NETBOX_BAD_RESPONSE' });
    await expect(pullNetboxDevices({ url: base, token: 'nb-secret-123', maxPageBytes: 100 })).rejects.toMatchObject({ code: 'CMDB-DEP-NETBOX_BAD_RESPONSE' });
  });
});
