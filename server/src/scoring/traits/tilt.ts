// tilt: the horizon or the dominant lines are off level. The dominant orientation of the luma gradients, as in
// gradient-orientation histograms (Dalal & Triggs 2005) and the structure tensor's orientation estimate (Bigun &
// Granlund 1987), folded modulo 90 degrees: a level frame has its lines at 0 and 90 degrees, and a frame tilted by
// alpha has both families turned by alpha.
//  - Blocks: the structure tensor J (Sobel products of the 512 px working luma) summed over 8x8 blocks. Each block's
//    doubled-angle vector z = (Jxx - Jyy, 2 Jxy) = E c e^{2i phi} gives its edge orientation phi, energy E = Jxx + Jyy
//    and straightness c = |z| / E (1 for one straight edge, near 0 for texture, corners and curves at that scale).
//  - The working image stretches a non-square frame to a square, which scales the tangent of every angle by the
//    aspect ratio (a 3:2 horizon at 12 degrees read 16); the gradients are unstretched first, gx divided by
//    width / height, so angles are measured in the frame the user sees.
//  - Each block votes with e^{4i phi} (horizontal and vertical edges alike), weighted by E c^3 so straight edges
//    dominate; the vote's angle / 4 is the tilt, 0..45 degrees.
//  - Confidence: the second harmonic of the same vote, |sum E c^3 e^{8i phi}| / sum E. The first harmonic (the old
//    gate) is as large for a broad spread of orientations (swirling brushwork, fur) as for a few exact lines among
//    clutter; the second is large only for a sharp peak, which is what a horizon or a building makes. Measured: the
//    blurred Starry Night reads 0.02..0.04 whatever its rotation, against 0.09..0.12 for astronaut.jpg and 0.3..0.55
//    for a horizon.
import type { TraitAnalyser } from './analyser';
import { applyRamp, describeRamp, rampGraph, type Ramp } from './calibration';
import { referenceLuma, sobelProducts, tensorOf } from './structureTensor';
import { WORKING_SIZE } from '../images';
import type { Value } from '../onnx/graph';

// Calibrated on ImageMagick's `-distort SRT A` (then a centre crop, no corner showing) of the test photographs, two
// paintings and a synthetic horizon (test/fixtures/tilt, made by make.sh there). The horizon reads A within 0.5
// degrees for A = 3..30 on square and 3:2 frames (the old per-pixel measure read a 3:2 horizon at 12 and 20 degrees
// as 16.3 and 27.4); astronaut.jpg reads 2.5 / 5.6 / 8.2 / 12.2 / 18.4 / 27.6 degrees at 0 / 3 / 7 / 12 / 20 / 30 and
// rocket.jpg 0.2 / 2.3 / 6.0 / 10.3 / 17.6 / 28.1. The angle ramp is log-linear to 30 degrees (it used to end at 8). Confidence: horizons 0.42..0.55, rocket
// 0.29..0.42, astronaut 0.09..0.12, The Scream 0.20; images without a level reference read 0.01..0.06 (chelsea, a
// cat's face; coffee, a cup seen from above; Starry Night clean, blurred or rotated; Shipwreck; Woman with a Hat).
const ANGLE_RAMP: Ramp = { lo: 2, hi: 30, scale: 'log' };
const CONFIDENCE_RAMP: Ramp = { lo: 0.06, hi: 0.09, scale: 'linear' };
/** Side of the blocks whose structure tensors vote. */
const BLOCK = 8;
/** Straightness exponent of the vote's weight. */
const STRAIGHT_POWER = 3;
/** Keeps divisions finite in flat blocks. */
const EPS = 1e-6;
const DEGREES = 180 / Math.PI;

/** Tilt in degrees (0..45) and confidence (0..1), as the reference computes them. */
export function tiltCues(working: Float32Array, aspect: number): { degrees: number; confidence: number } {
  const { gx, gy } = tensorOf(referenceLuma(working));
  const n = WORKING_SIZE;
  let c4 = 0;
  let s4 = 0;
  let c8 = 0;
  let s8 = 0;
  let energy = 0;
  for (let by = 0; by < n; by += BLOCK) {
    for (let bx = 0; bx < n; bx += BLOCK) {
      let xx = 0;
      let yy = 0;
      let xy = 0;
      for (let y = by; y < by + BLOCK; y++) {
        for (let x = bx; x < bx + BLOCK; x++) {
          const i = y * n + x;
          xx += gx[i] * gx[i];
          yy += gy[i] * gy[i];
          xy += gx[i] * gy[i];
        }
      }
      const v = vote(xx / (aspect * aspect), yy, xy / aspect);
      c4 += v.c4;
      s4 += v.s4;
      c8 += v.c8;
      s8 += v.s8;
      energy += v.energy;
    }
  }
  const a = Math.atan(Math.abs(s4) / Math.max(Math.abs(c4), 1e-30));
  const angle4 = c4 >= 0 ? a : Math.PI - a;
  return { degrees: (angle4 / 4) * DEGREES, confidence: Math.hypot(c8, s8) / (energy + EPS) };
}

/** One block's weighted votes (see the header), from its unstretched tensor sums. */
function vote(xx: number, yy: number, xy: number): { c4: number; s4: number; c8: number; s8: number; energy: number } {
  const energy = xx + yy;
  const u = xx - yy;
  const v = 2 * xy;
  const m2 = u * u + v * v;
  const straight = Math.sqrt(m2) / (energy + EPS);
  const w = energy * straight ** STRAIGHT_POWER;
  const cos4 = (u * u - v * v) / (m2 + EPS);
  const sin4 = (2 * u * v) / (m2 + EPS);
  return { c4: w * cos4, s4: w * sin4, c8: w * (cos4 * cos4 - sin4 * sin4), s8: w * 2 * cos4 * sin4, energy };
}

