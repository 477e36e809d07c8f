// A run and an audit batch their judge work across tests, seeds and pairs, and the values are those of scoring
// image by image: a spec with five `images` tests asking a CLIP judge, an aesthetic head on it and a reward model
// (real ONNX models, real photographs), run with judge batches of 8 and of 1; the audit project of the audit
// tests scored both ways; a run cancelled while its images wait for company ends at once.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { auditPlanOf, runAudit, type AuditReport } from '../../server/src/audit/session';
import { loadSpecs } from '../../server/src/engine/specs';
import { nodeHost } from '../../server/src/files/host';
import { resolveSpec } from '../../server/src/language/resolve';
import { SpecWorkspace } from '../../server/src/language/workspace';
import { planTests, type TestPlan } from '../../server/src/runner/plan';
import { PERSISTED_HASH_MIN_BYTES, ResultCache } from '../../server/src/runner/resultCache';
import type { RunResult } from '../../server/src/runner/results';
import { runTests, type RunOptions } from '../../server/src/runner/runner';
import { JudgePool } from '../../server/src/scoring/judges/pool';
import { writeAuditProject } from './helpers/auditProject';
import { buildAestheticHead, buildDarknessReward, buildImageEncoder, buildTextEncoder, clipTokenizerJson, padModel, writeFiles } from './helpers/judgeModels';
import { PHOTOS, photoPath } from './helpers/traits';

const TESTS = 5;

const SPEC = `generator local
  kind  files

judge clip-s
  kind         clip
  image-model  models/image.onnx
  text-model   models/text.onnx
  tokenizer    models/tokenizer.json
  size         64

judge laion
  kind     aesthetic
  model    models/aesthetic.onnx
  encoder  clip-s

judge dark
  kind    reward
  model   models/dark.onnx
  size    64
  resize  stretch
  mean    0.5 0.5 0.5
  std     0.5 0.5 0.5

${Array.from(
  { length: TESTS },
  (_, t) => `test "photos ${t}"
  images  img/t${t}-*.png
  pass    1/2
  expect  clip("a photo of a cat") > clip("a rocket on the pad")
  expect  aesthetic(laion) >= 5
  expect  reward(dark) > -0.2
`,
).join('\n')}`;

let dir: string;

before(async () => {
  dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'wabi-judge-run-')));
  fs.mkdirSync(path.join(dir, '.wabi'));
  writeFiles(dir, {
    'spec.wabi': SPEC,
    'models/image.onnx': buildImageEncoder({ size: 64 }).bytes,
    'models/text.onnx': buildTextEncoder().bytes,
    'models/tokenizer.json': clipTokenizerJson(),
    'models/aesthetic.onnx': buildAestheticHead().bytes,
    'models/dark.onnx': buildDarknessReward(64),
  });
  fs.mkdirSync(path.join(dir, 'img'));
  // Two different images per test: photographs, mirrored or tinted per test.
  for (let t = 0; t < TESTS; t++) {
    for (let k = 0; k < 2; k++) {
      const photo = sharp(photoPath(PHOTOS[(t + k) % PHOTOS.length])).resize(128, 96);
      await (t % 2 ? photo.flop() : photo.tint({ r: 40 * t, g: 255 - 30 * t, b: 128 })).png().toFile(path.join(dir, `img/t${t}-${k}.png`));
    }
  }
});

after(() => fs.rmSync(dir, { recursive: true, force: true }));

function plans(): TestPlan[] {
  const ws = new SpecWorkspace(nodeHost, { roots: [dir] });
  const analysis = ws.analyze(path.join(dir, 'spec.wabi'))!;
  assert.deepEqual(analysis.diagnostics.filter((d) => d.severity === 'error'), []);
  return planTests(resolveSpec(analysis));
}

/** A run with its own empty cache, unless `cache` names one to share: judge values are cached, and a run that
 *  found them all would load no model. */
async function run(options: Partial<RunOptions>, logs: string[], cache = fs.mkdtempSync(path.join(dir, '.wabi/cache-'))): Promise<RunResult> {
  const store = await ResultCache.open(cache);
  return runTests(plans(), { store, env: { env: {} }, provider: 'cpu', log: (l) => logs.push(l), ...options });
}

/** The judge models a run opened, from their 'running on' lines. */
const opened = (logs: readonly string[]) =>
  logs
    .map((l) => /\((models\/[\w.]+)\): running on /.exec(l)?.[1])
    .filter((m): m is string => m !== undefined)
    .sort();

/** The "largest" batch a model's closing line reports. */
function largest(logs: readonly string[], model: string): number {
  const line = logs.find((l) => l.includes(`(${model})`) && /items? in \d+ runs?/.test(l));
  assert.ok(line, `no batching line for ${model}:\n${logs.join('\n')}`);
  return Number(/largest (\d+)\)$/.exec(line)![1]);
}

