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
