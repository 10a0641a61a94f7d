import { bigserial, index, jsonb, pgTable, text } from 'drizzle-orm/pg-core';
import { tz } from './columns.js';

/** Who did what to what, and when; written in the same transaction as the change. */
export const auditLog = pgTable(
  'audit_log',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    at: tz('at').notNull().defaultNow(),
    /** `api-key:<prefix>`, `agent:<id>`, `system:<job>`, `bot:<sender>`. */
    actor: text('actor').notNull(),
    action: text('action').notNull(),
    subjectType: text('subject_type').notNull(),
    subjectId: text('subject_id'),
    detail: jsonb('detail').$type<Record<string, unknown>>(),
  },
  (t) => [index('audit_log_subject_idx').on(t.subjectType, t.subjectId), index('audit_log_at_idx').on(t.at)],
);
