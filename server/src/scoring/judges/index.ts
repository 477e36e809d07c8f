// User-supplied ONNX judges: CLIP-style encoders, aesthetic heads and reward models. See spec.ts for how a judge
// is declared, judgeModel.ts for how its model is checked at load, and each kind's file for what it computes.
import { AestheticJudge } from './aesthetic';
import { ClipJudge } from './clip';
import type { JudgeOptions } from './judgeModel';
import { RewardJudge } from './reward';
import type { JudgeSpec } from './spec';

export { AestheticJudge, AESTHETIC_MAX, AESTHETIC_MIN } from './aesthetic';
export { ClipJudge, cosine, normalised, type JudgeImages } from './clip';
export { JudgeError, sessionSignature, probeOutputs, type JudgeOptions, type Signature, type TensorInfo } from './judgeModel';
export { decodeRgb, normalise, preprocessImage, preprocessImages, resizedPixels, resizePlan, type ImageInput, type RawImage } from './preprocess';
export { RewardJudge } from './reward';
export * from './spec';
export { CLIP_CONTEXT_LENGTH, TextTokenizer, TokenizerError } from './tokenizer';

export type Judge = ClipJudge | AestheticJudge | RewardJudge;

/** Opens the judge `spec` describes. An aesthetic judge reads a clip judge's embeddings: `encoder` returns the
 *  opened clip judge of that name (the caller owns it, and may share it between judges). */
export async function openJudge(spec: JudgeSpec, encoder: (name: string) => Promise<ClipJudge>, options: JudgeOptions = {}): Promise<Judge> {
  switch (spec.kind) {
    case 'clip':
      return ClipJudge.open(spec, options);
    case 'aesthetic':
      return AestheticJudge.open(spec, await encoder(spec.encoder), options);
    case 'reward':
      return RewardJudge.open(spec, options);
  }
}
