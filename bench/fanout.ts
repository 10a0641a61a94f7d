// End-to-end fan-out: POST /v1/tasks for N hosts → every run terminal in the database.
// Production configuration: `starling proxy` and `starling channel` as separate processes on
// local Postgres and Redis, N simulated agents (own process, real WebSockets, answering at once)
// on the one channel; then the embedded `starling server` (PGlite, in-process channel) beside it.
// The host of the one-host `wait` probe is simulated by a second simulator process of its own:
// like any host outside the big task it is idle, where the N simulated hosts share one event
// loop (in production they are N machines), which would otherwise delay its answer by whatever
// the other 10,000 are doing in that process. A probe starts every 200 ms (open loop), so the
// interactive load is the same whatever their latency.
// Also: SQL statements per task, hosts/s, channel RSS, CPU seconds, the latency of a one-host
// `wait` command issued while the big task is in flight, and an idle real agent's footprint
// next to a bare node WebSocket client with the same heartbeat.
// Usage: npm run bench:fanout [-- --agents 10000 --rounds 5 --footprint-seconds 60]
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { WebSocketServer } from 'ws';
import { loadConfig } from '../core/index.js';
import { migrate, openDatabase } from '../db/index.js';
import { createScratchPostgres } from '../test/helpers/db.js';
import { build } from 'esbuild';
import { freePort, runStarling } from '../test/helpers/cluster.js';
import { wrapChild } from '../test/helpers/process.js';
import type { StarlingProcess } from '../test/helpers/process.js';
import { deleteKeys, testRedis, TEST_REDIS_URL, uniquePrefix } from '../test/helpers/redis.js';
import { machineLine, printTable, rssMiB } from './machine.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({
  options: {
    agents: { type: 'string', default: '10000' }, rounds: { type: 'string', default: '5' },
    'footprint-seconds': { type: 'string', default: '60' }, skip: { type: 'string', default: '' },
  },
});
const N = Number(values.agents);
const ROUNDS = Number(values.rounds);
const FOOTPRINT_S = Number(values['footprint-seconds']);
const SKIP = new Set(values.skip!.split(',').filter(Boolean));
const TOKEN = 'bench-enrolment-token-0123456789';
const CREDENTIAL = 'sim-credential';
/** The agents' real default heartbeat (AGENT_HEARTBEAT_MS unset), handed out by the proxy and used by the footprint baseline. */
const HEARTBEAT_MS = loadConfig({ env: {} }).AGENT_HEARTBEAT_MS;
/** The footprint is measured from this long after both processes started (see footprint()). */
const SETTLE_MS = 15_000;
const CLI_BUNDLE = join(ROOT, 'dist/starling-cli.mjs');

/** Bundle the CLI like a deployment would (our code in one file, node_modules beside it): no TypeScript loader at run time. */
async function buildCli(): Promise<void> {
  await build({ entryPoints: [join(ROOT, 'cli/main.ts')], bundle: true, platform: 'node', target: 'node20', format: 'esm', packages: 'external', outfile: CLI_BUNDLE, logLevel: 'warning' });
  // Files the code reads next to itself (`new URL('./x', import.meta.url)`: migrations, SQL, Lua)
  // must sit next to the bundle: copy every such file or folder a component names.
  const assetRe = /new URL\('\.\/([^']+)', import\.meta\.url\)/g;
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? (['node_modules', 'dist', 'test', 'bench', '.git'].includes(e.name) ? [] : walk(join(dir, e.name)))
        : e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [join(dir, e.name)] : []);
  for (const file of walk(ROOT)) {
    for (const m of readFileSync(file, 'utf8').matchAll(assetRe)) {
      const src = join(dirname(file), m[1]!);
      if (existsSync(src)) cpSync(src, join(ROOT, 'dist', m[1]!), { recursive: true });
    }
  }
}

