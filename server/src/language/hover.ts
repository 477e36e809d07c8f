// Hover: what the token under the cursor means. Traits show their catalogue entry and how the expectation's
// threshold reads on the 0..1 scale; names show the definition they resolve to; keys, kinds, header keywords and
// tags show their documentation; seeds and pass rates show what they expand to. Pure: no LSP types.
//
// It also holds the small lookups completion shares: a line of a parsed file without splitting the whole text,
// and the block or property at a line by binary search (blocks and properties are in line order).
import { splitLines } from './lexer';
import * as path from 'node:path';
import {
  AUDIT_KEYS,
  BUILTIN_JUDGE,
  BUILTIN_JUDGE_DOC,
  DEFAULTS_KEYS,
  GENERATOR_KIND_KEY,
  GENERATOR_KINDS,
  HEADER_DOCS,
  JUDGE_KIND_KEY,
  JUDGE_KINDS,
  MANIFEST_KEY,
  MEASURE_FUNCTIONS,
  TEST_KEYS,
  fileEntry,
  generatorKind,
  judgeKind,
  type HeaderKeyword,
  type KeySpec,
  type KindSpec,
} from '../catalogue/schema';
import { describeTag, isTaxonomyTag, TAXONOMY } from '../catalogue/taxonomy';
import { TRAITS, traitInfo, traitMarkdown } from '../catalogue/traits';
import type { Block, Expectation, Measure, Position, Property, Range, SpecFile, TestBlock, Token, Value } from './ast';
import type { Hover } from './features';
import { requiredSeeds, typedValue } from '../catalogue/values';
import type { Analysis, Definition } from './analysis';
import { lastSetting } from './ast';
import { endpointMarkdown } from './pools';
import { effectiveSetting } from './resolve';
import type { SpecWorkspace } from './workspace';
import { ownDefinitions } from './workspace';

// ---- shared lookups ----------------------------------------------------------------------------------------

const LINES = new WeakMap<SpecFile, string[]>();

/** The text of one line of a parsed file, split as the lexer splits lines. The file is split once per parse (about a
 *  millisecond for 40,000 lines); every later request is a lookup. */
export function lineText(file: SpecFile, line: number): string | undefined {
  let lines = LINES.get(file);
  if (!lines) {
    lines = splitLines(file.text);
    LINES.set(file, lines);
  }
  if (line < 0 || line >= lines.length) return undefined;
  return lines[line];
}

/** The block whose header is the last one at or above `line`: the block an indented line there belongs to. */
export function blockAt(file: SpecFile, line: number): Block | undefined {
  const blocks = file.blocks;
  let lo = 0;
  let hi = blocks.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (blocks[mid].headerRange.start.line <= line) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found >= 0 ? blocks[found] : undefined;
}

/** The last property of `block` starting at or above `line`. */
export function propertyBefore(block: Block, line: number): Property | undefined {
  const props = block.properties;
  let lo = 0;
  let hi = props.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (props[mid].range.start.line <= line) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found >= 0 ? props[found] : undefined;
}

/** The key specs a block accepts, as far as its kind is known (generators and judges without one: just `kind`). */
export function keySpecsFor(block: Block): readonly KeySpec[] {
  switch (block.kind) {
    case 'test':
      return TEST_KEYS;
    case 'defaults':
      return DEFAULTS_KEYS;
    case 'audit':
      return AUDIT_KEYS;
    case 'generator': {
      const spec = kindOf(block);
      return spec ? [GENERATOR_KIND_KEY, ...spec.settings] : [GENERATOR_KIND_KEY];
    }
    case 'judge': {
      const spec = kindOf(block);
      return spec ? [JUDGE_KIND_KEY, MANIFEST_KEY, ...spec.settings] : [JUDGE_KIND_KEY];
    }
    default:
      return [];
  }
}

/** The kind spec of a generator or judge block, from its `kind` property. */
export function kindOf(block: Block): KindSpec | undefined {
  if (block.kind !== 'generator' && block.kind !== 'judge') return undefined;
  const p = lastSetting(block, 'kind');
  if (!p || p.value.type !== 'word') return undefined;
  return block.kind === 'generator' ? generatorKind(p.value.text) : judgeKind(p.value.text);
}

/** Path of `target` as seen from the folder of `from`, with forward slashes. */
export function relativeTo(from: string, target: string): string {
  return (path.relative(path.dirname(from), target) || path.basename(target)).split(path.sep).join('/');
}

