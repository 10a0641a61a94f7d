import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** Path of the `starling` executable in this checkout. */
export const STARLING_BIN = fileURLToPath(new URL('../../bin/starling.mjs', import.meta.url));

/** A running `starling` process started by a test. */
export interface StarlingProcess {
  child: ChildProcess;
  /** Every JSON log record seen so far. */
  records: Array<Record<string, unknown>>;
  /** Raw stderr text. */
  stderr(): string;
  /** Resolve with the first log record matching `pred` (or reject on exit/timeout). */
  waitForRecord(pred: (r: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Resolve with the exit code (or signal name) once the process ends. */
  exited: Promise<number | string>;
  /** Send a signal and wait for exit; SIGKILL after `graceMs`. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<number | string>;
}

/** Start `starling <args>` with the given environment (merged over a clean base). */
export function startStarling(args: string[], env: Record<string, string | undefined>): StarlingProcess {
  const child = spawn(process.execPath, [STARLING_BIN, ...args], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return wrapChild(child);
}

/** Follow a child process's JSON log lines (stdout) and stderr, as {@link startStarling} does. */
export function wrapChild(child: ChildProcess): StarlingProcess {
  const records: Array<Record<string, unknown>> = [];
  const waiters: Array<{ pred: (r: Record<string, unknown>) => boolean; resolve: (r: Record<string, unknown>) => void }> = [];
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  createInterface({ input: child.stdout! }).on('line', (line) => {
    let r: Record<string, unknown>;
    try {
      r = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    records.push(r);
    for (const w of [...waiters]) {
      if (w.pred(r)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(r);
      }
    }
  });
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  return {
    child,
    records,
    stderr: () => err,
    exited,
    waitForRecord(pred, timeoutMs = 20_000) {
      const seen = records.find(pred);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching log record within ${timeoutMs} ms; stderr: ${err.slice(-500)}`)), timeoutMs);
        waiters.push({ pred, resolve: (r) => (clearTimeout(timer), resolve(r)) });
        void exited.then((code) => {
          clearTimeout(timer);
          reject(new Error(`process exited (${code}) before the record; stderr: ${err.slice(-1000)}`));
        });
      });
    },
    async stop(signal = 'SIGTERM', graceMs = 15_000) {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}
