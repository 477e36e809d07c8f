// Judge models batch the items of every caller waiting at the same moment (judges/batcher.ts through JudgeModel),
// on real ONNX sessions and real photographs: a CLIP transformer (helpers/clipTransformer.ts, CLIP's architecture
// at a small size) gives each image what a batch of one gives it, in order, whoever asked; a reward model keeps
// each caller's prompt; a lone image waits no longer than the gather window; cancelling or releasing lets waiting
// items go; and inference leaves the calling thread free.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { BatchCancelled } from '../../server/src/scoring/judges/batcher';
import { ClipJudge } from '../../server/src/scoring/judges/clip';
import { RewardJudge } from '../../server/src/scoring/judges/reward';
import { CLIP_PREPROCESSING, type ClipJudgeSpec, type RewardJudgeSpec } from '../../server/src/scoring/judges/spec';
import type { ort } from '../../server/src/scoring/session';
import { buildClipImageTower, buildClipTextTower, type ClipTransformerConfig } from './helpers/clipTransformer';
import { buildRewardModel, clipTokenizerJson, END, writeFiles } from './helpers/judgeModels';
import { PHOTOS, photoPath } from './helpers/traits';

const SMALL: ClipTransformerConfig = {
  imageSize: 64,
  patch: 16,
  vision: { width: 48, layers: 2, heads: 4, mlp: 192 },
  text: { width: 32, layers: 2, heads: 4, mlp: 128, vocab: END + 1, context: 16 },
  embedDim: 24,
};
/** Big enough that a batch of 8 takes a while on a CPU (for the thread test): 197 tokens of width 192. */
const SLOW: ClipTransformerConfig = { ...SMALL, imageSize: 224, vision: { width: 192, layers: 4, heads: 4, mlp: 768 } };

let dir: string;
let files: Record<string, string>;
/** Twelve different images: the photographs, mirrored, and tinted. */
let images: Buffer[];

function clipSpec(image = files['image.onnx'], size = SMALL.imageSize): ClipJudgeSpec {
  return {
    kind: 'clip',
    name: 'small',
    source: path.join(dir, 'judges.wabi'),
    imageModel: image,
    textModel: files['text.onnx'],
    tokenizer: files['tokenizer.json'],
    preprocess: { ...CLIP_PREPROCESSING, size },
  };
}

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wabi-judge-batch-'));
  files = writeFiles(dir, {
    'image.onnx': buildClipImageTower(SMALL).bytes,
    'slow.onnx': buildClipImageTower(SLOW).bytes,
    'text.onnx': buildClipTextTower(SMALL).bytes,
    'tokenizer.json': clipTokenizerJson(),
    'reward.onnx': buildRewardModel({ size: 64, text: true }).bytes,
  });
  images = [];
  for (const name of PHOTOS) {
    const photo = sharp(photoPath(name)).resize(160, 120);
    images.push(await photo.clone().png().toBuffer(), await photo.clone().flop().png().toBuffer(), await photo.clone().tint({ r: 200, g: 120, b: 60 }).png().toBuffer());
  }
});

