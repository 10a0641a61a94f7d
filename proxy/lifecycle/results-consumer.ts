import { PROTOCOL_VERSION, type ChannelToProxy, type HostMetrics } from '../../protocol/index.js';
import type { Lane, Transport, TransportConsumer } from '../../channel/index.js';
import type { Context } from '../../runtime/index.js';
import { applyChannelMessages, type AppliedBatch } from './apply-channel-messages.js';
import type { TaskNotifier } from './task-notifier.js';

/** Options of {@link startResultsConsumer}. */
export interface ResultsConsumerOptions {
  transport: Transport;
  notifier: TaskNotifier;
  /** Called with the run ids answered in each delivery, before it is applied (the bulk lane's pacing). */
  onAnswered?: (runIds: string[]) => void;
  /** True for runs of the interactive lane: their messages are applied first, apart from bulk work. Default none. */
  isInteractive?: (runId: string) => boolean;
  /** Most messages applied per transaction; default 5,000. */
  chunk?: number;
  /** Deliveries taken at once (bulk parts still apply one at a time, waiting ones together); default 4. */
  concurrency?: number;
  /** A host's metrics are sampled into host_metrics at most this often, ms; default 60,000. */
  metricsSampleMs?: number;
}

const runIdOf = (m: ChannelToProxy): string | null =>
  m.type === 'run.ack' || m.type === 'run.undeliverable' ? m.runId : m.type === 'run.result' ? m.result.runId : null;

/**
 * The proxy's consumer of the results stream. Each delivery is applied in transactions of at
 * most `chunk` messages (a fixed handful of set-based statements each); only then may the
 * transport acknowledge it. Results are answered with `result.ack` to their channels after the
 * commit, and requests waiting on the touched tasks are woken.
 *
 * Two lanes: messages of interactive runs are applied at once in their own small transaction,
 * even while another delivery's bulk part is being written; bulk parts are applied one at a
 * time, in delivery order, and those that arrived while one was being written are written
 * together (up to `chunk` messages): under load, fewer and larger transactions. A failed
 * transaction rejects its deliveries, which come again; applying is idempotent (conditional
 * transitions), so nothing is lost or applied twice.
 */
export function startResultsConsumer(ctx: Context, options: ResultsConsumerOptions): TransportConsumer & { applied(): number } {
  const chunk = options.chunk ?? 5000;
  const sampleMs = options.metricsSampleMs ?? 60_000;
  const lastSample = new Map<string, { at: number; key: string }>();
  let applied = 0;
  const waiting: Array<{ messages: ChannelToProxy[]; resolve(): void; reject(err: unknown): void }> = [];
  let writing = false;
  const sampleMetrics = (agentId: string, at: number, metrics: HostMetrics) => {
    // Only what changed: a sample when the metrics moved, or once per period to show liveness.
    const key = JSON.stringify([metrics.load.map((l) => Math.round(l * 10)), metrics.mounts.map((m) => Math.round((m.usedBytes / (m.totalBytes || 1)) * 100))]);
    const prev = lastSample.get(agentId);
    if (prev && prev.key === key && at - prev.at < sampleMs) return false;
    lastSample.set(agentId, { at, key });
    return true;
  };

  const apply = async (part: ChannelToProxy[], lane: Lane) => {
    const t0 = performance.now();
    const res = await applyChannelMessages(ctx.db, part, { sampleMetrics });
    applied += part.length;
    if (part.length >= 1000) {
      ctx.log.info({ messages: part.length, finished: res.finished, ms: Math.round(performance.now() - t0) }, 'applied a large batch of channel messages');
    }
    options.notifier.notify(res.touchedTasks);
    await answerResults(res, lane);
  };

  const answerResults = async (res: AppliedBatch, lane: Lane) => {
    if (!res.resultAcks.length) return;
    const byChannel = new Map<string, Array<{ type: 'result.ack'; v: number; agentId: string; runIds: string[] }>>();
    for (const a of res.resultAcks) {
      let list = byChannel.get(a.channelId);
      if (!list) byChannel.set(a.channelId, (list = []));
      for (let j = 0; j < a.runIds.length; j += 10_000) list.push({ type: 'result.ack', v: PROTOCOL_VERSION, agentId: a.agentId, runIds: a.runIds.slice(j, j + 10_000) });
    }
    // The results are committed; if this send fails the agent reports them again and the
    // duplicate is acknowledged then.
    await Promise.all(
      [...byChannel].map(([channelId, msgs]) =>
        options.transport.sendToChannel(channelId, msgs, lane).catch((err: Error) => ctx.log.warn({ err: err.message, channelId }, 'result.ack send failed')),
      ),
    );
  };

  const handle = async (messages: ChannelToProxy[], lane: Lane = 'bulk') => {
    const isInteractive = options.isInteractive;
    const urgent: ChannelToProxy[] = [];
    const bulk: ChannelToProxy[] = [];
    const answered: string[] = [];
    for (const m of messages) {
      const id = runIdOf(m);
      if (id !== null) answered.push(id);
      // The interactive lane is urgent as a whole; in the bulk lane, runs this proxy knows as
      // interactive still go first (a channel that could not tell them apart).
      (lane === 'interactive' || (id !== null && isInteractive?.(id)) ? urgent : bulk).push(m);
    }
    if (answered.length) options.onAnswered?.(answered);
    if (urgent.length) await apply(urgent, 'interactive');
    if (!bulk.length) return;
    await new Promise<void>((resolve, reject) => {
      waiting.push({ messages: bulk, resolve, reject });
      if (!writing) void writeBulk();
    });
  };

  // One writer for the bulk lane: it takes every waiting delivery (in order, up to `chunk`
  // messages; a larger one alone, in chunks) into one transaction, then answers them all.
  const writeBulk = async () => {
    writing = true;
    try {
      while (waiting.length) {
        const group = [waiting.shift()!];
        let n = group[0]!.messages.length;
        while (waiting.length && n + waiting[0]!.messages.length <= chunk) {
          n += waiting[0]!.messages.length;
          group.push(waiting.shift()!);
        }
        try {
          const all = group.length === 1 ? group[0]!.messages : group.flatMap((g) => g.messages);
          for (let i = 0; i < all.length; i += chunk) await apply(all.slice(i, i + chunk), 'bulk');
          for (const g of group) g.resolve();
        } catch (err) {
          for (const g of group) g.reject(err);
        }
      }
    } finally {
      writing = false;
    }
  };
  const consumers = Array.from({ length: options.concurrency ?? 4 }, () => options.transport.consumeProxy(handle));
  return {
    close: async () => {
      await Promise.all(consumers.map((c) => c.close()));
    },
    applied: () => applied,
  };
}
