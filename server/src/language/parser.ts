// Error-tolerant parser for `.wabi` files. It works line by line: a block header at column 0 opens a block,
// indented lines are its properties. A bad line yields a diagnostic and is skipped, so one mistake never hides
// the rest of the file. Values are read by the shape their key declares (catalogue/schema.ts).
import { HEADER_KEYWORDS, PROPERTY_KEYS, VALUE_SHAPES } from '../catalogue/schema';
import type {
  Block,
  Comment,
  Comparand,
  CompareOp,
  Diagnostic,
  Expectation,
  Measure,
  NumberToken,
  Property,
  Range,
  SeedItem,
  Segment,
  SpecFile,
  Token,
  Value,
} from './ast';
import { range } from './ast';
import {
  isBlank,
  isDigit,
  lineStartOffsets,
  scanDefinitionName,
  scanExpressionName,
  scanNumber,
  scanString,
  shapeLine,
  skipBlanks,
  splitLines,
} from './lexer';
import { closest } from '../catalogue/suggest';

interface OpenBlock {
  kind: Block['kind'];
  keyword: Token;
  headerRange: Range;
  name?: Token;
  path?: Token;
  tags: Token[];
  properties: Property[];
  lastLine: number;
  lastEnd: number;
}

const HEADERS = new Set<string>(HEADER_KEYWORDS);

/** Parses a spec. With `previous` (the parse of an earlier version of the same document), every block whose
 *  text and first line are unchanged is reused as it was, diagnostics included: a keystroke re-parses one block. */
export function parse(text: string, previous?: SpecFile): SpecFile {
  return new Parser(text).run(previous);
}

/** A block starts at a line whose first character is neither blank nor `#`. */
function isHeaderLine(line: string): boolean {
  if (line.length === 0) return false;
  const c = line.charCodeAt(0);
  return c !== 0x20 && c !== 0x09 && c !== 0x0d && c !== 0x23;
}

class Parser {
  private readonly lines: string[];
  private blocks: Block[] = [];
  private comments: Comment[] = [];
  private diagnostics: Diagnostic[] = [];
  private current: OpenBlock | undefined;
  /** Set after an indented line outside any block was reported, so a run of them is reported once. */
  private strayReported = false;

  constructor(private readonly text: string) {
    this.lines = splitLines(text);
  }

  run(previous?: SpecFile): SpecFile {
    const lines = this.lines;
    const lineStarts = lineStartOffsets(this.text);

    const reusable = new Map<number, Segment>();
    for (const seg of previous?.segments ?? []) reusable.set(seg.startLine, seg);

    const segments: Segment[] = [];
    let start = 0;
    for (let ln = 1; ln <= lines.length; ln++) {
      if (ln < lines.length && !isHeaderLine(lines[ln])) continue;
      const segText = this.text.slice(lineStarts[start], lineStarts[ln]);
      const old = reusable.get(start);
      segments.push(old && old.endLine === ln && old.text === segText ? old : this.segment(start, ln, segText));
      start = ln;
    }

    const blocks: Block[] = [];
    const comments: Comment[] = [];
    const diagnostics: Diagnostic[] = [];
    for (const seg of segments) {
      if (seg.block) blocks.push(seg.block);
      for (const c of seg.comments) comments.push(c);
      for (const d of seg.diagnostics) diagnostics.push(d);
    }
    return { text: this.text, lineCount: lines.length, blocks, comments, diagnostics, segments };
  }

  /** Parses lines [from, to): one block (or, before the first header, stray lines and comments). */
  private segment(from: number, to: number, text: string): Segment {
    this.blocks = [];
    this.comments = [];
    this.diagnostics = [];
    this.strayReported = false;
    const lines = this.lines;
    for (let ln = from; ln < to; ln++) {
      const line = lines[ln];
      const shape = shapeLine(line);
      if (shape.commentStart >= 0) {
        this.comments.push({ range: range(ln, shape.commentStart, line.length), ownLine: shape.commentStart === shape.indent });
      }
      if (shape.contentEnd === shape.indent) continue; // blank or comment-only
      if (shape.indent === 0) {
        this.closeBlock();
        this.header(ln, line, shape.contentEnd);
      } else {
        ln = this.property(ln, line, shape.indent, shape.contentEnd);
      }
    }
    this.closeBlock();
    return { startLine: from, endLine: to, text, block: this.blocks[0], comments: this.comments, diagnostics: this.diagnostics };
  }