const MAX_SOURCE_LINES = 24;

/** Markdown summary of a generator or judge: its kind, its source (settings and model files), where it is. */
export function describeDefinition(ws: SpecWorkspace, def: Definition, fromFile: string): string {
  const spec = def.type ? (def.kind === 'generator' ? generatorKind(def.type) : judgeKind(def.type)) : undefined;
  const parts: string[] = [];
  parts.push(`**${def.name}** · ${def.type ? `\`${def.type}\` ` : ''}${def.kind}`);
  if (spec) parts.push(spec.doc);
  else if (!def.type) parts.push(`This ${def.kind} has no \`kind\` yet.`);
  const source = ws.getParsed(def.path);
  if (source) {
    const first = def.block.headerRange.start.line;
    const last = Math.min(def.block.range.end.line, first + MAX_SOURCE_LINES - 1);
    const lines: string[] = [];
    for (let l = first; l <= last; l++) lines.push((lineText(source, l) ?? '').trimEnd());
    if (last < def.block.range.end.line) lines.push('  …');
    parts.push('```wabi\n' + lines.join('\n') + '\n```');
  }
  const line = def.nameRange.start.line + 1;
  parts.push(path.resolve(def.path) === path.resolve(fromFile) ? `Defined on line ${line}.` : `Defined in \`${relativeTo(fromFile, def.path)}\`, line ${line}.`);
  return parts.join('\n\n');
}

// ---- hover -------------------------------------------------------------------------------------------------

/** Half-open: the characters `start..end-1` of the token's line. */
function on(r: Range, p: Position): boolean {
  return r.start.line === p.line && r.end.line === p.line && r.start.character <= p.character && p.character < r.end.character;
}

export function hover(ws: SpecWorkspace, file: string, position: Position): Hover | undefined {
  const analysis = ws.analyze(file);
  if (!analysis) return undefined;
  const block = blockAt(analysis.file, position.line);
  if (!block) return undefined;
  if (block.headerRange.start.line === position.line) return headerHover(ws, analysis, block, position);
  const prop = propertyBefore(block, position.line);
  if (!prop || prop.key.range.start.line !== position.line) return undefined;
  return propertyHover(ws, analysis, block, prop, position);
}

function headerHover(ws: SpecWorkspace, analysis: Analysis, block: Block, p: Position): Hover | undefined {
  if (block.kind === 'unknown') return undefined;
  if (on(block.keyword.range, p)) {
    const kw = block.keyword.text as HeaderKeyword;
    return { contents: `**${kw}** block\n\n${HEADER_DOCS[kw]}`, range: block.keyword.range };
  }
  switch (block.kind) {
    case 'generator':
    case 'judge': {
      if (!block.name || !on(block.name.range, p)) return undefined;
      const def = analysis.definitions.find((d) => d.block === block) ?? analysis.visible.get(block.name.text);
      return def ? { contents: describeDefinition(ws, def, analysis.path), range: block.name.range } : undefined;
    }
    case 'test':
    case 'audit': {
      const tag = block.tags.find((t) => on(t.range, p));
      if (!tag) return undefined;
      const contents = tagMarkdown(tag.text);
      return contents ? { contents, range: tag.range } : undefined;
    }
    case 'import': {
      if (!block.path || !on(block.path.range, p)) return undefined;
      return { contents: importMarkdown(ws, analysis, block.path), range: block.path.range };
    }
    default:
      return undefined;
  }
}

/** A taxonomy tag: the paper's description, its category, and the traits that measure it. */
export function tagMarkdown(tag: string): string | undefined {
  if (!isTaxonomyTag(tag)) return undefined;
  const [cat, sub] = tag.split('.', 2);
  const category = TAXONOMY.find((c) => c.name === cat)!;
  const lines = [sub === undefined ? `**${tag}** · taxonomy category` : `**${tag}** · subcategory of \`${cat}\``, '', describeTag(tag)!];
  if (sub !== undefined) lines.push('', `*Category:* ${category.description}`);
  const traits = TRAITS.filter((t) => t.serves.some((s) => s === tag || (sub === undefined && s.startsWith(cat + '.')))).map((t) => '`' + t.name + '`');
  if (traits.length > 0) lines.push('', `*Measured by the traits:* ${traits.join(', ')}`);
  return lines.join('\n');
}

