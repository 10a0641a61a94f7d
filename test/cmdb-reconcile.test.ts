import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CollectedFacts } from '../collector/index.js';
import { loadConfig, ManualClock } from '../core/index.js';
import { auditLog, cmdbFindings, cmdbHosts, hosts, hostFactHistory, rows, type Database } from '../db/index.js';
import { autofixCmdb, importCmdb, reconcileCmdb, recordHostFacts } from '../cmdb-sync/index.js';
import { testDatabases } from './helpers/db.js';

const DAY = 86_400_000;

/** Facts as the collector reports them, for a synthetic host. */
function facts(sn: string | null, ip: string | null, hostname: string, ipSource = 'default-route-ipv4'): CollectedFacts {
  return {
    specVersion: 'v1',
    sn: sn
      ? { value: sn, source: 'dmi:product_serial', specVersion: 'v1', rejected: [], unread: [] }
      : {
          value: null, source: 'none', specVersion: 'v1', reason: 'placeholder', code: 'CMDB-ENV-NO_VALID_SN',
          rejected: [{ source: 'dmi:product_serial', raw: 'To Be Filled By O.E.M.', reason: 'placeholder' }], unread: [],
        },
    ip: ip ? { value: ip, source: ipSource, specVersion: 'v1', rejected: [] } : { value: null, source: 'none', specVersion: 'v1', rejected: [] },
    hostname: { value: hostname, source: 'kernel', specVersion: 'v1' },
    platform: { value: null, source: 'none', specVersion: 'v1' },
    addresses: [],
    excludedInterfaces: [],
  };
}

type FleetHost = { name: string; sn: string | null; ip: string; ipSource?: string; seenDaysAgo?: number };

