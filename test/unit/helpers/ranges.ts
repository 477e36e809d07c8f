// Range checks shared by the fuzz test and any test that wants them: a generic walker that finds every
// `{ start: Position, end: Position }` in a value (so new AST fields are checked without touching the tests),
// and the rule a range must keep to be valid in its document.
import { splitLines } from '../../../server/src/language/lexer';

export interface Pos {
  readonly line: number;
  readonly character: number;
}

export interface RangeLike {
  readonly start: Pos;
  readonly end: Pos;
}

export function isPosition(v: unknown): v is Pos {
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof (v as Pos).line === 'number' &&
    typeof (v as Pos).character === 'number'
  );
}

export function isRange(v: unknown): v is RangeLike {
  return typeof v === 'object' && v !== null && isPosition((v as RangeLike).start) && isPosition((v as RangeLike).end);
}

/** A found range, the property path that led to it (`blocks[2].properties[0].value.range`), and the document
 *  it belongs to: the nearest enclosing object with a string `path` property, or `doc` when there is none. */
export interface FoundRange {
  readonly range: RangeLike;
  readonly where: string;
  readonly doc: string | undefined;
}

export interface WalkOptions {
  /** Property names not to descend into. */
  readonly skip?: ReadonlySet<string>;
  /** The document of ranges found outside any object with a string `path`. */
  readonly doc?: string;
}

/** Every range reachable from `value` through objects, arrays and maps, each visited once. An object with a
 *  string `path` (an Analysis, a Definition, a Location, a diagnostic's `related`) switches the document its
 *  ranges belong to, so ranges in imported files are checked against those files. */
export function collectRanges(value: unknown, options: WalkOptions = {}): FoundRange[] {
  const out: FoundRange[] = [];
  const seen = new Set<object>();
  const skip = options.skip ?? new Set<string>();
  const visit = (v: unknown, where: string, doc: string | undefined): void => {
    if (typeof v !== 'object' || v === null) return;
    if (seen.has(v)) return;
    seen.add(v);
    if (isRange(v)) out.push({ range: v, where, doc });
    if (Array.isArray(v)) {
      v.forEach((item, i) => visit(item, `${where}[${i}]`, doc));
      return;
    }
    if (v instanceof Map) {
      for (const [k, item] of v) visit(item, `${where}.get(${JSON.stringify(k)})`, doc);
      return;
    }
    if (v instanceof Set) {
      let i = 0;
      for (const item of v) visit(item, `${where}{${i++}}`, doc);
      return;
    }
    const own = (v as { path?: unknown }).path;
    const here = typeof own === 'string' ? own : doc;
    for (const [k, item] of Object.entries(v)) {
      if (skip.has(k)) continue;
      visit(item, where ? `${where}.${k}` : k, here);
    }
  };
  visit(value, '', options.doc);
  return out;
}

/** Line lengths as the lexer sees them: split on `\n`, a trailing `\r` stripped. */
export function lineLengths(text: string): number[] {
  return splitLines(text).map((l) => l.length);
}

/** Why `r` is not a valid range in a document with these line lengths, or undefined when it is. */
export function rangeProblem(r: RangeLike, lengths: readonly number[]): string | undefined {
  for (const [name, p] of [
    ['start', r.start],
    ['end', r.end],
  ] as const) {
    if (!Number.isInteger(p.line) || !Number.isInteger(p.character)) return `${name} is not whole numbers`;
    if (p.line < 0 || p.line >= lengths.length) return `${name} line ${p.line} is outside 0..${lengths.length - 1}`;
    if (p.character < 0 || p.character > lengths[p.line]) {
      return `${name} character ${p.character} is outside 0..${lengths[p.line]} on line ${p.line}`;
    }
  }
  if (r.start.line > r.end.line || (r.start.line === r.end.line && r.start.character > r.end.character)) {
    return 'start is after end';
  }
  return undefined;
}

export function showRange(r: RangeLike): string {
  return `${r.start.line}:${r.start.character}-${r.end.line}:${r.end.character}`;
}
