/** The proxy ↔ channel transport: the interface and its two implementations. */
export type { Transport, TransportConsumer, TransportHandler } from './types.js';
export { createInProcessTransport, type InProcessTransportOptions } from './in-process.js';
export { createRedisTransport, type RedisTransportOptions } from './redis-streams.js';
