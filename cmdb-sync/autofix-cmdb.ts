import { rows as runRows, type Db } from '../db/index.js';
import { loadSqlFile, statement } from './sql-file.js';

const SQL = loadSqlFile(new URL('./sql/autofix.sql', import.meta.url));

/** Auto-fix rule for one field. */
export interface FieldFixPolicy {
  /** Apply fixes for this field; default false. */
  enabled: boolean;
  /** Collector sources (`default-route-ipv4`, `override`, `dmi:product_serial`, …) whose values are trusted. */
  sources: readonly string[];
}

/**
 * Which fixes to apply. Default: nothing (auto-fix is off unless configured).
 * - `ip`: take the agent's IP when the SN matches (IP_MISMATCH) and the IP came from a trusted source.
 * - `sn`: take the agent's SN when the IP matches (SN_MISMATCH) and the SN came from a trusted source.
 */
export interface AutofixPolicy {
  ip?: FieldFixPolicy | undefined;
  sn?: FieldFixPolicy | undefined;
}

/** The policy the settings describe (CMDB_AUTOFIX_*). */
export function autofixPolicyFromConfig(config: {
  CMDB_AUTOFIX_IP: boolean;
  CMDB_AUTOFIX_IP_SOURCES: readonly string[];
  CMDB_AUTOFIX_SN: boolean;
  CMDB_AUTOFIX_SN_SOURCES: readonly string[];
}): AutofixPolicy {
  return {
    ip: { enabled: config.CMDB_AUTOFIX_IP, sources: config.CMDB_AUTOFIX_IP_SOURCES },
    sn: { enabled: config.CMDB_AUTOFIX_SN, sources: config.CMDB_AUTOFIX_SN_SOURCES },
  };
}

/**
 * Apply the policy to a run's findings in one transaction: each allowed change updates the
 * CMDB row, marks the finding fixed and writes an audit row, all set-based. Rows flagged
 * duplicate or invalid in the run are never touched, and a row the CMDB changed since the
 * run is skipped. Returns how many CMDB rows changed per field.
 */
export async function autofixCmdb(
  ctx: { db: Db },
  runId: number,
  policy: AutofixPolicy = {},
  actor = 'system:cmdb-autofix',
): Promise<{ ip: number; sn: number }> {
  if (!policy.ip?.enabled && !policy.sn?.enabled) return { ip: 0, sn: 0 };
  return ctx.db.transaction(async (tx) => {
    const db = tx as unknown as Db;
    let ip = 0;
    let sn = 0;
    if (policy.ip?.enabled) {
      const [r] = await runRows<{ n: number }>(db, statement(SQL, 'fix-ip').build({ runId, actor, sources: JSON.stringify(policy.ip.sources) }));
      ip = r?.n ?? 0;
    }
    if (policy.sn?.enabled) {
      const [r] = await runRows<{ n: number }>(db, statement(SQL, 'fix-sn').build({ runId, actor, sources: JSON.stringify(policy.sn.sources) }));
      sn = r?.n ?? 0;
    }
    await db.execute(statement(SQL, 'record').build({ runId, ip, sn }));
    return { ip, sn };
  });
}
