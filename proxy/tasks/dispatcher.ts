import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { onceClose, type Logger } from '../../core/index.js';
import type { Lane, Transport } from '../../channel/index.js';
import { encodeFrame, newNonce, PROTOCOL_VERSION, signDispatch, signDispatchBatch, type ProxyToChannel, type SigningKeyPair } from '../../protocol/index.js';

/** What the agent needs to run one task (shared by all its runs). */
export interface TaskSpec {
  taskId: string;
  command: string | null;
  argv: string[] | null;
  timeoutMs: number;
  cwd: string | null;
  env: Record<string, string> | null;
  user: string | null;
  /** Epoch ms after which the run must not start. */
  deadline: number;
}

/** One run to hand to a channel. */
export interface DispatchJob {
  runId: string;
  agentId: string;
  channelId: string;
  task: TaskSpec;
}

/** Bulk runs in publication chunks, each signed and encoded (or being so) ahead of its turn. */
export interface PreparedBulk {
  chunks: Array<{ runIds: string[]; readonly encoded: Promise<Map<string, ProxyToChannel[]>> }>;
}

/** Options of {@link Dispatcher}. */
export interface DispatcherOptions {
  transport: Transport;
  key: SigningKeyPair;
  log: Logger;
  /**
   * Runs signed and published per step of the bulk lane before yielding to other work; default
   * 250 (one signature each; a step blocks the event loop for a few ms, not tens).
   */
  bulkChunk?: number;
  /**
   * Bulk runs published but not yet answered (ack or result seen by this proxy) above which the
   * bulk lane waits, so a channel never holds a long bulk backlog in front of an interactive
   * run (and Redis never a whole 100,000-host task at once); default 5,000. The wait is bounded by `bulkPauseMs`.
   */
  bulkWindow?: number;
  /** Longest a bulk step waits for answers before publishing anyway (answers may reach another proxy), ms; default 250. */
  bulkPauseMs?: number;
}

/**
 * Signs runs (Ed25519, via the protocol helper) and publishes them to their channels, in two
 * lanes. The interactive lane publishes at once; the bulk lane works through its queue in
 * chunks and yields to the event loop between chunks, so a one-host command submitted while
 * a 100,000-host task is being published goes out within one chunk's time. A failed publish
 * is logged and left to the sweeper: the runs are already DISPATCHED in the database and are
 * sent again once their ack is overdue.
 */
export class Dispatcher {
  private readonly bulk: PreparedBulk['chunks'] = [];
  private bulkRunning: Promise<void> | undefined;
  private closed = false;
  private readonly bulkChunk: number;
  private readonly bulkWindow: number;
  private readonly bulkPauseMs: number;
  private readonly outstanding = new Set<string>();
  private wake: (() => void) | undefined;

  constructor(private readonly options: DispatcherOptions) {
    this.bulkChunk = options.bulkChunk ?? 250;
    this.bulkWindow = options.bulkWindow ?? 5000;
    this.bulkPauseMs = options.bulkPauseMs ?? 250;
  }

  /** The results consumer saw answers (acks, results, undeliverable) for these runs: frees bulk window room. */
  answered(runIds: Iterable<string>): void {
    if (this.outstanding.size === 0) return;
    for (const id of runIds) this.outstanding.delete(id);
    if (this.outstanding.size < this.bulkWindow) this.wake?.();
  }

