// Sharded runs: the split (`wabi run --shard i/n`) is the same on every machine and balanced by images, blobs keep
// every result exactly, and `wabi merge-reports` gives the JSON, JUnit and exit code of the unsharded run, or a
// clear error naming the files when the blobs do not make one run. The end-to-end tests run real CLI processes on
// a small spec with the `degrade` generator, as CI machines would.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { TestPlan } from '../../server/src/runner/plan';
import type { RunResult, TestResult } from '../../server/src/runner/results';
import { blobReport, blobTests } from '../../server/src/runner/reporters/blob';
import { mergeBlobs, readBlob, MergeError } from '../../server/src/runner/reporters/merge';
import { htmlReport } from '../../server/src/runner/reporters/html';
import { jsonReportObject } from '../../server/src/runner/reporters/json';
import { endpointLines } from '../../server/src/runner/reporters/progress';
import { assignShards, parseShard, planImages, selectShard } from '../../server/src/runner/shards';
import { mulberry32 } from '../../server/src/statistics/random';

const REPO = path.resolve(__dirname, '../../..');
const CLI = path.join(REPO, 'dist/cli.js');

// ---- the split -------------------------------------------------------------------------------------------------

test('--shard i/n is read 1-based, and anything else is refused with what was expected', () => {
  assert.deepEqual(parseShard('2/4'), { index: 2, total: 4 });
  assert.deepEqual(parseShard(' 1 / 1 '), { index: 1, total: 1 });
  assert.throws(() => parseShard('0/4'), /--shard 0\/4: shards are numbered from 1 to 4/);
  assert.throws(() => parseShard('5/4'), /--shard 5\/4: shards are numbered from 1 to 4/);
  assert.throws(() => parseShard('1/0'), /the number of shards must be from 1 to/);
  assert.throws(() => parseShard('two/4'), /--shard must be i\/n with whole numbers, such as 2\/4/);
  assert.throws(() => parseShard('1/2/3'), /--shard must be i\/n/);
});

test('the split depends only on ids and weights: any input order gives each test the same shard', () => {
  const u = mulberry32(7);
  const items = Array.from({ length: 500 }, (_, i) => ({ id: `specs/s${i % 7}.wabi#test ${i}`, weight: 1 + Math.floor(u() * 8) }));
  const shardOf = (list: typeof items) => {
    const assigned = assignShards(list, 6);
    return new Map(list.map((item, i) => [item.id, assigned[i]]));
  };
  const first = shardOf(items);
  const shuffled = [...items];
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = Math.floor(u() * (i + 1));
    [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
  }
  assert.deepEqual(shardOf(shuffled), first);
  assert.deepEqual(shardOf([...items].reverse()), first);
  assert.ok([...first.values()].every((s) => Number.isInteger(s) && s >= 0 && s < 6));
});

test('shards are balanced by images: the fullest holds at most the average plus one test, and 4/3 of the best split', () => {
  const u = mulberry32(11);
  for (const [count, shards] of [
    [2000, 4],
    [37, 5],
    [9, 4],
    [3, 8],
  ] as const) {
    const items = Array.from({ length: count }, (_, i) => ({ id: `t${i}`, weight: 1 + Math.floor(u() * 16) }));
    const assigned = assignShards(items, shards);
    const loads = new Array<number>(shards).fill(0);
    assigned.forEach((s, i) => (loads[s] += items[i].weight));
    const total = items.reduce((a, b) => a + b.weight, 0);
    const heaviest = Math.max(...items.map((i) => i.weight));
    const fullest = Math.max(...loads);
    assert.ok(fullest <= total / shards + heaviest, `${count} tests on ${shards}: ${loads.join(', ')}`);
    // No split can do better than the average or the heaviest test.
    assert.ok(fullest <= (4 / 3) * Math.max(total / shards, heaviest), `${count} tests on ${shards}: ${loads.join(', ')}`);
  }
  // One test of 8 images and eight of 1 on two shards: the heavy one alone, the eight together (a split by count
  // would give one shard 12 images and the other 4).
  const weights = [8, 1, 1, 1, 1, 1, 1, 1, 1];
  const split = assignShards(weights.map((weight, i) => ({ id: `t${i}`, weight })), 2);
  const loads = [0, 0];
  split.forEach((s, i) => (loads[s] += weights[i]));
  assert.deepEqual(loads, [8, 8]);
});