  private error(r: Range, message: string, code: string, suggestions?: string[]): void {
    this.diagnostics.push({ range: r, severity: 'error', message, code, suggestions });
  }

  // ---- headers -------------------------------------------------------------------------------------------

  private header(ln: number, line: string, end: number): void {
    this.strayReported = false;
    const wordEnd = scanDefinitionName(line, 0, end);
    const word = line.slice(0, wordEnd);
    const keywordRange = range(ln, 0, Math.max(wordEnd, 1));
    if (!HEADERS.has(word)) {
      const shown = wordEnd > 0 ? word : line.slice(0, end).split(/\s/)[0];
      const r = range(ln, 0, wordEnd > 0 ? wordEnd : shown.length);
      const suggestion = wordEnd > 0 ? closest(word, HEADER_KEYWORDS) : undefined;
      if (wordEnd > 0 && PROPERTY_KEYS.has(word)) {
        this.error(r, `'${word}' is a property: indent it under a block (test, audit, defaults, generator or judge).`, 'property-not-indented');
      } else {
        this.error(
          r,
          `Unknown block '${shown}'. Expected import, generator, judge, defaults, test or audit.` + (suggestion ? ` Did you mean '${suggestion}'?` : ''),
          'unknown-block',
          suggestion ? [suggestion] : undefined,
        );
      }
      this.open('unknown', { text: shown, range: r }, range(ln, 0, end));
      return;
    }
    const keyword: Token = { text: word, range: keywordRange };
    const block = this.open(word as Block['kind'], keyword, range(ln, 0, end));
    const i = skipBlanks(line, wordEnd, end);
    if (wordEnd < end && i === wordEnd) {
      this.error(range(ln, wordEnd, end), `Expected a space after '${word}'.`, 'syntax');
      return;
    }
    switch (word) {
      case 'import': {
        const path = this.readWordOrString(ln, line, i, end, true);
        if (!path) this.error(range(ln, 0, end), 'Expected a file to import: import "generators.wabi".', 'missing-value');
        else block.path = path.token;
        if (path && path.end < end) this.trailing(ln, line, path.end, end);
        break;
      }
      case 'generator':
      case 'judge': {
        const nameEnd = scanDefinitionName(line, i, end);
        if (nameEnd === i) {
          const what = i < end ? `'${line.slice(i, end)}' is not a valid name` : `Expected a ${word} name`;
          this.error(i < end ? range(ln, i, end) : range(ln, 0, end), `${what}: a letter, then letters, digits, '_', '-' or '.'.`, 'bad-name');
        } else {
          block.name = { text: line.slice(i, nameEnd), range: range(ln, i, nameEnd) };
          if (nameEnd < end) this.trailing(ln, line, nameEnd, end);
        }
        break;
      }
      case 'defaults':
        if (i < end) this.trailing(ln, line, i, end);
        break;
      case 'test':
      case 'audit':
        this.namedHeader(ln, line, i, end, block);
        break;
    }
  }

  /** `test "NAME" [tags]` and `audit "NAME" [tags]`: a name, quoted or running to the tags, then the tags. */
  private namedHeader(ln: number, line: string, i: number, end: number, block: OpenBlock): void {
    const bracket = line.indexOf('[', i);
    const nameLimit = bracket >= 0 && line.charCodeAt(i) !== 0x22 ? bracket : end;
    if (i >= end || i === bracket) {
      const example = block.kind === 'audit' ? 'an audit name: audit "reward models on film grain"' : 'a test name: test "grainy cow"';
      this.error(range(ln, 0, end), `Expected ${example}.`, 'missing-value');
    } else {
      const name = this.readWordOrString(ln, line, i, nameLimit, false);
      if (name) {
        block.name = name.token;
        i = skipBlanks(line, name.end, end);
      }
    }
    if (i < end && line.charCodeAt(i) === 0x5b) {
      i = this.tags(ln, line, i, end, block.tags);
      i = skipBlanks(line, i, end);
    }
    if (i < end) this.trailing(ln, line, i, end);
  }

