// Completion: what may be typed at the cursor, read from the cursor's line and the cached analysis. It never
// re-parses: the line comes from a per-parse line table and the enclosing block from a binary search over the
// blocks, so a request costs the same on a 40,000-line spec as on a ten-line one. Pure: no LSP types.
import * as path from 'node:path';
import {
  BUILTIN_JUDGE,
  BUILTIN_JUDGE_DOC,
  GENERATOR_KINDS,
  HEADER_DOCS,
  HEADER_KEYWORDS,
  JUDGE_KINDS,
  MEASURE_FUNCTIONS,
  type HeaderKeyword,
  type KeySpec,
} from '../catalogue/schema';
import { CONCURRENCY_RANGE, ENDPOINT_CONCURRENCY } from '../catalogue/endpoints';
import { describeTag, TAXONOMY, TAXONOMY_TAGS } from '../catalogue/taxonomy';
import { TRAITS, traitMarkdown } from '../catalogue/traits';
import type { Block, Position, Range, TestBlock } from './ast';
import { range } from './ast';
import type { CompletionItem } from './features';
import { blockAt, describeDefinition, keySpecsFor, kindMarkdown, kindOf, lineText, propertyBefore, typeHint } from './hover';
import { isBlank, isNameChar, scanString, shapeLine, skipBlanks } from './lexer';
import type { Analysis, Definition } from './analysis';
import type { SpecWorkspace } from './workspace';

export function complete(ws: SpecWorkspace, file: string, position: Position): CompletionItem[] {
  const analysis = ws.analyze(file);
  if (!analysis) return [];
  const line = lineText(analysis.file, position.line);
  if (line === undefined) return [];
  const ch = Math.max(0, Math.min(position.character, line.length));
  const shape = shapeLine(line);
  if (shape.commentStart >= 0 && ch > shape.commentStart) return [];
  const ctx: Ctx = { ws, analysis, line, ln: position.line, ch, contentEnd: shape.contentEnd };
  const blank = shape.contentEnd === shape.indent;
  if (blank ? ch === 0 : shape.indent === 0) return headerLine(ctx);
  if (!blank && ch < shape.indent) return [];
  return propertyLine(ctx, blank ? ch : shape.indent, blank);
}

interface Ctx {
  readonly ws: SpecWorkspace;
  readonly analysis: Analysis;
  readonly line: string;
  /** Line number. */
  readonly ln: number;
  /** Cursor column. */
  readonly ch: number;
  /** End of the line's content (before a comment and trailing blanks). */
  readonly contentEnd: number;
}

// ---- words ---------------------------------------------------------------------------------------------------

/** Characters of the word being completed: names (`flux-dev`, `hps.v3`), traits (`motion-blur`), tags
 *  (`clarity_and_focus.film_artifacts`) and keys (`image-model`). */
function isWordChar(c: number): boolean {
  return isNameChar(c) || c === 0x2d || c === 0x2e;
}

/** Start of the word that ends at `ch`, not before `min`. */
function wordStart(line: string, ch: number, min = 0): number {
  let i = ch;
  while (i > min && isWordChar(line.charCodeAt(i - 1))) i--;
  return i;
}

/** End of the word that continues at `ch`, not past `max`. */
function wordEnd(line: string, ch: number, max = line.length): number {
  let i = ch;
  while (i < max && isWordChar(line.charCodeAt(i))) i++;
  return i;
}

function wordRange(ctx: Ctx, start: number): Range {
  return range(ctx.ln, start, Math.max(ctx.ch, wordEnd(ctx.line, ctx.ch, ctx.contentEnd)));
}

/** Sort key keeping the order items are listed in, optionally pushed down a group. */
function order(i: number, group = 0): string {
  return `${group}${String(i).padStart(4, '0')}`;
}

// ---- block headers -------------------------------------------------------------------------------------------

const HEADER_SNIPPETS: Readonly<Record<HeaderKeyword, string>> = {
  import: 'import "$1"',
  generator: 'generator ${1:name}\n  kind  $2',
  judge: 'judge ${1:name}\n  kind  $2',
  defaults: 'defaults\n  generator  $1',
  test: 'test "${1:name}"\n  prompt  $2',
  audit: 'audit "${1:name}"\n  pairs  $2\n  judge  ${3:traits}',
};

