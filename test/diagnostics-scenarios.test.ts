import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { createSocket } from 'node:dgram';
import { connect, createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, loadConfig, problemFromCode } from '../core/index.js';
import { agents, cmdbHosts, hostMetrics, hosts, owners, taskRuns, tasks, type Database } from '../db/index.js';
import {
  createSyslogStore, diagnosticsEngine, enrichProblem, startSyslogReceiver, type Diagnosis, type SyslogReceiver,
} from '../diagnostics/index.js';
import { createNetnsHost, type NetnsHost } from '../diagnostics/testing/netns.js';
import { createContext, type Context } from '../runtime/index.js';
import { testDatabases } from './helpers/db.js';
import { waitFor } from './helpers/wait-for.js';

// Scenario hosts are loopback addresses and a network namespace this file creates; the
// namespace is mandatory (a missing `ip netns` fails the suite, it does not skip it).
const GiB = 1024 ** 3;
const listen = (s: Server, host: string) => new Promise<number>((r) => s.listen(0, host, () => r((s.address() as { port: number }).port)));

let netns: NetnsHost;
let banner: Server;
let bannerPort: number;
let closedPort: number;

beforeAll(async () => {
  netns = createNetnsHost('scn');
  // A fake SSH server inside the namespace, on the namespace host's own address.
  const child = netns.spawnInside(process.execPath, ['-e', `require('net').createServer((c)=>{c.on('error',()=>{});c.end('SSH-2.0-OpenSSH_9.2p1 netns\\r\\n')}).listen(2222, '${netns.ip}', () => console.log('ready'))`]);
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
    child.on('exit', (code) => reject(new Error(`netns banner server exited ${code}`)));
  });
  // A fake SSH banner server on loopback, shared by the loopback hosts (0.0.0.0 covers 127/8).
  banner = createServer((c) => {
    c.on('error', () => {});
    c.end('SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n');
  });
  bannerPort = await listen(banner, '0.0.0.0');
  const tmp = createServer();
  closedPort = await listen(tmp, '127.0.0.1');
  await new Promise((r) => tmp.close(r));
}, 30_000);

afterAll(async () => {
  netns?.close();
  await new Promise((r) => banner?.close(r));
});

