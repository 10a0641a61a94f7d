import type { ChannelToProxy, ProxyToChannel } from '../../protocol/index.js';

/**
 * Handles one delivery of messages. It resolves only once the messages are durably handled
 * (for the proxy: the database transaction committed); only then are they acknowledged.
 * A rejection leaves them unacknowledged: they are delivered again later, never dropped.
 */
export type TransportHandler<M> = (messages: M[]) => Promise<void>;

/** A running consumer loop. `close()` stops it (safe to call twice); unacknowledged messages stay pending. */
export interface TransportConsumer {
  close(): Promise<void>;
}

/**
 * The proxy ↔ channel transport: ONE interface, two implementations (in-process for the
 * single-process `starling server`, Redis Streams when REDIS_URL is set), one behaviour
 * suite (`test/channel-transport.test.ts`) run against both.
 *
 * Semantics (both implementations):
 * - at-least-once: a message is delivered until a handler call that contained it resolves;
 *   handlers must be idempotent (the proxy de-duplicates by run id and state);
 * - each channel has its own dispatch stream (`sendToChannel` → `consumeChannel`); all
 *   channels share one results stream (`sendToProxy` → `consumeProxy`), consumed by the
 *   proxy group: several proxies split the work, each message goes to one of them;
 * - order is kept within one stream while handlers succeed; a failed delivery may be retried
 *   after later messages were delivered;
 * - messages sent before a consumer starts are kept and delivered when it starts;
 * - a consumer that dies mid-delivery (process killed) loses nothing: its pending messages
 *   are re-claimed by another consumer after the claim idle time.
 * Callers batch: one `send*` call with many messages is one stream entry (or a few).
 */
export interface Transport {
  readonly kind: 'in-process' | 'redis';
  /** Proxy side: append messages to one channel's dispatch stream. */
  sendToChannel(channelId: string, messages: readonly ProxyToChannel[]): Promise<void>;
  /** Channel side: append messages to the shared results stream. */
  sendToProxy(messages: readonly ChannelToProxy[]): Promise<void>;
  /** Channel side: consume this channel's dispatch stream. */
  consumeChannel(channelId: string, handler: TransportHandler<ProxyToChannel>): TransportConsumer;
  /** Proxy side: consume the results stream as a member of the proxy group. */
  consumeProxy(handler: TransportHandler<ChannelToProxy>): TransportConsumer;
  /** Stop every consumer this transport started; safe to call twice. Does not close a Redis client it was given. */
  close(): Promise<void>;
}
