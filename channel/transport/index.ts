/** The proxy ↔ channel transport: the interface and its two implementations. */
export { LANES, type Lane, type Transport, type TransportConsumer, type TransportHandler } from './types.js';
export { createInProcessTransport, type InProcessTransportOptions } from './in-process.js';
export { createRedisTransport, type RedisTransportOptions } from './redis-streams.js';
