// blur: overall softness. Two published cues at the 512 px working resolution:
//  - variance of the Laplacian of luma (Pech-Pacheco et al. 2000), the classic focus measure;
//  - edge width (after Marziliano et al. 2002), estimated contrast-free as sqrt(E|grad|^2 / E(lap)^2): for a
//    step edge blurred to width w, gradient energy falls as 1/w and Laplacian energy as 1/w^3, so the ratio
//    grows with w whatever the edge's contrast.
// The score is the larger of the two calibrated cues: a low-contrast but sharp image keeps a narrow edge width,
// and a high-contrast soft image still shows wide edges.
import type { TraitAnalyser } from './analyser';
import { applyRamp, describeRamp, rampGraph, type Ramp } from './calibration';
import { convolve, luma, mean, SOBEL_X, SOBEL_Y, variance } from './reference';
import { WORKING_SIZE } from '../images';

const LAPLACIAN = [0, 1, 0, 1, -4, 1, 0, 1, 0];
// Calibrated on the test photographs (test/fixtures/photos) blurred with Gaussian sigma 0..8: sharp photos read
// Var(L) 125..870 and w 3.5..5; sigma 1 reads 14..113 and 6..11; sigma 2 reads 2..16 and 12..18.
const LAPLACIAN_RAMP: Ramp = { lo: 400, hi: 4, scale: 'log' };
const WIDTH_RAMP: Ramp = { lo: 5, hi: 16, scale: 'log' };
/** Keeps the width finite on flat images (no edges at all reads as fully soft). */
const EPS = 1e-3;

export const blur: TraitAnalyser = {
  name: 'blur',
  doc: {
    formula:
      'raw = Var(L), L = luma convolved with the 3x3 Laplacian [0 1 0; 1 -4 1; 0 1 0] (reflected border) at 512x512. ' +
      'Edge width w = sqrt(E[Gx^2 + Gy^2] / (E[L^2] + eps)) with Sobel Gx, Gy.',
    calibration: `score = max(${describeRamp(LAPLACIAN_RAMP)}; for w: ${describeRamp(WIDTH_RAMP)})`,
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
    const lapEnergy = ctx.perImage(g.mul(lap, lap));
    const [gx, gy] = ctx.sobel('working');
    const gradEnergy = ctx.perImage(g.add(g.mul(gx, gx), g.mul(gy, gy)));
    const width = g.sqrt(g.div(gradEnergy, g.add(lapEnergy, g.scalar(EPS))));
    const score = g.max(rampGraph(g, LAPLACIAN_RAMP, raw), rampGraph(g, WIDTH_RAMP, width));
    return { raw, score };
  },
  reference({ working }) {
    const y = luma(working, WORKING_SIZE);
    const lap = convolve(y, LAPLACIAN);
    const raw = variance(lap.data);
    const gx = convolve(y, SOBEL_X).data;
    const gy = convolve(y, SOBEL_Y).data;
    const grad = mean(gx.map((v, i) => v * v + gy[i] * gy[i]));
    const lapEnergy = mean(lap.data.map((v) => v * v));
    const width = Math.sqrt(grad / (lapEnergy + EPS));
    return { raw, score: Math.max(applyRamp(LAPLACIAN_RAMP, raw), applyRamp(WIDTH_RAMP, width)) };
  },
};
