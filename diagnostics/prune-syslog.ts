import { sql } from 'drizzle-orm';
import { rows } from '../db/index.js';
import type { JobDefinition } from '../jobs/index.js';
import type { Context } from '../runtime/index.js';

/** Name of the syslog retention job. */
export const SYSLOG_PRUNE_JOB = 'diagnostics-syslog-prune';

/**
 * Delete stored syslog events received before `before`, in chunks of `chunk` rows (default
 * 50,000) so no single statement holds locks for long. Returns how many were deleted.
 */
export async function pruneSyslogEvents(ctx: Context, before: Date, chunk = 50_000): Promise<number> {
  let total = 0;
  for (let i = 0; i < 1000; i++) {
    const r = await rows<{ n: string | number }>(ctx.db, sql`
      with gone as (
        delete from syslog_events where id in (select id from syslog_events where received_at < ${before.toISOString()}::timestamptz limit ${chunk})
        returning 1
      ) select count(*) as n from gone`);
    const n = Number(r[0]?.n ?? 0);
    total += n;
    if (n < chunk) break;
  }
  return total;
}

/**
 * The retention job: deletes syslog events older than DIAG_SYSLOG_RETENTION_HOURS. The
 * composition root schedules it, e.g. `jobs.repeat(SYSLOG_PRUNE_JOB, {}, { everyMs: 3_600_000 }, 'syslog-prune')`.
 */
export function syslogPruneJob(ctx: Context): JobDefinition<Record<string, never>> {
  return {
    name: SYSLOG_PRUNE_JOB,
    attempts: 2,
    async process() {
      const before = new Date(ctx.clock.now() - ctx.config.DIAG_SYSLOG_RETENTION_HOURS * 3_600_000);
      return { deleted: await pruneSyslogEvents(ctx, before) };
    },
  };
}
