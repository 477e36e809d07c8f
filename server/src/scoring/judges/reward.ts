// A reward model (HPS, ImageReward, PickScore style): an image, and for most also the prompt, to one scalar on
// the model's own scale. Inputs: an image [N,3,S,S] float32 preprocessed as the judge declares; optionally
// token ids [N,L] (int64 or int32) and an attention mask. Output: [N] or [N,1].
//
// A model that reads the prompt needs the judge's `tokenizer`; a judge with a tokenizer whose model reads no
// text gets one log line, and the prompt is ignored.
import * as path from 'node:path';
import { ort } from '../session';
import { isTensor, preprocessImages, type ImageInput } from './preprocess';
import { displayPath } from '../../files/paths';
import type { RewardJudgeSpec } from './spec';
import { CLIP_CONTEXT_LENGTH, TextTokenizer, TokenizerError } from './tokenizer';
import { chunked, idsInputRole, imageInputRole, JudgeError, JudgeModel, maskInputRole, scoreOutputRole, type JudgeOptions, type TensorInfo } from './judgeModel';

export class RewardJudge {
  /** The discriminant of the Judge union. */
  readonly kind = 'reward' as const;
  private constructor(
    readonly spec: RewardJudgeSpec,
    private readonly model: JudgeModel,
    private readonly tokenizer: TextTokenizer | undefined,
    private readonly io: { readonly pixels: TensorInfo; readonly ids?: TensorInfo; readonly mask?: TensorInfo; readonly output: string; readonly length: number },
    private readonly options: JudgeOptions,
  ) {}

  static async open(spec: RewardJudgeSpec, options: JudgeOptions = {}): Promise<RewardJudge> {
    let tokenizer: TextTokenizer | undefined;
    if (spec.tokenizer) {
      try {
        tokenizer = TextTokenizer.load(spec.tokenizer, `judge '${spec.name}' (${displayPath(spec.tokenizer, path.dirname(spec.source))})`);
      } catch (e) {
        if (e instanceof TokenizerError) throw new JudgeError(e.message, spec.name, spec.tokenizer);
        throw e;
      }
    }
    const model = await JudgeModel.open(spec.model, spec.name, spec.source, 'a reward model', options);
    try {
      const size = spec.preprocess.size;
      const pixels = model.input(imageInputRole(size))!;
      const ids = model.input(idsInputRole(), true);
      const mask = ids ? model.input(maskInputRole(), true) : undefined;
      model.noOtherInputs(ids ? (mask ? 'an image, token ids and an attention mask' : 'an image and token ids') : 'an image input (and optionally token ids)');
      if (ids && !tokenizer) {
        throw model.error(`the model reads the prompt (${`input '${ids.name}'`}) but the judge has no \`tokenizer\`: give the model's tokenizer.json`);
      }
      if (!ids && tokenizer) options.log?.(`${model.label}: the model reads no prompt; its tokenizer is not used`);
      const length = typeof ids?.shape?.[1] === 'number' ? ids.shape[1] : (tokenizer?.configuredLength ?? CLIP_CONTEXT_LENGTH);
      const io = { pixels, ...(ids ? { ids } : {}), ...(mask ? { mask } : {}), length };
      await model.settleOutputs(() => feeds(io, tokenizer, new ort.Tensor('float32', new Float32Array(3 * size * size), [1, 3, size, size]), ''));
      const output = model.output(scoreOutputRole()).name;
      return new RewardJudge(spec, model, tokenizer, { ...io, output }, options);
    } catch (e) {
      await model.dispose();
      throw e;
    }
  }

  get provider(): string {
    return this.model.provider;
  }

  /** Whether the model reads the prompt. */
  get readsPrompt(): boolean {
    return this.io.ids !== undefined;
  }

  preprocess(images: readonly ImageInput[]): Promise<ort.Tensor> {
    return preprocessImages(images, this.spec.preprocess);
  }

  /** One reward per image. `prompt` is required by models that read it and ignored by the others. */
  async score(images: ort.Tensor | readonly ImageInput[], prompt?: string): Promise<number[]> {
    if (this.readsPrompt && prompt === undefined) {
      throw this.model.error(`the reward model reads the prompt (input '${this.io.ids!.name}'): score() needs one`);
    }
    const tensor = isTensor(images) ? images : await this.preprocess(images);
    const size = this.spec.preprocess.size;
    if (tensor.dims.length !== 4 || tensor.dims[1] !== 3 || tensor.dims[2] !== size || tensor.dims[3] !== size) {
      throw this.model.error(`score() needs a [N,3,${size},${size}] tensor; got [${tensor.dims.join(',')}]`);
    }
    const n = tensor.dims[0];
    const per = 3 * size * size;
    const data = tensor.data as Float32Array;
    const max = JudgeModel.batchOfOne(this.io.pixels) ? 1 : (this.options.maxBatch ?? 16);
    return chunked(n, max, async (start, end) => {
      const chunk = start === 0 && end === n ? tensor : new ort.Tensor('float32', data.slice(start * per, end * per), [end - start, 3, size, size]);
      const result = await this.model.run(feeds(this.io, this.tokenizer, chunk, prompt ?? ''), this.io.output);
      const values = Array.from(result.data as Float32Array | Float64Array, Number);
      if (values.length !== end - start) throw this.model.error(`output '${this.io.output}' has shape [${result.dims.join(',')}], not [${end - start}] or [${end - start},1]`);
      return values;
    });
  }

  async dispose(): Promise<void> {
    await this.model.dispose();
  }
}

function feeds(
  io: { readonly pixels: TensorInfo; readonly ids?: TensorInfo; readonly mask?: TensorInfo; readonly length: number },
  tokenizer: TextTokenizer | undefined,
  pixels: ort.Tensor,
  prompt: string,
): Record<string, ort.Tensor> {
  const out: Record<string, ort.Tensor> = { [io.pixels.name]: pixels };
  if (io.ids && tokenizer) {
    const prompts = Array.from({ length: pixels.dims[0] }, () => prompt);
    out[io.ids.name] = tokenizer.encodeBatch(prompts, io.length, io.ids.type === 'int32' ? 'int32' : 'int64').ids;
    if (io.mask) out[io.mask.name] = tokenizer.encodeBatch(prompts, io.length, io.mask.type === 'int32' ? 'int32' : 'int64').mask;
  }
  return out;
}