  private tags(ln: number, line: string, open: number, end: number, out: Token[]): number {
    let i = open + 1;
    for (;;) {
      i = skipBlanks(line, i, end);
      if (i >= end) {
        this.error(range(ln, open, end), "Unclosed tag list: expected ']'.", 'syntax');
        return end;
      }
      const c = line.charCodeAt(i);
      if (c === 0x5d) return i + 1;
      if (c === 0x2c) {
        i++;
        continue;
      }
      const tagEnd = scanDefinitionName(line, i, end);
      if (tagEnd === i) {
        let j = i;
        while (j < end && !isBlank(line.charCodeAt(j)) && line[j] !== ',' && line[j] !== ']') j++;
        this.error(range(ln, i, j), `'${line.slice(i, j)}' is not a tag: use a category such as clarity_and_focus.film_artifacts.`, 'bad-tag');
        i = j;
        continue;
      }
      out.push({ text: line.slice(i, tagEnd), range: range(ln, i, tagEnd) });
      i = tagEnd;
    }
  }

  private trailing(ln: number, line: string, from: number, end: number): void {
    this.error(range(ln, from, end), `Unexpected '${line.slice(from, end)}' at the end of the line.`, 'trailing-text');
  }

  /** Reads a quoted string or an unquoted run of text up to `limit` (to the first blank when `oneWord`). */
  private readWordOrString(ln: number, line: string, i: number, limit: number, oneWord: boolean): { token: Token; end: number } | undefined {
    if (i >= limit) return undefined;
    if (line.charCodeAt(i) === 0x22) {
      const s = scanString(line, i, limit);
      this.checkString(ln, i, s);
      return { token: { text: s.text, range: range(ln, i, s.end), quoted: true }, end: s.end };
    }
    let j = i;
    if (oneWord) while (j < limit && !isBlank(line.charCodeAt(j))) j++;
    else {
      j = limit;
      while (j > i && isBlank(line.charCodeAt(j - 1))) j--;
    }
    return { token: { text: line.slice(i, j), range: range(ln, i, j) }, end: j };
  }

  private checkString(ln: number, start: number, s: ReturnType<typeof scanString>): void {
    if (!s.terminated) this.error(range(ln, start, s.end), 'Unterminated string: expected a closing \'"\'.', 'unterminated-string');
    if (s.badEscape >= 0) {
      this.diagnostics.push({
        range: range(ln, s.badEscape, s.badEscape + 2),
        severity: 'warning',
        message: 'Unknown escape: use \\" \\\\ \\n or \\t.',
        code: 'bad-escape',
      });
    }
  }

  private open(kind: Block['kind'], keyword: Token, headerRange: Range): OpenBlock {
    this.current = {
      kind,
      keyword,
      headerRange,
      tags: [],
      properties: [],
      lastLine: headerRange.end.line,
      lastEnd: headerRange.end.character,
    };
    return this.current;
  }

  private closeBlock(): void {
    const b = this.current;
    if (!b) return;
    this.current = undefined;
    const keyword = b.keyword;
    const headerRange = b.headerRange;
    const properties = b.properties;
    const r = { start: b.headerRange.start, end: { line: b.lastLine, character: b.lastEnd } };
    // Literal objects per kind (no spread): a 40,000-line spec makes thousands of blocks.
    switch (b.kind) {
      case 'import':
        this.blocks.push({ kind: 'import', keyword, headerRange, properties, range: r, path: b.path });
        break;
      case 'generator':
        this.blocks.push({ kind: 'generator', keyword, headerRange, properties, range: r, name: b.name });
        break;
      case 'judge':
        this.blocks.push({ kind: 'judge', keyword, headerRange, properties, range: r, name: b.name });
        break;
      case 'defaults':
        this.blocks.push({ kind: 'defaults', keyword, headerRange, properties, range: r });
        break;
      case 'test':
        this.blocks.push({ kind: 'test', keyword, headerRange, properties, range: r, name: b.name, tags: b.tags });
        break;
      case 'audit':
        this.blocks.push({ kind: 'audit', keyword, headerRange, properties, range: r, name: b.name, tags: b.tags });
        break;
      default:
        this.blocks.push({ kind: 'unknown', keyword, headerRange, properties, range: r });
    }
  }


  // ---- properties ----------------------------------------------------------------------------------------

