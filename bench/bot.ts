// Robot benchmark: acknowledgement latency of POST /bot/dingtalk under 200 signed requests/s
// for 30 s (open-loop load from a separate process on loopback), and mention-to-reply time of a
// `diag` of a reachable loopback host.
//
// Configurations, headline first:
// - production: `starling proxy --no-workers` and `starling worker`, two real processes on
//   Postgres + Redis (BullMQ): the HTTP process only queues, the worker answers; once as is,
//   once with the worker under `nice -n 10`;
// - one process: the same `starling proxy` process with its job workers inside;
// - harness: the robot alone inside this benchmark process (Postgres + BullMQ, PGlite +
//   in-process jobs), the configuration earlier figures were taken in.
// Usage: npm run bench:bot [-- --seconds 30 --rate 200 --runs 1 --samples 20 --only production]
// (--only: configurations whose name contains the text; --no-workers: harness rows without job
// workers, the HTTP path alone).
import { spawn } from 'node:child_process';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { quantile } from 'simple-statistics';
import { componentBotServices } from '../bot/index.js';
import { groupMessage, TEST_APP_SECRET } from '../test/helpers/bot-harness.js';
import { openMemoryPglite, openScratchPostgres } from '../test/helpers/db.js';
import { openPort } from '../test/helpers/tcp-diagnosis.js';
import { harnessTarget, processTarget, type BotTarget } from './bot-targets.js';
import { machineLine, printTable } from './machine.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '30' },
    rate: { type: 'string', default: '200' },
    samples: { type: 'string', default: '20' },
    runs: { type: 'string', default: '1' },
    only: { type: 'string' },
    'no-workers': { type: 'boolean' },
  },
});
const SECONDS = Number(values.seconds);
const RATE = Number(values.rate);
const SAMPLES = Number(values.samples);
const RUNS = Math.max(1, Math.min(10, Number(values.runs)));

// The load generator: plain JavaScript in its own Node process, so neither its event loop nor its
// heap, GC and CPU accounting are the server's. Parameters come in an environment variable, the
// latencies go back over the IPC channel; it sends a fixed number of requests and exits, and it
// exits too if the benchmark process goes away.
const LOAD = `
const http = require('node:http');
const { createHmac } = require('node:crypto');
const { url, secret, rate, seconds, webhookBase, path } = JSON.parse(process.env.STARLING_BENCH_LOAD);
process.on('disconnect', () => process.exit(1));
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
const target = new URL(url);
const total = rate * seconds;
const lat = [];
let errors = 0, done = 0, statuses = {};
const t0 = performance.now();
function fire(i) {
  const ts = String(Date.now());
  const sign = createHmac('sha256', secret).update(ts + '\\n' + secret, 'utf8').digest('base64');
  const msgId = 'bench' + i + '-' + t0;
  const body = JSON.stringify({ conversationId: 'cidBench==', conversationType: '2', msgId, msgtype: 'text', text: { content: ' help' },
    senderStaffId: 'staff-bench', senderNick: 'bench', createAt: Date.now(), robotCode: 'dingbench-ack',
    sessionWebhook: webhookBase + encodeURIComponent(msgId), sessionWebhookExpiredTime: Date.now() + 5400000 });
  const start = performance.now();
  const req = http.request({ host: target.hostname, port: target.port, path: path, method: path === '/healthz' ? 'GET' : 'POST', agent,
    headers: path === '/healthz' ? {} : { 'content-type': 'application/json', timestamp: ts, sign, 'content-length': Buffer.byteLength(body) } }, (res) => {
    res.resume();
    res.on('end', () => { lat.push(performance.now() - start); statuses[res.statusCode] = (statuses[res.statusCode] || 0) + 1; finish(); });
  });
  req.on('error', (err) => { errors++; statuses[err.code || 'error'] = (statuses[err.code || 'error'] || 0) + 1; finish(); });
  req.end(path === '/healthz' ? undefined : body);
}
function finish() {
  if (++done !== total) return;
  agent.destroy();
  process.send({ lat, errors, statuses, wallMs: performance.now() - t0 }, () => process.exit(0));
}
// Open loop: request i is sent at t0 + i/rate whatever the answers do.
let next = 0;
function tick() {
  const due = Math.floor(((performance.now() - t0) / 1000) * rate) + 1;
  while (next < Math.min(due, total)) fire(next++);
  if (next < total) setTimeout(tick, 2);
}
tick();
`;

