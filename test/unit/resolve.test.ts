// Resolved specs: one rule for what a test runs with, read by hover, the plan and the runner alike. Every key that
// may be set twice takes the later line (the checker's "this one wins"); hover explains the seeds and pass rate a
// run uses; expectations arrive structured; generator settings arrive typed by the catalogue's key schema; a judge's
// encoder is looked up where the judge is declared. And the layering the resolved specs make possible: generation,
// scoring and the runner import neither the parser nor the syntax tree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as os from 'node:os';
import { memoryHost, nodeHost } from '../../server/src/files/host';
import { planTests } from '../../server/src/runner/plan';
import { hover } from '../../server/src/language/hover';
import { documentSymbols } from '../../server/src/language/symbols';
import { resolveSpec } from '../../server/src/language/resolve';
import { SpecWorkspace } from '../../server/src/language/workspace';

const ROOT = '/ws';
const SPEC = path.join(ROOT, 'spec.wabi');

function workspace(files: Record<string, string>): SpecWorkspace {
  return new SpecWorkspace(memoryHost(Object.fromEntries(Object.entries(files).map(([f, t]) => [path.join(ROOT, f), t]))), { roots: [ROOT] });
}

function resolved(text: string, extra: Record<string, string> = {}) {
  const ws = workspace({ 'spec.wabi': text, ...extra });
  const analysis = ws.analyze(SPEC)!;
  return { ws, analysis, spec: resolveSpec(analysis, (f) => ws.analyze(f)?.visible) };
}

const GENERATORS = `generator one
  kind degrade
generator two
  kind degrade
judge j1
  kind reward
  model m1.onnx
judge j2
  kind reward
  model m2.onnx
`;
const FILES = { 'a.jpg': 'x', 'b.jpg': 'x', 'm1.onnx': 'x', 'm2.onnx': 'x' };

// Each key a test or the defaults may set: two values, and what the resolved test reads for each.
const REPEATABLE: ReadonlyArray<{ key: string; first: string; second: string; read: (t: ReturnType<typeof resolved>['spec']['tests'][number]) => unknown; want: unknown; inDefaults: boolean }> = [
  { key: 'generator', first: 'one', second: 'two', read: (t) => t.generator?.name, want: 'two', inDefaults: true },
  { key: 'seeds', first: '1..2', second: '5..9', read: (t) => t.seeds, want: [5, 6, 7, 8, 9], inDefaults: true },
  { key: 'size', first: '512x512', second: '640x384', read: (t) => [t.width, t.height], want: [640, 384], inDefaults: true },
  { key: 'pass', first: '1/2', second: 'all', read: (t) => t.passRatio, want: 1, inDefaults: true },
  { key: 'steps', first: '20', second: '30', read: (t) => t.steps, want: 30, inDefaults: true },
  { key: 'guidance', first: '3', second: '7.5', read: (t) => t.guidance, want: 7.5, inDefaults: true },
  { key: 'aesthetic', first: 'j1', second: 'j2', read: (t) => t.aestheticJudge?.name, want: 'j2', inDefaults: true },
  { key: 'prompt', first: 'first prompt', second: 'second prompt', read: (t) => t.prompt, want: 'second prompt', inDefaults: false },
  { key: 'negative', first: 'first', second: 'second', read: (t) => t.negative, want: 'second', inDefaults: false },
  { key: 'baseline', first: 'a cow', second: 'a horse', read: (t) => t.baseline, want: 'a horse', inDefaults: false },
  { key: 'input', first: 'a.jpg', second: 'b.jpg', read: (t) => t.input, want: path.join(ROOT, 'b.jpg'), inDefaults: false },
  { key: 'strength', first: '0.2', second: '0.7', read: (t) => t.strength, want: 0.7, inDefaults: false },
  { key: 'images', first: 'a.jpg', second: 'b.jpg', read: (t) => t.images, want: 'b.jpg', inDefaults: false },
];

for (const k of REPEATABLE) {
  for (const where of k.inDefaults ? (['test', 'defaults'] as const) : (['test'] as const)) {
    test(`'${k.key}' set twice in ${where === 'test' ? 'a test' : 'the defaults'}: the checker's winner is what the test runs with`, () => {
      const twice = `  ${k.key} ${k.first}\n  ${k.key} ${k.second}\n`;
      const generator = k.key === 'generator' || k.key === 'images' ? '' : '  generator one\n';
      const body = k.key === 'prompt' ? '' : '  prompt p\n';
      const text =
        GENERATORS +
        (where === 'defaults' ? `defaults\n${twice}` : '') +
        `test "t"\n${generator}${body}${where === 'test' ? twice : ''}  expect grain >= 0.5\n`;
      const { analysis, spec } = resolved(text, FILES);
      const dup = analysis.diagnostics.filter((d) => d.code === 'duplicate-key');
      assert.equal(dup.length, 1, JSON.stringify(analysis.diagnostics));
      const winnerLine = text.split('\n').findIndex((l) => l === `  ${k.key} ${k.second}`);
      assert.equal(dup[0].range.start.line, winnerLine, 'the checker says the later line wins');
      assert.match(dup[0].message, /this one wins/);
      assert.deepEqual(k.read(spec.tests[0]), k.want);
    });
  }
}

