// grain: visible noise or film grain. Immerkaer's fast noise-variance estimate (J. Immerkaer, "Fast Noise
// Variance Estimation", CVIU 64(2), 1996) on the luma of the native-pixel patch (noise lives on the pixel grid;
// resampling would average it away):
//   sigma = sqrt(pi/2) / (6 (W-2)(H-2)) * sum |I * N|,  N = [1 -2 1; -2 4 -2; 1 -2 1]
// N is the difference of two Laplacians, so it cancels constant, linear and (separably) quadratic intensity and
// passes white noise with a known gain (sum N^2 = 36, hence the 6); for Gaussian noise E|x| = sigma sqrt(2/pi).
// Refinement after Tai & Yang ("A fast method for image noise estimation using Laplacian operator and adaptive
// edge detection", ISCCSP 2008): the 10% of interior pixels with the strongest Sobel gradient are left out of the
// sum, so edges and strong detail do not read as noise. The exclusion is a rank (not a fixed threshold), so it
// adapts to the image's contrast and to the noise itself; for pure Gaussian noise the Sobel and Immerkaer
// responses are uncorrelated, so leaving out the top gradients does not bias the estimate.
import type { TraitAnalyser } from './analyser';
import { applyRamp, describeRamp, rampGraph, type Ramp } from './calibration';
import { convolve, luma, SOBEL_X, SOBEL_Y } from './reference';
import { PATCH_SIZE } from '../images';
import { attr, type Value } from '../onnx/graph';

const IMMERKAER = [1, -2, 1, -2, 4, -2, 1, -2, 1];
/** Interior of the patch: the mask needs one pixel of context on every side. */
const INNER = PATCH_SIZE - 2;
const COUNT = INNER * INNER;
/** Share of interior pixels, those with the strongest gradient, left out as edges (Tai & Yang's p = 10%). */
const EDGE_SHARE = 0.1;
const EXCLUDED = Math.floor(EDGE_SHARE * COUNT);
const GAIN = Math.sqrt(Math.PI / 2) / 6;
// Calibrated on the test photographs (test/fixtures/photos) with independent Gaussian noise of sigma s added to
// each RGB channel (luma sigma 0.668 s): clean photos read 0.5..3.4 (the top of that range is the cat's fur,
// real pixel-scale texture), s = 3: 2.2..4.2, s = 6: 4.1..5.6, s = 12: 7.9..9.0, s = 25: 14.9..17.0 (the estimate
// tracks the added luma sigma closely). Blur, JPEG, pixelation and channel shifts all lower it; brightness x1.4
// raises the textured photos' reading by up to 45% (texture contrast scales with brightness).
const RAMP: Ramp = { lo: 2.5, hi: 14, scale: 'log' };

export const grain: TraitAnalyser = {
  name: 'grain',
  doc: {
    formula:
      "raw = Immerkaer's noise sigma on the luma of the 256x256 native-pixel patch: sqrt(pi/2) / 6 * mean |I * N| over interior pixels, " +
      'N = [1 -2 1; -2 4 -2; 1 -2 1], leaving out the 10% of pixels with the largest Sobel gradient magnitude (Tai & Yang 2008 edge exclusion). ' +
      'Unit: noise standard deviation in 8-bit luma levels.',
    calibration: `score = ${describeRamp(RAMP)}`,
    usableRange:
      'ImageMagick +noise Gaussian at -attenuate 0.1 / 0.25 / 0.5 / 1 / 2 on 256 px sources: astronaut 0.08 / 0.31 / 0.59 / 0.93 / 1.00 ' +
      '(clean 0.00). Coffee and Shipwreck read 0.35..0.38 clean and 0.43..0.99 across the series; Starry Night reads 0.85 clean (its ' +
      'brushwork is pixel-scale texture) and 0.86..1.00, so on paintings and textured photographs only the step above the clean image ' +
      'means anything.',
    blindSpots:
      'Fine texture at the scale of single pixels (fur, foliage, gravel, fabric) reads as grain: the cat photograph reads 3.4 when clean, like added noise of sigma 3.4. ' +
      'The unit is absolute luma levels, so brightening an image raises the reading and darkening lowers it. ' +
      'Measured on the centre 256 px at native resolution: noise that was added before downscaling reads weaker, grain confined to the borders is missed, ' +
      'and coarse (clumped, low-frequency) film grain registers less than its visible strength. Clipping in blown-out or crushed areas hides noise there.',
  },
  build(ctx) {
    const g = ctx.g;
    const y = ctx.luma('patch');
    const response = g.reshape(g.abs(g.conv(y, g.constant(IMMERKAER, [1, 1, 3, 3]))), [-1, COUNT]);
    const [gx, gy] = ctx.sobel('patch');
    const inner = (v: Value) => g.slice(v, [1, 1], [PATCH_SIZE - 1, PATCH_SIZE - 1], [2, 3]);
    const gxi = inner(gx);
    const gyi = inner(gy);
    // Squared magnitude ranks the pixels the same as the magnitude.
    const strength = g.reshape(g.add(g.mul(gxi, gxi), g.mul(gyi, gyi)), [-1, COUNT]);
    const [, edges] = g.nodeN('TopK', [strength, g.int64s([EXCLUDED])], 2, { axis: attr.int(1), largest: attr.int(1), sorted: attr.int(0) });
    const onEdges = g.reduce('ReduceSum', g.node('GatherElements', [response, edges], { axis: attr.int(1) }), [1], false);
    const all = g.reduce('ReduceSum', response, [1], false);
    const raw = g.mul(g.sub(all, onEdges), g.scalar(GAIN / (COUNT - EXCLUDED)));
    return { raw, score: rampGraph(g, RAMP, raw) };
  },
  reference({ patch }) {
    const y = luma(patch, PATCH_SIZE);
    const response = convolve(y, IMMERKAER).data;
    const gx = convolve(y, SOBEL_X).data;
    const gy = convolve(y, SOBEL_Y).data;
    const strength: number[] = [];
    const abs: number[] = [];
    for (let r = 1; r < PATCH_SIZE - 1; r++) {
      for (let c = 1; c < PATCH_SIZE - 1; c++) {
        const i = r * PATCH_SIZE + c;
        strength.push(gx[i] * gx[i] + gy[i] * gy[i]);
        abs.push(Math.abs(response[i]));
      }
    }
    // Strongest first; ties broken by the lower index, as ONNX TopK does.
    const order = strength.map((_, i) => i).sort((a, b) => strength[b] - strength[a] || a - b);
    const excluded = new Set(order.slice(0, EXCLUDED));
    let sum = 0;
    for (let i = 0; i < COUNT; i++) if (!excluded.has(i)) sum += abs[i];
    const raw = (GAIN * sum) / (COUNT - EXCLUDED);
    return { raw, score: applyRamp(RAMP, raw) };
  },
};
