// Reconciliation of 1,000,000 CMDB rows against 1,000,000 agent fact rows with 2 % injected
// mismatches of every kind, on the local Postgres, next to a bare SQL full outer join of the
// same tables in the same run; prints run 1's time per statement and the Node process's peak
// RSS.
// Usage: npm run bench:reconcile   (ROWS=200000 npm run bench:reconcile for a smaller run)
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { loadSqlFile, statement } from '../cmdb-sync/sql-file.js';
import { reconcileCmdb } from '../cmdb-sync/index.js';
import { loadConfig, systemClock } from '../core/index.js';
import { migrate, openDatabase, rows, type Db } from '../db/index.js';
import { machineLine, printTable } from './machine.js';

const PG_ADMIN = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const N = Number(process.env.ROWS ?? 1_000_000);
const WORK_MEM = '256MB';
const SQL = loadSqlFile(new URL('./reconcile-data.sql', import.meta.url));
const q = (name: string, params: Record<string, string | number> = {}) => statement(SQL, name).build(params);

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await fn();
  return { ms: Math.round(performance.now() - t0), value };
}

const name = `starling_cmdb_bench_${randomBytes(4).toString('hex')}`;
const admin = postgres(PG_ADMIN, { max: 1, onnotice: () => {} });
await admin.unsafe(`create database "${name}"`);
const url = new URL(PG_ADMIN);
url.pathname = `/${name}`;
const database = await openDatabase({ url: url.toString(), maxConnections: 2 });
try {
  await migrate(database);
  const db = database.db;
  console.log(`generating ${N.toLocaleString()} CMDB rows and ${N.toLocaleString()} host rows …`);
  const gen = await timed(async () => {
    await db.execute(q('owners'));
    await db.execute(q('cmdb', { n: N }));
    await db.execute(q('hosts', { n: N }));
    await db.execute(q('analyze'));
    // Write the generated data out now: otherwise the checkpoint that loading 2 × 10⁶ rows
    // triggers runs in the background during the timed statements below, whichever it hits.
    await db.execute(sql`checkpoint`);
  });
  const byKind = new Map((await rows<{ k: number; n: number }>(db, q('expected', { n: N }))).map((r) => [r.k, r.n]));
  const c = (k: number) => byKind.get(k) ?? 0;
  const injected = [...byKind.values()].reduce((a, b) => a + b, 0);
  const expected: Record<string, number> = {
    MATCH: N - injected - c(4), IP_MISMATCH: c(0) + c(5), SN_MISMATCH: c(1), MISSING_IN_CMDB: c(2), NO_AGENT: c(2) + c(3),
    DUPLICATE_SN: c(4), DUPLICATE_IP: c(5), INVALID_SN: c(6),
  };
  await rows(db, q('warm'));

  // The bare joins run under the same work_mem the reconciliation sets for itself, planned as
  // Postgres plans them (a hash join). The target is against the join on the SN (the pairing
  // key); printed for reference only: the join on (SN, IP), the two values a match compares,
  // and the SN join forced to a merge join over the two sn indexes (index-only scans: faster on
  // this freshly vacuumed data; the reconciliation cannot join that way, as it must read every
  // agent's last_seen_at from the heap). That one runs after the reconciliation, so it warms
  // no index for it.
  const bareJoin = (name: string, tune: string[] = []) =>
    timed(() =>
      db.transaction(async (tx) => {
        await (tx as unknown as Db).execute(q('tune', { workMem: WORK_MEM }));
        for (const t of tune) await (tx as unknown as Db).execute(q(t));
        return (await rows<{ n: number }>(tx as unknown as Db, q(name)))[0]!.n;
      }),
    );
  const bare = await bareJoin('bare-join');
  const bareSnIp = await bareJoin('bare-join-sn-ip');
  const ctx = { db, config: loadConfig({ env: {} }), clock: systemClock };
  const before = database.statements;
  // A run, with its time per step from the progress reports (each step is one SQL statement).
  const reconcile = async () => {
    const steps: string[] = [];
    let last = performance.now();
    const run = await timed(() =>
      reconcileCmdb(ctx, {
        trigger: 'bench', workMem: WORK_MEM,
        progress: (p) => {
          const now = performance.now();
          steps.push(`${p.step} ${Math.round(now - last)}`);
          last = now;
        },
      }),
    );
    return { ...run, steps: steps.join(', ') };
  };
  const first = await reconcile();
  const perRun = database.statements - before;
  const second = await reconcile();
  const peakRssMiB = Math.round(process.resourceUsage().maxRSS / 1024);
  const bareMerge = await bareJoin('bare-join', ['no-hashjoin']);

  const mismatched = Object.entries(expected).filter(([k, n]) => first.value.counts[k] !== n);
  printTable(`Findings of run 1 (${N.toLocaleString()} + ${N.toLocaleString()} rows, ${injected.toLocaleString()} injected mismatches)`,
    Object.keys(expected).map((k) => ({ kind: k, expected: expected[k]!, found: first.value.counts[k] ?? 0 })));
  const findings = Object.entries(first.value.counts).filter(([k]) => k !== 'MATCH').reduce((a, [, n]) => a + n, 0);
  printTable('Reconciliation vs bare SQL full outer join (local Postgres, same run)', [
    { step: 'generate data (set-based SQL, not timed below)', 'time (s)': (gen.ms / 1000).toFixed(1), 'vs bare join': '', note: '' },
    { step: 'bare full outer join hosts ⟗ cmdb_hosts on sn (count)', 'time (s)': (bare.ms / 1000).toFixed(2), 'vs bare join': '1.00×', note: `${bare.value.toLocaleString()} joined rows` },
    { step: 'reference: bare full outer join on (sn, ip) (count)', 'time (s)': (bareSnIp.ms / 1000).toFixed(2), 'vs bare join': `${(bareSnIp.ms / bare.ms).toFixed(2)}×`, note: `${bareSnIp.value.toLocaleString()} joined rows; run 1 is ${(first.ms / bareSnIp.ms).toFixed(2)}× this` },
    { step: 'reference: same join on sn forced to a merge join', 'time (s)': (bareMerge.ms / 1000).toFixed(2), 'vs bare join': `${(bareMerge.ms / bare.ms).toFixed(2)}×`, note: `run 1 is ${(first.ms / bareMerge.ms).toFixed(2)}× this (measured after run 2)` },
    { step: 'reconcile run 1: all kinds + persist findings', 'time (s)': (first.ms / 1000).toFixed(2), 'vs bare join': `${(first.ms / bare.ms).toFixed(2)}×`, note: `${findings.toLocaleString()} findings, diff new ${first.value.diff.new}` },
    { step: 'reconcile run 2: same + diff vs run 1', 'time (s)': (second.ms / 1000).toFixed(2), 'vs bare join': `${(second.ms / bare.ms).toFixed(2)}×`, note: `open ${second.value.diff.open}, new ${second.value.diff.new}, resolved ${second.value.diff.resolved}` },
    { step: 'peak RSS of this Node process', 'time (s)': '', 'vs bare join': '', note: `${peakRssMiB} MiB` },
  ]);
  console.log(`run 1 by step (ms): ${first.steps}`);
  console.log(`run 2 by step (ms): ${second.steps}`);
  console.log(`targets: reconcile ≤ 20 s (${first.ms <= 20_000 ? 'met' : 'NOT met'}), ratio ≤ 2× the bare join on sn (${first.ms <= 2 * bare.ms ? 'met' : 'NOT met'}); SQL statements issued: ${database.statements} in all, ${perRun} by one reconciliation run`);
  console.log(machineLine());
  console.log(`postgres: ${(await rows<{ v: string }>(db, q('version')))[0]?.v}`);
  if (mismatched.length > 0) {
    console.error(`finding counts differ from the injected ones: ${JSON.stringify(mismatched)}`);
    process.exitCode = 1;
  }
} finally {
  await database.close();
  await admin.unsafe(`drop database if exists "${name}" with (force)`);
  await admin.end();
}
