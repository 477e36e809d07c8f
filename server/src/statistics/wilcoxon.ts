// Wilcoxon's signed-rank test of paired differences: is their distribution centred on zero? Zero differences are
// dropped (Wilcoxon's own rule, R's and scipy's default); tied magnitudes share their mean rank. The p-value is
// exact (the null distribution of W+ counted over every sign pattern) for up to EXACT_LIMIT differences without
// ties, and otherwise the normal approximation with the tie correction of the variance and a continuity
// correction of 0.5, as R's wilcox.test(correct = TRUE) and scipy.stats.wilcoxon(correction=True) compute it.
import { twoSidedNormalP } from './normal';
import { averageRanks, tieTerm } from './ranks';

export const WILCOXON_EXACT_LIMIT = 25;

export interface WilcoxonResult {
  /** Non-zero differences ranked. */
  readonly n: number;
  /** Zero differences dropped. */
  readonly zeros: number;
  /** Sums of the ranks of the positive and of the negative differences. */
  readonly wPlus: number;
  readonly wMinus: number;
  /** The normal statistic (continuity-corrected); undefined for the exact test. */
  readonly z?: number;
  /** Two-sided p-value. */
  readonly p: number;
  readonly method: 'exact' | 'normal';
}

export function wilcoxonSignedRank(differences: readonly number[], exactLimit = WILCOXON_EXACT_LIMIT): WilcoxonResult {
  const nonZero = differences.filter((d) => d !== 0);
  const zeros = differences.length - nonZero.length;
  const n = nonZero.length;
  const { ranks, ties } = averageRanks(nonZero.map(Math.abs));
  let wPlus = 0;
  nonZero.forEach((d, i) => {
    if (d > 0) wPlus += ranks[i];
  });
  const wMinus = (n * (n + 1)) / 2 - wPlus;
  if (n === 0) return { n, zeros, wPlus, wMinus, z: 0, p: 1, method: 'normal' };
  const tied = ties.some((t) => t > 1);
  if (n <= exactLimit && !tied) return { n, zeros, wPlus, wMinus, p: exactSignedRankP(n, Math.min(wPlus, wMinus)), method: 'exact' };
  const mean = (n * (n + 1)) / 4;
  const variance = (n * (n + 1) * (2 * n + 1)) / 24 - tieTerm(ties) / 48;
  const d = wPlus - mean;
  const z = variance > 0 ? (d - 0.5 * Math.sign(d)) / Math.sqrt(variance) : 0;
  return { n, zeros, wPlus, wMinus, z, p: twoSidedNormalP(z), method: 'normal' };
}

/** Two-sided exact p of the smaller rank sum `t` among ranks 1..n: 2 P(W <= t), W the sum of a uniformly random
 *  subset of 1..n (each rank's sign a fair coin under the null). */
export function exactSignedRankP(n: number, t: number): number {
  const max = (n * (n + 1)) / 2;
  // counts[s] = number of subsets of 1..k summing to s, built up one rank at a time.
  const counts = new Float64Array(max + 1);
  counts[0] = 1;
  for (let k = 1; k <= n; k++) for (let s = max; s >= k; s--) counts[s] += counts[s - k];
  let below = 0;
  for (let s = 0; s <= Math.floor(t); s++) below += counts[s];
  return Math.min(1, (2 * below) / 2 ** n);
}
