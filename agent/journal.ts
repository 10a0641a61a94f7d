import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { StarlingError } from '../core/index.js';
import { PROTOCOL_VERSION, type RunResultFrame } from '../protocol/index.js';

/** A run as the journal knows it. */
export interface JournalEntry {
  runId: string;
  taskId: string;
  /** `running`: started, no outcome yet; `done`: result kept until the proxy acks it; `acked`: only the id is kept, to refuse re-execution. */
  state: 'running' | 'done' | 'acked';
  startedAt: number;
  /** Until when the run id must be remembered (its deadline plus the replay window). */
  expiresAt: number;
  result?: RunResultFrame;
}

type Rec =
  | { t: 'start'; runId: string; taskId: string; at: number; expiresAt: number }
  | { t: 'done'; runId: string; result: RunResultFrame }
  | { t: 'acked'; runIds: string[] }
  | { t: 'seen'; runId: string; taskId: string; at: number; expiresAt: number };

/** Options of {@link Journal.open}. */
export interface JournalOptions {
  /** Directory of `journal.jsonl`; created if missing. */
  dir: string;
  /** Rewrite the file after this many appended records; default 1000. */
  compactEvery?: number;
  /** Time source; default Date.now. */
  now?: () => number;
}

/**
 * The agent's local run journal: a small append-only JSON-lines file. A run's `start` is
 * written and fsync'd before its process is spawned, its `done` (with the result) before the
 * result is sent, and `acked` once the proxy committed it. So after a restart a finished run
 * is reported again, a started-but-unfinished one is reported as interrupted
 * (AGENT-ENV-INTERRUPTED), and no run id in the journal is ever executed twice.
 * Compaction rewrites the live entries to a new file and renames it over the old one.
 */
export class Journal {
  private fd: number;
  private appended = 0;
  readonly entries = new Map<string, JournalEntry>();
  private readonly path: string;
  private readonly compactEvery: number;
  private readonly now: () => number;
  /** Runs found started but unfinished when the journal was opened (already turned into interrupted results). */
  readonly interrupted: string[] = [];

  private constructor(options: JournalOptions) {
    mkdirSync(options.dir, { recursive: true, mode: 0o700 });
    this.path = join(options.dir, 'journal.jsonl');
    this.compactEvery = options.compactEvery ?? 1000;
    this.now = options.now ?? Date.now;
    this.load();
    this.fd = openSync(this.path, 'a', 0o600);
    for (const e of this.entries.values()) {
      if (e.state === 'running') {
        this.interrupted.push(e.runId);
        this.finish(e.runId, interruptedResult(e, this.now()));
      }
    }
    this.compact();
  }

  /** Open (and recover) the journal in `dir`. */
  static open(options: JournalOptions): Journal {
    return new Journal(options);
  }

  private load(): void {
    if (!existsSync(this.path)) return;
    const lines = readFileSync(this.path, 'utf8').split('\n');
    for (const line of lines) {
      if (!line) continue;
      let r: Rec;
      try {
        r = JSON.parse(line) as Rec;
      } catch {
        continue; // a torn last line from a crash mid-write: its fsync never completed, so nothing depended on it
      }
      this.apply(r);
    }
  }

  private apply(r: Rec): void {
    switch (r.t) {
      case 'start':
        this.entries.set(r.runId, { runId: r.runId, taskId: r.taskId, state: 'running', startedAt: r.at, expiresAt: r.expiresAt });
        break;
      case 'seen':
        this.entries.set(r.runId, { runId: r.runId, taskId: r.taskId, state: 'acked', startedAt: r.at, expiresAt: r.expiresAt });
        break;
      case 'done': {
        const e = this.entries.get(r.runId);
        if (e && e.state !== 'acked') {
          e.state = 'done';
          e.result = r.result;
        }
        break;
      }
      case 'acked':
        for (const id of r.runIds) {
          const e = this.entries.get(id);
          if (e) {
            e.state = 'acked';
            delete e.result;
          }
        }
        break;
    }
  }

  private write(r: Rec, sync: boolean): void {
    writeSync(this.fd, `${JSON.stringify(r)}\n`);
    if (sync) fsyncSync(this.fd);
    this.appended++;
  }

  /** The entry of a run id, if the journal remembers it. */
  get(runId: string): JournalEntry | undefined {
    return this.entries.get(runId);
  }

  /** Record (durably, before spawning) that a run starts. */
  start(runId: string, taskId: string, expiresAt: number): void {
    const at = this.now();
    this.write({ t: 'start', runId, taskId, at, expiresAt }, true);
    this.entries.set(runId, { runId, taskId, state: 'running', startedAt: at, expiresAt });
  }

  /** Record (durably, before sending it) a run's result. */
  finish(runId: string, result: RunResultFrame): void {
    const e = this.entries.get(runId);
    if (!e || e.state !== 'running') return;
    this.write({ t: 'done', runId, result }, true);
    e.state = 'done';
    e.result = result;
  }

  /** The proxy committed these results: forget the results, remember the ids until they expire. */
  acked(runIds: readonly string[]): void {
    const ids = runIds.filter((id) => this.entries.get(id)?.state === 'done');
    if (ids.length === 0) return;
    this.write({ t: 'acked', runIds: ids }, false); // losing it only means one more (de-duplicated) report
    for (const id of ids) {
      const e = this.entries.get(id)!;
      e.state = 'acked';
      delete e.result;
    }
    if (this.appended >= this.compactEvery) this.compact();
  }

  /** Results not yet acknowledged by the proxy. */
  unreported(): RunResultFrame[] {
    const out: RunResultFrame[] = [];
    for (const e of this.entries.values()) if (e.state === 'done' && e.result) out.push(e.result);
    return out;
  }

  /** Rewrite the file with only live entries (expired acked ids dropped). */
  compact(): void {
    const now = this.now();
    const tmp = `${this.path}.tmp`;
    const fd = openSync(tmp, 'w', 0o600);
    try {
      const lines: string[] = [];
      for (const e of [...this.entries.values()]) {
        if (e.state === 'acked') {
          if (e.expiresAt < now) {
            this.entries.delete(e.runId);
            continue;
          }
          lines.push(JSON.stringify({ t: 'seen', runId: e.runId, taskId: e.taskId, at: e.startedAt, expiresAt: e.expiresAt } satisfies Rec));
        } else {
          lines.push(JSON.stringify({ t: 'start', runId: e.runId, taskId: e.taskId, at: e.startedAt, expiresAt: e.expiresAt } satisfies Rec));
          if (e.state === 'done' && e.result) lines.push(JSON.stringify({ t: 'done', runId: e.runId, result: e.result } satisfies Rec));
        }
      }
      if (lines.length) writeSync(fd, `${lines.join('\n')}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.path);
    closeSync(this.fd);
    this.fd = openSync(this.path, 'a', 0o600);
    this.appended = 0;
  }

  /** Close the file; safe to call twice. */
  close(): void {
    if (this.fd >= 0) {
      closeSync(this.fd);
      this.fd = -1;
    }
  }
}

function interruptedResult(e: JournalEntry, now: number): RunResultFrame {
  const err = new StarlingError('AGENT-ENV-INTERRUPTED', { runId: e.runId });
  return {
    type: 'run.result', v: PROTOCOL_VERSION, runId: e.runId, taskId: e.taskId, outcome: 'FAILED', exitCode: null, signal: null,
    durationMs: Math.max(0, now - e.startedAt), startedAt: e.startedAt, finishedAt: now, stdout: '', stderr: '',
    stdoutTruncated: false, stderrTruncated: false, error: { code: err.code, message: err.message },
  };
}
