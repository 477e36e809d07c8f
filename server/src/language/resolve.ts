// From an analysed spec to a resolved one (resolved.ts): the one place that decides what a test's (and an
// audit's) settings are.
// The rule for a key set more than once is the checker's ("this one wins"): the later line; a test's own setting
// wins over the file's `defaults`. Hover reads the same functions, so what it explains is what a run does.
import * as path from 'node:path';
import type { DeclaredSetting, DeclaredValue, GeneratorDeclaration, JudgeDeclaration, SettingValue } from '../catalogue/declarations';
import { AUDIT_KEYS, BUILTIN_JUDGE, generatorKind, GENERATOR_KIND_KEY, type KeySpec } from '../catalogue/schema';
import { isTraitName, type TraitName } from '../catalogue/traits';
import { MAX_SEEDS, requiredSeeds, typedValue } from '../catalogue/values';
import type { Analysis, Definition } from './analysis';
import { lastSetting, type AuditBlock, type Block, type Comparand, type Expectation, type GeneratorBlock, type JudgeBlock, type Measure, type Property, type SpecFile, type TestBlock } from './ast';
import { splitLines } from './lexer';
import type { AuditJudgeRef, ComparandSpec, ExpectationSpec, MeasureSpec, ResolvedAudit, ResolvedSpec, ResolvedTest } from './resolved';

const DEFAULT_SIZE = 1024;

/** The visible definitions of a spec file (its own and its imports'), for looking up a judge's encoder where the
 *  judge is declared. */
export type ScopeOf = (file: string) => ReadonlyMap<string, Definition> | undefined;

export function resolveSpec(analysis: Analysis, scopeOf: ScopeOf = () => undefined): ResolvedSpec {
  const lines = splitLines(analysis.file.text);
  const judges = judgeScope(analysis.visible, scopeOf);
  const declared = new Map<string, GeneratorDeclaration>();
  const generator = (d: Definition) => {
    let g = declared.get(d.name);
    if (!g) declared.set(d.name, (g = generatorDeclaration(d)));
    return g;
  };
  const tests = analysis.tests.map((t) => resolveTest(t, analysis, lines, judges, generator));
  const audits = analysis.audits.map((a) => resolveAudit(a, analysis.path, judges));
  const generators = new Map<string, GeneratorDeclaration>();
  for (const d of analysis.visible.values()) if (d.kind === 'generator') generators.set(d.name, generator(d));
  return { path: analysis.path, tests, audits, judges, generators };
}

const MIN_ACCURACY_KEY = AUDIT_KEYS.find((k) => k.key === 'min-accuracy')!;

/** An audit block as data: its pairs as an absolute path, each judge it names once (in the order first written)
 *  with its declaration (none for the built-in `traits`), its minimum accuracy as a share 0..1. */
function resolveAudit(a: AuditBlock, spec: string, judges: ReadonlyMap<string, JudgeDeclaration>): ResolvedAudit {
  const word = (key: string) => {
    const p = lastSetting(a, key);
    return p?.value.type === 'word' ? p.value.text : undefined;
  };
  const refs: AuditJudgeRef[] = [];
  for (const p of a.properties) {
    if (p.key.text !== 'judge' || p.value.type !== 'word') continue;
    const name = p.value.text;
    if (refs.some((r) => r.name === name)) continue;
    const declaration = name === BUILTIN_JUDGE ? undefined : judges.get(name);
    refs.push({ name, range: p.value.range, ...(declaration ? { declaration } : {}) });
  }
  const pairs = word('pairs');
  const accuracy = word('min-accuracy');
  const typed = accuracy === undefined ? undefined : typedValue(MIN_ACCURACY_KEY, accuracy);
  return {
    name: a.name?.text ?? '',
    spec,
    headerRange: a.headerRange,
    range: a.range,
    tags: a.tags.map((t) => t.text),
    pairs: pairs === undefined || pairs === '' ? undefined : path.resolve(path.dirname(spec), pairs),
    judges: refs,
    minAccuracy: typed?.ok && typeof typed.value === 'number' ? typed.value : undefined,
  };
}

