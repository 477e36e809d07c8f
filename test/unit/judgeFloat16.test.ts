// float16 judge models: the same CLIP transformer, aesthetic head and reward model written once in float32 and once
// as a float16 export (weights, inputs and outputs in half precision: graph.ts's toModel({ float16: true })), opened
// through the real loading code and run on real photographs. The float16 ones load, take their inputs converted
// from float32 and give float32 back, and score what the float32 ones score within half precision's tolerance.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AestheticJudge } from '../../server/src/scoring/judges/aesthetic';
import { ClipJudge } from '../../server/src/scoring/judges/clip';
import { RewardJudge } from '../../server/src/scoring/judges/reward';
import { CLIP_PREPROCESSING, type AestheticJudgeSpec, type ClipJudgeSpec, type RewardJudgeSpec } from '../../server/src/scoring/judges/spec';
import { buildClipImageTower, buildClipTextTower, type ClipTransformerConfig } from './helpers/clipTransformer';
import { buildAestheticHead, buildRewardModel, clipTokenizerJson, END, writeFiles } from './helpers/judgeModels';
import { PHOTOS, photoPath } from './helpers/traits';

const CONFIG: ClipTransformerConfig = {
  imageSize: 64,
  patch: 16,
  vision: { width: 48, layers: 2, heads: 4, mlp: 192 },
  text: { width: 32, layers: 2, heads: 4, mlp: 128, vocab: END + 1, context: 16 },
  embedDim: 16,
};
const CPU = { provider: 'cpu' as const };
const IMAGES = PHOTOS.map(photoPath);
/** Half precision keeps 11 significant bits (a relative step of 2^-11 = 4.9e-4): ten such steps, for a few
 *  layers that round every intermediate to it (the CLIP towers here came within 1.6 steps). */
const HALF_TOLERANCE = 5e-3;

let dir: string;
let f: Record<string, string>;

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wabi-judge-fp16-'));
  const half = { float16: true };
  f = writeFiles(dir, {
    'fp32/image.onnx': buildClipImageTower(CONFIG).bytes,
    'fp32/text.onnx': buildClipTextTower(CONFIG).bytes,
    'fp32/aesthetic.onnx': buildAestheticHead({ dim: CONFIG.embedDim }).bytes,
    'fp32/reward.onnx': buildRewardModel({ size: 64, text: true }).bytes,
    'fp16/image.onnx': buildClipImageTower(CONFIG, 1, half).bytes,
    'fp16/text.onnx': buildClipTextTower(CONFIG, 2, half).bytes,
    'fp16/aesthetic.onnx': buildAestheticHead({ dim: CONFIG.embedDim, float16: true }).bytes,
    'fp16/reward.onnx': buildRewardModel({ size: 64, text: true, float16: true }).bytes,
    'tokenizer.json': clipTokenizerJson(),
  });
});

after(() => fs.rmSync(dir, { recursive: true, force: true }));

const source = () => path.join(dir, 'judges.wabi');

function clipSpec(precision: 'fp32' | 'fp16'): ClipJudgeSpec {
  return {
    kind: 'clip',
    name: `clip-${precision}`,
    source: source(),
    imageModel: f[`${precision}/image.onnx`],
    textModel: f[`${precision}/text.onnx`],
    tokenizer: f['tokenizer.json'],
    preprocess: { ...CLIP_PREPROCESSING, size: CONFIG.imageSize },
  };
}

/** Every value of `got` within `tol` of `expected`, relative to the largest expected magnitude (at least 1). */
function assertNear(got: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): number {
  assert.equal(got.length, expected.length, what);
  const scale = Math.max(1, ...Array.from(expected, Math.abs));
  let worst = 0;
  for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i] - expected[i]) / scale);
  assert.ok(worst <= tol, `${what}: differs by ${worst} of its scale`);
  return worst;
}

test('a float16 CLIP judge loads, and its embeddings and similarities are the float32 model\'s within half precision', async () => {
  const [full, half] = [await ClipJudge.open(clipSpec('fp32'), CPU), await ClipJudge.open(clipSpec('fp16'), CPU)];
  try {
    const sig = half.models.image.signature;
    assert.deepEqual([sig.inputs[0].type, sig.outputs[0].type], ['float16', 'float16'], 'the export really is float16 at its edges');
    assert.equal(half.models.text.signature.outputs[0].type, 'float16');
    assert.equal(half.embeddingDim, CONFIG.embedDim);
    const [a, b] = [await full.imageEmbeddings(IMAGES), await half.imageEmbeddings(IMAGES)];
    let worst = 0;
    b.forEach((e, i) => {
      assert.ok(e instanceof Float32Array, 'float16 outputs come back as float32');
      worst = Math.max(worst, assertNear(e, a[i], HALF_TOLERANCE, `image ${i}`));
    });
    const texts = ['a photo of a cat', 'a rocket on the launch pad'];
    const [ta, tb] = [await full.textEmbeddings(texts), await half.textEmbeddings(texts)];
    tb.forEach((e, i) => (worst = Math.max(worst, assertNear(e, ta[i], HALF_TOLERANCE, texts[i]))));
    for (const t of texts) assertNear(await half.similarity(IMAGES, t), await full.similarity(IMAGES, t), HALF_TOLERANCE, `similarity to '${t}'`);
    console.log(`float16 CLIP: largest difference from float32 ${worst.toExponential(2)} of the values' scale`);
    // The models differ only in precision; a float16 model that ignored its input would not come near.
    assert.ok(worst > 0, 'half precision changes something');
  } finally {
    await full.dispose();
    await half.dispose();
  }
});

test('a float16 aesthetic head on a float16 encoder, and a float16 reward model reading the prompt, score as their float32 models do', async () => {
  const clips = [await ClipJudge.open(clipSpec('fp32'), CPU), await ClipJudge.open(clipSpec('fp16'), CPU)];
  const heads: AestheticJudge[] = [];
  const rewards: RewardJudge[] = [];
  try {
    for (const [k, precision] of (['fp32', 'fp16'] as const).entries()) {
      const aesthetic: AestheticJudgeSpec = { kind: 'aesthetic', name: `laion-${precision}`, source: source(), model: f[`${precision}/aesthetic.onnx`], encoder: clips[k].spec.name };
      heads.push(await AestheticJudge.open(aesthetic, clips[k], CPU));
      const reward: RewardJudgeSpec = {
        kind: 'reward',
        name: `hps-${precision}`,
        source: source(),
        model: f[`${precision}/reward.onnx`],
        tokenizer: f['tokenizer.json'],
        preprocess: { ...CLIP_PREPROCESSING, size: 64 },
      };
      rewards.push(await RewardJudge.open(reward, CPU));
    }
    assert.equal(rewards[1].models.model.signature.outputs[0].type, 'float16');
    const [sa, sb] = [await heads[0].score(IMAGES), await heads[1].score(IMAGES)];
    assertNear(sb, sa, HALF_TOLERANCE, 'aesthetic scores');
    assert.ok(new Set(sb.map((s) => s.toFixed(3))).size > 1, 'the float16 head tells the photographs apart');
    for (const prompt of ['a photo of a cat', 'murky darkness']) {
      assertNear(await rewards[1].score(IMAGES, prompt), await rewards[0].score(IMAGES, prompt), HALF_TOLERANCE, `rewards for '${prompt}'`);
    }
  } finally {
    for (const j of [...heads, ...rewards, ...clips]) await j.dispose();
  }
});
