import { pgTable, primaryKey, text, index } from 'drizzle-orm/pg-core';
import { tz } from './columns.js';

/**
 * Chat messages the robot accepted, by platform and message id: the de-duplication ledger.
 * A redelivered callback or Stream frame finds its id here and is not processed again.
 */
export const botMessages = pgTable(
  'bot_messages',
  {
    platform: text('platform').notNull(),
    messageId: text('message_id').notNull(),
    conversationId: text('conversation_id').notNull(),
    senderId: text('sender_id').notNull(),
    receivedAt: tz('received_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.platform, t.messageId] }), index('bot_messages_received_idx').on(t.receivedAt)],
);
