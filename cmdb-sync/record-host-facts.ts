import type { CollectedFacts } from '../collector/index.js';
import { rows as runRows, type Db } from '../db/index.js';
import { loadSqlFile, statement } from './sql-file.js';

const SQL = loadSqlFile(new URL('./sql/record-host-facts.sql', import.meta.url));

/** One host's freshly collected facts. */
export interface HostFactsUpdate {
  readonly hostId: number;
  readonly facts: CollectedFacts;
  /**
   * When the agent reported them (the history rows' `changed_at`, and `last_seen_at`); default
   * now. `null`: leave `last_seen_at` as it is and stamp history with the transaction's time,
   * so a host whose facts did not change is not written at all (the registration path).
   */
  readonly seenAt?: Date | null | undefined;
}

/**
 * Store collected facts (with provenance) on host rows: `sn`, `ip`, `hostname` columns and
 * the full facts document, plus a `host_fact_history` row per changed field (old value, new
 * value, the new value's provenance, when). One statement for the whole batch; rows whose
 * facts (and `seenAt`) did not change are not written. The proxy's agent registration calls it
 * in the registration transaction, at registration and whenever the agent's facts change.
 * Returns the host rows written and the history rows added.
 */
export async function recordHostFacts(ctx: { db: Db }, updates: readonly HostFactsUpdate[]): Promise<{ hosts: number; changes: number }> {
  if (updates.length === 0) return { hosts: 0, changes: 0 };
  const payload = updates.map((u) => ({
    host_id: u.hostId,
    sn: u.facts.sn.value,
    ip: u.facts.ip.value,
    hostname: u.facts.hostname.value,
    platform: u.facts.platform.value,
    facts: u.facts,
    seen_at: u.seenAt === null ? null : (u.seenAt ?? new Date()).toISOString(),
  }));
  const [r] = await runRows<{ hosts: number; changes: number }>(ctx.db, statement(SQL, 'record').build({ rows: JSON.stringify(payload) }));
  return { hosts: r?.hosts ?? 0, changes: r?.changes ?? 0 };
}