describe.each(testDatabases())('CMDB reconciliation on $name', (backend) => {
  let database: Database;
  const clock = new ManualClock(Date.parse('2026-11-23T10:00:00Z'));
  const config = loadConfig({ env: {} });
  const ctx = () => ({ db: database.db, config, clock });
  const hostIds = new Map<string, number>();

  async function addHosts(fleet: FleetHost[]) {
    const inserted = await database.db.insert(hosts).values(fleet.map((h) => ({ hostname: h.name }))).returning({ id: hosts.id, hostname: hosts.hostname });
    for (const r of inserted) hostIds.set(r.hostname!, r.id);
    await recordHostFacts(
      ctx(),
      fleet.map((h) => ({ hostId: hostIds.get(h.name)!, facts: facts(h.sn, h.ip, h.name, h.ipSource), seenAt: new Date(clock.now() - (h.seenDaysAgo ?? 0) * DAY) })),
    );
  }

  async function findings(runId: number) {
    const list = await database.db.select().from(cmdbFindings).where(eq(cmdbFindings.runId, runId));
    return list.map((f) => `${f.state} ${f.kind} ${f.side} ${f.hostSn ?? f.cmdbSn ?? '-'} ${f.hostIp ?? '-'} ${f.cmdbIp ?? '-'}`).sort();
  }

  beforeAll(async () => {
    database = await backend.open();
    await addHosts([
      { name: 'h-match', sn: 'AAA001', ip: '10.0.0.1' },
      { name: 'h-ipmm', sn: 'AAA002', ip: '10.0.0.2' },
      { name: 'h-snmm', sn: 'NEW003', ip: '10.0.0.3' },
      { name: 'h-missing', sn: 'AAA004', ip: '10.0.0.4' },
      { name: 'h-stale', sn: 'AAA006', ip: '10.0.0.6', seenDaysAgo: 3 },
      { name: 'h-dupsn', sn: 'DUP007', ip: '10.0.0.7' },
      { name: 'h-dupip-a', sn: 'AAA008', ip: '10.0.0.8' },
      { name: 'h-dupip-b', sn: 'AAA088', ip: '10.0.0.8' },
      { name: 'h-cmdb-invalid', sn: 'AAA009', ip: '10.0.0.9' },
      { name: 'h-invalid', sn: null, ip: '10.0.0.10' },
      { name: 'h-fallback', sn: 'AAA011', ip: '10.0.0.11', ipSource: 'fallback' },
    ]);
    const cmdb = [
      { serial: 'aaa001', ip: '10.0.0.1', hostname: 'h-match', owner: 'team-a' },
      { serial: 'AAA002', ip: '10.0.9.2', hostname: 'h-ipmm', owner: 'team-b' },
      { serial: 'OLD003', ip: '10.0.0.3', hostname: 'h-snmm', owner: 'team-a' },
      { serial: 'AAA005', ip: '10.0.0.5', hostname: 'c-noagent', owner: 'team-c' },
      { serial: 'AAA006', ip: '10.0.0.6', hostname: 'h-stale' },
      { id: 'dup-1', serial: 'DUP007', ip: '10.0.0.7', hostname: 'dup-a' },
      { id: 'dup-2', serial: 'DUP007', ip: '10.0.0.77', hostname: 'dup-b' },
      { serial: 'AAA008', ip: '10.0.0.8', hostname: 'h-dupip-a' },
      { id: 'junk-9', serial: 'To Be Filled By O.E.M.', ip: '10.0.0.9', hostname: 'h-cmdb-invalid' },
      { serial: 'AAA010', ip: '10.0.0.10', hostname: 'h-invalid' },
      { serial: 'AAA011', ip: '10.0.9.11', hostname: 'h-fallback' },
    ];
    const result = await importCmdb(ctx(), cmdb.map((values, i) => ({ row: i + 1, values })), { source: 'json' });
    expect(result).toMatchObject({ inserted: 11, updated: 0, rejected: [] });
  });
  afterAll(async () => {
    await database?.close();
  });

  let firstRun: number;

  it('finds exactly the injected mismatches, with both sides, provenance and owner', async () => {
    const progress: string[] = [];
    const summary = await reconcileCmdb(ctx(), { trigger: 'test', progress: (p) => void progress.push(p.step) });
    firstRun = summary.runId;
    expect(summary.counts).toEqual({
      MATCH: 2, IP_MISMATCH: 2, SN_MISMATCH: 1, MISSING_IN_CMDB: 1, NO_AGENT: 2, DUPLICATE_SN: 1, DUPLICATE_IP: 1, INVALID_SN: 2,
    });
    expect(summary.previousRunId).toBeNull();
    expect(summary.diff).toEqual({ new: 10, open: 0, resolved: 0 });
    expect(await findings(firstRun)).toEqual([
      'new DUPLICATE_IP host - 10.0.0.8 -',
      'new DUPLICATE_SN cmdb DUP007 - -',
      'new INVALID_SN cmdb - - 10.0.0.9',
      'new INVALID_SN host - 10.0.0.10 -',
      'new IP_MISMATCH both AAA002 10.0.0.2 10.0.9.2',
      'new IP_MISMATCH both AAA011 10.0.0.11 10.0.9.11',
      'new MISSING_IN_CMDB host AAA004 10.0.0.4 -',
      'new NO_AGENT cmdb AAA005 - 10.0.0.5',
      'new NO_AGENT cmdb AAA006 10.0.0.6 10.0.0.6',
      'new SN_MISMATCH both NEW003 10.0.0.3 10.0.0.3',
    ]);
    const [ipmm] = await database.db.select().from(cmdbFindings).where(sql`${cmdbFindings.runId} = ${firstRun} and ${cmdbFindings.kind} = 'IP_MISMATCH' and ${cmdbFindings.hostSn} = 'AAA002'`);
    expect(ipmm!.detail).toMatchObject({ hostSnSource: 'dmi:product_serial', hostIpSource: 'default-route-ipv4', specVersion: 'v1', cmdbSource: 'json' });
    expect(ipmm!.ownerId).not.toBeNull();
    const [invalid] = await database.db.select().from(cmdbFindings).where(sql`${cmdbFindings.runId} = ${firstRun} and ${cmdbFindings.key} like 'INVALID_SN:cmdb:%'`);
    expect(invalid!.detail).toMatchObject({ raw: 'To Be Filled By O.E.M.' });
    expect(progress).toContain('join');
    expect(progress.at(-1)).toBe('done');
  });

  it('diffs the next run: fixed ones resolved, the rest still open', async () => {
    await importCmdb(ctx(), [
      { row: 1, values: { serial: 'AAA002', ip: '10.0.0.2', hostname: 'h-ipmm', owner: 'team-b' } },
      { row: 2, values: { serial: 'AAA004', ip: '10.0.0.4', hostname: 'h-missing' } },
    ], { source: 'json' });
    const summary = await reconcileCmdb(ctx(), { trigger: 'test' });
    expect(summary.previousRunId).toBe(firstRun);
    expect(summary.counts).toMatchObject({ MATCH: 4, IP_MISMATCH: 1, MISSING_IN_CMDB: 0 });
    expect(summary.diff).toEqual({ new: 0, open: 8, resolved: 2 });
    const list = await findings(summary.runId);
    expect(list.filter((f) => f.startsWith('resolved'))).toEqual([
      'resolved IP_MISMATCH both AAA002 10.0.0.2 10.0.9.2',
      'resolved MISSING_IN_CMDB host AAA004 10.0.0.4 -',
    ]);
  });

  it('records fact history when a host\'s facts change', async () => {
    const id = hostIds.get('h-match')!;
    await recordHostFacts(ctx(), [{ hostId: id, facts: facts('AAA001', '10.0.1.1', 'h-match'), seenAt: clock.date() }]);
    const hist = await database.db.select().from(hostFactHistory).where(eq(hostFactHistory.hostId, id));
    const ipChanges = hist.filter((h) => h.field === 'ip').map((h) => [h.oldValue, h.newValue]);
    expect(ipChanges).toEqual([[null, '10.0.0.1'], ['10.0.0.1', '10.0.1.1']]);
    expect(hist.find((h) => h.newValue === '10.0.1.1')!.provenance).toMatchObject({ source: 'default-route-ipv4', specVersion: 'v1' });
    expect(hist.filter((h) => h.field === 'sn')).toHaveLength(1);
  });

  it('auto-fix is off by default and, when on, changes only what the policy allows, with an audit row each', async () => {
    // h-match moved to 10.0.1.1 (default route) and h-fallback's IP came from the fallback; a
    // third host shares its IP with another host (duplicate): only h-match's CMDB IP may change.
    await addHosts([
      { name: 'h-dup-x', sn: 'AAA012', ip: '10.0.0.12' },
      { name: 'h-dup-y', sn: 'AAA013', ip: '10.0.0.12' },
    ]);
    await importCmdb(ctx(), [{ row: 1, values: { serial: 'AAA012', ip: '10.0.9.12', hostname: 'h-dup-x' } }], { source: 'json' });
    const run = await reconcileCmdb(ctx(), { trigger: 'test' });
    expect(await autofixCmdb(ctx(), run.runId)).toEqual({ ip: 0, sn: 0 });

    const auditBefore = await rows<{ n: number }>(database.db, sql`select count(*)::int as n from audit_log where action = 'cmdb.autofix'`);
    const fixed = await autofixCmdb(ctx(), run.runId, { ip: { enabled: true, sources: ['default-route-ipv4', 'override'] }, sn: { enabled: true, sources: ['dmi:product_serial'] } });
    expect(fixed).toEqual({ ip: 1, sn: 1 });
    const cm = await database.db.select().from(cmdbHosts);
    const bySn = new Map(cm.map((c) => [c.sn, c]));
    expect(bySn.get('AAA001')!.ip).toBe('10.0.1.1');
    expect(bySn.get('AAA011')!.ip).toBe('10.0.9.11'); // fallback-sourced IP: not trusted
    expect(bySn.get('AAA012')!.ip).toBe('10.0.9.12'); // agent IP is a duplicate: untouched
    expect(bySn.get('NEW003')?.ip).toBe('10.0.0.3'); // SN mismatch fixed from the agent's DMI serial
    expect(bySn.has('OLD003')).toBe(false);
    const audits = await database.db.select().from(auditLog).where(eq(auditLog.action, 'cmdb.autofix'));
    expect(audits.length - auditBefore[0]!.n).toBe(2);
    expect(audits.map((a) => a.detail)).toEqual(expect.arrayContaining([
      expect.objectContaining({ field: 'ip', old: '10.0.0.1', new: '10.0.1.1' }),
      expect.objectContaining({ field: 'sn', old: 'OLD003', new: 'NEW003' }),
    ]));
    // Running it again changes nothing more.
    expect(await autofixCmdb(ctx(), run.runId, { ip: { enabled: true, sources: ['default-route-ipv4'] }, sn: { enabled: true, sources: ['dmi:product_serial'] } })).toEqual({ ip: 0, sn: 0 });
    const after = await reconcileCmdb(ctx(), { trigger: 'test' });
    expect(after.counts.SN_MISMATCH).toBe(0);
  });
});

