// The runner end to end on real specs and images: the degrade generator makes the images, the real trait model
// scores them, verdicts come out with reasons, events arrive in order, a second run is served from the store, a
// failing generator is an error that says which and where, and cancellation keeps what finished.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { nodeHost } from '../../server/src/files/host';
import { SpecWorkspace } from '../../server/src/language/workspace';
import { ResultCache } from '../../server/src/runner/resultCache';
import { planTests, type TestPlan } from '../../server/src/runner/plan';
import { resolveSpec } from '../../server/src/language/resolve';
import type { RunEvent } from '../../server/src/runner/results';
import { runTests } from '../../server/src/runner/runner';
import { startFakeOpenAI } from './helpers/fakeOpenAI';

const PHOTOS = path.resolve(__dirname, '../../../test/fixtures/photos');
let dir: string;

const SPEC = `generator reference
  kind   degrade
  input  photos/coffee.jpg

generator broken
  kind  command
  run   node fail.js {out}

defaults
  generator  reference
  seeds      1..2
  size       256x256
  pass       all

test "grainy coffee"  [clarity_and_focus.film_artifacts]
  prompt    a cup of coffee, heavy film grain
  baseline  a cup of coffee
  expect    grain >= 0.5
  expect    grain > baseline + 0.3

test "asks for blur, gets nothing"
  prompt    a cup of coffee
  baseline  a cup of coffee
  expect    blur < 0.6
  expect    polish >= baseline - 0.05

test "the generator crashes"
  generator  broken
  prompt     anything
  expect     grain >= 0.5
`;

function plans(): TestPlan[] {
  const ws = new SpecWorkspace(nodeHost, { roots: [dir] });
  const analysis = ws.analyze(path.join(dir, 'spec.wabi'))!;
  assert.deepEqual(analysis.diagnostics.filter((d) => d.severity === 'error'), []);
  return planTests(resolveSpec(analysis));
}

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wabi-runner-'));
  fs.mkdirSync(path.join(dir, 'photos'));
  fs.copyFileSync(path.join(PHOTOS, 'coffee.jpg'), path.join(dir, 'photos/coffee.jpg'));
  fs.writeFileSync(path.join(dir, 'fail.js'), "process.stderr.write('CUDA out of memory\\n'); process.exit(3);\n");
  fs.writeFileSync(path.join(dir, 'spec.wabi'), SPEC);
});

after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('runs specs to verdicts with reasons, reports events in order, and reuses the store on a second run', async () => {
  const store = await ResultCache.open(path.join(dir, '.wabi/cache'));
  const events: RunEvent[] = [];
  const first = await runTests(plans(), { store, env: { env: {} }, provider: 'cpu', onEvent: (e) => events.push(e) });
  assert.equal(first.complete, true);
  assert.deepEqual(
    first.tests.map((t) => [t.name, t.verdict]),
    [
      ['grainy coffee', 'pass'],
      ['asks for blur, gets nothing', 'pass'],
      ['the generator crashes', 'error'],
    ],
  );
  const grainy = first.tests[0];
  assert.equal(grainy.images.length, 4, 'two seeds, prompt and baseline');
  assert.ok(grainy.images.every((i) => !i.cached && fs.existsSync(i.file)));
  const promptImage = grainy.images.find((i) => i.role === 'prompt')!;
  const baselineImage = grainy.images.find((i) => i.role === 'baseline')!;
  assert.ok(promptImage.traits.grain > baselineImage.traits.grain + 0.3, 'the degrade reference applied the grain the test asked for');
  assert.equal(Object.keys(promptImage.traits).length, 17);
  assert.deepEqual(grainy.passRate, { passed: 2, total: 2, required: 2 });

  const crash = first.tests[2];
  assert.equal(crash.reasons.length, 1);
  // Both seeds run at once and both fail; the first failure to arrive is the one reported.
  assert.match(crash.reasons[0], /^generator 'broken' failed for seed [12] \(prompt image\): command: .*exit.* 3/);
  assert.match(crash.reasons[0], /CUDA out of memory/);

  assert.deepEqual(
    events.filter((e) => e.type === 'run-started' || e.type === 'test-finished' || e.type === 'run-finished').map((e) => e.type),
    ['run-started', 'test-finished', 'test-finished', 'test-finished', 'run-finished'],
  );
  const generated = events.filter((e) => e.type === 'image-generated');
  assert.equal(generated.length, 8);
  assert.equal((events[0] as Extract<RunEvent, { type: 'run-started' }>).images, 10);

  const second = await runTests(plans(), { store, env: { env: {} }, provider: 'cpu' });
  assert.deepEqual(
    second.tests.map((t) => t.verdict),
    first.tests.map((t) => t.verdict),
  );
  assert.ok(second.tests[0].images.every((i) => i.cached), 'every finished image comes from the store');
  assert.deepEqual(second.tests[0].images.map((i) => i.traits.grain), grainy.images.map((i) => i.traits.grain));
});

