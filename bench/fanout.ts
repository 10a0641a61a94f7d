// End-to-end fan-out: POST /v1/tasks for N hosts → every run terminal in the database.
// Production configuration: `starling proxy` and `starling channel` as separate processes on
// local Postgres and Redis, N simulated agents (own process, real WebSockets, answering at once)
// on the one channel; then the embedded `starling server` (PGlite, in-process channel) beside it.
// Also: SQL statements per task, hosts/s, channel RSS, CPU seconds, the latency of a one-host
// `wait` command issued while the big task is in flight, and an idle real agent's footprint
// next to a bare node WebSocket client with the same heartbeat.
// Usage: npm run bench:fanout [-- --agents 10000 --rounds 5 --footprint-seconds 60]
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { WebSocketServer } from 'ws';
import { migrate, openDatabase } from '../db/index.js';
import { createScratchPostgres } from '../test/helpers/db.js';
import { build } from 'esbuild';
import { freePort, runStarling, wrapChild } from '../test/helpers/cluster.js';
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
const HEARTBEAT_MS = 30_000;
const CLI_BUNDLE = join(ROOT, 'dist/starling-cli.mjs');

/** Bundle the CLI like a deployment would (our code in one file, node_modules beside it): no TypeScript loader at run time. */
async function buildCli(): Promise<void> {
  await build({ entryPoints: [join(ROOT, 'cli/main.ts')], bundle: true, platform: 'node', target: 'node20', format: 'esm', packages: 'external', outfile: CLI_BUNDLE, logLevel: 'warning' });
  // Files the code finds next to itself (import.meta.url): the migrations.
  cpSync(join(ROOT, 'db/migrations'), join(ROOT, 'dist/migrations'), { recursive: true });
}

/** Start `starling <args>` from the bundle. */
function startStarling(args: string[], env: Record<string, string>): StarlingProcess {
  const child = spawn(process.execPath, [CLI_BUNDLE, ...args], {
    cwd: ROOT, env: { PATH: process.env.PATH, HOME: process.env.HOME, STARLING_CLI: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  return wrapChild(child);
}

const median = (xs: number[]) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]! : NaN);
const pct = (xs: number[], p: number) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)]! : NaN);
const r1 = (x: number) => Math.round(x * 10) / 10;
const r3 = (x: number) => Math.round(x * 1000) / 1000;

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