function headerLine(ctx: Ctx): CompletionItem[] {
  const { line, ch } = ctx;
  const start = wordStart(line, ch);
  if (start === 0 && /^[A-Za-z]*$/.test(line.slice(0, ch))) return headerKeywords(ctx);
  const keyword = line.slice(0, wordEnd(line, 0));
  if (keyword === 'import') return importPath(ctx);
  if (keyword === 'test' || keyword === 'audit') return tags(ctx);
  return [];
}

function headerKeywords(ctx: Ctx): CompletionItem[] {
  const r = wordRange(ctx, 0);
  // A file has one defaults block: do not offer a second one.
  const hasDefaults = ctx.analysis.file.blocks.some((b) => b.kind === 'defaults' && b.headerRange.start.line !== ctx.ln);
  const rest = ctx.line.slice(r.end.character).trim();
  return HEADER_KEYWORDS.filter((k) => !(k === 'defaults' && hasDefaults)).map((k, i) => ({
    label: k,
    kind: 'keyword' as const,
    detail: 'block',
    documentation: HEADER_DOCS[k],
    // On a line that already holds more than the keyword, replace just the keyword.
    insertText: rest === '' ? HEADER_SNIPPETS[k] : k,
    snippet: rest === '' ? true : undefined,
    retrigger: rest === '' && k === 'import' ? true : undefined,
    range: r,
    sortText: order(i),
  }));
}

function tags(ctx: Ctx): CompletionItem[] {
  const { line, ch, analysis, ln } = ctx;
  const block = blockAt(analysis.file, ln);
  if (!block || (block.kind !== 'test' && block.kind !== 'audit') || block.headerRange.start.line !== ln) return [];
  // Find the tag list after the name (a quoted name may itself hold '[').
  let i = skipBlanks(line, block.keyword.text.length, ctx.contentEnd);
  if (line.charCodeAt(i) === 0x22) i = scanString(line, i, ctx.contentEnd).end;
  const open = line.indexOf('[', i);
  if (open < 0 || open >= ch) return [];
  const close = line.indexOf(']', open);
  if (close >= 0 && close < ch) return [];
  const start = wordStart(line, ch, open + 1);
  let before = start;
  while (before > open + 1 && isBlank(line.charCodeAt(before - 1))) before--;
  const prev = line[before - 1];
  if (prev !== '[' && prev !== ',') return [];
  const r = range(ln, start, Math.max(ch, wordEnd(line, ch, close >= 0 ? close : ctx.contentEnd)));
  const taken = new Set(block.tags.filter((t) => t.range.start.character !== start).map((t) => t.text));
  return TAXONOMY_TAGS.filter((t) => !taken.has(t)).map((tag, i) => {
    const dot = tag.indexOf('.');
    const category = dot < 0 ? undefined : tag.slice(0, dot);
    return {
      label: tag,
      kind: 'tag' as const,
      detail: category ? `subcategory of ${category}` : 'category',
      documentation: describeTag(tag) + (category ? `\n\n*${category}:* ${TAXONOMY.find((c) => c.name === category)!.description}` : ''),
      range: r,
      sortText: order(i),
    };
  });
}

// ---- properties ----------------------------------------------------------------------------------------------

function propertyLine(ctx: Ctx, indent: number, blank: boolean): CompletionItem[] {
  const { analysis, ln, line, ch } = ctx;
  const block = blockAt(analysis.file, ln);
  if (!block || block.kind === 'import' || block.kind === 'unknown') return [];
  const prev = propertyBefore(block, ln);
  if (prev && prev.range.start.line < ln) {
    // Inside the lines of a `|` text block, or on a blank line indented to continue one: prose, not keys.
    if (ln <= prev.range.end.line) return [];
    if (blank && prev.value.type === 'text' && prev.value.form === 'block' && indent > prev.indent) return [];
  }
  const keyStart = blank ? ch : skipBlanks(line, 0, ch);
  const keyEnd = wordEnd(line, keyStart);
  if (ch <= keyEnd && /^[A-Za-z0-9_-]*$/.test(line.slice(keyStart, ch))) return keys(ctx, block, keyStart, keyEnd);
  const key = line.slice(keyStart, keyEnd);
  if (keyEnd === keyStart || !isBlank(line.charCodeAt(keyEnd))) return [];
  const spec = keySpecsFor(block).find((k) => k.key === key);
  if (!spec) return [];
  const vStart = skipBlanks(line, keyEnd, ch);
  return value(ctx, block, spec, vStart);
}

