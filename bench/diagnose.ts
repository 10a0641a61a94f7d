// Diagnostics benchmark: 1,000 failed hosts of mixed kinds (down in a network namespace,
// SSH dead, disk full, healthy — all on loopback or a namespace this script creates),
// diagnosed with a 1 s probe timeout and persisted; the p50 of one reachable host's verdict;
// and syslog TCP ingest (parsed, classified, stored). Usage: npm run bench:diagnose [-- --pglite]
import { randomUUID } from 'node:crypto';
import { connect, createServer } from 'node:net';
import { quantile } from 'simple-statistics';
import { createLogger, loadConfig } from '../core/index.js';
import { agents, cmdbHosts, hostMetrics, hosts, openDatabase, owners, type Database } from '../db/index.js';
import { countDiagnoses, createSyslogStore, DiagnosticsEngine, startSyslogReceiver } from '../diagnostics/index.js';
import { createNetnsHost } from '../diagnostics/testing/netns.js';
import { createContext } from '../runtime/index.js';
import { createScratchPostgres } from '../test/helpers/db.js';
import { machineLine, printTable } from './machine.js';

const HOSTS = 1000;
const GiB = 1024 ** 3;
const usePglite = process.argv.includes('--pglite');

async function main(): Promise<void> {
  console.log(machineLine());
  const netns = createNetnsHost('bench', { spare: HOSTS / 4 });
  const scratch = usePglite ? null : await createScratchPostgres('starling_diagbench');
  const database: Database = await openDatabase(scratch ? { url: scratch.url, maxConnections: 10 } : { dataDir: null });
  const banner = createServer((c) => {
    c.on('error', () => {});
    c.end('SSH-2.0-OpenSSH_9.2p1 bench\r\n');
  });
  await new Promise<void>((r) => banner.listen(0, '0.0.0.0', () => r()));
  const bannerPort = (banner.address() as { port: number }).port;
  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
  const closedPort = (closed.address() as { port: number }).port;
  await new Promise((r) => closed.close(r));

  const config = loadConfig({ env: { DIAG_PROBE_TIMEOUT_MS: '1000', DIAG_CACHE_TTL_MS: '0' } });
  const ctx = await createContext(config, { log: createLogger({ level: 'silent' }), database });
  try {
    // Seed: one owner; 1,000 hosts with agents, a heartbeat sample and a CMDB row each.
    const [owner] = await ctx.db.insert(owners).values({ name: `bench-owner-${randomUUID().slice(0, 6)}`, dingtalkUserId: 'ding-bench' }).returning();
    const kinds = ['down', 'ssh-dead', 'disk-full', 'healthy'] as const;
    const specs = Array.from({ length: HOSTS }, (_, i) => {
      const kind = kinds[i % 4]!;
      const n = Math.floor(i / 4);
      const ip = kind === 'down' ? netns.spareIps[n]! : `127.${1 + kinds.indexOf(kind)}.${Math.floor(n / 250)}.${(n % 250) + 1}`;
      return { kind, ip, sn: `BENCH-${i}`, sshPort: kind === 'ssh-dead' ? closedPort : kind === 'down' ? 22 : bannerPort };
    });
    const rowsOut = await ctx.db.insert(hosts).values(specs.map((s) => ({ ip: s.ip, sn: s.sn, hostname: `${s.kind}-${s.sn}.bench`, facts: { sshPort: s.sshPort }, ownerId: owner!.id }))).returning({ id: hosts.id });
    const now = Date.now();
    await ctx.db.insert(agents).values(rowsOut.map((h, i) => ({ id: `bench-${h.id}-${i}`, hostId: h.id, credentialHash: 'x', state: specs[i]!.kind === 'down' ? 'offline' : 'online', lastHeartbeatAt: new Date(now - 3000) })));
    await ctx.db.insert(hostMetrics).values(rowsOut.map((h, i) => ({ hostId: h.id, at: new Date(now - 2000), load1: 0.4, cpus: 8, mounts: [{ mount: '/', usedBytes: (specs[i]!.kind === 'disk-full' ? 99 : 30) * GiB, totalBytes: 100 * GiB }] })));
    await ctx.db.insert(cmdbHosts).values(specs.map((s) => ({ ip: s.ip, sn: s.sn, ownerId: owner!.id, source: 'api' })));

    // 1) 1,000 failed hosts, all persisted.
    const engine = new DiagnosticsEngine(ctx);
    const statements0 = database.statements;
    const t0 = performance.now();
    const results = await Promise.all(rowsOut.map((h, i) => engine.diagnose({ hostId: h.id, runId: randomUUID(), runCode: specs[i]!.kind === 'down' ? 'CHANNEL-ENV-AGENT_OFFLINE' : 'AGENT-ENV-TIMEOUT' })));
    const persisted = await countDiagnoses(ctx.db, results.map((r) => r.id));
    const massMs = performance.now() - t0;
    const massStatements = database.statements - statements0;
    const expected: Record<string, string | null> = { down: 'DIAG-ENV-HOST_DOWN', 'ssh-dead': 'DIAG-ENV-SSH_UNREACHABLE', 'disk-full': 'DIAG-ENV-DISK_FULL', healthy: null };
    const right = results.filter((r, i) => r.verdict.code === expected[specs[i]!.kind]).length;
    const wrong = results.map((r, i) => ({ kind: specs[i]!.kind, code: r.verdict.code, rule: r.verdict.rule, checks: r.verdict.evidence.filter((e) => e.status !== 'ok').map((e) => `${e.check}:${e.status}:${e.summary.slice(0, 90)}`) })).filter((x) => x.code !== expected[x.kind]);
    if (wrong.length) console.log('unexpected verdicts (first 5):', JSON.stringify(wrong.slice(0, 5)));

    // 2) One reachable host, diagnosed afresh each time.
    const healthyId = rowsOut[specs.findIndex((s) => s.kind === 'healthy')]!.id;
    const times: number[] = [];
    for (let i = 0; i < 60; i++) {
      const t = performance.now();
      await engine.diagnose({ hostId: healthyId }, { force: true });
      times.push(performance.now() - t);
    }
    await engine.close();

    // 3) Syslog over TCP: 4 connections, 100,000 lines (10 % classified), stored in batches.
    const receiver = await startSyslogReceiver({ host: '127.0.0.1', udpPort: null, tcpPort: 0, store: createSyslogStore(() => ctx.db) }); // production defaults: batches of 2,000, 2 in flight
    const LINES = 100_000;
    const CONNS = 4;
    const samples = [
      '<0>Nov 23 09:00:00 bench kernel: [ 12.3] Kernel panic - not syncing: Fatal exception',
      '<6>1 2026-11-23T09:00:00Z bench kernel - - - Linux version 6.1.0 (x@y) #1 SMP',
      ...Array.from({ length: 18 }, (_, k) => `<13>Nov 23 09:00:00 bench app[${k}]: routine message number ${k} with some ordinary text`),
    ];
    const t1 = performance.now();
    await Promise.all(Array.from({ length: CONNS }, (_, c) => new Promise<void>((resolve, reject) => {
      const s = connect({ port: receiver.tcpPort!, host: '127.0.0.1', localAddress: `127.9.0.${c + 1}` }, async () => {
        const per = LINES / CONNS;
        let chunk: string[] = [];
        for (let i = 0; i < per; i++) {
          const m = samples[i % samples.length]!;
          chunk.push(i % 2 === 0 ? `${Buffer.byteLength(m)} ${m}` : `${m}\n`);
          if (chunk.length === 500) {
            if (!s.write(chunk.join(''))) await new Promise((r) => s.once('drain', r));
            chunk = [];
          }
        }
        s.end(chunk.join(''));
      });
      s.on('close', () => resolve());
      s.on('error', reject);
    })));
    const deadline = Date.now() + 120_000;
    while (receiver.stats().stored < LINES && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const ingestMs = performance.now() - t1;
    const st = receiver.stats();
    await receiver.close();

    printTable(`diagnostics benchmark (${database.kind}, fping: ${engine.pinger.method})`, [
      { measure: `${HOSTS} failed hosts diagnosed + persisted (250 each: down, ssh dead, disk full, healthy), 1 s probe timeout`, value: `${(massMs / 1000).toFixed(2)} s`, target: '≤ 10 s' },
      { measure: 'verdicts persisted / correct', value: `${persisted} / ${right}`, target: `${HOSTS} / ${HOSTS}` },
      { measure: 'SQL statements for the mass diagnosis', value: massStatements, target: 'batched (≪ 1 per host per table)' },
      { measure: 'single reachable host verdict p50 / p95 (60 runs)', value: `${quantile(times, 0.5).toFixed(1)} / ${quantile(times, 0.95).toFixed(1)} ms`, target: 'p50 ≤ 300 ms' },
      { measure: `syslog TCP ingest (${CONNS} conns, ${LINES} lines, parsed + classified + stored)`, value: `${Math.round((st.stored / ingestMs) * 1000)} lines/s`, target: '≥ 20,000 lines/s' },
      { measure: 'syslog lines stored / classified', value: `${st.stored} / ${st.classified}`, target: `${LINES} / ${LINES / 10}` },
    ]);
  } finally {
    await ctx.close();
    banner.close();
    netns.close();
    await scratch?.drop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
