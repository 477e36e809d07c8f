// The standard normal and chi-square (one degree of freedom) tails the tests of statistics/*.ts report p-values
// from. intervals.ts has the inverse (normalQuantile); these go the other way.

/** The complementary error function, erfc(x) = 1 - erf(x), by the Chebyshev fit of Numerical Recipes (Press et
 *  al., 2nd ed., section 6.2, `erfcc`): fractional error below 1.2e-7 everywhere, which is far finer than any
 *  p-value is read. */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const poly =
    -z * z -
    1.26551223 +
    t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  const r = t * Math.exp(poly);
  return x >= 0 ? r : 2 - r;
}

/** P(Z <= z) for a standard normal Z. */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z / Math.SQRT2);
}

/** The two-sided p-value of a standard normal statistic: P(|Z| >= |z|). */
export function twoSidedNormalP(z: number): number {
  return Math.min(1, erfc(Math.abs(z) / Math.SQRT2));
}

/** P(X >= x) for X chi-square with one degree of freedom (X = Z^2). */
export function chiSquare1Survival(x: number): number {
  return x <= 0 ? 1 : erfc(Math.sqrt(x / 2));
}
