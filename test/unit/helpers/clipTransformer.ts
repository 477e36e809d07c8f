// CLIP's real architecture as ONNX, with seeded random weights: the two towers of OpenAI's CLIP (and HuggingFace's
// CLIPVisionModelWithProjection / CLIPTextModelWithProjection), at any size. At CLIP_VIT_B32's sizes the models
// have ViT-B/32's shapes and parameter count (151M), so a benchmark can time a model judge of a real judge's cost
// without downloading one; at a few layers of width 32 a unit test loads them in milliseconds.
//
// Image tower: [N,3,S,S] -> patch convolution (no bias) -> class token + patches -> + positions -> pre-LayerNorm ->
// pre-LN transformer layers -> LayerNorm of the class token -> projection (no bias) -> image_embeds [N,D].
// Text tower: input_ids [N,L] int64 -> token embedding + positions -> pre-LN transformer layers under a causal
// mask -> final LayerNorm -> the state at the end-of-text token (the argmax of the ids: CLIP's end token has the
// highest id, and the first maximum is taken, so padding with it is harmless) -> projection -> text_embeds [N,D].
// Layers: x + attention(LN(x)), then x + MLP(LN(x)), the MLP with QuickGELU (x * sigmoid(1.702 x)) as CLIP has.
//
// These are the input and output names and types the project's ClipJudge looks for (pixel_values, input_ids,
// image_embeds, text_embeds); the text tower takes no attention mask, since the causal mask and the end-token
// pooling already make padding irrelevant.
import { attr, Graph, type ModelOptions, type Value } from '../../../server/src/scoring/onnx/graph';
import { CLIP_VOCAB, prng, weights } from './judgeModels';

export interface TransformerSize {
  readonly width: number;
  readonly layers: number;
  readonly heads: number;
  /** The MLP's hidden width (4 x width in CLIP). */
  readonly mlp: number;
}

export interface ClipTransformerConfig {
  readonly imageSize: number;
  readonly patch: number;
  readonly vision: TransformerSize;
  readonly text: TransformerSize & { readonly vocab: number; readonly context: number };
  /** The joint embedding width both towers project to. */
  readonly embedDim: number;
}

/** OpenAI's CLIP ViT-B/32: 224 px, 32 px patches, a 12-layer width-768 vision transformer, a 12-layer width-512
 *  text transformer over 77 tokens of a 49,408-token vocabulary, 512-dimensional embeddings. */
export const CLIP_VIT_B32: ClipTransformerConfig = {
  imageSize: 224,
  patch: 32,
  vision: { width: 768, layers: 12, heads: 12, mlp: 3072 },
  text: { width: 512, layers: 12, heads: 8, mlp: 2048, vocab: CLIP_VOCAB, context: 77 },
  embedDim: 512,
};

export interface BuiltTower {
  readonly bytes: Uint8Array;
  /** Float parameters in the model's initialisers (weights, biases, LayerNorm scales and shifts, embeddings). */
  readonly parameters: number;
}

/** The parameters of a tower, counted from the sizes alone, as CLIP's papers and model cards count them. */
export function expectedParameters(c: ClipTransformerConfig): { image: number; text: number } {
  const layer = (t: TransformerSize) => 4 * (t.width * t.width + t.width) + 2 * (t.width * t.mlp) + t.mlp + t.width + 4 * t.width;
  const v = c.vision;
  const tokens = (c.imageSize / c.patch) ** 2 + 1;
  const image = 3 * c.patch * c.patch * v.width + v.width + tokens * v.width + 2 * v.width + v.layers * layer(v) + 2 * v.width + v.width * c.embedDim;
  const t = c.text;
  const text = t.vocab * t.width + t.context * t.width + t.layers * layer(t) + 2 * t.width + t.width * c.embedDim;
  return { image, text };
}

/** Seeded weights added to a graph, counted. Linear layers are uniform in +-1/sqrt(fan-in) (PyTorch's default
 *  scale), embeddings small, LayerNorms the identity: activations stay finite through any depth. */
class Weights {
  parameters = 0;
  private readonly rand: () => number;

  constructor(
    readonly g: Graph,
    seed: number,
  ) {
    this.rand = prng(seed);
  }

  random(dims: readonly number[], scale: number): Value {
    const n = dims.reduce((a, b) => a * b, 1);
    this.parameters += n;
    return this.g.constant(weights(this.rand, n, scale), dims);
  }

  filled(dims: readonly number[], value: number): Value {
    const n = dims.reduce((a, b) => a * b, 1);
    this.parameters += n;
    return this.g.constant(new Float32Array(n).fill(value), dims);
  }

  /** x [.., in] -> [.., out], with a bias unless `bias` is false. */
  linear(x: Value, inDim: number, outDim: number, bias = true): Value {
    const y = this.g.matmul(x, this.random([inDim, outDim], 1 / Math.sqrt(inDim)));
    return bias ? this.g.add(y, this.random([outDim], 1 / Math.sqrt(inDim))) : y;
  }

  layerNorm(x: Value, width: number): Value {
    return this.g.node('LayerNormalization', [x, this.filled([width], 1), this.filled([width], 0)], { axis: attr.int(-1), epsilon: attr.float(1e-5) });
  }
}

