// Go to definition, find references and rename, on a multi-file workspace: a shared generators file, specs
// importing it directly and transitively, and an unrelated spec that defines its own `sdxl`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { memoryHost } from '../../server/src/files/host';
import { SpecWorkspace } from '../../server/src/language/workspace';
import { definition, prepareRename, references, rename } from '../../server/src/language/navigation';
import type { Location } from '../../server/src/language/features';
import { applyWorkspaceEdit, rng } from './helpers/textEdits';

const GENERATORS = '/ws/shared/generators.wabi';
const A = '/ws/specs/a.wabi';
const B = '/ws/specs/b.wabi';
const D = '/ws/specs/d.wabi';
const C = '/ws/other/c.wabi';

const FILES: Record<string, string> = {
  [GENERATORS]: `generator sdxl
  kind      comfyui
  url       http://127.0.0.1:8188
  workflow  wf.json

judge clip-l
  kind         clip
  image-model  img.onnx
  text-model   txt.onnx
  tokenizer    tok.json

judge laion
  kind     aesthetic
  model    head.onnx
  encoder  clip-l
`,
  [A]: `import "../shared/generators.wabi"

defaults
  generator  sdxl
  aesthetic  laion

test "grainy cow"  [clarity_and_focus.film_artifacts]
  prompt    A cow stands in a field. Heavy grain.
  baseline  a cow in a field
  expect    grain > baseline + 0.3
  expect    clip(clip-l, "a grainy photo") > 0.2
  expect    aesthetic(laion) < baseline
  expect    blur >= input - 0.1
`,
  [B]: `import "../shared/generators.wabi"

generator flux
  kind  command
  run   flux --prompt {prompt} --out {out}

test "quoted"
  prompt     a street at night
  generator  "sdxl"

test "other"
  prompt     a bus stop
  generator  flux
  baseline   first
  baseline   second
  expect     blur > baseline
`,
  [D]: `import "a.wabi"

test "transitive"
  prompt     a dog on a sofa
  generator  sdxl
  expect     clip(clip-l, "a dog") > 0.1
`,
  [C]: `generator sdxl
  kind  files

test "unrelated"
  images     *.png
  generator  sdxl
`,
};

function workspace(extra: Record<string, string> = {}): SpecWorkspace {
  return new SpecWorkspace(memoryHost({ ...FILES, ...extra }), { roots: ['/ws'], checkFiles: false });
}

const at = (line: number, character: number) => ({ line, character });
const loc = (path: string, line: number, start: number, end: number, endLine = line): Location => ({ path, range: rng(line, start, end, endLine) });

// ---- definition -------------------------------------------------------------------------------------------

test('definition: a generator name in defaults leads to its header in the imported file', () => {
  const ws = workspace();
  assert.deepEqual(definition(ws, A, at(3, 13)), [loc(GENERATORS, 0, 10, 14)]);
  // At the very start and the very end of the name too.
  assert.deepEqual(definition(ws, A, at(3, 13)), [loc(GENERATORS, 0, 10, 14)]);
  assert.deepEqual(definition(ws, A, at(3, 17)), [loc(GENERATORS, 0, 10, 14)]);
  // On the key before it, nothing.
  assert.deepEqual(definition(ws, A, at(3, 11)), []);
});

test('definition: judge names inside clip(...) and aesthetic(...) and in a judge setting', () => {
  const ws = workspace();
  assert.deepEqual(definition(ws, A, at(10, 18)), [loc(GENERATORS, 5, 6, 12)]);
  assert.deepEqual(definition(ws, A, at(11, 22)), [loc(GENERATORS, 11, 6, 11)]);
  assert.deepEqual(definition(ws, A, at(4, 14)), [loc(GENERATORS, 11, 6, 11)]);
  // `encoder clip-l` in the generators file itself.
  assert.deepEqual(definition(ws, GENERATORS, at(14, 12)), [loc(GENERATORS, 5, 6, 12)]);
});

test('definition: through a transitive import, and of a quoted use', () => {
  const ws = workspace();
  assert.deepEqual(definition(ws, D, at(4, 14)), [loc(GENERATORS, 0, 10, 14)]);
  assert.deepEqual(definition(ws, D, at(5, 19)), [loc(GENERATORS, 5, 6, 12)]);
  assert.deepEqual(definition(ws, B, at(8, 14)), [loc(GENERATORS, 0, 10, 14)]);
});

