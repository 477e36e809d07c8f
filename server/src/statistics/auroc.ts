// How well one score separates two groups (here: faithful images from polished ones): the area under the ROC
// curve as the Mann-Whitney probability, and the curve itself for plotting.
import { averageRanks } from './ranks';

/** P(a random positive scores above a random negative) + half P(they tie): the Mann-Whitney U statistic over
 *  n_pos x n_neg, which equals the trapezoidal area under the empirical ROC curve (Hanley & McNeil, Radiology
 *  143:29-36, 1982). NaN when either group is empty. */
export function mannWhitneyAuc(positives: readonly number[], negatives: readonly number[]): number {
  const np = positives.length;
  const nn = negatives.length;
  if (np === 0 || nn === 0) return NaN;
  const { ranks } = averageRanks([...positives, ...negatives]);
  let rankSum = 0;
  for (let i = 0; i < np; i++) rankSum += ranks[i];
  const u = rankSum - (np * (np + 1)) / 2;
  return u / (np * nn);
}

export interface RocPoint {
  /** Share of negatives at or above the threshold. */
  readonly fpr: number;
  /** Share of positives at or above the threshold. */
  readonly tpr: number;
}

/** The empirical ROC curve from (0, 0) to (1, 1): one point per distinct score, thresholds falling. Tied scores
 *  of both groups make one diagonal step, so the trapezoids under the curve sum to mannWhitneyAuc. */
export function rocCurve(positives: readonly number[], negatives: readonly number[]): RocPoint[] {
  const np = positives.length;
  const nn = negatives.length;
  if (np === 0 || nn === 0) return [];
  const all = [...positives.map((s) => ({ s, pos: true })), ...negatives.map((s) => ({ s, pos: false }))].sort((a, b) => b.s - a.s);
  const points: RocPoint[] = [{ fpr: 0, tpr: 0 }];
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < all.length; ) {
    const s = all[i].s;
    while (i < all.length && all[i].s === s) {
      if (all[i].pos) tp++;
      else fp++;
      i++;
    }
    points.push({ fpr: fp / nn, tpr: tp / np });
  }
  return points;
}

/** The trapezoidal area under ROC points (for checking a curve against its AUC). */
export function areaUnder(points: readonly RocPoint[]): number {
  let area = 0;
  for (let i = 1; i < points.length; i++) area += ((points[i].fpr - points[i - 1].fpr) * (points[i].tpr + points[i - 1].tpr)) / 2;
  return area;
}
