import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { isIP } from 'node:net';
import { delimiter, join } from 'node:path';
import { checkResult, type CheckResult } from '../types.js';
import { tcpConnect } from './tcp-connect.js';

/** Which reachability probe is used. */
export type PingMethod = 'fping' | 'ping' | 'tcp';

/** Options of {@link createPinger}. */
export interface PingerOptions {
  /** `auto` (default): fping if installed, else ping, else a TCP connect probe. */
  mode?: 'auto' | PingMethod;
  /** Time limit of one probe in ms; default 1000. */
  timeoutMs?: number;
  /** Ports the TCP probe tries (a refusal also proves the host is up); default [22, 80, 443]. */
  tcpPorts?: number[];
  /** fping: how long requests are gathered into one fping process, in ms; default 5. */
  batchWindowMs?: number;
  /** fping: most targets per fping process; default 256. */
  maxBatch?: number;
}

/** A reachability prober; several concurrent fping probes share one process. */
export interface Pinger {
  /** The method in use, named in every result's `source`. */
  readonly method: PingMethod;
  /** Probe one host; never rejects, never runs past its timeout by more than a small margin. */
  ping(host: string, signal?: AbortSignal): Promise<CheckResult>;
}

/** Safe target for a command line: an IP or DNS name, never an option. */
const HOST_ARG = /^[A-Za-z0-9_][A-Za-z0-9_.:%-]{0,252}$/;

/** Find an executable on PATH (also /usr/sbin and /sbin, where ping lives on some systems). */
export function findExecutable(name: string): string | null {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/sbin', '/usr/bin', '/bin'];
  for (const dir of dirs) {
    if (!dir) continue;
    const p = join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      /* keep looking */
    }
  }
  return null;
}

interface Pending {
  host: string;
  started: number;
  resolve(r: CheckResult): void;
}

/**
 * Build a pinger. ICMP goes through the system's `fping` (batched: one process probes many
 * hosts, which keeps a mass diagnosis from forking a process per host) or `ping`; without
 * either, a TCP connect probe decides (an answer of any kind, even a refusal, means up).
 */
