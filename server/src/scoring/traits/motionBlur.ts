// motion-blur: detail smeared along one direction. Motion blur of length L along a direction u removes the
// detail finer than L along u and nothing across it, so the structure tensor of the gradients (Harris &
// Stephens 1988; Bigun & Granlund 1987) becomes anisotropic. A plain tensor is anisotropic for sharp scenes too
// (a horizon, a mast, stripes), so the tensor of the fine gradients (Sobel at 512 px) is compared with the
// tensor of the coarse gradients (Sobel after 8x8 averaging, 64 px): the generalised eigenvalues
// lambda of Jf v = lambda Jc v give, per direction, how much fine detail there is for the coarse structure
// seen along it. A scene with strong lines has them at both scales (lambda stays even); motion blur removes
// the fine scale only, along u (lambda_min falls, lambda_max stays).
// Two cues, both needed (the score is their product):
//  - anisotropy  a = 1 - lambda_min / lambda_max of the generalised problem (the raw value);
//  - detail      d = 64 lambda_min, the fine-to-coarse energy ratio along the softest direction, scaled so that
//    an image with no detail finer than 8 px (a pure ramp) reads 1: an isotropically sharp image with natural
//    directionality keeps d high, so the anisotropy alone cannot make it read as motion-blurred, and Gaussian
//    blur lowers d in every direction but leaves a low.
import type { TraitAnalyser } from './analyser';
import { applyRamp, describeRamp, rampGraph, type Ramp } from './calibration';
import type { TraitContext } from './context';
import type { Value } from '../onnx/graph';
import { SOBEL_X, SOBEL_Y } from './reference';
import { referenceBlocks, referenceLuma, sobelTensor, tensorOf, type Tensor } from './structureTensor';

/** Side of the averaging blocks the coarse gradients are taken on (512 / 8 = 64 px). */
const COARSE = 8;
// Calibrated on the test photographs (test/fixtures/photos) smeared by a linear motion kernel of 0..41 native px,
// horizontal, vertical and diagonal: sharp photos read a 0.09..0.50 (0.50 is rocket.jpg, whose thin vertical masts
// and lattices carry fine detail across them only) and d 12..25; 5 px reads a 0.19..0.78, d 4.1..11; 11 px reads
// a 0.44..0.85, d 2.4..4.2; 21 px a 0.50..0.88, d 1.8..3.0; 41 px a 0.50..0.91, d 1.5..2.2. Gaussian blur of
// sigma 1.5 reads a 0.17..0.24 with d 4..8 (soft but not directional); noise of sigma 10 raises d to 13..27.
// ImageMagick's -motion-blur 0xL at 512 px on two photographs and two paintings reads d 5.2..6.1 / 3.0..3.2 /
// 2.06..2.09 / 1.62..1.77 / 1.49..1.87 at L = 3 / 6 / 12 / 24 / 48 px, so the detail ramp runs to 1.6 (it ended at
// 2.5, and every smear from 12 px up read 1); d stops falling near 1.5, where nothing finer than the blocks is left.
const ANISOTROPY_RAMP: Ramp = { lo: 0.25, hi: 0.5, scale: 'linear' };
const DETAIL_RAMP: Ramp = { lo: 9, hi: 1.6, scale: 'log' };
/** Keeps the ratios finite on flat images (no gradients at all reads as isotropic and without detail). */
const EPS = 1e-6;

/** Anisotropy and detail from the fine and coarse structure tensors (closed-form 2x2 generalised eigenvalues). */
function cues(f: Tensor<number>, c: Tensor<number>): { anisotropy: number; detail: number } {
  const detF = f.xx * f.yy - f.xy * f.xy;
  const detC = c.xx * c.yy - c.xy * c.xy;
  // s = (lambda_max + lambda_min) detC, q = (lambda_max - lambda_min) detC.
  const s = f.xx * c.yy + f.yy * c.xx - 2 * f.xy * c.xy;
  const q = Math.sqrt(Math.max(0, s * s - 4 * detF * detC));
  return { anisotropy: (2 * q) / (s + q + EPS), detail: (2 * 64 * detF) / (s + q + EPS) };
}

/** The two cues of one image, as the reference computes them (for tests and calibration reports). */
export function motionBlurCues(working: Float32Array): { anisotropy: number; detail: number } {
  return cues(tensorOf(referenceLuma(working)), tensorOf(referenceBlocks(working, COARSE)));
}

