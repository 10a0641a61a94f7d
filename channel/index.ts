/**
 * The channel: holds agents' WebSocket connections, forwards runs, relays acks and results,
 * reports routing changes in batches, and rebalances. Also the proxy ↔ channel transport.
 */
export * from './transport/index.js';
export { startChannel, type ChannelOptions, type RunningChannel } from './channel-server.js';
export {
  createBatchingAuthenticator, type AgentAuthenticator, type AgentCredential, type BatchingAuthenticatorOptions,
} from './agent-authenticator.js';
export { channelCommand, CHANNEL_USAGE, type ChannelCommandDeps, type ChannelCommandIo } from './channel-command.js';
export { Outbox, type OutboxOptions } from './outbox.js';
