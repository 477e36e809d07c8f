// clutter: a busy frame. Edge density, the share of pixels on edges (as in the visual-clutter literature's
// edge-density measure, Mack & Oliva 2004, Rosenholtz et al. 2007), with the edges found as Sobel gradient
// magnitude above a fixed threshold:
//  - at 256x256 (2x2 block means of the working luma) after a Gaussian of sigma 1 (about 4 working pixels),
//    so that grain, JPEG noise and fine texture count less than object outlines, the level at which clutter lives;
//  - on ln(luma + 16), so the threshold is a contrast ratio (Weber's law): the same scene darker or brighter has
//    the same edges. The threshold 0.8 is a step of about 20% in luminance.
import type { TraitAnalyser } from './analyser';
import { applyRamp, describeRamp, rampGraph, type Ramp } from './calibration';
import { averagePool, convolve, gaussianKernel, luma, SOBEL_X, SOBEL_Y } from './reference';
import { WORKING_SIZE } from '../images';

const POOL = 2;
const SIGMA = 1;
const OFFSET = 16;
/** Sobel magnitude of ln(luma + 16) above which a pixel is on an edge. */
const THRESHOLD = 0.8;
const GAUSS = gaussianKernel(SIGMA);
const GAUSS_RADIUS = Math.round((Math.sqrt(GAUSS.length) - 1) / 2);
// Calibrated on the test photographs with 0..500 photo thumbnails and flat rectangles pasted over them: the clean
// photos read 0.08 (rocket.jpg: rocket and masts against an empty sky), 0.09 (chelsea.jpg), 0.14 (coffee.jpg) and
// 0.30 (astronaut.jpg: flag, patches, shuttle model and helmet around the subject); 200 pastes read 0.28..0.45 and
// 500 pastes, which cover the frame, 0.41..0.49.
const RAMP: Ramp = { lo: 0.15, hi: 0.45, scale: 'linear' };

export const clutter: TraitAnalyser = {
  name: 'clutter',
  doc: {
    formula:
      `L = ln(luma + ${OFFSET}) on 2x2 block means of the 512x512 luma (256x256), smoothed by a ${GAUSS_RADIUS * 2 + 1}x${GAUSS_RADIUS * 2 + 1} Gaussian (sigma ${SIGMA}); ` +
      `raw = share of pixels with sqrt(Gx^2 + Gy^2) > ${THRESHOLD} (Sobel of L, reflected borders).`,
    calibration: `score = ${describeRamp(RAMP)}`,
    blindSpots:
      'Edge density counts detail, not disorder: a sharp, richly textured but orderly subject (a brick wall, a tiled floor, foliage, ' +
      'a patterned fabric, a page of text) reads as cluttered, and a cluttered scene that is blurred or in fog reads as tidy ' +
      '(Gaussian blur of sigma 1.5 removes up to a fifth of the edges). Noise strong enough to survive the smoothing adds edges. ' +
      'Dark areas count the same contrast ratios as bright ones, so deep shadows with visible noise can add edges.',
  },
  build(ctx) {
    const g = ctx.g;
    const pooled = ctx.lumaBlocks(POOL);
    const logLuma = g.log(g.add(pooled, g.scalar(OFFSET)));
    const r = GAUSS_RADIUS;
    const smooth = g.conv(g.pad(logLuma, [0, 0, r, r, 0, 0, r, r], 'reflect'), g.constant(GAUSS, [1, 1, 2 * r + 1, 2 * r + 1]));
    const padded = g.pad(smooth, [0, 0, 1, 1, 0, 0, 1, 1], 'reflect');
    const gx = g.conv(padded, g.constant(SOBEL_X, [1, 1, 3, 3]));
    const gy = g.conv(padded, g.constant(SOBEL_Y, [1, 1, 3, 3]));
    const edges = g.cast(g.greater(g.add(g.mul(gx, gx), g.mul(gy, gy)), g.scalar(THRESHOLD * THRESHOLD)), 'float32');
    const raw = ctx.perImage(edges);
    return { raw, score: rampGraph(g, RAMP, raw) };
  },
  reference({ working }) {
    const pooled = averagePool(luma(working, WORKING_SIZE), POOL);
    const smooth = convolve({ ...pooled, data: pooled.data.map((v) => Math.log(v + OFFSET)) }, GAUSS);
    const gx = convolve(smooth, SOBEL_X).data;
    const gy = convolve(smooth, SOBEL_Y).data;
    let edges = 0;
    for (let i = 0; i < gx.length; i++) if (gx[i] * gx[i] + gy[i] * gy[i] > THRESHOLD * THRESHOLD) edges++;
    const raw = edges / gx.length;
    return { raw, score: applyRamp(RAMP, raw) };
  },
};
