// Generators side by side, below the command line: the `compare` key of `defaults` in the language service
// (parsing, located diagnostics with did-you-mean, completion, hover, go to definition, resolution), the run's
// plan expansion and its generator look-up, and the leaderboard's figures on hand-made results whose every number
// is worked out here by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { memoryHost } from '../../server/src/files/host';
import { complete } from '../../server/src/language/completion';
import { hover } from '../../server/src/language/hover';
import { definition } from '../../server/src/language/navigation';
import { resolveSpec } from '../../server/src/language/resolve';
import { SpecWorkspace } from '../../server/src/language/workspace';
import { formatDetailed } from '../../server/src/language/formatter';
import { displayPath } from '../../server/src/files/paths';
import { expandCompare } from '../../server/src/engine/compare';
import { ResultStore } from '../../server/src/engine/resultStore';
import { startRun, type RunOutcome, type SessionEvent } from '../../server/src/engine/runSession';
import { testId } from '../../server/src/engine/testId';
import { planTests } from '../../server/src/runner/plan';
import { leaderboard } from '../../server/src/runner/leaderboard';
import { leaderboardLines } from '../../server/src/runner/reporters/leaderboard';
import type { ImageRecord, SeedOutcome, TestResult, Verdict } from '../../server/src/runner/results';
import { testTitle } from '../../server/src/runner/results';
import { bootstrapMeanInterval } from '../../server/src/statistics/intervals';
import { cursor } from './helpers/cursor';
import { expectationAt } from './helpers/expectations';

const ROOT = path.resolve('/ws');
const SPEC = path.join(ROOT, 'spec.wabi');
const GENERATORS = `generator reference
  kind   degrade
  input  a.jpg

generator faint
  kind      degrade
  input     a.jpg
  strength  0.2

generator polisher
  kind  command
  run   node polisher.mjs {input} {out}

generator photos
  kind  files
`;

function workspace(text: string): SpecWorkspace {
  const files = { [path.join(ROOT, 'generators.wabi')]: GENERATORS, [path.join(ROOT, 'a.jpg')]: 'x', [SPEC]: text };
  return new SpecWorkspace(memoryHost(files), { roots: [ROOT] });
}

const TESTS = `
test "grainy"  [clarity_and_focus.film_artifacts]
  prompt    heavy grain
  baseline  a photo
  expect    grain > baseline + 0.2

test "art"
  images  a.jpg
  expect  grain >= 0.1
`;

/** `code@line:col message` of each diagnostic (1-based). */
function diagnostics(text: string): string[] {
  return workspace(text)
    .analyze(SPEC)!
    .diagnostics.map((d) => `${d.code}@${d.range.start.line + 1}:${d.range.start.character + 1} ${d.message}`);
}

// ---------------------------------------------------------------- the language

test('`compare` in defaults: unknown names located with did-you-mean, files generators refused, repeats warned', () => {
  const text = `import "generators.wabi"\ndefaults\n  compare  reference, polsher,photos ,faint, reference\n${TESTS}`;
  assert.deepEqual(diagnostics(text), [
    "unknown-generator@3:23 Unknown generator 'polsher'. Did you mean 'polisher'?",
    "files-compared@3:31 'photos' is a files generator: it scores existing images and makes none, so there is nothing to compare.",
    "duplicate-generator@3:46 'reference' is listed twice; its tests run once.",
  ]);
  const fix = workspace(text).analyze(SPEC)!.diagnostics[0];
  assert.deepEqual(fix.suggestions, ['polisher'], 'the quick fix offers the closest name');
  assert.deepEqual(diagnostics(`import "generators.wabi"\ndefaults\n  compare  a!b, faint\n${TESTS}`), [
    "bad-name@3:12 'a!b' is not a name: list names separated by commas, e.g. base, tuned.",
  ]);
});

