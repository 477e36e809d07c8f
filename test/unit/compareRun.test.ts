// Generators side by side as a user runs them: `wabi run --generator a,b` and a `compare` list, in child processes
// on a real photograph, with two "checkpoints" that behave differently: the `degrade` reference, which honours the
// requested traits, and a `command` generator that polishes whatever it is asked for (as examples/models/
// polisher.mjs does). The leaderboard must rank them apart, and its figures must be those of the per-test results;
// adding a third checkpoint makes only that checkpoint's images; unknown names are usage errors or located
// diagnostics.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const REPO = path.resolve(__dirname, '../../..');
const CLI = path.join(REPO, 'dist/cli.js');

const POLISHER = `// Whatever the prompt asks, the input comes back polished: contrast stretched, colours boosted, sharpened.
import sharp from 'sharp';
const [input, out, width, height] = process.argv.slice(2);
await sharp(input).resize(Number(width), Number(height), { fit: 'cover' }).normalise().modulate({ saturation: 1.35 }).sharpen({ sigma: 1.2 }).png().toFile(out);
`;

const GENERATORS = `generator honest
  kind      degrade
  strength  0.6

generator faint
  kind      degrade
  strength  0.25

generator polisher
  kind  command
  run   node polisher.mjs {input} {out} {width} {height}

generator photos
  kind  files
`;

const TESTS = `
test "grainy coffee"  [clarity_and_focus.film_artifacts]
  input     coffee.jpg
  prompt    the same coffee on expired film, heavy grain
  baseline  the same coffee
  expect    grain > baseline + 0.1

test "murky coffee"  [lighting_and_exposure.low_contrast_oppressive]
  input     coffee.jpg
  prompt    the same coffee, murky and flat, low contrast
  expect    low-contrast >= input + 0.1

test "the photo as it is"
  images  coffee.jpg
  expect  polish >= 0.1
`;

const spec = (defaults: string) => `${GENERATORS}\ndefaults\n${defaults}  size  128x128\n  seeds  1..3\n${TESTS}`;

let dir: string;

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wabi-compare-'));
  fs.copyFileSync(path.join(REPO, 'test/fixtures/photos/coffee.jpg'), path.join(dir, 'coffee.jpg'));
  fs.writeFileSync(path.join(dir, 'polisher.mjs'), POLISHER);
  // The polisher imports sharp: resolve it from this repository.
  fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(dir, 'node_modules'));
  fs.mkdirSync(path.join(dir, '.wabi'));
  fs.writeFileSync(path.join(dir, 'spec.wabi'), spec('  generator  honest\n'));
});

after(() => fs.rmSync(dir, { recursive: true, force: true }));

