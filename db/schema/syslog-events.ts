import { bigint, bigserial, index, pgTable, smallint, text } from 'drizzle-orm/pg-core';
import { tz } from './columns.js';
import { hosts } from './hosts.js';

/**
 * Syslog messages received from hosts, parsed and classified against the diagnostics
 * pattern catalogue (`kind`/`pattern_id` null when no pattern matched). Written in batches.
 */
export const syslogEvents = pgTable(
  'syslog_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    /** The host the sender maps to (by IP, then by HOSTNAME field); null when unknown. */
    hostId: bigint('host_id', { mode: 'number' }).references(() => hosts.id, { onDelete: 'set null' }),
    senderIp: text('sender_ip').notNull(),
    transport: text('transport').notNull(),
    receivedAt: tz('received_at').notNull(),
    reportedAt: tz('reported_at'),
    format: text('format').notNull(),
    facility: smallint('facility'),
    severity: smallint('severity'),
    hostname: text('hostname'),
    app: text('app'),
    pid: text('pid'),
    message: text('message').notNull(),
    kind: text('kind'),
    patternId: text('pattern_id'),
  },
  (t) => [index('syslog_events_host_received_idx').on(t.hostId, t.receivedAt), index('syslog_events_sender_received_idx').on(t.senderIp, t.receivedAt)],
);