/** Start `starling <args>` from the bundle. */
function startStarling(args: string[], env: Record<string, string>): StarlingProcess {
  // BENCH_PROFILE=DIR: each process writes a CPU profile there when it stops (SIGTERM at the end).
  const prof = process.env.BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_PROFILE] : [];
  const child = spawn(process.execPath, [...prof, CLI_BUNDLE, ...args], {
    cwd: ROOT, env: { PATH: process.env.PATH, HOME: process.env.HOME, STARLING_CLI: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  return wrapChild(child);
}

const median = (xs: number[]) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]! : NaN);
const pct = (xs: number[], p: number) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)]! : NaN);
const r1 = (x: number) => Math.round(x * 10) / 10;
const r3 = (x: number) => Math.round(x * 1000) / 1000;

/** CPU seconds of every process whose command name is `comm` (e.g. all Postgres backends; includes other users' work). */
function cpuSecondsOf(comm: string): number {
  let total = 0;
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      if (stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) !== comm) continue;
      const f = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
      total += (Number(f[11]) + Number(f[12])) / 100;
    } catch {
      // the process ended meanwhile
    }
  }
  return total;
}

function cpuSeconds(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

/** The seed: N+1 hosts with simulated agents `sim-i` (credential `sim-credential`); host N is the probe. */
function seedStatements(n: number): string[] {
  const hash = createHash('sha256').update(CREDENTIAL).digest('hex');
  return [
    `insert into hosts (id, hostname, ip, sn, idc) select i + 1, 'sim-host-' || i, '10.' || (i / 65536)::int || '.' || ((i / 256)::int % 256) || '.' || (i % 256), 'SIM' || i, 'default' from generate_series(0, ${n}) as i`,
    `select setval(pg_get_serial_sequence('hosts', 'id'), ${n + 2})`,
    `insert into agents (id, host_id, credential_hash, state) select 'sim-' || i, i + 1, '${hash}', 'offline' from generate_series(0, ${n}) as i`,
  ];
}

function startSim(url: string, count: number, first = 0): Promise<{ child: ChildProcess; ready: Record<string, unknown> }> {
  const args = ['--url', url, '--count', String(count), '--first', String(first), '--credential', CREDENTIAL];
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test/helpers/agent-sim-cli.ts'), ...args], {
    cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('simulator not ready within 300 s')), 300_000);
    createInterface({ input: child.stdout! }).on('line', (l) => {
      try {
        const r = JSON.parse(l) as Record<string, unknown>;
        if (r.event === 'ready') {
          clearTimeout(t);
          resolve({ child, ready: r });
        }
      } catch {}
    });
    child.once('exit', (c) => reject(new Error(`simulator exited (${c})`)));
  });
}

/**
 * Where the time of one task went (BENCH_VERBOSE), in ms after the task's creation: when its
 * insert ended (first DISPATCHED event), when the agents received the runs (started_at, p50/p99/max)
 * and when the results were committed (finished_at).
 */
async function timeline(client: postgres.Sql, taskId: string): Promise<string> {
  const [r] = await client`
    with t as (select created_at from tasks where id = ${taskId}),
    ms as (
      select extract(epoch from (r.started_at - t.created_at)) * 1000 as started, extract(epoch from (r.finished_at - t.created_at)) * 1000 as finished
      from task_runs r, t where r.task_id = ${taskId}
    )
    select
      (select round(extract(epoch from (min(r.dispatched_at) - (select created_at from t))) * 1000) from task_runs r where r.task_id = ${taskId}) as inserted,
      round(percentile_cont(0.01) within group (order by started)) as s1, round(percentile_cont(0.5) within group (order by started)) as s50,
      round(max(started)) as smax,
      round(percentile_cont(0.01) within group (order by finished)) as f1, round(percentile_cont(0.5) within group (order by finished)) as f50,
      round(max(finished)) as fmax
    from ms`;
  return `inserted +${r!.inserted}; agents got runs +${r!.s1}..p50 +${r!.s50}..max +${r!.smax}; committed +${r!.f1}..p50 +${r!.f50}..max +${r!.fmax}`;
}

