import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createScratchPostgres } from './db.js';
import { startStarling, STARLING_BIN, wrapChild, type StarlingProcess } from './process.js';
import { deleteKeys, testRedis, TEST_REDIS_URL, uniquePrefix } from './redis.js';
import { startTcpLink, type TcpLink } from './tcp-link.js';
import { TEST_ENROLMENT_TOKEN } from './proxy-harness.js';
import { waitFor } from './wait-for.js';

const AGENT_ENTRY = fileURLToPath(new URL('./agent-process.ts', import.meta.url));

/** A free loopback TCP port (so a restarted process comes back at the same address). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Run `starling <args>` to completion and return stdout. */
export async function runStarling(args: string[], env: Record<string, string>): Promise<string> {
  const child = spawn(process.execPath, [STARLING_BIN, ...args], { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  if (code !== 0) throw new Error(`starling ${args.join(' ')} exited ${code}: ${err.slice(-800)}`);
  return out;
}

/** A real agent process with its own host facts, state dir and marker file. */
export interface AgentProc {
  label: string;
  stateDir: string;
  /** The file the test commands append to (via $MARK_FILE): counts executions host-side. */
  markFile: string;
  proc: StarlingProcess;
  start(): Promise<void>;
}

/** The two deployment modes of the acceptance tests. */
export type ClusterMode = 'embedded' | 'production';

/** A running cluster: proxy (or server), channels, agents, an API key. */
export interface Cluster {
  mode: ClusterMode;
  url: string;
  apiKey: string;
  agents: AgentProc[];
  /** Proxy (production) or server (embedded). */
  proxy(): StarlingProcess;
  restartProxy(): Promise<void>;
  channels: Array<{ id: string; proc(): StarlingProcess; restart(): Promise<void> }>;
  env: Record<string, string>;
  /** The link between the Starling processes and Postgres (production mode with `dbLink`), for cutting it. */
  dbLink: TcpLink | null;
  /** Likewise for Redis (production mode with `redisLink`). */
  redisLink: TcpLink | null;
  api(method: string, path: string, body?: unknown, key?: string | null): Promise<{ status: number; type: string; body: any }>;
  close(): Promise<void>;
}

/** Options of {@link startCluster}. */
export interface ClusterOptions {
  /** Production mode: reach Postgres through a TCP link the test can cut (`Cluster.dbLink`); default false. */
  dbLink?: boolean;
  /** Production mode: reach Redis through a TCP link the test can cut (`Cluster.redisLink`); default false. */
  redisLink?: boolean;
}

const FAST = {
  PROXY_ACK_TIMEOUT_MS: '1000', PROXY_SWEEP_INTERVAL_MS: '200', PROXY_AGENT_GRACE_MS: '30000', PROXY_RESULT_GRACE_MS: '2000',
  AGENT_HEARTBEAT_MS: '1000', TRANSPORT_CLAIM_IDLE_MS: '1500', LOG_LEVEL: 'info',
};

/** Start a cluster: `starling server` (embedded, PGlite, in-process channel) or `starling proxy` + two `starling channel` on Postgres and Redis. */
export async function startCluster(mode: ClusterMode, agentCount = 3, options: ClusterOptions = {}): Promise<Cluster> {
  const dir = mkdtempSync(join(tmpdir(), `starling-${mode}-`));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const cleanups: Array<() => Promise<void>> = [];
  const env: Record<string, string> = { ...FAST, AGENT_ENROLMENT_TOKEN: TEST_ENROLMENT_TOKEN, PORT: String(port), HOST: '127.0.0.1' };
  let dbLink: TcpLink | null = null;
  let redisLink: TcpLink | null = null;
  if (mode === 'embedded') {
    env.STARLING_DATA_DIR = join(dir, 'data');
    env.EMBEDDED_CHANNEL_PORT = String(await freePort());
  } else {
    const pg = await createScratchPostgres();
    const prefix = uniquePrefix('cluster');
    env.DATABASE_URL = pg.url;
    if (options.dbLink) {
      const u = new URL(pg.url);
      const link = await startTcpLink(u.hostname, Number(u.port || 5432));
      dbLink = link;
      u.host = link.address;
      env.DATABASE_URL = u.toString();
      cleanups.push(() => link.close());
    }
    env.REDIS_URL = TEST_REDIS_URL;
    if (options.redisLink) {
      const u = new URL(TEST_REDIS_URL);
      const link = await startTcpLink(u.hostname, Number(u.port || 6379));
      redisLink = link;
      u.host = link.address;
      env.REDIS_URL = u.toString();
      cleanups.push(() => link.close());
    }
    env.TRANSPORT_PREFIX = prefix;
    cleanups.push(async () => {
      await pg.drop();
      const r = testRedis();
      await deleteKeys(r, prefix);
      await r.quit();
    });
  }
  // The key is made before the server starts: embedded PGlite belongs to one process at a time.
  const apiKey = (await runStarling(['keys', 'create', '--name', 'tests'], env)).trim().split('\n').pop()!;
  const procs: StarlingProcess[] = [];
  const track = (p: StarlingProcess) => (procs.push(p), p);

  let proxyProc: StarlingProcess;
  const startProxyProc = async () => {
    proxyProc = track(startStarling([mode === 'embedded' ? 'server' : 'proxy'], env));
    await proxyProc.waitForRecord((r) => r.msg === 'starling server listening', 60_000);
  };
  await startProxyProc();

  const channels: Cluster['channels'] = [];
  if (mode === 'production') {
    for (const id of ['ch-a', 'ch-b']) {
      const chPort = await freePort();
      let p: StarlingProcess;
      const start = async () => {
        p = track(startStarling(['channel', '--idc', 'default', '--id', id, '--port', String(chPort), '--host', '127.0.0.1'], env));
        await p.waitForRecord((r) => r.msg === 'channel listening', 60_000);
      };
      await start();
      channels.push({ id, proc: () => p, restart: start });
    }
  }
  const api: Cluster['api'] = async (method, path, body, key) => {
    const headers: Record<string, string> = {};
    const bearer = key === undefined ? apiKey : key;
    if (bearer !== null) headers.authorization = `Bearer ${bearer}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(url + path, { method, headers, ...(body !== undefined && { body: typeof body === 'string' ? body : JSON.stringify(body) }) });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      /* text */
    }
    return { status: res.status, type: res.headers.get('content-type') ?? '', body: parsed };
  };
  // Channels must be known before agents register (they get the channel list then).
  await waitFor(async () => {
    const r = await fetch(`${url}/v1/agents/register`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_ENROLMENT_TOKEN}` },
      body: JSON.stringify({ type: 'register', v: 1, idc: 'default', agentVersion: 'probe', facts: { hostname: 'probe', ip: null, ips: [], sn: 'PROBE' } }),
    });
    const b = (await r.json()) as { channels?: unknown[] };
    return (b.channels?.length ?? 0) >= Math.max(1, channels.length);
  }, { timeoutMs: 30_000, what: 'channels registered' });

  const agents: AgentProc[] = [];
  for (let i = 0; i < agentCount; i++) {
    const label = `host-${i}`;
    const stateDir = join(dir, `agent-${i}`);
    const markFile = join(dir, `mark-${i}`);
    const a: AgentProc = {
      label, stateDir, markFile, proc: undefined as unknown as StarlingProcess,
      async start() {
        const child = spawn(process.execPath, ['--import', 'tsx', AGENT_ENTRY, '--server', url, '--state-dir', stateDir], {
          env: {
            PATH: process.env.PATH, HOME: process.env.HOME, AGENT_ENROLMENT_TOKEN: TEST_ENROLMENT_TOKEN, LOG_LEVEL: 'info',
            MARK_FILE: markFile, HOST_LABEL: label,
            TEST_AGENT_FACTS: JSON.stringify({ hostname: label, ip: `10.77.0.${i + 1}`, ips: [`10.77.0.${i + 1}`], sn: `SN-${label}` }),
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        a.proc = track(wrapChild(child));
        await a.proc.waitForRecord((r) => r.msg === 'connected to channel', 60_000);
      },
    };
    await a.start();
    agents.push(a);
  }
  await waitFor(async () => {
    const r = await api('POST', '/v1/tasks', { targets: agents.map((a) => a.label), command: 'true', wait: 5 });
    return r.body?.counts?.SUCCEEDED === agents.length;
  }, { timeoutMs: 30_000, intervalMs: 300, what: 'agents online' });

  return {
    mode, url, apiKey, agents, channels, env, api, dbLink, redisLink,
    proxy: () => proxyProc,
    restartProxy: startProxyProc,
    async close() {
      for (const p of procs.reverse()) await p.stop('SIGKILL');
      for (const c of cleanups) await c().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Lines in a marker file (executions counted on the host side). */
export function markLines(file: string): string[] {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
}

/** A shell snippet that appends `tag` to the agent's $MARK_FILE: executions counted on the host side. */
export const MARK = (tag: string) => `echo ${tag} >> "$MARK_FILE"`;

/** Poll the task until it is done; resolves to its view. */
export async function runUntilDone(c: Cluster, taskId: string, timeoutMs = 60_000) {
  return waitFor(async () => {
    const t = await c.api('GET', `/v1/tasks/${taskId}`);
    return t.status === 200 && t.body.done && t.body;
  }, { timeoutMs, intervalMs: 200, what: `task ${taskId} done` });
}

/** The task's runs (first 1,000). */
export async function allRuns(c: Cluster, taskId: string) {
  return (await c.api('GET', `/v1/tasks/${taskId}/runs?limit=1000`)).body.runs as any[];
}

/** Wait until /readyz answers `status`; resolves to the response. */
export async function readyzIs(c: Cluster, status: number, timeoutMs = 20_000) {
  return waitFor(async () => {
    const x = await c.api('GET', '/readyz', undefined, null);
    return x.status === status && x;
  }, { what: `readyz ${status}`, timeoutMs });
}
