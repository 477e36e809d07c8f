// The batch scorer on real files: results in input order whatever the batch size, unreadable files reported in
// place without stopping the others, scores equal to scoring each image alone, and cancellation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { decodeImage } from '../../server/src/scoring/images';
import { cpuSessionLayout, isFailure, TraitScorer } from '../../server/src/scoring/traitScorer';
import { blur } from '../../server/src/scoring/traits/blur';
import { PHOTOS, photoPath } from './helpers/traits';

const resolve = () => blur;

test('scores files in input order with failures in place, for any batch size', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wabi-scorer-'));
  try {
    fs.writeFileSync(path.join(dir, 'broken.jpg'), 'not a jpeg');
    const files = [photoPath(PHOTOS[0]), path.join(dir, 'broken.jpg'), photoPath(PHOTOS[1]), path.join(dir, 'gone.png'), photoPath(PHOTOS[2]), photoPath(PHOTOS[3])];
    const lines: string[] = [];
    const scorer = await TraitScorer.open({ analysers: [blur], resolve, provider: 'auto', log: (l) => lines.push(l) });
    assert.equal(scorer.provider, 'cpu');
    assert.equal(lines.length, 1, 'one line says where it runs');
    assert.match(lines[0], /trait analysers: running on cpu/);
    await scorer.close();

    let reference: number[] | undefined;
    for (const batchSize of [1, 2, 4, 32]) {
      const s = await TraitScorer.open({ analysers: [blur], resolve, provider: 'cpu', batchSize });
      const results = [];
      for await (const r of s.scoreFiles(files)) results.push(r);
      await s.close();
      assert.deepEqual(
        results.map((r) => path.basename(r.file)),
        files.map((f) => path.basename(f)),
      );
      assert.match((results[1] as { error: string }).error, /not an image/);
      assert.match((results[3] as { error: string }).error, /no such file/);
      const scores = results.filter((r) => !isFailure(r)).map((r) => (isFailure(r) ? NaN : r.traits.blur));
      assert.equal(scores.length, 4);
      if (reference) assert.deepEqual(scores, reference, `batch ${batchSize} scores like batch 1`);
      reference = scores;
    }
    // Batching changes nothing: each image alone gives the same score.
    const alone = await TraitScorer.open({ analysers: [blur], resolve, provider: 'cpu' });
    const single = await alone.scoreBatch([await decodeImage(photoPath(PHOTOS[2]))]);
    await alone.close();
    assert.equal(single[0].traits.blur, reference![2]);
    assert.ok(single[0].raw.blur > 10, 'raw Laplacian variance is in its own unit');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('on the CPU the model runs as one session per core, up to 4, the cores split between them as threads', () => {
  assert.deepEqual(cpuSessionLayout(1), { sessions: 1, threads: 1 });
  assert.deepEqual(cpuSessionLayout(2), { sessions: 2, threads: 1 });
  assert.deepEqual(cpuSessionLayout(3), { sessions: 3, threads: 1 });
  assert.deepEqual(cpuSessionLayout(6), { sessions: 4, threads: 1 });
  assert.deepEqual(cpuSessionLayout(16), { sessions: 4, threads: 4 });
  assert.deepEqual(cpuSessionLayout(64), { sessions: 4, threads: 16 });
});

test('batches go to the least busy session, and every session scores alike', async (t) => {
  const { sessions } = cpuSessionLayout(os.availableParallelism());
  if (sessions < 2) return t.skip('one core here: one session');
  const scorer = await TraitScorer.open({ analysers: [blur], resolve, provider: 'cpu', batchSize: 1 });
  try {
    assert.equal(scorer.batchesPerSession.length, sessions);
    const image = await decodeImage(photoPath(PHOTOS[1]));
    // As many batches at once as sessions: one each.
    const results = await Promise.all(Array.from({ length: sessions }, () => scorer.scoreBatch([image])));
    assert.deepEqual(scorer.batchesPerSession, Array(sessions).fill(1));
    for (const r of results) assert.deepEqual(r[0].raw, results[0][0].raw);
    // A stream of files keeps every session busy.
    const files = Array.from({ length: 12 }, (_, i) => photoPath(PHOTOS[i % PHOTOS.length]));
    for await (const r of scorer.scoreFiles(files)) assert.ok(!isFailure(r));
    assert.ok(scorer.batchesPerSession.every((n) => n >= 3), `batches per session: ${scorer.batchesPerSession.join(', ')}`);
  } finally {
    await scorer.close();
  }
});

test('stops promptly when cancelled and keeps what it yielded', async () => {
  const files = Array.from({ length: 40 }, (_, i) => photoPath(PHOTOS[i % PHOTOS.length]));
  const scorer = await TraitScorer.open({ analysers: [blur], resolve, provider: 'cpu', batchSize: 2 });
  const controller = new AbortController();
  const got = [];
  for await (const r of scorer.scoreFiles(files, controller.signal)) {
    got.push(r);
    if (got.length === 3) controller.abort();
  }
  await scorer.close();
  assert.ok(got.length >= 3 && got.length <= 4, `yielded ${got.length} after cancelling at 3`);
});

test('inference leaves the calling thread free: timers and file reads run while a batch is scored', async () => {
  // onnxruntime-node's run blocks the thread that calls it; on the main thread no timer, file read or decode
  // could proceed until the whole batch was done. The scorer runs the model in a worker thread instead.
  const { TRAIT_ANALYSERS, traitAnalyser } = await import('../../server/src/scoring/traits/index');
  const scorer = await TraitScorer.open({ analysers: TRAIT_ANALYSERS, resolve: traitAnalyser, provider: 'cpu' });
  try {
    const images = await Promise.all(PHOTOS.map((p) => decodeImage(photoPath(p))));
    const batch = [...images, ...images];
    await scorer.scoreBatch(batch.slice(0, 1)); // kernels and arenas warm
    let scored = false;
    const run = scorer.scoreBatch(batch).then((r) => {
      scored = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 5));
    const read = await fs.promises.readFile(photoPath(PHOTOS[0]));
    assert.ok(read.length > 0);
    assert.equal(scored, false, 'a timer and a file read completed while the batch of 8 was still being scored');
    assert.equal((await run).length, batch.length);
  } finally {
    await scorer.close();
  }
});

test('a released scorer refuses further batches with a reason, and a model that cannot load fails its open', async () => {
  const scorer = await TraitScorer.open({ analysers: [blur], resolve, provider: 'cpu' });
  const image = await decodeImage(photoPath(PHOTOS[0]));
  await scorer.close();
  await assert.rejects(scorer.scoreBatch([image]), /inference worker stopped/);
  // A provider that is not there fails the open with the reason. Which one is missing depends on the machine: a
  // software Vulkan driver (Mesa's lavapipe) lets WebGPU load without a GPU, and CUDA needs its own binaries.
  let refused = 0;
  for (const provider of ['cuda', 'webgpu'] as const) {
    const opened = await TraitScorer.open({ analysers: [blur], resolve, provider }).catch((e: Error) => e);
    if (opened instanceof TraitScorer) await opened.close();
    else {
      assert.match(opened.message, new RegExp(`^trait analysers: the ${provider} execution provider is not available here: `));
      refused++;
    }
  }
  console.log(`providers refused here: ${refused} of cuda and webgpu`);
});