function resolveTest(
  t: TestBlock,
  analysis: Analysis,
  lines: readonly string[],
  judges: ReadonlyMap<string, JudgeDeclaration>,
  generatorOf: (d: Definition) => GeneratorDeclaration,
): ResolvedTest {
  const own = (key: string) => lastSetting(t, key);
  const setting = (key: string) => effectiveSetting(analysis.file, t, key);
  const word = (p: Property | undefined) => (p && (p.value.type === 'text' || p.value.type === 'word') ? p.value.text : undefined);
  const numberOf = (p: Property | undefined) => {
    const v = word(p);
    const n = v === undefined ? NaN : Number(v);
    return Number.isFinite(n) ? n : undefined;
  };
  const ref = (p: Property | undefined, kind: 'generator' | 'judge') => {
    const name = word(p);
    const d = name === undefined ? undefined : analysis.visible.get(name);
    return d && d.kind === kind ? d : undefined;
  };
  const size = setting('size')?.value;
  const images = word(own('images'));
  const input = word(own('input'));
  const expectations = t.properties.flatMap((p) => {
    const e = p.value.type === 'expect' ? expectationSpec(p, p.value.expect, lines) : undefined;
    return e ? [e] : [];
  });
  const seeds = expandSeeds(setting('seeds'));
  const passRatio = passRatioOf(setting('pass'));
  const compared = images === undefined ? comparedGenerators(setting('compare'), analysis.visible) : [];
  const named = ref(setting('generator'), 'generator');
  const generatorDef = images === undefined ? (named ?? compared[0]) : undefined;
  const filesDir = named?.type === 'files' ? generatorOf(named).values.dir : undefined;
  const aesthetic = ref(setting('aesthetic'), 'judge');
  return {
    name: t.name?.text ?? '',
    spec: analysis.path,
    headerRange: t.headerRange,
    range: t.range,
    tags: t.tags.map((x) => x.text),
    generator: generatorDef && generatorOf(generatorDef),
    ...(compared.length > 0 ? { compare: compared.map(generatorOf) } : {}),
    prompt: word(own('prompt')) ?? '',
    negative: word(own('negative')),
    baseline: word(own('baseline')),
    input: input === undefined ? undefined : path.resolve(path.dirname(analysis.path), input),
    strength: numberOf(own('strength')),
    images,
    imagesDir: images === undefined ? undefined : typeof filesDir === 'string' ? filesDir : path.dirname(analysis.path),
    seeds,
    passRatio,
    requiredSeeds: requiredSeeds(passRatio, seeds.length),
    width: size?.type === 'size' ? size.width.value : DEFAULT_SIZE,
    height: size?.type === 'size' ? size.height.value : DEFAULT_SIZE,
    steps: numberOf(setting('steps')),
    guidance: numberOf(setting('guidance')),
    aestheticJudge: aesthetic && judges.get(aesthetic.name),
    expectations,
    requestedTraits: requestedTraits(expectations),
    judgeMeasures: judgeMeasures(expectations),
    judges,
  };
}

// ---- effective settings ------------------------------------------------------------------------------------

/** A setting as a block runs with it: its own, else (for a test) the file's `defaults`. */
export function effectiveSetting(file: SpecFile, block: Block, key: string): Property | undefined {
  const own = lastSetting(block, key);
  if (own || block.kind !== 'test') return own;
  const defaults = file.blocks.find((b) => b.kind === 'defaults');
  return defaults && lastSetting(defaults, key);
}

/** The generators a `compare` list names, each once, in the order written; names that are not generators are
 *  left out (the checker reports them, and a spec with errors does not run). */
function comparedGenerators(p: Property | undefined, visible: ReadonlyMap<string, Definition>): Definition[] {
  if (p?.value.type !== 'names') return [];
  const out = new Map<string, Definition>();
  for (const item of p.value.items) {
    const d = visible.get(item.text);
    if (d?.kind === 'generator' && !out.has(d.name)) out.set(d.name, d);
  }
  return [...out.values()];
}

