import { checkResult, type CheckResult, type LoadSample } from '../types.js';
import { robustBand } from './robust-baseline.js';

/** Options of {@link judgeLoad}. */
export interface LoadCheckOptions {
  /** Load1 per core above which load is a problem regardless of history; default 2 (node-mixin). */
  maxPerCore?: number;
  /** Band width k of median ± k·1.4826·MAD; default 3.5 (Iglewicz–Hoaglin). */
  k?: number;
  /** Fewest history samples for the baseline rule; default 8. */
  minHistory?: number;
  /** The baseline rule only fires above this load per core, so an idle host going from 0.01 to 0.2 is not "high"; default 0.7. */
  baselineMinPerCore?: number;
  /** Smallest σ (load per core) the band uses when the history is flat; default 0.05. */
  sigmaFloor?: number;
}

/**
 * Judge the current load per core against an absolute threshold and against the host's own
 * recent history (robust band). `history` excludes the current sample.
 */
export function judgeLoad(current: LoadSample | null, history: readonly LoadSample[], source: string, options: LoadCheckOptions = {}): CheckResult {
  const started = Date.now();
  const maxPerCore = options.maxPerCore ?? 2;
  const k = options.k ?? 3.5;
  const minHistory = options.minHistory ?? 8;
  const baselineMin = options.baselineMinPerCore ?? 0.7;
  if (!current || !Number.isFinite(current.load1)) {
    return checkResult('load', started, { status: 'unknown', summary: 'No load sample is known for this host.', source, evidence: {} });
  }
  const cpus = current.cpus > 0 ? current.cpus : 1;
  const perCore = Math.round((current.load1 / cpus) * 100) / 100;
  const perCoreHistory = history.filter((h) => Number.isFinite(h.load1)).map((h) => h.load1 / (h.cpus > 0 ? h.cpus : 1));
  const band = perCoreHistory.length >= minHistory ? robustBand(perCoreHistory, k, options.sigmaFloor ?? 0.05) : null;
  const evidence: Record<string, unknown> = {
    load1: current.load1, cpus, loadPerCore: perCore, sampledAt: current.at.toISOString(), maxPerCore,
    baseline: band ? { ...band, k, upper: Math.round(band.upper * 1000) / 1000 } : { n: perCoreHistory.length, reason: `fewer than ${minHistory} history samples` },
  };
  if (perCore > maxPerCore) {
    evidence.reason = `above the absolute limit of ${maxPerCore} per core`;
    return checkResult('load', started, { status: 'problem', finding: 'absolute', summary: `Load is ${perCore} per core, above the limit of ${maxPerCore}.`, source, evidence });
  }
  if (band && perCore > band.upper && perCore >= baselineMin) {
    evidence.reason = `far above its own history (median ${band.median.toFixed(2)}, band up to ${band.upper.toFixed(2)})`;
    return checkResult('load', started, { status: 'problem', finding: 'baseline', summary: `Load is ${perCore} per core, far above this host's usual ${band.median.toFixed(2)} (band up to ${band.upper.toFixed(2)}).`, source, evidence });
  }
  return checkResult('load', started, { status: 'ok', summary: `Load is ${perCore} per core${band ? `, within this host's usual band (≤ ${band.upper.toFixed(2)})` : ''}.`, source, evidence });
}