function scoreOf(anisotropy: number, detail: number): number {
  return applyRamp(ANISOTROPY_RAMP, anisotropy) * applyRamp(DETAIL_RAMP, detail);
}

export const motionBlur: TraitAnalyser = {
  name: 'motion-blur',
  doc: {
    formula:
      'Structure tensors of luma gradients (Sobel, reflected border) at two scales: Jf at 512x512 and Jc after 8x8 block averaging (64x64), ' +
      'J = mean [gx^2, gx gy; gx gy, gy^2]. lambda_max >= lambda_min solve det(Jf - lambda Jc) = 0 (closed form). ' +
      'raw = anisotropy a = 1 - lambda_min / lambda_max; detail d = 64 lambda_min (1 = no detail finer than 8 px along the softest direction).',
    calibration: `score = A(a) x D(d); A: ${describeRamp(ANISOTROPY_RAMP)}; D: ${describeRamp(DETAIL_RAMP)}`,
    usableRange:
      'ImageMagick -motion-blur 0xL at 512 px, L = 3 / 6 / 12 / 24 / 48 px: 0.05..0.32 / 0.52..0.62 / 0.84..0.85 / 0.94..0.99 / ' +
      '0.91..1.00 on photographs and paintings; clean images read 0.00. Past 24 px the fine detail is gone and the score stops rising.',
    blindSpots:
      'Scenes dominated by thin parallel lines (masts, rigging, wood grain, hair, rain) have little fine detail along the lines and read ' +
      'partly anisotropic (rocket.jpg: a = 0.50), so they need less blur to score. Grain or JPEG noise added after the blur restores ' +
      'fine detail in every direction and hides the smear. Non-square images are stretched to 512x512 first; an upscaled axis ' +
      '(a 300 px tall image is stretched 1.7x vertically) has less fine detail along it. Blur of objects in motion against a sharp ' +
      'background is diluted by the sharp part, since the tensors are summed over the whole frame. Flat graphics with clean isolated ' +
      'edges (illustrations, text, interfaces) have little fine detail per edge (a perfect step reads d = 8, near the top of the ramp): ' +
      'if their edges mostly run one way they read faintly motion-blurred (up to about 0.1).',
  },
  build(ctx) {
    const g = ctx.g;
    const f = sobelTensor(ctx);
    const c = ctx.shared('motion-blur:coarse-tensor', () => {
      const padded = g.pad(ctx.lumaBlocks(COARSE), [0, 0, 1, 1, 0, 0, 1, 1], 'reflect');
      const gx = g.conv(padded, g.constant(SOBEL_X, [1, 1, 3, 3]));
      const gy = g.conv(padded, g.constant(SOBEL_Y, [1, 1, 3, 3]));
      return [ctx.perImage(g.mul(gx, gx)), ctx.perImage(g.mul(gy, gy)), ctx.perImage(g.mul(gx, gy))];
    });
    const { anisotropy, detail } = cuesGraph(ctx, f, { xx: c[0], yy: c[1], xy: c[2] });
    return { raw: anisotropy, score: g.mul(rampGraph(g, ANISOTROPY_RAMP, anisotropy), rampGraph(g, DETAIL_RAMP, detail)) };
  },
  reference({ working }) {
    const { anisotropy, detail } = motionBlurCues(working);
    return { raw: anisotropy, score: scoreOf(anisotropy, detail) };
  },
};

/** The graph of `cues`. */
function cuesGraph(ctx: TraitContext, f: Tensor<Value>, c: Tensor<Value>): { anisotropy: Value; detail: Value } {
  const g = ctx.g;
  const detF = g.sub(g.mul(f.xx, f.yy), g.mul(f.xy, f.xy));
  const detC = g.sub(g.mul(c.xx, c.yy), g.mul(c.xy, c.xy));
  const s = g.sub(g.add(g.mul(f.xx, c.yy), g.mul(f.yy, c.xx)), g.mul(g.scalar(2), g.mul(f.xy, c.xy)));
  const q = g.sqrt(g.relu(g.sub(g.mul(s, s), g.mul(g.scalar(4), g.mul(detF, detC)))));
  const denom = g.add(g.add(s, q), g.scalar(EPS));
  return { anisotropy: g.div(g.mul(g.scalar(2), q), denom), detail: g.div(g.mul(g.scalar(128), detF), denom) };
}