function keys(ctx: Ctx, block: Block, start: number, end: number): CompletionItem[] {
  const specs = keySpecsFor(block);
  const present = new Set(block.properties.filter((p) => p.key.range.start.line !== ctx.ln).map((p) => p.key.text));
  const r = range(ctx.ln, start, Math.max(ctx.ch, end));
  const rest = ctx.line.slice(end, ctx.contentEnd).trim();
  const where = block.kind === 'generator' || block.kind === 'judge' ? kindOf(block) : undefined;
  const items: CompletionItem[] = [];
  specs.forEach((spec, i) => {
    if (!spec.repeatable && present.has(spec.key)) return;
    const offersValues = rest === '' && hasValueCompletions(block, spec);
    items.push({
      label: spec.key,
      kind: 'property',
      detail: (spec.required ? 'required · ' : '') + (spec.key === 'kind' ? `${block.kind} kind` : typeHint(spec)),
      documentation: spec.doc + (where && spec.key !== 'kind' ? `\n\n*Setting of the \`${where.kind}\` ${block.kind} kind.*` : ''),
      insertText: rest === '' ? spec.key + ' ' : spec.key,
      retrigger: offersValues ? true : undefined,
      range: r,
      // Required settings first, then the schema's order.
      sortText: order(i, spec.required ? 0 : 1),
    });
  });
  return items;
}

function hasValueCompletions(block: Block, spec: KeySpec): boolean {
  switch (spec.type) {
    case 'generator-kind':
    case 'judge-kind':
    case 'generator-ref':
    case 'generator-list':
    case 'judge-ref':
    case 'audit-judge':
    case 'enum':
    case 'file':
    case 'glob':
    case 'expect':
    case 'size':
    case 'pass':
    case 'duration':
    case 'env':
      return true;
    case 'url':
      return !!(kindOf(block) && URL_DEFAULTS[kindOf(block)!.kind]);
    case 'integer':
      return spec.key === 'size';
    default:
      return false;
  }
}

// ---- values --------------------------------------------------------------------------------------------------

const SIZES = ['512x512', '768x768', '1024x1024', '768x512', '512x768', '1024x768', '768x1024', '1216x832', '832x1216', '1536x1024', '1024x1536'];
const ENCODER_SIZES = ['224', '336', '384', '448', '512'];
const PASS_VALUES: readonly [string, string][] = [
  ['3/4', 'Three of every four seeds must pass.'],
  ['75%', 'Three quarters of the seeds must pass.'],
  ['all', 'Every seed must pass.'],
  ['1/2', 'Half the seeds must pass.'],
];
const DURATIONS = ['30s', '90s', '2m', '5m'];
const URL_DEFAULTS: Readonly<Record<string, string>> = {
  comfyui: 'http://127.0.0.1:8188',
  a1111: 'http://127.0.0.1:7860',
  openai: 'https://api.openai.com/v1',
};