test('with `compare` a test needs no generator of its own; `compare` belongs to defaults; degrade needs an input', () => {
  assert.deepEqual(diagnostics(`import "generators.wabi"\ndefaults\n  compare  reference, polisher\n${TESTS}`), []);
  assert.deepEqual(diagnostics(`import "generators.wabi"\ndefaults\n  generator polisher\n${TESTS.replace('prompt    heavy grain', 'compare   faint\n  prompt    heavy grain')}`), [
    "unknown-key@6:3 Unknown setting 'compare'. Expected one of: prompt, negative, baseline, input, strength, images, generator, seeds, size, pass, steps, guidance, aesthetic, expect.",
  ]);
  const noInput = GENERATORS.replace('generator reference\n  kind   degrade\n  input  a.jpg', 'generator reference\n  kind   degrade');
  const files = { [path.join(ROOT, 'generators.wabi')]: noInput, [path.join(ROOT, 'a.jpg')]: 'x', [SPEC]: `import "generators.wabi"\ndefaults\n  compare  polisher, reference\n${TESTS}` };
  const ws = new SpecWorkspace(memoryHost(files), { roots: [ROOT] });
  assert.deepEqual(
    ws.analyze(SPEC)!.diagnostics.map((d) => `${d.code}@${d.range.start.line + 1}`),
    ['degrade-needs-input@5'],
    'a compared degrade generator without an input is refused as the test generator would be',
  );
});

test('completion offers the generators not yet listed after a comma, and no files generator; hover and go to definition name each one', () => {
  const c = cursor(`import "generators.wabi"\ndefaults\n  compare  reference, fa|\n${TESTS}`);
  const ws = workspace(c.text);
  const items = complete(ws, SPEC, c.position);
  assert.deepEqual(items.map((i) => i.label).sort(), ['faint', 'polisher']);
  assert.deepEqual(items[0].range, { start: { line: 2, character: 22 }, end: { line: 2, character: 24 } });
  const first = cursor(`import "generators.wabi"\ndefaults\n  compare  |\n${TESTS}`);
  assert.deepEqual(complete(workspace(first.text), SPEC, first.position).map((i) => i.label).sort(), ['faint', 'polisher', 'reference']);
  const key = cursor(`import "generators.wabi"\ndefaults\n  comp|\n${TESTS}`);
  const offered = complete(workspace(key.text), SPEC, key.position).find((i) => i.label === 'compare');
  assert.match(offered?.documentation ?? '', /leaderboard/);

  const on = cursor(`import "generators.wabi"\ndefaults\n  compare  reference, fa|int\n${TESTS}`);
  const shown = hover(workspace(on.text), SPEC, on.position)!;
  assert.match(shown.contents, /^\*\*faint\*\* · `degrade` generator/);
  assert.deepEqual(shown.range, { start: { line: 2, character: 22 }, end: { line: 2, character: 27 } });
  const target = definition(workspace(on.text), SPEC, on.position);
  assert.deepEqual(target, [{ path: path.join(ROOT, 'generators.wabi'), range: { start: { line: 4, character: 10 }, end: { line: 4, character: 15 } } }]);
  const keyHover = hover(workspace(on.text), SPEC, { line: 2, character: 3 })!;
  assert.match(keyHover.contents, /^\*\*compare\*\* · defaults setting · generator names, separated by commas/);
});

