// Semantic diagnostics on real multi-file workspaces: every check the language server reports, with its exact
// place, code and did-you-mean.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { confinedHost, memoryHost, nodeHost } from '../../server/src/files/host';
import { SpecWorkspace } from '../../server/src/language/workspace';
import { hover } from '../../server/src/language/hover';
import { complete } from '../../server/src/language/completion';
import type { Diagnostic } from '../../server/src/language/ast';

const ROOT = path.resolve('/ws');
const GENERATORS = `generator sdxl
  kind      comfyui
  url       http://127.0.0.1:8188
  workflow  flows/sdxl.json

generator reference
  kind   degrade
  input  images/a.jpg

judge clip-l
  kind         clip
  image-model  models/image.onnx
  text-model   models/text.onnx
  tokenizer    models/tokenizer.json

judge hps
  kind   reward
  model  models/hps.onnx

judge laion
  kind     aesthetic
  model    models/head.onnx
  encoder  clip-l
`;

const FILES: Record<string, string> = {
  'generators.wabi': GENERATORS,
  'flows/sdxl.json': '{}',
  'images/a.jpg': 'x',
  'images/b.jpg': 'x',
  'models/image.onnx': 'x',
  'models/text.onnx': 'x',
  'models/tokenizer.json': '{}',
  'models/hps.onnx': 'x',
  'models/head.onnx': 'x',
};

function analyze(text: string, extra: Record<string, string> = {}): Diagnostic[] {
  const files = Object.fromEntries(Object.entries({ ...FILES, ...extra, 'spec.wabi': text }).map(([k, v]) => [path.join(ROOT, k), v]));
  const ws = new SpecWorkspace(memoryHost(files), { roots: [ROOT] });
  return [...ws.analyze(path.join(ROOT, 'spec.wabi'))!.diagnostics];
}

/** `code@line:col` for each diagnostic (1-based, as an editor shows them). */
const where = (ds: Diagnostic[]) => ds.map((d) => `${d.code}@${d.range.start.line + 1}:${d.range.start.character + 1}`);

const HEAD = 'import "generators.wabi"\n\ndefaults\n  generator  sdxl\n  seeds      1..4\n\n';

test('a valid spec using every feature has no diagnostics', () => {
  const ds = analyze(
    HEAD +
      `test "grainy"  [clarity_and_focus.film_artifacts]
  prompt    grainy cow
  negative  clean
  baseline  a cow
  expect    grain >= 0.6
  expect    grain > baseline + 0.3
  expect    polish < baseline
  expect    clip("a rotten fruit") > clip(clip-l, "fresh fruit")
  expect    reward(hps) < baseline
  expect    aesthetic(laion) <= 5

test "edit"
  generator  reference
  input      images/a.jpg
  strength   0.5
  prompt     keep the blur
  expect     blur >= input - 0.05

test "files"
  images  images/*.jpg
  expect  polish < 0.6
`,
  );
  assert.deepEqual(where(ds), []);
});

test('unknown trait, generator and judge get a did-you-mean suggestion', () => {
  const ds = analyze(
    HEAD +
      `test "t"
  generator  sdx
  prompt     p
  expect     grian >= 0.6
  expect     reward(hsp) > 1
  expect     aesthetic(hps) > 1
`,
  );
  assert.deepEqual(where(ds), ['unknown-generator@8:14', 'unknown-trait@10:14', 'unknown-judge@11:21', 'wrong-judge-kind@12:24']);
  assert.equal(ds[0].message, "Unknown generator 'sdx'. Did you mean 'sdxl'?");
  assert.deepEqual(ds[1].suggestions, ['grain']);
  assert.deepEqual(ds[2].suggestions, ['hps']);
  assert.match(ds[3].message, /'hps' is a reward judge; this needs an aesthetic judge/);
});

