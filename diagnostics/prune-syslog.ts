import { sql } from 'drizzle-orm';
import { deleteInChunks } from '../db/index.js';
import type { JobDefinition } from '../jobs/index.js';
import type { Context } from '../runtime/index.js';

/** Name of the syslog retention job. */
export const SYSLOG_PRUNE_JOB = 'diagnostics-syslog-prune';

/**
 * Delete stored syslog events received before `before`, in chunks of `chunk` rows (default
 * 50,000) so no single statement holds locks for long. Returns how many were deleted.
 */
export async function pruneSyslogEvents(ctx: Context, before: Date, chunk = 50_000): Promise<number> {
  const at = before.toISOString();
  return deleteInChunks(ctx.db, (limit) => sql`
    delete from syslog_events where id in (select id from syslog_events where received_at < ${at}::timestamptz limit ${limit})
    returning 1`, { chunk });
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