test("a run batches its judges' images across tests, and every value is what image-by-image scoring gives", async () => {
  const batchedLogs: string[] = [];
  // A long gather window: batches fill up to 8 before they leave, whatever the machine's speed.
  const batched = await run({ judgeBatch: 8, judgeGatherMs: 1000 }, batchedLogs);
  const singleLogs: string[] = [];
  const single = await run({ judgeBatch: 1 }, singleLogs);
  assert.equal(batched.complete, true);
  assert.deepEqual(
    batched.tests.map((t) => t.name),
    Array.from({ length: TESTS }, (_, t) => `photos ${t}`),
    'results in plan order',
  );
  for (const [i, t] of batched.tests.entries()) {
    const s = single.tests[i];
    assert.equal(t.verdict, s.verdict, t.name);
    assert.notEqual(t.verdict, 'error', t.reasons.join('; '));
    t.images.forEach((img, k) => {
      const keys = Object.keys(s.images[k].judges);
      assert.equal(keys.length, 4, 'two clip measures, the aesthetic head, the reward model');
      for (const key of keys) assert.ok(Math.abs(img.judges[key] - s.images[k].judges[key]) < 1e-5, `${t.name} image ${k} ${key}: ${img.judges[key]} vs ${s.images[k].judges[key]}`);
    });
  }
  // Each test has 2 images: a batch larger than 2 held images of several tests.
  for (const model of ['models/image.onnx', 'models/aesthetic.onnx', 'models/dark.onnx']) {
    assert.equal(largest(batchedLogs, model), 8, `${model} in batches of 8`);
    assert.equal(largest(singleLogs, model), 1, `${model} one image at a time`);
  }
  // The clip judge embeds each test's images once for both its measures and the aesthetic head.
  assert.match(batchedLogs.find((l) => l.includes('(models/image.onnx)') && /items? in/.test(l))!, new RegExp(`: ${2 * TESTS} items in `));
  // Every test asks the same two texts: each is encoded once, whoever asked first.
  assert.match(batchedLogs.find((l) => l.includes('(models/text.onnx)') && /items? in/.test(l))!, /: 2 items in 1 run /);
  assert.ok(batchedLogs.some((l) => /\(models\/image\.onnx\): running on cpu \(as set\); batches of up to 8$/.test(l)), batchedLogs.join('\n'));
});

test('a second run reads every judge value from the cache and loads no judge model; a changed model is not read from it', async () => {
  const cache = path.join(dir, '.wabi/shared-cache');
  const firstLogs: string[] = [];
  const first = await run({}, firstLogs, cache);
  assert.deepEqual(opened(firstLogs), ['models/aesthetic.onnx', 'models/dark.onnx', 'models/image.onnx', 'models/text.onnx']);
  const againLogs: string[] = [];
  const again = await run({}, againLogs, cache);
  assert.deepEqual(opened(againLogs), [], 'every judge value came from the cache');
  assert.deepEqual(
    again.tests.map((t) => t.images.map((i) => i.judges)),
    first.tests.map((t) => t.images.map((i) => i.judges)),
  );
  assert.deepEqual(
    again.tests.map((t) => t.verdict),
    first.tests.map((t) => t.verdict),
  );
  // Other weights in the image encoder: the clip similarities and the aesthetic head on its embeddings are made
  // again; the reward model's values are still the cached ones.
  const encoder = path.join(dir, 'models/image.onnx');
  const original = fs.readFileSync(encoder);
  fs.writeFileSync(encoder, buildImageEncoder({ size: 64, seed: 7 }).bytes);
  try {
    const changedLogs: string[] = [];
    const changed = await run({}, changedLogs, cache);
    assert.deepEqual(opened(changedLogs), ['models/aesthetic.onnx', 'models/image.onnx', 'models/text.onnx']);
    const key = 'clip("a photo of a cat")';
    assert.notDeepEqual(
      changed.tests.map((t) => t.images.map((i) => i.judges[key])),
      first.tests.map((t) => t.images.map((i) => i.judges[key])),
    );
    assert.deepEqual(
      changed.tests.map((t) => t.images.map((i) => i.judges['reward(dark)'])),
      first.tests.map((t) => t.images.map((i) => i.judges['reward(dark)'])),
    );
  } finally {
    fs.writeFileSync(encoder, original);
  }
});

test('a run cancelled while its images wait for company ends at once, keeping nothing unfinished', async () => {
  const stop = new AbortController();
  const logs: string[] = [];
  let waiting: NodeJS.Timeout | undefined;
  const t0 = performance.now();
  const result = await run(
    {
      judgeBatch: 64,
      judgeGatherMs: 60_000,
      signal: stop.signal,
      onEvent: (e) => {
        // Every test is in flight and its images' scores are in: the judges are what they wait for now.
        if (e.type === 'image-scored' && e.done === e.total) waiting ??= setTimeout(() => stop.abort(), 300);
      },
    },
    logs,
  );
  clearTimeout(waiting);
  const ms = performance.now() - t0;
  assert.equal(stop.signal.aborted, true);
  assert.equal(result.complete, false);
  assert.deepEqual(result.tests, [], 'no test finished: all were waiting for the judges');
  assert.ok(ms < 20_000, `the run took ${ms.toFixed(0)} ms to stop`);
});