test('resolution: the compared generators in order, the first standing in for a missing generator; images tests compare nothing', () => {
  const text = `import "generators.wabi"\ndefaults\n  compare  faint, reference, faint\n${TESTS}\ntest "own"\n  generator polisher\n  prompt p\n  expect grain >= 0.5\n`;
  const ws = workspace(text);
  const spec = resolveSpec(ws.analyze(SPEC)!, (f) => ws.analyze(f)?.visible);
  const [grainy, art, own] = spec.tests;
  assert.deepEqual(grainy.compare?.map((g) => [g.name, g.kind]), [
    ['faint', 'degrade'],
    ['reference', 'degrade'],
  ]);
  assert.equal(grainy.generator?.name, 'faint', 'a single run (the editor) uses the first compared generator');
  assert.equal(own.generator?.name, 'polisher', "a test's own generator stays its single-run generator");
  assert.deepEqual(own.compare?.map((g) => g.name), ['faint', 'reference']);
  assert.equal(art.compare, undefined);
  assert.deepEqual([...spec.generators.keys()].sort(), ['faint', 'photos', 'polisher', 'reference']);
  assert.equal(spec.generators.get('faint')!.values.strength, 0.2);
  const plain = workspace(`import "generators.wabi"\ndefaults\n  generator reference\n${TESTS}`);
  assert.equal(resolveSpec(plain.analyze(SPEC)!).tests[0].compare, undefined, 'no compare list, no key');
  const formatted = formatDetailed('defaults\n    compare   a ,b,  c\n    seeds 1..2\n', { tabSize: 2 });
  assert.deepEqual(formatted, { text: 'defaults\n  compare  a ,b,  c\n  seeds    1..2\n', outcome: 'formatted' }, 'the formatter aligns the key and keeps the list as written');
});

// ---------------------------------------------------------------- plans and the run's generators

test('a compare run plans each generated test once per generator; names are looked up per spec, with did-you-mean', () => {
  const text = `import "generators.wabi"\ndefaults\n  compare  faint, reference\n${TESTS}`;
  const ws = workspace(text);
  const spec = resolveSpec(ws.analyze(SPEC)!, (f) => ws.analyze(f)?.visible);
  const plans = planTests(spec, undefined, ws.host);
  assert.deepEqual(plans.map((p) => [p.name, p.variant]), [
    ['grainy', undefined],
    ['art', undefined],
  ]);
  const specs = new Map([[SPEC, spec]]);
  const fromSpec = expandCompare(plans, 'spec', specs);
  assert.ok('plans' in fromSpec);
  assert.deepEqual(fromSpec.plans.map((p) => [testTitle(p), p.generator?.name]), [
    ['grainy [faint]', 'faint'],
    ['grainy [reference]', 'reference'],
    ['art', undefined],
  ]);
  const named = expandCompare(plans, ['polisher', 'faint'], specs);
  assert.ok('plans' in named);
  assert.deepEqual(named.plans.map((p) => [p.variant, p.generator?.kind]), [
    ['polisher', 'command'],
    ['faint', 'degrade'],
    [undefined, undefined],
  ]);
  const bad = expandCompare(plans, ['refrence', 'photos', 'faint'], specs);
  assert.ok('problems' in bad);
  assert.deepEqual(bad.problems, [
    { name: 'refrence', spec: SPEC, reason: 'unknown', suggestion: 'reference', known: ['reference', 'faint', 'polisher'] },
    { name: 'photos', spec: SPEC, reason: 'files', known: ['reference', 'faint', 'polisher'] },
  ]);
  // Only specs with a generated test to run need the names: an images test alone asks for none.
  assert.ok('plans' in expandCompare(plans.filter((p) => p.images), ['nothing-here'], specs));
  assert.equal(testId(SPEC, 'grainy', 'faint'), `${SPEC}#grainy [faint]`);
  assert.equal(testId(SPEC, 'grainy'), `${SPEC}#grainy`);
});