function importMarkdown(ws: SpecWorkspace, analysis: Analysis, token: Token): string {
  const link = analysis.imports.find((i) => i.block.path === token);
  if (!link?.resolved) return `\`${token.text}\` cannot be imported: the file is missing or unreadable.`;
  const parsed = ws.getParsed(link.resolved);
  const defs = parsed ? ownDefinitions(link.resolved, parsed) : [];
  const list = (kind: 'generator' | 'judge') =>
    defs.filter((d) => d.kind === kind).map((d) => '`' + d.name + '`' + (d.type ? ` (${d.type})` : ''));
  const gens = list('generator');
  const judges = list('judge');
  const lines = [`**${relativeTo(analysis.path, link.resolved)}**`];
  if (gens.length > 0) lines.push('', `*Generators:* ${gens.join(', ')}`);
  if (judges.length > 0) lines.push('', `*Judges:* ${judges.join(', ')}`);
  if (gens.length === 0 && judges.length === 0) lines.push('', 'Defines no generators or judges itself.');
  return lines.join('\n');
}

function propertyHover(ws: SpecWorkspace, analysis: Analysis, block: Block, prop: Property, p: Position): Hover | undefined {
  const specs = keySpecsFor(block);
  const spec = specs.find((k) => k.key === prop.key.text);
  if (on(prop.key.range, p)) {
    const contents = keyMarkdown(block, prop.key.text, spec);
    return contents ? { contents, range: prop.key.range } : undefined;
  }
  const v = prop.value;
  if (v.type === 'missing') return undefined;
  if (v.type === 'expect') return block.kind === 'test' ? expectHover(ws, analysis, block, v.expect, p) : undefined;
  if (!spec) return undefined;
  switch (spec.type) {
    case 'generator-kind':
    case 'judge-kind': {
      if (v.type !== 'word' || !on(v.range, p)) return undefined;
      const kind = spec.type === 'generator-kind' ? generatorKind(v.text) : judgeKind(v.text);
      return kind ? { contents: kindMarkdown(kind, spec.type === 'generator-kind' ? 'generator' : 'judge'), range: v.range } : undefined;
    }
    case 'generator-ref':
    case 'judge-ref':
    case 'audit-judge': {
      if (v.type !== 'word' || !on(v.range, p)) return undefined;
      if (spec.type === 'audit-judge' && v.text === BUILTIN_JUDGE) return { contents: builtinJudgeMarkdown(), range: v.range };
      const def = analysis.visible.get(v.text);
      return def ? { contents: describeDefinition(ws, def, analysis.path), range: v.range } : undefined;
    }
    case 'generator-list': {
      const item = v.type === 'names' ? v.items.find((t) => on(t.range, p)) : undefined;
      const def = item && analysis.visible.get(item.text);
      return item && def ? { contents: describeDefinition(ws, def, analysis.path), range: item.range } : undefined;
    }
    case 'accuracy': {
      if (v.type !== 'word' || !on(v.range, p)) return undefined;
      const typed = typedValue(spec, v.text);
      if (!typed.ok || typeof typed.value !== 'number') return undefined;
      return { contents: accuracyMarkdown(typed.value) + overriddenNote(block, prop), range: v.range };
    }
    case 'seeds':
      if (v.type !== 'seeds' || !on(v.range, p)) return undefined;
      return { contents: seedsMarkdown(v) + overriddenNote(block, prop), range: v.range };
    case 'pass': {
      if (v.type !== 'pass' || !on(v.range, p)) return undefined;
      const seeds = effectiveSetting(analysis.file, block, 'seeds');
      return { contents: passMarkdown(v, seeds?.value.type === 'seeds' ? seeds.value : undefined) + overriddenNote(block, prop), range: v.range };
    }
    case 'url': {
      const kind = kindOf(block);
      if (v.type !== 'word' || !on(v.range, p) || block.kind !== 'generator' || !kind) return undefined;
      const contents = endpointMarkdown(block, prop, kind);
      return contents ? { contents, range: v.range } : undefined;
    }
    case 'enum': {
      if (v.type !== 'word' || !on(v.range, p) || !spec.values?.includes(v.text)) return undefined;
      return { contents: `\`${v.text}\` · one of ${spec.values.map((x) => '`' + x + '`').join(', ')}\n\n${spec.doc}`, range: v.range };
    }
    default:
      return undefined;
  }
}

