import { bigint, bigserial, index, integer, jsonb, pgTable, real } from 'drizzle-orm/pg-core';
import { tz } from './columns.js';
import { hosts } from './hosts.js';

/** One mount's usage as reported in a heartbeat. */
export interface MountUsage {
  mount: string;
  usedBytes: number;
  totalBytes: number;
}

/** Heartbeat samples (load, disk) kept as a short history per host; written in batches. */
export const hostMetrics = pgTable(
  'host_metrics',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    hostId: bigint('host_id', { mode: 'number' }).notNull().references(() => hosts.id, { onDelete: 'cascade' }),
    at: tz('at').notNull(),
    load1: real('load1'),
    load5: real('load5'),
    load15: real('load15'),
    cpus: integer('cpus'),
    mounts: jsonb('mounts').$type<MountUsage[]>().notNull().default([]),
  },
  (t) => [index('host_metrics_host_at_idx').on(t.hostId, t.at)],
);
