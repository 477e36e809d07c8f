// The pool end to end, as a CI matrix would run it: three ComfyUI servers (real HTTP + WebSocket on 127.0.0.1,
// ComfyUI's protocol), four `wabi run --shard i/4 --reporter blob` processes at once sharing one cache folder, one
// server killed while it is running a prompt, then `wabi merge-reports`. The merged verdicts are those of one
// unsharded run against one healthy server; every image was made once (what the servers delivered adds up to the
// distinct images of the run, and the prompt the dead server lost was made again elsewhere); no result is lost.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FakeComfyUI } from './helpers/fakeComfyUI';

const REPO = path.resolve(__dirname, '../../..');
const CLI = path.join(REPO, 'dist/cli.js');

const generators = (urls: readonly string[]) =>
  `generator sdxl\n  kind      comfyui\n  workflow  ../sdxl.json\n  timeout   30s\n  retries   1\n${urls.map((u) => `  url       ${u}\n`).join('')}`;

// Flat colours (the fake's images) hold no grain and no blur: the first asks pass, the grain asks fail. Tests share
// baseline prompts, so shards on one cache meet the same images.
const COWS = `import "generators.wabi"
defaults
  generator sdxl
  seeds     1..3
  size      64x64
  steps     4
test "flat cow"
  prompt   a flat cow
  baseline a cow
  expect   grain < 0.3
test "grainy cow"
  prompt   a cow on grainy film
  baseline a cow
  expect   grain >= 0.6
test "grainier cow"
  prompt   a cow on very grainy film
  baseline a cow
  expect   grain > baseline + 0.3
test "quiet field"
  prompt   an empty field
  expect   grain < 0.3
`;

const FIELDS = `import "generators.wabi"
defaults
  generator sdxl
  seeds     1..4
  size      64x64
  steps     4
test "misty field"
  prompt   a misty field
  baseline a field
  expect   grain < 0.3
test "grainy field"
  prompt   a field on grainy film
  baseline a field
  expect   grain >= 0.6
test "still lake"
  prompt   a still lake
  expect   grain < 0.3
test "grainy lake"
  prompt   a lake, heavy grain
  baseline a lake
  expect   grain >= 0.6
`;

interface Ran {
  readonly code: number | null;
  readonly stderr: string;
}

/** A CLI process that does not block this one, so the servers here keep answering it. */
function wabi(cwd: string, args: readonly string[]): Promise<Ran> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, CI: 'true', GITHUB_ACTIONS: '' }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 240_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

interface Report {
  complete: boolean;
  tests: Array<{ spec: string; name: string; verdict: string; reasons: string[]; images: Array<{ file: string; key?: string; role: string }> }>;
  endpoints?: Array<{ endpoint: string; images: number; failures: number; outOfRotationMs: number; medianSeconds: number | null }>;
}

const readReport = (file: string) => JSON.parse(fs.readFileSync(file, 'utf8')) as Report;

/** The sha256 of every image of a report's tests, sorted. */
function contents(r: Report, dir: string): string[] {
  return r.tests
    .flatMap((t) => t.images.map((i) => createHash('sha256').update(fs.readFileSync(path.resolve(dir, i.file))).digest('hex')))
    .sort();
}

/** Each generated image's cache key: the file name in the cache. */
const keysOf = (r: Report) => new Set(r.tests.flatMap((t) => t.images.filter((i) => i.role !== 'input').map((i) => path.basename(i.file))));