test('a polished result against an anti-aesthetic ask is beautified against intent', async () => {
  // The generator ignores the ask: a degrade generator asked for no traits returns the photo as it is.
  const text = SPEC.replace('expect    blur < 0.6', 'expect    blur >= 0.6').replace('expect    polish >= baseline - 0.05', 'expect    blur > baseline + 0.3');
  fs.writeFileSync(path.join(dir, 'spec.wabi'), text);
  try {
    const store = await ResultCache.open(path.join(dir, '.wabi/cache'));
    const plan = plans()[1];
    // The test asks for blur, but a generator told to apply nothing (the user's model, in effect) returns polish.
    const unfaithful = { ...plan, requestedTraits: [] };
    const result = await runTests([unfaithful], { store, env: { env: {} }, provider: 'cpu' });
    const t = result.tests[0];
    assert.equal(t.verdict, 'beautified');
    assert.match(t.reasons[1], /^asked for blur >= 0.6; got 0\.\d\d \(baseline 0\.\d\d\); polish 0\.\d\d vs baseline 0\.\d\d; seeds 1, 2$/);
  } finally {
    fs.writeFileSync(path.join(dir, 'spec.wabi'), SPEC);
  }
});

test('cancelling stops the run and keeps the tests that finished', async () => {
  const store = await ResultCache.open(path.join(dir, '.wabi/cache-cancel'));
  const controller = new AbortController();
  const result = await runTests(plans(), {
    store,
    env: { env: {} },
    provider: 'cpu',
    signal: controller.signal,
    onEvent: (e) => {
      if (e.type === 'test-finished') controller.abort();
    },
  });
  assert.equal(result.complete, false);
  assert.deepEqual(
    result.tests.map((t) => t.name),
    ['grainy coffee'],
  );
});

