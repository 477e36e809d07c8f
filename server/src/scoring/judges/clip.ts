// A CLIP-style dual encoder: an image encoder ([N,3,S,S] float32 -> [N,D]), a text encoder ([N,L] token ids,
// and optionally an attention mask -> [N,D]) and the text encoder's tokenizer.json.
//
// similarity(images, text) is the cosine similarity of each image's embedding with the text's, -1..1: a spec's
// `clip("text")`. A spec asks zero-shot questions by comparing two of them: `clip("a creepy photo") > clip("a
// pleasant photo")`.
//
// Text embeddings are cached per text for the judge's lifetime: a spec asks the same few texts of every image.
import { ort } from '../session';
import { BatchCancelled } from './batcher';
import { isTensor, preprocessImages, type ImageInput } from './preprocess';
import type { ClipJudgeSpec } from './spec';
import { displayPath } from '../../files/paths';
import { CLIP_CONTEXT_LENGTH, textItem, TextTokenizer, TokenizerError } from './tokenizer';
import * as path from 'node:path';
import {
  embeddingOutputRole,
  floatRows,
  idsInputRole,
  imageInputRole,
  imageItems,
  JudgeError,
  JudgeModel,
  maskInputRole,
  type JudgeOptions,
  type TensorInfo,
} from './judgeModel';

/** Images for a judge: files, encoded bytes or pixels; a tensor already preprocessed for this judge
 *  ([N,3,S,S]); or image embeddings this judge computed before (one Float32Array per image). */
export type JudgeImages = ort.Tensor | readonly ImageInput[] | readonly Float32Array[];

export class ClipJudge {
  /** The discriminant of the Judge union. */
  readonly kind = 'clip' as const;
  /** Per text, its embedding (a promise, so callers asking for a text being encoded share that run). */
  private readonly textCache = new Map<string, Promise<Float32Array>>();
  private imageDim: number | undefined;
  private textDim: number | undefined;

  private constructor(
    readonly spec: ClipJudgeSpec,
    private readonly image: JudgeModel,
    private readonly text: JudgeModel,
    readonly tokenizer: TextTokenizer,
    private readonly io: {
      readonly pixels: TensorInfo;
      readonly imageOut: string;
      readonly ids: TensorInfo;
      readonly mask?: TensorInfo;
      readonly textOut: string;
      readonly length: number;
    },
  ) {
    this.imageDim = staticDim(image.signature.outputs.find((o) => o.name === io.imageOut));
    this.textDim = staticDim(text.signature.outputs.find((o) => o.name === io.textOut));
  }

  static async open(spec: ClipJudgeSpec, options: JudgeOptions = {}): Promise<ClipJudge> {
    const dir = path.dirname(spec.source);
    let tokenizer: TextTokenizer;
    try {
      tokenizer = TextTokenizer.load(spec.tokenizer, `judge '${spec.name}' (${displayPath(spec.tokenizer, dir)})`);
    } catch (e) {
      if (e instanceof TokenizerError) throw new JudgeError(e.message, spec.name, spec.tokenizer);
      throw e;
    }
    const image = await JudgeModel.open(spec.imageModel, spec.name, spec.source, 'a CLIP image encoder', options);
    let text: JudgeModel;
    try {
      text = await JudgeModel.open(spec.textModel, spec.name, spec.source, 'a CLIP text encoder', options);
    } catch (e) {
      await image.dispose();
      throw e;
    }
    try {
      const size = spec.preprocess.size;
      const pixels = image.input(imageInputRole(size))!;
      image.noOtherInputs('an image input');
      await image.settleOutputs(() => ({ [pixels.name]: { type: 'float32', data: new Float32Array(3 * size * size), dims: [3, size, size] } }));
      const imageOut = image.output(embeddingOutputRole('image')).name;

      const ids = text.input(idsInputRole())!;
      const mask = text.input(maskInputRole(), true);
      text.noOtherInputs(mask ? 'token ids and an attention mask' : 'token ids');
      const length = typeof ids.shape?.[1] === 'number' ? ids.shape[1] : (tokenizer.configuredLength ?? CLIP_CONTEXT_LENGTH);
      await text.settleOutputs(() => textItem(tokenizer, '', length, ids, mask));
      const textOut = text.output(embeddingOutputRole('text')).name;

      const judge = new ClipJudge(spec, image, text, tokenizer, { pixels, imageOut, ids, ...(mask ? { mask } : {}), textOut, length });
      if (judge.imageDim !== undefined && judge.textDim !== undefined && judge.imageDim !== judge.textDim) {
        throw new JudgeError(
          `judge '${spec.name}': the image encoder gives ${judge.imageDim}-dimensional embeddings but the text encoder ${judge.textDim}-dimensional ones: they are not two halves of one CLIP model`,
          spec.name,
          spec.textModel,
        );
      }
      return judge;
    } catch (e) {
      await Promise.all([image.dispose(), text.dispose()]);
      throw e;
    }
  }

  /** The execution provider the image encoder runs on. */
  get provider(): string {
    return this.image.provider;
  }

  /** Embedding width, when known (from the model, or from the first run). */
  get embeddingDim(): number | undefined {
    return this.imageDim ?? this.textDim;
  }

  /** The token sequence length fed to the text encoder. */
  get contextLength(): number {
    return this.io.length;
  }

