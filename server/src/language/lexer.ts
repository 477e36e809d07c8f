// Character-level helpers shared by the parser and the formatter: where a line's content and comment are,
// how strings are decoded, and the shapes of names and numbers.

export interface LineShape {
  /** Width of the leading whitespace. */
  readonly indent: number;
  /** End of the content, before a comment and trailing whitespace. Equal to `indent` for a blank line. */
  readonly contentEnd: number;
  /** Start of a `#` comment, or -1. */
  readonly commentStart: number;
}

const SPACE = 0x20;
const TAB = 0x09;
const HASH = 0x23;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

export function isBlank(code: number): boolean {
  return code === SPACE || code === TAB || code === 0x0d;
}

/** Splits a line into indentation, content and comment. `#` starts a comment only at the start of the content
 *  or after whitespace, and never inside a string, so `C#` in a prompt stays text. */
export function shapeLine(line: string): LineShape {
  const n = line.length;
  let i = 0;
  while (i < n && isBlank(line.charCodeAt(i))) i++;
  const indent = i;
  let commentStart = -1;
  let inString = false;
  for (; i < n; i++) {
    const c = line.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) {
      inString = true;
    } else if (c === HASH && (i === indent || isBlank(line.charCodeAt(i - 1)))) {
      commentStart = i;
      break;
    }
  }
  let end = commentStart >= 0 ? commentStart : n;
  while (end > indent && isBlank(line.charCodeAt(end - 1))) end--;
  return { indent, contentEnd: end, commentStart };
}

export interface ScannedString {
  /** Decoded text. */
  readonly text: string;
  /** Index just past the closing quote, or the limit when unterminated. */
  readonly end: number;
  readonly terminated: boolean;
  /** Index of an unknown escape, or -1. */
  readonly badEscape: number;
}

/** Reads a `"..."` string starting at `start` (which holds the opening quote). */
export function scanString(line: string, start: number, limit: number): ScannedString {
  let text = '';
  let badEscape = -1;
  let i = start + 1;
  while (i < limit) {
    const c = line.charCodeAt(i);
    if (c === QUOTE) return { text, end: i + 1, terminated: true, badEscape };
    if (c === BACKSLASH && i + 1 < limit) {
      const e = line[i + 1];
      if (e === '"' || e === '\\') text += e;
      else if (e === 'n') text += '\n';
      else if (e === 't') text += '\t';
      else {
        if (badEscape < 0) badEscape = i;
        text += e;
      }
      i += 2;
      continue;
    }
    text += line[i];
    i++;
  }
  return { text, end: limit, terminated: false, badEscape };
}

/** Escapes text so that `"` + result + `"` reads back as the same text. */
export function quote(text: string): string {
  return '"' + text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\t/g, '\\t') + '"';
}

export function isNameStart(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f;
}

export function isNameChar(c: number): boolean {
  return isNameStart(c) || (c >= 0x30 && c <= 0x39);
}

export function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** End of a definition name (`flux-dev`, `sd-1.5`, `hps.v3`) starting at `start`: a letter, then letters,
 *  digits and `_`, with `-` or `.` allowed between such runs. */
export function scanDefinitionName(line: string, start: number, limit: number): number {
  let i = start;
  if (i >= limit || !isNameStart(line.charCodeAt(i))) return start;
  i++;
  while (i < limit) {
    const c = line.charCodeAt(i);
    if (isNameChar(c)) i++;
    else if ((c === 0x2d || c === 0x2e) && i + 1 < limit && isNameChar(line.charCodeAt(i + 1))) i += 2;
    else break;
  }
  return i;
}

/** End of a name inside an expression (`motion-blur`, `baseline`): like a definition name, but `-` must be
 *  followed by a letter so `baseline-0.3` reads as `baseline - 0.3`. */
export function scanExpressionName(line: string, start: number, limit: number): number {
  let i = start;
  if (i >= limit || !isNameStart(line.charCodeAt(i))) return start;
  i++;
  while (i < limit) {
    const c = line.charCodeAt(i);
    if (isNameChar(c)) i++;
    else if (c === 0x2d && i + 1 < limit && isNameStart(line.charCodeAt(i + 1))) i += 2;
    else break;
  }
  return i;
}

/** End of a number (`12`, `0.6`, `.5`, `1e-3`) at `start`, or `start` when there is none. Signs are separate. */
export function scanNumber(line: string, start: number, limit: number): number {
  let i = start;
  while (i < limit && isDigit(line.charCodeAt(i))) i++;
  if (i < limit && line.charCodeAt(i) === 0x2e && i + 1 < limit && isDigit(line.charCodeAt(i + 1))) {
    i++;
    while (i < limit && isDigit(line.charCodeAt(i))) i++;
  }
  if (i === start) return start;
  const c = line.charCodeAt(i);
  if (i < limit && (c === 0x65 || c === 0x45)) {
    let j = i + 1;
    const s = line.charCodeAt(j);
    if (s === 0x2b || s === 0x2d) j++;
    if (j < limit && isDigit(line.charCodeAt(j))) {
      while (j < limit && isDigit(line.charCodeAt(j))) j++;
      i = j;
    }
  }
  return i;
}

export function skipBlanks(line: string, i: number, limit: number): number {
  while (i < limit && isBlank(line.charCodeAt(i))) i++;
  return i;
}

/** Splits text into lines at `\n`, `\r\n` or a lone `\r`: the three line breaks LSP counts. */
export function splitLines(text: string): string[] {
  return text.split(/\r\n|\r|\n/);
}

/** Offsets where each line starts, consistent with splitLines, plus the text length at the end. */
export function lineStartOffsets(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x0a) starts.push(i + 1);
    else if (c === 0x0d) {
      if (text.charCodeAt(i + 1) === 0x0a) i++;
      starts.push(i + 1);
    }
  }
  starts.push(text.length);
  return starts;
}

/** The line break a text uses, by its first one: `\r\n`, a lone `\r`, or `\n` (also for text without one). */
export function lineBreakOf(text: string): '\n' | '\r\n' | '\r' {
  const m = /\r\n|\r|\n/.exec(text);
  return m ? (m[0] as '\n' | '\r\n' | '\r') : '\n';
}
