// The audit's figures, as docs/audits.md defines them. For one judge over n pairs (faithful score f_i, polished
// score p_i; pairs where it abstained are left out and counted):
//   accuracy  share of pairs with f_i > p_i, a tie counting half: the judge's pick between the two images;
//   F1        of the faithful class over all 2n images, an image called faithful when its score is above the
//             median of the 2n scores (no labels used to place the threshold; half the images are faithful);
//   AUROC     P(a random faithful image outscores a random polished one) + half P(tie): Mann-Whitney over the
//             pooled scores, pairs ignored (a judge can win every pair and still score one subject's faithful
//             image below another subject's polished one);
//   mean gap  mean of f_i - p_i, in the judge's own units.
// Intervals: Wilson's for accuracy; a seeded percentile bootstrap over pairs for the others. Between two judges,
// on the pairs both scored: Wilcoxon's signed-rank test on their standardised gaps and McNemar's on who picked
// right (a tie is not right there: McNemar needs yes or no).
import { mannWhitneyAuc } from '../statistics/auroc';
import { bootstrapInterval, mean, wilsonShareInterval, type Interval } from '../statistics/intervals';
import { mcnemar, type McNemarResult } from '../statistics/mcnemar';
import { wilcoxonSignedRank, type WilcoxonResult } from '../statistics/wilcoxon';

/** One judge's scores of one pair. */
export interface PairScore {
  readonly faithful: number;
  readonly polished: number;
}

export interface Separation {
  readonly n: number;
  readonly accuracy: number;
  readonly f1: number;
  /** The score above which an image is called faithful for F1 (the median of the 2n scores). */
  readonly threshold: number;
  readonly auroc: number;
  readonly meanGap: number;
}

export interface GroupMetrics extends Separation {
  /** Pairs of the group the judge abstained on (left out of every figure). */
  readonly abstained: number;
  readonly accuracyCi: Interval;
  readonly f1Ci: Interval;
  readonly aurocCi: Interval;
  readonly meanGapCi: Interval;
}

/** 1 when the judge prefers the faithful image, 0.5 on a tie, 0 when it prefers the polished one. */
export function pairCredit(s: PairScore): number {
  return s.faithful > s.polished ? 1 : s.faithful === s.polished ? 0.5 : 0;
}

export function accuracyOf(scores: readonly PairScore[]): number {
  return scores.length === 0 ? NaN : scores.reduce((sum, s) => sum + pairCredit(s), 0) / scores.length;
}

export function meanGapOf(scores: readonly PairScore[]): number {
  return mean(scores.map((s) => s.faithful - s.polished));
}

export function aurocOf(scores: readonly PairScore[]): number {
  return mannWhitneyAuc(
    scores.map((s) => s.faithful),
    scores.map((s) => s.polished),
  );
}

/** The median of the 2n pooled scores, and the F1 of calling an image faithful when it scores above it:
 *  2 TP / (2 TP + FP + FN). No image above the threshold (every score equal) gives 0. */
export function f1Of(scores: readonly PairScore[]): { f1: number; threshold: number } {
  if (scores.length === 0) return { f1: NaN, threshold: NaN };
  const pooled = scores.flatMap((s) => [s.faithful, s.polished]).sort((a, b) => a - b);
  const mid = pooled.length / 2;
  const threshold = (pooled[mid - 1] + pooled[mid]) / 2;
  let tp = 0;
  let fp = 0;
  for (const s of scores) {
    if (s.faithful > threshold) tp++;
    if (s.polished > threshold) fp++;
  }
  const fn = scores.length - tp;
  return { f1: tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn), threshold };
}

export function separation(scores: readonly PairScore[]): Separation {
  const { f1, threshold } = f1Of(scores);
  return { n: scores.length, accuracy: accuracyOf(scores), f1, threshold, auroc: aurocOf(scores), meanGap: meanGapOf(scores) };
}

export interface IntervalOptions {
  readonly level?: number;
  readonly resamples?: number;
  readonly seed?: number;
}