function wabi(args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: dir, encoding: 'utf8', timeout: 240_000, env: { ...process.env, CI: 'true' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface Rate {
  count: number;
  total: number;
  rate: number;
  low: number;
  high: number;
}
interface MeanJson {
  mean: number;
  n: number;
  low: number;
  high: number;
}
interface Figures {
  tests: number;
  passed: number;
  beautified: number;
  errors: number;
  passRate: Rate;
  beautifiedRate: Rate;
  meanRise: MeanJson | null;
  traits: Record<string, MeanJson>;
}
interface Row extends Figures {
  rank: number;
  generator: string;
  categories: Record<string, Figures>;
  worst: { test: string; spec: string; line: number; verdict: string; seed: number | null; rise: number | null }[];
}
interface JsonTest {
  name: string;
  line: number;
  tags: string[];
  generator: string | null;
  variant?: string;
  verdict: string;
  passRate: { passed: number; total: number };
  expectations: { text: string; seeds: { seed: number; passed: boolean; beautified: boolean | null }[] }[];
  images: { seed: number; role: string; cached: boolean; traits: Record<string, number> }[];
}
interface Report {
  tests: JsonTest[];
  leaderboard?: { level: number; generators: Row[]; excluded: { test: string; reason: string }[] };
}

const report = (out: string) => JSON.parse(fs.readFileSync(path.join(dir, out, 'wabi-report.json'), 'utf8')) as Report;

/** The figures of some results, worked out again here from what each test reports. */
function byHand(tests: readonly JsonTest[]) {
  const seeds = tests.reduce((n, t) => n + t.passRate.total, 0);
  const passed = tests.reduce((n, t) => n + t.passRate.passed, 0);
  const beautified = tests.reduce((n, t) => n + new Set(t.expectations.flatMap((e) => e.seeds.filter((s) => !s.passed && s.beautified === true).map((s) => s.seed))).size, 0);
  const rises: Record<string, number[]> = {};
  for (const t of tests) {
    // grainy coffee compares grain with its baseline, murky coffee low-contrast with its input.
    const trait = t.name === 'grainy coffee' ? 'grain' : 'low-contrast';
    for (const p of t.images.filter((i) => i.role === 'prompt')) {
      const ref = t.name === 'grainy coffee' ? t.images.find((i) => i.role === 'baseline' && i.seed === p.seed)! : t.images.find((i) => i.role === 'input')!;
      (rises[trait] ??= []).push(p.traits[trait] - ref.traits[trait]);
    }
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return { seeds, passed, beautified, rises, all: Object.values(rises).flat(), mean };
}

function assertFigures(f: Figures, tests: readonly JsonTest[], what: string): void {
  const h = byHand(tests);
  assert.deepEqual([f.tests, f.passRate.count, f.passRate.total, f.beautifiedRate.count, f.beautifiedRate.total], [tests.length, h.passed, h.seeds, h.beautified, h.seeds], what);
  assert.equal(f.passed, tests.filter((t) => t.verdict === 'pass').length, what);
  assert.equal(f.beautified, tests.filter((t) => t.verdict === 'beautified').length, what);
  assert.ok(Math.abs(f.meanRise!.mean - h.mean(h.all)) < 1e-9, `${what}: mean rise ${f.meanRise!.mean} vs ${h.mean(h.all)}`);
  assert.equal(f.meanRise!.n, h.all.length);
  for (const [trait, values] of Object.entries(h.rises)) assert.ok(Math.abs(f.traits[trait].mean - h.mean(values)) < 1e-9, `${what}: ${trait}`);
  for (const r of [f.passRate, f.beautifiedRate]) {
    assert.ok(0 <= r.low && r.low <= r.rate && r.rate <= r.high && r.high <= 1, `${what}: ordered rate bounds ${JSON.stringify(r)}`);
    assert.ok(r.high - r.low > 0.2, `${what}: a handful of seeds gives a wide interval`);
  }
  const m = f.meanRise!;
  assert.ok(m.low <= m.mean + 1e-12 && m.mean <= m.high + 1e-12, `${what}: ordered mean bounds ${JSON.stringify(m)}`);
}

test('wabi run --generator a,b: a result per test and generator, and a leaderboard that ranks the honest generator above the polishing one', () => {
  const r = wabi(['run', 'spec.wabi', '--generator', 'honest,polisher', '--reporter', 'json,html,junit', '--out', 'r1', '--cache', 'cache', '--provider', 'cpu']);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /^PASS {2}spec\.wabi:21 {2}grainy coffee \[honest\]$/m);
  assert.match(r.stderr, /^BEAUTIFIED {2}spec\.wabi:21 {2}grainy coffee \[polisher\] {2}\(/m);
  assert.match(r.stderr, /^PASS {2}spec\.wabi:32 {2}the photo as it is$/m);
  assert.match(r.stderr, /^5 tests: /m);

  const out = r.stdout.split('\n');
  assert.equal(out[0], 'Leaderboard: 2 generators side by side (95% intervals over seeds)');
  assert.match(out[2], /^ {2}1 {2}honest +6\/6 100% \[61-100%\] +0\/6 0% \[0-39%\] +\+\d\.\d\d \[/);
  assert.match(out[3], /^ {2}2 {2}polisher +0\/6 0% \[0-39%\] +[1-6]\/6 /);
  assert.ok(out.includes('Not on the leaderboard (an images test scores existing files: there is no generator to vary): the photo as it is (spec.wabi:32)'), r.stdout);

  const { tests, leaderboard } = report('r1');
  assert.deepEqual(tests.map((t) => [t.name, t.variant ?? null, t.generator]), [
    ['grainy coffee', 'honest', 'honest'],
    ['grainy coffee', 'polisher', 'polisher'],
    ['murky coffee', 'honest', 'honest'],
    ['murky coffee', 'polisher', 'polisher'],
    ['the photo as it is', null, null],
  ]);
  assert.ok(leaderboard);
  assert.equal(leaderboard.level, 0.95);
  const [honest, polisher] = leaderboard.generators;
  assert.deepEqual([honest.rank, honest.generator, polisher.rank, polisher.generator], [1, 'honest', 2, 'polisher']);
  for (const row of leaderboard.generators) {
    const mine = tests.filter((t) => t.variant === row.generator);
    assertFigures(row, mine, row.generator);
    for (const [tag, f] of Object.entries(row.categories)) assertFigures(f, mine.filter((t) => t.tags.includes(tag)), `${row.generator} ${tag}`);
    assert.deepEqual(Object.keys(row.categories), ['clarity_and_focus.film_artifacts', 'lighting_and_exposure.low_contrast_oppressive']);
  }
  // Told apart: the honest reference meets every expectation and moves toward the traits; the polisher meets none.
  assert.equal(honest.passRate.rate, 1);
  assert.ok(Math.abs(honest.passRate.low - 6 / (6 + 1.959964 ** 2)) < 1e-4, 'Wilson 6 of 6: n / (n + z²)');
  assert.equal(polisher.passRate.rate, 0);
  assert.equal(polisher.beautifiedRate.count, 3, 'the grain test moved toward polish on every seed');
  assert.ok(honest.meanRise!.mean > polisher.meanRise!.mean + 0.2, `${honest.meanRise!.mean} vs ${polisher.meanRise!.mean}`);
  assert.deepEqual(polisher.worst.map((w) => [w.test, w.verdict, w.seed]), [
    ['grainy coffee', 'beautified', 1],
    ['murky coffee', 'fail', 1],
  ]);
  assert.deepEqual(leaderboard.excluded.map((x) => x.test), ['the photo as it is']);

  const junit = fs.readFileSync(path.join(dir, 'r1/wabi-junit.xml'), 'utf8');
  assert.deepEqual([...junit.matchAll(/<testcase [^>]*name="([^"]*)"/g)].map((m) => m[1]), [
    'grainy coffee [honest]',
    'grainy coffee [polisher]',
    'murky coffee [honest]',
    'murky coffee [polisher]',
    'the photo as it is',
  ]);

  // HTML: a row per generator, best first; each worst test a link to its card, with the images to look at.
  const html = fs.readFileSync(path.join(dir, 'r1/wabi-report.html'), 'utf8');
  assert.ok(html.indexOf('<h2 id="leaderboard"') < html.indexOf('<h2 id="index"'), 'the leaderboard opens the report');
  assert.deepEqual([...html.matchAll(/<tr id="board-([^"]+)">/g)].map((m) => m[1]), ['honest', 'polisher']);
  const polisherRow = html.slice(html.indexOf('<tr id="board-polisher">'), html.indexOf('</tr>', html.indexOf('<tr id="board-polisher">')));
  const links = [...polisherRow.matchAll(/<a href="#(t\d+)">/g)].map((m) => m[1]);
  assert.equal(links.length, 2);
  for (const id of links) assert.match(html, new RegExp(`<article class="test [a-z]+" id="${id}"[^>]*>.*?<h3 id="${id}-h">.*?\\[polisher\\]</span>`));
  assert.equal((polisherRow.match(/<img src="data:image\/jpeg;base64,/g) ?? []).length, 4, 'each worst test shows its prompt image beside its baseline or input');
});

test('adding a checkpoint makes only its images: a rerun with --generator a,b,c after a,b reuses a and b', () => {
  const first = wabi(['run', 'spec.wabi', '--generator', 'honest,polisher', '--reporter', 'json', '--out', 'r2a', '--cache', 'cache2', '--provider', 'cpu']);
  assert.equal(first.code, 1, first.stderr);
  const r = wabi(['run', 'spec.wabi', '--generator', 'honest,polisher,faint', '--reporter', 'json', '--out', 'r2', '--cache', 'cache2', '--provider', 'cpu']);
  assert.equal(r.code, 1, r.stderr);
  const { tests, leaderboard } = report('r2');
  const generated = (variant: string) => tests.filter((t) => t.variant === variant).flatMap((t) => t.images.filter((i) => i.role !== 'input'));
  for (const v of ['honest', 'polisher']) assert.ok(generated(v).length === 9 && generated(v).every((i) => i.cached), `${v}'s images all come from the cache`);
  assert.ok(generated('faint').length === 9 && generated('faint').every((i) => !i.cached), "faint's images are all made now");
  assert.match(r.stderr, /; 34 images \(18 cached\) in /, "faint's nine new images, the six inputs and the images test's file are not from the cache");
  assert.deepEqual(leaderboard?.generators.map((g) => g.generator).sort(), ['faint', 'honest', 'polisher']);
  // The cache holds exactly nine more image entries than after the first run.
  const entries = (root: string) => fs.readdirSync(path.join(dir, root, 'images'), { recursive: true }).filter((f) => String(f).endsWith('.json')).length;
  assert.equal(entries('cache2'), 27);
});

test('a `compare` list in defaults runs the same comparison; names it cannot use are located diagnostics; --generator names usage errors', () => {
  fs.writeFileSync(path.join(dir, 'compared.wabi'), spec('  compare  honest, polisher\n'));
  const check = wabi(['check', 'compared.wabi']);
  assert.equal(check.code, 0, check.stdout + check.stderr);
  const r = wabi(['run', 'compared.wabi', '--reporter', 'json', '--out', 'r3', '--cache', 'cache', '--provider', 'cpu']);
  assert.equal(r.code, 1, r.stderr);
  const viaSpec = report('r3').leaderboard!;
  const viaFlag = report('r1').leaderboard!;
  const strip = (rows: Row[]) => rows.map((row) => ({ ...row, worst: row.worst.map((w) => ({ ...w, spec: '' })) }));
  assert.deepEqual(strip(viaSpec.generators), strip(viaFlag.generators), 'the same images, the same figures');
  assert.ok(report('r3').tests.filter((t) => t.variant).every((t) => t.images.every((i) => i.role === 'input' || i.cached)));

  fs.writeFileSync(path.join(dir, 'bad.wabi'), spec('  compare  honest, polishr\n'));
  const bad = wabi(['check', 'bad.wabi']);
  assert.equal(bad.code, 1);
  assert.equal(bad.stdout, "bad.wabi:17:20 error Unknown generator 'polishr'. Did you mean 'polisher'? [unknown-generator]\n");
  const badRun = wabi(['run', 'bad.wabi', '--cache', 'cache-bad', '--provider', 'cpu']);
  assert.equal(badRun.code, 2);
  assert.match(badRun.stderr, /^bad\.wabi:17:20 error Unknown generator 'polishr'\. Did you mean 'polisher'\? \[unknown-generator\]$/m);

  const unknown = wabi(['run', 'spec.wabi', '--generator', 'honset,polisher', '--cache', 'cache-usage', '--provider', 'cpu']);
  assert.equal(unknown.code, 2);
  assert.equal(unknown.stderr, "wabi: --generator: unknown generator 'honset' in spec.wabi; did you mean 'honest'?\n");
  assert.equal(unknown.stdout, '');
  const files = wabi(['run', 'spec.wabi', '--generator', 'photos', '--cache', 'cache-usage', '--provider', 'cpu']);
  assert.equal(files.code, 2);
  assert.match(files.stderr, /--generator: 'photos' is a files generator in spec\.wabi: it scores existing images and makes none/);
  const far = wabi(['run', 'spec.wabi', '--generator', 'zzzzzzzz', '--cache', 'cache-usage', '--provider', 'cpu']);
  assert.match(far.stderr, /unknown generator 'zzzzzzzz' in spec\.wabi; it can use honest, faint, polisher\.\n$/);
  const empty = wabi(['run', 'spec.wabi', '--generator', ',', '--cache', 'cache-usage']);
  assert.equal(empty.code, 2);
  assert.match(empty.stderr, /^wabi: --generator needs at least one generator name/);
  assert.equal(fs.existsSync(path.join(dir, 'cache-usage')), false, 'nothing ran, nothing was cached');
  assert.equal(fs.existsSync(path.join(dir, 'cache-bad')), false);
});
