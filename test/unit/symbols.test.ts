// The outline and folding ranges of real spec text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { memoryHost } from '../../server/src/files/host';
import { SpecWorkspace } from '../../server/src/language/workspace';
import { documentSymbols, foldingRanges } from '../../server/src/language/symbols';
import type { Analysis } from '../../server/src/language/analysis';
import { rng } from './helpers/textEdits';

const SPEC = `# Shared judges
# and generators
import "generators.wabi"
import "judges.wabi"

generator sdxl
  kind  comfyui
  url   http://127.0.0.1:8188

judge clip-l
  manifest  clip.json

defaults
  seeds  1..4

# smeared
test "smeared street"  [clarity_and_focus.intentional_blur, color_and_tone]
  prompt |
    A street at night,
    smeared headlights.
  # comment inside
  # another
  expect  motion-blur >= 0.6
  expect  clip("a blurry photo") > clip("a sharp photo")

test "one line"
bogus
  x
generator
  kind files
`;

function analyze(text: string): Analysis {
  const ws = new SpecWorkspace(memoryHost({ '/ws/a.wabi': text }), { checkFiles: false });
  return ws.analyze('/ws/a.wabi')!;
}

test('documentSymbols: one symbol per known block, in order, with names, details and ranges', () => {
  const symbols = documentSymbols(analyze(SPEC));
  assert.deepEqual(
    symbols.map((s) => ({ name: s.name, kind: s.kind, detail: s.detail, range: s.range, selectionRange: s.selectionRange })),
    [
      { name: 'generators.wabi', kind: 'import', detail: undefined, range: rng(2, 0, 24), selectionRange: rng(2, 7, 24) },
      { name: 'judges.wabi', kind: 'import', detail: undefined, range: rng(3, 0, 20), selectionRange: rng(3, 7, 20) },
      { name: 'sdxl', kind: 'generator', detail: 'comfyui', range: rng(5, 0, 29, 7), selectionRange: rng(5, 10, 14) },
      { name: 'clip-l', kind: 'judge', detail: undefined, range: rng(9, 0, 21, 10), selectionRange: rng(9, 6, 12) },
      { name: 'defaults', kind: 'defaults', detail: undefined, range: rng(12, 0, 13, 13), selectionRange: rng(12, 0, 8) },
      {
        name: 'smeared street',
        kind: 'test',
        detail: 'clarity_and_focus.intentional_blur, color_and_tone',
        range: rng(16, 0, 56, 23),
        selectionRange: rng(16, 5, 21),
      },
      { name: 'one line', kind: 'test', detail: undefined, range: rng(25, 0, 15), selectionRange: rng(25, 5, 15) },
      { name: 'generator', kind: 'generator', detail: 'files', range: rng(28, 0, 12, 29), selectionRange: rng(28, 0, 9) },
    ],
  );
  for (const s of symbols) if (s.kind !== 'test') assert.deepEqual(s.children, [], s.name);
  assert.deepEqual(symbols[6].children, []);
});

test('documentSymbols: a test lists its expectations as written', () => {
  const [, , , , , smeared] = documentSymbols(analyze(SPEC));
  assert.deepEqual(smeared.children, [
    { name: 'motion-blur >= 0.6', kind: 'expect', range: rng(22, 2, 28), selectionRange: rng(22, 10, 28), children: [] },
    {
      name: 'clip("a blurry photo") > clip("a sharp photo")',
      kind: 'expect',
      range: rng(23, 2, 56),
      selectionRange: rng(23, 10, 56),
      children: [],
    },
  ]);
});

test('documentSymbols: every selection range lies inside its range', () => {
  const inside = (outer: { start: { line: number; character: number }; end: { line: number; character: number } }, inner: typeof outer) =>
    (inner.start.line > outer.start.line || (inner.start.line === outer.start.line && inner.start.character >= outer.start.character)) &&
    (inner.end.line < outer.end.line || (inner.end.line === outer.end.line && inner.end.character <= outer.end.character));
  const walk = (list: ReturnType<typeof documentSymbols>) => {
    for (const s of list) {
      assert.ok(inside(s.range, s.selectionRange), s.name);
      for (const c of s.children) assert.ok(inside(s.range, c.range), c.name);
      walk(s.children);
    }
  };
  walk(documentSymbols(analyze(SPEC)));
});

