// The `.wabi` formatter. It rewrites layout only (indentation, alignment, blank lines, header spelling) and
// proves it each time: the formatted text is parsed again and must give the same blocks, names, tags, keys,
// values, syntax errors and comments as the original. When it does not (a case the rules below did not
// foresee), the formatter falls back to removing trailing whitespace only, and when even that would differ, it
// changes nothing. So formatting can make a file tidier, never different.
//
// Layout rules:
// - Block headers at column 0, written canonically: `import "path"`, `generator NAME`, `judge NAME`,
//   `defaults`, `test "NAME"  [tag, tag]`, `audit "NAME"  [tag, tag]` (names and paths quoted with
//   lexer.quote, an empty tag list dropped). A header with a syntax error on its line is kept as written.
// - Properties indented `tabSize` spaces; in each block the values start in one column: every key is padded
//   to the longest key of the block (among properties that have a value) plus two spaces. Values are kept
//   exactly as written, so their meaning cannot change.
// - A `|` block opens with `key |` (one space: the marker is not a value in the column, and its key does not
//   widen the column), and its lines are indented one level deeper than the property; blank lines in it
//   (which mean a line break) are kept, collapsed to one.
// - Indented lines the parser could not read as a property are re-indented like properties, their text kept.
//   Blocks with an unknown header and stray lines before the first block are kept exactly as written.
// - One blank line between blocks, except between imports that were written on consecutive lines. Runs of
//   blank lines elsewhere collapse to one; blank lines right after a header, at the start and at the end of
//   the file are removed.
// - Comments keep their text exactly. A comment on its own line inside a block is indented like a property
//   (one inside a `|` block like its lines). Between blocks, an indented comment stays with the block above at
//   property indentation, a column-0 comment stays at column 0, and a comment run written directly above a
//   header stays attached to it (the blank line that separates blocks goes above the comments). A comment
//   after a value or header is kept after it, separated by one space.
// - Trailing whitespace removed; the file ends with exactly one line break, in the file's own style (that of
//   its first line break: `\n`, `\r\n` or a lone `\r`).
import type { Block, Property, SpecFile } from './ast';
import type { FormattingOptions, TextEdit } from './features';
import { lineBreakOf, quote, shapeLine, skipBlanks, splitLines, type LineShape } from './lexer';
import { parse } from './parser';

export type FormatOutcome = 'formatted' | 'whitespace-only' | 'unchanged';

export interface FormatResult {
  readonly text: string;
  /** `formatted` normally; the fallbacks say the full layout would not have parsed back the same. */
  readonly outcome: FormatOutcome;
}

/** The formatted text of a whole file. */
export function formatText(text: string, options: FormattingOptions): string {
  return formatDetailed(text, options).text;
}

/** The formatted text and which level of formatting was proven safe for it. */
export function formatDetailed(text: string, options: FormattingOptions): FormatResult {
  const parsed = parse(text);
  const full = new Layout(text, parsed, indentWidth(options)).run();
  if (full === text) return { text: full, outcome: 'formatted' };
  const expected = signature(parsed);
  if (signature(parse(full)) === expected) return { text: full, outcome: 'formatted' };
  const trimmed = trimOnly(text);
  if (trimmed === text || signature(parse(trimmed)) === expected) return { text: trimmed, outcome: 'whitespace-only' };
  return { text, outcome: 'unchanged' };
}

/** The edits that format `text`: one per run of changed lines, in document order, never overlapping. */
export function format(text: string, options: FormattingOptions): TextEdit[] {
  return lineEdits(text, formatText(text, options));
}

function indentWidth(options: FormattingOptions): number {
  const n = Math.floor(options.tabSize);
  return Number.isFinite(n) && n >= 1 ? Math.min(n, 16) : 2;
}


/** Removes the blanks the lexer ignores (space, tab, CR) from the end of a line. */
function rtrim(s: string): string {
  let e = s.length;
  while (e > 0) {
    const c = s.charCodeAt(e - 1);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0d) break;
    e--;
  }
  return s.slice(0, e);
}

function joinLines(lines: readonly string[], eol: string): string {
  let end = lines.length;
  while (end > 0 && lines[end - 1] === '') end--;
  return end === 0 ? '' : lines.slice(0, end).join(eol) + eol;
}

function trimOnly(text: string): string {
  return joinLines(splitLines(text).map(rtrim), lineBreakOf(text));
}