function value(ctx: Ctx, block: Block, spec: KeySpec, vStart: number): CompletionItem[] {
  const { line, ch } = ctx;
  if (spec.type === 'expect') return block.kind === 'test' ? expectation(ctx, block, vStart) : [];
  if (spec.type === 'file' || spec.type === 'glob') return filePath(ctx, vStart, spec.key);
  if (spec.type === 'generator-list') return listedGenerator(ctx, vStart);
  if (spec.type === 'url' && /\s/.test(line.slice(vStart, ch))) return afterEndpointUrl(ctx, vStart);
  // Every other value is one word at the cursor, with nothing else typed before it.
  // Sizes, pass rates and URLs hold characters that end a word ('/', '%', ':'): the whole value is replaced.
  const whole = spec.type === 'size' || spec.type === 'pass' || spec.type === 'url';
  const start = whole ? vStart : wordStart(line, ch, vStart);
  if (!whole && start !== vStart) return [];
  const r = whole ? range(ctx.ln, vStart, Math.max(ch, ctx.contentEnd)) : wordRange(ctx, start);
  const simple = (values: readonly string[], detail: string, doc?: string): CompletionItem[] =>
    values.map((v, i) => ({ label: v, kind: 'value' as const, detail, documentation: doc, range: r, sortText: order(i) }));
  switch (spec.type) {
    case 'generator-kind':
    case 'judge-kind': {
      const what = spec.type === 'generator-kind' ? 'generator' : 'judge';
      return (what === 'generator' ? GENERATOR_KINDS : JUDGE_KINDS).map((k, i) => ({
        label: k.kind,
        kind: 'kind' as const,
        detail: `${what} kind`,
        documentation: kindMarkdown(k, what),
        range: r,
        sortText: order(i),
      }));
    }
    case 'generator-ref':
      return definitions(ctx, 'generator', undefined, r, undefined);
    case 'judge-ref':
      return definitions(ctx, 'judge', spec.judgeKinds, r, block.kind === 'judge' ? (block.name?.text ?? undefined) : undefined);
    case 'audit-judge':
      return auditJudges(ctx, block, r);
    case 'enum':
      return simple(spec.values ?? [], spec.key, spec.doc);
    case 'size':
      return simple(SIZES, 'WIDTHxHEIGHT', spec.doc);
    case 'integer':
      return spec.key === 'size' && block.kind === 'judge' ? simple(ENCODER_SIZES, 'pixels', spec.doc) : [];
    case 'pass':
      return PASS_VALUES.map(([v, doc], i) => ({ label: v, kind: 'value' as const, detail: 'pass rate', documentation: doc, range: r, sortText: order(i) }));
    case 'duration':
      return simple(DURATIONS, 'duration', spec.doc);
    case 'env':
      return simple(['OPENAI_API_KEY'], 'environment variable', spec.doc);
    case 'url': {
      const kind = kindOf(block);
      const url = kind && URL_DEFAULTS[kind.kind];
      return url ? [{ label: url, kind: 'value', detail: `default ${kind!.kind} URL`, documentation: spec.doc, range: r, sortText: order(0) }] : [];
    }
    default:
      return [];
  }
}

/** After a `url` line's URL: `concurrency`, this endpoint's own number of images at once. */
function afterEndpointUrl(ctx: Ctx, vStart: number): CompletionItem[] {
  const start = wordStart(ctx.line, ctx.ch, vStart);
  const before = ctx.line.slice(vStart, start).trim();
  // Only as the second word: the URL is one word, and nothing but `concurrency N` may follow it.
  if (/\s/.test(before)) return [];
  return [
    {
      label: ENDPOINT_CONCURRENCY,
      kind: 'keyword',
      detail: `whole number ${CONCURRENCY_RANGE.min}..${CONCURRENCY_RANGE.max}`,
      documentation: `How many images this endpoint makes at once, in place of the generator's \`concurrency\`: \`url ${before} ${ENDPOINT_CONCURRENCY} 2\`. A pool sends each request to the endpoint with the most free capacity, so an endpoint with 2 takes about twice the work of one with 1.`,
      insertText: `${ENDPOINT_CONCURRENCY} `,
      range: wordRange(ctx, start),
      sortText: order(0),
    },
  ];
}

/** A name in a `compare` list: at its start or after a comma. Names already listed, and `files` generators, are
 *  not offered. */
function listedGenerator(ctx: Ctx, vStart: number): CompletionItem[] {
  const { line, ch } = ctx;
  const start = wordStart(line, ch, vStart);
  let before = start;
  while (before > vStart && isBlank(line.charCodeAt(before - 1))) before--;
  if (before !== vStart && line[before - 1] !== ',') return [];
  const listed = new Set(
    line
      .slice(vStart, ctx.contentEnd)
      .split(',')
      .map((n) => n.trim()),
  );
  listed.delete(line.slice(start, wordEnd(line, ch, ctx.contentEnd)));
  const r = wordRange(ctx, start);
  // A `files` generator makes no images: there is nothing of it to compare.
  return [...ctx.analysis.visible.values()].filter((d) => d.kind === 'generator' && d.type !== 'files' && !listed.has(d.name)).map((d) => definitionItem(ctx, d, r, 0));
}

/** Generators or judges visible from the file, of the given judge kinds (judges with no kind yet sort last). */
function definitions(ctx: Ctx, kind: 'generator' | 'judge', judgeKinds: readonly string[] | undefined, r: Range, exclude: string | undefined): CompletionItem[] {
  const items: CompletionItem[] = [];
  for (const d of ctx.analysis.visible.values()) {
    if (d.kind !== kind || d.name === exclude) continue;
    const fits = !judgeKinds || (d.type !== undefined && judgeKinds.includes(d.type));
    if (!fits && d.type !== undefined) continue;
    items.push(definitionItem(ctx, d, r, fits ? 0 : 1));
  }
  return items;
}