describe.each(testDatabases())('diagnostics scenarios on $name', (backend) => {
  let database: Database;
  let ctx: Context & { close(): Promise<void> };
  let receiver: SyslogReceiver;
  const ids: Record<string, number> = {};
  let ownerId: number;

  beforeAll(async () => {
    database = await backend.open();
    const config = loadConfig({ env: { DIAG_PROBE_TIMEOUT_MS: '800', DIAG_CACHE_TTL_MS: '60000', DIAG_UNACKED_RUN_MS: '30000' } });
    ctx = await createContext(config, { log: createLogger({ level: 'silent' }), database });
    const db = ctx.db;
    const [o] = await db.insert(owners).values({ name: `Wang Fang ${randomUUID().slice(0, 6)}`, dingtalkUserId: 'ding-wf', mobile: '13800000000' }).returning({ id: owners.id });
    ownerId = o!.id;
    const now = Date.now();
    const add = async (key: string, ip: string, sshPort: number, sn = `SN-${key}`) => {
      const [h] = await db.insert(hosts).values({ ip, sn, hostname: `${key}.test`, facts: { sshPort }, ownerId: key === 'cmdb' ? null : ownerId, lastSeenAt: new Date(now) }).returning({ id: hosts.id });
      ids[key] = h!.id;
      await db.insert(agents).values({ id: `agent-${key}-${h!.id}-${randomUUID().slice(0, 4)}`, hostId: h!.id, credentialHash: 'x', state: 'online', lastHeartbeatAt: new Date(now - 2000), connectedAt: new Date(now - 600_000) });
      await db.insert(hostMetrics).values({ hostId: h!.id, at: new Date(now - 5000), load1: 0.5, cpus: 4, mounts: [{ mount: '/', usedBytes: 20 * GiB, totalBytes: 100 * GiB }] });
      await db.insert(cmdbHosts).values({ ip, sn: key === 'cmdb' ? 'SN-CMDB-OLD' : sn, hostname: `${key}.test`, ownerId, source: 'csv' });
      return h!.id;
    };
    await add('netns', netns.ip, 2222);
    await add('down', netns.spareIps[0]!, 22); // a spare address on the veth: nobody answers
    await add('sshdead', '127.0.0.11', closedPort);
    await add('healthy', '127.0.0.12', bannerPort);
    await add('hung', '127.0.0.13', bannerPort);
    await add('disk', '127.0.0.14', bannerPort);
    await add('load', '127.0.0.15', bannerPort);
    await add('syslog', '127.0.0.16', bannerPort);
    await add('cmdb', '127.0.0.17', bannerPort);
    // hung: a run dispatched a minute ago and never acknowledged, while heartbeats continue.
    const taskId = randomUUID();
    await db.insert(tasks).values({ id: taskId, command: 'true', timeoutMs: 60_000, lane: 'interactive', targetCount: 1, deadlineAt: new Date(now + 60_000) });
    const [agentRow] = await db.select({ id: agents.id }).from(agents).where(eq(agents.hostId, ids.hung!));
    await db.insert(taskRuns).values({ id: randomUUID(), taskId, target: '127.0.0.13', hostId: ids.hung!, agentId: agentRow!.id, state: 'DISPATCHED', dispatchedAt: new Date(now - 60_000), deadlineAt: new Date(now + 60_000) });
    // disk: 99 % full data mount.
    await db.insert(hostMetrics).values({ hostId: ids.disk!, at: new Date(now - 1000), load1: 0.5, cpus: 4, mounts: [{ mount: '/', usedBytes: 20 * GiB, totalBytes: 100 * GiB }, { mount: '/data', usedBytes: 990 * GiB, totalBytes: 1000 * GiB }] });
    // load: an hour of ~0.4 load on 4 cores, now 6 (1.5 per core: under the absolute limit, far above its history).
    await db.insert(hostMetrics).values([
      ...Array.from({ length: 30 }, (_, i) => ({ hostId: ids.load!, at: new Date(now - 3_600_000 + i * 60_000), load1: 0.35 + (i % 3) * 0.05, cpus: 4, mounts: [] })),
      { hostId: ids.load!, at: new Date(now - 500), load1: 6, cpus: 4, mounts: [] },
    ]);
    receiver = await startSyslogReceiver({ host: '127.0.0.1', udpPort: 0, tcpPort: 0, flushIntervalMs: 20, store: createSyslogStore(() => ctx.db) });
  }, 60_000);

  afterAll(async () => {
    await receiver?.close();
    await ctx?.close();
  });

  const diagnose = (key: string, force = false): Promise<Diagnosis> => diagnosticsEngine(ctx).diagnose({ hostId: ids[key]! }, { force });
  const expectOwner = (d: Diagnosis) => {
    expect(d.verdict.owner?.dingtalkUserId).toBe('ding-wf');
    expect(d.verdict.ownerText).toContain('Wang Fang');
  };

  it('a namespace host that is up, then its link is cut: healthy, then DIAG-ENV-HOST_DOWN', async () => {
    const up = await diagnose('netns', true);
    expect(up.verdict.evidence.find((e) => e.check === 'ping')?.status).toBe('ok');
    expect(up.verdict.evidence.find((e) => e.check === 'ssh')?.evidence.banner).toBe('SSH-2.0-OpenSSH_9.2p1 netns');
    expect(up.verdict.rule).toBe('healthy');
    netns.cut();
    try {
      const down = await diagnose('netns', true);
      expect(down.verdict).toMatchObject({ code: 'DIAG-ENV-HOST_DOWN', rule: 'host-down', category: 'ENV' });
      expect(down.verdict.cause.en).toMatch(/down/);
      expectOwner(down);
    } finally {
      netns.heal();
    }
  });

  it('a host that never answers (spare address on the veth): DIAG-ENV-HOST_DOWN, and the failed run\'s problem document carries code, cause and owner', async () => {
    const problem = problemFromCode('CHANNEL-ENV-AGENT_OFFLINE', { agentId: 'a' }, {}, '/v1/tasks/x');
    const doc = await enrichProblem(ctx, problem, { hostId: ids.down!, runCode: 'CHANNEL-ENV-AGENT_OFFLINE' }, { budgetMs: 5000 });
    expect(doc.code).toBe('CHANNEL-ENV-AGENT_OFFLINE');
    expect(doc.diagnosis).toMatchObject({ status: 'done', code: 'DIAG-ENV-HOST_DOWN', rule: 'host-down' });
    expect(doc.cause).toMatch(/down/);
    expect(doc.owner).toMatchObject({ dingtalkUserId: 'ding-wf' });
    expect(doc.evidence.map((e) => e.check)).toContain('ping');
    const ping = doc.evidence.find((e) => e.check === 'ping')!;
    expect(ping.status).toBe('problem');
    expect(ping.summary).toMatch(/did not answer/);
  });

  it('SSH port closed while the agent is alive: DIAG-ENV-SSH_UNREACHABLE', async () => {
    const d = await diagnose('sshdead');
    expect(d.verdict).toMatchObject({ code: 'DIAG-ENV-SSH_UNREACHABLE', rule: 'ssh-dead' });
    expect(d.verdict.cause.en).toContain('connection refused');
    expect(d.verdict.evidence.find((e) => e.check === 'agent')?.status).toBe('ok');
    expectOwner(d);
  });

  it('fake SSH banner up, everything fine: healthy with no code', async () => {
    const d = await diagnose('healthy');
    expect(d.verdict).toMatchObject({ outcome: 'healthy', code: null, rule: 'healthy' });
    expect(d.verdict.inconclusive).toContain('syslog');
  });

  it('agent heartbeats but never acks: DIAG-SYS-AGENT_HUNG', async () => {
    const d = await diagnose('hung');
    expect(d.verdict).toMatchObject({ code: 'DIAG-SYS-AGENT_HUNG', rule: 'agent-hung', category: 'SYS' });
    expectOwner(d);
  });

  it('99 % disk: DIAG-ENV-DISK_FULL naming the mount', async () => {
    const d = await diagnose('disk');
    expect(d.verdict).toMatchObject({ code: 'DIAG-ENV-DISK_FULL', rule: 'disk-full' });
    expect(d.verdict.cause.en).toContain('/data is 99% used');
    expect(d.verdict.cause.zh).toContain('/data');
  });

  it('load far above its own history: DIAG-ENV-LOAD_HIGH by the baseline', async () => {
    const d = await diagnose('load');
    expect(d.verdict).toMatchObject({ code: 'DIAG-ENV-LOAD_HIGH', rule: 'load-high' });
    expect(d.verdict.evidence[0]!.finding).toBe('baseline');
  });

  it('panic over UDP, then a boot banner over TCP: DIAG-ENV-HOST_CRASHED', async () => {
    const udp = createSocket('udp4');
    await new Promise<void>((r) => udp.bind(0, '127.0.0.16', () => r()));
    await new Promise<void>((r, j) => udp.send('<0>Nov 23 09:00:00 syslog.test kernel: [ 51.2] Kernel panic - not syncing: Fatal exception in interrupt', receiver.udpPort!, '127.0.0.1', (e) => (e ? j(e) : r())));
    udp.close();
    await waitFor(() => receiver.stats().stored >= 1, { what: 'panic stored' });
    const boot = '<6>1 2026-11-23T09:01:00Z syslog.test kernel - - - Linux version 6.1.0-18-amd64 (debian-kernel@lists.debian.org) #1 SMP';
    await new Promise<void>((resolve, reject) => {
      const s = connect({ port: receiver.tcpPort!, host: '127.0.0.1', localAddress: '127.0.0.16' }, () => s.end(`${Buffer.byteLength(boot)} ${boot}`));
      s.on('close', () => resolve());
      s.on('error', reject);
    });
    await waitFor(() => receiver.stats().stored >= 2, { what: 'boot stored' });
    const d = await diagnose('syslog', true);
    expect(d.verdict).toMatchObject({ code: 'DIAG-ENV-HOST_CRASHED', rule: 'crashed-and-rebooted' });
    expect(d.verdict.cause.en).toMatch(/panic/);
    const lines = d.verdict.evidence[0]!.evidence.lines as Array<{ pattern: string }>;
    expect(lines.map((l) => l.pattern)).toEqual(['panic', 'boot-banner']);
    expectOwner(d);
  });

  it('CMDB SN disagrees with the agent\'s facts: DIAG-ENV-CMDB_MISMATCH with the CMDB owner', async () => {
    const d = await diagnose('cmdb');
    expect(d.verdict).toMatchObject({ code: 'DIAG-ENV-CMDB_MISMATCH', rule: 'cmdb-mismatch' });
    expect(d.verdict.cause.en).toContain('SN-CMDB-OLD');
    expect(d.verdict.owner?.source).toBe('cmdb');
  });

  it('caches per host: a second request within the TTL returns the same diagnosis without probing', async () => {
    const a = await diagnose('healthy');
    const b = await diagnosticsEngine(ctx).diagnose({ target: '127.0.0.12' });
    expect(b.id).toBe(a.id);
  });
});
