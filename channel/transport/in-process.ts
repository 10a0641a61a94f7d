import { backoffDelay, onceClose, type Logger } from '../../core/index.js';
import type { ChannelToProxy, ProxyToChannel } from '../../protocol/index.js';
import { LANES, type Lane, type Transport, type TransportConsumer, type TransportHandler } from './types.js';

/** Options of {@link createInProcessTransport}. */
export interface InProcessTransportOptions {
  /** Largest number of messages handed to one handler call; default 1000. */
  batchSize?: number;
  /** First retry delay after a handler rejects, in ms (exponential, jittered, max 5 s); default 50. */
  retryBaseMs?: number;
  log?: Logger;
}

interface Member<M> {
  handler: TransportHandler<M>;
  busy: boolean;
  closed: boolean;
  failures: number;
  timer: NodeJS.Timeout | undefined;
  /** The batch being handled, given back if the consumer closes before its handler settles. */
  inflight: M[] | undefined;
}

/** One stream (one lane) with its consumers; messages wait in `queue` until a consumer takes them. */
class Stream<M> {
  readonly queue: M[] = [];
  readonly members: Member<M>[] = [];
  private next = 0;

  constructor(
    private readonly lane: Lane, private readonly batchSize: number, private readonly retryBaseMs: number, private readonly log?: Logger,
  ) {}

  push(messages: readonly M[]): void {
    for (const m of messages) this.queue.push(m);
    this.pump();
  }

  /** Give the head of the queue to an idle consumer (round robin); repeat while work remains. */
  pump(): void {
    while (this.queue.length > 0) {
      const idle = this.members.filter((m) => !m.busy && !m.closed && m.timer === undefined);
      if (idle.length === 0) return;
      const member = idle[this.next++ % idle.length]!;
      const batch = this.queue.splice(0, this.batchSize);
      member.busy = true;
      member.inflight = batch;
      // A handler runs asynchronously so a send never re-enters the sender's stack.
      queueMicrotask(() => void this.deliver(member, batch));
    }
  }

  private async deliver(member: Member<M>, batch: M[]): Promise<void> {
    let ok = false;
    try {
      await member.handler(batch, this.lane);
      ok = true;
    } catch (err) {
      this.log?.warn({ err: (err as Error).message, messages: batch.length }, 'transport handler failed; messages will be redelivered');
    }
    member.busy = false;
    member.inflight = undefined;
    if (member.closed) return; // closed mid-delivery: the batch was already given back
    if (ok) {
      member.failures = 0;
    } else {
      // Not acknowledged: back to the front, in order, for a later attempt.
      this.queue.unshift(...batch);
      if (!member.closed) {
        const delay = backoffDelay(member.failures++, { baseMs: this.retryBaseMs, maxMs: 5000 });
        member.timer = setTimeout(() => {
          member.timer = undefined;
          this.pump();
        }, delay);
      }
    }
    this.pump();
  }

  add(handler: TransportHandler<M>): TransportConsumer {
    const member: Member<M> = { handler, busy: false, closed: false, failures: 0, timer: undefined, inflight: undefined };
    this.members.push(member);
    this.pump();
    return {
      close: onceClose(async () => {
        member.closed = true;
        clearTimeout(member.timer);
        member.timer = undefined;
        const i = this.members.indexOf(member);
        if (i >= 0) this.members.splice(i, 1);
        // Like a consumer process that dies: what it held unacknowledged goes to the others.
        if (member.inflight) {
          this.queue.unshift(...member.inflight);
          member.inflight = undefined;
          this.pump();
        }
      }),
    };
  }
}

/**
 * The in-process transport for the single-process `starling server`: queues in memory, the
 * same delivery semantics as Redis Streams within one process (messages do not survive the
 * process, which is fine: then proxy and channel died together, and the proxy's sweeper
 * re-sends what was not acknowledged).
 */
export function createInProcessTransport(options: InProcessTransportOptions = {}): Transport {
  const batchSize = options.batchSize ?? 1000;
  const retryBaseMs = options.retryBaseMs ?? 50;
  type Lanes<M> = Record<Lane, Stream<M>>;
  const lanes = <M>(): Lanes<M> => ({
    interactive: new Stream<M>('interactive', batchSize, retryBaseMs, options.log),
    bulk: new Stream<M>('bulk', batchSize, retryBaseMs, options.log),
  });
  const channels = new Map<string, Lanes<ProxyToChannel>>();
  const results = lanes<ChannelToProxy>();
  const consumers = new Set<TransportConsumer>();
  let closed = false;
  const channelStreams = (id: string) => {
    let s = channels.get(id);
    if (!s) channels.set(id, (s = lanes<ProxyToChannel>()));
    return s;
  };
  // One consumer = one member on each lane's stream: the lanes are delivered independently.
  const track = <M>(streams: Lanes<M>, handler: TransportHandler<M>): TransportConsumer => {
    const parts = LANES.map((lane) => streams[lane].add(handler));
    const c: TransportConsumer = { close: onceClose(async () => { consumers.delete(c); await Promise.all(parts.map((p) => p.close())); }) };
    consumers.add(c);
    return c;
  };
  return {
    kind: 'in-process',
    async sendToChannel(channelId, messages, lane = 'bulk') {
      if (messages.length) channelStreams(channelId)[lane].push(messages);
    },
    async sendToProxy(messages, lane = 'bulk') {
      if (messages.length) results[lane].push(messages);
    },
    consumeChannel(channelId, handler) {
      if (closed) throw new Error('transport closed');
      return track(channelStreams(channelId), handler);
    },
    consumeProxy(handler) {
      if (closed) throw new Error('transport closed');
      return track(results, handler);
    },
    close: onceClose(async () => {
      closed = true;
      await Promise.all([...consumers].map((c) => c.close()));
      consumers.clear();
    }),
  };
}