export function createPinger(options: PingerOptions = {}): Pinger {
  const timeoutMs = options.timeoutMs ?? 1000;
  const tcpPorts = options.tcpPorts ?? [22, 80, 443];
  const mode = options.mode ?? 'auto';
  const fping = mode === 'auto' || mode === 'fping' ? findExecutable('fping') : null;
  const pingBin = mode === 'auto' || mode === 'ping' ? findExecutable('ping') : null;
  const method: PingMethod = fping ? 'fping' : pingBin ? 'ping' : 'tcp';
  if (mode !== 'auto' && mode !== method) throw new Error(`ping mode ${mode} requested but ${mode} is not installed`);

  const tcpProbe = async (host: string, signal?: AbortSignal): Promise<CheckResult> => {
    const started = Date.now();
    const outcomes = await Promise.all(tcpPorts.map((p) => tcpConnect(host, p, timeoutMs, signal)));
    const alive = outcomes.find((o) => o.result === 'open' || o.result === 'refused');
    return checkResult('ping', started, {
      status: alive ? 'ok' : 'problem',
      summary: alive
        ? `${host} answered on TCP port ${alive.port} (${alive.result}).`
        : `${host} did not answer TCP on ports ${tcpPorts.join(', ')} within ${timeoutMs} ms.`,
      source: 'tcp',
      evidence: { host, method: 'tcp', outcomes },
    });
  };

  const pingProbe = (host: string, signal?: AbortSignal): Promise<CheckResult> => {
    const started = Date.now();
    return new Promise((resolve) => {
      const child = spawn(pingBin!, ['-n', '-c', '1', '-W', String(Math.max(0.1, timeoutMs / 1000)), host], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => { if (out.length < 4096) out += d; });
      child.stderr.setEncoding('utf8').on('data', (d: string) => { if (out.length < 4096) out += d; });
      const kill = setTimeout(() => child.kill('SIGKILL'), timeoutMs + 500);
      const onAbort = () => child.kill('SIGKILL');
      signal?.addEventListener('abort', onAbort, { once: true });
      child.on('error', (err) => out += String(err.message));
      child.on('close', (code) => {
        clearTimeout(kill);
        signal?.removeEventListener('abort', onAbort);
        const rtt = /time=([\d.]+) ms/.exec(out)?.[1];
        const status = code === 0 ? 'ok' : code === 1 ? 'problem' : 'unknown';
        resolve(checkResult('ping', started, {
          status,
          summary: status === 'ok' ? `${host} answered ICMP echo${rtt ? ` in ${rtt} ms` : ''}.`
            : status === 'problem' ? `${host} did not answer ICMP echo within ${timeoutMs} ms.`
            : `ping could not probe ${host}: ${out.trim().split('\n').pop() ?? ''}`,
          source: 'ping',
          evidence: { host, method: 'ping', exitCode: code, rttMs: rtt ? Number(rtt) : null, output: out.slice(0, 300) },
        }));
      });
    });
  };

  // fping batching: requests arriving within batchWindowMs share one process.
  const windowMs = options.batchWindowMs ?? 5;
  const maxBatch = options.maxBatch ?? 256;
  let queue: Pending[] = [];
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    timer = undefined;
    const batch = queue;
    queue = [];
    // One fping process speaks one address family: IPv6 targets go in their own process.
    const v6 = batch.filter((b) => isIP(b.host) === 6);
    const other = batch.filter((b) => isIP(b.host) !== 6);
    if (other.length > 0) runFping(other);
    if (v6.length > 0) runFping(v6);
  };
  const runFping = (batch: Pending[]) => {
    const hosts = [...new Set(batch.map((b) => b.host))];
    // -r 0: no retries; -t: per-target timeout; -i 1: 1 ms between sends; -e: print rtt.
    const child = spawn(fping!, ['-r', '0', '-t', String(timeoutMs), '-i', '1', '-e', ...hosts], { stdio: ['ignore', 'pipe', 'pipe'] });
    const answers = new Map<string, { alive: boolean; rttMs: number | null; line: string }>();
    const errors = new Map<string, string>();
    let buf = '';
    const onLine = (line: string) => {
      const m = /^(\S+) is (alive|unreachable)(?: \(([\d.]+) ms\))?/.exec(line);
      if (m) answers.set(m[1]!, { alive: m[2] === 'alive', rttMs: m[3] ? Number(m[3]) : null, line });
      else {
        const e = /^(\S+?):? (?:address not found|Name or service not known|.*not known)/.exec(line);
        if (e) errors.set(e[1]!, line);
      }
    };
    const feed = (d: string) => {
      buf += d;
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        onLine(buf.slice(0, i));
        buf = buf.slice(i + 1);
      }
      if (buf.length > 65536) buf = '';
    };
    child.stdout.setEncoding('utf8').on('data', feed);
    child.stderr.setEncoding('utf8').on('data', feed);
    const kill = setTimeout(() => child.kill('SIGKILL'), timeoutMs + hosts.length * 2 + 1000);
    const settle = (exitCode: number | null, error?: string) => {
      clearTimeout(kill);
      if (buf) onLine(buf);
      for (const p of batch) {
        const a = answers.get(p.host);
        const err = errors.get(p.host) ?? error;
        const status = a ? (a.alive ? 'ok' : 'problem') : 'unknown';
        p.resolve(checkResult('ping', p.started, {
          status,
          summary: a
            ? a.alive ? `${p.host} answered ICMP echo${a.rttMs !== null ? ` in ${a.rttMs} ms` : ''}.` : `${p.host} did not answer ICMP echo within ${timeoutMs} ms.`
            : `fping could not probe ${p.host}${err ? `: ${err}` : ''}.`,
          source: 'fping',
          evidence: { host: p.host, method: 'fping', rttMs: a?.rttMs ?? null, reply: a?.line ?? err ?? null, exitCode },
        }));
      }
    };
    child.on('error', (e) => settle(null, e.message));
    child.on('close', (code) => settle(code));
  };

  const fpingProbe = (host: string): Promise<CheckResult> =>
    new Promise((resolve) => {
      queue.push({ host, started: Date.now(), resolve });
      if (queue.length >= maxBatch) {
        clearTimeout(timer);
        flush();
      } else timer ??= setTimeout(flush, windowMs);
    });

  return {
    method,
    async ping(host, signal) {
      if (isIP(host) === 0 && !HOST_ARG.test(host)) {
        const started = Date.now();
        return checkResult('ping', started, { status: 'unknown', summary: `${JSON.stringify(host)} is not an address that can be probed.`, source: method, evidence: { host } });
      }
      if (method === 'fping') return fpingProbe(host);
      if (method === 'ping') return pingProbe(host, signal);
      return tcpProbe(host, signal);
    },
  };
}