after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Asserts `got[i]` is `expected[i]` within `tol` (relative to the vector's scale) and nearer it than any other. */
function assertSameRows(got: readonly Float32Array[], expected: readonly Float32Array[], tol: number): void {
  assert.equal(got.length, expected.length);
  const distance = (a: Float32Array, b: Float32Array) => Math.max(...Array.from(a, (v, k) => Math.abs(v - b[k])));
  got.forEach((g, i) => {
    const scale = Math.max(1, ...Array.from(expected[i], Math.abs));
    assert.ok(distance(g, expected[i]) <= tol * scale, `row ${i}: differs by ${distance(g, expected[i])}`);
    expected.forEach((e, j) => assert.ok(j === i || distance(g, e) > distance(g, expected[i]), `row ${i} is nearer row ${j}'s image`));
  });
}

describe('batching across callers', () => {
  let alone: ClipJudge;
  let batched: ClipJudge;
  /** Each image's embedding from a batch of one. */
  let reference: Float32Array[];
  let tensors: ort.Tensor[];

  before(async () => {
    alone = await ClipJudge.open(clipSpec(), { provider: 'cpu', maxBatch: 1 });
    batched = await ClipJudge.open(clipSpec(), { provider: 'cpu', maxBatch: 8, gatherMs: 50 });
    tensors = await Promise.all(images.map((img) => alone.preprocess([img])));
    reference = [];
    for (const t of tensors) reference.push(...(await alone.imageEmbeddings(t)));
  });
  after(async () => {
    await alone?.dispose();
    await batched?.dispose();
  });

  test('callers asking at once share batches, and each image gets what a batch of one gives it, in order', async () => {
    assert.equal(alone.models.image.maxBatch, 1);
    assert.deepEqual(alone.models.image.stats, { batches: 12, items: 12, largest: 1 });
    // Five callers (a test's seeds, an audit's pairs) asking about 1 to 5 images each, all at the same moment.
    const groups = [[0], [1, 2], [3, 4, 5], [6], [7, 8, 9, 10, 11]];
    const results = await Promise.all(groups.map((g) => batched.imageEmbeddings(stackTensors(g.map((i) => tensors[i])))));
    assertSameRows(results.flat(), groups.flat().map((i) => reference[i]), 1e-5);
    // The first 8 images left as one batch the moment they were there; the other 4 went as soon as it was done.
    assert.deepEqual(batched.models.image.stats, { batches: 2, items: 12, largest: 8 });

    // From files through the whole path (decoding, resizing): the same values.
    const fromFiles = await Promise.all(groups.map((g) => batched.imageEmbeddings(g.map((i) => images[i]))));
    assertSameRows(fromFiles.flat(), groups.flat().map((i) => reference[i]), 1e-5);
  });

  test('similarity and text embeddings batched across callers equal one at a time', async () => {
    const texts = ['a photo of a cat', 'a rocket', 'coffee in a cup', 'an astronaut', 'murky darkness'];
    const one: number[][] = [];
    for (const [k, t] of texts.entries()) one.push(await alone.similarity([images[k]], t));
    const many = await Promise.all(texts.map((t, k) => batched.similarity([images[k]], t)));
    many.forEach((s, k) => assert.ok(Math.abs(s[0] - one[k][0]) < 1e-5, `${texts[k]}: ${s[0]} vs ${one[k][0]}`));
    assert.ok(batched.models.text.stats.largest > 1, 'the texts of several callers ran together');
  });

  test("a reward model batched across callers keeps each caller's prompt", async () => {
    const spec: RewardJudgeSpec = {
      kind: 'reward',
      name: 'hps',
      source: path.join(dir, 'judges.wabi'),
      model: files['reward.onnx'],
      tokenizer: files['tokenizer.json'],
      preprocess: { ...CLIP_PREPROCESSING, size: 64 },
    };
    const one = await RewardJudge.open(spec, { provider: 'cpu', maxBatch: 1 });
    const many = await RewardJudge.open(spec, { provider: 'cpu', maxBatch: 16, gatherMs: 50 });
    try {
      const prompts = ['a photo of a cat', 'a rocket on the pad', 'heavy film grain', 'murky darkness'];
      const calls = prompts.map((p, k) => ({ prompt: p, images: [images[3 * k], images[3 * k + 1]] }));
      const expected: number[][] = [];
      for (const c of calls) expected.push(await one.score(c.images, c.prompt));
      const got = await Promise.all(calls.map((c) => many.score(c.images, c.prompt)));
      got.forEach((g, k) => g.forEach((s, j) => assert.ok(Math.abs(s - expected[k][j]) < 1e-5, `${prompts[k]} image ${j}: ${s} vs ${expected[k][j]}`)));
      assert.equal(many.models.model.stats.largest, 8, 'the four callers ran as one batch');
      // The prompt matters to this model, so a mixed-up prompt would have shown above.
      const [other] = await one.score([images[0]], prompts[1]);
      assert.ok(Math.abs(other - expected[0][0]) > 1e-3);
    } finally {
      await one.dispose();
      await many.dispose();
    }
  });
});

describe('waiting', () => {
  test('a lone image waits for company no longer than the gather window', async () => {
    const judge = await ClipJudge.open(clipSpec(), { provider: 'cpu', maxBatch: 8, gatherMs: 150 });
    try {
      const tensor = await judge.preprocess([images[0]]);
      await judge.imageEmbeddings(tensor);
      const t0 = performance.now();
      await judge.imageEmbeddings(tensor);
      const ms = performance.now() - t0;
      assert.ok(ms >= 140, `it left after ${ms.toFixed(0)} ms, before the window closed`);
      assert.ok(ms < 2000, `it waited ${ms.toFixed(0)} ms`);
      assert.deepEqual(judge.models.image.stats, { batches: 2, items: 2, largest: 1 });
    } finally {
      await judge.dispose();
    }
  });

  test('cancelling lets a waiting image go at once, and it is left out of the batch; releasing the model lets the rest go', async () => {
    const judge = await ClipJudge.open(clipSpec(), { provider: 'cpu', maxBatch: 3, gatherMs: 60_000 });
    const tensors = await Promise.all(images.slice(0, 5).map((img) => judge.preprocess([img])));
    const stop = new AbortController();
    const a = judge.imageEmbeddings(tensors[0], stop.signal);
    const b = judge.imageEmbeddings(tensors[1]);
    const t0 = performance.now();
    stop.abort();
    await assert.rejects(a, BatchCancelled);
    assert.ok(performance.now() - t0 < 500, 'the cancelled image did not wait for the window');
    // Two more fill the batch of 3 with the one still waiting: it runs without the cancelled image.
    const [rb, rc, rd] = await Promise.all([b, judge.imageEmbeddings(tensors[2]), judge.imageEmbeddings(tensors[3])]);
    assert.deepEqual(judge.models.image.stats, { batches: 1, items: 3, largest: 3 });
    const alone = await ClipJudge.open(clipSpec(), { provider: 'cpu', maxBatch: 1 });
    try {
      assertSameRows([rb, rc, rd].flat(), [...(await alone.imageEmbeddings(tensors[1])), ...(await alone.imageEmbeddings(tensors[2])), ...(await alone.imageEmbeddings(tensors[3]))], 1e-5);
    } finally {
      await alone.dispose();
    }
    const released = assert.rejects(judge.imageEmbeddings(tensors[4]), /judge 'small' \(image\.onnx\): the model was released/);
    await judge.dispose();
    await released;
  });

  test('inference leaves the calling thread free: a timer and a file read finish while a batch is encoded', async () => {
    // onnxruntime-node's run blocks the thread that calls it: on the main thread nothing else would run until the
    // whole batch was done. Judge models run in a worker thread.
    const judge = await ClipJudge.open(clipSpec(files['slow.onnx'], SLOW.imageSize), { provider: 'cpu', maxBatch: 8, gatherMs: 0 });
    try {
      const batch = await judge.preprocess(images.slice(0, 8));
      await judge.imageEmbeddings(await judge.preprocess([images[0]])); // kernels and arenas warm
      let done = false;
      const t0 = performance.now();
      const run = judge.imageEmbeddings(batch).then((r) => {
        done = true;
        return r;
      });
      await new Promise((r) => setTimeout(r, 5));
      assert.ok((await fs.promises.readFile(photoPath(PHOTOS[0]))).length > 0);
      const freeAfter = performance.now() - t0;
      assert.equal(done, false, 'a timer and a file read completed while the batch of 8 was still being encoded');
      assert.equal((await run).length, 8);
      console.log(`timer and read done after ${freeAfter.toFixed(0)} ms of a ${(performance.now() - t0).toFixed(0)} ms batch`);
    } finally {
      await judge.dispose();
    }
  });
});

/** One [N,3,S,S] tensor of several one-image tensors. */
function stackTensors(ts: readonly ort.Tensor[]): ort.Tensor {
  const per = (ts[0].data as Float32Array).length;
  const data = new Float32Array(per * ts.length);
  ts.forEach((t, i) => data.set(t.data as Float32Array, i * per));
  const [, c, h, w] = ts[0].dims;
  return new (ts[0].constructor as typeof ort.Tensor)('float32', data, [ts.length, c, h, w]);
}