interface LoadResult {
  lat: number[];
  errors: number;
  statuses: Record<string, number>;
  wallMs: number;
}

function runLoad(t: BotTarget, path = '/bot/dingtalk'): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const params = { url: t.url, secret: TEST_APP_SECRET, rate: RATE, seconds: SECONDS, webhookBase: t.fake.sessionWebhook(''), path };
    const child = spawn(process.execPath, ['-e', LOAD], {
      env: { ...process.env, NODE_OPTIONS: '', STARLING_BENCH_LOAD: JSON.stringify(params) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let result: LoadResult | undefined;
    // Bounded: the generator has SECONDS of sending plus a minute for the last answers.
    const watchdog = setTimeout(() => child.kill('SIGKILL'), (SECONDS + 60) * 1000);
    child.once('message', (m) => {
      result = m as LoadResult;
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      clearTimeout(watchdog);
      if (result) resolve(result);
      else reject(new Error(`load generator ended without a result (code ${code}, signal ${signal})`));
    });
  });
}

const ms = (v: number) => Math.round(v * 10) / 10;
const perRequest = (cpuMs: number | undefined, n: number) => (cpuMs === undefined ? '-' : Math.round((cpuMs / Math.max(1, n)) * 100) / 100);

async function ackBench(name: string, t: BotTarget, path = '/bot/dingtalk'): Promise<Record<string, string | number>> {
  const statementsBefore = t.statements();
  const loopP99 = await t.loopDelay();
  // The generator is another process, so this is the serving processes' CPU alone.
  const cpuBefore = t.cpuMs();
  const r = await runLoad(t, path);
  const cpu = t.cpuMs();
  const loopMs = await loopP99();
  const statementsAfter = t.statements();
  const statements = statementsBefore === undefined || statementsAfter === undefined ? undefined : statementsAfter - statementsBefore;
  const sorted = [...r.lat].sort((a, b) => a - b);
  const accepted = r.statuses['200'] ?? 0;
  return {
    configuration: name,
    requests: RATE * SECONDS,
    'achieved req/s': Math.round((r.lat.length / r.wallMs) * 1000),
    'HTTP 200': accepted,
    errors: r.errors + (RATE * SECONDS - accepted - r.errors),
    'ack p50 (ms)': ms(quantile(sorted, 0.5)),
    'ack p99 (ms)': ms(quantile(sorted, 0.99)),
    'p99 ≤ 50 ms': quantile(sorted, 0.99) <= 50 ? 'yes' : 'NO',
    'ack max (ms)': ms(sorted[sorted.length - 1] ?? 0),
    'SQL / message': statements === undefined ? '-' : Math.round((statements / Math.max(1, accepted)) * 100) / 100,
    'HTTP process CPU ms / request': perRequest(cpu.http - cpuBefore.http, r.lat.length),
    'worker process CPU ms / request': perRequest(cpu.worker === undefined ? undefined : cpu.worker - (cpuBefore.worker ?? 0), r.lat.length),
    'HTTP event-loop delay p99 (ms)': ms(loopMs),
    statuses: Object.entries(r.statuses).map(([k, v]) => `${k}×${v}`).join(' '),
  };
}

async function replyBench(name: string, t: BotTarget): Promise<Record<string, string | number>> {
  const times: number[] = [];
  const verdicts = new Set<string>();
  const statementsBefore = t.statements();
  for (let i = 0; i < SAMPLES; i++) {
    const m = groupMessage(t.fake, 'diag 127.0.0.1', { robotCode: 'dingbench-diag', conversationId: 'cidDiag==' });
    const session = `s-${m.msgId as string}`;
    const t0 = Date.now();
    const res = await t.callback(m);
    if (res.status !== 200) throw new Error(`callback answered ${res.status}`);
    const deadline = Date.now() + 10_000;
    for (;;) {
      const reply = t.fake.requests.find((r) => r.query.session === session);
      if (reply) {
        times.push(reply.at - t0);
        const text = (reply.body as { markdown?: { text?: string } }).markdown?.text ?? '';
        const verdict = /Verdict: ([A-Za-z_-]+)/.exec(text)?.[1];
        if (!verdict) throw new Error(`diag reply without a verdict: ${text.slice(0, 300)}`);
        verdicts.add(verdict);
        break;
      }
      if (Date.now() > deadline) throw new Error('no reply within 10 s');
      await new Promise((r) => setTimeout(r, 2));
    }
  }
  const sorted = times.sort((a, b) => a - b);
  const statementsAfter = t.statements();
  return {
    configuration: name,
    samples: SAMPLES,
    'mention → reply p50 (ms)': ms(quantile(sorted, 0.5)),
    'p90 (ms)': ms(quantile(sorted, 0.9)),
    'max (ms)': ms(sorted[sorted.length - 1]!),
    'SQL / mention': statementsBefore === undefined || statementsAfter === undefined ? '-' : Math.round(((statementsAfter - statementsBefore) / SAMPLES) * 10) / 10,
    'p50 ≤ 2 s': quantile(sorted, 0.5) <= 2000 ? 'yes' : 'NO',
    verdicts: [...verdicts].join(' '),
  };
}

