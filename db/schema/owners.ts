import { bigserial, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { createdAt, updatedAt } from './columns.js';

/** People or teams who own machines, with how to reach them in chat. */
export const owners = pgTable(
  'owners',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    name: text('name').notNull(),
    /** DingTalk user id, for `at.atUserIds`. */
    dingtalkUserId: text('dingtalk_user_id'),
    /** Mobile number, for `at.atMobiles`. */
    mobile: text('mobile'),
    email: text('email'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('owners_name_uq').on(t.name)],
);
