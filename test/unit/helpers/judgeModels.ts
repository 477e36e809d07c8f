// Small ONNX models with the signatures of real judges, built with the project's graph builder and random
// weights from a seeded PRNG, plus TypeScript references of what they compute; a small CLIP-style
// tokenizer.json in the real format (byte-level BPE vocab + merges learned from a few sentences); and an
// independent TypeScript port of CLIP's own Python tokenizer to check the tokenizer library against.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Graph, type DType, type Dim, type Value } from '../../../server/src/scoring/onnx/graph';
import { ProtoWriter } from '../../../server/src/scoring/onnx/protobuf';
import { mulberry32 } from '../../../server/src/generation/degradations';

// ---- randomness ---------------------------------------------------------------------------------------------

/** mulberry32: a deterministic PRNG, uniform in [0, 1). */
export const prng = mulberry32;

/** `n` uniform values in [-scale, scale]. */
export function weights(rand: () => number, n: number, scale: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (rand() * 2 - 1) * scale;
  return out;
}

// ---- the image tower shared by the image encoder and the reward model ------------------------------------

/** Strided patch convolution (a ViT patch embedding), ReLU, global mean pool, linear projection. */
export interface ImageTower {
  readonly size: number;
  readonly patch: number;
  readonly channels: number;
  readonly dim: number;
  /** [channels, 3, patch, patch] */
  readonly conv: Float32Array;
  /** [channels, dim] */
  readonly proj: Float32Array;
}

export function imageTower(rand: () => number, size: number, channels: number, dim: number): ImageTower {
  const patch = 16;
  return {
    size,
    patch,
    channels,
    dim,
    conv: weights(rand, channels * 3 * patch * patch, 0.05),
    proj: weights(rand, channels * dim, 0.5),
  };
}

function addImageTower(g: Graph, x: Value, t: ImageTower): Value {
  const w = g.constant(t.conv, [t.channels, 3, t.patch, t.patch]);
  const features = g.relu(g.conv(x, w, { strides: [t.patch, t.patch] }));
  const pooled = g.reduce('ReduceMean', features, [2, 3], false);
  return g.matmul(pooled, g.constant(t.proj, [t.channels, t.dim]));
}

/** What the tower computes for one [3, size, size] image (TypeScript reference). */
export function imageTowerReference(t: ImageTower, image: Float32Array): Float32Array {
  const { size, patch: p, channels } = t;
  const grid = Math.floor((size - p) / p) + 1;
  const pooled = new Float64Array(channels);
  for (let c = 0; c < channels; c++) {
    let total = 0;
    for (let oy = 0; oy < grid; oy++) {
      for (let ox = 0; ox < grid; ox++) {
        let s = 0;
        for (let k = 0; k < 3; k++) {
          for (let ky = 0; ky < p; ky++) {
            const row = k * size * size + (oy * p + ky) * size + ox * p;
            const wrow = ((c * 3 + k) * p + ky) * p;
            for (let kx = 0; kx < p; kx++) s += image[row + kx] * t.conv[wrow + kx];
          }
        }
        total += Math.max(0, s);
      }
    }
    pooled[c] = total / (grid * grid);
  }
  return matvec(pooled, t.proj, channels, t.dim);
}

function matvec(v: ArrayLike<number>, m: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(cols);
  for (let j = 0; j < cols; j++) {
    let s = 0;
    for (let i = 0; i < rows; i++) s += v[i] * m[i * cols + j];
    out[j] = s;
  }
  return out;
}

// ---- the text tower -------------------------------------------------------------------------------------------

/** Token embedding, mean over the sequence (over unmasked tokens when there is a mask), linear projection. */
export interface TextTower {
  readonly vocab: number;
  readonly width: number;
  readonly dim: number;
  /** [vocab, width] */
  readonly embed: Float32Array;
  /** [width, dim] */
  readonly proj: Float32Array;
}

export const CLIP_VOCAB = 49408;

export function textTower(rand: () => number, width: number, dim: number, vocab = CLIP_VOCAB): TextTower {
  return { vocab, width, dim, embed: weights(rand, vocab * width, 1), proj: weights(rand, width * dim, 0.5) };
}

