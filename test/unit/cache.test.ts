// The result cache (server/src/runner/resultCache.ts): stable keys, round trips, damaged entries read as misses, racing
// writers, a writer SIGKILLed at random moments leaving only complete entries that the next run reuses, and the
// `wabi cache` command. The crash and race tests run real child processes: test/unit/fixtures/cache-child.ts,
// bundled here with esbuild's API (esbuild.mjs bundles only the files directly in test/unit).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  CACHE_SCHEMA_VERSION,
  canonicalJson,
  fileHash,
  imageKey,
  PERSISTED_HASH_MIN_BYTES,
  resolveCacheRoot,
  ResultCache,
  scoreKey,
  type ImageKeyParts,
} from '../../server/src/runner/resultCache';
import { CHILD_SCORER, childBytes, childKey, childScores, type WriteSummary } from './fixtures/cache-child';

const REPO = path.resolve(__dirname, '../../..');
const CLI = path.join(REPO, 'dist/cli.js');
const sha = (b: string | Uint8Array) => crypto.createHash('sha256').update(b).digest('hex');

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'wabi-cache-'));
}

/** The child bundle, built once per test process. */
let childJs: string | undefined;
function child(): string {
  if (childJs) return childJs;
  // Required by path, not by name, so that bundling this test never tries to bundle esbuild itself.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const esbuild = require(path.join(REPO, 'node_modules', 'esbuild')) as typeof import('esbuild');
  const out = path.join(tempDir(), 'cache-child.js');
  esbuild.buildSync({
    entryPoints: [path.join(REPO, 'test/unit/fixtures/cache-child.ts')],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    outfile: out,
    logLevel: 'error',
  });
  process.on('exit', () => fs.rmSync(path.dirname(out), { recursive: true, force: true }));
  childJs = out;
  return out;
}

const BASE: ImageKeyParts = {
  generator: 'comfyui http://127.0.0.1:8188 workflow=ab12',
  prompt: 'a cow, heavy grain',
  negative: 'clean, sharp',
  seed: 3,
  width: 1024,
  height: 768,
  steps: 20,
  guidance: 3.5,
  strength: 0.5,
  traits: ['grain', 'blur'],
  inputHash: 'a'.repeat(64),
  models: { unet: 'b'.repeat(64), vae: 'c'.repeat(64) },
};

// -------------------------------------------------------------------------------------------------------------
// Keys

test('image keys ignore field order, trait order and repeats, and are the same in another process', () => {
  const k = imageKey(BASE);
  assert.match(k, /^[0-9a-f]{64}$/);
  const reordered: ImageKeyParts = {
    models: { vae: 'c'.repeat(64), unet: 'b'.repeat(64) },
    traits: ['blur', 'grain', 'blur'],
    inputHash: 'a'.repeat(64),
    strength: 0.5,
    guidance: 3.5,
    steps: 20,
    height: 768,
    width: 1024,
    seed: 3,
    negative: 'clean, sharp',
    prompt: 'a cow, heavy grain',
    generator: 'comfyui http://127.0.0.1:8188 workflow=ab12',
  };
  assert.equal(imageKey(reordered), k);
  // Pinned: a change here invalidates every user's cache, so it must come with a CACHE_SCHEMA_VERSION bump.
  assert.equal(CACHE_SCHEMA_VERSION, 1);
  assert.equal(k, '8f078de4e43690a7b1eafd0c159b75de7ed02ea26ad851d3485540a1a6ea2f21');

  const r = spawnSync(process.execPath, [child(), '--cache-child', 'keys', JSON.stringify([BASE, reordered, { ...BASE, seed: 4 }])], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), [k, k, imageKey({ ...BASE, seed: 4 })]);
});

test('image keys differ when any part differs', () => {
  const variants: ImageKeyParts[] = [
    BASE,
    { ...BASE, generator: BASE.generator + ' ' },
    { ...BASE, prompt: 'a cow, heavy grain.' },
    { ...BASE, negative: undefined },
    { ...BASE, negative: '' },
    { ...BASE, seed: 4 },
    { ...BASE, width: 768, height: 1024 },
    { ...BASE, height: 769 },
    { ...BASE, steps: 21 },
    { ...BASE, steps: undefined },
    { ...BASE, guidance: 3.6 },
    { ...BASE, strength: 0.6 },
    { ...BASE, strength: undefined },
    { ...BASE, traits: ['grain'] },
    { ...BASE, traits: [] },
    { ...BASE, inputHash: 'd'.repeat(64) },
    { ...BASE, inputHash: undefined },
    { ...BASE, models: { unet: 'b'.repeat(64) } },
    { ...BASE, models: { unet: 'c'.repeat(64), vae: 'b'.repeat(64) } },
  ];
  const keys = variants.map(imageKey);
  assert.equal(new Set(keys).size, variants.length, 'every variant has its own key');
  // Parts that cannot be written as JSON are refused rather than collapsed into one key.
  assert.throws(() => imageKey({ ...BASE, guidance: NaN }), TypeError);
  assert.throws(() => imageKey({ ...BASE, seed: Infinity }), TypeError);
  assert.equal(canonicalJson({ b: [1, { d: 1, c: undefined, a: 'x' }], a: null }), '{"a":null,"b":[1,{"a":"x","d":1}]}');
});

