import { spawn, type ChildProcess } from 'node:child_process';
import { statSync } from 'node:fs';
import { StarlingError } from '../core/index.js';
import { PROTOCOL_VERSION, type RunDispatchFrame, type RunResultFrame } from '../protocol/index.js';
import { resolveRunUser } from './run-as-user.js';

/** Options of {@link executeRun}. */
export interface ExecuteRunOptions {
  /** Bytes kept per stream (stdout, stderr); the rest is read and dropped, `…Truncated` set; default 65,536. */
  outputCapBytes?: number;
  /** After the timeout, SIGTERM the process group, then SIGKILL after this many ms; default 5000. */
  killGraceMs?: number;
  /** After the process exits, wait this long for its pipes to close (a background child may hold them); default 500. */
  drainMs?: number;
  /** Environment the run's env is laid over; default the agent's environment without STARLING_/AGENT_ variables. */
  baseEnv?: NodeJS.ProcessEnv;
  /** Shell for `command`; default `/bin/sh`. */
  shell?: string;
  /** Called on every sign of life (spawned, output, exit): the executor's progress signal. */
  onProgress?: () => void;
}

/** A run in progress. */
export interface RunningProcess {
  /** Resolves with the result fields (never rejects). */
  done: Promise<RunResultFrame>;
  /** Process id once spawned. */
  pid(): number | undefined;
  /** Kill the whole process group now. */
  kill(): void;
}

/** The agent's environment minus its own secrets and settings. */
export function defaultBaseEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('STARLING_') && !k.startsWith('AGENT_')) env[k] = v;
  return env;
}

/** Collects one stream up to a cap; bytes past the cap are counted, not kept. */
class CappedBuffer {
  private chunks: Buffer[] = [];
  private kept = 0;
  truncated = false;
  constructor(private readonly cap: number) {}
  push(b: Buffer): void {
    if (this.kept >= this.cap) {
      this.truncated = true;
      return;
    }
    const room = this.cap - this.kept;
    if (b.length > room) {
      this.truncated = true;
      b = b.subarray(0, room);
    }
    this.chunks.push(b);
    this.kept += b.length;
  }
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

function failed(d: RunDispatchFrame, err: StarlingError, startedAt: number | null): RunResultFrame {
  const now = Date.now();
  return {
    type: 'run.result', v: PROTOCOL_VERSION, runId: d.runId, taskId: d.taskId, outcome: 'FAILED', exitCode: null, signal: null,
    durationMs: startedAt ? now - startedAt : 0, startedAt, finishedAt: now, stdout: '', stderr: '',
    stdoutTruncated: false, stderrTruncated: false, error: { code: err.code, message: err.message },
  };
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal); // the run's whole process group (it was spawned detached)
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

/**
 * Execute one verified run: `/bin/sh -c command` or `argv` directly, in `cwd`, with `env`
 * laid over the base environment, as `user` (when the agent is root), in its own process
 * group so a timeout kills the whole tree. Output is capped per stream. Never throws: every
 * failure becomes a result with its catalogued code.
 */
export function executeRun(d: RunDispatchFrame, options: ExecuteRunOptions = {}): RunningProcess {
  const cap = options.outputCapBytes ?? 65_536;
  const killGraceMs = options.killGraceMs ?? 5000;
  const drainMs = options.drainMs ?? 500;
  const progress = options.onProgress ?? (() => {});
  let child: ChildProcess | undefined;
  const done = new Promise<RunResultFrame>((resolve) => {
    let user;
    try {
      user = resolveRunUser(d.user);
      if (d.cwd !== null) {
        let isDir = false;
        try {
          isDir = statSync(d.cwd).isDirectory();
        } catch {
          isDir = false;
        }
        if (!isDir) throw new StarlingError('AGENT-ENV-SPAWN_FAILED', { reason: `working directory ${d.cwd} does not exist` });
      }
    } catch (err) {
      resolve(failed(d, err as StarlingError, null));
      return;
    }
    const env: NodeJS.ProcessEnv = { ...(options.baseEnv ?? defaultBaseEnv()), ...(d.env ?? {}) };
    if (user) Object.assign(env, { HOME: user.home, USER: user.name, LOGNAME: user.name });
    const [file, args] = d.command !== null ? [options.shell ?? '/bin/sh', ['-c', d.command]] : [d.argv![0]!, d.argv!.slice(1)];
    const startedAt = Date.now();
    const t0 = performance.now();
    const out = new CappedBuffer(cap);
    const errBuf = new CappedBuffer(cap);
    let timedOut = false;
    let settled = false;
    let killTimer: NodeJS.Timeout | undefined;
    let drainTimer: NodeJS.Timeout | undefined;
    try {
      child = spawn(file, args, {
        cwd: d.cwd ?? undefined, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'],
        ...(user && { uid: user.uid, gid: user.gid }),
      });
    } catch (err) {
      resolve(failed(d, new StarlingError('AGENT-ENV-SPAWN_FAILED', { reason: (err as Error).message }), startedAt));
      return;
    }
    const c = child;
    progress();
    c.stdout!.on('data', (b: Buffer) => {
      out.push(b);
      progress();
    });
    c.stderr!.on('data', (b: Buffer) => {
      errBuf.push(b);
      progress();
    });
    const timeout = setTimeout(() => {
      timedOut = true;
      killGroup(c, 'SIGTERM');
      killTimer = setTimeout(() => killGroup(c, 'SIGKILL'), killGraceMs);
    }, d.timeoutMs);
    const finish = (code: number | null, signal: NodeJS.Signals | null, spawnError?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timeout);
      clearTimeout(killTimer);
      clearTimeout(drainTimer);
      c.stdout?.destroy();
      c.stderr?.destroy();
      const finishedAt = Date.now();
      const base = {
        type: 'run.result' as const, v: PROTOCOL_VERSION, runId: d.runId, taskId: d.taskId, exitCode: code, signal,
        durationMs: Math.round(performance.now() - t0), startedAt, finishedAt, stdout: out.text(), stderr: errBuf.text(),
        stdoutTruncated: out.truncated, stderrTruncated: errBuf.truncated,
      };
      let error: StarlingError | null = null;
      let outcome: RunResultFrame['outcome'] = 'SUCCEEDED';
      if (spawnError) {
        outcome = 'FAILED';
        error = new StarlingError('AGENT-ENV-SPAWN_FAILED', { reason: spawnError.message });
      } else if (timedOut) {
        outcome = 'TIMED_OUT';
        error = new StarlingError('AGENT-ENV-TIMEOUT', { timeoutMs: d.timeoutMs });
      } else if (code !== 0 && code !== null) {
        outcome = 'FAILED';
        error = new StarlingError('AGENT-USR-COMMAND_FAILED', { exitCode: code });
      } else if (code === null) {
        outcome = 'FAILED';
        error = new StarlingError('AGENT-USR-COMMAND_KILLED', { signal: signal ?? 'unknown' });
      }
      resolve({ ...base, outcome, error: error && { code: error.code, message: error.message } });
    };
    c.on('error', (err) => finish(null, null, err));
    c.on('exit', (code, signal) => {
      progress();
      // Output may still be buffered in the pipes; a background grandchild may hold them open
      // for ever, so wait for 'close' only a little.
      drainTimer = setTimeout(() => finish(code, signal), drainMs);
      c.once('close', () => finish(code, signal));
    });
  });
  return {
    done,
    pid: () => child?.pid,
    kill: () => {
      if (child) killGroup(child, 'SIGKILL');
    },
  };
}