test('documentSymbols: an empty file has none; an expectation with an error keeps its text', () => {
  assert.deepEqual(documentSymbols(analyze('')), []);
  const [t] = documentSymbols(analyze('test "t"\n  prompt  x\n  expect  grain = 0.5\n'));
  assert.deepEqual(t.children.map((c) => c.name), ['grain = 0.5']);
});

test('foldingRanges: blocks, | text, comment runs and import runs', () => {
  assert.deepEqual(foldingRanges(analyze(SPEC)), [
    { startLine: 0, endLine: 1, kind: 'comment' },
    { startLine: 2, endLine: 3, kind: 'imports' },
    { startLine: 5, endLine: 7 },
    { startLine: 9, endLine: 10 },
    { startLine: 12, endLine: 13 },
    { startLine: 16, endLine: 23 },
    { startLine: 17, endLine: 19 },
    { startLine: 20, endLine: 21, kind: 'comment' },
    { startLine: 26, endLine: 27 },
    { startLine: 28, endLine: 29 },
  ]);
});

test('foldingRanges: single lines fold nothing; imports separated by comments still fold together', () => {
  assert.deepEqual(foldingRanges(analyze('import "a.wabi"\n# one comment\n\ntest "t"\n')), []);
  assert.deepEqual(foldingRanges(analyze('import "a.wabi"\n\n# why b\nimport "b.wabi"\nimport "c.wabi"\n\ntest "t"\n  prompt  x\n')), [
    { startLine: 0, endLine: 4, kind: 'imports' },
    { startLine: 6, endLine: 7 },
  ]);
});

test('foldingRanges: a comment run inside a | block, and one line per start', () => {
  const text = `test "t"
  prompt |
    one
    # a
    # b
    two
  # trailing
  # comments
`;
  assert.deepEqual(foldingRanges(analyze(text)), [
    { startLine: 0, endLine: 5 },
    { startLine: 1, endLine: 5 },
    { startLine: 3, endLine: 4, kind: 'comment' },
    { startLine: 6, endLine: 7, kind: 'comment' },
  ]);
});

const AUDITS = `judge hps
  kind   reward
  model  m.onnx

audit "reward models on grain"  [clarity_and_focus.film_artifacts]
  pairs         pairs/film.jsonl
  judge         hps
  # the built-in judge
  judge         traits
  judge         nobody
  min-accuracy  80%

audit "no tags"
`;

test('documentSymbols: an audit with its tags, and one child per judge with its kind or built-in', () => {
  const symbols = documentSymbols(analyze(AUDITS));
  assert.deepEqual(
    symbols.map((s) => [s.name, s.kind, s.detail, s.range, s.selectionRange]),
    [
      ['hps', 'judge', 'reward', rng(0, 0, 15, 2), rng(0, 6, 9)],
      ['reward models on grain', 'audit', 'clarity_and_focus.film_artifacts', rng(4, 0, 19, 10), rng(4, 6, 30)],
      ['no tags', 'audit', undefined, rng(12, 0, 15), rng(12, 6, 15)],
    ],
  );
  assert.deepEqual(
    symbols[1].children.map((c) => [c.name, c.kind, c.detail, c.range, c.selectionRange]),
    [
      ['hps', 'judge', 'reward', rng(6, 2, 19), rng(6, 16, 19)],
      ['traits', 'judge', 'built-in', rng(8, 2, 22), rng(8, 16, 22)],
      ['nobody', 'judge', undefined, rng(9, 2, 22), rng(9, 16, 22)],
    ],
  );
  assert.deepEqual(symbols[2].children, []);
});

test('foldingRanges: an audit folds from its header to its last property', () => {
  assert.deepEqual(foldingRanges(analyze(AUDITS)), [
    { startLine: 0, endLine: 2 },
    { startLine: 4, endLine: 10 },
  ]);
});
