// The leaderboard of a compare run (generators side by side): per generator, how often its images met the tests'
// expectations, how often they moved toward conventional polish instead, and how far they moved toward each
// requested trait, overall and per taxonomy category (test tag), with confidence intervals over seeds. It reads
// only the tests' results, so the terminal, JSON and HTML reports all show the same figures.
//
// Figures per generator, over its results (one per compared test):
// - pass rate: seeds that met every expectation, of all seeds (a test that ended in an error counts its seeds as
//   not passed), with Wilson's interval;
// - beautified rate: seeds on which a failing expectation moved toward polish (the verdict's own per-seed mark),
//   of all seeds, with Wilson's interval;
// - rise of a requested trait on one seed: its score on the prompt's image minus its score on the reference
//   image: the baseline's or input's when an expectation on that trait compares with it, else the seed's
//   baseline image, else the input; a test with neither has no rises. The mean over every (test, seed), overall
//   and per trait, with a seeded percentile bootstrap interval.
// Rank: higher pass rate first, then lower beautified rate, then higher mean rise, then the order given.
import { bootstrapMeanInterval, mean, wilsonInterval, type Interval } from '../statistics/intervals';
import type { ImageRecord, TestResult, Verdict } from './results';

export const LEADERBOARD_LEVEL = 0.95;

export interface Rate {
  readonly count: number;
  readonly total: number;
  /** count / total. */
  readonly rate: number;
  readonly interval: Interval;
}

export interface Mean {
  readonly mean: number;
  /** How many (test, seed) rises it is the mean of. */
  readonly n: number;
  readonly interval: Interval;
}

export interface Figures {
  /** Tests (results), and how many passed, were beautified against intent, and ended in an error. */
  readonly tests: number;
  readonly passed: number;
  readonly beautified: number;
  readonly errors: number;
  readonly passRate: Rate;
  readonly beautifiedRate: Rate;
  /** Every requested trait's rise over its reference; undefined when no test had a reference image. */
  readonly rise?: Mean;
  /** The same per requested trait, traits sorted by name. */
  readonly traits: Readonly<Record<string, Mean>>;
}

/** A generator's weakest test: its index in the run's tests, and the seed that shows it best. */
export interface WorstTest {
  readonly index: number;
  /** A failing seed (one that moved toward polish first), else the seed with the lowest rise. */
  readonly seed?: number;
  /** The test's mean rise over its seeds and requested traits. */
  readonly rise?: number;
}

export interface LeaderboardRow extends Figures {
  readonly rank: number;
  readonly generator: string;
  /** The same figures per test tag, tags sorted. */
  readonly categories: Readonly<Record<string, Figures>>;
  /** Up to three tests, worst first: beautified, then failed, then errors, then passed; fewer seeds passed first,
   *  then a lower rise. */
  readonly worst: readonly WorstTest[];
}

/** A test that ran once and is not on the board, and why. */
export interface Excluded {
  readonly index: number;
  readonly reason: string;
}

export interface Leaderboard {
  readonly level: number;
  readonly rows: readonly LeaderboardRow[];
  readonly excluded: readonly Excluded[];
}

const WORST = 3;
const VERDICT_BADNESS: Readonly<Record<Verdict, number>> = { beautified: 0, fail: 1, error: 2, pass: 3 };

/** The leaderboard of a run's results; undefined when nothing was compared. */
export function leaderboard(tests: readonly TestResult[]): Leaderboard | undefined {
  const generators: string[] = [];
  for (const t of tests) if (t.variant !== undefined && !generators.includes(t.variant)) generators.push(t.variant);
  if (generators.length === 0) return undefined;
  const order = new Map(generators.map((g, i) => [g, i]));
  const rows = generators.map((generator) => row(generator, tests));
  rows.sort((a, b) => b.passRate.rate - a.passRate.rate || a.beautifiedRate.rate - b.beautifiedRate.rate || (b.rise?.mean ?? -Infinity) - (a.rise?.mean ?? -Infinity) || order.get(a.generator)! - order.get(b.generator)!);
  const excluded = tests.flatMap((t, index) =>
    t.variant !== undefined
      ? []
      : [{ index, reason: t.generator === undefined ? 'an images test scores existing files: there is no generator to vary' : 'its spec compares no generators: it ran once, with its own' }],
  );
  return { level: LEADERBOARD_LEVEL, rows: rows.map((r, i) => ({ ...r, rank: i + 1 })), excluded };
}