function addTextTower(g: Graph, ids: Value, mask: Value | undefined, t: TextTower): Value {
  const tokens = g.node('Gather', [g.constant(t.embed, [t.vocab, t.width]), ids], { axis: { kind: 'int', value: 0 } });
  let pooled: Value;
  if (mask) {
    const m = g.cast(mask, 'float32');
    const m3 = g.node('Unsqueeze', [m, g.int64s([2])]);
    const summed = g.reduce('ReduceSum', g.mul(tokens, m3), [1], false);
    const count = g.reduce('ReduceSum', m, [1], true);
    pooled = g.div(summed, count);
  } else {
    pooled = g.reduce('ReduceMean', tokens, [1], false);
  }
  return g.matmul(pooled, g.constant(t.proj, [t.width, t.dim]));
}

/** What the tower computes for one sequence of ids (TypeScript reference). */
export function textTowerReference(t: TextTower, ids: readonly number[], mask?: readonly number[]): Float32Array {
  const pooled = new Float64Array(t.width);
  let count = 0;
  ids.forEach((id, i) => {
    if (mask && !mask[i]) return;
    count++;
    for (let k = 0; k < t.width; k++) pooled[k] += t.embed[id * t.width + k];
  });
  for (let k = 0; k < t.width; k++) pooled[k] /= count;
  return matvec(pooled, t.proj, t.width, t.dim);
}

// ---- models ------------------------------------------------------------------------------------------------------

export interface ImageEncoderOptions {
  readonly size?: number;
  readonly dim?: number;
  readonly seed?: number;
  readonly inputName?: string;
  readonly outputName?: string;
  /** Type of the image input; anything but float32 is cast to float32 inside. */
  readonly inputType?: DType;
  /** Batch dimension (default symbolic 'N'). */
  readonly batch?: Dim;
  /** Flatten the input to [N, 3*size*size] (a wrong-rank model). */
  readonly flat?: boolean;
}

export function buildImageEncoder(o: ImageEncoderOptions = {}): { bytes: Uint8Array; tower: ImageTower } {
  const size = o.size ?? 224;
  const tower = imageTower(prng(o.seed ?? 1), size, 8, o.dim ?? 16);
  const g = new Graph('image_encoder');
  const batch = o.batch ?? 'N';
  const type = o.inputType ?? 'float32';
  let x = g.input(o.inputName ?? 'pixel_values', type, o.flat ? [batch, 3 * size * size] : [batch, 3, size, size]);
  if (type !== 'float32') x = g.cast(x, 'float32');
  if (o.flat) x = g.reshape(x, [-1, 3, size, size]);
  g.output(addImageTower(g, x, tower), o.outputName ?? 'image_embeds', 'float32', [batch, tower.dim]);
  return { bytes: g.toModel(), tower };
}

export interface TextEncoderOptions {
  readonly dim?: number;
  readonly seed?: number;
  readonly length?: Dim;
  readonly mask?: boolean;
  readonly inputName?: string;
  readonly outputName?: string;
  readonly idsType?: 'int64' | 'int32';
  /** Output the per-token states [N, L, dim] instead of a pooled embedding (a model with the wrong output). */
  readonly perToken?: boolean;
}

export function buildTextEncoder(o: TextEncoderOptions = {}): { bytes: Uint8Array; tower: TextTower } {
  const tower = textTower(prng(o.seed ?? 2), 8, o.dim ?? 16);
  const g = new Graph('text_encoder');
  const length = o.length ?? 77;
  const idsType = o.idsType ?? 'int64';
  const ids = g.input(o.inputName ?? 'input_ids', idsType, ['N', length]);
  const mask = o.mask === false ? undefined : g.input('attention_mask', idsType, ['N', length]);
  if (o.perToken) {
    const tokens = g.node('Gather', [g.constant(tower.embed, [tower.vocab, tower.width]), ids], { axis: { kind: 'int', value: 0 } });
    g.output(tokens, o.outputName ?? 'last_hidden_state', 'float32', ['N', length, tower.width]);
  } else {
    g.output(addTextTower(g, ids, mask, tower), o.outputName ?? 'text_embeds', 'float32', ['N', tower.dim]);
  }
  return { bytes: g.toModel(), tower };
}

/** A LAION-style aesthetic MLP head: [N, dim] -> Linear -> ReLU -> Linear -> [N, 1], centred on 5. */
export interface AestheticHead {
  readonly dim: number;
  readonly hidden: number;
  readonly w1: Float32Array;
  readonly b1: Float32Array;
  readonly w2: Float32Array;
  readonly b2: number;
}