test('definition: a name defined in the same file, and the definition name itself', () => {
  const ws = workspace();
  assert.deepEqual(definition(ws, B, at(12, 13)), [loc(B, 2, 10, 14)]);
  assert.deepEqual(definition(ws, B, at(2, 11)), [loc(B, 2, 10, 14)]);
  // The unrelated file's sdxl is its own.
  assert.deepEqual(definition(ws, C, at(5, 13)), [loc(C, 0, 10, 14)]);
});

test('definition: an import line leads to the imported file, a missing import to nothing', () => {
  const ws = workspace({ '/ws/specs/e.wabi': 'import "nowhere.wabi"\n' });
  const start = { path: GENERATORS, range: rng(0, 0, 0) };
  assert.deepEqual(definition(ws, A, at(0, 12)), [start]);
  assert.deepEqual(definition(ws, A, at(0, 2)), [start]);
  assert.deepEqual(definition(ws, D, at(0, 9)), [{ path: A, range: rng(0, 0, 0) }]);
  assert.deepEqual(definition(ws, '/ws/specs/e.wabi', at(0, 10)), []);
});

test('definition: baseline in an expectation leads to the baseline property; the last one when set twice', () => {
  const ws = workspace();
  assert.deepEqual(definition(ws, A, at(9, 22)), [loc(A, 8, 2, 28)]);
  assert.deepEqual(definition(ws, A, at(11, 33)), [loc(A, 8, 2, 28)]);
  assert.deepEqual(definition(ws, B, at(15, 23)), [loc(B, 14, 2, 19)]);
  // `input` with no input image in the test: nowhere to go.
  assert.deepEqual(definition(ws, A, at(12, 21)), []);
});

test('definition: traits, keys, prompts and blank space lead nowhere', () => {
  const ws = workspace();
  assert.deepEqual(definition(ws, A, at(9, 14)), []); // grain
  assert.deepEqual(definition(ws, A, at(7, 4)), []); // prompt key
  assert.deepEqual(definition(ws, A, at(7, 20)), []); // prompt text
  assert.deepEqual(definition(ws, A, at(1, 0)), []);
  assert.deepEqual(definition(ws, '/ws/specs/missing.wabi', at(0, 0)), []);
});

test('definition: a name used as the wrong kind still leads to what it names; an unknown one to nothing', () => {
  const ws = workspace({
    '/ws/specs/f.wabi': `import "../shared/generators.wabi"

test "wrong kind"
  prompt     x
  generator  clip-l
  expect     aesthetic(nosuch) > 5
`,
  });
  assert.deepEqual(definition(ws, '/ws/specs/f.wabi', at(4, 14)), [loc(GENERATORS, 5, 6, 12)]);
  assert.deepEqual(definition(ws, '/ws/specs/f.wabi', at(5, 24)), []);
});

// ---- references -------------------------------------------------------------------------------------------

const SDXL_USES: Location[] = [
  loc(A, 3, 13, 17),
  loc(B, 8, 13, 19),
  loc(D, 4, 13, 17),
];

test('references: every use of a shared generator across the files that see it, sorted', () => {
  const ws = workspace();
  assert.deepEqual(references(ws, A, at(3, 14), false), SDXL_USES);
  assert.deepEqual(references(ws, A, at(3, 14), true), [loc(GENERATORS, 0, 10, 14), ...SDXL_USES]);
});

test('references: from the definition itself, and never the unrelated file that defines the same name', () => {
  const ws = workspace();
  const fromDefinition = references(ws, GENERATORS, at(0, 12), true);
  assert.deepEqual(fromDefinition, [loc(GENERATORS, 0, 10, 14), ...SDXL_USES]);
  assert.ok(!fromDefinition.some((l) => l.path === C));
  assert.deepEqual(references(ws, C, at(0, 11), true), [loc(C, 0, 10, 14), loc(C, 5, 13, 17)]);
  assert.deepEqual(references(ws, C, at(5, 14), false), [loc(C, 5, 13, 17)]);
});

test('references: a judge used in settings and expectations of several files', () => {
  const ws = workspace();
  assert.deepEqual(references(ws, D, at(5, 19), true), [
    loc(GENERATORS, 5, 6, 12),
    loc(GENERATORS, 14, 11, 17),
    loc(A, 10, 17, 23),
    loc(D, 5, 18, 24),
  ]);
  assert.deepEqual(references(ws, D, at(5, 19), false), [loc(GENERATORS, 14, 11, 17), loc(A, 10, 17, 23), loc(D, 5, 18, 24)]);
});

test('references: nothing for traits, unknown names or text', () => {
  const ws = workspace();
  assert.deepEqual(references(ws, A, at(9, 14), true), []);
  assert.deepEqual(references(ws, A, at(7, 20), true), []);
  const wsBad = workspace({ '/ws/specs/g.wabi': 'test "t"\n  prompt  x\n  generator  nosuch\n' });
  assert.deepEqual(references(wsBad, '/ws/specs/g.wabi', at(2, 15), true), []);
});