function plan(name: string, spec: string, seeds: number[], extra: Partial<TestPlan> = {}): TestPlan {
  return {
    name,
    spec,
    seeds,
    requiredSeeds: seeds.length,
    prompt: `${name} prompt`,
    width: 64,
    height: 64,
    expectations: [],
    ...extra,
  } as unknown as TestPlan;
}

test('the shards of a selection cover it once, in its order, and share a fingerprint that names the selection', () => {
  const plans = Array.from({ length: 12 }, (_, i) => plan(`t${i}`, `/ws/specs/${i % 3}.wabi`, [1, 2, 3].slice(0, 1 + (i % 3)), i % 4 === 0 ? { baseline: 'a photo' } : {}));
  assert.equal(planImages(plans[0]), 2, 'one seed with a baseline: two images');
  assert.equal(planImages(plans[2]), 3);
  const id = (p: TestPlan) => `${path.basename(p.spec)}#${p.name}`;
  const parts = [1, 2, 3].map((index) => selectShard(plans, { index, total: 3 }, id));
  const positions = parts.flatMap((p) => p.shard.positions);
  assert.deepEqual([...positions].sort((a, b) => a - b), plans.map((_, i) => i), 'every test once');
  for (const p of parts) {
    assert.deepEqual(p.shard.positions, [...p.shard.positions].sort((a, b) => a - b), 'a shard runs in the selection order');
    assert.deepEqual(p.plans, p.shard.positions.map((i) => plans[i]));
    assert.equal(p.shard.selected, 12);
    assert.equal(p.shard.fingerprint, parts[0].shard.fingerprint);
  }
  const loads = parts.map((p) => p.plans.reduce((n, q) => n + planImages(q), 0));
  assert.ok(Math.max(...loads) - Math.min(...loads) <= 3, `images per shard: ${loads.join(', ')}`);
  const other = (changed: TestPlan[], total = 3) => selectShard(changed, { index: 1, total }, id).shard.fingerprint;
  assert.notEqual(other(plans.map((p, i) => (i === 5 ? { ...p, seeds: [9] } : p))), parts[0].shard.fingerprint, 'other seeds: another run');
  assert.notEqual(other(plans, 4), parts[0].shard.fingerprint, 'another number of shards: another run');
  assert.notEqual(other(plans.slice(1)), parts[0].shard.fingerprint, 'another filter: another run');
});

// ---- blobs -----------------------------------------------------------------------------------------------------

function result(tests: TestResult[], shard: { index: number; total: number; positions: number[]; selected?: number; fingerprint?: string }): RunResult {
  return {
    startedAt: '2026-05-01T10:00:00.000Z',
    finishedAt: '2026-05-01T10:00:10.000Z',
    complete: true,
    tests,
    summary: { passed: tests.length, failed: 0, beautified: 0, errors: 0, images: 1, cachedImages: 0, durationMs: 10_000 },
    timings: { generateMs: 4000, scoreMs: 3000 },
    shard: { index: shard.index, total: shard.total, positions: shard.positions, selected: shard.selected ?? 3, fingerprint: shard.fingerprint ?? 'f'.repeat(64) },
  };
}

function testResult(name: string, extra: Partial<TestResult> = {}): TestResult {
  return {
    name,
    spec: path.join(os.tmpdir(), 'ws', 'specs', 'a.wabi'),
    line: 3,
    tags: [],
    generator: undefined,
    verdict: 'pass',
    reasons: [],
    passRate: { passed: 1, total: 1, required: 1 },
    expectations: [],
    images: [{ seed: 1, role: 'prompt', file: path.join(os.tmpdir(), 'ws', '.wabi', 'cache', 'images', 'ab', 'ab.png'), cached: false, traits: { grain: 0.5, blur: NaN, tilt: undefined as unknown as number }, judges: { 'reward(hps)': Infinity }, key: 'ab'.repeat(32) }],
    durationMs: 1234,
    ...extra,
  };
}

