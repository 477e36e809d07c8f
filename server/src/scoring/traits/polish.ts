// polish: conventional polish, the look anti-aesthetic prompts ask a model not to default to. A composite of the
// other traits, read through ctx.trait so each is built once in a model that also reports it:
//   polish = mean of (1 - blur), (1 - grain), (1 - jpeg-artifacts), (1 - max(overexposure, underexposure)),
//            (1 - low-contrast) and colourfulness,
// where colourfulness is a ramp on the Hasler-Suesstrunk M (the oversaturation trait's raw measure) that rises over
// natural levels and saturates before garish, so a garish image gains no more polish than a colourful one.
import type { TraitName } from '../../catalogue/traits';
import type { Value } from '../onnx/graph';
import type { TraitAnalyser } from './analyser';
import { applyRamp, describeRamp, rampGraph, type Ramp } from './calibration';

// The paper's perceptual scale (Hasler & Suesstrunk 2003): slightly colourful M = 15, averagely colourful 45. The
// clean test photographs read M = 38..76 (chelsea, a brown tabby, 38: 0.75; the other three reach 1). Measured on
// them: clean photographs read polish 0.85..1; blur sigma 4, noise sigma 25, JPEG quality 8, gain 3 or 0.2, a
// blend 0.8 toward grey or full desaturation each bring it down to 0.37..0.85 (one term of six fully lost is -0.17).
export const COLOURFUL_RAMP: Ramp = { lo: 15, hi: 45, scale: 'linear' };

const INVERTED: readonly TraitName[] = ['blur', 'grain', 'jpeg-artifacts', 'low-contrast'];
const USES: readonly TraitName[] = [...INVERTED, 'overexposure', 'underexposure', 'oversaturation'];
const TERMS = INVERTED.length + 2;

export const polish: TraitAnalyser = {
  name: 'polish',
  uses: USES,
  doc: {
    formula:
      'raw = mean of six terms in 0..1: 1 - blur, 1 - grain, 1 - jpeg-artifacts, 1 - max(overexposure, underexposure), ' +
      `1 - low-contrast (each the trait's score) and colourfulness = ${describeRamp(COLOURFUL_RAMP)} on the ` +
      'Hasler-Suesstrunk M (the oversaturation raw measure).',
    calibration: 'score = raw (already 0..1; each term is a calibrated score).',
    blindSpots:
      'It inherits every blind spot of its terms: grain and JPEG noise read as sharpness in blur, so a noisy image loses ' +
      'polish through grain but gains a little through blur and colourfulness (the cat photograph with noise sigma 25 loses ' +
      'only 0.04). Brightening a dark image raises its exposure, contrast and colourfulness terms before its highlights ' +
      'clip (the night launch at gain 1.7: 0.945 to 0.992). Each term weighs a sixth, so one trait at full strength ' +
      'lowers polish by at most 0.17. It knows nothing of composition, subject or aesthetic appeal: ' +
      'a sharp, clean, well exposed, colourful photograph of something ugly scores high.',
  },
  build(ctx) {
    const g = ctx.g;
    const one = g.scalar(1);
    const terms: Value[] = INVERTED.map((name) => g.sub(one, ctx.trait(name).score));
    terms.push(g.sub(one, g.max(ctx.trait('overexposure').score, ctx.trait('underexposure').score)));
    terms.push(rampGraph(g, COLOURFUL_RAMP, ctx.trait('oversaturation').raw));
    // Chained Adds, not one Sum: onnxruntime's WebGPU provider has no Sum kernel and would run it on the CPU.
    const raw = g.mul(terms.reduce((a, b) => g.add(a, b)), g.scalar(1 / TERMS));
    return { raw, score: raw };
  },
  reference(input) {
    const terms = INVERTED.map((name) => 1 - input.trait(name).score);
    terms.push(1 - Math.max(input.trait('overexposure').score, input.trait('underexposure').score));
    terms.push(applyRamp(COLOURFUL_RAMP, input.trait('oversaturation').raw));
    const raw = terms.reduce((a, b) => a + b, 0) / TERMS;
    return { raw, score: raw };
  },
};