test('thresholds outside a measure’s range are errors; always-true ones are warnings', () => {
  const ds = analyze(
    HEAD +
      `test "t"
  prompt  p
  baseline b
  expect  grain >= 1.5
  expect  blur < -0.1
  expect  grain > baseline + 2
  expect  clip("x") > 1.2
  expect  aesthetic(laion) > 11
  expect  reward(hps) > 40
  expect  grain >= 0
`,
  );
  assert.deepEqual(where(ds), [
    'threshold-range@10:20',
    'threshold-range@11:18',
    'threshold-range@12:30',
    'threshold-range@13:23',
    'threshold-range@14:30',
    'always-true@16:11',
  ]);
});

test('bad seed ranges, sizes, pass rates and numbers', () => {
  const ds = analyze(
    `import "generators.wabi"
defaults
  generator  sdxl
  seeds      4..1, 3, 3, 99999999999
  size       4x1000
  pass       5/4
  steps      0
  guidance   7.5
`,
  );
  assert.deepEqual(where(ds), [
    'bad-seeds@4:14',
    'duplicate-seed@4:23',
    'bad-seeds@4:26',
    'bad-size@5:14',
    'bad-pass@6:14',
    'out-of-range@7:14',
  ]);
  assert.deepEqual(ds[0].suggestions, ['1..4']);
  const sizes = analyze('defaults\n  size 1000x1001\n');
  assert.deepEqual(where(sizes), ['size-not-multiple-of-8@2:13']);
});

test('duplicate test names, missing prompt and missing generator', () => {
  const ds = analyze(
    `import "generators.wabi"
test "a"
  generator sdxl
  prompt    p
test "a"
  generator sdxl
  baseline  only a baseline
test "no generator"
  prompt p
`,
  );
  assert.deepEqual(where(ds), ['missing-prompt@5:1', 'duplicate-test@5:6', 'missing-generator@8:1']);
});

test('comparing with baseline or input needs them in the test', () => {
  const ds = analyze(HEAD + 'test "t"\n  prompt  grainy cow\n  expect  grain > baseline + 0.1\n  expect  blur >= input\n');
  assert.deepEqual(where(ds), ['missing-baseline@9:19', 'missing-input@10:19']);
  assert.deepEqual(ds[0].data, { test: 't', insertAfterLine: 7, indent: 2 });
});

test('missing import, input, workflow and model files are reported at their paths', () => {
  const ds = analyze(
    `import "nowhere.wabi"
import "generators.wabi"
generator other
  kind      comfyui
  url       http://127.0.0.1:8188
  workflow  flows/missing.json
judge broken
  kind   reward
  model  models/missing.onnx
test "t"
  generator  sdxl
  input      images/missing.png
  images     shots/*.png
  prompt     p
`,
  );
  assert.deepEqual(where(ds), ['missing-import@1:8', 'missing-file@6:13', 'missing-file@9:10', 'missing-file@12:14', 'no-matches@13:14']);
  assert.equal(ds[0].message, "Cannot import 'nowhere.wabi': it does not exist.");
});

test('file checks can be switched off', () => {
  const files = { [path.join(ROOT, 'spec.wabi')]: HEAD.replace('import "generators.wabi"\n', '') + 'test "t"\n  input images/nope.png\n  prompt p\n' };
  const ws = new SpecWorkspace(memoryHost(files), { roots: [ROOT], checkFiles: false });
  assert.deepEqual(where([...ws.analyze(path.join(ROOT, 'spec.wabi'))!.diagnostics]), ['unknown-generator@3:14']);
});

test('import cycles are reported on the import that closes them, in every file of the cycle', () => {
  const files = {
    [path.join(ROOT, 'a.wabi')]: 'import "b.wabi"\n',
    [path.join(ROOT, 'b.wabi')]: 'import "c.wabi"\n',
    [path.join(ROOT, 'c.wabi')]: 'import "a.wabi"\n',
    [path.join(ROOT, 'self.wabi')]: 'import "self.wabi"\n',
  };
  const ws = new SpecWorkspace(memoryHost(files), { roots: [ROOT] });
  const a = ws.analyze(path.join(ROOT, 'a.wabi'))!.diagnostics;
  assert.deepEqual(where([...a]), ['import-cycle@1:8']);
  assert.equal(a[0].message, 'Import cycle: a.wabi → b.wabi → c.wabi → a.wabi.');
  assert.deepEqual(where([...ws.analyze(path.join(ROOT, 'c.wabi'))!.diagnostics]), ['import-cycle@1:8']);
  assert.deepEqual(where([...ws.analyze(path.join(ROOT, 'self.wabi'))!.diagnostics]), ['import-cycle@1:8']);
});

