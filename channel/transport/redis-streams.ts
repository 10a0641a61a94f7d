import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { z } from 'zod';
import { backoffDelay, onceClose, sleep, TimeSlice, type Logger } from '../../core/index.js';
import { channelToProxy, proxyToChannel, type ChannelToProxy, type ProxyToChannel } from '../../protocol/index.js';
import { LANES, type Lane, type Transport, type TransportConsumer, type TransportHandler } from './types.js';

/** Options of {@link createRedisTransport}. */
export interface RedisTransportOptions {
  /** A connected client for writes; blocking reads use duplicates of it. Not closed by the transport. */
  redis: Redis;
  /**
   * Key prefix; default `starling`. Bulk lane: `{prefix}:runs:{channelId}`, `{prefix}:results`;
   * interactive lane: `{prefix}:runs-interactive:{channelId}`, `{prefix}:results-interactive`.
   */
  prefix?: string;
  /** This process's consumer name; default `{hostname}-{pid}-{random}`. A channel uses its channel id. */
  consumerName?: string;
  /**
   * Most stream entries read per XREADGROUP (each holds up to `entryMessages` messages and
   * `entryBytes` characters); default 4. Small reads keep a channel's heap flat during a fan-out.
   */
  batchSize?: number;
  /** Most messages per stream entry (one XADD); default 500. */
  entryMessages?: number;
  /**
   * Most JSON characters per stream entry (a single larger message is one entry of its own);
   * default 120,000, below V8's large-object size (128 KiB, see `append`).
   */
  entryBytes?: number;
  /** XREADGROUP BLOCK time, ms; default 1000 (bounds how long close() waits). */
  blockMs?: number;
  /** Pending entries idle this long (a consumer died) are re-claimed, ms; default 30,000. */
  claimIdleMs?: number;
  /** How often to look for such entries, ms; default 5000. */
  claimIntervalMs?: number;
  /** Approximate cap of each stream's length (XADD MAXLEN ~), a safety net; default 1,000,000. */
  maxLen?: number;
  log?: Logger;
}

const PROXY_GROUP = 'proxy';
/** Longest stretch of decoding between two yields to the event loop, ms. */
const DECODE_SLICE_MS = 3;
const CHANNEL_GROUP = 'channel';
type Entry = [id: string, fields: string[] | null];

/**
 * The Redis Streams transport: per lane, one stream per channel for dispatches and one results
 * stream read by the `proxy` consumer group. Each lane of a consumer has its own reading loop
 * (and connection), so interactive entries are read while a bulk delivery is still being
 * handled. Entries hold a JSON array of messages (batched), are acknowledged (XACK, then XDEL
 * to keep streams short) only after the handler resolves, and entries left pending by a dead
 * consumer are re-claimed with XAUTOCLAIM.
 */
