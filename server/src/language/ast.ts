// The syntax tree of a `.wabi` file. Ranges are zero-based line/character pairs (UTF-16 code units, as
// JavaScript strings index them) so the LSP layer can pass them through unchanged, but nothing here knows LSP.

import type { Position, Range } from '../files/location';
import type { CompareOp } from './resolved';

export type { Position, Range };

export type Severity = 'error' | 'warning' | 'information' | 'hint';

export interface Diagnostic {
  readonly range: Range;
  readonly severity: Severity;
  readonly message: string;
  /** Stable identifier: quick fixes and tests key on it, never on the message text. */
  readonly code: string;
  /** Replacement texts a quick fix may offer for `range` (did-you-mean and the like). */
  readonly suggestions?: readonly string[];
  /** Extra data a quick fix needs (for example where to insert a missing line). */
  readonly data?: Readonly<Record<string, unknown>>;
  /** Another file the diagnostic is about (for import errors). */
  readonly related?: { readonly path: string; readonly range: Range; readonly message: string };
}

/** A piece of source text with its exact range. `text` is decoded (quotes and escapes removed). */
export interface Token {
  readonly text: string;
  readonly range: Range;
  readonly quoted?: boolean;
}

export interface NumberToken {
  readonly value: number;
  readonly text: string;
  readonly range: Range;
}

export interface SeedItem {
  readonly from: NumberToken;
  /** Present for ranges `a..b`. */
  readonly to?: NumberToken;
  readonly range: Range;
}

export type { CompareOp };

/** What an expectation measures: a built-in trait or a judge call such as `clip("text")`. */
export type Measure =
  | { readonly type: 'trait'; readonly name: Token; readonly range: Range }
  | {
      readonly type: 'call';
      readonly fn: Token;
      readonly args: readonly Token[];
      readonly range: Range;
      /** Range of the parenthesised argument list, `(` to `)` inclusive (up to the line end when unclosed). */
      readonly argsRange: Range;
    };

export type Comparand =
  | { readonly type: 'number'; readonly number: NumberToken; readonly range: Range }
  | {
      readonly type: 'relative';
      /** `baseline` or `input`. */
      readonly ref: Token;
      readonly sign?: '+' | '-';
      readonly margin?: NumberToken;
      readonly range: Range;
    }
  | { readonly type: 'measure'; readonly measure: Measure; readonly range: Range };

export interface Expectation {
  readonly measure?: Measure;
  readonly op?: { readonly text: CompareOp; readonly range: Range };
  readonly comparand?: Comparand;
  readonly range: Range;
}

export type Value =
  /** Nothing after the key. */
  | { readonly type: 'missing'; readonly range: Range }
  /** Free text (prompts), a quoted string, or a `|` block joined into one string. */
  | { readonly type: 'text'; readonly text: string; readonly range: Range; readonly form: 'plain' | 'quoted' | 'block' }
  /** Any other single value, kept as written; its meaning depends on the key and is checked by the model. */
  | { readonly type: 'word'; readonly text: string; readonly range: Range; readonly quoted: boolean }
  | { readonly type: 'expect'; readonly expect: Expectation; readonly range: Range }
  | { readonly type: 'seeds'; readonly items: readonly SeedItem[]; readonly range: Range }
  | {
      readonly type: 'size';
      readonly width: NumberToken;
      readonly height: NumberToken;
      readonly range: Range;
    }
  | { readonly type: 'pass'; readonly ratio: number; readonly text: string; readonly range: Range }
  | { readonly type: 'numbers'; readonly values: readonly NumberToken[]; readonly range: Range }
  /** Names separated by commas (`compare a, b, c`). */
  | { readonly type: 'names'; readonly items: readonly Token[]; readonly range: Range };

export interface Property {
  readonly key: Token;
  readonly value: Value;
  /** From the key to the end of the value, including the lines of a `|` block. */
  readonly range: Range;
  /** Column of the key: the property's indentation. */
  readonly indent: number;
}

interface BlockBase {
  /** The header keyword (`test`, `generator`...). */
  readonly keyword: Token;
  /** From the header to the last line that belongs to the block (comments and blank lines trailing it excluded). */
  readonly range: Range;
  readonly headerRange: Range;
  readonly properties: readonly Property[];
}

export interface ImportBlock extends BlockBase {
  readonly kind: 'import';
  readonly path?: Token;
}

export interface GeneratorBlock extends BlockBase {
  readonly kind: 'generator';
  readonly name?: Token;
}

export interface JudgeBlock extends BlockBase {
  readonly kind: 'judge';
  readonly name?: Token;
}

interface DefaultsBlock extends BlockBase {
  readonly kind: 'defaults';
}

export interface TestBlock extends BlockBase {
  readonly kind: 'test';
  readonly name?: Token;
  readonly tags: readonly Token[];
}

/** `audit "NAME" [tags]`: pairs and the judges that must score their faithful image above the polished one. */
export interface AuditBlock extends BlockBase {
  readonly kind: 'audit';
  readonly name?: Token;
  readonly tags: readonly Token[];
}

/** A header the parser did not recognise; its indented lines are kept so they are not reported twice. */
interface UnknownBlock extends BlockBase {
  readonly kind: 'unknown';
}

export type Block = ImportBlock | GeneratorBlock | JudgeBlock | DefaultsBlock | TestBlock | AuditBlock | UnknownBlock;

export type DefinitionBlock = GeneratorBlock | JudgeBlock;

export interface Comment {
  readonly range: Range;
  /** True when the comment is the whole line (after indentation). */
  readonly ownLine: boolean;
}

export interface SpecFile {
  readonly text: string;
  readonly lineCount: number;
  readonly blocks: readonly Block[];
  readonly comments: readonly Comment[];
  /** Syntax errors; the model adds its semantic diagnostics beside these. */
  readonly diagnostics: readonly Diagnostic[];
  /** The file cut at block headers, kept so the next parse of an edited version can reuse unchanged blocks. */
  readonly segments?: readonly Segment[];
}

/** Lines [startLine, endLine) of a file: one block with the comments and blank lines that follow it. */
export interface Segment {
  readonly startLine: number;
  readonly endLine: number;
  readonly text: string;
  readonly block?: Block;
  readonly comments: readonly Comment[];
  readonly diagnostics: readonly Diagnostic[];
}

export function range(line: number, start: number, end: number): Range {
  return { start: { line, character: start }, end: { line, character: end } };
}

export function comparePositions(a: Position, b: Position): number {
  return a.line === b.line ? a.character - b.character : a.line - b.line;
}

export function containsPosition(r: Range, p: Position): boolean {
  return comparePositions(r.start, p) <= 0 && comparePositions(p, r.end) <= 0;
}

/** A block's setting of `key`: its last line with a value. A later line wins, as the checker warns, so everything
 *  that reads a setting (resolved specs, definitions' kinds, hover, outline, quick fixes) reads this one. */
export function lastSetting(block: { readonly properties: readonly Property[] }, key: string): Property | undefined {
  const props = block.properties;
  for (let i = props.length - 1; i >= 0; i--) if (props[i].key.text === key && props[i].value.type !== 'missing') return props[i];
  return undefined;
}