test('a blob keeps every result exactly (NaN, Infinity, absent scores) with paths relative to where the shard ran', () => {
  const ran = result([testResult('a')], { index: 1, total: 1, positions: [0], selected: 1 });
  const text = blobReport(ran, { relativeTo: path.join(os.tmpdir(), 'ws'), wabi: '9.9.9', host: 'ci-1' });
  const parsed = JSON.parse(text) as { tests: Array<{ spec: string; images: Array<{ file: string; key: string }> }> };
  assert.equal(parsed.tests[0].spec, 'specs/a.wabi');
  assert.equal(parsed.tests[0].images[0].file, '.wabi/cache/images/ab/ab.png');
  assert.equal(parsed.tests[0].images[0].key, 'ab'.repeat(32), 'the image cache key travels with the result');
  const blob = readBlob(text, 'a.json');
  assert.deepEqual([blob.wabi, blob.host, blob.shard, blob.selected], ['9.9.9', 'ci-1', { index: 1, total: 1 }, 1]);
  // Read back from another checkout's folder, the paths point into it; every value comes back as it was.
  const elsewhere = path.join(os.tmpdir(), 'other', 'ws');
  const back = blobTests(blob, elsewhere)[0];
  const expected = testResult('a', {
    spec: path.join(elsewhere, 'specs', 'a.wabi'),
    images: [{ ...testResult('a').images[0], file: path.join(elsewhere, '.wabi', 'cache', 'images', 'ab', 'ab.png') }],
  });
  assert.deepEqual(back, expected);
  assert.ok(Object.hasOwn(back.images[0].traits, 'tilt') && Number.isNaN(back.images[0].traits.blur));
});