function row(generator: string, tests: readonly TestResult[]): Omit<LeaderboardRow, 'rank'> {
  const indexed = tests.map((t, index) => ({ t, index })).filter(({ t }) => t.variant === generator);
  const mine = indexed.map(({ t }) => t);
  const tags = [...new Set(mine.flatMap((t) => t.tags))].sort();
  const categories: Record<string, Figures> = {};
  for (const tag of tags) categories[tag] = figures(mine.filter((t) => t.tags.includes(tag)));
  const worst = indexed
    .map(({ t, index }) => ({ t, index, rises: rises(t) }))
    .sort((a, b) => badness(a.t) - badness(b.t) || passShare(a.t) - passShare(b.t) || meanOr(a.rises, Infinity) - meanOr(b.rises, Infinity) || a.index - b.index)
    .slice(0, WORST)
    .map(({ t, index, rises: r }) => ({ index, ...worstSeedOf(t, r), ...(r.length > 0 ? { rise: mean(r.map((x) => x.value)) } : {}) }));
  return { generator, ...figures(mine), categories, worst };
}

/** The figures of some results (all one generator's, or those of one tag). */
export function figures(tests: readonly TestResult[]): Figures {
  const count = (v: Verdict) => tests.filter((t) => t.verdict === v).length;
  const seeds = tests.reduce((n, t) => n + t.passRate.total, 0);
  const passedSeeds = tests.reduce((n, t) => n + t.passRate.passed, 0);
  const beautifiedSeeds = tests.reduce((n, t) => n + beautifiedSeedsOf(t).size, 0);
  const all = tests.flatMap(rises);
  const traits: Record<string, Mean> = {};
  for (const trait of [...new Set(all.map((r) => r.trait))].sort()) traits[trait] = meanFigure(all.filter((r) => r.trait === trait).map((r) => r.value));
  return {
    tests: tests.length,
    passed: count('pass'),
    beautified: count('beautified'),
    errors: count('error'),
    passRate: rate(passedSeeds, seeds),
    beautifiedRate: rate(beautifiedSeeds, seeds),
    ...(all.length > 0 ? { rise: meanFigure(all.map((r) => r.value)) } : {}),
    traits,
  };
}

function rate(count: number, total: number): Rate {
  return { count, total, rate: total > 0 ? count / total : 0, interval: wilsonInterval(count, total, LEADERBOARD_LEVEL) };
}

function meanFigure(values: readonly number[]): Mean {
  return { mean: mean(values), n: values.length, interval: bootstrapMeanInterval(values, { level: LEADERBOARD_LEVEL }) };
}

/** Seeds on which some failing expectation moved toward polish (what the verdict counts as beautified). */
function beautifiedSeedsOf(t: TestResult): Set<number> {
  const out = new Set<number>();
  for (const e of t.expectations) for (const s of e.seeds) if (!s.passed && s.beautified === true) out.add(s.seed);
  return out;
}

interface Rise {
  readonly trait: string;
  readonly seed: number;
  readonly value: number;
}

/** Each requested trait's rise on each seed of a test over its reference image (see the top of this file). */
export function rises(t: TestResult): Rise[] {
  const out: Rise[] = [];
  const input = t.images.find((i) => i.role === 'input');
  for (const trait of t.requestedTraits ?? []) {
    const compared = t.expectations.map((e) => e.expectation).find((e) => e.measure.kind === 'trait' && e.measure.trait === trait && e.comparand.kind === 'relative');
    const ref = compared?.comparand.kind === 'relative' ? compared.comparand.ref : undefined;
    for (const image of t.images) {
      if (image.role !== 'prompt') continue;
      const baseline = t.images.find((i) => i.role === 'baseline' && i.seed === image.seed);
      const reference: ImageRecord | undefined = ref === 'input' ? input : ref === 'baseline' ? baseline : (baseline ?? input);
      const value = image.traits[trait] - (reference?.traits[trait] ?? NaN);
      if (Number.isFinite(value)) out.push({ trait, seed: image.seed, value });
    }
  }
  return out;
}

const badness = (t: TestResult) => VERDICT_BADNESS[t.verdict];
const passShare = (t: TestResult) => (t.passRate.total > 0 ? t.passRate.passed / t.passRate.total : 0);
const meanOr = (r: readonly Rise[], fallback: number) => (r.length > 0 ? mean(r.map((x) => x.value)) : fallback);

function worstSeedOf(t: TestResult, r: readonly Rise[]): { seed?: number } {
  const beautified = [...beautifiedSeedsOf(t)].sort((a, b) => a - b);
  if (beautified.length > 0) return { seed: beautified[0] };
  const failing = t.expectations.flatMap((e) => e.seeds.filter((s) => !s.passed).map((s) => s.seed)).sort((a, b) => a - b);
  if (failing.length > 0) return { seed: failing[0] };
  if (r.length === 0) return {};
  const bySeed = new Map<number, number[]>();
  for (const x of r) bySeed.set(x.seed, [...(bySeed.get(x.seed) ?? []), x.value]);
  const [seed] = [...bySeed].sort((a, b) => mean(a[1]) - mean(b[1]) || a[0] - b[0])[0];
  return { seed };
}
