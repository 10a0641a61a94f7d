import type { CollectedFacts } from '../collector/index.js';
import { rows as runRows, type Db } from '../db/index.js';
import { loadSqlFile, statement } from './sql-file.js';

const SQL = loadSqlFile(new URL('./sql/record-host-facts.sql', import.meta.url));

/** One host's freshly collected facts. */
export interface HostFactsUpdate {
  readonly hostId: number;
  readonly facts: CollectedFacts;
  /** When the agent reported them; default now. Also sets `last_seen_at`. */
  readonly seenAt?: Date | undefined;
}

/**
 * Store collected facts (with provenance) on host rows: `sn`, `ip`, `hostname` columns and
 * the full facts document, plus a `host_fact_history` row per changed field (old value, new
 * value, the new value's provenance, when). One statement for the whole batch; the agent
 * registration path calls it at registration and whenever the facts change.
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
    seen_at: (u.seenAt ?? new Date()).toISOString(),
  }));
  const [r] = await runRows<{ hosts: number; changes: number }>(ctx.db, statement(SQL, 'record').build({ rows: JSON.stringify(payload) }));
  return { hosts: r?.hosts ?? 0, changes: r?.changes ?? 0 };
}