test("the engine compares only when asked: the editor's run makes each test once, with the first compared generator", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wabi-compare-engine-'));
  try {
    fs.copyFileSync(path.resolve(__dirname, '../../../test/fixtures/photos/coffee.jpg'), path.join(dir, 'coffee.jpg'));
    const file = path.join(dir, 'spec.wabi');
    fs.writeFileSync(
      file,
      'generator strong\n  kind degrade\n  input coffee.jpg\ngenerator weak\n  kind degrade\n  input coffee.jpg\n  strength 0.05\ndefaults\n  compare  strong, weak\n  size 64x64\ntest "grainy"\n  prompt heavy grain\n  expect grain >= 0.8\n',
    );
    const run = async (compare?: 'spec' | string[]) => {
      const events: SessionEvent[] = [];
      const outcome: RunOutcome = await startRun({ files: [file], cacheDir: path.join(dir, 'cache'), env: { env: {} }, provider: 'cpu', compare, onEvent: (e) => events.push(e) }).outcome;
      return { outcome, events };
    };
    const single = await run();
    assert.equal(single.outcome.status, 'ran');
    const once = (single.outcome as Extract<RunOutcome, { status: 'ran' }>).result.tests;
    assert.deepEqual(once.map((t) => [t.name, t.generator, t.variant]), [['grainy', 'strong', undefined]]);
    assert.equal('requestedTraits' in once[0], false, 'a test that runs once reports as it always did');

    const compared = await run('spec');
    const planned = compared.events.find((e) => e.type === 'run-planned') as Extract<SessionEvent, { type: 'run-planned' }>;
    assert.deepEqual(planned.tests.map((t) => [t.name, t.variant]), [
      ['grainy', 'strong'],
      ['grainy', 'weak'],
    ]);
    assert.deepEqual(compared.events.filter((e) => e.type === 'test-started').map((e) => (e as { variant?: string }).variant), ['strong', 'weak']);
    const results = (compared.outcome as Extract<RunOutcome, { status: 'ran' }>).result.tests;
    assert.deepEqual(results.map((t) => [testTitle(t), t.verdict, t.requestedTraits]), [
      ['grainy [strong]', 'pass', ['grain']],
      ['grainy [weak]', 'fail', ['grain']],
    ]);
    assert.ok(results[0].images.every((i) => i.cached), "the strong generator's images are the single run's");
    const store = new ResultStore(path.join(dir, 'results.json'));
    await store.record(results, 'now');
    assert.deepEqual(store.read().map((t) => t.id), [`${file}#grainy [strong]`, `${file}#grainy [weak]`], 'each generator keeps its own result');

    const bad = await run(['strnog']);
    assert.deepEqual(bad.outcome, { status: 'bad-generators', problems: [{ name: 'strnog', spec: file, reason: 'unknown', suggestion: 'strong', known: ['strong', 'weak'] }] });
    assert.deepEqual(bad.events, [], 'nothing is planned or run');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

// ---------------------------------------------------------------- the leaderboard, by hand

const TRAITS0 = { grain: 0, blur: 0, polish: 0.5 };
const image = (seed: number, role: ImageRecord['role'], traits: Record<string, number>): ImageRecord => ({ seed, role, file: `/cache/${role}-${seed}.png`, cached: false, traits: { ...TRAITS0, ...traits }, judges: {} });
const outcome = (seed: number, passed: boolean, beautified?: boolean): SeedOutcome => ({ seed, value: 0, against: 0, passed, ...(beautified !== undefined ? { beautified } : {}) });

function result(name: string, variant: string | undefined, verdict: Verdict, passed: number, over: Partial<TestResult>): TestResult {
  return {
    name,
    spec: SPEC,
    line: name === 'A' ? 3 : 9,
    tags: [],
    generator: variant,
    ...(variant !== undefined ? { variant } : {}),
    verdict,
    reasons: [],
    passRate: { passed, total: 2, required: 2 },
    expectations: [],
    images: [],
    durationMs: 1,
    ...over,
  };
}

/** Test A asks for grain over its baseline, test B for blur over its input (it has baselines too: the input wins,
 *  as its expectation says). */
function testA(variant: string, verdict: Verdict, passed: number, grain: [number, number, number, number], seeds: SeedOutcome[]): TestResult {
  return result('A', variant, verdict, passed, {
    tags: ['cat.x'],
    requestedTraits: ['grain'],
    expectations: [{ expectation: expectationAt('grain > baseline + 0.1', 3, 2), seeds, passed: seeds.every((s) => s.passed), reason: '' }],
    images: [image(1, 'prompt', { grain: grain[0] }), image(1, 'baseline', { grain: grain[1] }), image(2, 'prompt', { grain: grain[2] }), image(2, 'baseline', { grain: grain[3] })],
  });
}

const RESULTS: TestResult[] = [
  testA('tuned', 'pass', 2, [0.8, 0.3, 0.6, 0.4], [outcome(1, true), outcome(2, true)]),
  result('B', 'tuned', 'beautified', 1, {
    tags: ['cat.x', 'cat.y'],
    requestedTraits: ['blur'],
    expectations: [{ expectation: expectationAt('blur >= input + 0.2', 9, 2), seeds: [outcome(1, true), outcome(2, false, true)], passed: false, reason: '' }],
    images: [image(1, 'prompt', { blur: 0.5 }), image(1, 'baseline', { blur: 0.45 }), image(2, 'prompt', { blur: 0.2 }), image(2, 'baseline', { blur: 0.05 }), image(0, 'input', { blur: 0.1 })],
  }),
  testA('base', 'beautified', 0, [0.3, 0.3, 0.35, 0.4], [outcome(1, false, true), outcome(2, false, true)]),
  result('B', 'base', 'error', 0, { tags: ['cat.x', 'cat.y'], requestedTraits: ['blur'], passRate: { passed: 0, total: 2, required: 0 } }),
  testA('other', 'fail', 0, [0.35, 0.3, 0.4, 0.4], [outcome(1, false, false), outcome(2, false, false)]),
  result('art', undefined, 'pass', 1, { generator: undefined, passRate: { passed: 1, total: 1, required: 1 } }),
];

const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) < 1e-9, `${what}: ${a} vs ${b}`);

