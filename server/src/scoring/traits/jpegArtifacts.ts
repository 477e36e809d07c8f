// jpeg-artifacts: 8x8 blocking. After Wang, Sheikh & Bovik ("No-reference perceptual quality assessment of JPEG
// compressed images", ICIP 2002): blockiness B is the mean absolute luma difference across the 8-pixel block
// boundaries, activity A the mean absolute difference inside the blocks, both horizontally and vertically. JPEG
// quantises each 8x8 block on its own, so at low quality blocks flatten inside (A falls) while the steps between
// neighbouring blocks remain (B stays): B / A rises. Measured on the luma of the native-pixel patch, whose origin
// images.ts puts on the 8x8 grid, so column x and x + 1 straddle a boundary exactly when x = 7 (mod 8).
//
// One departure from the published ratio: A is the largest of the seven within-block offsets' mean differences
// rather than their mean. An image pixelated by 2 or 4 (all grid lines also on the 8-grid) has zero difference at
// some in-block offsets and full-size steps at others, which would make the mean-based ratio read 2.3 and 7;
// against the largest offset it reads 1, so this trait answers "is the 8-px period special?" and leaves
// enlarged pixels to the pixelation trait. Measured on the test photographs, the change costs little: the
// JPEG series keeps its ordering and roughly 80% of the mean-based ratio's rise.
import type { TraitAnalyser } from './analyser';
import { applyRamp, describeRamp, rampGraph, type Ramp } from './calibration';
import { luma } from './reference';
import { PATCH_SIZE } from '../images';

const BLOCK = 8;
const DIFFS = PATCH_SIZE - 1;
/** Keeps the ratio finite where blocks are perfectly flat, and zero on a flat image. */
const EPS = 1e-3;
// Calibrated on the test photographs (test/fixtures/photos, themselves JPEGs of good quality) re-encoded by sharp
// (libjpeg-turbo, 4:2:0): as decoded 0.87..1.03, quality 95: 0.88..1.00, 60: 1.08..1.32, 30: 1.27..1.61,
// 15: 1.48..2.11, 5: 2.63..4.30. Noise lowers the ratio (it adds in-block differences); blur reads 0.91..0.98.
const RAMP: Ramp = { lo: 1.05, hi: 2.4, scale: 'log' };

/** [DIFFS, 8]: averages the difference profile over each offset within the block (offset 7 = across a boundary),
 *  and over both directions (the horizontal and vertical profiles are added before it). */
function offsetMeans(): number[] {
  const counts = new Array<number>(BLOCK).fill(0);
  for (let x = 0; x < DIFFS; x++) counts[x % BLOCK]++;
  const m = new Array<number>(DIFFS * BLOCK).fill(0);
  for (let x = 0; x < DIFFS; x++) m[x * BLOCK + (x % BLOCK)] = 1 / (counts[x % BLOCK] * PATCH_SIZE * 2);
  return m;
}

export const jpegArtifacts: TraitAnalyser = {
  name: 'jpeg-artifacts',
  doc: {
    formula:
      'On the luma of the 256x256 native-pixel patch (origin on the 8x8 JPEG grid), D(o) = mean |I(x+1,y) - I(x,y)| over columns x = o (mod 8), ' +
      'averaged with the same for rows. raw = D(7) / (max over o = 0..6 of D(o) + 0.001): the step across 8-pixel block boundaries against the ' +
      'strongest within-block offset (Wang, Sheikh & Bovik 2002 blockiness over activity, with the maximum in place of the mean so that ' +
      'nearest-neighbour enlargement by 2 or 4 does not read as blocking). Unit: ratio; about 1 for an unblocked image.',
    calibration: `score = ${describeRamp(RAMP)}`,
    usableRange:
      'ImageMagick -quality q on photographs and paintings, q = 60 / 40 / 25 / 12 / 5: 0.12..0.13 / 0.21..0.25 / 0.34..0.36 / 0.56..0.64 ' +
      '/ 0.78..1.00 (Starry Night, whose brushwork hides the block edges: 0.00 / 0.08 / 0.17 / 0.40 / 0.82). Clean images read 0.00.',
    blindSpots:
      'Pixelation by 8 or 16 with the grid on the JPEG grid is indistinguishable from blocking and reads as maximal. ' +
      'Blocking on a grid shifted against the image origin (a JPEG cropped or resized after compression) is not seen, nor is blocking outside the centre 256 px. ' +
      'Ringing and mosquito noise around edges, and chroma blocking (16x16 under 4:2:0), are not measured: only luma steps at the 8-px period. ' +
      'Noise or grain added after compression adds in-block differences and hides the blocks; a photograph of a regular 8-px pattern (tiles, a screen) can read as blocked.',
  },
  build(ctx) {
    const g = ctx.g;
    const y = ctx.luma('patch');
    const dh = g.abs(g.sub(g.slice(y, [1], [PATCH_SIZE], [3]), g.slice(y, [0], [DIFFS], [3])));
    const dv = g.abs(g.sub(g.slice(y, [1], [PATCH_SIZE], [2]), g.slice(y, [0], [DIFFS], [2])));
    const profile = g.add(g.reduce('ReduceSum', dh, [1, 2], false), g.reduce('ReduceSum', dv, [1, 3], false)); // [N, DIFFS]
    const means = g.matmul(profile, g.constant(offsetMeans(), [DIFFS, BLOCK])); // [N, 8]
    const boundary = g.reshape(g.slice(means, [BLOCK - 1], [BLOCK], [1]), [-1]);
    const within = g.reduce('ReduceMax', g.slice(means, [0], [BLOCK - 1], [1]), [1], false);
    const raw = g.div(boundary, g.add(within, g.scalar(EPS)));
    return { raw, score: rampGraph(g, RAMP, raw) };
  },
  reference({ patch }) {
    const { data } = luma(patch, PATCH_SIZE);
    const sums = new Array<number>(BLOCK).fill(0);
    const counts = new Array<number>(BLOCK).fill(0);
    for (let a = 0; a < PATCH_SIZE; a++) {
      for (let b = 0; b < DIFFS; b++) {
        sums[b % BLOCK] += Math.abs(data[a * PATCH_SIZE + b + 1] - data[a * PATCH_SIZE + b]) + Math.abs(data[(b + 1) * PATCH_SIZE + a] - data[b * PATCH_SIZE + a]);
        counts[b % BLOCK] += 2;
      }
    }
    const means = sums.map((s, o) => s / counts[o]);
    const raw = means[BLOCK - 1] / (Math.max(...means.slice(0, BLOCK - 1)) + EPS);
    return { raw, score: applyRamp(RAMP, raw) };
  },
};
