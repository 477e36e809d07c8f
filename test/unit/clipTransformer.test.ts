// The CLIP transformer builder (helpers/clipTransformer.ts) that the audit benchmark uses at ViT-B/32's sizes,
// checked here at a tiny size: its parameter count is CLIP's, the project's ClipJudge opens its towers, and they
// behave as CLIP's do (the end-of-text state under a causal mask ignores what follows the end token; every image in
// a batch is embedded on its own).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ClipJudge, cosine } from '../../server/src/scoring/judges/clip';
import { CLIP_PREPROCESSING, type ClipJudgeSpec } from '../../server/src/scoring/judges/spec';
import { ort } from '../../server/src/scoring/session';
import { buildClipImageTower, buildClipTextTower, CLIP_VIT_B32, expectedParameters, type ClipTransformerConfig } from './helpers/clipTransformer';
import { clipTokenizerJson, END, START, writeFiles } from './helpers/judgeModels';

const TINY: ClipTransformerConfig = {
  imageSize: 64,
  patch: 16,
  vision: { width: 32, layers: 2, heads: 4, mlp: 128 },
  text: { width: 24, layers: 2, heads: 3, mlp: 96, vocab: END + 1, context: 16 },
  embedDim: 20,
};

describe('CLIP transformer builder', () => {
  let dir: string;
  let judge: ClipJudge;
  let image: ReturnType<typeof buildClipImageTower>;
  let text: ReturnType<typeof buildClipTextTower>;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wabi-clip-transformer-'));
    image = buildClipImageTower(TINY);
    text = buildClipTextTower(TINY);
    const f = writeFiles(dir, { 'image.onnx': image.bytes, 'text.onnx': text.bytes, 'tokenizer.json': clipTokenizerJson() });
    const spec: ClipJudgeSpec = {
      kind: 'clip',
      name: 'tiny',
      source: path.join(dir, 'judges.wabi'),
      imageModel: f['image.onnx'],
      textModel: f['text.onnx'],
      tokenizer: f['tokenizer.json'],
      preprocess: { ...CLIP_PREPROCESSING, size: TINY.imageSize },
    };
    judge = await ClipJudge.open(spec, { provider: 'cpu' });
  });
  after(async () => {
    await judge?.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test("ViT-B/32's sizes give CLIP ViT-B/32's published parameter count", () => {
    const p = expectedParameters(CLIP_VIT_B32);
    // openai/clip-vit-base-patch32 has 151,277,313 parameters: these plus the logit scale.
    assert.equal(p.image + p.text + 1, 151_277_313);
    assert.equal(p.image, 87_849_216);
  });

  test('the towers hold exactly the parameters of their sizes', () => {
    const p = expectedParameters(TINY);
    assert.equal(image.parameters, p.image);
    assert.equal(text.parameters, p.text);
  });

  test('ClipJudge opens the towers and reads their context length and embedding width', () => {
    assert.equal(judge.contextLength, TINY.text.context);
    assert.equal(judge.embeddingDim, TINY.embedDim);
  });

  test('images of a batch are embedded independently, and different images differently', async () => {
    const rand = (seed: number) => Float32Array.from({ length: 3 * 64 * 64 }, (_, i) => Math.sin(i * 0.37 + seed) * 1.5);
    const a = rand(1);
    const b = rand(2);
    const both = new Float32Array(2 * a.length);
    both.set(a);
    both.set(b, a.length);
    const [ea, eb] = await judge.imageEmbeddings(new ort.Tensor('float32', both, [2, 3, 64, 64]));
    const [alone] = await judge.imageEmbeddings(new ort.Tensor('float32', b, [1, 3, 64, 64]));
    assert.equal(ea.length, TINY.embedDim);
    assert.ok(ea.every(Number.isFinite));
    for (let i = 0; i < eb.length; i++) assert.ok(Math.abs(eb[i] - alone[i]) < 1e-4, `dimension ${i}: ${eb[i]} batched, ${alone[i]} alone`);
    assert.ok(cosine(ea, eb) < 0.999, 'two different images got the same embedding');
  });

  test('the text embedding is the end token state: tokens after it change nothing, tokens before it do', async () => {
    const session = await ort.InferenceSession.create(text.bytes);
    const L = TINY.text.context;
    const row = (body: number[], tail: number) => [START, ...body, END, ...Array(L - body.length - 2).fill(tail)];
    const ids = [row([300, 301, 302], END), row([300, 301, 302], 7), row([300, 301, 303], END)];
    const out = await session.run({ input_ids: new ort.Tensor('int64', BigInt64Array.from(ids.flat(), BigInt), [3, L]) });
    const e = out.text_embeds;
    assert.deepEqual(e.dims, [3, TINY.embedDim]);
    const data = e.data as Float32Array;
    const [x, y, z] = [0, 1, 2].map((i) => data.slice(i * TINY.embedDim, (i + 1) * TINY.embedDim));
    for (let i = 0; i < x.length; i++) assert.ok(Math.abs(x[i] - y[i]) < 1e-4, `dimension ${i}: padding after the end token changed it`);
    assert.ok(cosine(x, z) < 0.999, 'a different token before the end token did not change the embedding');
    await session.release();
  });

  test('the judge scores real text against images through the tokenizer', async () => {
    const [e] = await judge.textEmbeddings(['a heavily grainy, underexposed photo of a cow']);
    assert.equal(e.length, TINY.embedDim);
    assert.ok(e.every(Number.isFinite));
  });
});
