import type { ProblemDocument } from '../../core/index.js';
import type { RunView } from './task-schemas.js';

/** A run that did not succeed, as the explainer sees it. */
export interface FailedRun {
  runId: string;
  /** The host the run targeted; null when the target matched no host. */
  hostId: number | null;
  /** The target as the caller named it. */
  target: string;
  /** The run's catalogued error code. */
  code: string;
}

/**
 * Adds `cause`, `owner`, `evidence` and `diagnosis` to a failed run's problem document (the
 * composition root plugs diagnostics in here). Bounded in time by its own budget; must not throw.
 */
export type RunExplainer = (problem: ProblemDocument, run: FailedRun) => Promise<ProblemDocument>;

/** What the proxy asks of diagnostics, wired by the composition root. */
export interface RunDiagnostics {
  /** Diagnose now (bounded by a budget): for the failed runs of a `wait` response. */
  explain: RunExplainer;
  /**
   * Members from diagnoses already stored, for a page of failed runs, in one query; probes
   * nothing. Runs without one are absent from the map.
   */
  recall(runs: Array<{ runId: string; hostId: number; finishedAt: string | null }>): Promise<Map<string, Record<string, unknown>>>;
}

/**
 * Give the failed runs of a page (`GET /v1/tasks/:id/runs`) the stored diagnosis of their
 * host, in place. Never throws: on error the runs keep their plain problem documents.
 */
export async function recallDiagnoses(runs: RunView[], diagnostics: RunDiagnostics): Promise<void> {
  const failed = runs.filter((r) => r.error !== null && r.hostId !== null);
  if (failed.length === 0) return;
  let found: Map<string, Record<string, unknown>>;
  try {
    found = await diagnostics.recall(failed.map((r) => ({ runId: r.id, hostId: r.hostId!, finishedAt: r.finishedAt })));
  } catch {
    return;
  }
  for (const r of failed) {
    const members = found.get(r.id);
    if (members) r.error = { ...r.error!, ...members } as RunView['error'];
  }
}

/**
 * Explain the failed runs of a `wait` response in place: the first `max` runs that carry a
 * problem, concurrently (so the whole response waits for one diagnosis budget, not one per run).
 * Runs past `max` keep their plain problem document. Returns how many were explained.
 */
export async function explainFailedRuns(runs: RunView[], explain: RunExplainer, max: number): Promise<number> {
  const failed = runs.filter((r) => r.error !== null).slice(0, Math.max(0, max));
  await Promise.all(
    failed.map(async (r) => {
      const problem = r.error as ProblemDocument;
      try {
        r.error = (await explain(problem, { runId: r.id, hostId: r.hostId, target: r.target, code: problem.code })) as RunView['error'];
      } catch {
        // An explainer must not throw; if one does, the run keeps its plain problem document.
      }
    }),
  );
  return failed.length;
}
