// Specs are UTF-8. A file is decoded exactly or not at all: invalid UTF-8 is a problem located at its first bad
// byte (never replaced with U+FFFD, which `wabi fmt` would then write back), and a binary file (NUL bytes, an
// image) is one "not a text spec" instead of a parse of its bytes.
import * as fs from 'node:fs';
import { imageFormat } from './imageFormat';

export interface TextProblem {
  readonly code: 'not-utf8' | 'not-text';
  /** Zero-based line and UTF-16 character of the first invalid byte sequence; 0, 0 for a file that is not text. */
  readonly line: number;
  readonly character: number;
  /** What is wrong, to follow "it is" / "The file is": `not valid UTF-8 (byte 0xE9 at line 4, column 10): save
   *  it as UTF-8`, `not a text spec (it looks like a JPEG image)`. */
  readonly what: string;
}

export type DecodedSpec = { readonly text: string; readonly bom: boolean } | { readonly problem: TextProblem };

const fatal = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const lenient = new TextDecoder('utf-8');

/** The text of a spec's bytes (a leading byte-order mark removed and reported), or why there is none. */
export function decodeSpec(bytes: Uint8Array): DecodedSpec {
  let text: string | undefined;
  try {
    text = fatal.decode(bytes);
  } catch {
    text = undefined;
  }
  if (text === undefined && bytes.length >= 2 && ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff))) {
    return { problem: { code: 'not-utf8', line: 0, character: 0, what: 'UTF-16, not UTF-8: save it as UTF-8' } };
  }
  const nul = bytes.indexOf(0) >= 0;
  if (nul || text === undefined) {
    const image = imageFormat(bytes);
    if (nul || image) {
      const why = image ? `it looks like ${/^[aeiou]/i.test(image) ? 'an' : 'a'} ${image.toUpperCase()} image` : 'it holds NUL bytes';
      return { problem: { code: 'not-text', line: 0, character: 0, what: `not a text spec (${why})` } };
    }
  }
  if (text === undefined) {
    const at = Math.min(firstInvalidUtf8(bytes), bytes.length - 1);
    // The bytes before the bad one are valid: their text gives the line and column as the editor counts them
    // (UTF-16, after a byte-order mark, with \r\n, \r and \n as line breaks).
    const lines = lenient.decode(bytes.subarray(0, at)).split(/\r\n|\r|\n/);
    const line = lines.length - 1;
    const character = lines[line].length;
    const byte = '0x' + bytes[at].toString(16).toUpperCase().padStart(2, '0');
    return { problem: { code: 'not-utf8', line, character, what: `not valid UTF-8 (byte ${byte} at line ${line + 1}, column ${character + 1}): save it as UTF-8` } };
  }
  const bom = text.charCodeAt(0) === 0xfeff;
  return { text: bom ? text.slice(1) : text, bom };
}

/** Reads and decodes a spec file; undefined when it cannot be read at all (missing, a folder, no permission). */
export function readSpec(file: string): DecodedSpec | undefined {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch {
    return undefined;
  }
  return decodeSpec(bytes);
}

/** Offset of the first byte that does not belong to a well-formed UTF-8 sequence (Unicode's table 3-7: no
 *  overlong forms, no surrogates, nothing above U+10FFFF, no truncated sequence), or the length when there is none. */
export function firstInvalidUtf8(b: Uint8Array): number {
  const n = b.length;
  let i = 0;
  while (i < n) {
    const c = b[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) need = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      if (c === 0xe0) lo = 0xa0;
      else if (c === 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      if (c === 0xf0) lo = 0x90;
      else if (c === 0xf4) hi = 0x8f;
    } else return i;
    if (i + 1 >= n || b[i + 1] < lo || b[i + 1] > hi) return i;
    for (let k = 2; k <= need; k++) if (i + k >= n || (b[i + k] & 0xc0) !== 0x80) return i;
    i += need + 1;
  }
  return n;
}
