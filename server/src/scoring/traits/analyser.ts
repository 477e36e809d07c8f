// The contract every trait analyser meets: an ONNX sub-graph computing its raw measure and calibrated score
// for a batch, a plain TypeScript reference of the same formula (checked against the graph in tests), and
// the documentation docs/traits.md is generated from.
import type { TraitName } from '../../catalogue/traits';
import type { TraitContext, TraitValues } from './context';

export interface TraitDoc {
  /** The formula of the raw measure, in words and symbols. */
  readonly formula: string;
  /** How the raw measure becomes a 0..1 score. */
  readonly calibration: string;
  /** Where the measure is known to be fooled. */
  readonly blindSpots: string;
  /** The strengths the score grades, measured on graded series from an independent tool (ImageMagick): where it
   *  leaves 0, where it saturates, and what clean images (photographs and paintings) read. */
  readonly usableRange?: string;
}

/** One image as the references read it: the same two tensors the graph receives. */
export interface ReferenceInput {
  /** [3, WORKING_SIZE, WORKING_SIZE] planar RGB, 0..255. */
  readonly working: Float32Array;
  /** [3, PATCH_SIZE, PATCH_SIZE] planar RGB, 0..255. */
  readonly patch: Float32Array;
  /** Width / height of the image before it was resampled to the square working image. */
  readonly aspect: number;
  /** Another trait's reference result on the same image (for composites). */
  readonly trait: (name: TraitName) => { raw: number; score: number };
}

export interface TraitAnalyser {
  readonly name: TraitName;
  /** The traits this one's graph reads through `ctx.trait` (its dependencies). */
  readonly uses?: readonly TraitName[];
  readonly doc: TraitDoc;
  build(ctx: TraitContext): TraitValues;
  reference(input: ReferenceInput): { raw: number; score: number };
}