/** The judges an audit may name: the built-in `traits` first, then every visible judge of any kind; those another
 *  `judge` line of the block already names are left out. */
function auditJudges(ctx: Ctx, block: Block, r: Range): CompletionItem[] {
  const taken = new Set(
    block.properties.flatMap((p) => (p.key.text === 'judge' && p.key.range.start.line !== ctx.ln && p.value.type === 'word' ? [p.value.text] : [])),
  );
  const items: CompletionItem[] = [];
  if (!taken.has(BUILTIN_JUDGE)) {
    items.push({ label: BUILTIN_JUDGE, kind: 'judge', detail: 'built-in intent judge · no weights', documentation: BUILTIN_JUDGE_DOC, range: r, sortText: `0${BUILTIN_JUDGE}` });
  }
  for (const d of ctx.analysis.visible.values()) {
    if (d.kind === 'judge' && d.name !== BUILTIN_JUDGE && !taken.has(d.name)) items.push(definitionItem(ctx, d, r, 1));
  }
  return items;
}

function definitionItem(ctx: Ctx, d: Definition, r: Range, group: number, insertText?: string, snippet?: boolean): CompletionItem {
  return {
    label: d.name,
    kind: d.kind,
    detail: `${d.type ?? 'no kind'} · ${path.basename(d.path)}`,
    documentation: describeDefinition(ctx.ws, d, ctx.analysis.path),
    insertText,
    snippet,
    range: r,
    sortText: `${group}${d.name}`,
  };
}

// ---- file paths ----------------------------------------------------------------------------------------------

const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg', '.webp', '.bmp', '.gif', '.tif', '.tiff'];
const FILE_FILTERS: Readonly<Record<string, readonly string[] | 'folders'>> = {
  import: ['.wabi'],
  input: IMAGE_EXTENSIONS,
  images: IMAGE_EXTENSIONS,
  'image-model': ['.onnx'],
  'text-model': ['.onnx'],
  model: ['.onnx'],
  tokenizer: ['.json'],
  manifest: ['.json'],
  workflow: ['.json'],
  pairs: ['.jsonl'],
  dir: 'folders',
  cwd: 'folders',
};

function importPath(ctx: Ctx): CompletionItem[] {
  if (!/^import[ \t]/.test(ctx.line)) return [];
  return filePath(ctx, skipBlanks(ctx.line, 6, ctx.ch), 'import');
}

