// vignette: corners darkened relative to the centre. Radial luminance fall-off, measured as the ratio of the
// geometric-mean luma of the centre disc to that of the brightest of the four corners:
//  - geometric means (means of the log of 8x8 block means) make a multiplicative fall-off, which is what lens
//    vignetting and vignette filters are and which is smooth enough to be constant over a block, add the same
//    amount to every image whatever its content, and make the ratio blind to overall brightness;
//  - the brightest corner, not the mean of the four, because a vignette darkens all four: one dark object in a
//    corner (a helmet, a shadow) does not make a vignette, and a sky-over-ground gradient leaves the two sky
//    corners bright.
// Regions are taken on the 512x512 working image in 8x8 blocks (64x64 block means), by the radius of each block
// centre relative to the half-diagonal R: centre r <= 0.5 R, corners r >= 0.85 R (one per quadrant).
import type { TraitAnalyser } from './analyser';
import { applyRamp, describeRamp, rampGraph, type Ramp } from './calibration';
import { referenceBlocks } from './structureTensor';
import { WORKING_SIZE } from '../images';

const BLOCK = 8;
const GRID = WORKING_SIZE / BLOCK;
const CENTRE_RADIUS = 0.5;
const CORNER_RADIUS = 0.85;
/** Added to luma (0..255) before the log so that near-black corners stay finite and noise there stays small. */
const OFFSET = 4;
// Calibrated on the test photographs multiplied by 1 - s (r/R)^2, s = 0..1 (r from the image centre, R its
// half-diagonal): unedited photos read 0.47 (coffee.jpg: a dark cup on a bright table), 0.60 (astronaut.jpg), 0.76
// (chelsea.jpg) and 1.75 (rocket.jpg: a twilight sky that really darkens towards every corner); s = 0.5 multiplies
// the ratio by 1.5..1.6, s = 0.75 by 2.0..2.3 and s = 1 (extreme corners black) by 3.2..4.6.
const RAMP: Ramp = { lo: 0.9, hi: 2.2, scale: 'log' };

/** [GRID*GRID, 5] weights: column 0 averages the centre blocks, columns 1..4 the corner blocks of each quadrant. */
function regionWeights(): Float32Array {
  const w = new Float32Array(GRID * GRID * 5);
  const c = (WORKING_SIZE - 1) / 2;
  const R = Math.hypot(c, c);
  const counts = [0, 0, 0, 0, 0];
  const region = (i: number, j: number): number => {
    const x = i * BLOCK + (BLOCK - 1) / 2 - c;
    const y = j * BLOCK + (BLOCK - 1) / 2 - c;
    const r = Math.hypot(x, y) / R;
    if (r <= CENTRE_RADIUS) return 0;
    if (r >= CORNER_RADIUS) return 1 + (y < 0 ? 0 : 2) + (x < 0 ? 0 : 1);
    return -1;
  };
  for (let j = 0; j < GRID; j++) for (let i = 0; i < GRID; i++) {
    const k = region(i, j);
    if (k >= 0) counts[k]++;
  }
  for (let j = 0; j < GRID; j++) for (let i = 0; i < GRID; i++) {
    const k = region(i, j);
    if (k >= 0) w[(j * GRID + i) * 5 + k] = 1 / counts[k];
  }
  return w;
}

const WEIGHTS = regionWeights();

/** Centre and corner means of log block luma (natural log), as the reference computes them. */
export function vignetteRegions(working: Float32Array): { centre: number; corners: number[] } {
  const blocks = referenceBlocks(working, BLOCK).data.map((v) => Math.log(v + OFFSET));
  const sums = [0, 0, 0, 0, 0];
  for (let b = 0; b < blocks.length; b++) for (let k = 0; k < 5; k++) sums[k] += WEIGHTS[b * 5 + k] * blocks[b];
  return { centre: sums[0], corners: sums.slice(1) };
}

export const vignette: TraitAnalyser = {
  name: 'vignette',
  doc: {
    formula:
      `m = ln(b + ${OFFSET}), b the 8x8 block means of luma at 512x512; centre = mean of m over blocks with r <= ${CENTRE_RADIUS} R, ` +
      `corner_q = mean over the blocks of quadrant q with r >= ${CORNER_RADIUS} R (r from the image centre, R the half-diagonal). ` +
      'raw = exp(centre - max_q corner_q): centre over brightest corner, as a ratio of geometric-mean luminance (1 = even, 2 = corners half as bright).',
    calibration: `score = ${describeRamp(RAMP)}`,
    usableRange:
      'ImageMagick -vignette multiplied in, corners darkened to g% of the centre, g = 85 / 70 / 50 / 30 / 10: astronaut 0.00 / 0.00 / ' +
      '0.09 / 0.43 / 0.95, Shipwreck 0.00 / 0.00 / 0.11 / 0.31 / 0.59, coffee (a dark centre) 0.00 / 0.00 / 0.00 / 0.02 / 0.45, Starry ' +
      'Night (a bright sky in the corners) 0.00 / 0.00 / 0.00 / 0.00 / 0.17. Only strong vignettes score: a slight one (corners at ' +
      '70..85%) is within how much scenes darken towards their corners by themselves.',
    blindSpots:
      'The measure cannot tell a vignette from a scene that darkens towards all four corners by itself: a lit subject on a dark ' +
      'background, a spotlit stage, a twilight sky over dark ground (rocket.jpg reads 1.75 unedited). A dark subject in the centre ' +
      'of a bright frame (coffee.jpg, 0.47) needs a strong vignette before it scores, and so does a frame with one bright corner ' +
      '(a lamp, the sun, a window), since the brightest corner is the one compared. Vignettes confined to the extreme corners ' +
      '(beyond 0.85 R) or reaching into the centre disc count only in part. Non-square images are stretched to a square first, ' +
      'so an elliptical vignette fitted to the frame reads as a circular one.',
  },
  build(ctx) {
    const g = ctx.g;
    const blocks = g.log(g.add(ctx.lumaBlocks(BLOCK), g.scalar(OFFSET)));
    const regions = g.matmul(g.reshape(blocks, [-1, GRID * GRID]), g.constant(WEIGHTS, [GRID * GRID, 5]));
    const centre = g.slice(regions, [0], [1], [1]);
    const brightest = g.reduce('ReduceMax', g.slice(regions, [1], [5], [1]), [1]);
    const raw = g.reshape(g.exp(g.sub(centre, brightest)), [-1]);
    return { raw, score: rampGraph(g, RAMP, raw) };
  },
  reference({ working }) {
    const { centre, corners } = vignetteRegions(working);
    const raw = Math.exp(centre - Math.max(...corners));
    return { raw, score: applyRamp(RAMP, raw) };
  },
};
