// One result cache shared by several writers (shards on several machines over a network file system, here several
// processes and cache handles on one folder): a writer about to generate an image claims its key, the others wait
// for its entry instead of generating it again, a dead writer's claim is taken over once stale, and no claim is left
// behind. The end-to-end test runs two real `wabi run` processes at once on one cache with a slow `command` generator
// that logs every image it makes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CLAIM_TTL_MS, ResultCache } from '../../server/src/runner/resultCache';

const REPO = path.resolve(__dirname, '../../..');
const CLI = path.join(REPO, 'dist/cli.js');
const KEY = 'c1'.repeat(32);
const BYTES = Buffer.from('not an image, but bytes all the same');

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'wabi-shared-'));
}

const claimFile = (root: string, key = KEY) => path.join(root, 'images', key.slice(0, 2), `.tmp-claim-${key}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a second writer waits for the first one\'s image instead of making it, and no claim is left behind', async () => {
  const root = tempDir();
  try {
    // Two handles on one folder: two machines on one share.
    const a = await ResultCache.open(root, { claimPollMs: 10 });
    const b = await ResultCache.open(root, { claimPollMs: 10 });
    const mine = await a.claimImage(KEY);
    assert.ok(mine?.release, 'the first writer claims the key');
    assert.match(fs.readFileSync(claimFile(root), 'utf8'), new RegExp(`^${os.hostname().replace(/[^A-Za-z0-9.-]/g, '_').slice(0, 40)} ${process.pid} [0-9a-f]{16}\\n$`), 'host, pid and token');
    assert.equal(await b.claimImage(KEY, { wait: false }), undefined, 'without waiting: busy');
    let settled = false;
    const waiting = b.claimImage(KEY).then((c) => ((settled = true), c));
    await sleep(100);
    assert.equal(settled, false, 'it waits while the claim is alive');
    await a.putImage(KEY, BYTES, 'png');
    await mine.release();
    const got = await waiting;
    assert.equal(got?.entry?.file, a.imagePath(KEY, 'png'), 'and then uses the committed image');
    assert.equal(got?.release, undefined);
    assert.ok(!fs.existsSync(claimFile(root)), 'the claim is gone');
    assert.equal((await a.claimImage(KEY))?.entry?.size, BYTES.length, 'a committed image needs no claim');
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('a writer that commits and releases between a second writer\'s look and its claim: the second uses the image, not a claim', async () => {
  const root = tempDir();
  try {
    const a = await ResultCache.open(root, { claimPollMs: 10 });
    const b = await ResultCache.open(root, { claimPollMs: 10 });
    const mine = await a.claimImage(KEY);
    // b looks for the entry and finds none; the first writer then commits its image and lets its claim go, just
    // before b tries to claim the key (two shards on one cache, one finishing as the other starts).
    const look = b.getImage.bind(b);
    let once = true;
    b.getImage = async (key, onDamaged) => {
      const found = await look(key, onDamaged);
      if (once) {
        once = false;
        await a.putImage(KEY, BYTES, 'png');
        await mine!.release!();
      }
      return found;
    };
    const got = await b.claimImage(KEY, { wait: false });
    assert.equal(got?.entry?.file, a.imagePath(KEY, 'png'), 'the committed image, which no one makes again');
    assert.equal(got?.release, undefined);
    assert.ok(!fs.existsSync(claimFile(root)), 'no claim left behind');
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('a writer whose generation failed releases its claim, and a waiter then makes the image itself', async () => {
  const root = tempDir();
  try {
    const a = await ResultCache.open(root, { claimPollMs: 10 });
    const first = await a.claimImage(KEY);
    const waiting = a.claimImage(KEY);
    await sleep(50);
    await first!.release!();
    const second = await waiting;
    assert.ok(second?.release, 'the waiter holds the claim now');
    await first!.release!(); // a second release of the old claim leaves the new one alone
    assert.ok(fs.existsSync(claimFile(root)));
    await second.release();
    assert.ok(!fs.existsSync(claimFile(root)));
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test("a dead machine's claim is taken over: at once when its time is old, after the TTL when it just stops changing", async () => {
  const root = tempDir();
  try {
    const cache = await ResultCache.open(root, { claimPollMs: 10, claimTtlMs: 300 });
    fs.mkdirSync(path.dirname(claimFile(root)), { recursive: true });
    fs.writeFileSync(claimFile(root), 'gone-machine 4242 0123456789abcdef\n');
    const old = new Date(Date.now() - 2 * CLAIM_TTL_MS);
    fs.utimesSync(claimFile(root), old, old);
    let t0 = Date.now();
    const taken = await cache.claimImage(KEY);
    assert.ok(taken?.release, 'taken over');
    assert.ok(Date.now() - t0 < 250, `at once (${Date.now() - t0} ms)`);
    assert.doesNotMatch(fs.readFileSync(claimFile(root), 'utf8'), /gone-machine/);
    await taken.release();

    // A claim with a current time that never changes again: its writer died a moment ago (or its clock is ahead).
    fs.writeFileSync(claimFile(root), 'gone-machine 4242 0123456789abcdef\n');
    const ahead = new Date(Date.now() + 10_000);
    fs.utimesSync(claimFile(root), ahead, ahead);
    t0 = Date.now();
    const later = await cache.claimImage(KEY);
    const waited = Date.now() - t0;
    assert.ok(later?.release);
    assert.ok(waited >= 290 && waited < 3000, `taken over after watching it for the TTL (${waited} ms)`);
    await later.release();
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('a live writer keeps its claim past the TTL by refreshing it, so a waiter never takes it over', async () => {
  const root = tempDir();
  try {
    const a = await ResultCache.open(root, { claimPollMs: 10, claimTtlMs: 150 });
    const b = await ResultCache.open(root, { claimPollMs: 10, claimTtlMs: 150 });
    const mine = await a.claimImage(KEY);
    const waiting = b.claimImage(KEY);
    await sleep(600); // four TTLs of generating
    await a.putImage(KEY, BYTES, 'png');
    await mine!.release!();
    assert.ok((await waiting)?.entry, 'the waiter got the image, not the claim');
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('a waiter stops waiting when its run is cancelled', async () => {
  const root = tempDir();
  try {
    const cache = await ResultCache.open(root, { claimPollMs: 10 });
    const mine = await cache.claimImage(KEY);
    const stop = new AbortController();
    const waiting = cache.claimImage(KEY, { signal: stop.signal });
    await sleep(30);
    stop.abort(new Error('cancelled by the user'));
    await assert.rejects(waiting, /cancelled by the user/);
    await mine!.release!();
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

const GENERATOR = `// Makes an image slowly and logs that it did: one line per image made.
const fs = require('fs');
const [seed, out, prompt] = process.argv.slice(2);
setTimeout(() => {
  fs.appendFileSync(__dirname + '/made.log', seed + ' ' + prompt + '\\n');
  fs.copyFileSync(__dirname + '/coffee.jpg', out);
}, 400);
`;

const SPEC = `generator slow
  kind        command
  run         node gen.js {seed} {out} {prompt}
  concurrency 2
defaults
  generator slow
  size      64x64
test "grainy"
  prompt heavy grain
  seeds  1..2
  expect grain >= 0
test "foggy"
  prompt   foggy
  baseline a photo
  seeds    1..2
  expect   blur >= 0
test "dull"
  prompt   dull
  baseline a photo
  expect   desaturation >= 0
`;

function run(cwd: string, args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, CI: 'true' } });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

test('two runs at once on one cache make every image once: 7 distinct images, not 14', async () => {
  const dir = tempDir();
  try {
    fs.copyFileSync(path.join(REPO, 'test/fixtures/photos/coffee.jpg'), path.join(dir, 'coffee.jpg'));
    fs.writeFileSync(path.join(dir, 'gen.js'), GENERATOR);
    fs.writeFileSync(path.join(dir, 'spec.wabi'), SPEC);
    const args = (out: string) => ['run', 'spec.wabi', '--provider', 'cpu', '--cache', 'shared', '--reporter', 'json', '--out', out];
    const [one, two] = await Promise.all([run(dir, args('one')), run(dir, args('two'))]);
    assert.equal(one.code, 0, one.stderr);
    assert.equal(two.code, 0, two.stderr);
    const made = fs.readFileSync(path.join(dir, 'made.log'), 'utf8').trim().split('\n').sort();
    // grainy 1, 2; foggy 1, 2; the baseline `a photo` for seeds 1 and 2 (foggy and dull share seed 1's); dull 1.
    assert.deepEqual(made, ['1 a photo', '1 dull', '1 foggy', '1 heavy grain', '2 a photo', '2 foggy', '2 heavy grain']);
    const fresh = (out: string) =>
      (JSON.parse(fs.readFileSync(path.join(dir, out, 'wabi-report.json'), 'utf8')) as { tests: Array<{ images: Array<{ cached: boolean }> }> }).tests.flatMap((t) => t.images).filter((i) => !i.cached).length;
    assert.equal(fresh('one') + fresh('two'), 7, 'between them, the two runs made each image once; the rest came from the cache');
    const debris = fs.readdirSync(path.join(dir, 'shared', 'images'), { recursive: true }).map(String).filter((f) => path.basename(f).startsWith('.tmp-'));
    assert.deepEqual(debris, [], 'no claim or temp file is left');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