  /** Parses the property on line `ln`; returns the last line it used (a `|` block spans several). */
  private property(ln: number, line: string, indent: number, end: number): number {
    const block = this.current;
    if (!block) {
      if (!this.strayReported) {
        this.error(range(ln, indent, end), 'This indented line belongs to no block: start a test, audit, defaults, generator or judge above it.', 'stray-property');
        this.strayReported = true;
      }
      return ln;
    }
    block.lastLine = ln;
    block.lastEnd = end;
    if (block.kind === 'unknown' || block.kind === 'import') {
      if (block.kind === 'import') this.error(range(ln, indent, end), 'An import has no properties.', 'syntax');
      return ln;
    }
    const keyEnd = scanDefinitionName(line, indent, end);
    if (keyEnd === indent) {
      this.error(range(ln, indent, end), `Expected a property name, found '${line.slice(indent, end)}'.`, 'syntax');
      return ln;
    }
    const key: Token = { text: line.slice(indent, keyEnd), range: range(ln, indent, keyEnd) };
    if (keyEnd < end && !isBlank(line.charCodeAt(keyEnd))) {
      let j = keyEnd;
      while (j < end && !isBlank(line.charCodeAt(j))) j++;
      this.error(range(ln, indent, j), `'${line.slice(indent, j)}' is not a property name.`, 'syntax');
      return ln;
    }
    const vStart = skipBlanks(line, keyEnd, end);
    let lastLine = ln;
    let value: Value;
    if (vStart >= end) {
      value = { type: 'missing', range: range(ln, keyEnd, keyEnd) };
    } else {
      switch (VALUE_SHAPES[block.kind][key.text]) {
        case 'text': {
          const t = this.text_(ln, line, vStart, end, indent);
          value = t.value;
          lastLine = t.lastLine;
          break;
        }
        case 'expect':
          value = this.expect(ln, line, vStart, end);
          break;
        case 'seeds':
          value = this.seeds(ln, line, vStart, end);
          break;
        case 'size':
          value = this.size(ln, line, vStart, end);
          break;
        case 'pass':
          value = this.pass(ln, line, vStart, end);
          break;
        case 'numbers':
          value = this.numbers(ln, line, vStart, end);
          break;
        case 'names':
          value = this.names(ln, line, vStart, end);
          break;
        default: {
          const w = this.readWordOrString(ln, line, vStart, end, false)!;
          if (w.token.quoted && w.end < end) this.trailing(ln, line, w.end, end);
          value = { type: 'word', text: w.token.text, range: w.token.range, quoted: !!w.token.quoted };
        }
      }
    }
    if (lastLine !== ln) {
      block.lastLine = lastLine;
      block.lastEnd = value.range.end.character;
    }
    block.properties.push({ key, value, indent, range: { start: key.range.start, end: value.range.end } });
    return lastLine;
  }

  private text_(ln: number, line: string, start: number, end: number, indent: number): { value: Value; lastLine: number } {
    const c = line.charCodeAt(start);
    if (c === 0x22) {
      const s = scanString(line, start, end);
      this.checkString(ln, start, s);
      if (s.end < end) this.trailing(ln, line, s.end, end);
      return { value: { type: 'text', text: s.text, range: range(ln, start, s.end), form: 'quoted' }, lastLine: ln };
    }
    if (c === 0x7c && start + 1 === end) return this.blockText(ln, start, indent);
    return { value: { type: 'text', text: line.slice(start, end), range: range(ln, start, end), form: 'plain' }, lastLine: ln };
  }

  /** A `|` block: the lines indented deeper than the property, joined with spaces; blank lines become newlines. */
  private blockText(ln: number, bar: number, indent: number): { value: Value; lastLine: number } {
    const parts: string[] = [];
    let pendingBreak = false;
    let last = ln;
    let lastEnd = bar + 1;
    // Comments on lines after the last text line are left to the caller, which reads those lines again.
    const comments: Comment[] = [];
    for (let k = ln + 1; k < this.lines.length; k++) {
      const line = this.lines[k];
      const shape = shapeLine(line);
      if (shape.contentEnd === shape.indent) {
        if (shape.commentStart >= 0) {
          if (shape.indent <= indent) break;
          comments.push({ range: range(k, shape.commentStart, line.length), ownLine: true });
          continue;
        }
        if (parts.length > 0) pendingBreak = true;
        continue;
      }
      if (shape.indent <= indent) break;
      if (shape.commentStart >= 0) comments.push({ range: range(k, shape.commentStart, line.length), ownLine: false });
      const piece = line.slice(shape.indent, shape.contentEnd);
      if (parts.length > 0) parts.push(pendingBreak ? '\n' : ' ');
      parts.push(piece);
      pendingBreak = false;
      last = k;
      lastEnd = shape.contentEnd;
    }
    for (const c of comments) if (c.range.start.line <= last) this.comments.push(c);
    if (last === ln) this.error(range(ln, bar, bar + 1), "Expected indented lines after '|'.", 'empty-block');
    const text = parts.join('');
    return { value: { type: 'text', text, range: { start: { line: ln, character: bar }, end: { line: last, character: lastEnd } }, form: 'block' }, lastLine: last };
  }