test('names resolve transitively through imports; clashes across files are errors', () => {
  const ds = analyze('import "mid.wabi"\ngenerator sdxl\n  kind degrade\n  input images/a.jpg\ntest "t"\n  generator reference\n  prompt p\n', {
    'mid.wabi': 'import "generators.wabi"\n',
  });
  assert.deepEqual(where(ds), ['duplicate-definition@2:11']);
  assert.match(ds[0].message, /'sdxl' is defined both in generators.wabi and in line 2/);
});

test('generator and judge definitions: kinds, settings, required settings, secrets', () => {
  const ds = analyze(`generator g
  kind  comfyu
generator h
  kind      comfyui
  url       localhost:8188
  workflw   flows/sdxl.json
  timeout   soon
generator k
  kind     openai
  model    gpt-image-1
  api-key  sk-abc
generator c
  kind  command
  run   make-image {prompt}
judge j
  kind     aesthetic
  model    models/head.onnx
  encoder  hps
`);
  assert.deepEqual(where(ds), [
    'unknown-generator-kind@2:9',
    'missing-setting@3:1',
    'bad-url@5:13',
    'unknown-key@6:3',
    'bad-duration@7:13',
    'secret-in-spec@11:3',
    'command-no-out@14:9',
    'unknown-judge@18:12',
  ]);
  assert.deepEqual(ds[0].suggestions, ['comfyui']);
  assert.deepEqual(ds[3].suggestions, ['workflow']);
  assert.equal(ds[1].message, "comfyui generator 'h' needs `workflow`.");
});

test('a pool: url repeated is no duplicate; each bad line is a located error on the part that is wrong', () => {
  const ds = analyze(`generator pool
  kind         comfyui
  workflow     flows/sdxl.json
  concurrency  1
  url          http://gpu-1:8188
  url          http://gpu-2:8188  concurrency 2
  url          gpu-3:8188
  url          http://gpu-4:8188  concurrency 0
  url          http://gpu-5:8188  concurrency two
  url          http://gpu-6:8188  x2
  url          http://gpu-7:8188  concurrency
  url          HTTP://GPU-1:8188/
  url          http://gpu-8:8188  concurrency 1 more
`);
  assert.deepEqual(where(ds), [
    'bad-url@7:16',
    'out-of-range@8:47',
    'bad-number@9:47',
    'trailing-text@10:35',
    'bad-number@11:35',
    'duplicate-endpoint@12:16',
    'trailing-text@13:49',
  ]);
  const at = (code: string) => ds.find((d) => d.code === code)!;
  assert.equal(at('bad-url').message, "'gpu-3:8188' is not an http:// or https:// URL.");
  assert.deepEqual(at('bad-url').range.end, { line: 6, character: 25 }, 'the URL alone is marked');
  assert.equal(at('out-of-range').message, "'concurrency' must be between 1 and 64; got 0.");
  assert.match(ds[3].message, /^Unexpected 'x2' after the URL: a `url` line is a URL, then optionally `concurrency N`/);
  assert.equal(at('duplicate-endpoint').severity, 'warning');
  assert.match(at('duplicate-endpoint').message, /already an endpoint of 'pool' \(line 5\)/);
  assert.ok(!ds.some((d) => d.code === 'duplicate-key'), 'url may be repeated');
  // Every server kind takes a pool; `concurrency` after the URL is range-checked like the generator's own.
  for (const kind of ['a1111', 'openai\n  model gpt-image-1']) {
    assert.deepEqual(where(analyze(`generator p\n  kind ${kind}\n  url http://a:1\n  url https://b/v1 concurrency 64\n`)), []);
  }
});