test('hover on a pass rate explains the seeds the run uses, and marks an overridden line', () => {
  const text = 'generator g\n  kind degrade\ntest "t"\n  generator g\n  prompt p\n  seeds 1..2\n  pass 1/2\n  seeds 5..9\n  expect grain >= 0.5\n';
  const { ws, spec } = resolved(text);
  const t = spec.tests[0];
  assert.deepEqual([t.seeds, t.requiredSeeds], [[5, 6, 7, 8, 9], 3]);
  const passHover = hover(ws, SPEC, { line: 6, character: 8 });
  assert.match(passHover!.contents, /^3 of 5 seeds \(50%\) must meet every expectation\./);
  const firstSeeds = hover(ws, SPEC, { line: 5, character: 9 });
  assert.match(firstSeeds!.contents, /Overridden by line 8: this line has no effect/);
  const lastSeeds = hover(ws, SPEC, { line: 7, character: 9 });
  assert.doesNotMatch(lastSeeds!.contents, /Overridden/);
});

test('a test inherits the defaults, and its own setting wins over them', () => {
  const text = 'generator g\n  kind degrade\ndefaults\n  generator g\n  seeds 1..4\n  pass 3/4\ntest "a"\n  prompt p\n  expect grain >= 0.5\ntest "b"\n  prompt p\n  seeds 1..8\n  expect grain >= 0.5\n';
  const { ws, spec } = resolved(text);
  assert.deepEqual(spec.tests.map((t) => [t.seeds.length, t.requiredSeeds]), [[4, 3], [8, 6]]);
  assert.match(hover(ws, SPEC, { line: 5, character: 8 })!.contents, /^3 of 4 seeds/);
});

test('expectations arrive structured: measure, operator, comparand, text and the line they came from', () => {
  const text =
    'judge c\n  kind clip\n  image-model i.onnx\n  text-model t.onnx\n  tokenizer tok.json\ntest "t"\n  images a.jpg\n' +
    '  expect grain > baseline + 0.3\n  expect blur >= input - 0.05\n  expect clip("a <= b, (c)") >= 0.3\n  expect clip(c, "rotten") > clip(c, "fresh")\n  expect polish < 0.5\n';
  const { spec } = resolved(text, { 'a.jpg': 'x', 'i.onnx': 'x', 't.onnx': 'x', 'tok.json': '{}' });
  const es = spec.tests[0].expectations;
  assert.deepEqual(
    es.map((e) => [e.text, e.op, e.comparandText, e.range.start.line, e.range.start.character]),
    [
      ['grain > baseline + 0.3', '>', 'baseline + 0.3', 7, 2],
      ['blur >= input - 0.05', '>=', 'input - 0.05', 8, 2],
      ['clip("a <= b, (c)") >= 0.3', '>=', '0.3', 9, 2],
      ['clip(c, "rotten") > clip(c, "fresh")', '>', 'clip(c, "fresh")', 10, 2],
      ['polish < 0.5', '<', '0.5', 11, 2],
    ],
  );
  assert.deepEqual(es[0].comparand, { kind: 'relative', ref: 'baseline', margin: 0.3 });
  assert.deepEqual(es[1].comparand, { kind: 'relative', ref: 'input', margin: -0.05 });
  assert.deepEqual(es[2].measure, { kind: 'judge', fn: 'clip', text: 'a <= b, (c)', key: 'clip("a <= b, (c)")' });
  assert.deepEqual(es[3].comparand, { kind: 'measure', measure: { kind: 'judge', fn: 'clip', judge: 'c', text: 'fresh', key: 'clip(c, "fresh")' } });
  assert.deepEqual(spec.tests[0].judgeMeasures.map((m) => m.key), ['clip("a <= b, (c)")', 'clip(c, "rotten")', 'clip(c, "fresh")']);
  assert.equal(spec.tests[0].judges.get('clip:default')?.name, 'c', 'the one clip judge is the default one');
});

