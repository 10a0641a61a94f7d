import { bigint, index, integer, jsonb, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { createdAt, tz } from './columns.js';
import { hosts } from './hosts.js';

/**
 * One diagnosis of one host (or of a target unknown to Starling): the verdict (code, rule,
 * cause in English and Chinese, owner) and every check's result as evidence.
 */
export const diagnoses = pgTable(
  'diagnoses',
  {
    id: uuid('id').primaryKey(),
    /** The target as asked (IP, SN, hostname or host id). */
    target: text('target').notNull(),
    hostId: bigint('host_id', { mode: 'number' }).references(() => hosts.id, { onDelete: 'set null' }),
    /** The failed run that asked for it, when one did. */
    runId: uuid('run_id'),
    runCode: text('run_code'),
    /** `fault`, `healthy` or `inconclusive`. */
    outcome: text('outcome').notNull(),
    /** Verdict code (DIAG-…); null when healthy. */
    code: text('code'),
    /** Name of the verdict rule that fired. */
    rule: text('rule').notNull(),
    causeEn: text('cause_en').notNull(),
    causeZh: text('cause_zh').notNull(),
    /** The whole verdict: action, owner, inconclusive checks, ordered evidence. */
    verdict: jsonb('verdict').$type<Record<string, unknown>>().notNull(),
    durationMs: integer('duration_ms').notNull(),
    startedAt: tz('started_at').notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('diagnoses_host_created_idx').on(t.hostId, t.createdAt), index('diagnoses_target_created_idx').on(t.target, t.createdAt)],
);