test('references: an open, unsaved document is searched with its editor text', () => {
  const ws = workspace();
  ws.setDocument(D, `import "a.wabi"

test "transitive"
  prompt     a dog on a sofa
  generator  flux
`);
  assert.deepEqual(references(ws, A, at(3, 14), false), [loc(A, 3, 13, 17), loc(B, 8, 13, 19)]);
});

// ---- rename -----------------------------------------------------------------------------------------------

test('prepareRename: the name at a use, inside the quotes of a quoted use, and at the definition', () => {
  const ws = workspace();
  assert.deepEqual(prepareRename(ws, A, at(3, 14)), rng(3, 13, 17));
  assert.deepEqual(prepareRename(ws, B, at(8, 16)), rng(8, 14, 18));
  assert.deepEqual(prepareRename(ws, GENERATORS, at(5, 8)), rng(5, 6, 12));
});

test('prepareRename: refuses what is not a generator or judge name, with a reason', () => {
  const ws = workspace({
    '/ws/specs/f.wabi': `import "../shared/generators.wabi"

test "wrong kind"
  prompt     x
  generator  clip-l
  expect     aesthetic(nosuch) > 5
`,
  });
  assert.deepEqual(prepareRename(ws, A, at(9, 14)), { error: 'Only generator and judge names can be renamed.' });
  assert.deepEqual(prepareRename(ws, A, at(6, 8)), { error: 'Only generator and judge names can be renamed.' });
  assert.deepEqual(prepareRename(ws, '/ws/specs/f.wabi', at(5, 24)), { error: "'nosuch' is not defined, so there is nothing to rename." });
  assert.deepEqual(prepareRename(ws, '/ws/specs/f.wabi', at(4, 14)), {
    error: "'clip-l' is a judge, not a generator here: fix the use before renaming.",
  });
});

test('rename: the definition and every use in every file that sees it, quoted uses inside their quotes', () => {
  const ws = workspace();
  const r = rename(ws, A, at(3, 14), 'sdxl-turbo');
  assert.ok('edit' in r, JSON.stringify(r));
  assert.deepEqual(r.edit.changes, {
    [GENERATORS]: [{ range: rng(0, 10, 14), newText: 'sdxl-turbo' }],
    [A]: [{ range: rng(3, 13, 17), newText: 'sdxl-turbo' }],
    [B]: [{ range: rng(8, 14, 18), newText: 'sdxl-turbo' }],
    [D]: [{ range: rng(4, 13, 17), newText: 'sdxl-turbo' }],
  });
  const after = applyWorkspaceEdit(FILES, r.edit);
  assert.match(after[B], /generator {2}"sdxl-turbo"\n/);
  // The renamed workspace resolves every former use to the renamed definition, and C is untouched.
  const ws2 = new SpecWorkspace(memoryHost({ ...FILES, ...after }), { roots: ['/ws'], checkFiles: false });
  for (const f of [A, B, D]) {
    assert.deepEqual(ws2.analyze(f)!.diagnostics.filter((d) => d.code.startsWith('unknown-')), [], f);
  }
  assert.equal(after[C], undefined);
});

test('rename: from the definition of a judge, including its use as an encoder in the same file', () => {
  const ws = workspace();
  const r = rename(ws, GENERATORS, at(5, 7), 'clip-big');
  assert.ok('edit' in r, JSON.stringify(r));
  assert.deepEqual(r.edit.changes, {
    [GENERATORS]: [
      { range: rng(5, 6, 12), newText: 'clip-big' },
      { range: rng(14, 11, 17), newText: 'clip-big' },
    ],
    [A]: [{ range: rng(10, 17, 23), newText: 'clip-big' }],
    [D]: [{ range: rng(5, 18, 24), newText: 'clip-big' }],
  });
});

test('rename: a file-local generator touches only its file; the same name elsewhere is unaffected', () => {
  const ws = workspace();
  const r = rename(ws, C, at(5, 14), 'local-files');
  assert.ok('edit' in r);
  assert.deepEqual(r.edit.changes, {
    [C]: [
      { range: rng(0, 10, 14), newText: 'local-files' },
      { range: rng(5, 13, 17), newText: 'local-files' },
    ],
  });
});