describe.each(testDatabases())('CMDB reconciliation edge cases on $name', (backend) => {
  let database: Database;
  const clock = new ManualClock(Date.parse('2026-11-23T10:00:00Z'));
  const ctx = () => ({ db: database.db, config: loadConfig({ env: {} }), clock });

  beforeAll(async () => {
    database = await backend.open();
    const seen = new Date(clock.now() - 60_000);
    await database.db.insert(hosts).values([
      // Two agents, each matching its CMDB row by SN, all four on one IP.
      { hostname: 'e1', sn: 'E001', ip: '10.1.0.1', lastSeenAt: seen },
      { hostname: 'e2', sn: 'E002', ip: '10.1.0.1', lastSeenAt: seen },
      // No SN (NULL, empty) on both sides: never paired with each other.
      { hostname: 'n1', sn: null, ip: '10.1.0.2', lastSeenAt: seen },
      { hostname: 'n2', sn: '', ip: '10.1.0.3', lastSeenAt: seen },
      // A SN the CMDB holds twice; a SN two agents report.
      { hostname: 'd', sn: 'D001', ip: '10.1.0.4', lastSeenAt: seen },
      { hostname: 'a1', sn: 'A001', ip: '10.1.0.6', lastSeenAt: seen },
      { hostname: 'a2', sn: 'A001', ip: '10.1.0.7', lastSeenAt: seen },
    ]);
    await database.db.insert(cmdbHosts).values([
      { source: 'test', hostname: 'e1', sn: 'E001', ip: '10.1.0.1' },
      { source: 'test', hostname: 'e2', sn: 'E002', ip: '10.1.0.1' },
      { source: 'test', hostname: 'n1', sn: null, ip: '10.1.0.2' },
      { source: 'test', hostname: 'n2', sn: '', ip: '10.1.0.3' },
      { source: 'test', hostname: 'n9', sn: null, ip: '10.1.0.9' },
      { source: 'test', hostname: 'd-a', sn: 'D001', ip: '10.1.0.4' },
      { source: 'test', hostname: 'd-b', sn: 'D001', ip: '10.1.0.5' },
      { source: 'test', hostname: 'a', sn: 'A001', ip: '10.1.0.6' },
    ]);
  });
  afterAll(async () => {
    await database?.close();
  });

  it('counts matches sharing an IP, flags the IP on both sides, and pairs no empty or duplicated SN', async () => {
    const summary = await reconcileCmdb(ctx(), { trigger: 'test' });
    expect(summary.counts).toEqual({
      MATCH: 2, IP_MISMATCH: 0, SN_MISMATCH: 0, MISSING_IN_CMDB: 0, NO_AGENT: 1, DUPLICATE_SN: 2, DUPLICATE_IP: 2, INVALID_SN: 5,
    });
    const list = await database.db.select().from(cmdbFindings).where(eq(cmdbFindings.runId, summary.runId));
    const keys = list.map((f) => f.key.replace(/:\d+$/, ':#')).sort();
    expect(keys).toEqual([
      'DUPLICATE_IP:cmdb:10.1.0.1', 'DUPLICATE_IP:host:10.1.0.1', 'DUPLICATE_SN:cmdb:D001', 'DUPLICATE_SN:host:A001',
      'INVALID_SN:cmdb:#', 'INVALID_SN:cmdb:#', 'INVALID_SN:cmdb:#', 'INVALID_SN:host:#', 'INVALID_SN:host:#', 'NO_AGENT:#',
    ]);
    const dupIp = list.find((f) => f.key === 'DUPLICATE_IP:host:10.1.0.1')!;
    expect(dupIp.detail).toMatchObject({ count: 2, hostnames: ['e1', 'e2'] });
    expect(list.find((f) => f.kind === 'NO_AGENT')!.cmdbIp).toBe('10.1.0.9');
  });
});