/** Entries of the folder typed so far (relative to the spec), filtered by what the key takes. */
function filePath(ctx: Ctx, vStart: number, key: string): CompletionItem[] {
  const { line, ch, ws, analysis } = ctx;
  let s = vStart;
  if (line.charCodeAt(s) === 0x22 && s < ch) s++;
  const typed = line.slice(s, ch);
  if (typed.includes('"') || /[*?[{]/.test(typed) || /\s/.test(typed)) return [];
  const slash = Math.max(typed.lastIndexOf('/'), typed.lastIndexOf('\\'));
  const folder = typed.slice(0, slash + 1);
  const segStart = s + slash + 1;
  let segEnd = ch;
  while (segEnd < ctx.contentEnd && !/["/\\\s]/.test(line[segEnd])) segEnd++;
  const r = range(ctx.ln, segStart, segEnd);
  const dir = path.resolve(path.dirname(analysis.path), folder || '.');
  const partial = line.slice(segStart, ch);
  const filter = FILE_FILTERS[key];
  const self = path.resolve(analysis.path);
  const folders: CompletionItem[] = [];
  const files: CompletionItem[] = [];
  for (const e of ws.host.readDir(dir)) {
    if (e.name.startsWith('.') && !partial.startsWith('.')) continue;
    if (e.kind === 'dir') {
      if (e.name === 'node_modules') continue;
      folders.push({ label: e.name + '/', kind: 'folder', insertText: e.name + '/', range: r, retrigger: true });
      continue;
    }
    if (filter === 'folders') continue;
    const lower = e.name.toLowerCase();
    if (filter && !filter.some((x) => lower.endsWith(x))) continue;
    if (path.join(dir, e.name) === self) continue;
    files.push({ label: e.name, kind: 'file', range: r });
  }
  const byLabel = (a: CompletionItem, b: CompletionItem) => (a.label < b.label ? -1 : a.label > b.label ? 1 : 0);
  folders.sort(byLabel);
  files.sort(byLabel);
  return [...folders.map((f, i) => ({ ...f, sortText: order(i, 0) })), ...files.map((f, i) => ({ ...f, sortText: order(i, 1) }))];
}

// ---- expectations --------------------------------------------------------------------------------------------

interface CallState {
  readonly fn: string;
  readonly args: readonly { readonly text: string; readonly quoted: boolean }[];
}

type Slot =
  | { readonly slot: 'measure'; readonly start: number }
  | { readonly slot: 'op'; readonly start: number }
  | { readonly slot: 'comparand'; readonly start: number; readonly judge: boolean }
  | { readonly slot: 'arg'; readonly start: number; readonly call: CallState };

type MeasureScan = { readonly done: false; readonly slot?: Slot } | { readonly done: true; readonly end: number; readonly judge: boolean };

const OP_CHARS = /^[<>=!]*$/;
const OPS = ['<=', '>=', '<', '>'];

/** Reads a measure from `i`, stopping at the cursor: either the slot the cursor is in, or where the measure ends. */
function scanMeasure(line: string, i: number, ch: number): MeasureScan {
  let e = i;
  while (e < ch && (isNameChar(line.charCodeAt(e)) || line.charCodeAt(e) === 0x2d)) e++;
  if (e === ch) return { done: false, slot: { slot: 'measure', start: i } };
  if (e === i) return { done: false };
  const fn = line.slice(i, e);
  const open = skipBlanks(line, e, ch);
  if (open >= ch || line.charCodeAt(open) !== 0x28) return { done: true, end: e, judge: false };
  const args: { text: string; quoted: boolean }[] = [];
  let k = open + 1;
  for (;;) {
    k = skipBlanks(line, k, ch);
    if (k >= ch) return { done: false, slot: { slot: 'arg', start: ch, call: { fn, args } } };
    const c = line.charCodeAt(k);
    if (c === 0x29) return { done: true, end: k + 1, judge: true };
    if (c === 0x2c) {
      k++;
      continue;
    }
    if (c === 0x22) {
      const s = scanString(line, k, ch);
      if (!s.terminated) return { done: false }; // inside the clip text: free text
      args.push({ text: s.text, quoted: true });
      k = s.end;
      continue;
    }
    const start = k;
    while (k < ch && isWordChar(line.charCodeAt(k))) k++;
    if (k === ch) return { done: false, slot: { slot: 'arg', start, call: { fn, args } } };
    if (k === start) return { done: false };
    args.push({ text: line.slice(start, k), quoted: false });
  }
}

/** Where in `MEASURE OP VALUE` the cursor is. */
function expectSlot(line: string, vStart: number, ch: number): Slot | undefined {
  const m = scanMeasure(line, vStart, ch);
  if (!m.done) return m.slot;
  const j = skipBlanks(line, m.end, ch);
  if (OP_CHARS.test(line.slice(j, ch))) return { slot: 'op', start: j };
  const op = OPS.find((o) => line.startsWith(o, j));
  if (!op) return undefined;
  const k = skipBlanks(line, j + op.length, ch);
  const c = scanMeasure(line, k, ch);
  if (c.done) return undefined;
  if (c.slot?.slot === 'measure') return { slot: 'comparand', start: c.slot.start, judge: m.judge };
  return c.slot;
}

function expectation(ctx: Ctx, test: TestBlock, vStart: number): CompletionItem[] {
  const slot = expectSlot(ctx.line, vStart, ctx.ch);
  if (!slot) return [];
  switch (slot.slot) {
    case 'measure':
      return [...traits(ctx, slot.start), ...functions(ctx, slot.start, 1)];
    case 'op':
      return operators(ctx, slot.start);
    case 'comparand':
      return [...references(ctx, test, slot.start), ...(slot.judge ? functions(ctx, slot.start, 1) : [])];
    case 'arg':
      return judgeArguments(ctx, slot.start, slot.call);
  }
}

/** The measure word from `start`: traits hold '-', so the word runs over it. */
function measureRange(ctx: Ctx, start: number): Range {
  let e = ctx.ch;
  while (e < ctx.contentEnd && (isNameChar(ctx.line.charCodeAt(e)) || ctx.line.charCodeAt(e) === 0x2d)) e++;
  return range(ctx.ln, start, e);
}

function traits(ctx: Ctx, start: number): CompletionItem[] {
  const r = measureRange(ctx, start);
  return TRAITS.map((info, i) => ({
    label: info.name,
    kind: 'trait' as const,
    detail: info.meaning,
    documentation: traitMarkdown(info),
    range: r,
    sortText: order(i),
  }));
}

const FUNCTION_SNIPPETS: readonly [string, string, string, boolean][] = [
  ['clip', 'clip("…")', 'clip("$1")', false],
  ['aesthetic', 'aesthetic(…)', 'aesthetic($1)', true],
  ['reward', 'reward(…)', 'reward($1)', true],
];

function functions(ctx: Ctx, start: number, group: number): CompletionItem[] {
  const r = measureRange(ctx, start);
  // Already followed by its argument list: replace just the name.
  const hasArgs = ctx.line.charCodeAt(skipBlanks(ctx.line, r.end.character, ctx.contentEnd)) === 0x28;
  return FUNCTION_SNIPPETS.map(([fn, label, snippet, retrigger], i) => ({
    label,
    kind: 'function' as const,
    detail: 'judge score',
    documentation: MEASURE_FUNCTIONS[fn].doc,
    insertText: hasArgs ? fn : snippet,
    snippet: hasArgs ? undefined : true,
    retrigger: !hasArgs && retrigger ? true : undefined,
    range: r,
    sortText: order(i, group),
  }));
}

const OP_DOCS: readonly [string, string][] = [
  ['<', 'less than'],
  ['<=', 'at most'],
  ['>', 'greater than'],
  ['>=', 'at least'],
];

function operators(ctx: Ctx, start: number): CompletionItem[] {
  let e = start;
  while (e < ctx.contentEnd && /[<>=!]/.test(ctx.line[e])) e++;
  const r = range(ctx.ln, start, Math.max(e, ctx.ch));
  const rest = ctx.line.slice(r.end.character, ctx.contentEnd).trim();
  return OP_DOCS.map(([op, doc], i) => ({
    label: op,
    kind: 'keyword' as const,
    detail: doc,
    insertText: rest === '' ? op + ' ' : op,
    retrigger: rest === '' ? true : undefined,
    range: r,
    sortText: order(i),
  }));
}

function references(ctx: Ctx, test: TestBlock, start: number): CompletionItem[] {
  const r = measureRange(ctx, start);
  const prop = (k: string) => test.properties.find((p) => p.key.text === k && p.value.type !== 'missing');
  const baseline = prop('baseline');
  const input = prop('input');
  const text = (p: typeof baseline) => (p && (p.value.type === 'text' || p.value.type === 'word') ? p.value.text : '');
  return [
    {
      label: 'baseline',
      kind: 'keyword',
      detail: baseline ? `baseline: ${text(baseline)}` : 'this test has no baseline prompt',
      documentation: 'The same measure on the image generated from the test\'s `baseline` prompt; add a margin with `+ 0.3` or `- 0.05`.',
      range: r,
      sortText: order(0, baseline ? 0 : 2),
    },
    {
      label: 'input',
      kind: 'keyword',
      detail: input ? `input: ${text(input)}` : 'this test has no input image',
      documentation: 'The same measure on the test\'s `input` image; add a margin with `+ 0.3` or `- 0.05`.',
      range: r,
      sortText: order(1, input ? 0 : 2),
    },
  ];
}

function judgeArguments(ctx: Ctx, start: number, call: CallState): CompletionItem[] {
  const spec = MEASURE_FUNCTIONS[call.fn];
  if (!spec) return [];
  // One judge name at most, and for clip only before the text.
  if (call.args.length > 0) return [];
  const end = wordEnd(ctx.line, ctx.ch, ctx.contentEnd);
  const r = range(ctx.ln, start, end);
  const rest = ctx.line.slice(skipBlanks(ctx.line, end, ctx.contentEnd), ctx.contentEnd);
  const items: CompletionItem[] = [];
  for (const d of ctx.analysis.visible.values()) {
    if (d.kind !== 'judge' || d.type !== spec.judgeKind) continue;
    let insert: string | undefined;
    let snippet: boolean | undefined;
    if (call.fn === 'clip') {
      if (rest.startsWith('"')) insert = `${d.name}, `;
      else if (rest.startsWith(',')) insert = undefined;
      else {
        insert = `${d.name}, "$1"` + (rest.startsWith(')') ? '' : ')');
        snippet = true;
      }
    } else if (rest === '') insert = `${d.name})`;
    items.push(definitionItem(ctx, d, r, 0, insert, snippet));
  }
  return items;
}