/** Event-loop delay of a process since its last /metrics read (prom-client resets the histogram on each read), ms. */
async function loopLag(metricsUrl: string): Promise<{ p99: number; max: number }> {
  const text = await (await fetch(metricsUrl)).text();
  const read = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN) * 1000;
  return { p99: read('nodejs_eventloop_lag_p99_seconds'), max: read('nodejs_eventloop_lag_max_seconds') };
}

async function statements(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(/^starling_db_statements (\d+)/m.exec(text)?.[1] ?? NaN);
}

async function post(url: string, key: string, body: unknown): Promise<any> {
  const res = await fetch(`${url}/v1/tasks`, {
    method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body),
  });
  const json = await res.json();
  if (res.status !== 201) throw new Error(`POST /v1/tasks: ${res.status} ${JSON.stringify(json).slice(0, 300)}`);
  return json;
}

/** One one-host `wait` command; its latency (ms). BENCH_VERBOSE prints the timeline of those slower than BENCH_SLOW_MS. */
async function probeOnce(url: string, key: string): Promise<number> {
  const t = performance.now();
  const t0Wall = Date.now();
  const r = await post(url, key, { targets: [`sim-host-${N}`], command: 'true', wait: 10 });
  if (r.counts.SUCCEEDED !== 1) throw new Error(`probe did not succeed: ${JSON.stringify(r.counts)}`);
  const ms = performance.now() - t;
  if (process.env.BENCH_VERBOSE && ms > Number(process.env.BENCH_SLOW_MS ?? 200)) {
    const h = r.runs[0].history as Array<{ state: string; at: string }>;
    console.error(`  slow probe ${Math.round(ms)} ms: ${h.map((e) => `${e.state}+${Date.parse(e.at) - t0Wall}`).join(' ')} agentStarted+${Date.parse(r.runs[0].startedAt) - t0Wall} answered+${Date.now() - t0Wall}`);
  }
  return ms;
}

/** A probe starts every this many ms (open loop): the interactive load is the same whatever the latency. */
const PROBE_EVERY_MS = 200;

/** One-host `wait` commands, one started every PROBE_EVERY_MS until stopped; resolves to their latencies (ms). */
function probeLoop(url: string, key: string): { stop(): Promise<number[]> } {
  const lat: number[] = [];
  const inflight = new Set<Promise<void>>();
  const probe = async () => {
    lat.push(await probeOnce(url, key));
  };
  let failure: unknown;
  const start = () => {
    const p: Promise<void> = probe().catch((err: unknown) => void (failure ??= err)).finally(() => inflight.delete(p));
    inflight.add(p);
  };
  start();
  const timer = setInterval(start, PROBE_EVERY_MS);
  return {
    stop: async () => {
      clearInterval(timer);
      await Promise.all([...inflight]);
      if (failure) throw failure;
      return lat;
    },
  };
}

interface Round { ms: number; statements: number; proxyCpu: number; channelCpu: number; probes: number[] }

/** One-host `wait` commands one after another with nothing else running: the floor under the fan-out figures. */
async function idleProbes(url: string, key: string, count = 20): Promise<number[]> {
  const lat: number[] = [];
  for (let i = 0; i < count; i++) {
    lat.push(await probeOnce(url, key));
    await new Promise((res) => setTimeout(res, 50));
  }
  return lat;
}

