import { and, desc, eq, sql } from 'drizzle-orm';
import { StarlingError } from '../core/index.js';
import { cmdbReconcileRuns, type Db } from '../db/index.js';

/** A reconciliation run as stored. */
export type ReconcileRun = typeof cmdbReconcileRuns.$inferSelect;

/** Options of {@link createReconcileRun}. */
export interface CreateReconcileRunOptions {
  /** `schedule`, `api`, `cli`, `test`. */
  trigger: string;
  /** Audit actor of whoever asked; default none. */
  requestedBy?: string | undefined;
}

/** Record a queued run and return its id; the job then executes it. */
export async function createReconcileRun(ctx: { db: Db }, options: CreateReconcileRunOptions): Promise<number> {
  const [run] = await ctx.db
    .insert(cmdbReconcileRuns)
    .values({ trigger: options.trigger, requestedBy: options.requestedBy ?? null })
    .returning({ id: cmdbReconcileRuns.id });
  return run!.id;
}

/** Load one run; throws CMDB-USR-RUN_NOT_FOUND when there is none. */
export async function getReconcileRun(ctx: { db: Db }, id: number): Promise<ReconcileRun> {
  const [run] = await ctx.db.select().from(cmdbReconcileRuns).where(eq(cmdbReconcileRuns.id, id));
  if (!run) throw new StarlingError('CMDB-USR-RUN_NOT_FOUND', { id });
  return run;
}

/** The newest runs first; `status` filters. */
export async function listReconcileRuns(ctx: { db: Db }, options: { limit?: number; status?: string } = {}): Promise<ReconcileRun[]> {
  const where = options.status ? eq(cmdbReconcileRuns.status, options.status) : undefined;
  return ctx.db.select().from(cmdbReconcileRuns).where(where).orderBy(desc(cmdbReconcileRuns.id)).limit(options.limit ?? 20);
}

/** The newest successful run's id, or null. */
export async function latestSucceededRunId(ctx: { db: Db }): Promise<number | null> {
  const [run] = await ctx.db
    .select({ id: cmdbReconcileRuns.id })
    .from(cmdbReconcileRuns)
    .where(and(eq(cmdbReconcileRuns.status, 'succeeded')))
    .orderBy(desc(cmdbReconcileRuns.id))
    .limit(1);
  return run?.id ?? null;
}

/** Mark a run failed with its error (outside the run's rolled-back transaction). */
export async function failReconcileRun(ctx: { db: Db }, id: number, error: string): Promise<void> {
  await ctx.db
    .update(cmdbReconcileRuns)
    .set({ status: 'failed', error: error.slice(0, 2000), finishedAt: sql`now()` })
    .where(eq(cmdbReconcileRuns.id, id));
}