test('generator settings arrive typed by the key schema; a value the schema refuses is a located error', () => {
  const text = 'generator g\n  kind comfyui\n  url http://127.0.0.1:8188\n  workflow wf.json\n  timeout 90s\n  retries 3\n  retries 25\n  concurrency 2\ntest "t"\n  generator g\n  prompt p\n  expect grain >= 0.5\n';
  const { analysis, spec } = resolved(text, { 'wf.json': '{}' });
  const range = analysis.diagnostics.find((d) => d.code === 'out-of-range');
  assert.deepEqual(range && [range.range.start.line, range.range.start.character, range.message], [6, 10, "'retries' must be between 0 and 20; got 25."]);
  const g = spec.tests[0].generator!;
  assert.deepEqual(g.values, { kind: 'comfyui', url: ['http://127.0.0.1:8188'], workflow: path.join(ROOT, 'wf.json'), timeout: 90_000, concurrency: 2 });
});

test("a judge's encoder is looked up where the judge is declared, not by bare name across the run", () => {
  const judges = 'judge enc\n  kind clip\n  image-model i.onnx\n  text-model t.onnx\n  tokenizer tok.json\njudge head\n  kind aesthetic\n  model head.onnx\n  encoder enc\n';
  const other = 'judge enc\n  kind clip\n  image-model other.onnx\n  text-model t.onnx\n  tokenizer tok.json\n';
  const text = 'import "judges.wabi"\ntest "t"\n  images a.jpg\n  aesthetic head\n  expect polish < 0.5\n';
  const files = { 'judges.wabi': judges, 'other.wabi': other, 'a.jpg': 'x', 'i.onnx': 'x', 't.onnx': 'x', 'tok.json': '{}', 'head.onnx': 'x', 'other.onnx': 'x' };
  const { spec } = resolved(text, files);
  const head = spec.tests[0].aestheticJudge!;
  assert.equal(head.kind, 'aesthetic');
  assert.equal(head.encoder?.name, 'enc');
  assert.equal(head.encoder?.file, path.join(ROOT, 'judges.wabi'));
  assert.deepEqual(head.encoder?.settings.find((s) => s.key === 'image-model')?.value, { type: 'word', text: 'i.onnx' });
});

test('generation, scoring and the runner import neither the parser nor the syntax tree; reporters import no face', () => {
  const src = path.resolve(__dirname, '../../../server/src');
  const offenders: string[] = [];
  const walk = (dir: string): string[] => fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
  for (const folder of ['generation', 'scoring', 'runner']) {
    for (const file of walk(path.join(src, folder))) {
      const text = fs.readFileSync(file, 'utf8');
      for (const m of text.matchAll(/from '([^']+)'/g)) {
        const target = path.relative(src, path.resolve(path.dirname(file), m[1]));
        const syntax = /^language\/(ast|parser|lexer|analysis|workspace|validate)$/.test(target);
        const face = /^(cli|lsp|engine)\//.test(target);
        if (syntax || face) offenders.push(`${path.relative(src, file)} imports ${target}`);
      }
    }
  }
  assert.deepEqual(offenders, []);
});