test('the leaderboard: pass and beautified rates over seeds with Wilson intervals, rises over the baseline or input, ranks', () => {
  const board = leaderboard(RESULTS)!;
  assert.equal(board.level, 0.95);
  assert.deepEqual(board.rows.map((r) => [r.rank, r.generator]), [
    [1, 'tuned'],
    [2, 'other'], // no seed passed, as for base, but none moved toward polish
    [3, 'base'],
  ]);
  const [tuned, other, base] = board.rows;
  // tuned: A passed both seeds, B one of two (its second moved toward polish): 3 of 4 seeds, 1 beautified.
  assert.deepEqual([tuned.tests, tuned.passed, tuned.beautified, tuned.errors], [2, 1, 1, 0]);
  assert.deepEqual([tuned.passRate.count, tuned.passRate.total, tuned.passRate.rate], [3, 4, 0.75]);
  // Wilson's 95% interval for 3 of 4 (and 1 of 4), as published tables give them.
  assert.ok(Math.abs(tuned.passRate.interval.high - 0.95441) < 1e-4);
  assert.ok(Math.abs(tuned.passRate.interval.low - 0.30064) < 1e-4);
  assert.deepEqual([tuned.beautifiedRate.count, tuned.beautifiedRate.total], [1, 4]);
  assert.ok(Math.abs(tuned.beautifiedRate.interval.low - 0.04559) < 1e-4 && Math.abs(tuned.beautifiedRate.interval.high - 0.69936) < 1e-4);
  // Rises: A's grain over its baseline 0.8-0.3 and 0.6-0.4; B's blur over its input (not its baseline) 0.5-0.1, 0.2-0.1.
  close(tuned.traits.grain.mean, 0.35, 'grain rise');
  close(tuned.traits.blur.mean, 0.25, 'blur rise');
  close(tuned.rise!.mean, 0.3, 'mean rise');
  assert.equal(tuned.rise!.n, 4);
  assert.deepEqual(tuned.rise!.interval, bootstrapMeanInterval([0.8 - 0.3, 0.6 - 0.4, 0.5 - 0.1, 0.2 - 0.1], { level: 0.95 }), 'the seeded bootstrap of exactly these rises');
  assert.ok(tuned.rise!.interval.low >= 0.1 - 1e-12 && tuned.rise!.interval.low <= 0.3 && tuned.rise!.interval.high >= 0.3 && tuned.rise!.interval.high <= 0.5 + 1e-12);
  assert.ok(tuned.rise!.interval.high - tuned.rise!.interval.low > 0.1, 'four different rises give a real interval');
  // base: A failed both seeds toward polish, B ended in an error: 0 of 4 passed, 2 of 4 beautified, grain 0 and -0.05.
  assert.deepEqual([base.passRate.count, base.passRate.total, base.beautifiedRate.count, base.errors], [0, 4, 2, 1]);
  assert.deepEqual(base.passRate.interval.low, 0);
  close(base.rise!.mean, -0.025, 'base rise');
  assert.deepEqual(Object.keys(base.traits), ['grain'], 'the errored test measured nothing');
  assert.deepEqual([other.beautifiedRate.count, other.passRate.count], [0, 0]);
  // Per category: cat.y holds only B.
  assert.deepEqual(Object.keys(tuned.categories), ['cat.x', 'cat.y']);
  const y = tuned.categories['cat.y'];
  assert.deepEqual([y.tests, y.passRate.count, y.passRate.total, y.beautifiedRate.count], [1, 1, 2, 1]);
  close(y.rise!.mean, 0.25, 'cat.y rise');
  close(tuned.categories['cat.x'].rise!.mean, 0.3, 'cat.x rise');
  // Worst tests: the beautified one first, shown at its beautified seed; then A at its lowest-rise seed.
  assert.deepEqual(tuned.worst.map((w) => [w.index, w.seed]), [
    [1, 2],
    [0, 2],
  ]);
  close(tuned.worst[0].rise!, 0.25, 'worst rise');
  assert.deepEqual(base.worst.map((w) => [w.index, w.seed]), [
    [2, 1],
    [3, undefined],
  ]);
  assert.deepEqual(board.excluded, [{ index: 5, reason: 'an images test scores existing files: there is no generator to vary' }]);
  assert.equal(leaderboard(RESULTS.filter((t) => t.variant === undefined)), undefined, 'nothing compared, no board');
});