  /** Images as this judge's [N,3,S,S] input tensor. */
  preprocess(images: readonly ImageInput[]): Promise<ort.Tensor> {
    return preprocessImages(images, this.spec.preprocess);
  }

  /** The image and text encoders (their batch sizes and what they have run). */
  get models(): { readonly image: JudgeModel; readonly text: JudgeModel } {
    return { image: this.image, text: this.text };
  }

  /** Image embeddings (not normalised), one per image. The images run in batches with those of every other
   *  caller waiting at the same moment; `signal` stops waiting (BatchCancelled). */
  async imageEmbeddings(images: ort.Tensor | readonly ImageInput[], signal?: AbortSignal): Promise<Float32Array[]> {
    const tensor = isTensor(images) ? images : await this.preprocess(images);
    const size = this.spec.preprocess.size;
    if (tensor.dims.length !== 4 || tensor.dims[1] !== 3 || tensor.dims[2] !== size || tensor.dims[3] !== size) {
      throw this.image.error(`imageEmbeddings() needs a [N,3,${size},${size}] tensor; got [${tensor.dims.join(',')}]`);
    }
    const items = imageItems(this.io.pixels.name, tensor.data as Float32Array, tensor.dims[0], size);
    const results = await this.image.runItems(items, this.io.imageOut, signal);
    const out = floatRows(results, (dims) => this.image.error(`output '${this.io.imageOut}' gives [${dims.join(',')}] per image, not [1,D] (float32)`));
    this.imageDim = this.checkDim(out, this.imageDim, 'image');
    return out;
  }

  /** Text embeddings (not normalised), one per text; each text is encoded once per judge. */
  async textEmbeddings(texts: readonly string[], signal?: AbortSignal): Promise<Float32Array[]> {
    const missing = [...new Set(texts.filter((t) => !this.textCache.has(t)))];
    if (missing.length > 0) {
      const items = missing.map((t) => textItem(this.tokenizer, t, this.io.length, this.io.ids, this.io.mask));
      // Not this caller's signal: other callers may come to wait for these texts too.
      const computed = this.text.runItems(items, this.io.textOut).then((results) => {
        const rows = floatRows(results, (dims) => this.text.error(`output '${this.io.textOut}' gives [${dims.join(',')}] per text, not [1,D] (float32)`));
        this.textDim = this.checkDim(rows, this.textDim, 'text');
        return rows;
      });
      missing.forEach((t, i) => {
        const one = computed.then((rows) => rows[i]);
        // A failed run is not cached: the next caller tries again.
        one.catch(() => this.textCache.delete(t));
        this.textCache.set(t, one);
      });
    }
    const all = Promise.all(texts.map((t) => this.textCache.get(t)!));
    return signal ? abandonable(all, signal) : all;
  }

  /** How many texts have cached embeddings. */
  get cachedTexts(): number {
    return this.textCache.size;
  }

  /** Cosine similarity of each image with `text`, -1..1. */
  async similarity(images: JudgeImages, text: string, signal?: AbortSignal): Promise<number[]> {
    const [imgs, [t]] = await Promise.all([this.embeddings(images, signal), this.textEmbeddings([text], signal)]);
    return imgs.map((e) => cosine(e, t, this.image));
  }

  /** Image embeddings from any JudgeImages form. */
  async embeddings(images: JudgeImages, signal?: AbortSignal): Promise<Float32Array[]> {
    if (!isTensor<ImageInput | Float32Array>(images) && images.length > 0 && images[0] instanceof Float32Array) return images as Float32Array[];
    return this.imageEmbeddings(images as ort.Tensor | readonly ImageInput[], signal);
  }

  async dispose(): Promise<void> {
    await Promise.all([this.image.dispose(), this.text.dispose()]);
  }

  private checkDim(vectors: readonly Float32Array[], known: number | undefined, which: 'image' | 'text'): number | undefined {
    if (vectors.length === 0) return known;
    const d = vectors[0].length;
    const other = which === 'image' ? this.textDim : this.imageDim;
    if (other !== undefined && other !== d) {
      throw new JudgeError(
        `judge '${this.spec.name}': the ${which} encoder gives ${d}-dimensional embeddings but the other encoder ${other}-dimensional ones: they are not two halves of one CLIP model`,
        this.spec.name,
        which === 'image' ? this.spec.imageModel : this.spec.textModel,
      );
    }
    return d;
  }
}

/** `work`, or a BatchCancelled as soon as `signal` aborts (the work itself goes on for whoever else waits). */
function abandonable<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new BatchCancelled());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new BatchCancelled());
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function staticDim(t: TensorInfo | undefined): number | undefined {
  const d = t?.shape?.[t.shape.length - 1];
  return typeof d === 'number' && d > 0 ? d : undefined;
}

/** Cosine similarity; a zero vector has similarity 0 with everything. */
export function cosine(a: Float32Array, b: Float32Array, model?: JudgeModel): number {
  if (a.length !== b.length) {
    const message = `image and text embeddings differ in size (${a.length} vs ${b.length})`;
    throw model ? model.error(message) : new Error(message);
  }
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

/** `v / |v|` (a zero vector stays zero). */
export function normalised(v: Float32Array): Float32Array {
  let n = 0;
  for (let i = 0; i < v.length; i++) n += v[i] * v[i];
  const s = n > 0 ? 1 / Math.sqrt(n) : 0;
  return v.map((x) => x * s);
}
