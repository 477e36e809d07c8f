// Deciding a test from its images' measures: each expectation per seed, the test by its pass rate over seeds,
// and whether a failing test was *beautified against intent*: the image did not show the requested trait any
// more than the baseline (or the input, for edits) did, and came out at least as polished.
import type { CompareOp, ExpectationSpec, MeasureSpec } from '../language/resolved';
import { requiredSeeds } from '../catalogue/values';
import type { ExpectationResult, SeedOutcome, Verdict } from './results';

/** What was measured on one image: trait scores by name, judge measures by their expression text. */
export interface Measures {
  readonly traits: Readonly<Record<string, number>>;
  readonly judges: Readonly<Record<string, number>>;
}

export interface SeedMeasures {
  readonly seed: number;
  readonly prompt: Measures;
  readonly baseline?: Measures;
}

export interface Decision {
  readonly verdict: Exclude<Verdict, 'error'>;
  readonly reasons: string[];
  readonly expectations: ExpectationResult[];
  readonly passRate: { readonly passed: number; readonly total: number; readonly required: number };
}

export interface DecideOptions {
  readonly passRatio: number;
  /** Measures of the input image, for edits. */
  readonly input?: Measures;
  /** The measure standing for polish: the `polish` trait, or a declared aesthetic judge's expression. */
  readonly polishKey?: { readonly kind: 'trait' | 'judge'; readonly key: string };
  /** What to call each "seed" in reasons when the images are files (an `images` test): their paths. */
  readonly imageNames?: ReadonlyMap<number, string>;
}

const POLISH = { kind: 'trait', key: 'polish' } as const;

export function measureValue(m: MeasureSpec, on: Measures): number | undefined {
  return m.kind === 'trait' ? on.traits[m.trait] : on.judges[m.key];
}

function compare(op: CompareOp, a: number, b: number): boolean {
  switch (op) {
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
  }
}

/** Decides every expectation on every seed and the test as a whole. Throws when a needed measure is missing
 *  (a baseline image that was not made, a judge that was not run): the runner reports that as an error. */
export function decide(expectations: readonly ExpectationSpec[], seeds: readonly SeedMeasures[], options: DecideOptions): Decision {
  const polish = options.polishKey ?? POLISH;
  const polishOf = (m: Measures) => (polish.kind === 'trait' ? m.traits[polish.key] : m.judges[polish.key]);
  const results: ExpectationResult[] = [];
  const seedPassed = new Map(seeds.map((s) => [s.seed, true]));
  const seedBeautified = new Set<number>();

  for (const e of expectations) {
    const { measure, op, comparand: c } = e;
    const outcomes: SeedOutcome[] = [];
    for (const s of seeds) {
      const value = need(measureValue(measure, s.prompt), e.text, 'the image');
      let against: number;
      let reference: Measures | undefined;
      if (c.kind === 'number') against = c.value;
      else if (c.kind === 'measure') against = need(measureValue(c.measure, s.prompt), e.text, 'the image');
      else {
        reference = c.ref === 'baseline' ? s.baseline : options.input;
        if (!reference) throw new Error(`${e.text}: no ${c.ref} image was measured`);
        against = need(measureValue(measure, reference), e.text, `the ${c.ref} image`) + c.margin;
      }
      const passed = compare(op, value, against);
      let beautified: boolean | undefined;
      if (!passed) {
        beautified = isBeautified(measure, op, s.prompt, reference ?? s.baseline ?? options.input, polishOf, polish.key);
        seedPassed.set(s.seed, false);
        if (beautified) seedBeautified.add(s.seed);
      }
      outcomes.push({ seed: s.seed, value, against, passed, ...(beautified !== undefined ? { beautified } : {}) });
    }
    const failing = outcomes.filter((o) => !o.passed);
    const reason = failing.length === 0 ? '' : describeFailure(e, failing, seeds, options, polishOf, polish.key);
    results.push({ expectation: e, seeds: outcomes, passed: failing.length === 0, reason });
  }

  const total = seeds.length;
  const passed = [...seedPassed.values()].filter(Boolean).length;
  const required = requiredSeeds(options.passRatio, total);
  const passRate = { passed, total, required };
  if (passed >= required) return { verdict: 'pass', reasons: [], expectations: results, passRate };
  const failingSeeds = total - passed;
  const verdict = seedBeautified.size * 2 >= failingSeeds && seedBeautified.size > 0 ? 'beautified' : 'fail';
  const head =
    `${passed} of ${total} seed${total === 1 ? '' : 's'} met every expectation; ${required} required` +
    (verdict === 'beautified' ? `; ${seedBeautified.size} of the ${failingSeeds} failing seed${failingSeeds === 1 ? '' : 's'} moved toward conventional polish instead` : '');
  return { verdict, reasons: [head, ...results.filter((r) => !r.passed).map((r) => r.reason)], expectations: results, passRate };
}