/** Run the rounds: round 0 without probes (clean statement count), then with probes. */
async function rounds(
  url: string, key: string, done: (taskId: string) => Promise<boolean>, pids: { proxy: number; channel: number | null; sim?: number },
  timeline?: (taskId: string) => Promise<string>, pgCpu: () => Promise<number> = async () => cpuSecondsOf('postgres'),
  channelMetrics?: string,
): Promise<Round[]> {
  const targets = Array.from({ length: N }, (_, i) => `sim-host-${i}`);
  const out: Round[] = [];
  for (let i = 0; i < ROUNDS + 1; i++) {
    const s0 = await statements(url);
    const p0 = cpuSeconds(pids.proxy);
    const c0 = pids.channel ? cpuSeconds(pids.channel) : 0;
    const others0 = timeline ? { pg: await pgCpu(), redis: cpuSecondsOf('redis-server'), sim: pids.sim ? cpuSeconds(pids.sim) : 0 } : null;
    if (timeline) await Promise.all([loopLag(`${url}/metrics`), channelMetrics && loopLag(channelMetrics)]); // reset both histograms
    const probe = i > 0 ? probeLoop(url, key) : null;
    const t0 = performance.now();
    const task = await post(url, key, { targets, command: 'true', timeoutMs: 120_000 });
    const postMs = performance.now() - t0;
    while (!(await done(task.id))) await new Promise((r) => setTimeout(r, 10));
    const ms = performance.now() - t0;
    const lags = timeline ? await Promise.all([loopLag(`${url}/metrics`), channelMetrics ? loopLag(channelMetrics) : null]) : null;
    const probes = probe ? await probe.stop() : [];
    out.push({
      ms, statements: (await statements(url)) - s0, proxyCpu: cpuSeconds(pids.proxy) - p0,
      channelCpu: pids.channel ? cpuSeconds(pids.channel) - c0 : 0, probes,
    });
    console.error(`  round ${i}: ${Math.round(ms)} ms (POST answered after ${Math.round(postMs)} ms), ${out.at(-1)!.statements} statements, ${probes.length} probes`);
    if (timeline && others0) {
      const cpu = `CPU s: proxy ${r3(out.at(-1)!.proxyCpu)}, channel ${r3(out.at(-1)!.channelCpu)}, postgres ${r3((await pgCpu()) - others0.pg)}, ` +
        `redis ${r3(cpuSecondsOf('redis-server') - others0.redis)}, sim ${pids.sim ? r3(cpuSeconds(pids.sim) - others0.sim) : '-'}`;
      const [pl, cl] = lags!;
      const lag = `event-loop delay p99/max ms: proxy ${r1(pl.p99)}/${r1(pl.max)}${cl ? `, channel ${r1(cl.p99)}/${r1(cl.max)}` : ''}`;
      console.error(`    ${await timeline(task.id)}\n    ${cpu}\n    ${lag}`);
    }
    await new Promise((r) => setTimeout(r, 1500)); // let the sweeper and heartbeats settle
  }
  return out;
}

function summarise(mode: string, rs: Round[], channelRss: number | string, connectMs: number, idle: number[]) {
  const timed = rs.slice(1);
  const probes = timed.flatMap((r) => r.probes);
  return {
    mode,
    'POST→all terminal, median ms': Math.round(median(timed.map((r) => r.ms))),
    'min/max ms': `${Math.round(Math.min(...timed.map((r) => r.ms)))}/${Math.round(Math.max(...timed.map((r) => r.ms)))}`,
    'hosts/s': Math.round(N / (median(timed.map((r) => r.ms)) / 1000)),
    'SQL stmts/task (no probes)': rs[0]!.statements,
    'proxy CPU s/task': r3(median(timed.map((r) => r.proxyCpu))),
    'channel CPU s/task': typeof channelRss === 'number' ? r3(median(timed.map((r) => r.channelCpu))) : '(in proxy)',
    'channel RSS MiB': channelRss,
    'wait p50 ms': r1(pct(probes, 50)),
    'wait p99 ms': r1(pct(probes, 99)),
    probes: probes.length,
    'idle wait p50/p99 ms': `${r1(pct(idle, 50))}/${r1(pct(idle, 99))}`,
    'connect N s': r1(connectMs / 1000),
  };
}

