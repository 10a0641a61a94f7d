import { bigint, integer, jsonb, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { apiKeys } from './api-keys.js';
import { createdAt, tz } from './columns.js';

/** A command requested by an API client for a set of targets. */
export const tasks = pgTable('tasks', {
  id: uuid('id').primaryKey(),
  apiKeyId: bigint('api_key_id', { mode: 'number' }).references(() => apiKeys.id, { onDelete: 'set null' }),
  /** Shell command (`/bin/sh -c`), or null when `argv` is given. */
  command: text('command'),
  argv: jsonb('argv').$type<string[]>(),
  cwd: text('cwd'),
  env: jsonb('env').$type<Record<string, string>>(),
  runAs: text('run_as'),
  timeoutMs: integer('timeout_ms').notNull(),
  /** `interactive` (small, waited on) or `bulk`: separate lanes. */
  lane: text('lane').notNull(),
  targetCount: integer('target_count').notNull(),
  createdAt: createdAt(),
  deadlineAt: tz('deadline_at').notNull(),
  canceledAt: tz('canceled_at'),
});
