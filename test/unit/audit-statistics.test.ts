// The tests an audit reports, against published worked examples (each cited where it is used).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { areaUnder, mannWhitneyAuc, rocCurve } from '../../server/src/statistics/auroc';
import { wilsonInterval, wilsonShareInterval } from '../../server/src/statistics/intervals';
import { binomialTwoSidedHalf, mcnemar } from '../../server/src/statistics/mcnemar';
import { chiSquare1Survival, erfc, normalCdf, twoSidedNormalP } from '../../server/src/statistics/normal';
import { averageRanks, tieTerm } from '../../server/src/statistics/ranks';
import { exactSignedRankP, wilcoxonSignedRank } from '../../server/src/statistics/wilcoxon';

const close = (actual: number, expected: number, tolerance: number, what: string) =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual} is not within ${tolerance} of ${expected}`);

test('normal and chi-square tails match the standard tables', () => {
  close(normalCdf(1.96), 0.9750021, 2e-7, 'Phi(1.96)');
  close(normalCdf(-1), 0.1586553, 2e-7, 'Phi(-1)');
  close(twoSidedNormalP(3), 0.0026998, 2e-7, 'two-sided p of z = 3');
  close(erfc(0), 1, 1e-7, 'erfc(0)');
  close(erfc(-0.5) + erfc(0.5), 2, 1e-12, 'erfc(-x) + erfc(x)');
  // chi-square(1) 5% critical value 3.841, 1% 6.635.
  close(chiSquare1Survival(3.841459), 0.05, 1e-6, 'chi2(1) at 3.841');
  close(chiSquare1Survival(6.634897), 0.01, 1e-6, 'chi2(1) at 6.635');
  assert.equal(chiSquare1Survival(0), 1);
});

test('average ranks share tied positions, and the tie term counts them', () => {
  const r = averageRanks([5, 15, 5, 7, 20]);
  assert.deepEqual([...r.ranks], [1.5, 4, 1.5, 3, 5]);
  assert.deepEqual(r.ties, [2, 1, 1, 1]);
  assert.equal(tieTerm(r.ties), 6);
  assert.equal(tieTerm([1, 1, 1]), 0);
});

test('Wilcoxon signed-rank: exact p on the Hollander & Wolfe depression data (R ?wilcox.test: V = 40, p = 0.03906)', () => {
  // Hollander & Wolfe (1973), p. 29; the example of R's wilcox.test help page, paired, two-sided.
  const x = [1.83, 0.5, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.3];
  const y = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29];
  const r = wilcoxonSignedRank(x.map((v, i) => v - y[i]));
  assert.equal(r.method, 'exact');
  assert.equal(r.n, 9);
  assert.equal(r.wPlus, 40);
  assert.equal(r.wMinus, 5);
  close(r.p, 0.0390625, 1e-12, 'exact p');
  // The same data with R's exact = FALSE (normal approximation, continuity correction): p = 0.04401.
  const approx = wilcoxonSignedRank(x.map((v, i) => v - y[i]), 0);
  assert.equal(approx.method, 'normal');
  close(approx.p, 0.04401, 1e-5, 'normal p');
  close(approx.z!, 17 / Math.sqrt(71.25), 1e-12, 'z = (40 - 22.5 - 0.5) / sqrt(9*10*19/24)');
});

test("Wilcoxon signed-rank: scipy's documented example (Fisher's Zea mays differences), exact p = 0.041259765625", () => {
  // scipy.stats.wilcoxon documentation: the height differences of cross- and self-fertilised Zea mays plants.
  const d = [6, 8, 14, 16, 23, 24, 28, 29, 41, -48, 49, 56, 60, -67, 75];
  const r = wilcoxonSignedRank(d);
  assert.equal(r.wMinus, 24);
  assert.equal(r.p, 0.041259765625);
});

test('Wilcoxon signed-rank: a zero is dropped and ties take the normal approximation with the tie correction', () => {
  // The worked example of Wikipedia's "Wilcoxon signed-rank test" article: one zero, two tied magnitudes (5),
  // W+ = 27 and W- = 18 over 9 ranks. Its p with the tie and continuity corrections, 0.6353, is what
  // scipy.stats.wilcoxon(d, method='approx', correction=True) and R's wilcox.test(correct = TRUE) give.
  const d = [15, -7, 5, 20, 0, -9, 17, -12, 5, -10];
  const r = wilcoxonSignedRank(d);
  assert.equal(r.zeros, 1);
  assert.equal(r.n, 9);
  assert.equal(r.wPlus, 27);
  assert.equal(r.wMinus, 18);
  assert.equal(r.method, 'normal');
  close(r.p, 0.6352893, 1e-6, 'p');
  assert.deepEqual(wilcoxonSignedRank([0, 0, 0]), { n: 0, zeros: 3, wPlus: 0, wMinus: 0, z: 0, p: 1, method: 'normal' });
  // The exact distribution: all 2^n sign patterns, symmetric, so the largest possible small sum gives p = 1.
  assert.equal(exactSignedRankP(4, 5), 1);
  close(exactSignedRankP(5, 0), 2 / 32, 1e-15, 'n = 5, every difference positive');
});

test("McNemar: exact binomial p for few discordant pairs, chi-square with Edwards' correction for many", () => {
  // Fagerland, Lydersen & Laake (2013), BMC Med Res Methodol 13:91, airway hyper-responsiveness example: b = 1,
  // c = 7; exact conditional p = 0.070.
  const small = mcnemar(1, 7);
  assert.equal(small.method, 'exact');
  close(small.p, 0.0703125, 1e-12, 'exact p');
  // Agresti (2007), An Introduction to Categorical Data Analysis, 2nd ed., section 8.1: presidential approval,
  // 150 approve -> disapprove and 86 the reverse; with the continuity correction X^2 = 63^2 / 236 = 16.82.
  const large = mcnemar(150, 86);
  assert.equal(large.method, 'chi-square');
  close(large.chiSquare!, 16.81779661, 1e-8, 'X^2');
  close(large.p, 4.1146e-5, 1e-8, 'p');
  assert.equal(mcnemar(0, 0).p, 1);
  assert.equal(mcnemar(30, 30).p, 1);
  close(binomialTwoSidedHalf(0, 10), 2 / 1024, 1e-15, 'all ten one way');
  assert.throws(() => mcnemar(1.5, 2), /whole counts/);
});

test('AUROC: Hanley & McNeil (1982) radiologist ratings give 0.893, and the ROC curve encloses the same area', () => {
  // Hanley & McNeil, Radiology 143:29-36, table 1: 58 normal and 51 abnormal CT images rated 1 (definitely normal)
  // to 5 (definitely abnormal); area 0.893 by the Wilcoxon statistic.
  const rated = (counts: number[]) => counts.flatMap((c, k) => Array<number>(c).fill(k + 1));
  const normal = rated([33, 6, 6, 11, 2]);
  const abnormal = rated([3, 2, 2, 11, 33]);
  const auc = mannWhitneyAuc(abnormal, normal);
  close(auc, 0.893, 5e-4, 'AUC');
  const curve = rocCurve(abnormal, normal);
  assert.deepEqual(curve[0], { fpr: 0, tpr: 0 });
  assert.deepEqual(curve[curve.length - 1], { fpr: 1, tpr: 1 });
  assert.equal(curve.length, 6, 'one point per rating, plus the origin');
  close(areaUnder(curve), auc, 1e-12, 'area under the curve');
  assert.equal(mannWhitneyAuc([2, 3], [1, 1]), 1);
  assert.equal(mannWhitneyAuc([1], [1]), 0.5);
  assert.ok(Number.isNaN(mannWhitneyAuc([], [1])));
});

test('Wilson share interval: the count interval for whole counts, and in between for half counts', () => {
  assert.deepEqual(wilsonShareInterval(81 / 263, 263), wilsonInterval(81, 263));
  const half = wilsonShareInterval(7.5 / 10, 10);
  const below = wilsonInterval(7, 10);
  const above = wilsonInterval(8, 10);
  assert.ok(below.low < half.low && half.low < above.low);
  assert.ok(below.high < half.high && half.high < above.high);
  assert.throws(() => wilsonShareInterval(1.2, 10), /0 <= p <= 1/);
});