const TYPE_HINTS: Readonly<Record<KeySpec['type'], string>> = {
  text: 'free text',
  expect: 'expectation',
  seeds: 'seeds',
  size: 'WIDTHxHEIGHT',
  pass: 'pass rate',
  numbers: 'three numbers',
  integer: 'whole number',
  number: 'number',
  unit: 'number 0..1',
  accuracy: 'share 0..1 or percentage',
  duration: 'duration',
  url: 'URL [concurrency N], one line per endpoint',
  file: 'file',
  glob: 'glob',
  env: 'environment variable',
  'generator-ref': 'generator name',
  'generator-list': 'generator names, separated by commas',
  'judge-ref': 'judge name',
  'audit-judge': `judge name or ${BUILTIN_JUDGE}`,
  'generator-kind': 'generator kind',
  'judge-kind': 'judge kind',
  enum: 'value',
  string: 'text',
};

/** Short description of what a key's value is: `file`, `whole number 1..1000`, `one of center, none`. */
export function typeHint(spec: KeySpec): string {
  if (spec.type === 'enum' && spec.values) return `one of ${spec.values.join(', ')}`;
  if (spec.type === 'file' && fileEntry(spec) !== 'file') return fileEntry(spec) === 'dir' ? 'folder' : 'file or folder';
  if (spec.type === 'judge-ref' && spec.judgeKinds) return `${spec.judgeKinds.join(' or ')} judge`;
  if ((spec.type === 'integer' || spec.type === 'number') && spec.min !== undefined && spec.max !== undefined) {
    return `${TYPE_HINTS[spec.type]} ${spec.min}..${spec.max}`;
  }
  return TYPE_HINTS[spec.type];
}

function keyMarkdown(block: Block, key: string, spec: KeySpec | undefined): string | undefined {
  let where: string;
  if (block.kind === 'generator' || block.kind === 'judge') {
    const kind = kindOf(block);
    if (!spec) {
      // The kind is missing or unknown: say which kinds have the key.
      const kinds = (block.kind === 'generator' ? GENERATOR_KINDS : JUDGE_KINDS).filter((k) => k.settings.some((s) => s.key === key));
      if (block.kind === 'judge' && key === MANIFEST_KEY.key) return keyLines(MANIFEST_KEY, 'judge setting');
      if (kinds.length === 0) return undefined;
      const first = kinds[0].settings.find((s) => s.key === key)!;
      return keyLines(first, `setting of ${kinds.map((k) => '`' + k.kind + '`').join(', ')} ${block.kind}s`);
    }
    where = key === 'kind' ? block.kind : `\`${kind!.kind}\` ${block.kind} setting`;
  } else if (block.kind === 'test' || block.kind === 'defaults' || block.kind === 'audit') {
    if (!spec) return undefined;
    where = `${block.kind} setting`;
  } else return undefined;
  let text = keyLines(spec, where);
  if (key === 'kind') {
    const kinds = block.kind === 'generator' ? GENERATOR_KINDS : JUDGE_KINDS;
    text += `\n\n*Kinds:* ${kinds.map((k) => '`' + k.kind + '`').join(', ')}`;
  }
  return text;
}

function keyLines(spec: KeySpec, where: string): string {
  return `**${spec.key}** · ${where}${spec.required ? ', required' : ''} · ${typeHint(spec)}\n\n${spec.doc}`;
}

export function kindMarkdown(kind: KindSpec, what: 'generator' | 'judge'): string {
  const settings = kind.settings.map((s) => '`' + s.key + '`' + (s.required ? '*' : ''));
  if (what === 'judge') settings.push('`manifest`');
  return `**${kind.kind}** · ${what} kind\n\n${kind.doc}\n\n*Settings:* ${settings.join(', ')}` + (settings.some((s) => s.endsWith('*')) ? ' (* required)' : '');
}

// ---- audits ------------------------------------------------------------------------------------------------

export function builtinJudgeMarkdown(): string {
  return `**${BUILTIN_JUDGE}** · built-in intent judge\n\n${BUILTIN_JUDGE_DOC}`;
}

function accuracyMarkdown(share: number): string {
  return `Every judge must score the faithful image above the polished one in at least ${percent(share)} of the pairs (${share}), or the audit fails.`;
}

