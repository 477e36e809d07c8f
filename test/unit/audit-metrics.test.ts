// The audit's figures against values worked out by hand (each case's arithmetic is in its comments).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { accuracyOf, aurocOf, compareJudges, f1Of, groupMetrics, judgeMetrics, meanGapOf, standardisedGaps, type PairScore } from '../../server/src/audit/metrics';
import { wilsonShareInterval } from '../../server/src/statistics/intervals';

const pairs = (...xs: Array<[number, number]>): PairScore[] => xs.map(([faithful, polished]) => ({ faithful, polished }));
// Faithful 3, 2, 1, 5 against polished 1, 2, 4, 0.
const FOUR = pairs([3, 1], [2, 2], [1, 4], [5, 0]);

test('accuracy counts a won pair 1, a tie 1/2 and a lost pair 0', () => {
  // (1 + 0.5 + 0 + 1) / 4
  assert.equal(accuracyOf(FOUR), 0.625);
  assert.ok(Number.isNaN(accuracyOf([])));
});

test('the mean gap is the mean of faithful minus polished', () => {
  // (2 + 0 - 3 + 5) / 4
  assert.equal(meanGapOf(FOUR), 1);
});

test('AUROC pools the images: every faithful score against every polished one, ties half', () => {
  // 3 beats 1, 2, 0 (3); 2 beats 1, 0 and ties 2 (2.5); 1 beats 0 and ties 1 (1.5); 5 beats all four (4): 11 / 16.
  assert.equal(aurocOf(FOUR), 11 / 16);
});

test('F1 of the faithful class above the median of the pooled scores', () => {
  // Pooled 0 1 1 2 2 3 4 5: median 2. Above it: faithful 3 and 5 (TP 2), polished 4 (FP 1); FN = 4 - 2.
  // F1 = 2 TP / (2 TP + FP + FN) = 4 / 7.
  const r = f1Of(FOUR);
  assert.equal(r.threshold, 2);
  assert.equal(r.f1, 4 / 7);
  // Every score equal: nothing is above the threshold, F1 0.
  assert.deepEqual(f1Of(pairs([1, 1], [1, 1])), { f1: 0, threshold: 1 });
  // A perfect separation: F1 1.
  assert.equal(f1Of(pairs([5, 1], [6, 2], [7, 3])).f1, 1);
});

test('abstentions are counted and left out of every figure; the accuracy interval is Wilson over the pairs used', () => {
  const m = groupMetrics([FOUR[0], undefined, FOUR[1], FOUR[2], undefined, FOUR[3]], { resamples: 500 });
  assert.equal(m.n, 4);
  assert.equal(m.abstained, 2);
  assert.equal(m.accuracy, 0.625);
  assert.equal(m.auroc, 11 / 16);
  assert.deepEqual(m.accuracyCi, wilsonShareInterval(0.625, 4));
  assert.ok(m.meanGapCi.low <= 1 && 1 <= m.meanGapCi.high, 'the bootstrap interval holds the mean gap');
  assert.ok(m.aurocCi.low >= 0 && m.aurocCi.high <= 1);
  assert.deepEqual(groupMetrics([FOUR[0], FOUR[1], FOUR[2], FOUR[3]], { resamples: 500 }).meanGapCi, m.meanGapCi, 'seeded: the same pairs give the same interval');
  const none = groupMetrics([undefined, undefined]);
  assert.equal(none.n, 0);
  assert.ok(Number.isNaN(none.accuracy));
  assert.deepEqual(none.accuracyCi, { low: 0, high: 1 });
});

test('figures per category hold the pairs of its subcategories; subcategories get their own', () => {
  const m = judgeMetrics('j', FOUR, ['color_and_tone.muted_faded', 'color_and_tone.sickly_cast', 'lighting_and_exposure', undefined], { resamples: 200 });
  assert.deepEqual(Object.keys(m.byCategory), ['color_and_tone', 'lighting_and_exposure']);
  assert.equal(m.byCategory.color_and_tone.n, 2);
  assert.equal(m.byCategory.color_and_tone.accuracy, 0.75); // won, tie
  assert.equal(m.byCategory.lighting_and_exposure.accuracy, 0);
  assert.deepEqual(Object.keys(m.bySubcategory), ['color_and_tone.muted_faded', 'color_and_tone.sickly_cast']);
  assert.equal(m.bySubcategory['color_and_tone.sickly_cast'].accuracy, 0.5);
  assert.equal(m.n, 4, 'the uncategorised pair counts in the whole');
});

test('comparisons: McNemar counts who alone was right; Wilcoxon reads gaps standardised per judge', () => {
  // B is A on a four times larger scale (a power of two, so exactly): the same standardised gaps, every difference zero.
  const a = pairs([3, 1], [1, 2], [4, 0], [2, 5], [6, 1]);
  const b = a.map((s) => ({ faithful: 4 * s.faithful, polished: 4 * s.polished }));
  const same = compareJudges('a', a, 'b', b);
  assert.equal(same.wilcoxon.zeros, 5);
  assert.equal(same.wilcoxon.p, 1);
  assert.equal(same.mcnemar.b + same.mcnemar.c, 0);
  // C gets the faithful image right exactly where A did not (pairs 2 and 4), and wrong where A was right (1, 3, 5).
  const c = pairs([1, 3], [2, 1], [0, 4], [5, 2], [1, 6]);
  const cmp = compareJudges('a', a, 'c', c);
  assert.deepEqual([cmp.mcnemar.b, cmp.mcnemar.c], [3, 2]);
  assert.equal(cmp.accuracyA, 0.6);
  assert.equal(cmp.accuracyB, 0.4);
  // Only pairs both scored are compared.
  const partial = compareJudges('a', [a[0], undefined, a[2]], 'c', [c[0], c[1], undefined]);
  assert.equal(partial.n, 1);
});

test('standardised gaps divide by the standard deviation of all the judge scores', () => {
  // Scores 1 3 (gap -2) and 5 7 (gap -2): mean 4, sample sd sqrt((9 + 1 + 1 + 9) / 3).
  const z = standardisedGaps(pairs([1, 3], [5, 7]));
  const sd = Math.sqrt(20 / 3);
  assert.deepEqual(z, [-2 / sd, -2 / sd]);
  assert.deepEqual(standardisedGaps(pairs([2, 2], [2, 2])), [0, 0]);
});
