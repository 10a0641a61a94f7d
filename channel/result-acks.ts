import { TimeSlice } from '../core/index.js';

/** Options of {@link ResultAckQueue}. */
export interface ResultAckQueueOptions {
  /**
   * Send one agent's acknowledged run ids (one `result.ack` frame of at most 10,000 ids) to
   * its connection at that time; an agent not connected then re-sends its results when it is back.
   */
  deliver(agentId: string, runIds: string[]): void;
  /** True while bulk dispatches are being forwarded: queued acks wait (up to `maxDelayMs`). */
  busy(): boolean;
  /** Hold acks this long after the first one was queued, ms; default 500. */
  delayMs?: number;
  /** Never hold an ack longer than this, busy or not, ms; default 5000. */
  maxDelayMs?: number;
  /** With this many run ids queued, send at once; default 100,000. */
  maxQueued?: number;
  /** A flush sends for at most this long before it yields to other work, ms; default 3. */
  sliceMs?: number;
}

/** Most run ids in one `result.ack` frame (the protocol's limit). */
const MAX_IDS_PER_FRAME = 10_000;

/**
 * Result acknowledgements of the bulk lane, held back and coalesced per agent. They tell an
 * agent it may forget a result it journaled; nothing waits on them (an unacknowledged result
 * is only re-sent after 30 s). During a fan-out, sending each one at once would put a second
 * socket write per host between the dispatches that matter; held for a moment they go out
 * when the dispatches are done, several runs per frame. Interactive acks do not come here.
 */
export class ResultAckQueue {
  private queued = new Map<string, string[]>();
  private count = 0;
  private firstAt = 0;
  private timer: NodeJS.Timeout | undefined;
  /** The flush under way (a sliced one spans turns of the event loop). */
  private running: Promise<void> | undefined;
  private closed = false;
  private readonly delayMs: number;
  private readonly maxDelayMs: number;
  private readonly maxQueued: number;
  private readonly sliceMs: number;

  constructor(private readonly options: ResultAckQueueOptions) {
    this.delayMs = options.delayMs ?? 500;
    this.maxDelayMs = options.maxDelayMs ?? 5000;
    this.maxQueued = options.maxQueued ?? 100_000;
    this.sliceMs = options.sliceMs ?? 3;
  }

  /** Queue acknowledged run ids for an agent. */
  push(agentId: string, runIds: readonly string[]): void {
    let list = this.queued.get(agentId);
    if (!list) this.queued.set(agentId, (list = []));
    for (const id of runIds) list.push(id);
    this.count += runIds.length;
    if (this.firstAt === 0) this.firstAt = Date.now();
    if (this.count >= this.maxQueued) this.flushSoon(0);
    else this.flushSoon(this.delayMs);
  }

  /** Run ids waiting. */
  get pending(): number {
    return this.count;
  }

  private flushSoon(delay: number): void {
    if (this.running || this.closed) return;
    if (this.timer && delay > 0) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const held = Date.now() - this.firstAt;
      if (this.options.busy() && held < this.maxDelayMs && this.count < this.maxQueued) {
        this.flushSoon(Math.min(this.delayMs, this.maxDelayMs - held));
        return;
      }
      void this.flush(true);
    }, delay);
    this.timer.unref?.();
  }

  /**
   * Send everything queued: in slices of `sliceMs` with a turn of the event loop between them
   * (one socket write per agent: 10,000 agents at once would hold the loop for 50–100 ms on a
   * busy machine), or all at once (`sliced` false, at shutdown). A flush already under way is
   * waited for first, so that at shutdown nothing it holds goes out after the agents left.
   */
  async flush(sliced = false): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.running) {
      await this.running;
      if (sliced) return; // the one that ran schedules what came meanwhile
    }
    if (this.queued.size === 0) return;
    const batch = this.queued;
    this.queued = new Map();
    this.count = 0;
    this.firstAt = 0;
    this.running = (async () => {
      const slice = sliced ? new TimeSlice(this.sliceMs) : null;
      for (const [agentId, runIds] of batch) {
        if (slice?.due()) await slice.yield();
        for (let i = 0; i < runIds.length; i += MAX_IDS_PER_FRAME) this.options.deliver(agentId, runIds.slice(i, i + MAX_IDS_PER_FRAME));
      }
    })().finally(() => {
      this.running = undefined;
      if (this.queued.size) this.flushSoon(this.count >= this.maxQueued ? 0 : this.delayMs);
    });
    await this.running;
    if (!sliced && this.queued.size) await this.flush(false);
  }

  /** Stop the timer and schedule nothing more (queued acks are not sent: call `flush` first). */
  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