test('four shards on one cache against a pool of three ComfyUI servers, one killed mid-run: the verdicts of one healthy run, every image made once', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wabi-pool-shards-'));
  const healthy = await new FakeComfyUI().start();
  const pool = await Promise.all([0, 1, 2].map(() => new FakeComfyUI().start()));
  try {
    fs.mkdirSync(path.join(dir, '.wabi'));
    fs.mkdirSync(path.join(dir, 'specs'));
    fs.copyFileSync(path.join(REPO, 'examples/workflows/sdxl-api.json'), path.join(dir, 'sdxl.json'));
    fs.writeFileSync(path.join(dir, 'specs/cows.wabi'), COWS);
    fs.writeFileSync(path.join(dir, 'specs/fields.wabi'), FIELDS);
    for (const s of [healthy, ...pool]) s.stepDelayMs = 25;

    // One machine, one healthy server.
    fs.writeFileSync(path.join(dir, 'specs/generators.wabi'), generators([healthy.url]));
    const single = await wabi(dir, ['run', 'specs', '--provider', 'cpu', '--cache', 'cache-single', '--reporter', 'json', '--out', 'single']);
    assert.equal(single.code, 1, single.stderr);
    const expected = readReport(path.join(dir, 'single/wabi-report.json'));
    const verdicts = (r: Report) => r.tests.map((t) => [t.spec, t.name, t.verdict, t.reasons]);
    assert.ok(expected.tests.some((t) => t.verdict === 'pass') && expected.tests.some((t) => t.verdict !== 'pass'), JSON.stringify(verdicts(expected)));
    assert.ok(expected.tests.every((t) => t.verdict !== 'error'), JSON.stringify(verdicts(expected)));
    const distinct = keysOf(expected).size;
    assert.equal(healthy.outputsServed, distinct, 'the single run made each image once');

    // Four machines sharing one cache, against the pool; the second server dies while it runs a prompt, once a
    // third of the images are made.
    fs.writeFileSync(path.join(dir, 'specs/generators.wabi'), generators(pool.map((s) => s.url)));
    const victim = pool[1];
    let killedAt = -1;
    const watch = setInterval(() => {
      const served = pool.reduce((n, s) => n + s.outputsServed, 0);
      if (killedAt < 0 && served >= distinct / 3 && victim.outstanding > 0 && victim.outputsServed > 0) {
        killedAt = served;
        void victim.close();
      }
    }, 5);
    const shards = await Promise.all(
      [1, 2, 3, 4].map((i) => wabi(dir, ['run', 'specs', '--provider', 'cpu', '--shard', `${i}/4`, '--cache', 'cache-shared', '--reporter', 'blob', '--out', `blobs/${i}`])),
    );
    clearInterval(watch);
    assert.ok(killedAt > 0, 'the server was killed mid-run');
    shards.forEach((r, i) => assert.ok(r.code === 0 || r.code === 1, `shard ${i + 1}: ${r.stderr}`));
    assert.ok(shards.some((r) => /^endpoint sdxl http:\/\/127\.0\.0\.1:\d+ \(1 at once\): \d+ images?, [1-9]\d* failures?/m.test(r.stderr)), 'a shard saw the dead endpoint fail');

    const merged = await wabi(dir, ['merge-reports', 'blobs', '--reporter', 'json,html', '--out', 'merged']);
    assert.equal(merged.code, single.code, merged.stderr);
    const report = readReport(path.join(dir, 'merged/wabi-report.json'));
    assert.equal(report.complete, true);
    assert.deepEqual(verdicts(report), verdicts(expected), 'the same verdicts and reasons as the healthy run');

    // No result lost: every test and image is there, on disk.
    assert.equal(report.tests.length, expected.tests.length);
    for (const t of report.tests) for (const i of t.images) assert.ok(fs.existsSync(path.resolve(dir, i.file)), i.file);
    // The same pictures (the pool's cache keys name the pool, not the one server, so compare the bytes).
    assert.equal(keysOf(report).size, distinct);
    assert.deepEqual(contents(report, dir), contents(expected, dir));

    // No image made twice: what the servers delivered adds up to the distinct images; the live servers ran only
    // what they delivered, and what the dead one lost in flight was made again elsewhere.
    const served = pool.map((s) => s.outputsServed);
    assert.equal(served[0] + served[1] + served[2], distinct, `served ${served.join(' + ')} of ${distinct}`);
    assert.equal(pool[0].received.length, served[0]);
    assert.equal(pool[2].received.length, served[2]);
    assert.ok(victim.received.length > served[1], 'the dead server had a prompt in flight');

    const endpoints = report.endpoints!;
    assert.deepEqual(endpoints.map((e) => e.endpoint), pool.map((s) => s.url));
    assert.deepEqual(endpoints.map((e) => e.images), served, 'per-endpoint images, joined over the shards');
    assert.ok(endpoints[1].failures >= 1 && endpoints[1].outOfRotationMs > 0, JSON.stringify(endpoints[1]));
    assert.ok(endpoints[0].medianSeconds! > 0 && endpoints[2].medianSeconds! > 0);
    for (const s of [0, 1, 2]) assert.match(merged.stderr, new RegExp(`^endpoint sdxl ${pool[s].url} \\(1 at once\\): ${served[s]} images?, `, 'm'));
    const html = fs.readFileSync(path.join(dir, 'merged/wabi-report.html'), 'utf8');
    assert.match(html, /<h2 id="endpoints" class="plain">Endpoints<\/h2>/);
    for (const s of pool) assert.ok(html.includes(`<code>${s.url}</code>`));
  } finally {
    await Promise.all([healthy, ...pool].map((s) => s.close().catch(() => undefined)));
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
