import { bigint, bigserial, index, jsonb, pgTable, text } from 'drizzle-orm/pg-core';
import { createdAt, updatedAt } from './columns.js';
import { owners } from './owners.js';

/** A machine as the CMDB records it: what callers pick targets from. */
export const cmdbHosts = pgTable(
  'cmdb_hosts',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    sn: text('sn'),
    ip: text('ip'),
    hostname: text('hostname'),
    idc: text('idc'),
    ownerId: bigint('owner_id', { mode: 'number' }).references(() => owners.id, { onDelete: 'set null' }),
    /** Application or group the machine serves. */
    app: text('app'),
    /** Where the row came from: `csv`, `json`, `api`, `netbox`. */
    source: text('source').notNull(),
    /** The record's id in its source system, when it has one. */
    externalId: text('external_id'),
    extra: jsonb('extra').$type<Record<string, unknown>>().notNull().default({}),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    // (sn, ip, id): every lookup by SN, and reconciliation's index-only pass over the CMDB in SN
    // order (one row per SN for its join, the repeated SNs), which reads nothing else.
    index('cmdb_hosts_sn_ip_id_idx').on(t.sn, t.ip, t.id),
    index('cmdb_hosts_ip_idx').on(t.ip),
  ],
);