test("endpoints' figures travel in blobs and are joined per endpoint: images, failures and pauses summed, the median of every image", async () => {
  const ws = path.join(os.tmpdir(), 'ws');
  const figures = (images: number, seconds: number[], failures = 0, outOfRotationMs = 0, endpoint = 'http://gpu-1:8188') => ({
    generator: 'sdxl',
    endpoint,
    concurrency: 2,
    images,
    failures,
    seconds,
    outOfRotationMs,
  });
  const shard = (index: number, positions: number[], endpoints: ReturnType<typeof figures>[]) =>
    readBlob(blobReport({ ...result(positions.map((p) => testResult(`t${p}`)), { index, total: 2, positions, selected: 2 }), endpoints }, { relativeTo: ws }), `b${index}.json`);
  const merged = mergeBlobs(
    [
      { name: 'b1.json', blob: shard(1, [0], [figures(3, [1, 2, 9]), figures(0, [], 2, 4000, 'http://gpu-2:8188')]) },
      { name: 'b2.json', blob: shard(2, [1], [figures(2, [3, 4], 1, 500)]) },
    ],
    ws,
  );
  assert.deepEqual(merged.endpoints, [figures(5, [1, 2, 9, 3, 4], 1, 500), figures(0, [], 2, 4000, 'http://gpu-2:8188')]);
  const json = jsonReportObject(merged, { relativeTo: ws });
  assert.deepEqual(json.endpoints, [
    { generator: 'sdxl', endpoint: 'http://gpu-1:8188', concurrency: 2, images: 5, failures: 1, meanSeconds: 3.8, medianSeconds: 3, outOfRotationMs: 500 },
    { generator: 'sdxl', endpoint: 'http://gpu-2:8188', concurrency: 2, images: 0, failures: 2, meanSeconds: null, medianSeconds: null, outOfRotationMs: 4000 },
  ]);
  assert.deepEqual(endpointLines(merged.endpoints!), [
    'endpoint sdxl http://gpu-1:8188 (2 at once): 5 images, 1 failure; 3.80s mean, 3.00s median per image; out of rotation 500ms',
    'endpoint sdxl http://gpu-2:8188 (2 at once): 0 images, 2 failures; out of rotation 4.0s',
  ]);
  const html = await htmlReport(merged, { relativeTo: ws });
  assert.match(html, /<h2 id="endpoints" class="plain">Endpoints<\/h2><p class="meta">[^<]*every shard's joined\.<\/p>/);
  assert.match(html, /<tr><td>sdxl<\/td><td><code>http:\/\/gpu-1:8188<\/code><\/td><td class="n">2<\/td><td class="n">5<\/td><td class="n">1<\/td><td class="n">3\.80 s<\/td><td class="n">3\.00 s<\/td><td class="n">500ms<\/td><\/tr>/);
  // A run without server generators has no such section, and a blob without it merges as before.
  const plain = mergeBlobs([{ name: 'b1.json', blob: shard(1, [0], []) }, { name: 'b2.json', blob: shard(2, [1], []) }], ws);
  assert.equal(plain.endpoints, undefined);
  assert.equal(jsonReportObject(plain, { relativeTo: ws }).endpoints, undefined);
  assert.throws(() => readBlob(JSON.stringify({ ...JSON.parse(blobReport(result([], { index: 1, total: 1, positions: [] }), { relativeTo: ws })), endpoints: [{ endpoint: 1 }] }), 'x.json'), /x\.json: a damaged blob/);
});

test('merging refuses blobs that do not make one run, naming the files', () => {
  const ws = path.join(os.tmpdir(), 'ws');
  const blob = (index: number, positions: number[], extra: { wabi?: string; fingerprint?: string; total?: number } = {}) =>
    readBlob(
      blobReport(result(positions.map((p) => testResult(`t${p}`)), { index, total: extra.total ?? 3, positions, fingerprint: extra.fingerprint }), { relativeTo: ws, wabi: extra.wabi ?? '1.0.0', host: `h${index}` }),
      `b${index}.json`,
    );
  const files = (...blobs: ReturnType<typeof blob>[]) => blobs.map((b, i) => ({ name: `shard-${i + 1}/wabi-blob.json`, blob: b }));
  const merged = mergeBlobs(files(blob(2, [1]), blob(1, [0, 2]), blob(3, [])), ws);
  assert.deepEqual(merged.tests.map((t) => t.name), ['t0', 't1', 't2'], 'tests in the order of the selection');
  assert.deepEqual(merged.shards?.map((s) => [s.index, s.host]), [[1, 'h1'], [2, 'h2'], [3, 'h3']]);
  assert.deepEqual(merged.timings, { generateMs: 12_000, scoreMs: 9000 });

  const refused = (list: ReturnType<typeof files>, pattern: RegExp) => assert.throws(() => mergeBlobs(list, ws), (e: Error) => e instanceof MergeError && pattern.test(e.message));
  refused(files(blob(1, [0, 2]), blob(3, [])), /^missing shard 2\/3 \(wabi-blob-2-of-3\.json\); found 1\/3 in shard-1\/wabi-blob\.json, 3\/3 in shard-2\/wabi-blob\.json$/);
  refused(files(blob(1, [0, 2]), blob(2, [1]), blob(2, [1])), /^shard 2\/3 is given twice: shard-2\/wabi-blob\.json and shard-3\/wabi-blob\.json$/);
  refused(files(blob(1, [0, 2]), blob(2, [1], { wabi: '1.1.0' }), blob(3, [])), /^the blobs were run by different Wabi versions: wabi 1\.0\.0: shard-1\/wabi-blob\.json, shard-3\/wabi-blob\.json; wabi 1\.1\.0: shard-2\/wabi-blob\.json$/);
  refused(files(blob(1, [0, 2]), blob(2, [1], { fingerprint: 'e'.repeat(64) }), blob(3, [])), /^the blobs are from different runs .*: fingerprint ffffffffffff: shard-1\/wabi-blob\.json, shard-3\/wabi-blob\.json; fingerprint eeeeeeeeeeee: shard-2/);
  refused(files(blob(1, [0, 2]), blob(2, [1], { total: 2 })), /split the run into different numbers of shards/);
  refused(files(blob(1, [0, 1]), blob(2, [1]), blob(3, [2])), /^test 2 of the selection is in two shards: shard-1\/wabi-blob\.json and shard-2\/wabi-blob\.json$/);

  assert.throws(() => readBlob('{"schema":"wabi-run-report","version":1}', 'out/wabi-report.json'), /out\/wabi-report\.json: not a Wabi blob/);
  assert.throws(() => readBlob('{"schema":"wabi-run-blob","version":2}', 'new.json'), /new\.json: blob version 2, written by a newer Wabi; this Wabi reads version 1/);
  assert.throws(() => readBlob('{"schema":"wabi-run-blob"', 'cut.json'), /cut\.json: not JSON/);
  assert.throws(() => readBlob('{"schema":"wabi-run-blob","version":1,"shard":{"index":1,"total":1}}', 'bare.json'), /bare\.json: a damaged blob/);
});

// ---- the CLI, end to end ---------------------------------------------------------------------------------------

const GENERATORS = `generator strong
  kind     degrade
  input    ../coffee.jpg
generator weak
  kind     degrade
  input    ../coffee.jpg
  strength 0.05
`;

const COWS = `import "generators.wabi"
defaults
  generator strong
  size      64x64
test "grainy"
  prompt heavy grain
  seeds  1..3
  expect grain >= 0.5
test "faint grain"
  generator weak
  prompt    heavy grain
  seeds     1..2
  expect    grain >= 0.8
test "blurry"
  prompt   very blurry
  baseline a photo
  expect   blur > baseline + 0.2
test "dark"
  prompt underexposed
  seeds  1..2
  expect underexposure >= 0.5
`;

const FIELDS = `import "generators.wabi"
defaults
  generator strong
  size      64x64
test "faded"
  prompt   washed out, low contrast
  baseline a photo
  seeds    1..2
  expect   low-contrast > baseline + 0.1
test "vignette"
  prompt heavy vignette
  expect vignette >= 0.4
test "pixels"
  generator weak
  prompt    pixelated
  expect    pixelation >= 0.7
`;

function workspace(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wabi-shard-'));
  fs.copyFileSync(path.join(REPO, 'test/fixtures/photos/coffee.jpg'), path.join(dir, 'coffee.jpg'));
  fs.mkdirSync(path.join(dir, 'specs'));
  fs.mkdirSync(path.join(dir, '.wabi')); // the project folder: the specs read the photo beside their folder
  fs.writeFileSync(path.join(dir, 'specs/generators.wabi'), GENERATORS);
  fs.writeFileSync(path.join(dir, 'specs/cows.wabi'), COWS);
  fs.writeFileSync(path.join(dir, 'specs/fields.wabi'), FIELDS);
  return dir;
}

function wabi(cwd: string, args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', timeout: 120_000, env: { ...process.env, CI: 'true', GITHUB_ACTIONS: '' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface ReportTest {
  name: string;
  spec: string;
  verdict: string;
  durationMs: number;
  images: Array<{ file: string; cached: boolean }>;
}

/** The JSON report's tests without what differs between any two runs (durations) or caches: the folder of an image
 *  (its file name is its cache key, kept) and whether it was found there (the unsharded run finds the baseline two
 *  tests share; shards with caches of their own each make it). */
function comparable(file: string): unknown {
  const report = JSON.parse(fs.readFileSync(file, 'utf8')) as { complete: boolean; summary: Record<string, number>; tests: ReportTest[] };
  const { durationMs: _d, cachedImages: _c, ...summary } = report.summary;
  return {
    complete: report.complete,
    summary,
    tests: report.tests.map(({ durationMs: _t, ...t }) => ({ ...t, images: t.images.map(({ cached: _k, ...i }) => ({ ...i, file: path.basename(i.file) })) })),
  };
}

/** JUnit without times and timestamps. */
const junit = (file: string) => fs.readFileSync(file, 'utf8').replace(/ (time|timestamp)="[^"]*"/g, '');

test('three shards and a merge give the JSON, JUnit and exit code of one unsharded run', () => {
  const dir = workspace();
  try {
    const whole = wabi(dir, ['run', 'specs', '--provider', 'cpu', '--cache', 'cache-all', '--reporter', 'json,junit', '--out', 'whole']);
    assert.equal(whole.code, 1, whole.stderr);
    const verdicts = (JSON.parse(fs.readFileSync(path.join(dir, 'whole/wabi-report.json'), 'utf8')) as { tests: ReportTest[] }).tests.map((t) => t.verdict);
    assert.ok(verdicts.includes('pass') && verdicts.some((v) => v === 'fail' || v === 'beautified'), `a mixed run: ${verdicts.join(', ')}`);

    // Each shard on its own "machine", with its own cache.
    const ran = [1, 2, 3].map((i) => wabi(dir, ['run', 'specs', '--provider', 'cpu', '--shard', `${i}/3`, '--cache', `cache-${i}`, '--reporter', 'blob', '--out', `blobs/${i}`]));
    const counts = ran.map((r, i) => {
      assert.ok(r.code === 0 || r.code === 1, r.stderr);
      const m = new RegExp(`shard ${i + 1}/3: (\\d+) of the 7 tests selected`).exec(r.stderr);
      assert.ok(m, r.stderr);
      return Number(m[1]);
    });
    assert.equal(counts.reduce((a, b) => a + b, 0), 7);
    assert.ok(counts.every((n) => n >= 1), `every shard has work: ${counts.join(', ')}`);

    const merged = wabi(dir, ['merge-reports', 'blobs', '--reporter', 'json,junit,html', '--out', 'merged']);
    assert.equal(merged.code, whole.code, merged.stderr);
    assert.deepEqual(comparable(path.join(dir, 'merged/wabi-report.json')), comparable(path.join(dir, 'whole/wabi-report.json')));
    assert.equal(junit(path.join(dir, 'merged/wabi-junit.xml')), junit(path.join(dir, 'whole/wabi-junit.xml')));
    for (const i of [1, 2, 3]) assert.match(merged.stderr, new RegExp(`^shard ${i}/3  \\S+  \\d+ tests?: \\d+ passed, .* images? \\(0 cached\\) in \\S+ \\(generating \\S+, scoring \\S+\\)$`, 'm'));
    // The same verdicts as the unsharded run's (which may reuse an image it made twice; separate shards cannot).
    const summary = (stderr: string) => /^7 tests: [^;]*; 15 images/m.exec(stderr)?.[0];
    assert.ok(summary(whole.stderr), whole.stderr);
    assert.equal(summary(merged.stderr), summary(whole.stderr), merged.stderr);
    const shards = (JSON.parse(fs.readFileSync(path.join(dir, 'merged/wabi-report.json'), 'utf8')) as { shards: Array<{ index: number; tests: number }> }).shards;
    assert.deepEqual(shards.map((s) => [s.index, s.tests]), counts.map((n, i) => [i + 1, n]));
    const html = fs.readFileSync(path.join(dir, 'merged/wabi-report.html'), 'utf8');
    assert.match(html, /<h2 id="shards" class="plain">Shards<\/h2>/);
    assert.equal((html.match(/<tr><th scope="row">\d\/3<\/th>/g) ?? []).length, 3, 'a row per shard');
    assert.doesNotMatch(html, /image unavailable/, 'the images are found from the merge folder');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('merge-reports refuses mixed runs, duplicate and missing shards with the files named; --shard is checked first', () => {
  const dir = workspace();
  try {
    // Shard 2 runs in a copy of the checkout at another path, from inside its specs folder: the split and the
    // fingerprint do not depend on where the files lie or where the command runs.
    const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), 'wabi-shard-copy-'));
    try {
      fs.cpSync(dir, elsewhere, { recursive: true });
      assert.notEqual(wabi(dir, ['run', 'specs', '--provider', 'cpu', '--shard', '1/2', '--reporter', 'blob', '--out', 'blobs/1']).code, 2);
      assert.notEqual(wabi(path.join(elsewhere, 'specs'), ['run', '.', '--provider', 'cpu', '--shard', '2/2', '--reporter', 'blob', '--out', '../blobs/2']).code, 2);
      fs.cpSync(path.join(elsewhere, 'blobs/2'), path.join(dir, 'blobs/2'), { recursive: true });
    } finally {
      fs.rmSync(elsewhere, { recursive: true, force: true });
    }
    const missing = wabi(dir, ['merge-reports', 'blobs/1']);
    assert.equal(missing.code, 2);
    assert.equal(missing.stderr, 'wabi: merge-reports: missing shard 2/2 (wabi-blob-2-of-2.json); found 1/2 in blobs/1/wabi-blob-1-of-2.json\n');
    fs.mkdirSync(path.join(dir, 'again'));
    fs.copyFileSync(path.join(dir, 'blobs/2/wabi-blob-2-of-2.json'), path.join(dir, 'again/wabi-blob-2-of-2.json'));
    const twice = wabi(dir, ['merge-reports', 'blobs', 'again']);
    assert.equal(twice.code, 2);
    assert.match(twice.stderr, /^wabi: merge-reports: shard 2\/2 is given twice: again\/wabi-blob-2-of-2\.json and blobs\/2\/wabi-blob-2-of-2\.json$/m);
    const otherSeeds = wabi(dir, ['run', 'specs', '--provider', 'cpu', '--shard', '2/2', '--seeds', '4', '--reporter', 'blob', '--out', 'other']);
    assert.notEqual(otherSeeds.code, 2, otherSeeds.stderr);
    const mixed = wabi(dir, ['merge-reports', 'blobs/1', 'other']);
    assert.equal(mixed.code, 2);
    assert.match(mixed.stderr, /the blobs are from different runs \(their specs, filter, seeds or generators differ\): fingerprint [0-9a-f]{12}: blobs\/1\/wabi-blob-1-of-2\.json; fingerprint [0-9a-f]{12}: other\/wabi-blob-2-of-2\.json/);
    assert.equal(wabi(dir, ['merge-reports', 'blobs']).code, 1, 'the two shards of one run merge (some tests fail)');
    const none = wabi(dir, ['merge-reports', 'specs']);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /^wabi: merge-reports: no blobs \(wabi-blob-\*\.json\) in 'specs'/);

    for (const bad of ['0/2', '3/2', '2', 'a/b']) {
      const r = wabi(dir, ['run', 'specs', '--shard', bad, '--cache', 'never']);
      assert.equal(r.code, 2, bad);
      assert.match(r.stderr, /^wabi: --shard/);
    }
    assert.ok(!fs.existsSync(path.join(dir, 'never')), 'a bad --shard runs nothing');
    const empty = wabi(dir, ['run', 'specs/fields.wabi', '--filter', 'vignette', '--provider', 'cpu', '--shard', '2/2', '--reporter', 'blob', '--out', 'empty']);
    assert.equal(empty.code, 0, empty.stderr);
    assert.match(empty.stderr, /shard 2\/2: none of the 1 test selected fell to this shard; nothing ran/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("the GitHub Actions example's commands, run here for each shard of its matrix and then merged, give the unsharded run's verdicts", () => {
  const workflow = fs.readFileSync(path.join(REPO, 'docs/ci/wabi-sharded.yml'), 'utf8');
  const shards = /^\s+shard: \[([\d, ]+)\]$/m.exec(workflow)![1].split(',').map((s) => Number(s.trim()));
  const shardCommand = /^\s+run: npx wabi (run .*--reporter blob.*)$/m.exec(workflow)![1];
  const mergeCommand = /^\s+run: npx wabi (merge-reports .*)$/m.exec(workflow)![1];
  assert.match(shardCommand, /--shard \$\{\{ matrix\.shard \}\}\/\$\{\{ strategy\.job-total \}\}/);
  const args = (command: string, shard?: number) =>
    command
      .replace('${{ matrix.shard }}', String(shard))
      .replace('${{ strategy.job-total }}', String(shards.length))
      .replace(/ \|\| \[ \$\? -eq 1 \]$/, '')
      .split(' ');
  const dir = workspace();
  try {
    // The machines share the default cache folder here; the report job finds the images where the shards left them,
    // as it does once it has downloaded their artifacts into .wabi/cache/images.
    for (const i of shards) {
      const r = wabi(dir, [...args(shardCommand, i), '--provider', 'cpu']);
      assert.ok(r.code === 0 || r.code === 1, `shard ${i}: ${r.stderr}`);
      assert.match(r.stderr, new RegExp(`shard ${i}/${shards.length}: `));
    }
    const blobs = /--out (\S+)/.exec(shardCommand)![1];
    assert.deepEqual(fs.readdirSync(path.join(dir, blobs)).sort(), shards.map((i) => `wabi-blob-${i}-of-${shards.length}.json`));
    const merged = wabi(dir, args(mergeCommand));
    const out = /--out (\S+)/.exec(mergeCommand)![1];
    const whole = wabi(dir, ['run', '--provider', 'cpu', '--cache', 'fresh', '--reporter', 'json,junit', '--out', 'whole']);
    assert.equal(merged.code, whole.code, merged.stderr);
    const verdicts = (file: string) => (JSON.parse(fs.readFileSync(file, 'utf8')) as { tests: ReportTest[] }).tests.map((t) => [t.spec, t.name, t.verdict]);
    assert.deepEqual(verdicts(path.join(dir, out, 'wabi-report.json')), verdicts(path.join(dir, 'whole/wabi-report.json')));
    assert.equal(junit(path.join(dir, out, 'wabi-junit.xml')), junit(path.join(dir, 'whole/wabi-junit.xml')));
    assert.doesNotMatch(fs.readFileSync(path.join(dir, out, 'wabi-report.html'), 'utf8'), /image unavailable/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
