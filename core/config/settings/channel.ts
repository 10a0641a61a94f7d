import { z } from 'zod';
import { port, positiveInt, setting } from '../setting.js';

/**
 * Settings of `starling channel`. The heartbeat interval is AGENT_HEARTBEAT_MS and the Redis key
 * prefix TRANSPORT_PREFIX (proxy settings), so proxy and channels agree.
 */
export const channelSettings = {
  CHANNEL_ID: setting({
    schema: z.string().min(1).max(128).regex(/^[A-Za-z0-9._-]+$/),
    doc: 'Id of this channel (its dispatch stream and its name in the routing table). Unset: `{idc}-{hostname}-{port}`.',
    allowed: 'letters, digits, dot, dash and underscore',
  }),
  CHANNEL_IDC: setting({
    schema: z.string().min(1).max(64), default: 'default',
    doc: 'IDC the channel serves. The --idc flag wins.',
    allowed: 'a non-empty label of at most 64 characters',
  }),
  CHANNEL_PORT: setting({
    schema: port, default: 7070,
    doc: 'TCP port the channel\'s WebSocket server listens on. 0 picks a free port.',
    allowed: 'an integer from 0 to 65535',
  }),
  CHANNEL_HOST: setting({
    schema: z.string().min(1), default: '127.0.0.1',
    doc: 'Address the channel listens on. Use 0.0.0.0 to accept agents from other machines.',
    allowed: 'a host name or IP address',
  }),
  CHANNEL_PUBLIC_URL: setting({
    schema: z.string().regex(/^wss?:\/\//, 'must start with ws:// or wss://'),
    doc: 'WebSocket URL agents are given for this channel. Unset: ws://CHANNEL_HOST:port/.',
    allowed: 'a ws:// or wss:// URL',
  }),
  CHANNEL_CAPACITY: setting({
    schema: positiveInt, default: 20_000,
    doc: 'Connections a channel holds before it refuses new agents and asks idle ones to move.',
    allowed: 'a positive integer',
  }),
  CHANNEL_MAX_FRAME_BYTES: setting({
    schema: z.coerce.number().int().min(65_536).max(16_777_216), default: 1_048_576,
    doc: 'Largest protocol frame accepted; larger ones get CHANNEL-USR-FRAME_TOO_LARGE.',
    allowed: 'an integer from 65536 to 16777216',
  }),
};