export function createRedisTransport(options: RedisTransportOptions): Transport {
  const redis = options.redis;
  const prefix = options.prefix ?? 'starling';
  const consumerName = options.consumerName ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const entryMessages = options.entryMessages ?? 500;
  const entryBytes = options.entryBytes ?? 120_000;
  const maxLen = options.maxLen ?? 1_000_000;
  const consumers = new Set<TransportConsumer>();
  const runsKey = (channelId: string, lane: Lane) => (lane === 'bulk' ? `${prefix}:runs:${channelId}` : `${prefix}:runs-interactive:${channelId}`);
  const resultsKey = (lane: Lane) => (lane === 'bulk' ? `${prefix}:results` : `${prefix}:results-interactive`);

  // The interactive lane writes (XADD, XACK/XDEL) on a connection of its own: on the shared one
  // its commands queued behind the bulk lane's pipelines (hundreds of KB of dispatches or
  // result acks each), adding tens of milliseconds to a one-host command during a fan-out.
  let urgent: Redis | undefined;
  const writer = (lane: Lane): Redis => {
    if (lane === 'bulk') return redis;
    if (!urgent) {
      urgent = redis.duplicate();
      urgent.on('error', () => {}); // errors surface on the commands; reconnects are ioredis's
    }
    return urgent;
  };

  async function append(key: string, messages: readonly object[], lane: Lane): Promise<void> {
    if (messages.length === 0) return;
    const pipe = writer(lane).pipeline();
    // Entries stay below `entryBytes`: a string above V8's large-object size (~128 KiB) lives
    // until the next full GC, and a fan-out makes thousands of them on both sides.
    let parts: string[] = [];
    let bytes = 0;
    const flush = () => {
      if (parts.length) pipe.xadd(key, 'MAXLEN', '~', maxLen, '*', 'm', `[${parts.join(',')}]`);
      parts = [];
      bytes = 0;
    };
    for (const m of messages) {
      const json = JSON.stringify(m);
      if (parts.length && (parts.length >= entryMessages || bytes + json.length > entryBytes)) flush();
      parts.push(json);
      bytes += json.length + 1;
    }
    flush();
    const res = await pipe.exec();
    const failed = res?.find(([err]) => err);
    if (failed) throw failed[0];
  }

  function consume<M>(key: string, lane: Lane, group: string, schema: z.ZodType<M>, handler: TransportHandler<M>, consumer: string): TransportConsumer {
    const abort = new AbortController();
    const log = options.log;
    const reader = redis.duplicate();
    reader.on('error', () => {}); // reconnects by itself; failures surface as rejected commands below
    const batchSize = options.batchSize ?? 4;
    const blockMs = options.blockMs ?? 1000;
    const claimIdleMs = options.claimIdleMs ?? 30_000;
    const claimIntervalMs = options.claimIntervalMs ?? 5000;

    // Validating thousands of messages is the costly part: yield every `DECODE_SLICE_MS` so
    // that the other lane's deliveries (and everything else on the event loop) get in between.
    const decode = async (entries: Entry[]): Promise<M[]> => {
      const out: M[] = [];
      const slice = new TimeSlice(DECODE_SLICE_MS);
      for (const [id, fields] of entries) {
        const raw = fields && fields[0] === 'm' ? fields[1] : undefined;
        let arr: unknown;
        try {
          arr = raw === undefined ? undefined : JSON.parse(raw);
        } catch {
          arr = undefined;
        }
        // The entry's text is not needed any more: let it die young rather than be promoted to
        // the old generation while the delivery is handled (a fan-out reads megabytes of it).
        if (fields) fields.length = 0;
        if (!Array.isArray(arr)) {
          log?.warn({ key, id }, 'transport entry is not a JSON array of messages; dropped');
          continue;
        }
        for (const m of arr) {
          if (slice.due()) await slice.yield();
          const p = schema.safeParse(m);
          if (p.success) out.push(p.data);
          else log?.warn({ key, id, type: (m as { type?: unknown })?.type }, 'invalid transport message dropped');
        }
      }
      return out;
    };

    const handle = async (entries: Entry[]): Promise<void> => {
      if (entries.length === 0) return;
      const messages = await decode(entries);
      if (messages.length) await handler(messages, lane);
      const ids = entries.map((e) => e[0]);
      await writer(lane).multi().xack(key, group, ...ids).xdel(key, ...ids).exec();
    };

    const loop = async () => {
      try {
        await redis.xgroup('CREATE', key, group, '0', 'MKSTREAM');
      } catch (err) {
        if (!String((err as Error).message).includes('BUSYGROUP')) log?.warn({ err: (err as Error).message, key }, 'xgroup create failed');
      }
      let pendingFirst = true; // after a start or a failure, re-read this consumer's own pending entries
      let failures = 0;
      let lastClaim = 0;
      while (!abort.signal.aborted) {
        try {
          if (Date.now() - lastClaim >= claimIntervalMs) {
            lastClaim = Date.now();
            const claimed = (await reader.xautoclaim(key, group, consumer, claimIdleMs, '0-0', 'COUNT', batchSize)) as [string, Entry[]];
            const entries = (claimed?.[1] ?? []).filter((e): e is Entry => Array.isArray(e) && e[1] !== null);
            if (entries.length) await handle(entries);
          }
          const res = (pendingFirst
            ? await reader.xreadgroup('GROUP', group, consumer, 'COUNT', batchSize, 'STREAMS', key, '0')
            : await reader.xreadgroup('GROUP', group, consumer, 'COUNT', batchSize, 'BLOCK', blockMs, 'STREAMS', key, '>')) as
            | Array<[string, Entry[]]>
            | null;
          const entries = (res?.[0]?.[1] ?? []).filter((e) => e[1] !== null);
          if (pendingFirst && entries.length === 0) {
            // Entries deleted while pending show up with null fields: acknowledge them away.
            const stale = (res?.[0]?.[1] ?? []).map((e) => e[0]);
            if (stale.length) await redis.xack(key, group, ...stale);
            pendingFirst = false;
            continue;
          }
          await handle(entries);
          failures = 0;
        } catch (err) {
          if (abort.signal.aborted) break;
          pendingFirst = true;
          log?.warn({ err: (err as Error).message, key }, 'transport delivery failed; will retry');
          await sleep(backoffDelay(failures++, { baseMs: 100, maxMs: 5000 }), abort.signal).catch(() => {});
        }
      }
    };
    const done = loop();
    const c: TransportConsumer = {
      close: onceClose(async () => {
        abort.abort();
        reader.disconnect(); // interrupts a blocking read
        // A handler that never settles must not hold close() forever; its entries stay pending
        // and another consumer re-claims them.
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([done, new Promise((r) => (timer = setTimeout(r, blockMs + 2000)))]);
        clearTimeout(timer);
        consumers.delete(c);
      }),
    };
    consumers.add(c);
    return c;
  }

  /** One consumer = one reading loop per lane. */
  function consumeLanes<M>(key: (lane: Lane) => string, group: string, schema: z.ZodType<M>, handler: TransportHandler<M>, consumer: string): TransportConsumer {
    const parts = LANES.map((lane) => consume(key(lane), lane, group, schema, handler, consumer));
    return { close: onceClose(async () => void (await Promise.all(parts.map((p) => p.close())))) };
  }

  return {
    kind: 'redis',
    sendToChannel: (channelId, messages, lane = 'bulk') => append(runsKey(channelId, lane), messages, lane),
    sendToProxy: (messages, lane = 'bulk') => append(resultsKey(lane), messages, lane),
    consumeChannel: (channelId, handler) =>
      consumeLanes<ProxyToChannel>((lane) => runsKey(channelId, lane), CHANNEL_GROUP, proxyToChannel, handler, options.consumerName ?? channelId),
    consumeProxy: (handler) => consumeLanes<ChannelToProxy>(resultsKey, PROXY_GROUP, channelToProxy, handler, consumerName),
    close: onceClose(async () => {
      await Promise.all([...consumers].map((c) => c.close()));
      urgent?.disconnect();
    }),
  };
}