test('the leaderboard in the terminal: a row per generator, best first, with counts, shares and intervals', () => {
  const lines = leaderboardLines(leaderboard(RESULTS)!, RESULTS);
  assert.equal(lines[0], 'Leaderboard: 3 generators side by side (95% intervals over seeds)');
  assert.match(lines[1], /^ {2}# {2}generator {2}seeds passed +beautified against intent +mean trait rise +tests passed$/);
  assert.match(lines[2], /^ {2}1 {2}tuned +3\/4 75% \[30-95%\] +1\/4 25% \[5-70%\] +\+0\.30 \[\+0\.\d\d, \+0\.\d\d\] +1\/2$/);
  assert.match(lines[4], /^ {2}3 {2}base +0\/4 0% \[0-49%\] +2\/4 50% \[15-85%\] +-0\.03 \[-0\.05, \+0\.00\] +0\/2$/);
  assert.ok(lines.includes('Rise of each requested trait over its baseline:'));
  assert.ok(lines.some((l) => /^ {2}blur +tuned \+0\.25 \[.*\] · other - · base -$/.test(l)), lines.join('\n'));
  assert.ok(lines.some((l) => l.startsWith('  cat.y  tuned 1/2 passed, 1 beautified, rise +0.25 · other - · base 0/2 passed, 0 beautified, rise -')), lines.join('\n'));
  const at = (line: number) => `${displayPath(SPEC)}:${line}`;
  assert.ok(lines.some((l) => l.startsWith(`  tuned  B (${at(10)}) beautified against intent, seed 2; A (${at(4)}) pass, seed 2`)), lines.join('\n'));
  assert.equal(lines[lines.length - 1], `Not on the leaderboard (an images test scores existing files: there is no generator to vary): art (${at(10)})`);
});