const host = await openPort('SSH-2.0-OpenSSH_9.6 starling-bench\r\n');
// The real diagnostics engine, probing the loopback "host" by TCP; cache off so every mention diagnoses afresh.
const diagEnv = { DIAG_PING_MODE: 'tcp', DIAG_TCP_PROBE_PORTS: String(host.port), DIAG_SSH_PORT: String(host.port), DIAG_CACHE_TTL_MS: '0' };
const noWorkers = Boolean(values['no-workers']);
const configurations: Array<{ name: string; workers: boolean; start(): Promise<BotTarget> }> = [
  { name: 'production: proxy --no-workers + worker, PG + Redis', workers: true, start: () => processTarget({ separateWorker: true, env: diagEnv }) },
  // The same with the worker unable to take CPU from the HTTP process (as on a host of its own):
  // on this 2-core machine both processes, Postgres, Redis and the load generator share the cores.
  {
    name: 'production, worker under nice 10', workers: true,
    start: () => processTarget({ separateWorker: true, env: diagEnv, workerNice: 10 }),
  },
  { name: 'one process: proxy with workers, PG + Redis', workers: true, start: () => processTarget({ separateWorker: false, env: diagEnv }) },
  {
    name: `harness: Postgres + BullMQ${noWorkers ? ', no workers' : ''}`, workers: !noWorkers,
    start: () => harnessTarget({ openDatabase: openScratchPostgres, redis: true, services: componentBotServices, startJobs: !noWorkers, env: diagEnv }),
  },
  {
    name: `harness: PGlite + in-process jobs${noWorkers ? ', no workers' : ''}`, workers: !noWorkers,
    start: () => harnessTarget({ openDatabase: openMemoryPglite, redis: false, services: componentBotServices, startJobs: !noWorkers, env: diagEnv }),
  },
];
const loadBefore = os.loadavg().map((x) => x.toFixed(2)).join(' ');
const ackRows: Array<Record<string, string | number>> = [];
const replyRows: Array<Record<string, string | number>> = [];
try {
  for (const c of configurations) {
    if (values.only && !c.name.toLowerCase().includes(values.only.toLowerCase())) continue;
    const t = await c.start();
    try {
      // Warm up connections and JIT before measuring.
      await t.callback(groupMessage(t.fake, 'help', { robotCode: 'dingbench-warm' }));
      if (c.workers) replyRows.push(await replyBench(c.name, t));
      // The same load on GET /healthz: what this machine gives any route, for comparison.
      if (ackRows.length === 0 && !values.only) {
        ackRows.push({ ...(await ackBench(c.name, t, '/healthz')), configuration: `baseline: GET /healthz (${c.name.split(':')[0]})`, 'SQL / message': '-' });
      }
      for (let run = 1; run <= RUNS; run++) ackRows.push(await ackBench(RUNS > 1 ? `${c.name} #${run}` : c.name, t));
    } finally {
      await t.close();
    }
  }
} finally {
  await host.close();
}
printTable(
  `POST /bot/dingtalk acknowledgement, ${RATE} signed requests/s for ${SECONDS} s (open loop from a separate process, loopback)\n` +
    'CPU: of the process serving HTTP (harness: this whole process, fake DingTalk included), and of the worker process when separate. ' +
    'Event-loop delay: monitorEventLoopDelay in the HTTP process beyond its sampling interval (processes: prom-client\'s, 10 ms, read from /metrics; harness: 5 ms). ' +
    'SQL: counted in this process (harness only).\n' + machineLine(),
  ackRows,
);
printTable(`Mention → reply on the session webhook, diag of a reachable loopback host (${SAMPLES} sequential mentions, real diagnostics engine)\n${machineLine()}`, replyRows);
console.log(`load average (1/5/15 min) before: ${loadBefore}; after: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')} (the machine is shared; compare with the /healthz baseline row)`);
process.exit(0);
