// From a spec's semantic model to test plans: each test with its effective settings (defaults applied), the
// seeds expanded, the images it needs, and the traits it asks a generator to show. Planning reads no images and
// runs nothing, so the CLI can list and filter tests and count the work before starting it.
import * as path from 'node:path';
import { isTraitName, type TraitName } from '../catalogue/traits';
import { listImages } from '../generation/files';
import type { Block, Comparand, Expectation, Measure, Property, TestBlock } from '../language/ast';
import { splitLines } from '../language/lexer';
import type { Analysis, Definition } from '../language/analysis';

export interface PlannedExpectation {
  readonly expect: Expectation;
  /** The expectation as written, e.g. `grain > baseline + 0.3`. */
  readonly text: string;
  readonly line: number;
  readonly character: number;
}

export interface TestPlan {
  readonly name: string;
  readonly spec: string;
  readonly line: number;
  readonly tags: readonly string[];
  /** The generator's definition; undefined for an `images` test. */
  readonly generator?: Definition;
  readonly prompt: string;
  readonly negative?: string;
  readonly baseline?: string;
  readonly input?: string;
  readonly strength?: number;
  /** Existing images scored instead of generated (an `images` test), absolute paths. */
  readonly images?: readonly string[];
  readonly seeds: readonly number[];
  readonly width: number;
  readonly height: number;
  readonly steps?: number;
  readonly guidance?: number;
  /** Share of seeds that must meet every expectation. */
  readonly passRatio: number;
  /** An `aesthetic` or `reward` judge that replaces the `polish` trait in deciding *beautified*. */
  readonly aestheticJudge?: Definition;
  readonly expectations: readonly PlannedExpectation[];
  /** Traits the test asks to be present (`grain >= 0.6`, `blur > baseline`): what `degrade` applies. */
  readonly requestedTraits: readonly TraitName[];
  /** Judge measures the test reads, by their expression text (`clip("rotten fruit")`, `reward(hps)`). */
  readonly judgeMeasures: readonly Measure[];
  /** The judges the spec can name, by name; `clip:default` is the only clip judge when there is exactly one. */
  readonly judgeDefinitions: ReadonlyMap<string, Definition>;
}

const DEFAULT_SIZE = 1024;

/** Plans every test of an analysed spec. `seedsOverride` replaces every test's seeds (the CLI's --seeds). */
export function planTests(analysis: Analysis, seedsOverride?: readonly number[]): TestPlan[] {
  const defaults = analysis.file.blocks.find((b) => b.kind === 'defaults');
  const lines = splitLines(analysis.file.text);
  const judges = judgeDefinitions(analysis);
  return analysis.tests.map((t) => planTest(t, defaults, analysis, lines, judges, seedsOverride));
}