// ---- seeds and pass ----------------------------------------------------------------------------------------

type SeedsValue = Extract<Value, { type: 'seeds' }>;
type PassValue = Extract<Value, { type: 'pass' }>;

const MAX_LISTED_SEEDS = 16;

/** The distinct seeds a `seeds` value names, as sorted disjoint intervals (invalid items left out). */
export function seedIntervals(v: SeedsValue): [number, number][] {
  const raw: [number, number][] = [];
  for (const item of v.items) {
    const from = item.from.value;
    const to = item.to ? item.to.value : from;
    if (from < 0 || to < from || !Number.isInteger(from) || !Number.isInteger(to)) continue;
    raw.push([from, to]);
  }
  raw.sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const [a, b] of raw) {
    const last = merged[merged.length - 1];
    if (last && a <= last[1] + 1) last[1] = Math.max(last[1], b);
    else merged.push([a, b]);
  }
  return merged;
}

export function seedCount(v: SeedsValue): number {
  return seedIntervals(v).reduce((n, [a, b]) => n + b - a + 1, 0);
}

function seedsMarkdown(v: SeedsValue): string {
  const intervals = seedIntervals(v);
  const count = intervals.reduce((n, [a, b]) => n + b - a + 1, 0);
  if (count === 0) return 'No valid seeds.';
  const shown: number[] = [];
  outer: for (const [a, b] of intervals) {
    for (let s = a; s <= b; s++) {
      if (shown.length >= MAX_LISTED_SEEDS) break outer;
      shown.push(s);
    }
  }
  let list = shown.join(', ');
  if (count > MAX_LISTED_SEEDS) {
    const lastSeed = intervals[intervals.length - 1][1];
    list = shown.slice(0, MAX_LISTED_SEEDS - 4).join(', ') + ', …, ' + lastSeed;
  }
  return `${count} seed${count === 1 ? '' : 's'}: ${list}`;
}

/** For a key set again later in the block: the later line is the one that counts (as the checker warns). */
function overriddenNote(block: Block, prop: Property): string {
  const winner = lastSetting(block, prop.key.text);
  return winner && winner !== prop ? `\n\n*Overridden by line ${winner.key.range.start.line + 1}: this line has no effect.*` : '';
}

function percent(ratio: number): string {
  return `${Number((ratio * 100).toFixed(1))}%`;
}

function passMarkdown(v: PassValue, seeds: SeedsValue | undefined): string {
  const count = seeds ? seedCount(seeds) : 0;
  if (count === 0) return `${percent(v.ratio)} of the seeds must meet every expectation (no \`seeds\` set here or in defaults).`;
  const needed = requiredSeeds(v.ratio, count);
  return `${needed} of ${count} seeds (${percent(v.ratio)}) must meet every expectation.`;
}

// ---- expectations ------------------------------------------------------------------------------------------

function expectHover(ws: SpecWorkspace, analysis: Analysis, test: TestBlock, e: Expectation, p: Position): Hover | undefined {
  if (e.measure) {
    const h = measureHover(ws, analysis, e.measure, p, e);
    if (h) return h;
  }
  const c = e.comparand;
  if (!c) return undefined;
  if (c.type === 'relative' && on(c.ref.range, p)) return { contents: relativeMarkdown(test, c.ref.text as 'baseline' | 'input', e), range: c.ref.range };
  if (c.type === 'measure') return measureHover(ws, analysis, c.measure, p, undefined);
  return undefined;
}

function measureHover(ws: SpecWorkspace, analysis: Analysis, m: Measure, p: Position, e: Expectation | undefined): Hover | undefined {
  if (m.type === 'trait') {
    if (!on(m.name.range, p)) return undefined;
    const info = traitInfo(m.name.text);
    if (info) {
      const reading = e ? readExpectation(info.name, e) : undefined;
      return { contents: traitMarkdown(info) + (reading ? '\n\n---\n\n' + reading : ''), range: m.name.range };
    }
    const fn = MEASURE_FUNCTIONS[m.name.text];
    return fn ? { contents: `**${m.name.text}** · judge score\n\n${fn.doc}`, range: m.name.range } : undefined;
  }
  if (on(m.fn.range, p)) {
    const fn = MEASURE_FUNCTIONS[m.fn.text];
    if (!fn) return undefined;
    const parts = [`**${m.fn.text}** · judge score`, fn.doc];
    const judge = judgeOfCall(analysis, m);
    if (judge.def) parts.push(describeDefinition(ws, judge.def, analysis.path));
    else if (judge.note) parts.push(judge.note);
    return { contents: parts.join('\n\n'), range: m.fn.range };
  }
  const arg = m.args.find((a) => !a.quoted && on(a.range, p));
  if (arg) {
    const def = analysis.visible.get(arg.text);
    return def ? { contents: describeDefinition(ws, def, analysis.path), range: arg.range } : undefined;
  }
  return undefined;
}

