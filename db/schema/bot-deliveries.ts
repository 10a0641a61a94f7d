import { bigserial, index, integer, jsonb, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { createdAt, tz } from './columns.js';

/**
 * The final outcome of every robot message Starling tried to send: `sent` (and through which
 * route) or `undeliverable` (with the reason and the message itself), so no reply is dropped
 * silently.
 */
export const botDeliveries = pgTable(
  'bot_deliveries',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    /** Stable id of the delivery job's payload; unique so a retried job records once. */
    deliveryKey: text('delivery_key').notNull(),
    platform: text('platform').notNull(),
    robotKey: text('robot_key').notNull(),
    conversationId: text('conversation_id'),
    /** The chat message this answers; null for notifications. */
    sourceMessageId: text('source_message_id'),
    /** `sent` or `undeliverable`. */
    status: text('status').notNull(),
    /** `session-webhook`, `group-send`, `one-to-one-send`, `custom-robot`; null when undeliverable. */
    via: text('via'),
    attempts: integer('attempts').notNull(),
    /** The catalogued code of the failure, e.g. BOT-DEP-SESSION_EXPIRED. */
    code: text('code'),
    reason: text('reason'),
    message: jsonb('message').$type<unknown>(),
    createdAt: createdAt(),
    finishedAt: tz('finished_at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('bot_deliveries_key_idx').on(t.deliveryKey), index('bot_deliveries_status_idx').on(t.status, t.createdAt)],
);