export function buildAestheticHead(o: { dim?: number; seed?: number; inputName?: string; outputName?: string; float16?: boolean } = {}): { bytes: Uint8Array; head: AestheticHead } {
  const rand = prng(o.seed ?? 3);
  const dim = o.dim ?? 16;
  const hidden = 32;
  const head: AestheticHead = { dim, hidden, w1: weights(rand, dim * hidden, 1), b1: weights(rand, hidden, 0.1), w2: weights(rand, hidden, 0.5), b2: 5 };
  const g = new Graph('aesthetic_head');
  const x = g.input(o.inputName ?? 'input', 'float32', ['N', dim]);
  const h = g.relu(g.add(g.matmul(x, g.constant(head.w1, [dim, hidden])), g.constant(head.b1, [hidden])));
  const y = g.add(g.matmul(h, g.constant(head.w2, [hidden, 1])), g.constant([head.b2], [1]));
  g.output(y, o.outputName ?? 'score', 'float32', ['N', 1]);
  return { bytes: g.toModel({ float16: o.float16 }), head };
}

export function aestheticReference(head: AestheticHead, embedding: Float32Array): number {
  let n = 0;
  for (const v of embedding) n += v * v;
  const x = embedding.map((v) => v / Math.sqrt(n));
  let y = head.b2;
  for (let j = 0; j < head.hidden; j++) {
    let s = head.b1[j];
    for (let i = 0; i < head.dim; i++) s += x[i] * head.w1[i * head.hidden + j];
    y += Math.max(0, s) * head.w2[j];
  }
  return y;
}

/** A reward model: image tower, and with `text` a text tower; the score is their dot product (with text) or a
 *  linear read-out of the image embedding (without), plus a bias. */
export interface RewardModel {
  readonly image: ImageTower;
  readonly text?: TextTower;
  readonly readout: Float32Array;
  readonly bias: number;
}

export function buildRewardModel(
  o: { size?: number; text?: boolean; mask?: boolean; seed?: number; imageName?: string; outputName?: string; outputShape?: 'N' | 'N1'; float16?: boolean } = {},
): { bytes: Uint8Array; model: RewardModel } {
  const rand = prng(o.seed ?? 4);
  const size = o.size ?? 224;
  const dim = 16;
  const model: RewardModel = {
    image: imageTower(rand, size, 8, dim),
    ...(o.text ? { text: textTower(rand, 8, dim) } : {}),
    readout: weights(rand, dim, 1),
    bias: 0.25,
  };
  const g = new Graph('reward');
  const x = g.input(o.imageName ?? 'pixel_values', 'float32', ['N', 3, size, size]);
  const img = addImageTower(g, x, model.image);
  let score: Value;
  if (model.text) {
    const ids = g.input('input_ids', 'int64', ['N', 77]);
    const mask = o.mask === false ? undefined : g.input('attention_mask', 'int64', ['N', 77]);
    const txt = addTextTower(g, ids, mask, model.text);
    score = g.reduce('ReduceSum', g.mul(img, txt), [1], true);
  } else {
    score = g.matmul(img, g.constant(model.readout, [dim, 1]));
  }
  score = g.add(score, g.constant([model.bias], [1]));
  if (o.outputShape === 'N') {
    g.output(g.reshape(score, [-1]), o.outputName ?? 'logits', 'float32', ['N']);
  } else {
    g.output(score, o.outputName ?? 'logits', 'float32', ['N', 1]);
  }
  return { bytes: g.toModel({ float16: o.float16 }), model };
}

export function rewardReference(m: RewardModel, image: Float32Array, ids?: readonly number[], mask?: readonly number[]): number {
  const img = imageTowerReference(m.image, image);
  if (m.text && ids) {
    const txt = textTowerReference(m.text, ids, mask);
    let s = m.bias;
    for (let i = 0; i < img.length; i++) s += img[i] * txt[i];
    return s;
  }
  let s = m.bias;
  for (let i = 0; i < img.length; i++) s += img[i] * m.readout[i];
  return s;
}

/** A reward model that prefers dark images: minus the mean of the normalised pixels, [N, 3, size, size] -> [N, 1].
 *  With the default preprocessing (mean 0.5, std 0.5 per channel) a black image scores 1 and a white one -1, so
 *  which of two images it prefers is known without running it: the darker. */
