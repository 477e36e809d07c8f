// An aesthetic predictor in the style of LAION's improved-aesthetic-predictor (the "LAION-Aesthetics v2" MLP): a
// small head on CLIP image embeddings, [N,D] float32 -> [N,1] (or [N]), trained on 1..10 ratings. As LAION's own
// code does, the embeddings are L2-normalised before the head reads them. Scores are clamped to 0..10, the
// range the spec language documents for `aesthetic(JUDGE)`.
import { normalised, type ClipJudge, type JudgeImages } from './clip';
import { embeddingInputRole, JudgeError, JudgeModel, scoreOutputRole, type JudgeOptions, type TensorInfo } from './judgeModel';
import type { AestheticJudgeSpec } from './spec';

export const AESTHETIC_MIN = 0;
export const AESTHETIC_MAX = 10;

export class AestheticJudge {
  /** The discriminant of the Judge union. */
  readonly kind = 'aesthetic' as const;
  private constructor(
    readonly spec: AestheticJudgeSpec,
    readonly encoder: ClipJudge,
    private readonly head: JudgeModel,
    private readonly input: TensorInfo,
    private readonly output: string,
  ) {}

  /** Opens the head; `encoder` is the opened `clip` judge the spec names in `encoder`. The encoder stays owned by
   *  the caller (several aesthetic judges may share one). */
  static async open(spec: AestheticJudgeSpec, encoder: ClipJudge, options: JudgeOptions = {}): Promise<AestheticJudge> {
    if (encoder.spec.name !== spec.encoder) {
      throw new JudgeError(`judge '${spec.name}': its encoder is '${spec.encoder}', but the clip judge given is '${encoder.spec.name}'`, spec.name, spec.model);
    }
    const head = await JudgeModel.open(spec.model, spec.name, spec.source, 'an aesthetic head (CLIP embedding in, score out)', options);
    try {
      const input = head.input(embeddingInputRole(encoder.embeddingDim, encoder.spec.name))!;
      head.noOtherInputs('an embedding input');
      await head.settleOutputs(() => {
        const d = typeof input.shape?.[1] === 'number' ? input.shape[1] : (encoder.embeddingDim ?? 1);
        return { [input.name]: { type: 'float32', data: new Float32Array(d), dims: [d] } };
      });
      const output = head.output(scoreOutputRole()).name;
      return new AestheticJudge(spec, encoder, head, input, output);
    } catch (e) {
      await head.dispose();
      throw e;
    }
  }

  get provider(): string {
    return this.head.provider;
  }

  /** The head's model (its batch size and what it has run). */
  get models(): { readonly head: JudgeModel } {
    return { head: this.head };
  }

  /** Aesthetic scores, 0..10, one per image (images, a tensor preprocessed for the encoder, or its embeddings). */
  async score(images: JudgeImages, signal?: AbortSignal): Promise<number[]> {
    const embeddings = (await this.encoder.embeddings(images, signal)).map(normalised);
    const d = this.input.shape?.[1];
    if (embeddings.length > 0 && typeof d === 'number' && embeddings[0].length !== d) {
      throw this.head.error(
        `not an aesthetic head for '${this.encoder.spec.name}': expected an embedding input of shape [N,${embeddings[0].length}], found ${`input '${this.input.name}' of shape [N,${d}]`}: pair the head with the CLIP model it was trained on`,
      );
    }
    const items = embeddings.map((e) => ({ [this.input.name]: { type: 'float32' as const, data: e, dims: [e.length] } }));
    const results = await this.head.runItems(items, this.output, signal);
    return results.map((r) => {
      if (r.data.length !== 1) throw this.head.error(`output '${this.output}' gives [${r.dims.join(',')}] per image, not one score`);
      return Math.min(AESTHETIC_MAX, Math.max(AESTHETIC_MIN, r.data[0]));
    });
  }

  /** Releases the head (not the encoder). */
  async dispose(): Promise<void> {
    await this.head.dispose();
  }
}
