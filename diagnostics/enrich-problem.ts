import type { ProblemDocument } from '../core/index.js';
import type { Context } from '../runtime/index.js';
import { diagnosticsEngine } from './diagnose-host.js';
import { latestDiagnosesOfHosts } from './store/diagnosis-store.js';
import type { DiagnoseTarget, Diagnosis } from './diagnosis.js';

/** Options of {@link enrichProblem}. */
export interface EnrichProblemOptions {
  /** How long to wait for the diagnosis, in ms; default DIAG_WAIT_BUDGET_MS (1500). */
  budgetMs?: number;
}

/** The members a failed run's problem document gains. */
export interface ProblemDiagnosis {
  /** The verdict's cause in English (Chinese in `diagnosis.cause.zh`), or a pending note. */
  cause: string;
  /** The owner, or the statement that none is on record. */
  owner: { name: string; dingtalkUserId: string | null; mobile: string | null; email: string | null; source: string } | { text: 'no owner on record' } | null;
  /** The checks that decided the verdict (status, summary, evidence). */
  evidence: Array<{ check: string; status: string; summary: string; evidence: Record<string, unknown> }>;
  diagnosis: { id: string; link: string; status: 'done' | 'pending'; code: string | null; rule: string | null; outcome: string | null; cause: { en: string; zh: string } | null; ownerText: string | null; action: { en: string; zh: string } | null };
}

/** Turn a finished diagnosis into the problem-document members. */
export function problemMembers(d: Diagnosis): ProblemDiagnosis {
  const v = d.verdict;
  const decisive = v.evidence.filter((e) => e.status !== 'ok' || v.outcome === 'healthy').slice(0, 4);
  return {
    cause: v.cause.en,
    owner: v.owner ?? { text: 'no owner on record' },
    evidence: (decisive.length ? decisive : v.evidence.slice(0, 3)).map((e) => ({ check: e.check, status: e.status, summary: e.summary, evidence: e.evidence })),
    diagnosis: { id: d.id, link: d.link, status: 'done', code: v.code, rule: v.rule, outcome: v.outcome, cause: v.cause, ownerText: v.ownerText, action: v.action },
  };
}

/**
 * Give a failed run's problem document its `cause`, `owner`, `evidence` and `diagnosis`:
 * start (or join the cached) diagnosis of the run's host and wait for it up to the budget;
 * past the budget, answer with the link and `status: pending` — the diagnosis still
 * finishes and is persisted. Never throws: a failing diagnosis leaves the problem as it was
 * but for a note in `diagnosis`.
 */
export async function enrichProblem<P extends ProblemDocument | Record<string, unknown>>(
  ctx: Context,
  problem: P,
  target: DiagnoseTarget,
  options: EnrichProblemOptions = {},
): Promise<P & ProblemDiagnosis> {
  const budget = options.budgetMs ?? ctx.config.DIAG_WAIT_BUDGET_MS;
  const runCode = target.runCode ?? (typeof (problem as { code?: unknown }).code === 'string' ? (problem as { code: string }).code : null);
  const { id, promise } = diagnosticsEngine(ctx).begin({ ...target, runCode });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<null>((r) => {
    timer = setTimeout(() => r(null), budget);
  });
  let d: Diagnosis | null;
  try {
    d = await Promise.race([promise, timeout]);
  } catch (err) {
    ctx.log.warn({ err }, 'diagnosis for a failed run failed');
    d = null;
  } finally {
    clearTimeout(timer);
  }
  promise.catch(() => {});
  if (d) return { ...problem, ...problemMembers(d) };
  const link = `/v1/diagnoses/${id}`;
  return {
    ...problem,
    cause: `Diagnosis of the host is still running; see ${link}.`,
    owner: null,
    evidence: [],
    diagnosis: { id, link, status: 'pending', code: null, rule: null, outcome: null, cause: null, ownerText: null, action: null },
  };
}

/** A failed run whose stored diagnosis is asked for. */
export interface StoredDiagnosisQuery {
  runId: string;
  hostId: number;
  /** When the run ended (ISO); a diagnosis older than this minus DIAG_CACHE_TTL_MS is stale for it. */
  finishedAt: string | null;
}

/**
 * The problem-document members of failed runs from diagnoses already persisted (by the
 * failed-runs job, a `wait`, the robot or a person), in one query for the whole list: for
 * each run, its host's newest diagnosis made no earlier than the cache TTL before the run
 * ended. Runs without one are absent from the map. Probes nothing.
 */
export async function storedProblemMembers(ctx: Context, runs: StoredDiagnosisQuery[]): Promise<Map<string, ProblemDiagnosis>> {
  const out = new Map<string, ProblemDiagnosis>();
  if (runs.length === 0) return out;
  const ttl = ctx.config.DIAG_CACHE_TTL_MS;
  const ended = (r: StoredDiagnosisQuery) => (r.finishedAt ? Date.parse(r.finishedAt) : ctx.clock.now());
  const since = new Date(Math.min(...runs.map(ended)) - ttl);
  const latest = await latestDiagnosesOfHosts(ctx.db, runs.map((r) => r.hostId), since);
  for (const r of runs) {
    const d = latest.get(r.hostId);
    if (d && Date.parse(d.createdAt ?? d.startedAt) >= ended(r) - ttl) out.set(r.runId, problemMembers(d));
  }
  return out;
}