/** A group's figures with their intervals; `scores` holds undefined where the judge abstained. */
export function groupMetrics(scores: readonly (PairScore | undefined)[], options: IntervalOptions = {}): GroupMetrics {
  const used = scores.filter((s): s is PairScore => s !== undefined);
  const base = separation(used);
  const boot = (statistic: (sample: readonly PairScore[]) => number) => bootstrapInterval(used, statistic, options);
  return {
    ...base,
    abstained: scores.length - used.length,
    accuracyCi: wilsonShareInterval(used.length === 0 ? 0 : base.accuracy, used.length, options.level),
    f1Ci: boot((s) => f1Of(s).f1),
    aurocCi: boot(aurocOf),
    meanGapCi: boot(meanGapOf),
  };
}

export interface JudgeMetrics extends GroupMetrics {
  readonly judge: string;
  /** Per taxonomy category (`color_and_tone`), pairs of its subcategories included. */
  readonly byCategory: Readonly<Record<string, GroupMetrics>>;
  /** Per `category.subcategory`, for pairs that name one. */
  readonly bySubcategory: Readonly<Record<string, GroupMetrics>>;
}

/** A judge's figures over every pair and per category. `categories[i]` is pair i's category, if any. */
export function judgeMetrics(judge: string, scores: readonly (PairScore | undefined)[], categories: readonly (string | undefined)[], options: IntervalOptions = {}): JudgeMetrics {
  const groups = (key: (c: string) => string | undefined) => {
    const members = new Map<string, (PairScore | undefined)[]>();
    categories.forEach((c, i) => {
      const k = c === undefined ? undefined : key(c);
      if (k === undefined) return;
      const list = members.get(k) ?? [];
      list.push(scores[i]);
      members.set(k, list);
    });
    return Object.fromEntries([...members].sort(([a], [b]) => a.localeCompare(b)).map(([k, s]) => [k, groupMetrics(s, options)]));
  };
  return {
    judge,
    ...groupMetrics(scores, options),
    byCategory: groups((c) => c.split('.')[0]),
    bySubcategory: groups((c) => (c.includes('.') ? c : undefined)),
  };
}

export interface Comparison {
  readonly a: string;
  readonly b: string;
  /** Pairs both judges scored. */
  readonly n: number;
  readonly accuracyA: number;
  readonly accuracyB: number;
  /** On d_i = gap_a,i / sd_a - gap_b,i / sd_b, each judge's gaps over the standard deviation of its 2n scores on
   *  these pairs, so judges on different scales compare; W+ > W- means `a` separates the images more. */
  readonly wilcoxon: WilcoxonResult;
  /** b: pairs `a` picked right and `b` wrong; c: the reverse. */
  readonly mcnemar: McNemarResult;
}

/** Compares two judges on the pairs both scored (`a[i]` and `b[i]` are the same pair). */
export function compareJudges(nameA: string, a: readonly (PairScore | undefined)[], nameB: string, b: readonly (PairScore | undefined)[]): Comparison {
  const both = a.flatMap((s, i) => (s !== undefined && b[i] !== undefined ? [[s, b[i]!] as const] : []));
  const sa = both.map(([x]) => x);
  const sb = both.map(([, y]) => y);
  const za = standardisedGaps(sa);
  const zb = standardisedGaps(sb);
  let right = 0;
  let wrong = 0;
  both.forEach(([x, y]) => {
    const ra = x.faithful > x.polished;
    const rb = y.faithful > y.polished;
    if (ra && !rb) right++;
    if (!ra && rb) wrong++;
  });
  return {
    a: nameA,
    b: nameB,
    n: both.length,
    accuracyA: accuracyOf(sa),
    accuracyB: accuracyOf(sb),
    wilcoxon: wilcoxonSignedRank(za.map((z, i) => z - zb[i])),
    mcnemar: mcnemar(right, wrong),
  };
}

/** Each pair's gap over the standard deviation of all 2n scores (the gaps themselves when that is 0). */
export function standardisedGaps(scores: readonly PairScore[]): number[] {
  const pooled = scores.flatMap((s) => [s.faithful, s.polished]);
  const m = mean(pooled);
  const sd = Math.sqrt(pooled.reduce((sum, v) => sum + (v - m) ** 2, 0) / Math.max(1, pooled.length - 1));
  return scores.map((s) => (sd > 0 ? (s.faithful - s.polished) / sd : s.faithful - s.polished));
}