test('an audit batches across pairs, with the scores of pair-by-pair scoring', async () => {
  const project = await writeAuditProject(path.join(dir, 'audit'), [0.6, 0.4], [1.8]);
  const spec = loadSpecs([path.join(project.dir, 'judges.wabi')]).specs[0];
  const plan = auditPlanOf({
    name: 'batching',
    spec: spec.path,
    headerRange: { start: { line: 0, character: 0 }, end: { line: 0, character: 5 } },
    range: { start: { line: 0, character: 0 }, end: { line: 0, character: 5 } },
    tags: [],
    pairs: project.pairsFile,
    judges: ['dark', 'clip-s'].map((name) => ({ name, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 5 } }, declaration: spec.judges.get(name) })),
  });
  const audit = async (maxBatch: number, gatherMs: number, logs: string[]): Promise<AuditReport> => {
    const pool = new JudgePool({ provider: 'cpu', maxBatch, gatherMs, log: (l) => logs.push(l) });
    try {
      return await runAudit(plan, { host: nodeHost, pool, intervals: { resamples: 200 } });
    } finally {
      await pool.close();
    }
  };
  const batchedLogs: string[] = [];
  const batched = await audit(8, 1000, batchedLogs);
  const singleLogs: string[] = [];
  const single = await audit(1, 0, singleLogs);
  assert.equal(batched.pairs.length, project.rows.length);
  for (const judge of ['dark', 'clip-s']) {
    batched.scores[judge].forEach((s, i) => {
      const r = single.scores[judge][i]!;
      assert.ok(Math.abs(s!.faithful - r.faithful) < 1e-5 && Math.abs(s!.polished - r.polished) < 1e-5, `${judge} pair ${i}`);
    });
  }
  assert.deepEqual(batched.judges.map((j) => j.accuracy), single.judges.map((j) => j.accuracy));
  // A pair has 2 images: batches of 8 held 4 pairs.
  assert.equal(largest(batchedLogs, 'models/dark.onnx'), 8);
  assert.equal(largest(batchedLogs, 'models/image.onnx'), 8);
  assert.equal(largest(singleLogs, 'models/dark.onnx'), 1);
});

test('a run and an audit record the hashes of large model files in their cache, so the next process does not read the weights again', async () => {
  // Model files of their own: this process's in-memory hashes of the other tests' models would answer first.
  const large = path.join(dir, 'large');
  writeFiles(large, {
    'spec.wabi': `generator local\n  kind  files\n\njudge dark\n  kind   reward\n  model  models/dark.onnx\n  size   64\n\ntest "dark"\n  images  img/*.png\n  expect  reward(dark) > -2\n`,
    'models/dark.onnx': padModel(buildDarknessReward(64), PERSISTED_HASH_MIN_BYTES),
  });
  fs.mkdirSync(path.join(large, 'img'));
  for (const k of [0, 1]) fs.copyFileSync(path.join(dir, `img/t0-${k}.png`), path.join(large, `img/t0-${k}.png`));
  const project = await writeAuditProject(path.join(dir, 'audit-large'), [0.6], []);
  const auditModel = path.join(project.dir, 'models/dark.onnx');
  fs.writeFileSync(auditModel, padModel(fs.readFileSync(auditModel), PERSISTED_HASH_MIN_BYTES));
  // fileHash records only files unchanged for 2 s (a write within the same clock tick could keep their stamp).
  await new Promise((resolve) => setTimeout(resolve, 2100));

  const ws = new SpecWorkspace(nodeHost, { roots: [large] });
  const analysis = ws.analyze(path.join(large, 'spec.wabi'))!;
  assert.deepEqual(analysis.diagnostics.filter((d) => d.severity === 'error'), []);
  const runCache = await ResultCache.open(path.join(large, '.wabi/cache'));
  const result = await runTests(planTests(resolveSpec(analysis)), { store: runCache, env: { env: {} }, provider: 'cpu' });
  assert.equal(result.tests[0]?.verdict, 'pass', JSON.stringify(result.tests[0]));
  assert.equal((await runCache.stats()).hashes, 1, 'the padded model, and none of the small images');

  const spec = loadSpecs([path.join(project.dir, 'judges.wabi')]).specs[0];
  const range = { start: { line: 0, character: 0 }, end: { line: 0, character: 5 } };
  const plan = auditPlanOf({ name: 'large', spec: spec.path, headerRange: range, range, tags: [], pairs: project.pairsFile, judges: [{ name: 'dark', range, declaration: spec.judges.get('dark') }] });
  const auditCache = await ResultCache.open(path.join(project.dir, '.wabi/cache'));
  const pool = new JudgePool({ provider: 'cpu' });
  try {
    const report = await runAudit(plan, { host: nodeHost, pool, store: auditCache, intervals: { resamples: 50 } });
    assert.equal(report.errors.length, 0, JSON.stringify(report.errors));
  } finally {
    await pool.close();
  }
  assert.equal((await auditCache.stats()).hashes, 1);
});