  private num(ln: number, line: string, i: number, end: number): NumberToken | undefined {
    const j = scanNumber(line, i, end);
    if (j === i) return undefined;
    const text = line.slice(i, j);
    return { value: Number(text), text, range: range(ln, i, j) };
  }

  private seeds(ln: number, line: string, start: number, end: number): Value {
    const items: SeedItem[] = [];
    let i = start;
    while (i < end) {
      i = skipBlanks(line, i, end);
      if (i >= end) break;
      if (line.charCodeAt(i) === 0x2c) {
        i++;
        continue;
      }
      const from = this.seedNumber(ln, line, i, end);
      if (!from) {
        let j = i;
        while (j < end && !isBlank(line.charCodeAt(j)) && line[j] !== ',') j++;
        this.error(range(ln, i, j), `'${line.slice(i, j)}' is not a seed: use whole numbers and ranges such as 1..4.`, 'bad-seeds');
        i = j;
        continue;
      }
      i = from.range.end.character;
      if (line.startsWith('..', i)) {
        const to = this.seedNumber(ln, line, i + 2, end);
        if (!to) {
          let j = i + 2;
          while (j < end && !isBlank(line.charCodeAt(j)) && line[j] !== ',') j++;
          this.error(range(ln, from.range.start.character, j), `'${line.slice(from.range.start.character, j)}' is not a seed range: use whole numbers, e.g. 1..4.`, 'bad-seeds');
          i = j;
          items.push({ from, range: from.range });
          continue;
        }
        items.push({ from, to, range: range(ln, from.range.start.character, to.range.end.character) });
        i = to.range.end.character;
      } else {
        items.push({ from, range: from.range });
      }
    }
    return { type: 'seeds', items, range: range(ln, start, end) };
  }

  /** A seed is a whole number; a leading `-` is read so that negative seeds get a clear error later. */
  private seedNumber(ln: number, line: string, i: number, end: number): NumberToken | undefined {
    const neg = line.charCodeAt(i) === 0x2d;
    const s = neg ? i + 1 : i;
    let j = s;
    while (j < end && isDigit(line.charCodeAt(j))) j++;
    if (j === s) return undefined;
    if (j < end && line.charCodeAt(j) === 0x2e && !line.startsWith('..', j)) return undefined;
    const text = line.slice(i, j);
    return { value: Number(text), text, range: range(ln, i, j) };
  }

  private size(ln: number, line: string, start: number, end: number): Value {
    const m = /^(\d+)\s*[xX×]\s*(\d+)$/.exec(line.slice(start, end));
    if (!m) {
      this.error(range(ln, start, end), `'${line.slice(start, end)}' is not a size: use WIDTHxHEIGHT, e.g. 1024x1024.`, 'bad-size');
      return { type: 'word', text: line.slice(start, end), range: range(ln, start, end), quoted: false };
    }
    const wEnd = start + m[1].length;
    const hStart = end - m[2].length;
    return {
      type: 'size',
      width: { value: Number(m[1]), text: m[1], range: range(ln, start, wEnd) },
      height: { value: Number(m[2]), text: m[2], range: range(ln, hStart, end) },
      range: range(ln, start, end),
    };
  }

  private pass(ln: number, line: string, start: number, end: number): Value {
    const text = line.slice(start, end);
    const r = range(ln, start, end);
    let m: RegExpExecArray | null;
    if (text === 'all') return { type: 'pass', ratio: 1, text, range: r };
    if ((m = /^(\d+)\s*\/\s*(\d+)$/.exec(text))) return { type: 'pass', ratio: Number(m[1]) / Number(m[2]), text, range: r };
    if ((m = /^(\d+(?:\.\d+)?)\s*%$/.exec(text))) return { type: 'pass', ratio: Number(m[1]) / 100, text, range: r };
    this.error(r, `'${text}' is not a pass rate: use a share of seeds such as 3/4, 75% or all.`, 'bad-pass');
    return { type: 'word', text, range: r, quoted: false };
  }

