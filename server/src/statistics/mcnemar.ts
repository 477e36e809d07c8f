// McNemar's test of paired right/wrong outcomes: of the pairs where two judges disagree, does one win more often
// than a coin would? Only the discordant counts matter: b (the first right, the second wrong) and c (the reverse).
// Below MCNEMAR_EXACT_LIMIT discordant pairs the p-value is the exact binomial one (b ~ Binomial(b + c, 1/2));
// from there on, the chi-square statistic with Edwards' continuity correction, (|b - c| - 1)^2 / (b + c).
import { chiSquare1Survival } from './normal';

export const MCNEMAR_EXACT_LIMIT = 25;

export interface McNemarResult {
  readonly b: number;
  readonly c: number;
  /** The chi-square statistic; undefined for the exact test. */
  readonly chiSquare?: number;
  /** Two-sided p-value. */
  readonly p: number;
  readonly method: 'exact' | 'chi-square';
}

export function mcnemar(b: number, c: number, exactLimit = MCNEMAR_EXACT_LIMIT): McNemarResult {
  if (!Number.isInteger(b) || !Number.isInteger(c) || b < 0 || c < 0) throw new RangeError(`mcnemar needs whole counts; got ${b}, ${c}`);
  const n = b + c;
  if (n < exactLimit) return { b, c, p: binomialTwoSidedHalf(Math.min(b, c), n), method: 'exact' };
  const chiSquare = Math.max(0, Math.abs(b - c) - 1) ** 2 / n;
  return { b, c, chiSquare, p: chiSquare1Survival(chiSquare), method: 'chi-square' };
}

/** 2 P(X <= k) for X ~ Binomial(n, 1/2), capped at 1 (the two tails are mirror images). */
export function binomialTwoSidedHalf(k: number, n: number): number {
  if (n === 0) return 1;
  let term = 2 ** -n; // C(n, 0) / 2^n
  let sum = term;
  for (let i = 1; i <= k; i++) {
    term = (term * (n - i + 1)) / i;
    sum += term;
  }
  return Math.min(1, 2 * sum);
}