function startSim(url: string, count: number): Promise<{ child: ChildProcess; ready: Record<string, unknown> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test/helpers/agent-sim-cli.ts'), '--url', url, '--count', String(count), '--credential', CREDENTIAL], {
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

/** Sequential one-host `wait` commands until stopped; returns their latencies (ms). */
function probeLoop(url: string, key: string): { stop(): Promise<number[]> } {
  let running = true;
  const lat: number[] = [];
  const loop = (async () => {
    while (running) {
      const t = performance.now();
      const t0Wall = Date.now();
      const r = await post(url, key, { targets: [`sim-host-${N}`], command: 'true', wait: 10 });
      if (r.counts.SUCCEEDED !== 1) throw new Error(`probe did not succeed: ${JSON.stringify(r.counts)}`);
      const ms = performance.now() - t;
      lat.push(ms);
      if (process.env.BENCH_VERBOSE && ms > 200) {
        const h = r.runs[0].history as Array<{ state: string; at: string }>;
        const base = t0Wall;
        console.error(`  slow probe ${Math.round(ms)} ms: ${h.map((e) => `${e.state}+${Date.parse(e.at) - base}`).join(' ')} agentStarted+${Date.parse(r.runs[0].startedAt) - base} answered+${Date.now() - base}`);
      }
    }
  })();
  return { stop: async () => ((running = false), await loop, lat) };
}

interface Round { ms: number; statements: number; proxyCpu: number; channelCpu: number; probes: number[] }

/** Run the rounds: round 0 without probes (clean statement count), then with probes. */
async function rounds(url: string, key: string, done: (taskId: string) => Promise<boolean>, pids: { proxy: number; channel: number | null }): Promise<Round[]> {
  const targets = Array.from({ length: N }, (_, i) => `sim-host-${i}`);
  const out: Round[] = [];
  for (let i = 0; i < ROUNDS + 1; i++) {
    const s0 = await statements(url);
    const p0 = cpuSeconds(pids.proxy);
    const c0 = pids.channel ? cpuSeconds(pids.channel) : 0;
    const probe = i > 0 ? probeLoop(url, key) : null;
    const t0 = performance.now();
    const task = await post(url, key, { targets, command: 'true', timeoutMs: 120_000 });
    const postMs = performance.now() - t0;
    while (!(await done(task.id))) await new Promise((r) => setTimeout(r, 10));
    const ms = performance.now() - t0;
    const probes = probe ? await probe.stop() : [];
    out.push({
      ms, statements: (await statements(url)) - s0, proxyCpu: cpuSeconds(pids.proxy) - p0,
      channelCpu: pids.channel ? cpuSeconds(pids.channel) - c0 : 0, probes,
    });
    console.error(`  round ${i}: ${Math.round(ms)} ms (POST answered after ${Math.round(postMs)} ms), ${out.at(-1)!.statements} statements, ${probes.length} probes`);
    await new Promise((r) => setTimeout(r, 1500)); // let the sweeper and heartbeats settle
  }
  return out;
}

function summarise(mode: string, rs: Round[], channelRss: number | string, connectMs: number) {
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
  const sim = await startSim(`ws://127.0.0.1:${chPort}/`, N + 1);
  for (;;) {
    const [row] = await client`select count(*)::int as n from agents where state = 'online'`;
    if (row!.n >= N + 1) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const connectMs = performance.now() - t0;
  const chRss = await rssMiB(channel.child.pid!);
  console.error(`production: ${N + 1} agents online in ${Math.round(connectMs)} ms; channel RSS ${chIdleRss} → ${chRss} MiB`);
  const rs = await rounds(url, key, async (id) => {
    const [row] = await client`select count(*)::int as n from task_runs where task_id = ${id} and state in ('RECEIVED', 'DISPATCHED', 'RUNNING')`;
    return row!.n === 0;
  }, { proxy: proxy.child.pid!, channel: channel.child.pid! });
  for (const r of proxy.records.filter((x) => String(x.msg).startsWith('large task') || String(x.msg).startsWith('applied a large'))) {
    if (process.env.BENCH_VERBOSE) console.error(`  proxy: ${r.msg} ${JSON.stringify({ ...r, level: undefined, time: undefined, pid: undefined, hostname: undefined, name: undefined, msg: undefined })}`);
  }
  const [bad] = await client`select count(*)::int as n from task_runs r join tasks t on t.id = r.task_id where t.target_count = ${N} and r.state <> 'SUCCEEDED'`;
  if (bad!.n) console.error(`production: ${bad!.n} runs of the big tasks did not succeed`);
  return {
    row: summarise('production (proxy + channel + Postgres + Redis)', rs, chRss, connectMs),
    url,
    async stop() {
      sim.child.kill('SIGKILL');
      for (const p of procs.reverse()) await p.stop('SIGKILL');
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
    const sim = await startSim(`ws://127.0.0.1:${chPort}/`, N + 1);
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
      const rs = await rounds(url, key, async (id) => {
        const r = await fetch(`${url}/v1/tasks/${id}`, { headers: { authorization: `Bearer ${key}` } });
        return ((await r.json()) as { done: boolean }).done;
      }, { proxy: server.child.pid!, channel: null });
      return summarise('embedded (starling server, PGlite, in-process)', rs, `${rss} (whole server)`, connectMs);
    } finally {
      sim.child.kill('SIGKILL');
    }
  } finally {
    await server.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One idle real agent (the deployable bundle) vs a bare node process holding one WebSocket with the same heartbeat. */
async function footprint(proxyUrl: string): Promise<Array<Record<string, string | number>>> {
  const bundle = join(ROOT, 'dist/starling-agent.mjs');
  if (!existsSync(bundle)) await runNpm(['run', '--silent', 'build:agent']);
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
  await new Promise((r) => setTimeout(r, 5000)); // both settled (agent registered and connected)
  const procs = { agent: agent.pid!, baseline: baseline.pid! };
  const cpu0 = { agent: cpuSeconds(procs.agent), baseline: cpuSeconds(procs.baseline) };
  const rss = { agent: [] as number[], baseline: [] as number[] };
  const start = performance.now();
  while (performance.now() - start < FOOTPRINT_S * 1000) {
    rss.agent.push(await rssMiB(procs.agent));
    rss.baseline.push(await rssMiB(procs.baseline));
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
    { process: 'starling agent (bundle), idle', 'RSS avg MiB': r1(avg(rss.agent)), 'RSS max MiB': r1(Math.max(...rss.agent)), 'CPU %': r3((cpu.agent / secs) * 100), seconds: Math.round(secs), 'RSS vs baseline': `${ratio.toFixed(2)}× (target ≤ 1.15×)` },
    { process: 'bare node + one WebSocket', 'RSS avg MiB': r1(avg(rss.baseline)), 'RSS max MiB': r1(Math.max(...rss.baseline)), 'CPU %': r3((cpu.baseline / secs) * 100), seconds: Math.round(secs), 'RSS vs baseline': '1.00×' },
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
if (foot.length) printTable(`Idle agent footprint over ${FOOTPRINT_S} s (targets: RSS ≤ 1.15× baseline, CPU ≤ 0.1 %)`, foot);
process.exit(0);