  private numbers(ln: number, line: string, start: number, end: number): Value {
    const values: NumberToken[] = [];
    let i = start;
    while (i < end) {
      i = skipBlanks(line, i, end);
      if (i < end && line.charCodeAt(i) === 0x2c) {
        i++;
        continue;
      }
      if (i >= end) break;
      const neg = line.charCodeAt(i) === 0x2d ? 1 : 0;
      const n = this.num(ln, line, i + neg, end);
      if (!n) {
        let j = i;
        while (j < end && !isBlank(line.charCodeAt(j)) && line[j] !== ',') j++;
        this.error(range(ln, i, j), `'${line.slice(i, j)}' is not a number.`, 'bad-number');
        i = j;
        continue;
      }
      values.push(neg ? { value: -n.value, text: '-' + n.text, range: range(ln, i, n.range.end.character) } : n);
      i = n.range.end.character;
    }
    return { type: 'numbers', values, range: range(ln, start, end) };
  }

  /** `a, b, c`: names separated by commas (blanks around them allowed). */
  private names(ln: number, line: string, start: number, end: number): Value {
    const items: Token[] = [];
    let i = start;
    while (i < end) {
      i = skipBlanks(line, i, end);
      if (i >= end) break;
      if (line.charCodeAt(i) === 0x2c) {
        i++;
        continue;
      }
      const j = scanDefinitionName(line, i, end);
      let k = j;
      while (k < end && !isBlank(line.charCodeAt(k)) && line[k] !== ',') k++;
      if (j === i || k !== j) {
        this.error(range(ln, i, k), `'${line.slice(i, k)}' is not a name: list names separated by commas, e.g. base, tuned.`, 'bad-name');
      } else items.push({ text: line.slice(i, j), range: range(ln, i, j) });
      i = k;
    }
    return { type: 'names', items, range: range(ln, start, end) };
  }

  // ---- expectations ----------------------------------------------------------------------------------------

  private expect(ln: number, line: string, start: number, end: number): Value {
    const ex = new ExpectParser(ln, line, start, end, this.diagnostics).parse();
    return { type: 'expect', expect: ex, range: ex.range };
  }
}

const OPS: readonly CompareOp[] = ['<=', '>=', '<', '>'];

/** `MEASURE OP VALUE`, e.g. `grain > baseline + 0.3` or `clip("rotten") > clip("fresh")`. */
class ExpectParser {
  private i: number;
  private failed = false;

  constructor(
    private readonly ln: number,
    private readonly line: string,
    private readonly start: number,
    private readonly end: number,
    private readonly diagnostics: Diagnostic[],
  ) {
    this.i = start;
  }

  parse(): Expectation {
    const measure = this.measure();
    let op: Expectation['op'];
    let comparand: Comparand | undefined;
    if (measure && !this.failed) {
      this.skip();
      op = this.op();
      if (op) {
        this.skip();
        comparand = this.comparand();
      }
    }
    this.skip();
    if (!this.failed && this.i < this.end) this.fail(this.i, this.end, `Unexpected '${this.line.slice(this.i, this.end)}' after the expectation.`);
    return { measure, op, comparand, range: range(this.ln, this.start, this.end) };
  }

  private skip(): void {
    this.i = skipBlanks(this.line, this.i, this.end);
  }

  private fail(from: number, to: number, message: string): void {
    if (this.failed) return;
    this.failed = true;
    this.diagnostics.push({ range: range(this.ln, from, Math.max(to, from)), severity: 'error', message, code: 'bad-expect' });
  }

  private here(): string {
    return this.i < this.end ? `'${this.line.slice(this.i, this.end).split(/\s/)[0]}'` : 'the end of the line';
  }

  private measure(): Measure | undefined {
    const { line, end } = this;
    const s = this.i;
    const nameEnd = scanExpressionName(line, s, end);
    if (nameEnd === s) {
      this.fail(s, end, `Expected a trait or a judge score (grain, blur, clip("..."), reward(judge)...), found ${this.here()}.`);
      return undefined;
    }
    const name: Token = { text: line.slice(s, nameEnd), range: range(this.ln, s, nameEnd) };
    this.i = nameEnd;
    const afterName = skipBlanks(line, nameEnd, end);
    if (afterName < end && line.charCodeAt(afterName) === 0x28) {
      return this.call(name, afterName);
    }
    return { type: 'trait', name, range: name.range };
  }

