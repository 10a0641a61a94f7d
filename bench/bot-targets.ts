// What bench/bot.ts drives: the robot's HTTP endpoint, with a fake DingTalk beside it, either
// inside the benchmark process (the bot harness) or as real `starling` processes.
import { execSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { signedHeaders, startBotHarness, TEST_APP_SECRET, type BotHarnessOptions } from '../test/helpers/bot-harness.js';
import { createScratchPostgres } from '../test/helpers/db.js';
import { startFakeDingtalk, type FakeDingtalk } from '../test/helpers/fake-dingtalk.js';
import { startStarling, STARLING_BIN, wrapChild, type StarlingProcess } from '../test/helpers/process.js';
import { deleteKeys, testRedis, TEST_REDIS_URL, uniquePrefix } from '../test/helpers/redis.js';

/** A robot endpoint under test. */
export interface BotTarget {
  url: string;
  fake: FakeDingtalk;
  /** POST a correctly signed callback. */
  callback(body: unknown): Promise<Response>;
  /** SQL statements so far, when the database handle lives in this process; else undefined. */
  statements(): number | undefined;
  /** CPU ms used so far by the process serving HTTP, and by the separate worker process when there is one. */
  cpuMs(): { http: number; worker?: number };
  /**
   * Start measuring the HTTP process's event-loop delay; the returned function gives its p99 in
   * ms since, beyond the sampling interval (the histogram records whole intervals).
   */
  loopDelay(): Promise<() => Promise<number>>;
  close(): Promise<void>;
}

/** The robot alone inside this process (no proxy, diagnostics API or CMDB parts): the historical configuration of this benchmark. */
export async function harnessTarget(options: BotHarnessOptions): Promise<BotTarget> {
  const h = await startBotHarness(options);
  return {
    url: h.url,
    fake: h.fake,
    callback: (body) => h.callback(body),
    statements: () => h.ctx.database.statements,
    cpuMs: () => {
      const c = process.cpuUsage();
      return { http: (c.user + c.system) / 1000 };
    },
    async loopDelay() {
      const loop = monitorEventLoopDelay({ resolution: 5 });
      loop.enable();
      return async () => {
        loop.disable();
        return Math.max(0, loop.percentile(99) / 1e6 - 5);
      };
    },
    close: () => h.close(),
  };
}

const CLOCK_TICKS = Number(execSync('getconf CLK_TCK').toString().trim()) || 100;

/** CPU ms a process has used (user + system, every thread), from /proc (Linux). */
function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 of proc(5), counted from `state` (field 3).
  return ((Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS) * 1000;
}

/**
 * p99 event-loop delay in ms from a /metrics scrape, beyond prom-client's 10 ms sampling interval
 * (it resets its histogram on every scrape).
 */
async function scrapeLoopP99Ms(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const m = /^nodejs_eventloop_lag_p99_seconds (\S+)$/m.exec(text);
  if (!m) throw new Error('no nodejs_eventloop_lag_p99_seconds in /metrics');
  return Math.max(0, Number(m[1]) * 1000 - 10);
}

/** Options of {@link processTarget}. */
export interface ProcessTargetOptions {
  /** true: `starling proxy --no-workers` plus a `starling worker` process; false: `starling proxy` with its job workers inside. */
  separateWorker: boolean;
  /** Extra settings of both processes. */
  env: Record<string, string>;
  /** CPU niceness of the worker process (`nice -n`); default 0. */
  workerNice?: number;
}

/**
 * `starling proxy` (the production HTTP role: tasks API, run lifecycle, diagnostics, CMDB and
 * robot) on a scratch Postgres database and Redis under a fresh key prefix, and with
 * `separateWorker` a `starling worker` beside it: real processes, as deployed.
 */
export async function processTarget(options: ProcessTargetOptions): Promise<BotTarget> {
  const fake = await startFakeDingtalk();
  const scratch = await createScratchPostgres();
  const prefix = uniquePrefix('bench-bot');
  const env: Record<string, string> = {
    DATABASE_URL: scratch.url, REDIS_URL: TEST_REDIS_URL, JOBS_PREFIX: prefix, TRANSPORT_PREFIX: prefix, HOST: '127.0.0.1', PORT: '0',
    DINGTALK_APP_SECRET: TEST_APP_SECRET, DINGTALK_API_BASE: fake.url, DINGTALK_WEBHOOK_HOSTS: '127.0.0.1', BOT_CONVERSATIONS: '*',
    BOT_LINK_BASE_URL: 'https://starling.test', JOBS_WORKERS: String(!options.separateWorker), ...options.env,
  };
  const procs: StarlingProcess[] = [];
  const cleanup = async () => {
    for (const p of procs.reverse()) await p.stop('SIGTERM', 20_000);
    const r = testRedis();
    await deleteKeys(r, prefix);
    await r.quit();
    await scratch.drop();
    await fake.close();
  };
  try {
    const http = startStarling(['proxy'], env);
    procs.push(http);
    const up = await http.waitForRecord((r) => r.msg === 'starling server listening', 60_000);
    let worker: StarlingProcess | undefined;
    if (options.separateWorker) {
      worker = options.workerNice
        ? wrapChild(spawn('nice', ['-n', String(options.workerNice), process.execPath, STARLING_BIN, 'worker'], {
          env: { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'info', ...env }, stdio: ['ignore', 'pipe', 'pipe'],
        }))
        : startStarling(['worker'], env);
      procs.push(worker);
      await worker.waitForRecord((r) => r.msg === 'starling worker started', 60_000);
    }
    const url = up.url as string;
    let closing: Promise<void> | undefined;
    return {
      url,
      fake,
      callback: (body) => fetch(`${url}/bot/dingtalk`, { method: 'POST', headers: signedHeaders(), body: JSON.stringify(body) }),
      statements: () => undefined,
      cpuMs: () => ({ http: processCpuMs(http.child.pid!), ...(worker && { worker: processCpuMs(worker.child.pid!) }) }),
      async loopDelay() {
        await scrapeLoopP99Ms(url);
        return () => scrapeLoopP99Ms(url);
      },
      close: () => (closing ??= cleanup()),
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