test("an images test under a files generator finds its images in the generator's dir", () => {
  const text = 'generator photos\n  kind files\n  dir shots\ntest "real photos"\n  generator photos\n  images *.jpg\n  expect grain >= 0\n';
  const { spec, analysis } = resolved(text, { 'shots/a.jpg': 'x', 'shots/b.jpg': 'x', 'c.jpg': 'x' });
  assert.equal(spec.tests[0].imagesDir, path.join(ROOT, 'shots'));
  assert.deepEqual(analysis.diagnostics.filter((d) => d.code === 'no-matches'), [], 'the checker looks in the same folder');
  const empty = resolved(text.replace('*.jpg', '*.png'), { 'shots/a.jpg': 'x', 'b.png': 'x' }).analysis.diagnostics;
  assert.deepEqual(empty.filter((d) => d.code === 'no-matches').map((d) => [d.code, d.message]), [['no-matches', "No files match '*.png' (relative to the files generator's dir shots)."]]);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wabi-files-dir-'));
  try {
    fs.mkdirSync(path.join(dir, 'shots'));
    for (const f of ['shots/a.jpg', 'shots/b.jpg', 'c.jpg']) fs.writeFileSync(path.join(dir, f), 'x');
    fs.writeFileSync(path.join(dir, 'spec.wabi'), text);
    const onDisk = new SpecWorkspace(nodeHost, { roots: [dir] });
    const [plan] = planTests(resolveSpec(onDisk.analyze(path.join(dir, 'spec.wabi'))!));
    assert.deepEqual(plan.images, [path.join(dir, 'shots/a.jpg'), path.join(dir, 'shots/b.jpg')]);
    assert.deepEqual(plan.seeds, [1, 2]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const plain = resolved('test "here"\n  images *.jpg\n  expect grain >= 0\n', { 'c.jpg': 'x' }).spec.tests[0];
  assert.equal(plain.imagesDir, ROOT, "without one, the spec's folder");
});

test("a generator's kind set twice: the definition, its checks, the resolved generator, hover and the outline all take the later", () => {
  const text = 'generator g\n  kind degrade\n  kind comfyui\n  url http://127.0.0.1:8188\n  workflow wf.json\ntest "t"\n  generator g\n  prompt p\n  expect grain >= 0.5\n';
  const { ws, analysis, spec } = resolved(text, { 'wf.json': '{}' });
  const dup = analysis.diagnostics.filter((d) => d.code === 'duplicate-key');
  assert.deepEqual(dup.map((d) => d.range.start.line), [2]);
  assert.deepEqual(analysis.diagnostics.filter((d) => d.severity === 'error'), [], 'checked as comfyui: url and workflow are its settings, and degrade would need an input');
  assert.equal(analysis.visible.get('g')?.type, 'comfyui');
  assert.equal(spec.tests[0].generator?.kind, 'comfyui');
  assert.match(hover(ws, SPEC, { line: 6, character: 12 })!.contents, /comfyui/);
  assert.equal(documentSymbols(analysis)[0].detail, 'comfyui');
});

// ---- audits ---------------------------------------------------------------------------------------------------

test('an audit resolves to absolute pairs, each judge once with its declaration (none for traits), and its accuracy as a share', () => {
  const judges = 'judge enc\n  kind clip\n  image-model i.onnx\n  text-model t.onnx\n  tokenizer tok.json\njudge head\n  kind aesthetic\n  model head.onnx\n  encoder enc\n';
  const text = `import "shared/judges.wabi"
${GENERATORS}
audit "reward models on grain"  [clarity_and_focus.film_artifacts, color_and_tone]
  pairs         data/film.jsonl
  judge         j2
  judge         traits
  judge         head
  judge         j2
  min-accuracy  0.9
  min-accuracy  80%

audit "folder"
  pairs  bench
  judge  j1
`;
  const files = {
    ...FILES,
    'shared/judges.wabi': judges,
    'shared/i.onnx': 'x',
    'shared/t.onnx': 'x',
    'shared/tok.json': '{}',
    'shared/head.onnx': 'x',
    'data/film.jsonl': '{}\n',
    'bench/1_orig.jpg': 'x',
  };
  const { analysis, spec } = resolved(text, files);
  assert.deepEqual(
    analysis.diagnostics.map((d) => d.code),
    ['duplicate-judge', 'duplicate-key'],
  );
  assert.equal(spec.tests.length, 0);
  assert.equal(spec.audits.length, 2);
  const [a, b] = spec.audits;
  assert.equal(a.name, 'reward models on grain');
  assert.equal(a.spec, SPEC);
  assert.deepEqual(a.tags, ['clarity_and_focus.film_artifacts', 'color_and_tone']);
  assert.deepEqual(a.headerRange, { start: { line: 12, character: 0 }, end: { line: 12, character: 82 } });
  assert.deepEqual(a.range, { start: { line: 12, character: 0 }, end: { line: 19, character: 19 } });
  assert.equal(a.pairs, path.join(ROOT, 'data', 'film.jsonl'));
  assert.equal(a.minAccuracy, 0.8, 'the later line wins, 80% read as 0.8');
  assert.deepEqual(
    a.judges.map((j) => [j.name, j.range.start.line, j.range.start.character, j.declaration?.kind, j.declaration?.file]),
    [
      ['j2', 14, 16, 'reward', SPEC],
      ['traits', 15, 16, undefined, undefined],
      ['head', 16, 16, 'aesthetic', path.join(ROOT, 'shared', 'judges.wabi')],
    ],
  );
  assert.ok(!('declaration' in a.judges[1]), 'the built-in judge has no declaration');
  // The declarations are the spec's judges as tests see them: the aesthetic head comes with its encoder.
  assert.equal(a.judges[2].declaration, spec.judges.get('head'));
  assert.equal(a.judges[2].declaration?.encoder?.name, 'enc');
  assert.equal(b.pairs, path.join(ROOT, 'bench'));
  assert.equal(b.minAccuracy, undefined);
  assert.deepEqual(b.tags, []);
  assert.deepEqual(
    b.judges.map((j) => j.declaration?.settings.find((s) => s.key === 'model')?.value),
    [{ type: 'word', text: 'm1.onnx' }],
  );
});

test('an audit with errors still resolves what it can: no pairs, an unknown judge without a declaration, no accuracy', () => {
  const { analysis, spec } = resolved(`${GENERATORS}audit ""\n  judge nobody\n  judge one\n  min-accuracy 1.5\n`, FILES);
  assert.deepEqual(
    analysis.diagnostics.map((d) => d.code),
    ['missing-pairs', 'unknown-judge', 'unknown-judge', 'out-of-range'],
  );
  assert.deepEqual(
    spec.audits.map((a) => [a.name, a.pairs, a.minAccuracy, a.judges.map((j) => [j.name, j.declaration])]),
    [['', undefined, undefined, [['nobody', undefined], ['one', undefined]]]],
  );
});
