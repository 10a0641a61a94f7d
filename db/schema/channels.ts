import { integer, pgTable, text } from 'drizzle-orm/pg-core';
import { createdAt, tz, updatedAt } from './columns.js';

/** A channel process: where agents of an IDC hold their connections. */
export const channels = pgTable('channels', {
  id: text('id').primaryKey(),
  idc: text('idc').notNull(),
  /** WebSocket URL agents connect to. */
  url: text('url').notNull(),
  connections: integer('connections').notNull().default(0),
  capacity: integer('capacity').notNull().default(0),
  /** `up` while it reports in; `down` once it stops. */
  state: text('state').notNull().default('up'),
  lastSeenAt: tz('last_seen_at'),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});