// ---- what must not change -----------------------------------------------------------------------------------

/** Everything formatting must preserve, as a string: per block its kind, header names and tags, and per
 *  property its key and value (positions left out); the parser's errors; the text of every comment. */
export function signature(file: SpecFile): string {
  const noRanges = (key: string, value: unknown) => (key === 'range' || key === 'argsRange' ? undefined : value);
  const blocks = file.blocks.map((b) => ({
    kind: b.kind,
    keyword: b.keyword.text,
    name: 'name' in b ? b.name?.text : undefined,
    path: b.kind === 'import' ? b.path?.text : undefined,
    tags: b.kind === 'test' || b.kind === 'audit' ? b.tags.map((t) => t.text) : undefined,
    properties: b.properties.map((p) => [p.key.text, JSON.stringify(p.value, noRanges)]),
  }));
  const errors = file.diagnostics.map((d) => `${d.code}|${d.severity}|${d.message}`);
  const comments: string[] = [];
  for (const line of splitLines(file.text)) {
    const s = shapeLine(line);
    if (s.commentStart >= 0) comments.push(rtrim(line.slice(s.commentStart)));
  }
  return JSON.stringify({ blocks, errors, comments });
}

// ---- layout -------------------------------------------------------------------------------------------------

type Role =
  | { readonly t: 'blank' }
  | { readonly t: 'comment' }
  /** A line of a block with an unknown header, or a stray line before the first block: kept as written. */
  | { readonly t: 'verbatim' }
  | { readonly t: 'header' }
  | { readonly t: 'property'; readonly property: Property }
  /** A line inside a `|` block (text, comment or blank). */
  | { readonly t: 'text' }
  /** An indented line of a block that the parser could not read as a property. */
  | { readonly t: 'error' };

class Layout {
  private readonly lines: string[];
  private readonly shapes: LineShape[];
  private readonly roles: Role[];
  private readonly eol: string;
  /** Lines holding a syntax error: a header there is kept as written. */
  private readonly errorLines = new Set<number>();
  private readonly out: string[] = [];

  constructor(
    text: string,
    private readonly file: SpecFile,
    private readonly unit: number,
  ) {
    this.lines = splitLines(text);
    this.shapes = this.lines.map(shapeLine);
    this.eol = lineBreakOf(text);
    for (const d of file.diagnostics) for (let l = d.range.start.line; l <= d.range.end.line; l++) this.errorLines.add(l);
    this.roles = this.assignRoles();
  }

  private assignRoles(): Role[] {
    const roles: Role[] = this.shapes.map((s) =>
      s.contentEnd > s.indent ? { t: 'verbatim' } : s.commentStart >= 0 ? { t: 'comment' } : { t: 'blank' },
    );
    for (const b of this.file.blocks) {
      const first = b.headerRange.start.line;
      const last = b.range.end.line;
      if (b.kind === 'unknown') {
        for (let l = first; l <= last; l++) roles[l] = { t: 'verbatim' };
        continue;
      }
      roles[first] = { t: 'header' };
      for (let l = first + 1; l <= last; l++) if (roles[l].t === 'verbatim') roles[l] = { t: 'error' };
      for (const p of b.properties) {
        roles[p.key.range.start.line] = { t: 'property', property: p };
        if (p.value.type === 'text' && p.value.form === 'block') {
          for (let l = p.range.start.line + 1; l <= p.range.end.line; l++) roles[l] = { t: 'text' };
        }
      }
    }
    return roles;
  }

  run(): string {
    const blocks = this.file.blocks;
    const firstHeader = blocks.length > 0 ? blocks[0].headerRange.start.line : this.lines.length;
    for (let l = 0; l < firstHeader; l++) {
      if (this.roles[l].t === 'blank') this.blank();
      else this.push(rtrim(this.lines[l]));
    }
    for (let i = 0; i < blocks.length; i++) {
      const b = blocks[i];
      const next = blocks[i + 1];
      this.block(b);
      const gapEnd = next ? next.headerRange.start.line : this.lines.length;
      this.gap(b.range.end.line + 1, gapEnd, b, next);
    }
    return joinLines(this.out, this.eol);
  }

  private push(line: string): void {
    this.out.push(line);
  }

  /** One blank line, unless the output is empty or already ends with one. */
  private blank(): void {
    if (this.out.length > 0 && this.out[this.out.length - 1] !== '') this.out.push('');
  }

