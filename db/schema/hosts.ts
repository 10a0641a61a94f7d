import { bigint, bigserial, index, jsonb, pgTable, text } from 'drizzle-orm/pg-core';
import { createdAt, tz, updatedAt } from './columns.js';
import { owners } from './owners.js';

/**
 * A machine as Starling knows it from its agent: identity facts (SN, primary IP, hostname)
 * with their provenance in `facts`, its IDC, and when it was last heard from.
 */
export const hosts = pgTable(
  'hosts',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    sn: text('sn'),
    ip: text('ip'),
    hostname: text('hostname'),
    idc: text('idc'),
    agentVersion: text('agent_version'),
    /** Collected facts with provenance (source, spec version) as the collector reported them. */
    facts: jsonb('facts').$type<Record<string, unknown>>().notNull().default({}),
    ownerId: bigint('owner_id', { mode: 'number' }).references(() => owners.id, { onDelete: 'set null' }),
    lastSeenAt: tz('last_seen_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('hosts_sn_idx').on(t.sn), index('hosts_ip_idx').on(t.ip), index('hosts_hostname_idx').on(t.hostname)],
);