export function buildDarknessReward(size = 64): Uint8Array {
  const g = new Graph('darkness');
  const x = g.input('pixel_values', 'float32', ['N', 3, size, size]);
  const m = g.reshape(g.reduce('ReduceMean', x, [1, 2, 3], true), [-1, 1]);
  g.output(g.mul(m, g.constant([-1], [1])), 'logits', 'float32', ['N', 1]);
  return g.toModel();
}

/** The model made `bytes` long or longer by a doc string, like real weights in size only: ModelProto's doc_string
 *  (field 6) appended, which protobuf reads wherever it stands. */
export function padModel(model: Uint8Array, bytes: number): Uint8Array {
  const docString = new ProtoWriter().bytes(6, Buffer.alloc(Math.max(0, bytes - model.length), 'w')).finish();
  return Buffer.concat([model, docString]);
}

/** A model that has nothing to do with judging: [N] -> relu -> [N]. */
export function buildUnrelatedModel(): Uint8Array {
  const g = new Graph('unrelated');
  const a = g.input('a', 'float32', ['N']);
  g.output(g.relu(a), 'b', 'float32', ['N']);
  return g.toModel();
}

// ---- CLIP-style tokenizer.json --------------------------------------------------------------------------------

/** GPT-2/CLIP's reversible byte -> printable character map. */
export function bytesToUnicode(): Map<number, string> {
  const bs: number[] = [];
  for (let i = 33; i <= 126; i++) bs.push(i);
  for (let i = 161; i <= 172; i++) bs.push(i);
  for (let i = 174; i <= 255; i++) bs.push(i);
  const cs = [...bs];
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (!bs.includes(b)) {
      bs.push(b);
      cs.push(256 + n++);
    }
  }
  return new Map(bs.map((b, i) => [b, String.fromCodePoint(cs[i])]));
}

export const CLIP_PATTERN = /<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+/giu;
export const START = 49406;
export const END = 49407;

/** Learns `count` BPE merges from `corpus` the way CLIP's vocabulary was built (words end in `</w>`). */
export function learnMerges(corpus: readonly string[], count: number): string[][] {
  const b2u = bytesToUnicode();
  const words = new Map<string, number>();
  for (const line of corpus) {
    for (const w of line.toLowerCase().match(CLIP_PATTERN) ?? []) {
      const chars = [...Buffer.from(w, 'utf8')].map((b) => b2u.get(b)!);
      chars[chars.length - 1] += '</w>';
      const key = chars.join(' ');
      words.set(key, (words.get(key) ?? 0) + 1);
    }
  }
  let split = [...words].map(([k, n]) => ({ symbols: k.split(' '), n }));
  const merges: string[][] = [];
  while (merges.length < count) {
    const pairs = new Map<string, number>();
    for (const w of split) for (let i = 0; i + 1 < w.symbols.length; i++) pairs.set(w.symbols[i] + ' ' + w.symbols[i + 1], (pairs.get(w.symbols[i] + ' ' + w.symbols[i + 1]) ?? 0) + w.n);
    if (pairs.size === 0) break;
    const best = [...pairs].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0][0];
    const [l, r] = best.split(' ');
    merges.push([l, r]);
    split = split.map((w) => {
      const out: string[] = [];
      for (let i = 0; i < w.symbols.length; i++) {
        if (i + 1 < w.symbols.length && w.symbols[i] === l && w.symbols[i + 1] === r) {
          out.push(l + r);
          i++;
        } else out.push(w.symbols[i]);
      }
      return { symbols: out, n: w.n };
    });
  }
  return merges;
}

export const TOKENIZER_CORPUS = [
  'a photo of a cat',
  'a photo of a dog',
  'a creepy, unsettling photo',
  'a pleasant photo',
  'a decaying, rotten fruit',
  'fresh fruit on a table',
  'a heavily grainy, underexposed photo of a cow',
  'a clean, well-lit, pretty photo of a cow',
  'a street at night with heavy motion blur and smeared lights',
  'an unfinished sketch with chromatic aberration',
];

/** The vocabulary CLIP's tokenizer.json has, in its order: 256 byte characters, the same with `</w>`, one
 *  entry per merge, and the two special tokens (here at CLIP's own ids, 49406 and 49407, leaving a gap). */
