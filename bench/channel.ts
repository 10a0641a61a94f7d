// Channel fan-out and footprint: N simulated agents (own process, real WebSockets) on one
// channel (own process, bundled like production) over Redis Streams, and the same through the
// in-process transport. Measures channel RSS idle and with N agents, the time from publishing
// N batch-signed dispatches to N results back at the "proxy" (this process), and channel CPU.
// Usage: npm run bench:channel [-- --agents 10000 --rounds 3]
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { Redis } from 'ioredis';
import {
  createBatchingAuthenticator, createInProcessTransport, createRedisTransport, startChannel, type Transport,
} from '../channel/index.js';
import { encodeFrame, generateSigningKey, newNonce, PROTOCOL_VERSION, signDispatchBatch, type ChannelToProxy } from '../protocol/index.js';
import { machineLine, printTable, rssMiB } from './machine.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const { values } = parseArgs({ options: { agents: { type: 'string', default: '10000' }, rounds: { type: 'string', default: '3' } } });
const N = Number(values.agents);
const ROUNDS = Number(values.rounds);
const key = generateSigningKey();
const CHUNK = 250;

function lines(child: ChildProcess, on: (r: Record<string, unknown>) => void): void {
  createInterface({ input: child.stdout! }).on('line', (l) => {
    try {
      on(JSON.parse(l) as Record<string, unknown>);
    } catch {}
  });
}
function waitLine(child: ChildProcess, event: string, timeoutMs = 300_000): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no ${event} within ${timeoutMs} ms`)), timeoutMs);
    lines(child, (r) => {
      if (r.event === event) {
        clearTimeout(t);
        resolve(r);
      }
    });
    child.once('exit', (c) => reject(new Error(`exited (${c}) before ${event}`)));
  });
}
function cpuSeconds(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}
function startSim(url: string): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test/helpers/agent-sim-cli.ts'), '--url', url, '--count', String(N)], {
    cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'],
  });
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Publish N dispatches (as the proxy does: encoded, one signature per chunk) and wait for N results; returns ms per round. */
async function fanOut(transport: Transport, channelId: string, results: { count: number; reset(): void }): Promise<number[]> {
  const times: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    results.reset();
    const t0 = performance.now();
    // Like the proxy's bulk lane: chunks of 250 runs, one signature each, frames encoded once.
    const taskId = crypto.randomUUID();
    for (let first = 0; first < N; first += CHUNK) {
      const frames = signDispatchBatch(
        { taskId, command: 'true', argv: null, timeoutMs: 10_000, cwd: null, env: null, user: null,
          deadline: Date.now() + 60_000, issuedAt: Date.now(), nonce: newNonce() },
        Array.from({ length: Math.min(CHUNK, N - first) }, (_, i) => ({ runId: crypto.randomUUID(), agentId: `sim-${first + i}` })), key,
      );
      await transport.sendToChannel(channelId, frames.map((frame) => ({
        type: 'run.dispatch.encoded' as const, v: PROTOCOL_VERSION, agentId: frame.agentId, runId: frame.runId, deadline: frame.deadline, frame: encodeFrame(frame),
      })));
    }
    const deadline = Date.now() + 120_000;
    while (results.count < N) {
      if (Date.now() > deadline) throw new Error(`only ${results.count}/${N} results`);
      await new Promise((r) => setTimeout(r, 5));
    }
    times.push(Math.round(performance.now() - t0));
  }
  return times;
}

function resultCounter() {
  const c = { count: 0, reset() { c.count = 0; } };
  const handler = async (ms: ChannelToProxy[]) => {
    for (const m of ms) if (m.type === 'run.result') c.count++;
  };
  return { c, handler };
}

const rows: Array<Record<string, string | number>> = [];

// 1. Production shape: channel in its own (bundled) process, Redis Streams.
{
  const dir = mkdtempSync(join(tmpdir(), 'bench-channel-'));
  const host = join(dir, 'channel-host.mjs');
  await build({
    entryPoints: [join(ROOT, 'bench/channel-host.ts')], bundle: true, platform: 'node', target: 'node20', format: 'esm', outfile: host,
    external: ['pino-pretty', 'bufferutil', 'utf-8-validate'], logLevel: 'error',
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  });
  const redis = new Redis(REDIS_URL);
  const prefix = `starling-bench-${process.pid}`;
  const channelId = 'bench-ch';
  const channel = spawn(process.execPath, ['--expose-gc', ...(process.env.CHANNEL_NODE_FLAGS ?? '').split(' ').filter(Boolean), host, REDIS_URL, prefix, channelId], { stdio: ['ignore', 'pipe', 'inherit'] });
  const { url } = (await waitLine(channel, 'listening')) as { url: string };
  const idleRss = await rssMiB(channel.pid!);
  const sim = startSim(url);
  const ready = await waitLine(sim, 'ready');
  const transport = createRedisTransport({ redis, prefix, blockMs: 200 });
  const { c, handler } = resultCounter();
  const consumer = transport.consumeProxy(handler);
  const cpu0 = cpuSeconds(channel.pid!);
  const rssConnected = await rssMiB(channel.pid!);
  const mem = async (gc: boolean) => {
    const h = (await fetch(url.replace(/^ws/, 'http') + `healthz${gc ? '?gc=1' : ''}`).then((r) => r.json())) as { memory: Record<string, number> };
    return JSON.stringify(Object.fromEntries(Object.entries(h.memory).map(([k, v]) => [k, Math.round(v / 2 ** 20)])));
  };
  console.log(`channel memory with ${N} agents, before fan-out (MiB): ${await mem(false)}`);
  const times = await fanOut(transport, channelId, c);
  const cpu = cpuSeconds(channel.pid!) - cpu0;
  const rssAfter = await rssMiB(channel.pid!);
  console.log(`channel memory after fan-out (MiB): ${await mem(false)}; after a full GC: ${await mem(true)}`);
  rows.push({
    transport: 'redis streams', channel: 'own process', agents: N, 'connect s': ((ready.ms as number) / 1000).toFixed(1),
    'channel RSS idle MiB': idleRss, [`channel RSS ${N} agents MiB`]: rssConnected, 'RSS after fan-out MiB': rssAfter,
    'dispatch→results ms (median)': median(times), rounds: times.join(' / '), 'channel CPU s/round': (cpu / ROUNDS).toFixed(2),
    'hosts/s': Math.round((N * 1000) / median(times)),
  });
  sim.kill('SIGTERM');
  channel.kill('SIGTERM');
  await Promise.all([new Promise((r) => sim.once('exit', r)), new Promise((r) => channel.once('exit', r))]);
  await consumer.close();
  await transport.close();
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    cursor = next;
    if (keys.length) await redis.del(...keys);
  } while (cursor !== '0');
  await redis.quit();
  rmSync(dir, { recursive: true, force: true });
}

// 2. Embedded shape: channel inside this process, in-process transport.
{
  const transport = createInProcessTransport();
  const { c, handler } = resultCounter();
  const consumer = transport.consumeProxy(handler);
  const channel = await startChannel({
    channelId: 'embedded', idc: 'bench', transport, capacity: 50_000,
    authenticator: createBatchingAuthenticator({ verifyMany: async (cs) => cs.map((x) => x.credential === 'sim-credential') }),
  });
  const sim = startSim(channel.url);
  const ready = await waitLine(sim, 'ready');
  const cpu0 = process.cpuUsage();
  const times = await fanOut(transport, 'embedded', c);
  const cpu = process.cpuUsage(cpu0);
  rows.push({
    transport: 'in-process', channel: 'inside this process', agents: N, 'connect s': ((ready.ms as number) / 1000).toFixed(1),
    'channel RSS idle MiB': '-', [`channel RSS ${N} agents MiB`]: `${await rssMiB(process.pid)} (whole process)`, 'RSS after fan-out MiB': '-',
    'dispatch→results ms (median)': median(times), rounds: times.join(' / '),
    'channel CPU s/round': ((cpu.user + cpu.system) / 1e6 / ROUNDS).toFixed(2), 'hosts/s': Math.round((N * 1000) / median(times)),
  });
  sim.kill('SIGTERM');
  await new Promise((r) => sim.once('exit', r));
  await channel.close();
  await consumer.close();
  await transport.close();
}

printTable(`channel fan-out: ${N} simulated agents, ${ROUNDS} rounds, one signature per ${CHUNK} runs (signDispatchBatch), time includes signing`, rows);
console.log(machineLine());
process.exit(0);