test("the baseline is the plain prompt as a user would run it: without the test's anti-aesthetic negative prompt", async () => {
  const sub = fs.mkdtempSync(path.join(dir, 'negative-'));
  fs.copyFileSync(path.join(PHOTOS, 'coffee.jpg'), path.join(sub, 'coffee.jpg'));
  // A command generator that records the prompt and negative it was given, and returns the photo.
  fs.writeFileSync(
    path.join(sub, 'record.js'),
    "const fs = require('fs'); const [prompt, negative, out] = process.argv.slice(2);\n" +
      "fs.appendFileSync(__dirname + '/calls.jsonl', JSON.stringify({ prompt, negative }) + '\\n'); fs.copyFileSync(__dirname + '/coffee.jpg', out);\n",
  );
  fs.writeFileSync(
    path.join(sub, 'spec.wabi'),
    'generator rec\n  kind command\n  run node record.js {prompt} {negative} {out}\ntest "dark"\n  generator rec\n  prompt a dark underexposed kitchen\n  negative bright, well lit\n  baseline a kitchen\n  expect underexposure >= 0\n',
  );
  const ws = new SpecWorkspace(nodeHost, { roots: [sub] });
  const store = await ResultCache.open(path.join(sub, 'cache'));
  const result = await runTests(planTests(resolveSpec(ws.analyze(path.join(sub, 'spec.wabi'))!)), { store, env: { env: {} }, provider: 'cpu' });
  assert.equal(result.tests[0].verdict, 'pass', result.tests[0].reasons.join('; '));
  const calls = fs.readFileSync(path.join(sub, 'calls.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { prompt: string; negative: string });
  assert.deepEqual(calls.sort((a, b) => a.prompt.localeCompare(b.prompt)), [
    { prompt: 'a dark underexposed kitchen', negative: 'bright, well lit' },
    { prompt: 'a kitchen', negative: '' },
  ]);
});

test('the same degrade spec in two checkouts shares one cache: the second finds every image the first made', async () => {
  const store = await ResultCache.open(path.join(dir, '.wabi/cache-checkouts'));
  const checkouts = [0, 1].map(() => fs.mkdtempSync(path.join(dir, 'checkout-')));
  const spec = 'generator ref\n  kind degrade\n  input photos/coffee.jpg\n  strength 0.5\ntest "grainy"\n  generator ref\n  prompt grainy\n  seeds 1..2\n  size 128x128\n  expect grain >= 0\n';
  const results = [];
  for (const c of checkouts) {
    fs.mkdirSync(path.join(c, 'photos'));
    fs.copyFileSync(path.join(PHOTOS, 'coffee.jpg'), path.join(c, 'photos/coffee.jpg'));
    fs.writeFileSync(path.join(c, 'spec.wabi'), spec);
    const ws = new SpecWorkspace(nodeHost, { roots: [c] });
    results.push(await runTests(planTests(resolveSpec(ws.analyze(path.join(c, 'spec.wabi'))!)), { store, env: { env: {} }, provider: 'cpu' }));
  }
  assert.deepEqual(results[0].tests[0].images.map((i) => i.cached), [false, false]);
  assert.deepEqual(results[1].tests[0].images.map((i) => i.cached), [true, true], 'the second checkout made no image again');
  assert.deepEqual(results[1].tests[0].images.map((i) => i.key), results[0].tests[0].images.map((i) => i.key));
});

test('a failing images test names the files, not seeds; generated tests carry the texts their images came from', async () => {
  const sub = fs.mkdtempSync(path.join(dir, 'images-'));
  fs.mkdirSync(path.join(sub, 'photos'));
  for (const f of ['coffee.jpg', 'rocket.jpg']) fs.copyFileSync(path.join(PHOTOS, f), path.join(sub, 'photos', f));
  fs.writeFileSync(path.join(sub, 'spec.wabi'), 'test "real photos"\n  images photos/*.jpg\n  expect grain >= 0.99\n');
  const ws = new SpecWorkspace(nodeHost, { roots: [sub] });
  const store = await ResultCache.open(path.join(sub, 'cache'));
  const result = await runTests(planTests(resolveSpec(ws.analyze(path.join(sub, 'spec.wabi'))!)), { store, env: { env: {} }, provider: 'cpu' });
  const t = result.tests[0];
  assert.equal(t.verdict, 'fail');
  assert.match(t.reasons[1], /; images photos\/coffee\.jpg, photos\/rocket\.jpg$/);
  assert.equal(t.prompt, undefined);
  const generated = await runTests(plans().slice(0, 1), { store, env: { env: {} }, provider: 'cpu' });
  assert.deepEqual([generated.tests[0].prompt, generated.tests[0].negative, generated.tests[0].baseline], ['a cup of coffee, heavy film grain', undefined, 'a cup of coffee']);
});

test('a damaged image in the store is dropped and made again, with a warning: truncated, or the same size but undecodable', async () => {
  const cacheDir = path.join(dir, '.wabi/cache-damaged');
  const store = await ResultCache.open(cacheDir);
  const only = plans().slice(0, 1);
  const first = await runTests(only, { store, env: { env: {} }, provider: 'cpu' });
  assert.equal(first.tests[0].verdict, 'pass');
  const images = first.tests[0].images.filter((i) => i.role === 'prompt').map((i) => i.file);
  // One image cut short, one overwritten with noise of the same length: both unreadable as images.
  fs.truncateSync(images[0], 1000);
  fs.writeFileSync(images[1], Buffer.alloc(fs.statSync(images[1]).size, 0x5a));
  const logs: string[] = [];
  const second = await runTests(only, { store, env: { env: {} }, provider: 'cpu', log: (l) => logs.push(l) });
  assert.equal(second.tests[0].verdict, 'pass', second.tests[0].reasons.join('; '));
  assert.ok(logs.some((l) => /damaged/.test(l) && /made again/.test(l)), logs.join('\n'));
  const third = await runTests(only, { store, env: { env: {} }, provider: 'cpu' });
  assert.equal(third.tests[0].verdict, 'pass');
  assert.ok(third.tests[0].images.every((i) => i.cached), 'the remade images are stored');
});

test("when one of a test's images fails, the test's other generations stop at once: no request or process outlives it", async () => {
  const sub = fs.mkdtempSync(path.join(dir, 'stop-'));
  // Seed 1 fails at once; seed 2 would take 20 s and then leave a mark.
  fs.writeFileSync(
    path.join(sub, 'gen.js'),
    "const [seed, out] = process.argv.slice(2);\n" +
      "if (seed === '1') { process.stderr.write('boom\\n'); process.exit(2); }\n" +
      "setTimeout(() => { require('fs').writeFileSync(__dirname + '/finished-' + seed, 'x'); process.exit(1); }, 20000);\n",
  );
  fs.writeFileSync(path.join(sub, 'spec.wabi'), 'generator g\n  kind command\n  run node gen.js {seed} {out}\ntest "t"\n  generator g\n  seeds 1..2\n  prompt p\n  expect grain >= 0.5\n');
  const ws = new SpecWorkspace(nodeHost, { roots: [sub] });
  const store = await ResultCache.open(path.join(sub, 'cache'));
  const t0 = Date.now();
  const result = await runTests(planTests(resolveSpec(ws.analyze(path.join(sub, 'spec.wabi'))!)), { store, env: { env: {} }, provider: 'cpu', concurrency: 2 });
  const took = Date.now() - t0;
  assert.equal(result.tests[0].verdict, 'error');
  assert.match(result.tests[0].reasons[0], /seed 1/);
  assert.ok(took < 10_000, `the run ended ${took} ms after it started, not when the slow generation would have`);
  await new Promise((r) => setTimeout(r, 300));
  assert.ok(!fs.readdirSync(sub).some((f) => f.startsWith('finished-')), 'the slow generation was stopped');
});

test('a run that ends sends nothing more: against a server that always answers 500, no request, retry or key after the result', async () => {
  const server = await startFakeOpenAI({ apiKey: 'sk-test-1234567890abcdef' });
  try {
    server.fail(...Array.from({ length: 200 }, () => ({ kind: 'status' as const, status: 500 })));
    const sub = fs.mkdtempSync(path.join(dir, 'http-'));
    fs.writeFileSync(
      path.join(sub, 'spec.wabi'),
      `generator api\n  kind openai\n  url ${server.url}/v1\n  model gpt-image-1\n  retries 3\n  timeout 5s\ntest "a"\n  generator api\n  seeds 1..4\n  size 1024x1024\n  prompt p\n  baseline b\n  expect grain >= 0.5\n`,
    );
    const ws = new SpecWorkspace(nodeHost, { roots: [sub] });
    const store = await ResultCache.open(path.join(sub, 'cache'));
    const result = await runTests(planTests(resolveSpec(ws.analyze(path.join(sub, 'spec.wabi'))!)), {
      store,
      env: { env: { OPENAI_API_KEY: 'sk-test-1234567890abcdef' } },
      provider: 'cpu',
      concurrency: 4,
    });
    assert.equal(result.tests[0].verdict, 'error');
    // A request the client had already written when the run ended can reach the server's handler a moment later
    // on a loaded machine (seen at load 8: 14 against 13); let those land, then nothing more may come. A leaked
    // retry timer or generation (27 requests after the result before the fix) still shows in the 2.5 s after.
    await new Promise((r) => setTimeout(r, 250));
    const atEnd = server.generations.length;
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal(server.generations.length, atEnd, 'no request after the run returned');
  } finally {
    await server.close();
  }
});
