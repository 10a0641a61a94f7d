import { mean, median, medianAbsoluteDeviation } from 'simple-statistics';

/** Scale that makes the MAD a consistent estimate of σ for normal data (1 / Φ⁻¹(3/4)). */
export const MAD_TO_SIGMA = 1.4826;
/** Scale that makes the mean absolute deviation a consistent estimate of σ (√(π/2)). */
export const MEANAD_TO_SIGMA = 1.2533;

/** A robust band around a series' centre. */
export interface RobustBand {
  median: number;
  /** Robust σ estimate actually used (after the MAD = 0 fallbacks). */
  sigma: number;
  /** Which estimate `sigma` came from. */
  sigmaFrom: 'mad' | 'mean-absolute-deviation' | 'floor';
  upper: number;
  lower: number;
  n: number;
}

/**
 * median ± k·σ with σ = 1.4826·MAD. When more than half the values are equal the MAD is 0,
 * and the band would flag any change at all: fall back to the mean absolute deviation, then
 * to `floor` (the smallest change that counts for this metric).
 */
export function robustBand(values: readonly number[], k: number, floor: number): RobustBand | null {
  const x = values.filter((v) => Number.isFinite(v));
  if (x.length === 0) return null;
  const m = median(x);
  let sigma = MAD_TO_SIGMA * medianAbsoluteDeviation(x);
  let sigmaFrom: RobustBand['sigmaFrom'] = 'mad';
  if (!(sigma > 0)) {
    sigma = MEANAD_TO_SIGMA * mean(x.map((v) => Math.abs(v - m)));
    sigmaFrom = 'mean-absolute-deviation';
  }
  if (!(sigma >= floor)) {
    sigma = floor;
    sigmaFrom = 'floor';
  }
  return { median: m, sigma, sigmaFrom, upper: m + k * sigma, lower: m - k * sigma, n: x.length };
}