test('tags are checked against the paper taxonomy', () => {
  const ds = analyze(HEAD + 'test "t" [clarity_and_focus.film_artifcts, color_and_tone, made_up]\n  prompt p\n');
  assert.deepEqual(where(ds), ['unknown-tag@7:11', 'unknown-tag@7:60']);
  assert.deepEqual(ds[0].suggestions, ['clarity_and_focus.film_artifacts']);
  assert.equal(ds[1].suggestions, undefined);
});

test('clip() without a judge name needs exactly one clip judge', () => {
  const none = analyze('generator g\n  kind degrade\n  input images/a.jpg\ntest "t"\n  generator g\n  prompt p\n  expect clip("x") > 0.2\n');
  assert.deepEqual(where(none), ['no-clip-judge@7:10']);
  const two = analyze(HEAD + 'judge other\n  kind clip\n  image-model models/image.onnx\n  text-model models/text.onnx\n  tokenizer models/tokenizer.json\ntest "t"\n  prompt p\n  expect clip("x") > 0.2\n');
  assert.deepEqual(where(two), ['ambiguous-clip-judge@14:10']);
});

test('a judge name used as a trait points to the right call', () => {
  const ds = analyze(HEAD + 'test "t"\n  prompt p\n  baseline b\n  expect hps < baseline\n');
  assert.deepEqual(where(ds), ['unknown-trait@10:10']);
  assert.deepEqual(ds[0].suggestions, ['reward(hps)']);
});

