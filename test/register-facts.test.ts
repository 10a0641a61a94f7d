import { asc, eq, sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import type { CollectedFacts } from '../collector/index.js';
import { hostFactHistory, hosts, rows } from '../db/index.js';
import { PROTOCOL_VERSION, REGISTER_PATH, type RegisteredResponse, type RegisterRequest } from '../protocol/index.js';
import { testDatabases } from './helpers/db.js';
import { startProxyHarness, TEST_ENROLMENT_TOKEN, type ProxyHarness } from './helpers/proxy-harness.js';

/** The collector's document for a synthetic host; `ipSource` 'override' adds the override file's path. */
function collected(sn: string, ip: string, hostname: string, ipSource = 'default-route-ipv4'): CollectedFacts {
  return {
    specVersion: 'v1',
    sn: { value: sn, source: 'dmi:product_serial', specVersion: 'v1', path: '/sys/class/dmi/id/product_serial', rejected: [], unread: [] },
    ip: {
      value: ip, source: ipSource, specVersion: 'v1', rejected: [],
      ...(ipSource === 'override' ? { path: '/etc/starling/ip' } : { path: '/proc/net/route', iface: 'eno1', family: 'ipv4' as const, metric: 100 }),
    },
    hostname: { value: hostname, source: 'kernel', specVersion: 'v1', path: '/proc/sys/kernel/hostname' },
    platform: { value: null, source: 'none', specVersion: 'v1' },
    addresses: [{ iface: 'eno1', address: ip, family: 'ipv4', prefixLength: 24 }],
    excludedInterfaces: [{ iface: 'lo', reason: 'name matches ^lo$' }],
  };
}

/** A registration request as the agent builds it from collected facts. */
function request(c: CollectedFacts, extra: Partial<RegisterRequest> = {}): RegisterRequest {
  return {
    type: 'register', v: PROTOCOL_VERSION, idc: null, agentVersion: 'sim',
    facts: { hostname: c.hostname.value, ip: c.ip.value, ips: c.addresses.map((a) => a.address), sn: c.sn.value, collected: JSON.parse(JSON.stringify(c)) as Record<string, unknown> },
    ...extra,
  };
}

async function post(h: ProxyHarness, body: unknown): Promise<RegisteredResponse> {
  const res = await fetch(h.http.url + REGISTER_PATH, {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_ENROLMENT_TOKEN}` }, body: JSON.stringify(body),
  });
  if (res.status !== 200) throw new Error(`register: ${res.status} ${await res.text()}`);
  return (await res.json()) as RegisteredResponse;
}

describe.each(testDatabases())('registration records facts with history on $name', ({ open }) => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });
  async function harness(env: Record<string, string> = {}) {
    const h = await startProxyHarness({ database: await open(), channel: false, env });
    cleanup.push(() => h.close());
    return h;
  }
  const history = (h: ProxyHarness, hostId: number) =>
    h.ctx.db.select().from(hostFactHistory).where(eq(hostFactHistory.hostId, hostId)).orderBy(asc(hostFactHistory.id));
  const host = async (h: ProxyHarness, hostId: number) => (await h.ctx.db.select().from(hosts).where(eq(hosts.id, hostId)))[0]!;

  it('stores the collected document with provenance; registering again with the same facts writes no history and no row', async () => {
    const h = await harness();
    const facts = collected('SN-A', '10.1.0.1', 'web-a');
    const first = await post(h, request(facts));
    const hostId = Number(first.hostId);
    const row = await host(h, hostId);
    expect(row).toMatchObject({ sn: 'SN-A', ip: '10.1.0.1', hostname: 'web-a', agentVersion: 'sim' });
    expect(row.lastSeenAt).not.toBeNull();
    // The document is the collector's, so reconciliation reads `facts->'ip'->>'source'` for it.
    expect(row.facts).toMatchObject({ specVersion: 'v1', ip: { value: '10.1.0.1', source: 'default-route-ipv4' }, sn: { source: 'dmi:product_serial' } });
    const firstHistory = await history(h, hostId);
    expect(firstHistory.map((x) => [x.field, x.oldValue, x.newValue])).toEqual([
      ['sn', null, 'SN-A'], ['ip', null, '10.1.0.1'], ['hostname', null, 'web-a'],
    ]);
    expect(firstHistory[0]!.provenance).toEqual({ source: 'dmi:product_serial', specVersion: 'v1', path: '/sys/class/dmi/id/product_serial' });

    // Same facts with the held identity, then as a reinstalled agent (no identity): nothing written.
    const again = await post(h, request(facts, { agentId: first.agentId, credential: first.credential }));
    expect(again).toMatchObject({ agentId: first.agentId, credential: first.credential, hostId: first.hostId });
    const reinstalled = await post(h, request(facts));
    expect(reinstalled.agentId).toBe(first.agentId);
    expect(await history(h, hostId)).toHaveLength(3);
    const after = await host(h, hostId);
    expect(after.updatedAt).toEqual(row.updatedAt);
    expect(after.facts).toEqual(row.facts);
  });

  it('a changed IP adds one history row: old value, new value, the source it came from, and when', async () => {
    const h = await harness();
    const first = await post(h, request(collected('SN-B', '10.2.0.1', 'web-b')));
    const hostId = Number(first.hostId);
    const [before] = await rows<{ now: string }>(h.ctx.db, sql`select now()::text as now`);
    const moved = await post(h, request(collected('SN-B', '10.2.0.99', 'web-b', 'override'), { agentId: first.agentId, credential: first.credential }));
    const [after] = await rows<{ now: string }>(h.ctx.db, sql`select now()::text as now`);
    expect(moved).toMatchObject({ agentId: first.agentId, credential: first.credential, hostId: first.hostId });

    const changes = (await history(h, hostId)).slice(3);
    expect(changes).toHaveLength(1);
    const c = changes[0]!;
    expect(c).toMatchObject({ field: 'ip', oldValue: '10.2.0.1', newValue: '10.2.0.99' });
    expect(c.provenance).toEqual({ source: 'override', specVersion: 'v1', path: '/etc/starling/ip' });
    expect(c.changedAt.getTime()).toBeGreaterThanOrEqual(new Date(before!.now).getTime());
    expect(c.changedAt.getTime()).toBeLessThanOrEqual(new Date(after!.now).getTime());
    const row = await host(h, hostId);
    expect(row).toMatchObject({ ip: '10.2.0.99', sn: 'SN-B' });
    expect(row.facts).toMatchObject({ ip: { value: '10.2.0.99', source: 'override' } });
    expect((await h.ctx.db.select().from(hosts)).length).toBe(1);
  });

  it('without usable collected facts a registration is stored as before, with no history; the collected values win over the plain ones', async () => {
    const h = await harness();
    const plain = await h.register({ hostname: 'plain-1', ip: '10.3.0.1', sn: 'SN-P' });
    expect((await host(h, Number(plain.hostId))).facts).toEqual({ ips: ['10.3.0.1'] });
    // A document without the identity facts is kept as sent but not trusted for columns or history.
    const odd = await post(h, { ...request(collected('SN-Q', '10.3.0.2', 'odd-1')), facts: { hostname: 'odd-1', ip: '10.3.0.2', ips: [], sn: 'SN-Q', collected: { sn: 'SN-Q' } } });
    expect(await host(h, Number(odd.hostId))).toMatchObject({ sn: 'SN-Q', ip: '10.3.0.2', facts: { ips: [], collected: { sn: 'SN-Q' } } });
    expect(await h.ctx.db.select().from(hostFactHistory)).toEqual([]);

    const body = request(collected('SN-R', '10.3.0.3', 'real-1'));
    body.facts.ip = '10.3.9.9';
    const mixed = await post(h, body);
    expect(await host(h, Number(mixed.hostId))).toMatchObject({ ip: '10.3.0.3' });
    expect((await history(h, Number(mixed.hostId))).find((x) => x.field === 'ip')?.newValue).toBe('10.3.0.3');
  });

  it('200 concurrent registrations record their history in as many statements as one', async () => {
    const h = await harness({ PROXY_SWEEP_INTERVAL_MS: '3600000' });
    const statements = () => h.ctx.database.statements;
    const n = 200;
    const registerAll = async (list: RegisterRequest[]) => {
      const s0 = statements();
      const out = await Promise.all(list.map((r) => h.core.register(r)));
      return { out, statements: statements() - s0 };
    };
    // Warm up (the signing key is loaded once), then one registration of a changed IP for reference.
    const solo = await h.core.register(request(collected('SN-SOLO', '10.4.0.1', 'solo')));
    const soloMoved = await registerAll([request(collected('SN-SOLO', '10.4.0.2', 'solo'), { agentId: solo.agentId, credential: solo.credential })]);

    const created = await registerAll(Array.from({ length: n }, (_, i) => request(collected(`SN-${i}`, `10.5.${i >> 8}.${i & 255}`, `bulk-${i}`))));
    const historyRows = async () => (await rows<{ n: number }>(h.ctx.db, sql`select count(*)::int as n from host_fact_history`))[0]!.n;
    expect(await historyRows()).toBe(3 * (n + 1) + 1);

    const moved = await registerAll(created.out.map((r, i) =>
      request(collected(`SN-${i}`, `10.6.${i >> 8}.${i & 255}`, `bulk-${i}`), { agentId: r.agentId, credential: r.credential })));
    expect(moved.out.map((r) => r.agentId)).toEqual(created.out.map((r) => r.agentId));
    const ipChanges = await rows<{ n: number }>(h.ctx.db, sql`select count(*)::int as n from host_fact_history where field = 'ip' and new_value like '10.6.%' and old_value like '10.5.%'`);
    expect(ipChanges[0]!.n).toBe(n);
    expect(await historyRows()).toBe(3 * (n + 1) + 1 + n);

    const same = await registerAll(created.out.map((r, i) =>
      request(collected(`SN-${i}`, `10.6.${i >> 8}.${i & 255}`, `bulk-${i}`), { agentId: r.agentId, credential: r.credential })));
    expect(await historyRows()).toBe(3 * (n + 1) + 1 + n);

    console.log(`statements: 1 changed registration ${soloMoved.statements}, ${n} new ${created.statements}, ${n} changed ${moved.statements}, ${n} unchanged ${same.statements}`);
    expect(moved.statements).toBe(soloMoved.statements);
    expect(same.statements).toBe(soloMoved.statements);
    expect(created.statements).toBeLessThanOrEqual(8);
  });
});
