// blur: overall softness. Two published cues at the 512 px working resolution:
//  - variance of the Laplacian of luma (Pech-Pacheco et al. 2000), the classic focus measure;
//  - edge width (after Marziliano et al. 2002), estimated contrast-free as sqrt(E|grad|^2 / E(lap)^2): for a
//    step edge blurred to width w, gradient energy falls as 1/w and Laplacian energy as 1/w^3, so the ratio
//    grows with w whatever the edge's contrast.
// The fine score is the larger of the two calibrated cues: a low-contrast but sharp image keeps a narrow edge
// width, and a high-contrast soft image still shows wide edges. Both stop growing past sigma 2 at 512 px: the
// Laplacian falls to the noise of 8-bit quantisation and JPEG (Var(L) ~1), which then also sets the width. So the
// edge width is measured again at 128 px (4x4 block means, which average that noise away), where sigma 2..8 is
// sigma 0.5..2, and the score is 0.6 fine + 0.4 coarse: the fine cues grade slight blur, the coarse one heavy blur.
import type { TraitAnalyser } from './analyser';
import { applyRamp, describeRamp, rampGraph, type Ramp } from './calibration';
import { averagePool, convolve, luma, mean, SOBEL_X, SOBEL_Y, variance, type Plane } from './reference';
import type { TraitContext } from './context';
import type { Value } from '../onnx/graph';
import { WORKING_SIZE } from '../images';

const LAPLACIAN = [0, 1, 0, 1, -4, 1, 0, 1, 0];
// Calibrated on the test photographs (test/fixtures/photos) blurred with Gaussian sigma 0..8: sharp photos read
// Var(L) 125..870 and w 3.5..5; sigma 1 reads 14..113 and 6..11; sigma 2 reads 2..16 and 12..18.
const LAPLACIAN_RAMP: Ramp = { lo: 400, hi: 4, scale: 'log' };
const WIDTH_RAMP: Ramp = { lo: 5, hi: 16, scale: 'log' };
// ImageMagick's -blur 0xS on two photographs and two paintings at 512 px: the width at 128 px reads 2.4..3.7 sharp,
// 4.4..5.2 at sigma 1, 5.8..8.9 at 2, 9.5..15.4 at 4 and 16..22 at 8 (bench/scoring/graded-ranges.sh makes them).
const COARSE_WIDTH_RAMP: Ramp = { lo: 5, hi: 20, scale: 'log' };
/** Side of the blocks the coarse width is measured on (512 / 4 = 128 px). */
const COARSE = 4;
const FINE_WEIGHT = 0.6;
/** Keeps the width finite on flat images (no edges at all reads as fully soft). */
const EPS = 1e-3;

export const blur: TraitAnalyser = {
  name: 'blur',
  doc: {
    formula:
      'raw = Var(L), L = luma convolved with the 3x3 Laplacian [0 1 0; 1 -4 1; 0 1 0] (reflected border) at 512x512. ' +
      'Edge width w = sqrt(E[Gx^2 + Gy^2] / (E[L^2] + eps)) with Sobel Gx, Gy; w128 the same on the 4x4 block means (128x128).',
    calibration:
      `score = ${FINE_WEIGHT} max(${describeRamp(LAPLACIAN_RAMP)}; for w: ${describeRamp(WIDTH_RAMP)}) + ` +
      `${(1 - FINE_WEIGHT).toFixed(1)} (for w128: ${describeRamp(COARSE_WIDTH_RAMP)})`,
    usableRange:
      'ImageMagick -blur 0xS at 512 px, S = 0.5 / 1 / 2 / 4 / 8: photographs 0.13..0.14 / 0.39 / 0.64..0.68 / 0.78..0.84 / 0.94..0.97, ' +
      'paintings 0.23..0.30 / 0.52..0.56 / 0.76..0.77 / 0.92..0.93 / 1.00. Sharp photographs read 0.00; paintings with soft passages ' +
      '0.07..0.13 (Starry Night, Shipwreck). S is in 512 px units: a 1024 px image needs twice the sigma for the same score.',
    blindSpots:
      'Grain and JPEG noise add high frequencies that read as sharpness, so a blurred and then noised image scores as less blurred. ' +
      'A sharp image of a flat subject (fog, a plain wall) has few edges and can read as soft.',
  },
  build(ctx) {
    const g = ctx.g;
    const y = ctx.luma('working');
    const padded = g.pad(y, [0, 0, 1, 1, 0, 0, 1, 1], 'reflect');
    const lap = g.conv(padded, g.constant(LAPLACIAN, [1, 1, 3, 3]));
    const lapMean = g.mean(lap, [1, 2, 3]);
    const centred = g.sub(lap, lapMean);
    const raw = ctx.perImage(g.mul(centred, centred));
    const [gx, gy] = ctx.sobel('working');
    const fine = g.max(rampGraph(g, LAPLACIAN_RAMP, raw), rampGraph(g, WIDTH_RAMP, widthGraph(ctx, lap, gx, gy)));
    const coarse = rampGraph(g, COARSE_WIDTH_RAMP, coarseWidthGraph(ctx));
    const score = g.add(g.mul(fine, g.scalar(FINE_WEIGHT)), g.mul(coarse, g.scalar(1 - FINE_WEIGHT)));
    return { raw, score };
  },
  reference({ working }) {
    const y = luma(working, WORKING_SIZE);
    const lap = convolve(y, LAPLACIAN);
    const raw = variance(lap.data);
    const fine = Math.max(applyRamp(LAPLACIAN_RAMP, raw), applyRamp(WIDTH_RAMP, edgeWidth(y, lap.data)));
    const coarse = applyRamp(COARSE_WIDTH_RAMP, edgeWidth(averagePool(y, COARSE)));
    return { raw, score: FINE_WEIGHT * fine + (1 - FINE_WEIGHT) * coarse };
  },
};

/** Edge width of a plane: sqrt(E|grad|^2 / (E L^2 + eps)); `lap` is its Laplacian, when already at hand. */
function edgeWidth(p: Plane, lap = convolve(p, LAPLACIAN).data): number {
  const gx = convolve(p, SOBEL_X).data;
  const gy = convolve(p, SOBEL_Y).data;
  return Math.sqrt(mean(gx.map((v, i) => v * v + gy[i] * gy[i])) / (mean(lap.map((v) => v * v)) + EPS));
}

/** The graph of `edgeWidth` from a plane's Laplacian and Sobel gradients, [N]. */
function widthGraph(ctx: TraitContext, lap: Value, gx: Value, gy: Value): Value {
  const g = ctx.g;
  const gradEnergy = ctx.perImage(g.add(g.mul(gx, gx), g.mul(gy, gy)));
  const lapEnergy = ctx.perImage(g.mul(lap, lap));
  return g.sqrt(g.div(gradEnergy, g.add(lapEnergy, g.scalar(EPS))));
}

/** `edgeWidth` of the 4x4 block means of the working luma, [N]. */
function coarseWidthGraph(ctx: TraitContext): Value {
  const g = ctx.g;
  const padded = g.pad(ctx.lumaBlocks(COARSE), [0, 0, 1, 1, 0, 0, 1, 1], 'reflect');
  const conv = (kernel: readonly number[]) => g.conv(padded, g.constant(kernel, [1, 1, 3, 3]));
  return widthGraph(ctx, conv(LAPLACIAN), conv(SOBEL_X), conv(SOBEL_Y));
}
