import type { KeyObject } from 'node:crypto';
import { StarlingError } from '../core/index.js';
import { verifyDispatch, type RunDispatchFrame } from '../protocol/index.js';

/** Options of {@link checkDispatch}. */
export interface CheckDispatchOptions {
  /** This agent's id: a run signed for another agent is refused. */
  agentId: string;
  /** Trusted signing keys by key id. */
  keys: ReadonlyMap<string, KeyObject>;
  now: number;
  /** A dispatch issued longer ago than this is a replay, ms; default 3,600,000. */
  replayWindowMs?: number;
  /** A dispatch issued further in the future than this is refused (clock skew bound), ms; default 300,000. */
  maxSkewMs?: number;
}

/**
 * Check a dispatch before anything else happens to it: the signature (forged or tampered →
 * AGENT-SYS-SIGNATURE_INVALID), the target (→ AGENT-SYS-RUN_MISDIRECTED), its freshness
 * (issued outside the window → AGENT-SYS-RUN_REPLAYED) and its deadline
 * (→ AGENT-SYS-RUN_EXPIRED). Returns null when the run may proceed.
 */
export function checkDispatch(d: RunDispatchFrame, o: CheckDispatchOptions): StarlingError | null {
  const failure = verifyDispatch(d, o.keys);
  if (failure) {
    return new StarlingError('AGENT-SYS-SIGNATURE_INVALID', {
      runId: d.runId, reason: failure === 'unknown-key' ? `key ${d.keyId} is not trusted` : 'signature mismatch',
    });
  }
  if (d.agentId !== o.agentId) return new StarlingError('AGENT-SYS-RUN_MISDIRECTED', { runId: d.runId, target: d.agentId, agentId: o.agentId });
  const window = o.replayWindowMs ?? 3_600_000;
  const skew = o.maxSkewMs ?? 300_000;
  if (d.issuedAt < o.now - window) {
    return new StarlingError('AGENT-SYS-RUN_REPLAYED', { runId: d.runId, reason: `issued ${Math.round((o.now - d.issuedAt) / 1000)} s ago, outside the replay window` });
  }
  if (d.issuedAt > o.now + skew) {
    return new StarlingError('AGENT-SYS-RUN_REPLAYED', { runId: d.runId, reason: 'issued in the future beyond the allowed clock skew' });
  }
  if (d.deadline < o.now) return new StarlingError('AGENT-SYS-RUN_EXPIRED', { runId: d.runId });
  return null;
}
