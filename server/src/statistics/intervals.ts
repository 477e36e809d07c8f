// Confidence intervals for the figures Wabi reports over seeds and pairs: a rate (passes of n) and a mean (of trait
// rises, score gaps). Both are deterministic: the bootstrap draws from a seeded generator, so a report made twice
// from the same results says the same thing.
import { mulberry32 } from './random';

export interface Interval {
  readonly low: number;
  readonly high: number;
}

/** The two-sided standard normal quantile for a confidence level (0.95 -> 1.95996...), by Acklam's rational
 *  approximation of the inverse normal CDF (relative error below 1.2e-9). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`normalQuantile needs 0 < p < 1; got ${p}`);
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > 1 - low) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

/** Wilson's score interval for a proportion: well behaved at 0 of n and n of n and for small n, where the normal
 *  approximation gives bounds outside 0..1. n = 0 gives the whole range. */
export function wilsonInterval(successes: number, n: number, level = 0.95): Interval {
  if (!Number.isInteger(successes) || !Number.isInteger(n) || successes < 0 || successes > n) {
    throw new RangeError(`wilsonInterval needs 0 <= successes <= n, both whole; got ${successes} of ${n}`);
  }
  return wilsonShareInterval(n === 0 ? 0 : successes / n, n, level);
}

/** Wilson's interval around an observed share `p` of `n` trials, for shares that count some trials as half a
 *  success (an audit's ties): the same formula, with p no longer a whole count over n. */
export function wilsonShareInterval(p: number, n: number, level = 0.95): Interval {
  if (!(p >= 0 && p <= 1) || !Number.isInteger(n) || n < 0) throw new RangeError(`wilsonShareInterval needs 0 <= p <= 1 and a whole n; got ${p} of ${n}`);
  if (n === 0) return { low: 0, high: 1 };
  const z = normalQuantile(1 - (1 - level) / 2);
  const z2n = (z * z) / n;
  const centre = (p + z2n / 2) / (1 + z2n);
  const half = (z / (1 + z2n)) * Math.sqrt((p * (1 - p)) / n + z2n / (4 * n));
  // At 0 of n and n of n the interval ends exactly at 0 and 1: rounding would leave it a hair short of the rate.
  return { low: p === 0 ? 0 : Math.max(0, centre - half), high: p === 1 ? 1 : Math.min(1, centre + half) };
}

export interface BootstrapOptions {
  readonly level?: number;
  readonly resamples?: number;
  readonly seed?: number;
}

/** The percentile bootstrap interval of `statistic` over `values` (resampled with replacement). One value gives
 *  a point interval; none gives NaN bounds. */
export function bootstrapInterval<T>(values: readonly T[], statistic: (sample: readonly T[]) => number, options: BootstrapOptions = {}): Interval {
  const { level = 0.95, resamples = 2000, seed = 1 } = options;
  if (values.length === 0) return { low: NaN, high: NaN };
  if (values.length === 1) {
    const v = statistic(values);
    return { low: v, high: v };
  }
  const random = mulberry32(seed);
  const stats = new Float64Array(resamples);
  const sample: T[] = new Array<T>(values.length);
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < values.length; i++) sample[i] = values[Math.floor(random() * values.length)];
    stats[r] = statistic(sample);
  }
  stats.sort();
  const at = (q: number) => stats[Math.min(resamples - 1, Math.max(0, Math.round(q * (resamples - 1))))];
  return { low: at((1 - level) / 2), high: at(1 - (1 - level) / 2) };
}

export const mean = (values: readonly number[]): number => (values.length ? values.reduce((s, v) => s + v, 0) / values.length : NaN);

/** The bootstrap interval of the mean of `values`. */
export function bootstrapMeanInterval(values: readonly number[], options: BootstrapOptions = {}): Interval {
  return bootstrapInterval(values, mean, options);
}
