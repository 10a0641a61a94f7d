import { bigint, bigserial, index, jsonb, pgTable, text } from 'drizzle-orm/pg-core';
import { tz } from './columns.js';

/**
 * One discrepancy found by a reconciliation run, with both sides' values, the owner and
 * provenance in `detail`. `key` identifies the same discrepancy across runs, so each run is
 * diffed against the previous one: `state` is `new`, `open` (also in the previous run) or
 * `resolved` (in the previous run, gone now).
 */
export const cmdbFindings = pgTable(
  'cmdb_findings',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    runId: bigint('run_id', { mode: 'number' }).notNull(),
    /** IP_MISMATCH, SN_MISMATCH, MISSING_IN_CMDB, NO_AGENT, DUPLICATE_SN, DUPLICATE_IP, INVALID_SN. */
    kind: text('kind').notNull(),
    key: text('key').notNull(),
    state: text('state').notNull().default('new'),
    /** `host`, `cmdb` or `both`: which side the finding is about. */
    side: text('side').notNull(),
    hostId: bigint('host_id', { mode: 'number' }),
    cmdbHostId: bigint('cmdb_host_id', { mode: 'number' }),
    hostSn: text('host_sn'),
    hostIp: text('host_ip'),
    cmdbSn: text('cmdb_sn'),
    cmdbIp: text('cmdb_ip'),
    hostname: text('hostname'),
    ownerId: bigint('owner_id', { mode: 'number' }),
    /** Provenance and specifics: host value sources, CMDB source, last seen, rejected raw values, duplicate ids. */
    detail: jsonb('detail').$type<Record<string, unknown>>().notNull().default({}),
    /** Set when auto-fix changed the CMDB for this finding. */
    fixedAt: tz('fixed_at'),
  },
  // Two indexes besides the key: a run writes tens of thousands of rows at once, and every
  // reader selects by run (reconciliation reads the previous run's findings by run and matches
  // keys by hash; the API and auto-fix filter a run's rows by kind and state, or by owner,
  // which is an engineer's own list and must not read the whole run).
  (t) => [index('cmdb_findings_run_kind_idx').on(t.runId, t.kind), index('cmdb_findings_owner_idx').on(t.runId, t.ownerId)],
);
