import { bigint, bigserial, index, jsonb, pgTable, text } from 'drizzle-orm/pg-core';
import { tz } from './columns.js';

/** Every change of a host's collected identity facts: what changed, from what, to what, when, and from which source. */
export const hostFactHistory = pgTable(
  'host_fact_history',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    hostId: bigint('host_id', { mode: 'number' }).notNull(),
    /** `sn`, `ip`, `hostname`, `platform`. */
    field: text('field').notNull(),
    oldValue: text('old_value'),
    newValue: text('new_value'),
    /** Provenance of the new value (source, spec version, path). */
    provenance: jsonb('provenance').$type<Record<string, unknown>>().notNull().default({}),
    changedAt: tz('changed_at').notNull().defaultNow(),
  },
  (t) => [index('host_fact_history_host_idx').on(t.hostId, t.changedAt)],
);