  private commentText(l: number): string {
    return rtrim(this.lines[l].slice(this.shapes[l].commentStart));
  }

  /** ` # comment` when line `l` has a comment after its content, else ''. */
  private trailingComment(l: number): string {
    const s = this.shapes[l];
    return s.commentStart > s.indent ? ' ' + this.commentText(l) : '';
  }

  private block(b: Block): void {
    const first = b.headerRange.start.line;
    const last = b.range.end.line;
    if (b.kind === 'unknown') {
      for (let l = first; l <= last; l++) this.push(rtrim(this.lines[l]));
      return;
    }
    this.push(this.header(b));
    const pad = ' '.repeat(this.unit);
    const keyWidth = Math.max(0, ...b.properties.filter((p) => this.valueText(p) !== '' && !isTextBlock(p)).map((p) => p.key.text.length));
    let afterHeader = true;
    let textStarted = false;
    for (let l = first + 1; l <= last; l++) {
      const role = this.roles[l];
      const s = this.shapes[l];
      if (role.t !== 'text') textStarted = false;
      switch (role.t) {
        case 'blank':
          if (!afterHeader) this.blank();
          continue;
        case 'comment':
          this.push(pad + this.commentText(l));
          break;
        case 'property':
          this.push(this.property(role.property, keyWidth));
          break;
        case 'text':
          if (s.contentEnd > s.indent) {
            textStarted = true;
            this.push(pad + pad + this.lines[l].slice(s.indent, s.contentEnd) + this.trailingComment(l));
          } else if (s.commentStart >= 0) {
            this.push(pad + pad + this.commentText(l));
          } else if (textStarted) {
            this.blank();
          }
          break;
        case 'error':
          this.push(pad + rtrim(this.lines[l].slice(s.indent)));
          break;
        default:
          this.push(rtrim(this.lines[l]));
      }
      afterHeader = false;
    }
  }

  private header(b: Exclude<Block, { kind: 'unknown' }>): string {
    const l = b.headerRange.start.line;
    if (this.errorLines.has(l)) return rtrim(this.lines[l]);
    let text: string | undefined;
    switch (b.kind) {
      case 'import':
        if (b.path) text = 'import ' + quote(b.path.text);
        break;
      case 'generator':
      case 'judge':
        if (b.name) text = `${b.kind} ${b.name.text}`;
        break;
      case 'defaults':
        text = 'defaults';
        break;
      case 'test':
      case 'audit':
        if (b.name) text = `${b.kind} ` + quote(b.name.text) + (b.tags.length > 0 ? `  [${b.tags.map((t) => t.text).join(', ')}]` : '');
        break;
    }
    return text === undefined ? rtrim(this.lines[l]) : text + this.trailingComment(l);
  }

  /** The value of a property exactly as written on its key's line ('' when there is none). */
  private valueText(p: Property): string {
    const l = p.key.range.start.line;
    const s = this.shapes[l];
    const start = skipBlanks(this.lines[l], p.key.range.end.character, s.contentEnd);
    return this.lines[l].slice(start, s.contentEnd);
  }

  private property(p: Property, keyWidth: number): string {
    const key = p.key.text;
    const value = this.valueText(p);
    const head = ' '.repeat(this.unit) + key;
    const line = value === '' ? head : isTextBlock(p) ? head + ' ' + value : head + ' '.repeat(keyWidth - key.length + 2) + value;
    return line + this.trailingComment(p.key.range.start.line);
  }

  /**
   * The comments and blank lines between block `x` and the next block `y` (or the end of the file). Indented
   * comments go to property indentation, column-0 comments stay at column 0, blank runs collapse. When the gap
   * holds no blank line, one is added where the column-0 comments start (so they stay attached to `y`), or
   * just above `y`; not between imports written on consecutive lines.
   */
  private gap(from: number, to: number, x: Block, y: Block | undefined): void {
    let separator = -1;
    if (y) {
      let hasBlank = false;
      for (let l = from; l < to; l++) if (this.roles[l].t === 'blank') hasBlank = true;
      if (!hasBlank && !(x.kind === 'import' && y.kind === 'import')) {
        separator = to;
        for (let l = from; l < to; l++) {
          if (this.shapes[l].indent === 0) {
            separator = l;
            break;
          }
        }
      }
    }
    const pad = ' '.repeat(this.unit);
    for (let l = from; l < to; l++) {
      if (l === separator) this.blank();
      if (this.roles[l].t === 'blank') this.blank();
      else this.push((this.shapes[l].indent > 0 ? pad : '') + this.commentText(l));
    }
    if (separator === to) this.blank();
  }
}

