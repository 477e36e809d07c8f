import { lineStartOffsets, splitLines } from '../../../server/src/language/lexer';
// Applying the language service's text edits in tests, the way an editor does: positions are zero-based
// line/character pairs; edits of one file never overlap and apply all at once against the original text.
import type { Range } from '../../../server/src/language/ast';
import type { TextEdit, WorkspaceEdit } from '../../../server/src/language/features';

export const rng = (line: number, start: number, end: number, endLine = line): Range => ({
  start: { line, character: start },
  end: { line: endLine, character: end },
});

/** Offset of a position in `text`; a character past the end of its line clamps to the line end. */
export function offsetAt(text: string, pos: { line: number; character: number }): number {
  const starts = lineStartOffsets(text);
  const lines = starts.length - 1;
  if (pos.line >= lines) return text.length;
  const start = starts[pos.line];
  const lineLength = splitLines(text)[pos.line].length;
  return start + Math.min(pos.character, lineLength);
}

export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  const resolved = edits
    .map((e, i) => ({ from: offsetAt(text, e.range.start), to: offsetAt(text, e.range.end), text: e.newText, i }))
    .sort((a, b) => a.from - b.from || a.i - b.i);
  for (let i = 1; i < resolved.length; i++) {
    if (resolved[i].from < resolved[i - 1].to) throw new Error(`overlapping edits at offset ${resolved[i].from}`);
  }
  let out = '';
  let at = 0;
  for (const e of resolved) {
    out += text.slice(at, e.from) + e.text;
    at = e.to;
  }
  return out + text.slice(at);
}

/** The files after a workspace edit; files it does not touch are left out. */
export function applyWorkspaceEdit(files: Readonly<Record<string, string>>, edit: WorkspaceEdit): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [file, edits] of Object.entries(edit.changes)) {
    const text = files[file];
    if (text === undefined) throw new Error(`edit for a file the test does not know: ${file}`);
    out[file] = applyEdits(text, edits);
  }
  return out;
}
