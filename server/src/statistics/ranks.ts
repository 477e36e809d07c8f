// Ranks with ties, as the rank tests (Wilcoxon, Mann-Whitney) use them.

export interface Ranking {
  /** 1-based rank of each value, in input order; tied values share the mean of the ranks they span. */
  readonly ranks: Float64Array;
  /** The size of each group of tied values (groups of one included). */
  readonly ties: readonly number[];
}

/** Average ranks of `values` (ascending). */
export function averageRanks(values: readonly number[]): Ranking {
  const order = values.map((_, i) => i).sort((a, b) => values[a] - values[b]);
  const ranks = new Float64Array(values.length);
  const ties: number[] = [];
  for (let start = 0; start < order.length; ) {
    let end = start + 1;
    while (end < order.length && values[order[end]] === values[order[start]]) end++;
    // Positions start..end-1 hold ranks start+1..end: their mean is (start + 1 + end) / 2.
    const rank = (start + 1 + end) / 2;
    for (let k = start; k < end; k++) ranks[order[k]] = rank;
    ties.push(end - start);
    start = end;
  }
  return { ranks, ties };
}

/** Sum over tie groups of t^3 - t: the tie term in the variance of rank statistics (zero without ties). */
export function tieTerm(ties: readonly number[]): number {
  return ties.reduce((s, t) => s + t * t * t - t, 0);
}