  private async waitForRoom(): Promise<void> {
    const until = Date.now() + this.bulkPauseMs;
    while (this.outstanding.size >= this.bulkWindow && Date.now() < until && !this.closed) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(1, until - Date.now()));
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
    // Whatever was not answered in time is the sweeper's business now.
    if (this.outstanding.size >= this.bulkWindow) this.outstanding.clear();
  }

  /** Sign and publish now, in `lane` (the interactive lane by default; the sweeper's re-sends name their task's lane). */
  async sendNow(jobs: DispatchJob[], lane: Lane = 'interactive'): Promise<void> {
    if (jobs.length === 0) return;
    await this.publish(this.encode(jobs), lane);
  }

  /**
   * Sign and encode runs for the bulk lane ahead of their publication, a chunk per turn of the
   * event loop, starting now. The proxy calls this while the task's insert is in flight: the
   * signing then uses the time the proxy would otherwise spend waiting for the database, not
   * the fan-out's. Nothing is published until {@link enqueueBulk}; a task whose insert failed
   * is simply dropped.
   */
  prepareBulk(jobs: DispatchJob[]): PreparedBulk {
    const chunks: PreparedBulk['chunks'] = [];
    for (let i = 0; i < jobs.length; i += this.bulkChunk) {
      const chunk = jobs.slice(i, i + this.bulkChunk);
      let encoded: Promise<Map<string, ProxyToChannel[]>> | undefined;
      const encode = () => this.encode(chunk);
      // Encoded once, by whichever comes first: the loop below or the bulk lane reaching it.
      chunks.push({ runIds: chunk.map((j) => j.runId), get encoded() { return (encoded ??= Promise.resolve().then(encode)); } });
    }
    void (async () => {
      for (const c of chunks) {
        await yieldToLoop();
        await c.encoded.catch(() => {}); // a failure shows when the bulk lane publishes the chunk
      }
    })();
    return { chunks };
  }

  /** Sign runs (one Ed25519 signature per task over a Merkle root of its runs) and group the encoded frames by channel. */
  private encode(jobs: DispatchJob[]): Map<string, ProxyToChannel[]> {
    const byChannel = new Map<string, ProxyToChannel[]>();
    const now = Date.now();
    // Runs of one task share every signed field but runId/agentId: one Ed25519 signature over a
    // Merkle root covers them all (each frame carries its proof); a lone run is signed alone.
    const byTask = new Map<TaskSpec, DispatchJob[]>();
    for (const j of jobs) {
      let list = byTask.get(j.task);
      if (!list) byTask.set(j.task, (list = []));
      list.push(j);
    }
    for (const [t, list] of byTask) {
      const common = {
        taskId: t.taskId, command: t.command, argv: t.argv, timeoutMs: t.timeoutMs, cwd: t.cwd, env: t.env, user: t.user,
        deadline: t.deadline, issuedAt: now, nonce: newNonce(),
      };
      const frames = list.length === 1
        ? [signDispatch({ ...common, runId: list[0]!.runId, agentId: list[0]!.agentId }, this.options.key)]
        : signDispatchBatch(common, list, this.options.key);
      frames.forEach((frame, i) => {
        const channelId = list[i]!.channelId;
        let out = byChannel.get(channelId);
        if (!out) byChannel.set(channelId, (out = []));
        // Encoded once here; the channel forwards the text as is.
        out.push({ type: 'run.dispatch.encoded', v: PROTOCOL_VERSION, agentId: frame.agentId, runId: frame.runId, deadline: frame.deadline, frame: encodeFrame(frame) });
      });
    }
    return byChannel;
  }

  private async publish(byChannel: Map<string, ProxyToChannel[]>, lane: Lane): Promise<void> {
    await Promise.all([...byChannel].map(([channelId, messages]) => this.options.transport.sendToChannel(channelId, messages, lane)));
  }

  /** Queue runs prepared by {@link prepareBulk} for the bulk lane; returns at once. */
  enqueueBulk(prepared: PreparedBulk): void {
    if (prepared.chunks.length === 0 || this.closed) return;
    this.bulk.push(...prepared.chunks);
    this.bulkRunning ??= this.drainBulk().finally(() => {
      this.bulkRunning = undefined;
    });
  }

  /** Runs waiting in the bulk lane. */
  get bulkQueued(): number {
    return this.bulk.reduce((n, b) => n + b.runIds.length, 0);
  }

  private async drainBulk(): Promise<void> {
    while (this.bulk.length && !this.closed) {
      await this.waitForRoom();
      const chunk = this.bulk.shift()!;
      for (const id of chunk.runIds) this.outstanding.add(id);
      try {
        await this.publish(await chunk.encoded, 'bulk');
      } catch (err) {
        this.options.log.warn({ err: (err as Error).message, runs: chunk.runIds.length }, 'bulk publish failed; the sweeper re-sends');
      }
      await yieldToLoop();
    }
  }

  /** Stop the bulk lane (what is left is re-sent by a sweeper later); safe to call twice. */
  readonly close = onceClose(async () => {
    this.closed = true;
    await this.bulkRunning;
  });
}