export const tilt: TraitAnalyser = {
  name: 'tilt',
  doc: {
    formula:
      `Sobel gx, gy of luma at 512x512 (reflected border), gx divided by the image's width / height (undoing the stretch to the square). ` +
      `Per ${BLOCK}x${BLOCK} block: Jxx, Jyy, Jxy summed; E = Jxx + Jyy, z = (Jxx - Jyy, 2 Jxy) = |z| e^{2i phi}, straightness c = |z| / E, weight w = E c^${STRAIGHT_POWER}. ` +
      'V4 = sum w e^{4i phi}, V8 = sum w e^{8i phi} over blocks. raw = |arg V4| / 4 in degrees (0 = level, 45 = diagonal); confidence q = |V8| / sum E.',
    calibration: `score = T(raw) x Q(q); T: ${describeRamp(ANGLE_RAMP)}; Q: ${describeRamp(CONFIDENCE_RAMP)}`,
    blindSpots:
      'Compositions whose real lines are diagonal (a road in perspective, a staircase, a diagonal table edge, top-down shots) read as tilted; ' +
      'the measure knows the frame, not the scene. Frames without a few straight lines (faces, fur, foliage, swirling brushwork, a cup seen from above) ' +
      'give a low confidence and a score of 0 whatever their tilt: a tilted portrait or a rotated Starry Night is not seen. ' +
      'A photograph with a clear level reference among much clutter sits near the confidence threshold (astronaut.jpg: 0.09..0.12). ' +
      'Tilt beyond 45 degrees folds back (50 reads as 40). Streaks are lines to this measure: diagonal motion blur reads as a diagonal tilt, as do rain and hatching.',
    usableRange:
      'ImageMagick -distort SRT A then a centre crop (test/fixtures/tilt), A = 3 / 7 / 12 / 20 / 30 degrees: a synthetic horizon reads 0.13 / 0.44 / 0.64 / 0.84 / 0.99, ' +
      'its angle within 0.5 degrees on a square or a 3:2 frame; rocket.jpg 0.05 / 0.41 / 0.60 / 0.80 / 0.98; astronaut.jpg 0.38 / 0.52 / 0.67 / 0.82 / 0.97 ' +
      '(its level frame leans 2.5 degrees of its own: 0.09). Starry Night clean, blurred, rotated 12 degrees or both reads 0.00, as do Shipwreck, Woman with a Hat and chelsea.jpg.',
  },
  build(ctx) {
    const g = ctx.g;
    const p = sobelProducts(ctx);
    const pool = (x: Value) => g.mul(g.blockMean(x, BLOCK), g.scalar(BLOCK * BLOCK));
    // Unstretch: gx / aspect, so Jxx / aspect^2 and Jxy / aspect.
    const inv = g.reshape(g.div(g.scalar(1), ctx.aspect), [-1, 1, 1, 1]);
    const xx = g.mul(pool(p.xx), g.mul(inv, inv));
    const yy = pool(p.yy);
    const xy = g.mul(pool(p.xy), inv);
    const energy = g.add(xx, yy);
    const u = g.sub(xx, yy);
    const v = g.mul(xy, g.scalar(2));
    const m2 = g.add(g.mul(u, u), g.mul(v, v));
    const straight = g.div(g.sqrt(m2), g.add(energy, g.scalar(EPS)));
    const w = g.mul(energy, g.pow(straight, g.scalar(STRAIGHT_POWER)));
    const den = g.add(m2, g.scalar(EPS));
    const cos4 = g.div(g.sub(g.mul(u, u), g.mul(v, v)), den);
    const sin4 = g.div(g.mul(g.mul(u, v), g.scalar(2)), den);
    const sum = (x: Value) => g.reduce('ReduceSum', x, [1, 2, 3], false);
    const c4 = sum(g.mul(w, cos4));
    const s4 = sum(g.mul(w, sin4));
    const c8 = sum(g.mul(w, g.sub(g.mul(cos4, cos4), g.mul(sin4, sin4))));
    const s8 = sum(g.mul(w, g.mul(g.mul(cos4, sin4), g.scalar(2))));
    // |atan2(S, C)| from atan alone: atan(|S| / |C|), reflected to pi - that where C < 0.
    const a = g.atan(g.div(g.abs(s4), g.max(g.abs(c4), g.scalar(1e-30))));
    const angle4 = g.where(g.less(c4, g.scalar(0)), g.sub(g.scalar(Math.PI), a), a);
    const raw = g.mul(angle4, g.scalar(DEGREES / 4));
    const confidence = g.div(g.sqrt(g.add(g.mul(c8, c8), g.mul(s8, s8))), g.add(sum(energy), g.scalar(EPS)));
    return { raw, score: g.mul(rampGraph(g, ANGLE_RAMP, raw), rampGraph(g, CONFIDENCE_RAMP, confidence)) };
  },
  reference({ working, aspect }) {
    const { degrees, confidence } = tiltCues(working, aspect);
    return { raw: degrees, score: applyRamp(ANGLE_RAMP, degrees) * applyRamp(CONFIDENCE_RAMP, confidence) };
  },
};
