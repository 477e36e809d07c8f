// The outline of a spec file and the regions an editor can fold. Both read only the syntax tree.
import { BUILTIN_JUDGE } from '../catalogue/schema';
import type { AuditBlock, Block, Range } from './ast';
import { lastSetting } from './ast';
import type { DocumentSymbol, FoldingRange } from './features';
import type { Analysis } from './analysis';
import { splitLines } from './lexer';

/**
 * One symbol per block, in document order:
 * - `import`: the imported path;
 * - `generator` / `judge`: the name, with its `kind` (comfyui, clip...) as detail;
 * - `defaults`;
 * - `test`: the name, with its tags as detail, and one child per `expect` line named by the expectation as
 *   written (`grain > baseline + 0.3`);
 * - `audit`: the name, with its tags as detail, and one child per `judge` line named by the judge, with its kind
 *   (`reward`...) or `built-in` as detail.
 * A block whose header lacks its name is listed under its keyword; unknown blocks are left out.
 */
export function documentSymbols(analysis: Analysis): readonly DocumentSymbol[] {
  const lines = splitLines(analysis.file.text);
  const out: DocumentSymbol[] = [];
  for (const b of analysis.file.blocks) {
    const s = b.kind === 'audit' ? auditSymbol(b, analysis) : blockSymbol(b, lines);
    if (s) out.push(s);
  }
  return out;
}

function blockSymbol(b: Block, lines: readonly string[]): DocumentSymbol | undefined {
  const base = { range: b.range, children: [] as DocumentSymbol[] };
  switch (b.kind) {
    case 'import':
      return { ...base, name: b.path && b.path.text !== '' ? b.path.text : 'import', kind: 'import', selectionRange: b.path?.range ?? b.keyword.range };
    case 'generator':
    case 'judge': {
      const kind = lastSetting(b, 'kind');
      const detail = kind && kind.value.type === 'word' && kind.value.text !== '' ? kind.value.text : undefined;
      return { ...base, name: b.name?.text || b.kind, kind: b.kind, detail, selectionRange: b.name?.range ?? b.keyword.range };
    }
    case 'defaults':
      return { ...base, name: 'defaults', kind: 'defaults', selectionRange: b.keyword.range };
    case 'test': {
      const children: DocumentSymbol[] = [];
      for (const p of b.properties) {
        if (p.value.type !== 'expect') continue;
        const r = p.value.range;
        const name = lines[r.start.line]?.slice(r.start.character, r.end.character) || 'expect';
        children.push({ name, kind: 'expect', range: p.range, selectionRange: r, children: [] });
      }
      return {
        ...base,
        name: b.name?.text || 'test',
        kind: 'test',
        detail: b.tags.length > 0 ? b.tags.map((t) => t.text).join(', ') : undefined,
        selectionRange: b.name?.range ?? b.keyword.range,
        children,
      };
    }
    default:
      return undefined;
  }
}

function auditSymbol(b: AuditBlock, analysis: Analysis): DocumentSymbol {
  const children: DocumentSymbol[] = [];
  for (const p of b.properties) {
    if (p.key.text !== 'judge' || p.value.type !== 'word' || p.value.text === '') continue;
    const name = p.value.text;
    const def = analysis.visible.get(name);
    const detail = name === BUILTIN_JUDGE ? 'built-in' : def?.kind === 'judge' ? def.type : undefined;
    children.push({ name, kind: 'judge', detail, range: p.range, selectionRange: p.value.range, children: [] });
  }
  return {
    name: b.name?.text || 'audit',
    kind: 'audit',
    detail: b.tags.length > 0 ? b.tags.map((t) => t.text).join(', ') : undefined,
    range: b.range,
    selectionRange: b.name?.range ?? b.keyword.range,
    children,
  };
}

/**
 * Foldable regions:
 * - every block that spans more than one line, from its header to its last line;
 * - every `|` text block, from the property to its last line;
 * - every run of two or more consecutive whole-line comments (kind `comment`);
 * - every run of two or more import blocks with nothing but blank lines and comments between them (kind
 *   `imports`), from the first import to the last.
 * Sorted by start line; no two ranges share a start line (editors keep only one per line).
 */
export function foldingRanges(analysis: Analysis): FoldingRange[] {
  const out: FoldingRange[] = [];
  const multiLine = (r: Range) => r.end.line > r.start.line;
  const blocks = analysis.file.blocks;

  for (let i = 0; i < blocks.length; i++) {
    const b = blocks[i];
    if (b.kind === 'import') {
      let j = i;
      while (j + 1 < blocks.length && blocks[j + 1].kind === 'import') j++;
      if (j > i) {
        out.push({ startLine: b.range.start.line, endLine: blocks[j].range.end.line, kind: 'imports' });
        i = j;
        continue;
      }
    }
    if (multiLine(b.range)) out.push({ startLine: b.range.start.line, endLine: b.range.end.line });
    for (const p of b.properties) {
      if (p.value.type === 'text' && p.value.form === 'block' && multiLine(p.range)) {
        out.push({ startLine: p.range.start.line, endLine: p.range.end.line });
      }
    }
  }

  // Comment runs: whole-line comments on consecutive lines. The parser may record a comment twice (once inside
  // a `|` block it scanned past), so lines are deduplicated first.
  const commentLines = [...new Set(analysis.file.comments.filter((c) => c.ownLine).map((c) => c.range.start.line))].sort((a, b) => a - b);
  for (let i = 0; i < commentLines.length; ) {
    let j = i;
    while (j + 1 < commentLines.length && commentLines[j + 1] === commentLines[j] + 1) j++;
    if (j > i) out.push({ startLine: commentLines[i], endLine: commentLines[j], kind: 'comment' });
    i = j + 1;
  }

  out.sort((a, b) => a.startLine - b.startLine || b.endLine - a.endLine);
  const unique: FoldingRange[] = [];
  for (const r of out) if (unique.length === 0 || unique[unique.length - 1].startLine !== r.startLine) unique.push(r);
  return unique;
}
