// Structured expectations for hand-made run results: read from their text by the spec language itself, placed at a
// given line and column, as a resolved spec would carry them.
import { resolveSpec } from '../../../server/src/language/resolve';
import type { ExpectationSpec } from '../../../server/src/language/resolved';
import { SpecWorkspace } from '../../../server/src/language/workspace';
import { memoryHost } from '../../../server/src/files/host';

/** `text` (e.g. `grain > baseline + 0.3`) as the expectation of an `expect` line at zero-based `line`/`character`. */
export function expectationAt(text: string, line: number, character: number): ExpectationSpec {
  const file = '/spec.wabi';
  const spec = `${'\n'.repeat(line)}test "t"\n${' '.repeat(Math.max(2, character))}expect ${text}\n`;
  const ws = new SpecWorkspace(memoryHost({ [file]: spec }), { checkFiles: false });
  const e = resolveSpec(ws.analyze(file)!).tests[0]?.expectations[0];
  if (!e) throw new Error(`not an expectation: ${text}`);
  const shift = (p: { line: number; character: number }) => ({ line: p.line - 1, character: p.character - Math.max(2, character) + character });
  return { ...e, range: { start: shift(e.range.start), end: shift(e.range.end) } };
}