/** `1..4, 7` to [1, 2, 3, 4, 7], in order, without repeats; [1] when none is given. A value the checker refuses
 *  (more than MAX_SEEDS seeds, a backwards range) is never expanded: it yields what it could before the limit,
 *  and a spec with errors does not run. */
export function expandSeeds(p: Property | undefined): number[] {
  if (!p || p.value.type !== 'seeds') return [1];
  const out: number[] = [];
  const seen = new Set<number>();
  for (const item of p.value.items) {
    const from = item.from.value;
    const to = item.to?.value ?? from;
    for (let s = from; s <= to && out.length < MAX_SEEDS; s++) {
      if (!seen.has(s)) {
        seen.add(s);
        out.push(s);
      }
    }
  }
  return out.length ? out : [1];
}

/** The pass ratio a `pass` setting gives; every seed when none is set. */
export function passRatioOf(p: Property | undefined): number {
  return p?.value.type === 'pass' && Number.isFinite(p.value.ratio) ? p.value.ratio : 1;
}

// ---- expectations -----------------------------------------------------------------------------------------

function expectationSpec(p: Property, e: Expectation, lines: readonly string[]): ExpectationSpec | undefined {
  if (!e.measure || !e.op || !e.comparand) return undefined;
  const measure = measureSpec(e.measure);
  const comparand = comparandSpec(e.comparand);
  if (!measure || !comparand) return undefined;
  const slice = (r: { start: { line: number; character: number }; end: { character: number } }) => lines[r.start.line].slice(r.start.character, r.end.character);
  return { measure, op: e.op.text, comparand, text: slice(e.range), comparandText: slice(e.comparand.range), range: { start: p.key.range.start, end: e.range.end } };
}

function measureSpec(m: Measure): MeasureSpec | undefined {
  if (m.type === 'trait') return { kind: 'trait', trait: m.name.text, key: m.name.text };
  const judge = m.args.find((a) => !a.quoted)?.text;
  const text = m.args.find((a) => a.quoted)?.text;
  const key = `${m.fn.text}(${m.args.map((a) => (a.quoted ? JSON.stringify(a.text) : a.text)).join(', ')})`;
  return { kind: 'judge', fn: m.fn.text, ...(judge !== undefined ? { judge } : {}), ...(text !== undefined ? { text } : {}), key };
}

function comparandSpec(c: Comparand): ComparandSpec | undefined {
  switch (c.type) {
    case 'number':
      return { kind: 'number', value: c.number.value };
    case 'relative': {
      const ref = c.ref.text;
      if (ref !== 'baseline' && ref !== 'input') return undefined;
      const margin = c.margin ? (c.sign === '-' ? -c.margin.value : c.margin.value) : 0;
      return { kind: 'relative', ref, margin };
    }
    case 'measure': {
      const measure = measureSpec(c.measure);
      return measure && { kind: 'measure', measure };
    }
  }
}

/** A trait is requested when an expectation asks it to be high: `trait >= x`, `trait > baseline`... `polish` is
 *  never requested: it is what anti-aesthetic prompts ask a model not to default to. */
function requestedTraits(expectations: readonly ExpectationSpec[]): TraitName[] {
  const out = new Set<TraitName>();
  for (const e of expectations) {
    if (e.measure.kind !== 'trait') continue;
    const name = e.measure.trait;
    if (isTraitName(name) && name !== 'polish' && (e.op === '>' || e.op === '>=')) out.add(name);
  }
  return [...out];
}

function judgeMeasures(expectations: readonly ExpectationSpec[]): Extract<MeasureSpec, { kind: 'judge' }>[] {
  const out = new Map<string, Extract<MeasureSpec, { kind: 'judge' }>>();
  for (const e of expectations) {
    if (e.measure.kind === 'judge') out.set(e.measure.key, e.measure);
    if (e.comparand.kind === 'measure' && e.comparand.measure.kind === 'judge') out.set(e.comparand.measure.key, e.comparand.measure);
  }
  return [...out.values()];
}