async function production(): Promise<{ row: ReturnType<typeof summarise>; url: string; stop(): Promise<void> }> {
  const pg = await createScratchPostgres('starling_bench');
  const prefix = uniquePrefix('bench');
  const port = await freePort();
  const chPort = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env = {
    DATABASE_URL: pg.url, REDIS_URL: TEST_REDIS_URL, TRANSPORT_PREFIX: prefix, AGENT_ENROLMENT_TOKEN: TOKEN, PORT: String(port),
    HOST: '127.0.0.1', LOG_LEVEL: 'info', AGENT_HEARTBEAT_MS: String(HEARTBEAT_MS),
  };
  const key = (await runStarling(['keys', 'create', '--name', 'bench'], env)).trim().split('\n').pop()!;
  const client = postgres(pg.url, { max: 2, onnotice: () => {} });
  for (const s of seedStatements(N)) await client.unsafe(s);
  const procs: StarlingProcess[] = [];
  const proxy = startStarling(['proxy'], env);
  procs.push(proxy);
  await proxy.waitForRecord((r) => r.msg === 'starling server listening', 60_000);
  const channel = startStarling(['channel', '--idc', 'default', '--id', 'bench-ch', '--port', String(chPort), '--host', '127.0.0.1'], env);
  procs.push(channel);
  await channel.waitForRecord((r) => r.msg === 'channel listening', 60_000);
  const chIdleRss = await rssMiB(channel.child.pid!);
  const t0 = performance.now();
  const [sim, probeSim] = await Promise.all([startSim(`ws://127.0.0.1:${chPort}/`, N), startSim(`ws://127.0.0.1:${chPort}/`, 1, N)]);
  for (;;) {
    const [row] = await client`select count(*)::int as n from agents where state = 'online'`;
    if (row!.n >= N + 1) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const connectMs = performance.now() - t0;
  const chRss = await rssMiB(channel.child.pid!);
  console.error(`production: ${N + 1} agents online in ${Math.round(connectMs)} ms; channel RSS ${chIdleRss} → ${chRss} MiB`);
  // Polled every 10 ms: `exists` stops at the first open run (~0.4 ms), where a count of the open
  // runs reads the whole index range every time (~3 ms) and would load Postgres during the round.
  const idle = await idleProbes(url, key);
  const rs = await rounds(url, key, async (id) => {
    const [row] = await client`select exists (select 1 from task_runs where task_id = ${id} and state in ('RECEIVED', 'DISPATCHED', 'RUNNING')) as open`;
    return !row!.open;
  }, { proxy: proxy.child.pid!, channel: channel.child.pid!, sim: sim.child.pid! }, process.env.BENCH_VERBOSE ? (id) => timeline(client, id) : undefined,
  // The backends serving this benchmark's database only (other users' tests share the server).
  async () => {
    const backends = await client`select pid from pg_stat_activity where datname = current_database()`;
    return backends.reduce((n, b) => n + (() => { try { return cpuSeconds(b.pid as number); } catch { return 0; } })(), 0);
  }, `http://127.0.0.1:${chPort}/metrics`);
  for (const r of proxy.records.filter((x) => String(x.msg).startsWith('large task') || String(x.msg).startsWith('applied a large'))) {
    if (process.env.BENCH_VERBOSE) console.error(`  proxy: ${r.msg} ${JSON.stringify({ ...r, level: undefined, time: undefined, pid: undefined, hostname: undefined, name: undefined, msg: undefined })}`);
  }
  const [bad] = await client`select count(*)::int as n from task_runs r join tasks t on t.id = r.task_id where t.target_count = ${N} and r.state <> 'SUCCEEDED'`;
  if (bad!.n) console.error(`production: ${bad!.n} runs of the big tasks did not succeed`);
  return {
    row: summarise('production (proxy + channel + Postgres + Redis)', rs, chRss, connectMs, idle),
    url,
    async stop() {
      sim.child.kill('SIGKILL');
      probeSim.child.kill('SIGKILL');
      for (const p of procs.reverse()) await p.stop(process.env.BENCH_PROFILE ? 'SIGTERM' : 'SIGKILL');
      await client.end();
      await pg.drop();
      const r = testRedis();
      await deleteKeys(r, prefix);
      await r.quit();
    },
  };
}

async function embedded(): Promise<ReturnType<typeof summarise>> {
  const dir = mkdtempSync(join(tmpdir(), 'starling-bench-'));
  const port = await freePort();
  const chPort = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env = {
    STARLING_DATA_DIR: dir, AGENT_ENROLMENT_TOKEN: TOKEN, PORT: String(port), HOST: '127.0.0.1', EMBEDDED_CHANNEL_PORT: String(chPort),
    LOG_LEVEL: 'info', AGENT_HEARTBEAT_MS: String(HEARTBEAT_MS),
  };
  const key = (await runStarling(['keys', 'create', '--name', 'bench'], env)).trim().split('\n').pop()!;
  const db = await openDatabase({ dataDir: dir });
  await migrate(db);
  for (const s of seedStatements(N)) await db.db.execute(sql.raw(s));
  await db.close();
  const server = startStarling(['server'], env);
  try {
    await server.waitForRecord((r) => r.msg === 'starling server listening', 120_000);
    const t0 = performance.now();
    const [sim, probeSim] = await Promise.all([startSim(`ws://127.0.0.1:${chPort}/`, N), startSim(`ws://127.0.0.1:${chPort}/`, 1, N)]);
    try {
      // Online once a task on every host finds none offline.
      for (;;) {
        const t = await post(url, key, { targets: Array.from({ length: N + 1 }, (_, i) => `sim-host-${i}`), command: 'true', wait: 30 });
        if (t.counts.FAILED === 0 && t.counts.SUCCEEDED === N + 1) break;
        await new Promise((r) => setTimeout(r, 500));
      }
      const connectMs = performance.now() - t0;
      const rss = await rssMiB(server.child.pid!);
      console.error(`embedded: ${N + 1} agents online in ${Math.round(connectMs)} ms; server RSS ${rss} MiB`);
      const idle = await idleProbes(url, key);
      const rs = await rounds(url, key, async (id) => {
        const r = await fetch(`${url}/v1/tasks/${id}`, { headers: { authorization: `Bearer ${key}` } });
        return ((await r.json()) as { done: boolean }).done;
      }, { proxy: server.child.pid!, channel: null });
      return summarise('embedded (starling server, PGlite, in-process)', rs, `${rss} (whole server)`, connectMs, idle);
    } finally {
      sim.child.kill('SIGKILL');
      probeSim.child.kill('SIGKILL');
    }
  } finally {
    await server.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One idle real agent (the deployable bundle) vs a bare node process holding one WebSocket with the same heartbeat. */
async function footprint(proxyUrl: string): Promise<Array<Record<string, string | number>>> {
  const bundle = join(ROOT, 'dist/starling-agent.mjs');
  await runNpm(['run', '--silent', 'build:agent']); // always the current code
  const stateDir = mkdtempSync(join(tmpdir(), 'starling-bench-agent-'));
  const agent = spawn(process.execPath, [bundle, '--server', proxyUrl, '--state-dir', stateDir], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, AGENT_ENROLMENT_TOKEN: TOKEN, LOG_LEVEL: 'warn' }, stdio: 'ignore',
  });
  // The baseline talks to a WebSocket server in this process: same frames, same interval.
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false });
  await new Promise((r) => wss.once('listening', r));
  const wsPort = (wss.address() as { port: number }).port;
  const script = `
    const { WebSocket } = await import('ws');
    const ws = new WebSocket('ws://127.0.0.1:${wsPort}/', { perMessageDeflate: false });
    ws.on('open', () => {
      ws.send(JSON.stringify({ type: 'hello', v: 1, agentId: 'baseline', credential: 'x', agentVersion: 'baseline' }));
      setInterval(() => {
        ws.ping();
        ws.send(JSON.stringify({ type: 'heartbeat', v: 1, seq: 1, at: Date.now(), health: {}, metrics: { load: [0, 0, 0], cpus: 2, mounts: [] } }));
      }, ${HEARTBEAT_MS});
    });`;
  const baseline = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, stdio: 'ignore' });
  // Both settled: registered and connected, and past V8's one-off compaction of a fresh heap
  // (the memory reducer runs ~8-10 s after a process goes idle, for both processes alike):
  // what follows is the steady idle cost.
  const procs = { agent: agent.pid!, baseline: baseline.pid! };
  const cpuNow = () => ({ agent: cpuSeconds(procs.agent), baseline: cpuSeconds(procs.baseline) });
  // Also shown: the same length of time from 5 s after start, which includes those GCs.
  const EARLY_MS = 5000;
  await new Promise((r) => setTimeout(r, EARLY_MS));
  const early0 = cpuNow();
  await new Promise((r) => setTimeout(r, SETTLE_MS - EARLY_MS));
  const cpu0 = cpuNow();
  let early: { agent: number; baseline: number } | undefined;
  const rss = { agent: [] as number[], baseline: [] as number[] };
  const start = performance.now();
  while (performance.now() - start < FOOTPRINT_S * 1000) {
    rss.agent.push(await rssMiB(procs.agent));
    rss.baseline.push(await rssMiB(procs.baseline));
    if (!early && performance.now() - start >= FOOTPRINT_S * 1000 - (SETTLE_MS - EARLY_MS)) {
      const c = cpuNow();
      early = { agent: c.agent - early0.agent, baseline: c.baseline - early0.baseline };
    }
    await new Promise((r) => setTimeout(r, 2000));
  }
  const secs = (performance.now() - start) / 1000;
  const cpu = { agent: cpuSeconds(procs.agent) - cpu0.agent, baseline: cpuSeconds(procs.baseline) - cpu0.baseline };
  agent.kill('SIGTERM');
  baseline.kill('SIGKILL');
  wss.close();
  rmSync(stateDir, { recursive: true, force: true });
  const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const ratio = avg(rss.agent) / avg(rss.baseline);
  return [
    {
      process: 'starling agent (bundle), idle', 'RSS avg MiB': r1(avg(rss.agent)), 'RSS max MiB': r1(Math.max(...rss.agent)), 'CPU %': r3((cpu.agent / secs) * 100),
      'CPU % from 5 s (start-up GCs)': early ? r3((early.agent / secs) * 100) : '-', seconds: Math.round(secs), 'RSS vs baseline': `${ratio.toFixed(2)}× (target ≤ 1.15×)`,
    },
    {
      process: 'bare node + one WebSocket', 'RSS avg MiB': r1(avg(rss.baseline)), 'RSS max MiB': r1(Math.max(...rss.baseline)), 'CPU %': r3((cpu.baseline / secs) * 100),
      'CPU % from 5 s (start-up GCs)': early ? r3((early.baseline / secs) * 100) : '-', seconds: Math.round(secs), 'RSS vs baseline': '1.00×',
    },
  ];
}

function runNpm(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const c = spawn('npm', args, { cwd: ROOT, stdio: 'inherit' });
    c.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`npm ${args.join(' ')} exited ${code}`))));
  });
}

console.log(`bench:fanout — N = ${N} simulated agents, ${ROUNDS} timed rounds (+1 warm-up without probes)`);
console.log(machineLine());
await buildCli();
const rows: Array<Record<string, string | number>> = [];
let foot: Array<Record<string, string | number>> = [];
if (!SKIP.has('production')) {
  const prod = await production();
  try {
    rows.push(prod.row);
    if (!SKIP.has('footprint')) foot = await footprint(prod.url);
  } finally {
    await prod.stop();
  }
}
if (!SKIP.has('embedded')) rows.push(await embedded());
printTable(`Fan-out of one task to ${N} hosts (targets: ≤ 2000 ms median, channel RSS ≤ 200 MB, wait p99 ≤ 50 ms)`, rows);
if (foot.length) {
  printTable(`Idle agent footprint over ${FOOTPRINT_S} s from ${SETTLE_MS / 1000} s after start, heartbeat ${HEARTBEAT_MS} ms (targets: RSS ≤ 1.15× baseline, CPU ≤ 0.1 %)`, foot);
}
process.exit(0);