describe.each(testDatabases())('CMDB reconciliation: repeats hidden among clean matches, placeholders as stored, on $name', (backend) => {
  let database: Database;
  const clock = new ManualClock(Date.parse('2026-11-23T10:00:00Z'));
  const ctx = () => ({ db: database.db, config: loadConfig({ env: {} }), clock });
  const ids = new Map<string, number>();

  beforeAll(async () => {
    database = await backend.open();
    const seen = new Date(clock.now() - 60_000);
    const agents = [
      // Two agents with one SN and one IP, and one CMDB row with both: all clean-looking pairs.
      { hostname: 'a1', sn: 'A1', ip: '10.2.0.1' }, { hostname: 'a2', sn: 'A1', ip: '10.2.0.1' },
      // Two agents with one SN the CMDB does not know.
      { hostname: 'b1', sn: 'B1', ip: '10.2.1.1' }, { hostname: 'b2', sn: 'B1', ip: '10.2.1.2' },
      // A placeholder stored as a SN (here as written; the CMDB holds it upper-case, twice).
      { hostname: 'c', sn: 'Default', ip: '10.2.2.1' },
      // An agent whose SN the CMDB holds twice, at the IP of a third CMDB row: no SN_MISMATCH,
      // as the CMDB knows the agent's SN.
      { hostname: 'd', sn: 'D1', ip: '10.2.3.1' },
      // A clean match whose IP a second CMDB row repeats; a clean match whose IP a second agent repeats.
      { hostname: 'e', sn: 'E1', ip: '10.2.4.1' },
      { hostname: 'f1', sn: 'F1', ip: '10.2.5.1' }, { hostname: 'f2', sn: 'F2', ip: '10.2.5.1' },
    ];
    const inserted = await database.db.insert(hosts).values(agents.map((a) => ({ ...a, lastSeenAt: seen }))).returning({ id: hosts.id, hostname: hosts.hostname });
    for (const r of inserted) ids.set(r.hostname!, r.id);
    const cmdb = await database.db.insert(cmdbHosts).values([
      { source: 'test', hostname: 'ca', sn: 'A1', ip: '10.2.0.1' },
      { source: 'test', hostname: 'cc1', sn: 'DEFAULT', ip: '10.2.2.1' },
      { source: 'test', hostname: 'cc2', sn: 'DEFAULT', ip: '10.2.2.2' },
      { source: 'test', hostname: 'cd1', sn: 'D1', ip: '10.2.3.8' },
      { source: 'test', hostname: 'cd2', sn: 'D1', ip: '10.2.3.9' },
      { source: 'test', hostname: 'cd3', sn: 'D3', ip: '10.2.3.1' },
      { source: 'test', hostname: 'ce1', sn: 'E1', ip: '10.2.4.1' },
      { source: 'test', hostname: 'ce2', sn: 'E2', ip: '10.2.4.1' },
      { source: 'test', hostname: 'cf1', sn: 'F1', ip: '10.2.5.1' },
    ]).returning({ id: cmdbHosts.id, hostname: cmdbHosts.hostname });
    for (const r of cmdb) ids.set(r.hostname!, r.id);
  });
  afterAll(async () => {
    await database?.close();
  });

  it('finds repeated SNs and IPs even where every pair looks clean, and pairs no placeholder', async () => {
    const summary = await reconcileCmdb(ctx(), { trigger: 'test' });
    expect(summary.counts).toEqual({
      MATCH: 2, IP_MISMATCH: 0, SN_MISMATCH: 0, MISSING_IN_CMDB: 2, NO_AGENT: 1, DUPLICATE_SN: 3, DUPLICATE_IP: 3, INVALID_SN: 3,
    });
    const list = await database.db.select().from(cmdbFindings).where(eq(cmdbFindings.runId, summary.runId));
    const id = (name: string) => ids.get(name)!;
    expect(list.map((f) => f.key).sort()).toEqual([
      'DUPLICATE_IP:cmdb:10.2.4.1', 'DUPLICATE_IP:host:10.2.0.1', 'DUPLICATE_IP:host:10.2.5.1',
      'DUPLICATE_SN:cmdb:D1', 'DUPLICATE_SN:host:A1', 'DUPLICATE_SN:host:B1',
      `INVALID_SN:cmdb:${id('cc1')}`, `INVALID_SN:cmdb:${id('cc2')}`, `INVALID_SN:host:${id('c')}`,
      `MISSING_IN_CMDB:${id('b1')}`, `MISSING_IN_CMDB:${id('b2')}`,
      `NO_AGENT:${id('cc2')}`,
    ].sort());
    expect(list.find((f) => f.key === 'DUPLICATE_SN:host:A1')!.detail).toMatchObject({ count: 2, hostIds: [id('a1'), id('a2')], hostnames: ['a1', 'a2'] });
    expect(list.find((f) => f.key === 'DUPLICATE_SN:cmdb:D1')!.detail).toMatchObject({ count: 2, cmdbHostIds: [id('cd1'), id('cd2')] });
    expect(list.find((f) => f.key === 'DUPLICATE_IP:cmdb:10.2.4.1')!.detail).toMatchObject({ count: 2, hostnames: ['ce1', 'ce2'] });
  });
});
