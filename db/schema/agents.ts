import { bigint, index, jsonb, pgTable, text } from 'drizzle-orm/pg-core';
import { channels } from './channels.js';
import { createdAt, tz, updatedAt } from './columns.js';
import { hosts } from './hosts.js';

/** An agent registration: one per host, with its credential (hashed) and current channel. */
export const agents = pgTable(
  'agents',
  {
    id: text('id').primaryKey(),
    hostId: bigint('host_id', { mode: 'number' }).notNull().references(() => hosts.id, { onDelete: 'cascade' }),
    /** Hash of the agent's credential; the credential itself is never stored. */
    credentialHash: text('credential_hash').notNull(),
    channelId: text('channel_id').references(() => channels.id, { onDelete: 'set null' }),
    /** `online` while connected to a channel, `offline` otherwise. */
    state: text('state').notNull().default('offline'),
    version: text('version'),
    /** Last health the agent reported (executor state and the like). */
    health: jsonb('health').$type<Record<string, unknown>>().notNull().default({}),
    connectedAt: tz('connected_at'),
    lastHeartbeatAt: tz('last_heartbeat_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('agents_host_idx').on(t.hostId), index('agents_channel_idx').on(t.channelId)],
);