test('the editor host reads nothing outside the workspace', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wabi-confine-'));
  try {
    const ws = path.join(dir, 'ws');
    fs.mkdirSync(ws);
    fs.writeFileSync(path.join(dir, 'secret.wabi'), 'generator leaked\n  kind degrade\n');
    fs.writeFileSync(path.join(dir, 'outside.png'), 'x');
    fs.writeFileSync(path.join(ws, 'spec.wabi'), 'import "../secret.wabi"\ntest "t"\n  generator leaked\n  input ../outside.png\n  prompt p\n');
    const confined = new SpecWorkspace(confinedHost(nodeHost, () => [ws]), { roots: [ws] });
    const ds = confined.analyze(path.join(ws, 'spec.wabi'))!.diagnostics;
    assert.deepEqual(where([...ds]), ['missing-import@1:8', 'unknown-generator@3:13', 'outside-workspace@4:9']);
    assert.equal(ds[0].message, "Cannot import '../secret.wabi': it is outside the workspace.");
    // The same spec on the command line, where the user chose the files, may import a sibling folder.
    const open = new SpecWorkspace(nodeHost, { roots: [ws] });
    assert.deepEqual(where([...open.analyze(path.join(ws, 'spec.wabi'))!.diagnostics]), []);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('symbolic links do not get past the workspace: imports, inputs, images, workflows, models, tokenizers, manifests', () => {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'wabi-links-')));
  try {
    const ws = path.join(dir, 'ws');
    const outside = path.join(dir, 'outside');
    fs.mkdirSync(path.join(ws, 'shots'), { recursive: true });
    fs.mkdirSync(outside);
    fs.writeFileSync(path.join(outside, 'secret.wabi'), 'generator leaked  # TOPSECRET\n  kind degrade\n  input x.png\n');
    for (const f of ['a.png', 'wf.json', 'm.onnx', 'tok.json', 'manifest.json']) fs.writeFileSync(path.join(outside, f), 'TOPSECRET');
    fs.writeFileSync(path.join(ws, 'inside.png'), 'x');
    fs.writeFileSync(path.join(ws, 'shots', 'own.png'), 'x');
    const link = (name: string, target: string) => fs.symlinkSync(target, path.join(ws, name));
    link('lib.wabi', path.join(outside, 'secret.wabi')); // a file link, absolute target
    link('passwd.png', '../outside/a.png'); // a file link, relative target
    link('far', outside); // a folder link
    link('wf.json', path.join(outside, 'wf.json'));
    link('m.onnx', path.join(outside, 'm.onnx'));
    link('tok.json', path.join(outside, 'tok.json'));
    link('manifest.json', path.join(outside, 'manifest.json'));
    link('gone.png', path.join(outside, 'never-written.png')); // dangling, to outside
    link('near.png', 'inside.png'); // a link that stays inside is fine
    link('mine', 'shots'); // so is a folder link that stays inside
    const spec = path.join(ws, 'spec.wabi');
    fs.writeFileSync(
      spec,
      `import "lib.wabi"
generator g
  kind      comfyui
  url       http://127.0.0.1:8188
  workflow  wf.json
judge r
  kind   reward
  model  far/m.onnx
judge c
  kind         clip
  image-model  m.onnx
  text-model   near.png
  tokenizer    tok.json
judge h
  kind      reward
  manifest  manifest.json
test "t"
  generator  leaked
  input      passwd.png
  images     far/*.png
  prompt     p
test "u"
  generator  g
  input      gone.png
  images     mine/*.png
  prompt     p
test "v"
  generator  g
  input      near.png
  images     mine/own.png
  prompt     p
`,
    );
    const expected = [
      'missing-import@1:8',
      'outside-workspace@5:13',
      'outside-workspace@8:10',
      'outside-workspace@11:16',
      'outside-workspace@13:16',
      'outside-workspace@16:13',
      'unknown-generator@18:14',
      'outside-workspace@19:14',
      'outside-workspace@20:14',
      'outside-workspace@24:14',
    ];
    // The workspace root given as it is, and as a link to it: both are resolved before comparing.
    link('..' + path.sep + 'ws-link', ws);
    for (const root of [ws, path.join(dir, 'ws-link')]) {
      const host = confinedHost(nodeHost, () => [root]);
      const w = new SpecWorkspace(host, { roots: [root] });
      const file = path.join(root, 'spec.wabi');
      const ds = w.analyze(file)!.diagnostics;
      assert.deepEqual(where([...ds]), expected, root);
      assert.equal(ds[0].message, "Cannot import 'lib.wabi': it is outside the workspace.");
      assert.equal(ds[7].message, "'passwd.png' is outside the workspace; Wabi reads only files inside it.");
      assert.equal(ds[8].message, "'far/*.png' is outside the workspace; Wabi reads only files inside it.");
      // Nothing from outside is read, listed or shown.
      assert.equal(host.readFile(path.join(root, 'lib.wabi')), undefined);
      assert.equal(host.readFile(path.join(root, 'far', 'a.png')), undefined);
      assert.equal(host.stat(path.join(root, 'far')), undefined);
      assert.deepEqual(host.readDir(path.join(root, 'far')), []);
      assert.equal(host.stat(path.join(root, 'mine', 'own.png')), 'file');
      const text = fs.readFileSync(spec, 'utf8');
      const at = (needle: string) => {
        const i = text.indexOf(needle);
        const line = text.slice(0, i).split('\n').length - 1;
        return { line, character: i - (text.lastIndexOf('\n', i - 1) + 1) };
      };
      for (const needle of ['lib.wabi', 'leaked']) {
        const h = hover(w, file, at(needle));
        assert.ok(!h || !h.contents.includes('TOPSECRET'), JSON.stringify(h));
      }
      const far = `  images     far/`;
      const line = text.split('\n').indexOf(far + '*.png');
      assert.deepEqual(complete(w, file, { line, character: far.length }), []);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the editor reports an import it cannot decode as UTF-8, or that is not text, at the import', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wabi-utf8-'));
  try {
    fs.writeFileSync(path.join(dir, 'latin1.wabi'), Buffer.from('# r\xe9glages\ngenerator g\n  kind degrade\n', 'latin1'));
    fs.writeFileSync(path.join(dir, 'nul.wabi'), Buffer.from('generator g\0\n'));
    fs.writeFileSync(path.join(dir, 'png.wabi'), Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'));
    fs.writeFileSync(path.join(dir, 'spec.wabi'), 'import "latin1.wabi"\nimport "nul.wabi"\nimport "png.wabi"\n');
    const ws = new SpecWorkspace(confinedHost(nodeHost, () => [dir]), { roots: [dir] });
    const ds = ws.analyze(path.join(dir, 'spec.wabi'))!.diagnostics;
    assert.deepEqual(where([...ds]), ['missing-import@1:8', 'missing-import@2:8', 'missing-import@3:8']);
    assert.deepEqual(
      ds.map((d) => d.message),
      [
        "Cannot import 'latin1.wabi': it is not valid UTF-8 (byte 0xE9 at line 1, column 4): save it as UTF-8.",
        "Cannot import 'nul.wabi': it is not a text spec (it holds NUL bytes).",
        "Cannot import 'png.wabi': it is not a text spec (it looks like a PNG image).",
      ],
    );
    // Nothing undecodable reaches the parser: no replacement characters, no "Unknown block" noise.
    assert.equal(ws.getText(path.join(dir, 'latin1.wabi')), undefined);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the bundled examples are clean', () => {
  const examples = path.resolve(__dirname, '../../../examples');
  const ws = new SpecWorkspace(nodeHost, { roots: [examples] });
  const files = ws.specFiles();
  assert.ok(files.length >= 4, `found ${files.length} example specs`);
  for (const f of files) assert.deepEqual(where([...ws.analyze(f)!.diagnostics]), [], path.basename(f));
});

// ---- audits ---------------------------------------------------------------------------------------------------

const PAIRS = { 'pairs/film.jsonl': '{}\n', 'bench/1_orig.jpg': 'x', 'bench/1_dist.jpg': 'x', 'bench/_meta.json': '{}' };

test('a valid audit, with a JSONL file or a folder of pairs, any judge kind and the built-in traits, has no diagnostics', () => {
  const ds = analyze(
    `import "generators.wabi"

audit "reward models on film grain"  [clarity_and_focus.film_artifacts]
  pairs         pairs/film.jsonl
  judge         hps
  judge         traits
  judge         laion
  judge         clip-l
  min-accuracy  0.8

audit "folder"
  pairs         bench
  judge         traits
  min-accuracy  80%
`,
    PAIRS,
  );
  assert.deepEqual(where(ds), []);
});

test('an audit needs pairs and a judge; each is reported on its header', () => {
  const ds = analyze(`import "generators.wabi"
audit "nothing"
  min-accuracy  0.8
audit "empty keys"
  pairs
  judge
`);
  assert.deepEqual(where(ds), ['missing-pairs@2:1', 'missing-judge@2:1', 'missing-pairs@4:1', 'missing-judge@4:1', 'missing-value@5:3', 'missing-value@6:3']);
  assert.equal(ds[0].message, "Audit 'nothing' has no pairs: add `pairs` with a JSONL file or a folder of N_orig / N_dist images.");
  assert.equal(ds[1].message, "Audit 'nothing' names no judge: add `judge NAME` (a judge this spec can see, or the built-in `traits`).");
  assert.deepEqual(ds[1].data, { insertAfterLine: 2, indent: 2 });
});

test('audited judges: unknown names get did-you-mean (traits among them), a generator is no judge, a repeat is a warning', () => {
  const ds = analyze(
    `import "generators.wabi"
audit "a"
  pairs  pairs/film.jsonl
  judge  hsp
  judge  trait
  judge  sdxl
  judge  hps
  judge  hps
  judge  traits
  judge  traits
  judge  nobody-at-all
`,
    PAIRS,
  );
  assert.deepEqual(where(ds), ['unknown-judge@4:10', 'unknown-judge@5:10', 'unknown-judge@6:10', 'duplicate-judge@8:10', 'duplicate-judge@10:10', 'unknown-judge@11:10']);
  assert.deepEqual(ds[0].suggestions, ['hps']);
  assert.deepEqual(ds[1].suggestions, ['traits']);
  assert.equal(ds[2].message, "'sdxl' is a generator, not a judge.");
  assert.equal(ds[3].severity, 'warning');
  assert.equal(ds[3].message, "'hps' is already audited on line 7; it is scored once.");
  assert.equal(ds[4].message, "'traits' is already audited on line 9; it is scored once.");
  assert.match(ds[5].message, /^Unknown judge 'nobody-at-all'\. Known: clip-l, hps, laion, traits\.$/);
});

test('pairs must exist, as a file or a folder; min-accuracy is a share 0..1 or a percentage', () => {
  const ds = analyze(
    `import "generators.wabi"
audit "a"
  pairs         pairs/missing.jsonl
  judge         traits
  min-accuracy  1.5
audit "b"
  pairs         missing-folder
  judge         traits
  min-accuracy  120%
audit "c"
  pairs         bench
  judge         traits
  min-accuracy  most
audit "d"  [clarity_and_focus.film_artifcts]
  pairs         bench
  judge         traits
  min-acuracy   0.5
`,
    PAIRS,
  );
  assert.deepEqual(where(ds), [
    'missing-file@3:17',
    'out-of-range@5:17',
    'missing-file@7:17',
    'out-of-range@9:17',
    'bad-number@13:17',
    'unknown-tag@14:13',
    'unknown-key@17:3',
  ]);
  assert.equal(ds[0].message, "'pairs/missing.jsonl' does not exist (relative to this spec).");
  assert.equal(ds[1].message, "'min-accuracy' must be between 0 and 1 (0% and 100%); got 1.5.");
  assert.equal(ds[3].message, "'min-accuracy' must be between 0 and 1 (0% and 100%); got 120%.");
  assert.equal(ds[4].message, "'most' is not an accuracy: use a share such as 0.8 or 80%.");
  assert.deepEqual(ds[5].suggestions, ['clarity_and_focus.film_artifacts']);
  assert.deepEqual(ds[6].suggestions, ['min-accuracy']);
});

test('duplicate audit names in a file are errors, apart from test names', () => {
  const ds = analyze(
    `import "generators.wabi"
defaults
  generator  sdxl
test "grain"
  prompt  p
audit "grain"
  pairs  bench
  judge  traits
audit "grain"
  pairs  bench
  judge  hps
`,
    PAIRS,
  );
  assert.deepEqual(where(ds), ['duplicate-audit@9:7']);
  assert.equal(ds[0].message, "Another audit is named 'grain' (line 6).");
});

test("a judge block named 'traits' is an error: the name is the built-in judge's", () => {
  const ds = analyze(
    `judge traits
  kind   reward
  model  models/hps.onnx
audit "a"
  pairs  bench
  judge  traits
`,
    PAIRS,
  );
  assert.deepEqual(where(ds), ['reserved-judge-name@1:7']);
  assert.equal(ds[0].message, "'traits' is the name of the built-in intent judge, which audits use without a declaration: give this judge another name.");
});

test('pairs outside the workspace, directly or through a link, are reported and never read', () => {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'wabi-audit-')));
  try {
    const ws = path.join(dir, 'ws');
    fs.mkdirSync(path.join(ws, 'bench'), { recursive: true });
    fs.mkdirSync(path.join(dir, 'outside'));
    fs.writeFileSync(path.join(dir, 'outside', 'pairs.jsonl'), '{}\n');
    fs.writeFileSync(path.join(ws, 'bench', '1_orig.jpg'), 'x');
    fs.symlinkSync(path.join(dir, 'outside'), path.join(ws, 'far'));
    fs.writeFileSync(
      path.join(ws, 'spec.wabi'),
      'audit "a"\n  pairs  ../outside/pairs.jsonl\n  judge  traits\naudit "b"\n  pairs  far\n  judge  traits\naudit "c"\n  pairs  bench\n  judge  traits\n',
    );
    const confined = new SpecWorkspace(confinedHost(nodeHost, () => [ws]), { roots: [ws] });
    const ds = confined.analyze(path.join(ws, 'spec.wabi'))!.diagnostics;
    assert.deepEqual(where([...ds]), ['outside-workspace@2:10', 'outside-workspace@5:10']);
    assert.equal(ds[0].message, "'../outside/pairs.jsonl' is outside the workspace; Wabi reads only files inside it.");
    // On the command line the user chose the files: the same spec is clean.
    assert.deepEqual(where([...new SpecWorkspace(nodeHost, { roots: [ws] }).analyze(path.join(ws, 'spec.wabi'))!.diagnostics]), []);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