// ---- declarations -----------------------------------------------------------------------------------------

function declaredSettings(block: GeneratorBlock | JudgeBlock): DeclaredSetting[] {
  return block.properties.map((p) => ({ key: p.key.text, value: declaredValue(p), keyRange: p.key.range, valueRange: p.value.range, range: p.range }));
}

function declaredValue(p: Property): DeclaredValue {
  const v = p.value;
  switch (v.type) {
    case 'word':
    case 'text':
      return { type: 'word', text: v.text };
    case 'numbers':
      return { type: 'numbers', values: v.values.map((n) => n.value) };
    case 'size':
      return { type: 'word', text: `${v.width.text}x${v.height.text}` };
    default:
      return { type: 'missing' };
  }
}

function generatorDeclaration(d: Definition): GeneratorDeclaration {
  return generatorDeclarationOf(d.block as GeneratorBlock, d.path);
}

/** A generator block of the spec `file`, with its effective settings typed by its kind's schema. */
export function generatorDeclarationOf(block: GeneratorBlock, file: string): GeneratorDeclaration {
  const kindSetting = lastSetting(block, 'kind');
  const kind = kindSetting?.value.type === 'word' ? kindSetting.value.text : '';
  const keys = generatorKind(kind)?.settings ?? [];
  const dir = path.dirname(file);
  const values: Record<string, SettingValue> = {};
  const read = (spec: KeySpec, p: Property): string | number | undefined => {
    if (p.value.type !== 'word' && p.value.type !== 'text') return undefined;
    const typed = typedValue(spec, p.value.text);
    if (!typed.ok) return undefined;
    return spec.type === 'file' && typeof typed.value === 'string' && typed.value !== '' ? path.resolve(dir, typed.value) : typed.value;
  };
  for (const spec of [GENERATOR_KIND_KEY, ...keys]) {
    if (spec.repeatable) {
      const all = block.properties.filter((p) => p.key.text === spec.key).map((p) => read(spec, p)).filter((v) => v !== undefined);
      if (all.length > 0) values[spec.key] = all;
      continue;
    }
    const p = lastSetting(block, spec.key);
    const value = p && read(spec, p);
    if (value !== undefined) values[spec.key] = value;
  }
  return { name: block.name?.text ?? '', kind, file, headerRange: block.headerRange, settings: declaredSettings(block), values };
}

/** A judge block of the spec `file` as a declaration, without looking up its encoder. */
export function judgeDeclarationOf(block: JudgeBlock, file: string): JudgeDeclaration {
  const kind = lastSetting(block, 'kind');
  return { name: block.name?.text ?? '', kind: kind?.value.type === 'word' ? kind.value.text : '', file, headerRange: block.headerRange, settings: declaredSettings(block) };
}

function judgeDeclaration(d: Definition, scopeOf: ScopeOf, fallback: ReadonlyMap<string, Definition>, seen: Set<string>): JudgeDeclaration {
  const block = d.block as JudgeBlock;
  const base = judgeDeclarationOf(block, d.path);
  const encoderName = lastSetting(block, 'encoder');
  const id = `${d.path}#${d.name}`;
  if (!encoderName || encoderName.value.type !== 'word' || seen.has(id)) return base;
  const scope = scopeOf(d.path) ?? fallback;
  const e = scope.get(encoderName.value.text);
  if (!e || e.kind !== 'judge') return base;
  return { ...base, encoder: judgeDeclaration(e, scopeOf, fallback, new Set([...seen, id])) };
}

function judgeScope(visible: ReadonlyMap<string, Definition>, scopeOf: ScopeOf): Map<string, JudgeDeclaration> {
  const out = new Map<string, JudgeDeclaration>();
  for (const d of visible.values()) if (d.kind === 'judge') out.set(d.name, judgeDeclaration(d, scopeOf, visible, new Set()));
  const clips = [...out.values()].filter((j) => j.kind === 'clip');
  if (clips.length === 1) out.set('clip:default', clips[0]);
  return out;
}