test('rename: refuses invalid names', () => {
  const ws = workspace();
  for (const bad of ['', '9lives', 'two words', 'trailing-', 'a--b', '"quoted"', 'x#y']) {
    const r = rename(ws, A, at(3, 14), bad);
    assert.ok('error' in r, bad);
    assert.match(r.error, /is not a valid generator name/, bad);
  }
  const ok = rename(ws, A, at(3, 14), 'sd-1.5_x');
  assert.ok('edit' in ok);
});

test('rename: refuses a name any affected file already sees', () => {
  const ws = workspace();
  // clip-l is visible wherever sdxl is.
  assert.deepEqual(rename(ws, A, at(3, 14), 'clip-l'), { error: "'clip-l' already exists: the judge on line 6 of ../shared/generators.wabi." });
  // flux is defined in b.wabi, which imports the generators: renaming sdxl to flux would clash there.
  assert.deepEqual(rename(ws, A, at(3, 14), 'flux'), { error: "'flux' already exists: the generator on line 3 of b.wabi." });
  // c.wabi's own sdxl is no clash for flux, which c.wabi cannot see...
  assert.ok('edit' in rename(ws, C, at(0, 11), 'flux'));
  // ...nor is the shared sdxl a clash for renaming c.wabi's generator to a name only others see.
  assert.ok('edit' in rename(ws, C, at(0, 11), 'clip-l'));
});

test('rename: refuses a name an affected file uses unresolved (it would capture that use)', () => {
  const ws = workspace({ '/ws/specs/h.wabi': 'import "a.wabi"\n\ntest "pending"\n  prompt     x\n  generator  turbo\n' });
  assert.deepEqual(rename(ws, GENERATORS, at(0, 12), 'turbo'), {
    error: "'turbo' is already used on line 5 of ../specs/h.wabi, where it names nothing: renaming would capture that use.",
  });
});

test('rename: to the same name is an empty edit; non-names are refused', () => {
  const ws = workspace();
  assert.deepEqual(rename(ws, A, at(3, 14), 'sdxl'), { edit: { changes: {} } });
  assert.deepEqual(rename(ws, A, at(9, 14), 'x'), { error: 'Only generator and judge names can be renamed.' });
});

// ---- audits -------------------------------------------------------------------------------------------------

const AUDITS = '/ws/specs/audits.wabi';
const AUDIT_FILES = {
  [AUDITS]: `import "../shared/generators.wabi"

audit "reward models on grain"
  pairs  pairs.jsonl
  judge  laion
  judge  traits
  judge  clip-l
`,
};

test('audits: definition, references and rename of a judge include its audit judge lines', () => {
  const ws = workspace(AUDIT_FILES);
  assert.deepEqual(definition(ws, AUDITS, at(4, 10)), [loc(GENERATORS, 11, 6, 11)]);
  assert.deepEqual(references(ws, GENERATORS, at(11, 7), false), [loc(A, 4, 13, 18), loc(A, 11, 22, 27), loc(AUDITS, 4, 9, 14)]);
  const r = rename(ws, AUDITS, at(6, 10), 'clip-big');
  assert.ok('edit' in r, JSON.stringify(r));
  assert.deepEqual(r.edit.changes[AUDITS], [{ range: rng(6, 9, 15), newText: 'clip-big' }]);
  assert.deepEqual(r.edit.changes[GENERATORS], [
    { range: rng(5, 6, 12), newText: 'clip-big' },
    { range: rng(14, 11, 17), newText: 'clip-big' },
  ]);
  const after = applyWorkspaceEdit({ ...FILES, ...AUDIT_FILES }, r.edit);
  assert.match(after[AUDITS], /\n {2}judge {2}clip-big\n$/);
  const ws2 = new SpecWorkspace(memoryHost({ ...FILES, ...AUDIT_FILES, ...after }), { roots: ['/ws'], checkFiles: false });
  assert.deepEqual(ws2.analyze(AUDITS)!.diagnostics, []);
});

test('audits: the built-in traits judge leads nowhere and cannot be renamed; no judge may be renamed to traits', () => {
  const ws = workspace(AUDIT_FILES);
  assert.deepEqual(definition(ws, AUDITS, at(5, 10)), []);
  assert.deepEqual(references(ws, AUDITS, at(5, 10), true), []);
  assert.deepEqual(prepareRename(ws, AUDITS, at(5, 10)), { error: "'traits' is the built-in intent judge: it has no declaration to rename." });
  assert.deepEqual(rename(ws, AUDITS, at(4, 10), 'traits'), { error: "'traits' is the name of the built-in intent judge: a judge cannot take it." });
  // A generator may be called traits: only judges share the name with the built-in.
  assert.ok('edit' in rename(ws, A, at(3, 14), 'traits'));
});
