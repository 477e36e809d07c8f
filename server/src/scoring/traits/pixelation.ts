// pixelation: an image made of enlarged square pixels. Nearest-neighbour enlargement by k puts every horizontal
// luma step on the columns between cells, which run the full height of the image, and every vertical step on
// the rows between cells; the columns and rows inside the cells carry no gradient at all. So project the
// absolute differences onto the axis (D(x) = sum over y of |I(x+1,y) - I(x,y)|, the difference profile that
// blocking measures since Wang, Bovik & Evans 2000 are built on) and measure how concentrated the profile is:
//   k_eff = sum D(x)^2 / sum D(x) m(x),   m = D averaged over a 33-column window (reflected ends)
// For a grid of period k, D is k times its local mean on one column in k and zero elsewhere, so k_eff = k;
// for a natural image D follows its local mean closely and k_eff is about 1. The local mean (rather than the
// global one) keeps large-scale content changes, such as a textured half beside a flat sky, from reading as
// concentration; the energy weighting keeps flat stretches, where D and m are both zero, out of it. The measure
// needs no period search, so it works for any cell size (including the non-integer periods of an image
// enlarged to a size that is not a multiple of the cell) up to about the window width, and reads it in pixels.
// Taken along both axes, raw = the smaller of the two: a grid has lines in both directions, while one strong
// line or stripes in one direction (the rocket photograph's gantry) concentrate only one profile.
import type { TraitAnalyser } from './analyser';
import { applyRamp, describeRamp, rampGraph, type Ramp } from './calibration';
import { luma, reflect } from './reference';
import { PATCH_SIZE } from '../images';

const DIFFS = PATCH_SIZE - 1;
const WINDOW = 33;
const HALF = (WINDOW - 1) / 2;
/** A flat image (no differences at all) reads 0. */
const EPS = 1e-6;
// Calibrated on the test photographs (test/fixtures/photos): clean 1.01..1.09, pixelated (k x k cell means
// enlarged by nearest neighbour) by k = 2: 1.98..2.11, 3: 3.1..3.3, 4: 3.8..4.1, 8: 6.9..7.7, 16: 11.5..13.6 (the
// window underestimates large cells, which does not matter once the score is 1). JPEG at quality 60..15 reads
// 1.03..1.83 and at quality 5 1.32..2.0, whose flat 8x8 blocks are a grid too. The ramp runs to 12 px cells (it
// ended at 4, so 4x, 8x and 16x pixelation all read 1): ImageMagick's `-scale 1/k -scale k` reads 2.0 / 3.1..3.3 /
// 3.8..4.2 / 6.8..7.2 / 11.4..11.7 px at k = 2 / 3 / 4 / 6 / 10 on photographs and paintings alike.
const RAMP: Ramp = { lo: 1.25, hi: 12, scale: 'log' };

/** k_eff of one difference profile. */
function concentration(profile: ArrayLike<number>): number {
  const n = profile.length;
  let num = 0;
  let den = 0;
  for (let x = 0; x < n; x++) {
    let m = 0;
    for (let j = -HALF; j <= HALF; j++) m += profile[reflect(x + j, n)];
    num += profile[x] * profile[x];
    den += (profile[x] * m) / WINDOW;
  }
  return num / (den + EPS);
}

export const pixelation: TraitAnalyser = {
  name: 'pixelation',
  doc: {
    formula:
      'On the luma of the 256x256 native-pixel patch, the difference profiles Dx(x) = sum over y of |I(x+1,y) - I(x,y)| and Dy likewise for rows; ' +
      `for each, k_eff = sum D^2 / sum D m with m the ${WINDOW}-sample moving average of D (reflected ends). raw = min(k_eff of Dx, k_eff of Dy): ` +
      'the effective cell size in pixels, k for nearest-neighbour enlargement by k, about 1 for a natural image, 0 for a flat one.',
    calibration: `score = ${describeRamp(RAMP)}`,
    usableRange:
      'ImageMagick -scale 1/k -scale k on photographs and paintings, k = 2 / 3 / 4 / 6 / 10: 0.20..0.23 / 0.40..0.43 / 0.49..0.53 / ' +
      '0.75..0.78 / 0.98..0.99, the same on every image; clean images read 0.00.',
    blindSpots:
      'Heavy JPEG compression flattens smooth areas into 8x8 blocks, a grid: on the test photographs quality 15 reads 1.1..1.8 px and quality 5 1.3..2.0 px, up to 0.4 of the score (the rocket, mostly sky). ' +
      'Noise or grain added after enlargement puts differences on every column and hides the grid (cells of 4 px under noise sigma 6 read 1.3..1.7). ' +
      'Cells smoothed by a resampling filter (bilinear or bicubic enlargement, or a later downscale) spread each step over several columns and read smaller. ' +
      'Axis-aligned hard-edged graphics (screenshots, rectangles, text) concentrate both profiles and can read as pixelated; pixel art on a rotated grid is missed. ' +
      `Cells wider than about ${WINDOW} native pixels are underestimated, and the measure sees only the centre 256 px.`,
  },
  build(ctx) {
    const g = ctx.g;
    const y = ctx.luma('patch');
    const dh = g.abs(g.sub(g.slice(y, [1], [PATCH_SIZE], [3]), g.slice(y, [0], [DIFFS], [3])));
    const dv = g.abs(g.sub(g.slice(y, [1], [PATCH_SIZE], [2]), g.slice(y, [0], [DIFFS], [2])));
    const dx = g.reshape(g.reduce('ReduceSum', dh, [2]), [-1, 1, 1, DIFFS]);
    const dy = g.reshape(g.reduce('ReduceSum', dv, [3]), [-1, 1, 1, DIFFS]);
    const profiles = g.concat([dx, dy], 2); // [N, 1, 2, DIFFS]
    const padded = g.pad(profiles, [0, 0, 0, HALF, 0, 0, 0, HALF], 'reflect');
    const local = g.conv(padded, g.constant(new Array<number>(WINDOW).fill(1 / WINDOW), [1, 1, 1, WINDOW]));
    const num = g.reduce('ReduceSum', g.mul(profiles, profiles), [1, 3], false); // [N, 2]
    const den = g.reduce('ReduceSum', g.mul(profiles, local), [1, 3], false);
    const raw = g.reduce('ReduceMin', g.div(num, g.add(den, g.scalar(EPS))), [1], false);
    return { raw, score: rampGraph(g, RAMP, raw) };
  },
  reference({ patch }) {
    const { data } = luma(patch, PATCH_SIZE);
    const dx = new Float64Array(DIFFS);
    const dy = new Float64Array(DIFFS);
    for (let a = 0; a < PATCH_SIZE; a++) {
      for (let b = 0; b < DIFFS; b++) {
        dx[b] += Math.abs(data[a * PATCH_SIZE + b + 1] - data[a * PATCH_SIZE + b]);
        dy[b] += Math.abs(data[(b + 1) * PATCH_SIZE + a] - data[b * PATCH_SIZE + a]);
      }
    }
    const raw = Math.min(concentration(dx), concentration(dy));
    return { raw, score: applyRamp(RAMP, raw) };
  },
};