function planTest(
  t: TestBlock,
  defaults: Block | undefined,
  analysis: Analysis,
  lines: readonly string[],
  judges: ReadonlyMap<string, Definition>,
  seedsOverride?: readonly number[],
): TestPlan {
  const own = (key: string) => last(t.properties, key);
  const setting = (key: string) => own(key) ?? (defaults ? last(defaults.properties, key) : undefined);
  const text = (p: Property | undefined) => (p && (p.value.type === 'text' || p.value.type === 'word') ? p.value.text : undefined);
  const dir = path.dirname(analysis.path);
  const numberOf = (p: Property | undefined) => {
    const v = text(p);
    const n = v === undefined ? NaN : Number(v);
    return Number.isFinite(n) ? n : undefined;
  };
  const ref = (p: Property | undefined, kind: 'generator' | 'judge') => {
    const name = text(p);
    const d = name === undefined ? undefined : analysis.visible.get(name);
    return d && d.kind === kind ? d : undefined;
  };

  const sizeProp = setting('size');
  const size = sizeProp?.value.type === 'size' ? sizeProp.value : undefined;
  const passProp = setting('pass');
  const inputText = text(own('input'));
  const imagesText = text(own('images'));
  const expectations = t.properties
    .filter((p) => p.value.type === 'expect' && p.value.expect.measure && p.value.expect.op && p.value.expect.comparand)
    .map((p) => {
      const e = (p.value as Extract<Property['value'], { type: 'expect' }>).expect;
      const r = e.range;
      return { expect: e, text: lines[r.start.line].slice(r.start.character, r.end.character), line: p.key.range.start.line, character: p.key.range.start.character };
    });
  const generator = imagesText === undefined ? ref(setting('generator'), 'generator') : undefined;
  return {
    name: t.name?.text ?? '',
    spec: analysis.path,
    line: t.headerRange.start.line,
    tags: t.tags.map((x) => x.text),
    generator,
    prompt: text(own('prompt')) ?? '',
    negative: text(own('negative')),
    baseline: text(own('baseline')),
    input: inputText === undefined ? undefined : path.resolve(dir, inputText),
    strength: numberOf(own('strength')),
    images: imagesText === undefined ? undefined : listImages(analysis.path, imagesText),
    seeds: seedsOverride ?? expandSeeds(setting('seeds')),
    width: size?.width.value ?? DEFAULT_SIZE,
    height: size?.height.value ?? DEFAULT_SIZE,
    steps: numberOf(setting('steps')),
    guidance: numberOf(setting('guidance')),
    passRatio: passProp?.value.type === 'pass' ? passProp.value.ratio : 1,
    aestheticJudge: ref(setting('aesthetic'), 'judge'),
    expectations,
    requestedTraits: requestedTraits(expectations.map((e) => e.expect)),
    judgeMeasures: judgeMeasures(expectations.map((e) => e.expect)),
    judgeDefinitions: judges,
  };
}

function judgeDefinitions(analysis: Analysis): Map<string, Definition> {
  const out = new Map<string, Definition>();
  for (const d of analysis.visible.values()) if (d.kind === 'judge') out.set(d.name, d);
  const clips = [...out.values()].filter((d) => d.type === 'clip');
  if (clips.length === 1) out.set('clip:default', clips[0]);
  return out;
}

function last(props: readonly Property[], key: string): Property | undefined {
  for (let i = props.length - 1; i >= 0; i--) if (props[i].key.text === key && props[i].value.type !== 'missing') return props[i];
  return undefined;
}

/** `1..4, 7` to [1, 2, 3, 4, 7], in order, without repeats; [1] when the test and defaults give none. */
export function expandSeeds(p: Property | undefined): number[] {
  if (!p || p.value.type !== 'seeds') return [1];
  const out: number[] = [];
  const seen = new Set<number>();
  for (const item of p.value.items) {
    const from = item.from.value;
    const to = item.to?.value ?? from;
    for (let s = from; s <= to; s++) {
      if (!seen.has(s)) {
        seen.add(s);
        out.push(s);
      }
    }
  }
  return out.length ? out : [1];
}

/** A trait is requested when an expectation asks it to be high: `trait >= x`, `trait > baseline`... `polish` is
 *  never requested: it is what anti-aesthetic prompts ask a model not to default to. */
function requestedTraits(expectations: readonly Expectation[]): TraitName[] {
  const out = new Set<TraitName>();
  for (const e of expectations) {
    if (e.measure?.type !== 'trait' || !e.op) continue;
    const name = e.measure.name.text;
    if (isTraitName(name) && name !== 'polish' && (e.op.text === '>' || e.op.text === '>=')) out.add(name);
  }
  return [...out];
}

function judgeMeasures(expectations: readonly Expectation[]): Measure[] {
  const out = new Map<string, Measure>();
  const add = (m: Measure | undefined) => {
    if (m?.type === 'call') out.set(measureKey(m), m);
  };
  for (const e of expectations) {
    add(e.measure);
    const c: Comparand | undefined = e.comparand;
    if (c?.type === 'measure') add(c.measure);
  }
  return [...out.values()];
}

/** A measure's identity as text: `grain`, `clip(clip-l, "a rotten fruit")`, `reward(hps)`. */
export function measureKey(m: Measure): string {
  if (m.type === 'trait') return m.name.text;
  return `${m.fn.text}(${m.args.map((a) => (a.quoted ? JSON.stringify(a.text) : a.text)).join(', ')})`;
}
