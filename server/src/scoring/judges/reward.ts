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
import { CLIP_CONTEXT_LENGTH, textItem, TextTokenizer, TokenizerError } from './tokenizer';
import { idsInputRole, imageInputRole, imageItems, JudgeError, JudgeModel, maskInputRole, scoreOutputRole, type ItemInput, type JudgeOptions, type TensorInfo } from './judgeModel';

export class RewardJudge {
  /** The discriminant of the Judge union. */
  readonly kind = 'reward' as const;
  private constructor(
    readonly spec: RewardJudgeSpec,
    private readonly model: JudgeModel,
    private readonly tokenizer: TextTokenizer | undefined,
    private readonly io: { readonly pixels: TensorInfo; readonly ids?: TensorInfo; readonly mask?: TensorInfo; readonly output: string; readonly length: number },
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
      await model.settleOutputs(() => ({ ...imageItems(pixels.name, new Float32Array(3 * size * size), 1, size)[0], ...promptItem(io, tokenizer, '') }));
      const output = model.output(scoreOutputRole()).name;
      return new RewardJudge(spec, model, tokenizer, { ...io, output });
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

  /** The model (its batch size and what it has run). */
  get models(): { readonly model: JudgeModel } {
    return { model: this.model };
  }

  /** One reward per image. `prompt` is required by models that read it and ignored by the others. The images run
   *  in batches with those of every other caller waiting at the same moment; `signal` stops waiting. */
  async score(images: ort.Tensor | readonly ImageInput[], prompt?: string, signal?: AbortSignal): Promise<number[]> {
    if (this.readsPrompt && prompt === undefined) {
      throw this.model.error(`the reward model reads the prompt (input '${this.io.ids!.name}'): score() needs one`);
    }
    const tensor = isTensor(images) ? images : await this.preprocess(images);
    const size = this.spec.preprocess.size;
    if (tensor.dims.length !== 4 || tensor.dims[1] !== 3 || tensor.dims[2] !== size || tensor.dims[3] !== size) {
      throw this.model.error(`score() needs a [N,3,${size},${size}] tensor; got [${tensor.dims.join(',')}]`);
    }
    const text = promptItem(this.io, this.tokenizer, prompt ?? '');
    const items = imageItems(this.io.pixels.name, tensor.data as Float32Array, tensor.dims[0], size).map((item) => ({ ...item, ...text }));
    const results = await this.model.runItems(items, this.io.output, signal);
    return results.map((r) => {
      if (r.data.length !== 1) throw this.model.error(`output '${this.io.output}' gives [${r.dims.join(',')}] per image, not one score ([N] or [N,1])`);
      return Number(r.data[0]);
    });
  }

  async dispose(): Promise<void> {
    await this.model.dispose();
  }
}

/** The prompt's ids (and mask) as one item's rows, for a model that reads the prompt; nothing otherwise. */
function promptItem(io: { readonly ids?: TensorInfo; readonly mask?: TensorInfo; readonly length: number }, tokenizer: TextTokenizer | undefined, prompt: string): Record<string, ItemInput> {
  return io.ids && tokenizer ? textItem(tokenizer, prompt, io.length, io.ids, io.mask) : {};
}
