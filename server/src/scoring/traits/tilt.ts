// tilt: the horizon or the dominant lines are off level. The dominant orientation of the luma gradients, as in
// gradient-orientation histograms (Dalal & Triggs 2005) and the structure tensor's orientation estimate (Bigun &
// Granlund 1987), but folded modulo 90 degrees: a level frame has its lines at 0 and 90 degrees, and a frame tilted
// by alpha has both families turned by alpha. So each pixel votes with the unit vector at four times its gradient
// angle theta, (cos 4theta, sin 4theta), weighted by its gradient energy |g|^2; horizontal and vertical edges then
// vote alike, and the angle of the summed vector divided by four is the dominant tilt in -45..45 degrees. No
// angles are computed per pixel: with u = gx^2 - gy^2 and v = 2 gx gy (so u + iv = |g|^2 e^{2i theta} and
// u^2 + v^2 = |g|^4), |g|^2 cos 4theta = (u^2 - v^2) / |g|^2 = 2u^2 / |g|^2 - |g|^2 and
// |g|^2 sin 4theta = 2uv / |g|^2 = 4u gx gy / |g|^2.
// The length of the summed vector over the total weight (coherence, 0..1) says how much of the gradient energy
// agrees on one square grid of directions; a frame without straight lines (fur, foliage, a close-up) has a
// coherence near 0 and an angle that means nothing, so the score is gated by it.
import type { TraitAnalyser } from './analyser';
import { applyRamp, describeRamp, rampGraph, type Ramp } from './calibration';
import { referenceLuma, sobelProducts, sobelTensor, tensorOf } from './structureTensor';

// Calibrated on the test photographs rotated by 0..20 degrees (cropped inside the rotated frame): level photos read
// 1.2..1.4 degrees; astronaut.jpg (square) reads 1.5 / 5.2 / 10.1 / 18 degrees at 3 / 7 / 12 / 20; rocket.jpg
// (640x427, squeezed horizontally by the 512x512 working image, which shrinks the angle of near-vertical lines)
// reads 2.7 / 4.7 / 7.0 / 12; chelsea.jpg (a cat's face, no straight lines) 2.0 / 3.4 / 4.8 / 8.0. Coherence is
// 0.16..0.60 for these, 0.02..0.19 for coffee.jpg (no level reference: wood grain and a round cup seen from above,
// whose angle wanders between 5 and 45 degrees under any edit).
const ANGLE_RAMP: Ramp = { lo: 1.5, hi: 8, scale: 'linear' };
const COHERENCE_RAMP: Ramp = { lo: 0.1, hi: 0.16, scale: 'linear' };
/** Keeps the per-pixel division finite where the gradient is zero. */
const EPS = 1e-3;
const DEGREES = 180 / Math.PI;

/** Tilt in degrees (0..45) and coherence (0..1), as the reference computes them. */
export function tiltCues(working: Float32Array): { degrees: number; coherence: number } {
  const { gx, gy, xx, yy } = tensorOf(referenceLuma(working));
  let uu = 0;
  let uv = 0;
  for (let i = 0; i < gx.length; i++) {
    const gx2 = gx[i] * gx[i];
    const gy2 = gy[i] * gy[i];
    const ud = (gx2 - gy2) / (gx2 + gy2 + EPS);
    uu += (gx2 - gy2) * ud;
    uv += gx[i] * gy[i] * ud;
  }
  const w = xx + yy;
  const c = (2 * uu) / gx.length - w;
  const s = (4 * uv) / gx.length;
  const a = Math.atan(Math.abs(s) / Math.max(Math.abs(c), 1e-30));
  const angle4 = c >= 0 ? a : Math.PI - a;
  return { degrees: (angle4 / 4) * DEGREES, coherence: Math.hypot(c, s) / (w + EPS) };
}

export const tilt: TraitAnalyser = {
  name: 'tilt',
  doc: {
    formula:
      'Sobel gx, gy of luma at 512x512 (reflected border); u = gx^2 - gy^2, r2 = gx^2 + gy^2. ' +
      'C = 2 mean(u^2 / (r2 + eps)) - mean(r2), S = 4 mean(u gx gy / (r2 + eps)) (the energy-weighted mean of (cos 4theta, sin 4theta)). ' +
      'raw = |atan2(S, C)| / 4 in degrees (0 = level, 45 = diagonal); coherence k = sqrt(C^2 + S^2) / mean(r2).',
    calibration: `score = T(raw) x K(k); T: ${describeRamp(ANGLE_RAMP)}; K: ${describeRamp(COHERENCE_RAMP)}`,
    blindSpots:
      'Compositions whose real lines are diagonal (a road in perspective, a staircase, a diagonal table edge, top-down shots) read as tilted; ' +
      'the measure knows the frame, not the scene. Frames with no straight lines give a low coherence and a low score whatever their tilt. ' +
      'Stretching to the square also biases gradients towards the stretched axis, which adds coherence at 0 degrees and pulls the angle ' +
      'towards level: chelsea.jpg (3:2, no straight lines) reads coherence 0.19 stretched against 0.14 for its square centre, and follows ' +
      'a rotation at about 40%. ' +
      'The working image stretches a non-square frame to 512x512, which scales the tangent of every angle by the aspect ratio: ' +
      'near-vertical lines of a 3:2 landscape read about two thirds of their true tilt, near-horizontal ones about 1.5 times; ' +
      'a level frame stays level. Tilt beyond 45 degrees folds back (50 reads as 40). Streaks are lines to this measure: diagonal ' +
      'motion blur reads as a diagonal tilt (an 11 px diagonal smear scores 1 on the test photographs), as do rain and hatching.',
  },
  build(ctx) {
    const g = ctx.g;
    const p = sobelProducts(ctx);
    const t = sobelTensor(ctx);
    const u = g.sub(p.xx, p.yy);
    const ud = g.div(u, g.add(g.add(p.xx, p.yy), g.scalar(EPS)));
    const w = g.add(t.xx, t.yy);
    const c = g.sub(g.mul(ctx.perImage(g.mul(u, ud)), g.scalar(2)), w);
    const s = g.mul(ctx.perImage(g.mul(p.xy, ud)), g.scalar(4));
    // |atan2(S, C)| from atan alone: atan(|S| / |C|), reflected to pi - that where C < 0.
    const a = g.atan(g.div(g.abs(s), g.max(g.abs(c), g.scalar(1e-30))));
    const angle4 = g.where(g.less(c, g.scalar(0)), g.sub(g.scalar(Math.PI), a), a);
    const raw = g.mul(angle4, g.scalar(DEGREES / 4));
    const coherence = g.div(g.sqrt(g.add(g.mul(c, c), g.mul(s, s))), g.add(w, g.scalar(EPS)));
    return { raw, score: g.mul(rampGraph(g, ANGLE_RAMP, raw), rampGraph(g, COHERENCE_RAMP, coherence)) };
  },
  reference({ working }) {
    const { degrees, coherence } = tiltCues(working);
    return { raw: degrees, score: applyRamp(ANGLE_RAMP, degrees) * applyRamp(COHERENCE_RAMP, coherence) };
  },
};
