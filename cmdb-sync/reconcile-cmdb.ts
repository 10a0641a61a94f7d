import { eq, sql } from 'drizzle-orm';
import { CURRENT_SPEC } from '../collector/index.js';
import { StarlingError } from '../core/index.js';
import { cmdbReconcileRuns, rows as runRows, type Db } from '../db/index.js';
import { createReconcileRun, failReconcileRun } from './reconcile-runs.js';
import { loadSqlFile, statement } from './sql-file.js';

const SQL = loadSqlFile(new URL('./sql/reconcile.sql', import.meta.url));

/** Every finding kind, in report order. MATCH is only counted. */
export const FINDING_KINDS = ['IP_MISMATCH', 'SN_MISMATCH', 'MISSING_IN_CMDB', 'NO_AGENT', 'DUPLICATE_SN', 'DUPLICATE_IP', 'INVALID_SN'] as const;
export type FindingKind = (typeof FINDING_KINDS)[number];

/** Progress of a run: which step, and how many of the steps are done. */
export interface ReconcileProgress {
  step: string;
  done: number;
  total: number;
}

/** Options of {@link reconcileCmdb}. */
export interface ReconcileCmdbOptions {
  /** Run to execute (created by {@link createReconcileRun}); default a new run with `trigger`. */
  runId?: number | undefined;
  /** Trigger recorded on a new run; default `api`. */
  trigger?: string | undefined;
  /** Agents not seen for longer than this count as absent (NO_AGENT); default the CMDB_NO_AGENT_WINDOW_MS setting. */
  windowMs?: number | undefined;
  /** Called after each step; default none. */
  progress?: ((p: ReconcileProgress) => void | Promise<void>) | undefined;
  /** work_mem for the run's transaction; default `256MB` (the join hashes a million keys). */
  workMem?: string | undefined;
}

/** What a run found. */
export interface ReconcileSummary {
  readonly runId: number;
  readonly previousRunId: number | null;
  /** Count per kind, MATCH included; `resolved` findings are not in these counts. */
  readonly counts: Record<string, number>;
  /** Findings by diff state. */
  readonly diff: { new: number; open: number; resolved: number };
  readonly durationMs: number;
}

/** The statements of sql/reconcile.sql, in the order a run executes them. */
const STEPS = [
  'lock', 'tune', 'join', 'tune-lookups', 'analyze', 'keys', 'dup-hosts', 'analyze-keys', 'host-sns', 'unpair', 'findings',
] as const;

/** The placeholder serials of the current spec, as written (the SQL derives the folded forms). */
function placeholderList(): string {
  return JSON.stringify(CURRENT_SPEC.serial.placeholders.exact.map((e) => e.value.trim().replace(/\s+/g, ' ')));
}

/**
 * Reconcile the CMDB against agent facts, set-based in SQL: one statement reads the big
 * tables (a hash full join that keeps only the rows that are not clean matches, with the
 * repeated SNs and IPs grouped in index order beside it), a few statements on those kept rows
 * derive what the join could not see, and one INSERT … SELECT writes every finding with its
 * diff state (nothing is loaded into Node). Runs in one REPEATABLE READ transaction, so every
 * statement sees the same snapshot and a run either stores all its findings and its diff
 * against the previous successful run, or none (the run is then marked failed and
 * CMDB-SYS-RECONCILE_FAILED thrown).
 */
export async function reconcileCmdb(
  ctx: { db: Db; config: { CMDB_NO_AGENT_WINDOW_MS: number }; clock: { now(): number } },
  options: ReconcileCmdbOptions = {},
): Promise<ReconcileSummary> {
  const started = performance.now();
  const runId = options.runId ?? (await createReconcileRun(ctx, { trigger: options.trigger ?? 'api' }));
  const windowMs = options.windowMs ?? ctx.config.CMDB_NO_AGENT_WINDOW_MS;
  const cutoff = new Date(ctx.clock.now() - windowMs).toISOString();
  const total = STEPS.length + 2;
  await ctx.db
    .update(cmdbReconcileRuns)
    .set({ status: 'running', startedAt: sql`now()`, options: { windowMs, cutoff, specVersion: CURRENT_SPEC.version } })
    .where(eq(cmdbReconcileRuns.id, runId));
  try {
    const summary = await ctx.db.transaction(
      async (tx) => {
        const db = tx as unknown as Db;
        const params = { runId, cutoff, placeholders: placeholderList(), workMem: options.workMem ?? '256MB' };
        let found: { prevId: number | string | null; matches: number; counts: { kind: string; state: string; n: number }[] } = {
          prevId: null, matches: 0, counts: [],
        };
        let done = 0;
        for (const step of STEPS) {
          const result = await runRows<Record<string, unknown>>(db, statement(SQL, step).build(params));
          if (step === 'findings') found = result[0] as typeof found;
          await options.progress?.({ step, done: ++done, total });
        }
        const prevId = found.prevId === null ? null : Number(found.prevId);
        const counts: Record<string, number> = { MATCH: Number(found.matches) };
        for (const k of FINDING_KINDS) counts[k] = 0;
        const diff = { new: 0, open: 0, resolved: 0 };
        for (const c of found.counts) {
          diff[c.state as keyof typeof diff] = (diff[c.state as keyof typeof diff] ?? 0) + c.n;
          if (c.state !== 'resolved') counts[c.kind] = (counts[c.kind] ?? 0) + c.n;
        }
        await db
          .update(cmdbReconcileRuns)
          .set({ status: 'succeeded', previousRunId: prevId, counts, diff, finishedAt: sql`now()`, progress: { step: 'done', done: total, total } })
          .where(eq(cmdbReconcileRuns.id, runId));
        await options.progress?.({ step: 'persisted', done: ++done, total });
        return { runId, previousRunId: prevId, counts, diff };
      },
      // One snapshot for the whole run: the duplicate keys, the join and the findings agree
      // even while an import commits in between (the run only writes its own rows).
      { isolationLevel: 'repeatable read' },
    );
    const durationMs = Math.round(performance.now() - started);
    await options.progress?.({ step: 'done', done: total, total });
    return { ...summary, durationMs };
  } catch (err) {
    await failReconcileRun(ctx, runId, (err as Error).message).catch(() => {});
    if (err instanceof StarlingError) throw err;
    throw new StarlingError('CMDB-SYS-RECONCILE_FAILED', { id: runId, reason: (err as Error).message }, {}, { cause: err });
  }
}
