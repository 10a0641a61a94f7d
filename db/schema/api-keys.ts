import { bigserial, jsonb, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { createdAt, tz } from './columns.js';

/** API accounts' keys: only a hash is stored; `prefix` identifies a key in lists and logs. */
export const apiKeys = pgTable(
  'api_keys',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    name: text('name').notNull(),
    prefix: text('prefix').notNull(),
    keyHash: text('key_hash').notNull(),
    scopes: jsonb('scopes').$type<string[]>().notNull().default([]),
    createdAt: createdAt(),
    expiresAt: tz('expires_at'),
    disabledAt: tz('disabled_at'),
    lastUsedAt: tz('last_used_at'),
  },
  (t) => [uniqueIndex('api_keys_hash_uq').on(t.keyHash), uniqueIndex('api_keys_name_uq').on(t.name)],
);
