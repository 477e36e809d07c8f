// desaturation: muted, washed-out or grey colours. HSV saturation S = (max - min) / max of R, G, B, averaged over the
// image with the HSV value V = max as weight: sum(V S) / sum(V) = sum(max - min) / sum(max), on 4x4 block means of
// the 512 px working image (128 x 128 blocks). The score rises as the saturation falls.
//
// Why the weights and the blocks, rather than the plain per-pixel mean of S: S divides by max, so near-black pixels
// turn any noise into full saturation, and independent per-channel noise is colour speckle the eye averages away.
// Measured on the test photographs muted to saturation 0.3 then noised (Gaussian sigma 12 per channel), the plain
// mean rose from 0.14 to 0.34 on the astronaut (black backdrop), erasing a clear desaturation reading; the weighted
// block measure moved 0.126 to 0.137. On clean and desaturated photographs the two agree within 0.05.
import type { TraitAnalyser } from './analyser';
import { applyRamp, describeRamp, rampGraph, type Ramp } from './calibration';
import { WORKING_SIZE } from '../images';

// Calibrated on the test photographs (test/fixtures/photos) desaturated with sharp.modulate({ saturation: k }),
// k = 1..0: clean photos read 0.35..0.68; k = 0.7 reads 0.26..0.52; 0.45 reads 0.18..0.38; 0.2 reads 0.09..0.20;
// k = 0 reads 0.
export const SATURATION_RAMP: Ramp = { lo: 0.3, hi: 0.05, scale: 'log' };
/** Side of the square blocks averaged before the saturation is taken. */
export const BLOCK = 4;
/** Guards the division for a black image (every max = 0): it reads as saturation 0. */
const MAX_FLOOR = 1e-6;

/** The value-weighted block saturation of a planar [3, size, size] RGB image, in float64. */
export function blockSaturation(planarRgb: Float32Array, size: number): number {
  const n = size * size;
  const blocks = size / BLOCK;
  let chroma = 0;
  let value = 0;
  for (let by = 0; by < blocks; by++) {
    for (let bx = 0; bx < blocks; bx++) {
      const m = [0, 0, 0];
      for (let c = 0; c < 3; c++) {
        for (let dy = 0; dy < BLOCK; dy++) for (let dx = 0; dx < BLOCK; dx++) m[c] += planarRgb[c * n + (by * BLOCK + dy) * size + bx * BLOCK + dx];
      }
      const mx = Math.max(m[0], m[1], m[2]) / (BLOCK * BLOCK);
      const mn = Math.min(m[0], m[1], m[2]) / (BLOCK * BLOCK);
      chroma += mx - mn;
      value += mx;
    }
  }
  const count = blocks * blocks;
  return chroma / count / Math.max(value / count, MAX_FLOOR);
}

export const desaturation: TraitAnalyser = {
  name: 'desaturation',
  doc: {
    formula:
      'raw = sum(max - min) / sum(max) over 4x4 block means of R, G, B in the working image (512x512): the mean HSV ' +
      'saturation S = (max - min) / max weighted by the HSV value V = max (0 for a black image).',
    calibration: `score = ${describeRamp(SATURATION_RAMP)}`,
    usableRange:
      'ImageMagick -modulate 100,s (saturation kept s%), s = 80 / 60 / 40 / 20 / 0: astronaut 0.02 / 0.16 / 0.37 / 0.74 / 1.00, Shipwreck ' +
      '0.00 / 0.07 / 0.27 / 0.63 / 1.00, Starry Night 0.00 / 0.00 / 0.18 / 0.53 / 1.00, a very colourful photograph (coffee) 0.00 / 0.00 ' +
      '/ 0.00 / 0.27 / 1.00. The unit is absolute chroma: the score says how grey the image is, not how much colour was taken out.',
    blindSpots:
      'A grey offset fades colour (blending toward mid-grey, the low-contrast degradation, reads as desaturated: that is ' +
      'also how faded looks), and clipped highlights turn white, so overexposure reads as desaturation (chelsea at gain 3: ' +
      '0.41 to 0.15). A colour cast adds saturation, so a muted but tinted image reads less desaturated. Strong ' +
      'per-channel noise still adds some colour. Black-and-white photographs score 1 by design.',
  },
  build(ctx) {
    const g = ctx.g;
    const raw = ctx.shared('colour:block-saturation', () => {
      const blocks = g.blockMean(ctx.working, BLOCK);
      const mx = g.reduce('ReduceMax', blocks, [1], true);
      const mn = g.reduce('ReduceMin', blocks, [1], true);
      return g.div(ctx.perImage(g.sub(mx, mn)), g.max(ctx.perImage(mx), g.scalar(MAX_FLOOR)));
    });
    return { raw, score: rampGraph(g, SATURATION_RAMP, raw) };
  },
  reference({ working }) {
    const raw = blockSaturation(working, WORKING_SIZE);
    return { raw, score: applyRamp(SATURATION_RAMP, raw) };
  },
};