function need(v: number | undefined, text: string, where: string): number {
  if (v === undefined || !Number.isFinite(v)) throw new Error(`${text}: no value for ${where}`);
  return v;
}

/** A failing expectation moved toward polish when it asked for more of an anti-aesthetic trait and the image
 *  shows no more of it than the reference, while being at least as polished; or when it asked for less polish
 *  and got more. */
function isBeautified(measure: MeasureSpec, op: CompareOp, image: Measures, reference: Measures | undefined, polishOf: (m: Measures) => number | undefined, polishKey: string): boolean {
  // Beautified is a movement: with no baseline or input to compare with, a failure is a plain failure.
  if (measure.kind !== 'trait' || !reference) return false;
  const name = measure.trait;
  const asksForMore = op === '>' || op === '>=';
  const p = polishOf(image);
  const refP = polishOf(reference);
  if (p === undefined || refP === undefined) return false;
  const asPolished = p >= refP - 1e-9;
  if (name === 'polish' || name === polishKey) return !asksForMore && asPolished;
  if (!asksForMore) return false;
  const trait = image.traits[name];
  const refTrait = reference.traits[name];
  if (trait === undefined || refTrait === undefined) return false;
  return trait <= refTrait + 1e-9 && asPolished;
}

/** "asked for grain >= 0.6; got 0.12 (baseline 0.10); polish 0.81 vs baseline 0.78; seeds 1, 2, 4" with the
 *  values averaged over the failing seeds. */
function describeFailure(
  e: ExpectationSpec,
  failing: readonly SeedOutcome[],
  seeds: readonly SeedMeasures[],
  options: DecideOptions,
  polishOf: (m: Measures) => number | undefined,
  polishName: string,
): string {
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const f2 = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(0) : x.toFixed(2));
  const bySeed = new Map(seeds.map((s) => [s.seed, s]));
  const { measure, comparand: c } = e;
  const parts = [`asked for ${e.text}`];
  let got = `got ${f2(mean(failing.map((o) => o.value)))}`;
  const reference = (s: SeedMeasures) => (c.kind === 'relative' && c.ref === 'input' ? options.input : (s.baseline ?? options.input));
  const refName = c.kind === 'relative' ? c.ref : seeds.some((s) => s.baseline) ? 'baseline' : options.input ? 'input' : undefined;
  if (refName) {
    const refValues = failing.map((o) => {
      const r = reference(bySeed.get(o.seed)!);
      return r ? measureValue(measure, r) : undefined;
    });
    if (refValues.every((v) => v !== undefined)) got += ` (${refName} ${f2(mean(refValues as number[]))})`;
  }
  parts.push(got);
  if (refName) {
    const ps = failing.map((o) => polishOf(bySeed.get(o.seed)!.prompt));
    const rs = failing.map((o) => {
      const r = reference(bySeed.get(o.seed)!);
      return r ? polishOf(r) : undefined;
    });
    if (ps.every((v) => v !== undefined) && rs.every((v) => v !== undefined)) {
      parts.push(`${polishName} ${f2(mean(ps as number[]))} vs ${refName} ${f2(mean(rs as number[]))}`);
    }
  }
  const names = options.imageNames;
  if (names) parts.push(`${failing.length === 1 ? 'image' : 'images'} ${failing.map((o) => names.get(o.seed) ?? `#${o.seed}`).join(', ')}`);
  else parts.push(`seed${failing.length === 1 ? '' : 's'} ${failing.map((o) => o.seed).join(', ')}`);
  return parts.join('; ');
}