export function clipVocab(merges: readonly string[][]): Record<string, number> {
  const vocab: Record<string, number> = {};
  let id = 0;
  const chars = [...bytesToUnicode().values()];
  for (const c of chars) vocab[c] = id++;
  for (const c of chars) vocab[c + '</w>'] = id++;
  for (const [l, r] of merges) vocab[l + r] = id++;
  vocab['<|startoftext|>'] = START;
  vocab['<|endoftext|>'] = END;
  return vocab;
}

/** A tokenizer.json as HuggingFace saves one for openai/clip-vit-*, with a small learned vocabulary. */
export function clipTokenizerJson(merges = learnMerges(TOKENIZER_CORPUS, 60)): Record<string, unknown> {
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [
      { id: START, content: '<|startoftext|>', single_word: false, lstrip: false, rstrip: false, normalized: true, special: true },
      { id: END, content: '<|endoftext|>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true },
    ],
    normalizer: {
      type: 'Sequence',
      normalizers: [{ type: 'NFC' }, { type: 'Replace', pattern: { Regex: '\\s+' }, content: ' ' }, { type: 'Lowercase' }],
    },
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [
        {
          type: 'Split',
          pattern: { Regex: "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+" },
          behavior: 'Removed',
          invert: true,
        },
        { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
      ],
    },
    post_processor: { type: 'RobertaProcessing', sep: ['<|endoftext|>', END], cls: ['<|startoftext|>', START], trim_offsets: false, add_prefix_space: false },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: '<|endoftext|>',
      continuing_subword_prefix: '',
      end_of_word_suffix: '</w>',
      fuse_unk: false,
      byte_fallback: false,
      vocab: clipVocab(merges),
      merges: merges.map((m) => m.join(' ')),
    },
  };
}

/** CLIP's tokenizer as its Python code (simple_tokenizer.py) does it, ported: clean and lower-case, split with
 *  CLIP's pattern, map each word's UTF-8 bytes to characters, BPE by merge rank with `</w>` on the last symbol,
 *  then start + ids + end, cut to `length` keeping the end token, padded with `pad`. */
export function referenceClipTokenize(text: string, merges: readonly string[][], length = 77, pad = END): number[] {
  const vocab = clipVocab(merges);
  const ranks = new Map(merges.map((m, i) => [m.join(' '), i]));
  const b2u = bytesToUnicode();
  const cleaned = text.normalize('NFC').replace(/\s+/g, ' ').trim().toLowerCase();
  const ids: number[] = [];
  for (const word of cleaned.match(CLIP_PATTERN) ?? []) {
    if (word === '<|startoftext|>' || word === '<|endoftext|>') {
      ids.push(vocab[word]);
      continue;
    }
    let symbols = [...Buffer.from(word, 'utf8')].map((b) => b2u.get(b)!);
    symbols[symbols.length - 1] += '</w>';
    for (;;) {
      let best = -1;
      let bestRank = Infinity;
      for (let i = 0; i + 1 < symbols.length; i++) {
        const r = ranks.get(symbols[i] + ' ' + symbols[i + 1]);
        if (r !== undefined && r < bestRank) {
          bestRank = r;
          best = i;
        }
      }
      if (best < 0) break;
      const [l, r] = [symbols[best], symbols[best + 1]];
      const out: string[] = [];
      for (let i = 0; i < symbols.length; i++) {
        if (i + 1 < symbols.length && symbols[i] === l && symbols[i + 1] === r) {
          out.push(l + r);
          i++;
        } else out.push(symbols[i]);
      }
      symbols = out;
    }
    for (const s of symbols) ids.push(vocab[s]);
  }
  const body = ids.slice(0, length - 2);
  const out = [START, ...body, END];
  while (out.length < length) out.push(pad);
  return out;
}

// ---- files ---------------------------------------------------------------------------------------------------

/** Writes `files` (name -> bytes, text or JSON) under `dir` and returns their absolute paths by name. */
export function writeFiles(dir: string, files: Readonly<Record<string, Uint8Array | string | object>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, content] of Object.entries(files)) {
    const file = path.join(dir, name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content instanceof Uint8Array || typeof content === 'string' ? content : JSON.stringify(content, null, 2));
    out[name] = file;
  }
  return out;
}
