import type { Verdict } from './verdict/decide-verdict.js';

/** One diagnosis: a verdict about a target, with the host it resolved to. */
export interface Diagnosis {
  id: string;
  /** The target as asked. */
  target: string;
  /** The host Starling knows under that target; null for a target unknown to Starling. */
  host: { id: number; ip: string | null; sn: string | null; hostname: string | null } | null;
  runId: string | null;
  runCode: string | null;
  verdict: Verdict;
  startedAt: string;
  durationMs: number;
  createdAt?: string;
  /** Where to read it again: `/v1/diagnoses/:id`. */
  link: string;
}

/** What to diagnose: a target as a caller wrote it, or a known host id; optionally the failed run. */
export interface DiagnoseTarget {
  /** IP, SN or hostname (or `#<host id>`). */
  target?: string;
  hostId?: number;
  runId?: string | null;
  runCode?: string | null;
}