function isTextBlock(p: Property): boolean {
  return p.value.type === 'text' && p.value.form === 'block';
}

// ---- edits --------------------------------------------------------------------------------------------------

/** Lines with their line breaks; the last one has none when the text does not end with one. */
function units(text: string): string[] {
  // Each line with its break (`\n`, `\r\n` or a lone `\r`, the breaks the lexer counts).
  return text.match(/[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$/g) ?? [];
}

/** Minimal line edits turning `before` into `after` (a Myers diff over lines; when the texts differ in too
 *  many places for that to be cheap, one edit over the span that changed). */
export function lineEdits(before: string, after: string): TextEdit[] {
  if (before === after) return [];
  const a = units(before);
  const b = units(after);
  const startOf = (i: number) => {
    if (i < a.length) return { line: i, character: 0 };
    if (/[\r\n]$/.test(before) || a.length === 0) return { line: a.length, character: 0 };
    return { line: a.length - 1, character: a[a.length - 1].length };
  };
  let pre = 0;
  while (pre < a.length && pre < b.length && a[pre] === b[pre]) pre++;
  let suf = 0;
  while (suf < a.length - pre && suf < b.length - pre && a[a.length - 1 - suf] === b[b.length - 1 - suf]) suf++;
  const hunks = diff(a.slice(pre, a.length - suf), b.slice(pre, b.length - suf), 2000) ?? [
    { a0: 0, a1: a.length - pre - suf, b0: 0, b1: b.length - pre - suf },
  ];
  return hunks.map((h) => ({
    range: { start: startOf(pre + h.a0), end: startOf(pre + h.a1) },
    newText: b.slice(pre + h.b0, pre + h.b1).join(''),
  }));
}

interface Hunk {
  readonly a0: number;
  readonly a1: number;
  readonly b0: number;
  readonly b1: number;
}

/** Myers' O(ND) diff; the hunks that replace a[a0..a1) with b[b0..b1), or undefined past `maxEdits`. */
function diff(a: readonly string[], b: readonly string[], maxEdits: number): Hunk[] | undefined {
  const n = a.length;
  const m = b.length;
  if (n === 0 && m === 0) return [];
  if (n === 0 || m === 0) return [{ a0: 0, a1: n, b0: 0, b1: m }];
  const max = Math.min(n + m, maxEdits);
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  let found = -1;
  for (let d = 0; d <= max && found < 0; d++) {
    trace.push(v.slice(offset - d - 1, offset + d + 2));
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[offset + k - 1] < v[offset + k + 1]) ? v[offset + k + 1] : v[offset + k - 1] + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) {
        found = d;
        break;
      }
    }
  }
  if (found < 0) return undefined;
  // Walk back through the trace, collecting the edit steps.
  const steps: { kind: 'del' | 'ins'; x: number; y: number }[] = [];
  let x = n;
  let y = m;
  for (let d = found; d > 0; d--) {
    // trace[d] holds v as it was before step d, for diagonals -d-1..d+1.
    const pv = trace[d];
    const at = (k: number) => pv[k + d + 1];
    const k = x - y;
    const down = k === -d || (k !== d && at(k - 1) < at(k + 1));
    const pk = down ? k + 1 : k - 1;
    const px = at(pk);
    const py = px - pk;
    while (x > px + (down ? 0 : 1) && y > py + (down ? 1 : 0)) {
      x--;
      y--;
    }
    if (down) steps.push({ kind: 'ins', x: px, y: py });
    else steps.push({ kind: 'del', x: px, y: py });
    x = px;
    y = py;
  }
  steps.reverse();
  const hunks: Hunk[] = [];
  for (const s of steps) {
    const a0 = s.x;
    const b0 = s.y;
    const a1 = s.kind === 'del' ? a0 + 1 : a0;
    const b1 = s.kind === 'ins' ? b0 + 1 : b0;
    const last = hunks[hunks.length - 1];
    if (last && last.a1 === a0 && last.b1 === b0) hunks[hunks.length - 1] = { a0: last.a0, a1, b0: last.b0, b1 };
    else hunks.push({ a0, a1, b0, b1 });
  }
  return hunks;
}
