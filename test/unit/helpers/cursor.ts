// Spec text with a cursor marker: `cursor('  expect gr|ain')` gives the text without the marker and the marker's
// position (zero-based line and UTF-16 character, as the language service takes it). The marker defaults to `|`;
// pass another one for text that holds `|` itself (a `|` prompt block).
export interface Cursor {
  readonly text: string;
  readonly position: { readonly line: number; readonly character: number };
}

export function cursor(marked: string, marker = '|'): Cursor {
  const at = marked.indexOf(marker);
  if (at < 0) throw new Error(`no cursor marker '${marker}' in the text`);
  if (marked.indexOf(marker, at + marker.length) >= 0) throw new Error(`more than one cursor marker '${marker}' in the text`);
  const before = marked.slice(0, at);
  const line = before.split('\n').length - 1;
  const character = at - (before.lastIndexOf('\n') + 1);
  return { text: before + marked.slice(at + marker.length), position: { line, character } };
}