  private call(fn: Token, open: number): Measure {
    const { line, end, ln } = this;
    const args: Token[] = [];
    let i = open + 1;
    let closed = false;
    let expectArg = true;
    while (i < end) {
      i = skipBlanks(line, i, end);
      if (i >= end) break;
      const c = line.charCodeAt(i);
      if (c === 0x29) {
        closed = true;
        i++;
        break;
      }
      if (c === 0x2c) {
        if (expectArg) this.fail(i, i + 1, 'Expected an argument before \',\'.');
        expectArg = true;
        i++;
        continue;
      }
      if (!expectArg) {
        this.fail(i, i + 1, "Expected ',' or ')' between arguments.");
        break;
      }
      if (c === 0x22) {
        const s = scanString(line, i, end);
        if (!s.terminated) this.fail(i, end, 'Unterminated string: expected a closing \'"\'.');
        args.push({ text: s.text, range: range(ln, i, s.end), quoted: true });
        i = s.end;
      } else {
        const e = scanDefinitionName(line, i, end);
        if (e === i) {
          this.fail(i, i + 1, `Unexpected '${line[i]}' in the arguments of ${fn.text}(...).`);
          break;
        }
        args.push({ text: line.slice(i, e), range: range(ln, i, e) });
        i = e;
      }
      expectArg = false;
    }
    if (!closed) this.fail(open, Math.max(i, open + 1), `Unclosed '(' in ${fn.text}(...): expected ')'.`);
    this.i = i;
    return { type: 'call', fn, args, range: range(ln, fn.range.start.character, i), argsRange: range(ln, open, i) };
  }

  private op(): Expectation['op'] {
    const { line, i, end } = this;
    for (const op of OPS) {
      if (line.startsWith(op, i)) {
        this.i = i + op.length;
        return { text: op, range: range(this.ln, i, i + op.length) };
      }
    }
    const bad = /^(==|=|!=|<>|=>|=<)/.exec(line.slice(i, end));
    if (bad) this.fail(i, i + bad[1].length, `'${bad[1]}' is not a comparison: use <, <=, > or >=.`);
    else this.fail(i, i < end ? end : i, `Expected a comparison (<, <=, > or >=), found ${this.here()}.`);
    return undefined;
  }

  private comparand(): Comparand | undefined {
    const { line, end, ln } = this;
    const s = this.i;
    if (s >= end) {
      this.fail(s, s, 'Expected a number, baseline, input or a judge score after the comparison.');
      return undefined;
    }
    const c = line.charCodeAt(s);
    if (isDigit(c) || c === 0x2e || c === 0x2d) {
      const neg = c === 0x2d ? 1 : 0;
      const j = scanNumber(line, s + neg, end);
      if (j === s + neg) {
        this.fail(s, s + 1, `Expected a number, found ${this.here()}.`);
        return undefined;
      }
      const text = line.slice(s, j);
      this.i = j;
      const number = { value: Number(text), text, range: range(ln, s, j) };
      return { type: 'number', number, range: number.range };
    }
    const nameEnd = scanExpressionName(line, s, end);
    if (nameEnd === s) {
      this.fail(s, end, `Expected a number, baseline, input or a judge score, found ${this.here()}.`);
      return undefined;
    }
    const word = line.slice(s, nameEnd);
    if (word === 'baseline' || word === 'input') {
      const ref: Token = { text: word, range: range(ln, s, nameEnd) };
      this.i = nameEnd;
      this.skip();
      const sc = line.charCodeAt(this.i);
      if (this.i < end && (sc === 0x2b || sc === 0x2d)) {
        const sign = sc === 0x2b ? '+' : '-';
        this.i = skipBlanks(line, this.i + 1, end);
        const ms = this.i;
        const me = scanNumber(line, ms, end);
        if (me === ms) {
          this.fail(ms, ms < end ? end : ms, `Expected a margin after '${sign}', e.g. ${word} ${sign} 0.1.`);
          return { type: 'relative', ref, range: ref.range };
        }
        const text = line.slice(ms, me);
        this.i = me;
        const margin = { value: Number(text), text, range: range(ln, ms, me) };
        return { type: 'relative', ref, sign, margin, range: range(ln, s, me) };
      }
      this.i = nameEnd;
      return { type: 'relative', ref, range: ref.range };
    }
    this.i = s;
    const measure = this.measure();
    if (!measure) return undefined;
    return { type: 'measure', measure, range: measure.range };
  }
}