/** The judge a call scores with: its named argument, or for `clip("...")` the only visible clip judge. */
function judgeOfCall(analysis: Analysis, m: Extract<Measure, { type: 'call' }>): { def?: Definition; note?: string } {
  const named = m.args.find((a) => !a.quoted);
  if (named) {
    const def = analysis.visible.get(named.text);
    return def?.kind === 'judge' ? { def } : { note: `No judge named \`${named.text}\` is visible here.` };
  }
  if (m.fn.text !== 'clip') return {};
  const clips = [...analysis.visible.values()].filter((d) => d.kind === 'judge' && d.type === 'clip');
  if (clips.length === 1) return { def: clips[0] };
  if (clips.length === 0) return { note: 'No `clip` judge is visible here: define one or import it.' };
  return { note: `Several clip judges are visible (${clips.map((c) => '`' + c.name + '`').join(', ')}): name one, \`clip(${clips[0].name}, "...")\`.` };
}

const OP_WORDS: Readonly<Record<string, string>> = { '<': 'below', '<=': 'at most', '>': 'above', '>=': 'at least' };

/** Verbal reading of a 0..1 trait score. */
export function scoreReading(n: number): string {
  if (n <= 0) return 'absent';
  if (n < 0.2) return 'barely present';
  if (n < 0.4) return 'faint';
  if (n < 0.6) return 'moderate';
  if (n < 0.8) return 'clearly present';
  if (n < 1) return 'strong';
  return 'as strong as it gets';
}

/** How an expectation on a trait reads, e.g. "passes when grain scores at least 0.6 ... clearly present". */
function readExpectation(trait: string, e: Expectation): string {
  const scale = `Trait scores run 0..1: 0 means no ${trait} is measured, 1 means it is strongly present.`;
  if (!e.op || !e.comparand) return scale;
  const op = OP_WORDS[e.op.text];
  const c = e.comparand;
  if (c.type === 'number') {
    const n = c.number.value;
    return `Passes when the ${trait} score is ${op} ${c.number.text}; on the 0..1 scale ${c.number.text} reads as *${scoreReading(n)}*. ${scale}`;
  }
  if (c.type === 'relative') {
    const what = c.ref.text === 'baseline' ? "the baseline image's" : "the input image's";
    const margin = c.margin ? ` ${c.sign === '-' ? 'minus' : 'plus'} ${c.margin.text}` : '';
    return `Passes when the ${trait} score is ${op} ${what} ${trait} score${margin}. ${scale}`;
  }
  return scale;
}

function relativeMarkdown(test: TestBlock, ref: 'baseline' | 'input', e: Expectation): string {
  const what = e.measure ? measureText(e.measure) : 'the measure';
  const prop = test.properties.find((q) => q.key.text === ref && q.value.type !== 'missing');
  if (ref === 'baseline') {
    const head = `**baseline** · compares ${what} with the same measure on the image generated from this test's baseline prompt`;
    if (!prop) return `${head}.\n\nThis test has no \`baseline\` prompt: add one.`;
    const text = prop.value.type === 'text' || prop.value.type === 'word' ? prop.value.text : '';
    return `${head}:\n\n> ${text.replace(/\n/g, '\n> ')}`;
  }
  const head = `**input** · compares ${what} with the same measure on this test's input image`;
  if (!prop) return `${head}.\n\nThis test has no \`input\` image: add one.`;
  const file = prop.value.type === 'word' || prop.value.type === 'text' ? prop.value.text : '';
  return `${head}: \`${file}\``;
}

function measureText(m: Measure): string {
  if (m.type === 'trait') return '`' + m.name.text + '`';
  return '`' + m.fn.text + '(' + m.args.map((a) => (a.quoted ? JSON.stringify(a.text) : a.text)).join(', ') + ')`';
}
