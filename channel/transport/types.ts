import type { ChannelToProxy, ProxyToChannel } from '../../protocol/index.js';

/**
 * The lane a message travels in. Interactive work (small tasks, `wait`) and bulk work have
 * separate streams, consumed independently: an interactive message is handed to its consumer
 * as soon as it arrives, even while a bulk delivery of thousands of messages is being handled.
 */
export type Lane = 'interactive' | 'bulk';

/** Both lanes, the interactive one first. */
export const LANES: readonly Lane[] = ['interactive', 'bulk'];

/**
 * Handles one delivery of messages, all of one lane. It resolves only once the messages are
 * durably handled (for the proxy: the database transaction committed); only then are they
 * acknowledged. A rejection leaves them unacknowledged: they are delivered again later, never dropped.
 */
export type TransportHandler<M> = (messages: M[], lane: Lane) => Promise<void>;

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
 * - each channel has its own dispatch streams (`sendToChannel` → `consumeChannel`); all
 *   channels share the results streams (`sendToProxy` → `consumeProxy`), consumed by the
 *   proxy group: several proxies split the work, each message goes to one of them;
 * - two lanes (see {@link Lane}), one stream each: a consumer reads both independently, so an
 *   interactive delivery is never queued behind a bulk one (its handler may run while a bulk
 *   handler call is still pending); a send without a lane goes to the bulk lane;
 * - order is kept within one lane while handlers succeed; a failed delivery may be retried
 *   after later messages were delivered; there is no order between the lanes;
 * - messages sent before a consumer starts are kept and delivered when it starts;
 * - a consumer that dies mid-delivery (process killed) loses nothing: its pending messages
 *   are re-claimed by another consumer after the claim idle time.
 * Callers batch: one `send*` call with many messages is one stream entry (or a few).
 */
export interface Transport {
  readonly kind: 'in-process' | 'redis';
  /** Proxy side: append messages to one channel's dispatch stream of `lane` (default bulk). */
  sendToChannel(channelId: string, messages: readonly ProxyToChannel[], lane?: Lane): Promise<void>;
  /** Channel side: append messages to the shared results stream of `lane` (default bulk). */
  sendToProxy(messages: readonly ChannelToProxy[], lane?: Lane): Promise<void>;
  /** Channel side: consume this channel's dispatch streams (both lanes). */
  consumeChannel(channelId: string, handler: TransportHandler<ProxyToChannel>): TransportConsumer;
  /** Proxy side: consume the results streams (both lanes) as a member of the proxy group. */
  consumeProxy(handler: TransportHandler<ChannelToProxy>): TransportConsumer;
  /** Stop every consumer this transport started; safe to call twice. Does not close a Redis client it was given. */
  close(): Promise<void>;
}