test('score keys cover the image content, the trait model version and each judge model', () => {
  const img = sha('image bytes');
  const id = { traits: 'traits v1', judges: { 'clip("a cow")': 'e'.repeat(64), 'reward(hps)': 'f'.repeat(64) } };
  const k = scoreKey(img, id);
  assert.equal(scoreKey(img, { judges: { 'reward(hps)': 'f'.repeat(64), 'clip("a cow")': 'e'.repeat(64) }, traits: 'traits v1' }), k);
  const others = [
    scoreKey(sha('other bytes'), id),
    scoreKey(img, { ...id, traits: 'traits v2' }),
    scoreKey(img, { ...id, judges: { 'clip("a cow")': 'e'.repeat(64), 'reward(hps)': '0'.repeat(64) } }),
    scoreKey(img, { traits: 'traits v1' }),
    scoreKey(img, 'traits v1'),
    imageKey(BASE),
  ];
  assert.equal(new Set([k, ...others]).size, others.length + 1);
  assert.throws(() => scoreKey('not-a-hash', id), TypeError);
});

test('fileHash is the sha256 of the bytes, and follows a file that changes', async () => {
  const dir = tempDir();
  try {
    const f = path.join(dir, 'model.onnx');
    fs.writeFileSync(f, 'weights v1');
    assert.equal(await fileHash(f), sha('weights v1'));
    const [a, b] = await Promise.all([fileHash(f), fileHash(path.join(dir, '.', 'model.onnx'))]);
    assert.equal(a, b);
    fs.writeFileSync(f, 'weights v2, longer');
    assert.equal(await fileHash(f), sha('weights v2, longer'));
    // Same size, mtime forced back: the ctime still tells them apart.
    const st = fs.statSync(f);
    fs.writeFileSync(f, 'weights v3, longer');
    fs.utimesSync(f, st.atime, st.mtime);
    assert.equal(await fileHash(f), sha('weights v3, longer'));
    await assert.rejects(fileHash(path.join(dir, 'missing.onnx')), { code: 'ENOENT' });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('fileHash records the hashes of large, settled files in the cache, and another process reads the record instead of the file', async () => {
  const dir = tempDir();
  try {
    const root = path.join(dir, 'cache');
    const cache = await ResultCache.open(root);
    const weights = crypto.randomBytes(PERSISTED_HASH_MIN_BYTES);
    const model = path.join(dir, 'model.onnx');
    const other = path.join(dir, 'other.onnx');
    const small = path.join(dir, 'tokenizer.json');
    fs.writeFileSync(model, weights);
    fs.writeFileSync(other, weights);
    fs.writeFileSync(small, 'merges');
    // Only files unchanged for 2 s are recorded: a write within the same clock tick could leave the stamp as it was.
    await new Promise((resolve) => setTimeout(resolve, 2100));
    const young = path.join(dir, 'young.onnx');
    fs.writeFileSync(young, weights);
    const inChild = (file: string): { hash: string; reads: number } => {
      const r = spawnSync(process.execPath, [child(), '--cache-child', 'hash', root, file], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      return JSON.parse(r.stdout) as { hash: string; reads: number };
    };
    const hash = sha(weights);
    assert.deepEqual(inChild(model), { hash, reads: 1 });
    assert.deepEqual(inChild(model), { hash, reads: 0 }, 'the second process reads the record, not the file');
    assert.deepEqual(inChild(young), { hash, reads: 1 });
    assert.deepEqual(inChild(young), { hash, reads: 1 }, 'a file changed in the last 2 s is not recorded');
    assert.deepEqual(inChild(small), { hash: sha('merges'), reads: 1 });
    assert.deepEqual(inChild(small), { hash: sha('merges'), reads: 1 }, 'files under 1 MiB are not recorded');
    assert.equal((await cache.stats()).hashes, 1);

    // Changed in place to the same size with its mtime put back: the ctime still makes it a new stamp.
    const st = fs.statSync(model);
    const changed = Buffer.from(weights);
    changed[12345] ^= 0xff;
    fs.writeFileSync(model, changed);
    fs.utimesSync(model, st.atime, st.mtime);
    assert.deepEqual(inChild(model), { hash: sha(changed), reads: 1 });
    assert.deepEqual(await fileHash(model, cache), sha(changed));

    // A damaged record is a miss, and is written again.
    assert.deepEqual(inChild(other), { hash, reads: 1 });
    const records = fs.readdirSync(path.join(root, 'hashes'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.json'));
    assert.equal(records.length, 2);
    for (const f of records) fs.writeFileSync(path.join(root, 'hashes', f), '{"v":1,');
    assert.deepEqual(inChild(other), { hash, reads: 1 });
    assert.deepEqual(inChild(other), { hash, reads: 0 });

    const cleared = await cache.clear();
    assert.equal(cleared.hashes, 2);
    assert.deepEqual(inChild(other), { hash, reads: 1 });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the cache root: --cache, else WABI_CACHE_DIR, else .wabi/cache in the workspace', () => {
  const ws = path.resolve('/work/space');
  assert.equal(resolveCacheRoot(ws, undefined, {}), path.join(ws, '.wabi', 'cache'));
  assert.equal(resolveCacheRoot(ws, undefined, { WABI_CACHE_DIR: '/var/cache/wabi' }), path.resolve('/var/cache/wabi'));
  assert.equal(resolveCacheRoot(ws, undefined, { WABI_CACHE_DIR: 'build/cache' }), path.join(ws, 'build', 'cache'));
  assert.equal(resolveCacheRoot(ws, '/tmp/c', { WABI_CACHE_DIR: '/var/cache/wabi' }), path.resolve('/tmp/c'));
  assert.equal(resolveCacheRoot(ws, '', { WABI_CACHE_DIR: '' }), path.join(ws, '.wabi', 'cache'));
});

// -------------------------------------------------------------------------------------------------------------
// Entries

test('images and scores round-trip; the layout is images|scores/<2 hex>/<key>', async () => {
  const root = path.join(tempDir(), 'cache');
  try {
    const cache = await ResultCache.open(root);
    const key = imageKey(BASE);
    assert.equal(await cache.getImage(key), undefined);
    const bytes = crypto.randomBytes(50_000);
    const file = await cache.putImage(key, bytes, '.PNG', { model: 'flux-dev', revised: 'a cow' });
    assert.equal(file, path.join(root, 'images', key.slice(0, 2), `${key}.png`));
    assert.ok(fs.readFileSync(file).equals(bytes));
    const hit = await cache.getImage(key);
    assert.ok(hit);
    assert.equal(hit.file, file);
    assert.equal(hit.hash, sha(bytes));
    assert.equal(hit.size, bytes.length);
    assert.deepEqual(hit.info, { model: 'flux-dev', revised: 'a cow' });
    assert.ok(Date.now() - Date.parse(hit.created) < 60_000);
    assert.ok(fs.existsSync(path.join(root, 'images', key.slice(0, 2), `${key}.json`)));

    const sk = scoreKey(hit.hash, { traits: 'traits v1' });
    assert.equal(await cache.getScores(sk), undefined);
    const value = { traits: { grain: 0.75, blur: 0.125 }, raw: { grain: 12.5 }, judges: { 'clip("a cow")': 0.31 } };
    await cache.putScores(sk, value);
    assert.deepEqual(await cache.getScores(sk), value);
    assert.ok(fs.existsSync(path.join(root, 'scores', sk.slice(0, 2), `${sk}.json`)));
    await cache.putScores(sk, { ...value, judges: {} });
    assert.deepEqual(await cache.getScores(sk), { ...value, judges: {} }, 'a later put replaces');

    // A second handle (another process, later) sees the same entries.
    const again = await ResultCache.open(root);
    assert.equal((await again.getImage(key))?.hash, sha(bytes));
    // The cache keeps itself out of git and backups.
    assert.equal(fs.readFileSync(path.join(root, '.gitignore'), 'utf8'), '*\n');
    assert.match(fs.readFileSync(path.join(root, 'CACHEDIR.TAG'), 'utf8'), /^Signature: 8a477f597d28d172789f06886806bc55/);
    assert.deepEqual(leftovers(root), []);
  } finally {
    fs.rmSync(path.dirname(root), { recursive: true, force: true });
  }
});

test('keys and extensions are checked, so no path leaves the root', async () => {
  const root = path.join(tempDir(), 'cache');
  try {
    const cache = await ResultCache.open(root);
    for (const bad of ['../../../etc/passwd', 'AB'.repeat(32), 'a'.repeat(63), '', 'a'.repeat(64) + '/x']) {
      await assert.rejects(cache.getImage(bad), TypeError);
      await assert.rejects(cache.putImage(bad, Buffer.from('x'), 'png'), TypeError);
      await assert.rejects(cache.getScores(bad), TypeError);
      await assert.rejects(cache.putScores(bad, {}), TypeError);
    }
    for (const ext of ['../png', 'p/ng', '', 'x'.repeat(11)]) await assert.rejects(cache.putImage(imageKey(BASE), Buffer.from('x'), ext), TypeError);
    await assert.rejects(cache.putImage(imageKey(BASE), Buffer.from('x'), 'png', { n: 1n } as unknown as Record<string, unknown>));
    assert.deepEqual(fs.readdirSync(path.join(root, 'images')), [], 'nothing written for a refused put');
  } finally {
    fs.rmSync(path.dirname(root), { recursive: true, force: true });
  }
});

test('missing, unparseable and partial entries are misses, never errors', async () => {
  const root = path.join(tempDir(), 'cache');
  try {
    const cache = await ResultCache.open(root);
    const key = imageKey(BASE);
    const dir = path.join(root, 'images', key.slice(0, 2));
    const meta = path.join(dir, `${key}.json`);
    const bytes = crypto.randomBytes(10_000);
    const file = await cache.putImage(key, bytes, 'png');
    const good = fs.readFileSync(meta, 'utf8');
    const damage = async (what: string, fn: () => void) => {
      fn();
      assert.equal(await cache.getImage(key), undefined, what);
      fs.writeFileSync(meta, good);
      fs.rmSync(file, { recursive: true, force: true });
      fs.writeFileSync(file, bytes);
      assert.ok(await cache.getImage(key), `restored after: ${what}`);
    };
    await damage('truncated metadata', () => fs.writeFileSync(meta, good.slice(0, good.length >> 1)));
    await damage('empty metadata', () => fs.writeFileSync(meta, ''));
    await damage('metadata not an object', () => fs.writeFileSync(meta, '"x"'));
    await damage('metadata of another key', () => fs.writeFileSync(meta, good.replace(key, imageKey({ ...BASE, seed: 9 }))));
    await damage('metadata of another schema version', () => fs.writeFileSync(meta, good.replace(/"v": *1/, '"v": 999')));
    await damage('metadata naming an extension that escapes', () => fs.writeFileSync(meta, good.replace('"png"', '"/../x"')));
    await damage('image missing', () => fs.unlinkSync(file));
    await damage('image truncated', () => fs.truncateSync(file, 5000));
    await damage('image replaced by a folder', () => {
      fs.unlinkSync(file);
      fs.mkdirSync(file);
    });

    // An image with no metadata (a writer killed between the two): a miss, and a later put adopts the complete
    // image already there instead of replacing it, so the metadata always describes the bytes on disk.
    fs.unlinkSync(meta);
    assert.equal(await cache.getImage(key), undefined);
    assert.equal((await cache.stats()).orphans, 1);
    const other = crypto.randomBytes(12_000);
    await cache.putImage(key, other, 'png');
    const hit = await cache.getImage(key);
    assert.equal(hit?.hash, sha(bytes));
    assert.ok(fs.readFileSync(file).equals(bytes));

    const sk = scoreKey(sha(bytes), 'traits v1');
    await cache.putScores(sk, { traits: { grain: 0.5 } });
    const scoreFile = path.join(root, 'scores', sk.slice(0, 2), `${sk}.json`);
    const text = fs.readFileSync(scoreFile, 'utf8');
    for (const broken of [text.slice(0, 10), '', '{"v":1}', text.replace(sk, 'f'.repeat(64)), 'null']) {
      fs.writeFileSync(scoreFile, broken);
      assert.equal(await cache.getScores(sk), undefined, JSON.stringify(broken));
    }
  } finally {
    fs.rmSync(path.dirname(root), { recursive: true, force: true });
  }
});

test('concurrent writers of one key in one process leave one valid entry and no temp files', async () => {
  const root = path.join(tempDir(), 'cache');
  try {
    const cache = await ResultCache.open(root);
    const key = imageKey(BASE);
    const payloads = Array.from({ length: 12 }, (_, i) => crypto.randomBytes(100_000 + i * 1000));
    const files = await Promise.all(payloads.map((b, i) => cache.putImage(key, b, 'png', { writer: i })));
    assert.equal(new Set(files).size, 1);
    const hit = await cache.getImage(key);
    assert.ok(hit);
    const onDisk = fs.readFileSync(hit.file);
    assert.equal(sha(onDisk), hit.hash, 'the metadata describes the bytes on disk');
    assert.equal(onDisk.length, hit.size);
    assert.ok(payloads.some((p) => p.equals(onDisk)), "the image is one writer's, whole");
    const sk = scoreKey(hit.hash, 'traits v1');
    await Promise.all(Array.from({ length: 12 }, (_, i) => cache.putScores(sk, { writer: i, pad: 'x'.repeat(20_000 + i) })));
    const scores = await cache.getScores<{ writer: number }>(sk);
    assert.ok(scores && scores.writer >= 0 && scores.writer < 12);
    assert.deepEqual(leftovers(root), []);
    const stats = await cache.stats();
    assert.equal(stats.images, 1);
    assert.equal(stats.scores, 1);
  } finally {
    fs.rmSync(path.dirname(root), { recursive: true, force: true });
  }
});

test('four processes racing on the same 40 keys with different bytes leave 40 consistent entries', async () => {
  const root = path.join(tempDir(), 'cache');
  try {
    const n = 40;
    const salts = ['w0', 'w1', 'w2', 'w3'];
    const runs = salts.map((salt) => runChild(root, { n, size: 150_000, salt }));
    const results = await Promise.all(runs.map((r) => r.done));
    for (const r of results) assert.equal(r.code, 0, r.stderr);
    const cache = await ResultCache.open(root);
    for (let i = 0; i < n; i++) {
      const key = childKey(i);
      const hit = await cache.getImage(key);
      assert.ok(hit, `entry ${i}`);
      const onDisk = fs.readFileSync(hit.file);
      assert.equal(sha(onDisk), hit.hash, `entry ${i}: metadata matches the image`);
      assert.ok(
        salts.some((s) => childBytes(key, i, 150_000, s).equals(onDisk)),
        `entry ${i}: the bytes are one writer's, whole`,
      );
      assert.deepEqual(await cache.getScores(scoreKey(hit.hash, CHILD_SCORER)), childScores(i, hit.hash));
    }
    const stats = await cache.stats();
    assert.equal(stats.images, n);
    assert.equal(stats.orphans, 0);
    assert.equal(stats.temp, 0);
    // Image misses can exceed n (several writers missed the same key at once), but every writer ended complete.
    const totals = results.map((r) => r.summary!);
    assert.ok(totals.every((t) => t.imageHits + t.imageMisses === n));
  } finally {
    fs.rmSync(path.dirname(root), { recursive: true, force: true });
  }
});

// -------------------------------------------------------------------------------------------------------------
// Killed writers

interface ChildRun {
  readonly proc: ChildProcess;
  /** Acknowledged steps so far, in order: `image 3 put`, `score 3 hit`... */
  readonly lines: string[];
  readonly done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string; summary?: WriteSummary }>;
  onLine?: (line: string) => void;
}

function runChild(root: string, options: { n: number; size: number; salt?: string }): ChildRun {
  const proc = spawn(process.execPath, [child(), '--cache-child', 'write', root, JSON.stringify(options)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const run: ChildRun = {
    proc,
    lines: [],
    done: new Promise((resolve) => {
      let buffer = '';
      let stderr = '';
      let summary: WriteSummary | undefined;
      proc.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
        buffer += chunk;
        let nl: number;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, nl);
          buffer = buffer.slice(nl + 1);
          if (line.startsWith('done ')) summary = JSON.parse(line.slice(5)) as WriteSummary;
          else run.lines.push(line);
          run.onLine?.(line);
        }
      });
      proc.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
      proc.on('close', (code, signal) => resolve({ code, signal, stderr, summary }));
    }),
  };
  return run;
}

/** Names in the cache's entry folders that are neither entries nor temp files, and temp files. */
function leftovers(root: string): string[] {
  const found: string[] = [];
  for (const area of ['images', 'scores']) {
    const areaDir = path.join(root, area);
    if (!fs.existsSync(areaDir)) continue;
    for (const shard of fs.readdirSync(areaDir)) {
      for (const name of fs.readdirSync(path.join(areaDir, shard))) {
        if (!/^[0-9a-f]{64}\.(json|png)$/.test(name) || !name.startsWith(shard)) found.push(`${area}/${shard}/${name}`);
      }
    }
  }
  return found;
}

interface Audit {
  /** Entry indices with a complete image entry / score entry. */
  readonly images: Set<number>;
  readonly scores: Set<number>;
  readonly temp: number;
  readonly orphans: number;
}

/** What the child writes for entry i: its key, the sha256 and length of its image, its score key. */
interface Expected {
  readonly key: string;
  readonly hash: string;
  readonly size: number;
  readonly scoreKey: string;
}

function expectations(n: number, size: number): Expected[] {
  return Array.from({ length: n }, (_, i) => {
    const key = childKey(i);
    const bytes = childBytes(key, i, size);
    const hash = sha(bytes);
    return { key, hash, size: bytes.length, scoreKey: scoreKey(hash, CHILD_SCORER) };
  });
}

/** Reads every file in the cache directly and checks that each non-temp file is whole and what the child wrote,
 *  then that the cache reports exactly the complete entries. */
async function audit(root: string, expected: readonly Expected[]): Promise<Audit> {
  const imageIndex = new Map(expected.map((e, i) => [e.key, i]));
  const scoreIndex = new Map(expected.map((e, i) => [e.scoreKey, i]));
  const images = new Set<number>();
  const scores = new Set<number>();
  let temp = 0;
  let orphans = 0;
  for (const area of ['images', 'scores'] as const) {
    const areaDir = path.join(root, area);
    for (const shard of fs.readdirSync(areaDir)) {
      const names = fs.readdirSync(path.join(areaDir, shard));
      for (const name of names) {
        const full = path.join(areaDir, shard, name);
        if (name.startsWith('.tmp-')) {
          temp++;
          continue;
        }
        const m = /^([0-9a-f]{64})\.(json|png)$/.exec(name);
        assert.ok(m && name.startsWith(shard), `unexpected file ${area}/${shard}/${name}`);
        const key = m[1];
        const i = (area === 'images' ? imageIndex : scoreIndex).get(key);
        assert.ok(i !== undefined, `${area} entry of an unknown key ${key}`);
        const want = expected[i];
        if (area === 'scores') {
          const entry = JSON.parse(fs.readFileSync(full, 'utf8')) as { value: unknown };
          assert.deepEqual(entry.value, childScores(i, want.hash), `score entry ${i} is whole`);
          scores.add(i);
        } else if (m[2] === 'png') {
          const bytes = fs.readFileSync(full);
          assert.ok(bytes.length === want.size && sha(bytes) === want.hash, `image ${i} is whole (${bytes.length} of ${want.size} bytes)`);
          if (!names.includes(`${key}.json`)) orphans++;
        } else {
          const meta = JSON.parse(fs.readFileSync(full, 'utf8')) as { sha256: string; size: number; key: string };
          assert.equal(meta.key, key);
          assert.equal(meta.sha256, want.hash, `metadata ${i} describes the child's bytes`);
          assert.equal(meta.size, want.size);
          assert.ok(names.includes(`${key}.png`), `metadata ${i} is never committed before its image`);
          images.add(i);
        }
      }
    }
  }
  // The cache's own view agrees: it reports exactly the complete entries (their files were checked above).
  const cache = await ResultCache.open(root);
  for (const [i, want] of expected.entries()) {
    const hit = await cache.getImage(want.key);
    assert.equal(!!hit, images.has(i), `getImage(${i})`);
    if (hit) assert.equal(hit.hash, want.hash);
    assert.equal(!!(await cache.getScores(want.scoreKey)), scores.has(i), `getScores(${i})`);
  }
  const stats = await cache.stats();
  assert.equal(stats.images, images.size);
  assert.equal(stats.scores, scores.size);
  assert.equal(stats.orphans, orphans);
  assert.equal(stats.temp, temp, 'fresh temp files stay (their writer may be running); none is counted as an entry');
  return { images, scores, temp, orphans };
}

/** Every step the child acknowledged before it died is in the cache. */
function assertAcknowledged(lines: readonly string[], a: Audit): void {
  for (const line of lines) {
    const [what, i] = line.split(' ');
    assert.ok((what === 'image' ? a.images : a.scores).has(Number(i)), `acknowledged '${line}' is in the cache`);
  }
}

test('a writer SIGKILLed at random moments leaves only complete entries, and the next run reuses every one', async (t) => {
  const root = path.join(tempDir(), 'cache');
  const n = 150;
  const size = 1_000_000; // ~1 MB images: each put is a few milliseconds of writing and fsync
  const expected = expectations(n, size);
  const count = (lines: readonly string[], what: string, how: string) => lines.filter((l) => l.startsWith(`${what} `) && l.endsWith(` ${how}`)).length;
  try {
    let previous: Audit = { images: new Set(), scores: new Set(), temp: 0, orphans: 0 };
    const report: string[] = [];
    for (let round = 0; round < 5; round++) {
      const run = runChild(root, { n, size });
      // Kill once the child has acknowledged a random number of new image puts, after a random delay of up to
      // about two entries' work, so the signal lands at an arbitrary point of a write (temp file, fsync, link,
      // metadata, scores).
      const target = 3 + Math.floor(Math.random() * 20);
      const delay = Math.random() * 12;
      let puts = 0;
      run.onLine = (line) => {
        if (line.startsWith('image ') && line.endsWith(' put') && ++puts === target) setTimeout(() => run.proc.kill('SIGKILL'), delay);
      };
      const result = await run.done;
      assert.equal(result.signal, 'SIGKILL', `round ${round}: the child was killed mid-run (${result.stderr})`);
      assert.equal(count(run.lines, 'image', 'hit'), previous.images.size, `round ${round}: every complete image was reused`);
      assert.equal(count(run.lines, 'score', 'hit'), previous.scores.size, `round ${round}: every complete score was reused`);
      const a = await audit(root, expected);
      assertAcknowledged(run.lines, a);
      assert.ok(a.images.size > previous.images.size, `round ${round}: progress`);
      report.push(
        `round ${round}: killed ${delay.toFixed(1)} ms after new image put ${target}; reused ${previous.images.size}/${previous.scores.size}, ` +
          `now ${a.images.size} images + ${a.scores.size} scores complete; debris: ${a.temp} temp file(s), ${a.orphans} uncommitted image(s)`,
      );
      previous = a;
    }

    // The last run goes to the end: it reuses every complete entry and makes only the rest.
    const run = runChild(root, { n, size });
    const result = await run.done;
    assert.equal(result.code, 0, result.stderr);
    const s = result.summary!;
    assert.deepEqual(s, {
      imageHits: previous.images.size,
      imageMisses: n - previous.images.size,
      scoreHits: previous.scores.size,
      scoreMisses: n - previous.scores.size,
    });
    const final = await audit(root, expected);
    assert.equal(final.images.size, n);
    assert.equal(final.scores.size, n);
    assert.equal(final.orphans, 0, 'uncommitted images were adopted');
    report.push(`final run: reused ${s.imageHits} images and ${s.scoreHits} scores, made ${s.imageMisses} and ${s.scoreMisses}`);
    for (const line of report) t.diagnostic(line);
  } finally {
    fs.rmSync(path.dirname(root), { recursive: true, force: true });
  }
});

// -------------------------------------------------------------------------------------------------------------
// Housekeeping

test('temp files over an hour old are swept on open, stats and clear; younger ones are left to their writer', async () => {
  const root = path.join(tempDir(), 'cache');
  try {
    let cache = await ResultCache.open(root);
    const key = imageKey(BASE);
    await cache.putImage(key, Buffer.from('image'), 'png');
    const dir = path.join(root, 'images', key.slice(0, 2));
    const stale = path.join(dir, '.tmp-1-stale');
    const fresh = path.join(dir, '.tmp-2-fresh');
    const old = new Date(Date.now() - 2 * 3600_000);
    const makeStale = () => {
      fs.writeFileSync(stale, 'half an ima');
      fs.utimesSync(stale, old, old);
    };
    makeStale();
    fs.writeFileSync(fresh, 'being written');
    cache = await ResultCache.open(root);
    assert.ok(!fs.existsSync(stale) && fs.existsSync(fresh));
    makeStale();
    const stats = await cache.stats();
    assert.equal(stats.tempRemoved, 1);
    assert.equal(stats.temp, 1);
    assert.equal(stats.images, 1);
    assert.ok(!fs.existsSync(stale));
    makeStale();
    const cleared = await cache.clear();
    assert.equal(cleared.images, 1);
    assert.equal(cleared.files, 3, 'image, metadata and the stale temp file');
    assert.ok(!fs.existsSync(stale) && fs.existsSync(fresh));
  } finally {
    fs.rmSync(path.dirname(root), { recursive: true, force: true });
  }
});

test('stats counts entries, bytes and dates; clear removes entries and nothing else', async () => {
  const root = path.join(tempDir(), 'cache');
  try {
    const cache = await ResultCache.open(root);
    assert.deepEqual(await cache.stats(), { root, images: 0, scores: 0, hashes: 0, bytes: 0, oldest: null, newest: null, orphans: 0, temp: 0, tempRemoved: 0 });
    const t0 = Date.now();
    let imageBytes = 0;
    for (let i = 0; i < 5; i++) {
      const b = crypto.randomBytes(1000 * (i + 1));
      imageBytes += b.length;
      const entry = await cache.putImageEntry(imageKey({ ...BASE, seed: i }), b, i % 2 ? 'jpg' : 'png');
      if (i < 3) await cache.putScores(scoreKey(entry.hash, 'traits v1'), { i });
    }
    const stray = path.join(root, 'images', 'notes.txt');
    fs.writeFileSync(stray, 'mine');
    const strayInShard = path.join(root, 'scores', fs.readdirSync(path.join(root, 'scores'))[0], 'keep.me');
    fs.writeFileSync(strayInShard, 'mine too');
    const stats = await cache.stats();
    assert.equal(stats.images, 5);
    assert.equal(stats.scores, 3);
    assert.ok(stats.bytes > imageBytes && stats.bytes < imageBytes + 10_000, `${stats.bytes}`);
    assert.ok(stats.oldest && stats.newest && stats.oldest <= stats.newest);
    assert.ok(Date.parse(stats.oldest!) >= t0 - 2000 && Date.parse(stats.newest!) <= Date.now() + 2000);

    const cleared = await cache.clear();
    assert.equal(cleared.images, 5);
    assert.equal(cleared.scores, 3);
    assert.equal(cleared.files, 13);
    assert.ok(cleared.bytes > imageBytes);
    assert.deepEqual(await cache.getImage(imageKey({ ...BASE, seed: 0 })), undefined);
    assert.ok(fs.existsSync(stray) && fs.existsSync(strayInShard), 'files the cache did not name are left alone');
    const after = await cache.stats();
    assert.equal(after.images + after.scores, 0);
    // Still usable after a clear.
    await cache.putImage(imageKey(BASE), Buffer.from('again'), 'png');
    assert.ok(await cache.getImage(imageKey(BASE)));
  } finally {
    fs.rmSync(path.dirname(root), { recursive: true, force: true });
  }
});

// -------------------------------------------------------------------------------------------------------------
// The command

function wabi(args: string[], cwd: string, env: Record<string, string | undefined> = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd,
    encoding: 'utf8',
    timeout: 30_000,
    env: { ...process.env, WABI_CACHE_DIR: undefined, ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('wabi cache stats and clear (run `npm run build` first)', async () => {
  const ws = tempDir();
  try {
    // No cache yet: figures are zero and nothing is created.
    const none = wabi(['cache', 'stats', '--json'], ws);
    assert.equal(none.code, 0, none.stderr);
    assert.deepEqual(JSON.parse(none.stdout), { root: path.join(fs.realpathSync(ws), '.wabi', 'cache'), images: 0, scores: 0, hashes: 0, bytes: 0, oldest: null, newest: null, orphans: 0, temp: 0, tempRemoved: 0 });
    assert.ok(!fs.existsSync(path.join(ws, '.wabi')));

    const cache = await ResultCache.open(path.join(ws, '.wabi', 'cache'));
    for (let i = 0; i < 3; i++) {
      const e = await cache.putImageEntry(imageKey({ ...BASE, seed: i }), crypto.randomBytes(2048), 'png');
      await cache.putScores(scoreKey(e.hash, 'traits v1'), { i });
    }
    const text = wabi(['cache', 'stats'], ws);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^cache {3}\.wabi\/cache\nimages {2}3\nscores {2}3\nsize {4}\d+\.\d KiB\noldest {2}\d{4}-.*Z\nnewest {2}\d{4}-.*Z\n$/);
    const json = JSON.parse(wabi(['cache', 'stats', '--json'], ws).stdout) as { images: number; scores: number; bytes: number };
    assert.equal(json.images, 3);
    assert.equal(json.scores, 3);
    assert.ok(json.bytes > 3 * 2048);

    // --cache and WABI_CACHE_DIR point elsewhere.
    const elsewhere = path.join(ws, 'other');
    await (await ResultCache.open(elsewhere)).putImage(imageKey(BASE), Buffer.from('x'), 'png');
    assert.equal(JSON.parse(wabi(['cache', 'stats', '--json', '--cache', 'other'], ws).stdout).images, 1);
    assert.equal(JSON.parse(wabi(['cache', 'stats', '--json'], ws, { WABI_CACHE_DIR: elsewhere }).stdout).images, 1);
    assert.equal(JSON.parse(wabi(['cache', 'stats', '--json', `--cache=${path.join(ws, '.wabi', 'cache')}`], ws, { WABI_CACHE_DIR: elsewhere }).stdout).images, 3);

    const cleared = wabi(['cache', 'clear'], ws);
    assert.equal(cleared.code, 0, cleared.stderr);
    assert.match(cleared.stdout, /^Removed 3 images and 3 score entries \(9 files, \d+\.\d KiB\) from \.wabi\/cache\.\n$/);
    assert.equal(JSON.parse(wabi(['cache', 'stats', '--json'], ws).stdout).images, 0);
    assert.equal(JSON.parse(wabi(['cache', 'stats', '--json', '--cache', 'other'], ws).stdout).images, 1, 'only the chosen cache is cleared');

    for (const args of [['cache'], ['cache', 'purge'], ['cache', 'stats', '--force'], ['cache', 'clear', 'extra'], ['cache', 'stats', '--cache']]) {
      const r = wabi(args, ws);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /^wabi: /);
    }
    fs.writeFileSync(path.join(ws, 'file'), 'not a folder');
    assert.equal(wabi(['cache', 'clear', '--cache', 'file'], ws).code, 2);
    assert.match(wabi(['help'], ws).stdout, /wabi cache stats\|clear/);
  } finally {
    fs.rmSync(ws, { recursive: true, force: true });
  }
});