/** Multi-head self-attention over x [N,seq,width]; `mask` [seq,seq] is added to the scores before the softmax. */
function attention(w: Weights, x: Value, seq: number, t: TransformerSize, mask?: Value): Value {
  const g = w.g;
  const head = t.width / t.heads;
  const split = (v: Value, perm: readonly number[]) => g.node('Transpose', [g.reshape(v, [0, seq, t.heads, head])], { perm: attr.ints(perm) });
  const q = split(w.linear(x, t.width, t.width), [0, 2, 1, 3]);
  const k = split(w.linear(x, t.width, t.width), [0, 2, 3, 1]);
  const v = split(w.linear(x, t.width, t.width), [0, 2, 1, 3]);
  let scores = g.mul(g.matmul(q, k), g.scalar(1 / Math.sqrt(head)));
  if (mask) scores = g.add(scores, mask);
  const mixed = g.matmul(g.node('Softmax', [scores], { axis: attr.int(-1) }), v);
  const merged = g.reshape(g.node('Transpose', [mixed], { perm: attr.ints([0, 2, 1, 3]) }), [0, seq, t.width]);
  return w.linear(merged, t.width, t.width);
}

function quickGelu(g: Graph, x: Value): Value {
  return g.mul(x, g.node('Sigmoid', [g.mul(x, g.scalar(1.702))]));
}

/** `layers` pre-LN residual blocks over x [N,seq,width]. */
function encoder(w: Weights, x: Value, seq: number, t: TransformerSize, mask?: Value): Value {
  for (let i = 0; i < t.layers; i++) {
    x = w.g.add(x, attention(w, w.layerNorm(x, t.width), seq, t, mask));
    const hidden = quickGelu(w.g, w.linear(w.layerNorm(x, t.width), t.width, t.mlp));
    x = w.g.add(x, w.linear(hidden, t.mlp, t.width));
  }
  return x;
}

function checkSize(t: TransformerSize, what: string): void {
  if (t.width % t.heads !== 0) throw new Error(`${what}: width ${t.width} is not a multiple of ${t.heads} heads`);
}

/** The image tower: pixel_values [N,3,S,S] float32 -> image_embeds [N,embedDim]. `model.float16` stores it as a
 *  float16 export would be (weights, input and output in half precision). */
export function buildClipImageTower(c: ClipTransformerConfig, seed = 1, model: ModelOptions = {}): BuiltTower {
  const v = c.vision;
  checkSize(v, 'vision');
  if (c.imageSize % c.patch !== 0) throw new Error(`image size ${c.imageSize} is not a multiple of the ${c.patch} px patch`);
  const grid = c.imageSize / c.patch;
  const seq = grid * grid + 1;
  const g = new Graph('clip_image_tower');
  const w = new Weights(g, seed);
  const pixels = g.input('pixel_values', 'float32', ['N', 3, c.imageSize, c.imageSize]);
  const conv = g.conv(pixels, w.random([v.width, 3, c.patch, c.patch], 1 / Math.sqrt(3 * c.patch * c.patch)), { strides: [c.patch, c.patch] });
  const patches = g.node('Transpose', [g.reshape(conv, [0, v.width, grid * grid])], { perm: attr.ints([0, 2, 1]) });
  const batch = g.slice(g.shape(pixels), [0], [1], [0]);
  const cls = g.node('Expand', [w.random([1, 1, v.width], 0.5), g.concat([batch, g.int64s([1, v.width])], 0)]);
  const tokens = g.add(g.concat([cls, patches], 1), w.random([seq, v.width], 0.5));
  const states = encoder(w, w.layerNorm(tokens, v.width), seq, v);
  const pooled = w.layerNorm(g.node('Gather', [states, g.constant([0], [], 'int64')], { axis: attr.int(1) }), v.width);
  g.output(w.linear(pooled, v.width, c.embedDim, false), 'image_embeds', 'float32', ['N', c.embedDim]);
  return { bytes: g.toModel(model), parameters: w.parameters };
}

/** The text tower: input_ids [N,context] int64 -> text_embeds [N,embedDim] (float16 with `model.float16`). */
export function buildClipTextTower(c: ClipTransformerConfig, seed = 2, model: ModelOptions = {}): BuiltTower {
  const t = c.text;
  checkSize(t, 'text');
  const g = new Graph('clip_text_tower');
  const w = new Weights(g, seed);
  const ids = g.input('input_ids', 'int64', ['N', t.context]);
  const embedded = g.node('Gather', [w.random([t.vocab, t.width], 0.5), ids], { axis: attr.int(0) });
  const tokens = g.add(embedded, w.random([t.context, t.width], 0.5));
  const causal = new Float32Array(t.context * t.context);
  for (let i = 0; i < t.context; i++) for (let j = i + 1; j < t.context; j++) causal[i * t.context + j] = -1e9;
  const states = w.layerNorm(encoder(w, tokens, t.context, t, g.constant(causal, [t.context, t.context])), t.width);
  const end = g.node('ArgMax', [ids], { axis: attr.int(1), keepdims: attr.int(1) });
  const pooled = g.node('GatherND', [states, end], { batch_dims: attr.int(1) });
  g.output(w.linear(pooled, t.width, c.embedDim, false), 'text_embeds', 'float32', ['N', c.embedDim]);
  return { bytes: g.toModel(model), parameters: w.parameters };
}
