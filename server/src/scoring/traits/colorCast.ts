// color-cast: a sickly overall tint. The opponent-channel (CIELAB a*, b*) offset from neutral of the scene's
// white, estimated as the Shades-of-Gray mean (Finlayson & Trezzi 2004): the Minkowski p-norm mean of each linear
// sRGB channel, p = 6, over the 512 px working image. p = 1 would be the plain gray-world mean offset; p = 6 weights
// the bright pixels, where white and grey objects show a cast most plainly, and is the exponent the paper found best.
//
// Why not the plain mean a*/b* over all pixels: measured on the test photographs, it reads a naturally warm scene as
// cast (coffee: mean offset 42 CIELAB units clean, astronaut 18) and a green cast on a warm or blue scene first
// cancels the scene's own tint, so the offset falls before it rises (coffee 42, 38, 37, 39, 45 at strength
// 0..0.4; rocket 16, 10, 13, 20, 28). The Shades-of-Gray white is homogeneous in the channel gains a cast
// applies (each channel's estimate is multiplied by that channel's gain), and reads 7..18 clean and rises
// steadily on all four photographs (below).
//
// The conversion, in the graph:
//   linear = ((c + 0.055) / 1.055)^2.4   (c = sRGB / 255; the curve's linear segment below 0.04045 is left out, see linearPow6)
//   e_k = (mean(linear_k^6))^(1/6) for k = R, G, B       (linear^6 = exp(14.4 log((c + 0.055) / 1.055)), below)
//   XYZ / white(D65) = e M^T / Y(e): one MatMul with the sRGB matrix, rows divided by Xn, Yn, Zn, and the
//     estimate scaled to luminance Y = 1 (only its chromaticity matters)
//   f(t) = t^(1/3) for t > (6/29)^3, else t / (3 (6/29)^2) + 4/29           (Where + Pow: the piecewise cube root)
//   a* = 500 (f(X) - f(Y)), b* = 200 (f(Y) - f(Z)); raw = sqrt(a*^2 + b*^2)  (one MatMul)
import type { Value } from '../onnx/graph';
import type { TraitAnalyser } from './analyser';
import { applyRamp, describeRamp, rampGraph, type Ramp } from './calibration';
import type { TraitContext } from './context';
import { WORKING_SIZE } from '../images';

// Calibrated on the test photographs (test/fixtures/photos) under a green cast, sharp.linear([1-s, 1+s, 1-s]):
// clean photos read 7..18 (chelsea, a warm-furred cat, 18); s = 0.1 reads 23..28, 0.2 reads 45..52, 0.3 reads
// 63..75, 0.4 reads 80..93. Magenta, blue and warm casts of strength 0.4 read 52..126.
export const CAST_RAMP: Ramp = { lo: 15, hi: 60, scale: 'linear' };
/** Minkowski exponent of the Shades-of-Gray estimate. */
export const MINKOWSKI_P = 6;

/** linear sRGB -> XYZ (IEC 61966-2-1, D65), row-major. */
const SRGB_TO_XYZ = [
  [0.4124564, 0.3575761, 0.1804375],
  [0.2126729, 0.7151522, 0.072175],
  [0.0193339, 0.119192, 0.9503041],
];
/** The D65 reference white. */
const WHITE = [0.95047, 1, 1.08883];
const XYZ_N = SRGB_TO_XYZ.map((row, i) => row.map((v) => v / WHITE[i]));
const DELTA = 6 / 29;
const F_LINEAR_SLOPE = 1 / (3 * DELTA * DELTA);
const F_OFFSET = 4 / 29;
/** Keeps a black image (estimate 0) finite: it reads as neutral, chroma 0. */
const Y_FLOOR = 1e-9;

function transpose(m: number[][]): number[] {
  return [0, 1, 2].flatMap((c) => m.map((row) => row[c]));
}

/** sRGB gamma, the exponent of the curve's power segment. */
const GAMMA = 2.4;

/** linear^6 of an sRGB value 0..255, from the power segment of the sRGB curve alone, ((c + 0.055) / 1.055)^2.4.
 *  The curve's linear segment (c <= 0.04045, values 0..10) is left out: there linear^6 is below 1e-15 either way,
 *  nothing beside any pixel brighter than about 30. The graph computes it as exp(14.4 log(...)), four passes of
 *  onnxruntime's vectorised kernels over the image; a 256-entry table lookup (Cast to integers, Gather) cost
 *  several times more per pixel. */
function linearPow6(v: number): number {
  return ((v / 255 + 0.055) / 1.055) ** (GAMMA * MINKOWSKI_P);
}

/** The Shades-of-Gray scene white per image, [N, 3] linear RGB. */
export function sceneWhite(ctx: TraitContext): Value {
  return ctx.shared('colour:shades-of-gray', () => {
    const g = ctx.g;
    const base = g.add(g.mul(ctx.working, g.scalar(1 / (255 * 1.055))), g.scalar(0.055 / 1.055));
    const p6 = g.exp(g.mul(g.log(base), g.scalar(GAMMA * MINKOWSKI_P)));
    return g.pow(g.reshape(g.mean(p6, [2, 3], true), [-1, 3]), g.scalar(1 / MINKOWSKI_P));
  });
}

export function colorCastGraph(ctx: TraitContext): Value {
  const g = ctx.g;
  const e = sceneWhite(ctx);
  const xyz = g.matmul(e, g.constant(transpose(XYZ_N), [3, 3])); // [N, 3], X/Xn, Y, Z/Zn
  const y = g.max(g.slice(xyz, [1], [2], [1]), g.scalar(Y_FLOOR)); // [N, 1]
  const t = g.div(xyz, y);
  const f = g.where(g.greater(t, g.scalar(DELTA ** 3)), g.pow(t, g.scalar(1 / 3)), g.add(g.mul(t, g.scalar(F_LINEAR_SLOPE)), g.scalar(F_OFFSET)));
  const ab = g.matmul(f, g.constant([500, 0, -500, 200, 0, -200], [3, 2])); // [N, 2]
  return g.sqrt(g.reduce('ReduceSum', g.mul(ab, ab), [1], false));
}

function labF(t: number): number {
  return t > DELTA ** 3 ? Math.cbrt(t) : t * F_LINEAR_SLOPE + F_OFFSET;
}

/** The same measure in float64: CIELAB a*, b* of the Shades-of-Gray white of a planar [3, size, size] sRGB image. */
export function sceneWhiteLab(planarRgb: Float32Array, size: number): { a: number; b: number } {
  const n = size * size;
  const e = [0, 1, 2].map((k) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += linearPow6(planarRgb[k * n + i]);
    return (s / n) ** (1 / MINKOWSKI_P);
  });
  const xyz = XYZ_N.map((row) => row[0] * e[0] + row[1] * e[1] + row[2] * e[2]);
  const y = Math.max(xyz[1], Y_FLOOR);
  const [fx, fy, fz] = xyz.map((v) => labF(v / y));
  return { a: 500 * (fx - fy), b: 200 * (fy - fz) };
}

export const colorCast: TraitAnalyser = {
  name: 'color-cast',
  doc: {
    formula:
      'Scene white e_k = (mean(lin_k^6))^(1/6) per channel over the working image (512x512), lin = ((c + 0.055) / 1.055)^2.4, linear sRGB (c = sRGB / 255) ' +
      '(Shades of Gray, Finlayson & Trezzi 2004, p = 6); e scaled to luminance Y = 1 and converted to CIELAB (D65): ' +
      'raw = sqrt(a*^2 + b*^2), the chroma offset of the scene white from neutral.',
    calibration: `score = ${describeRamp(CAST_RAMP)}`,
    usableRange:
      'ImageMagick -colorize c% with green, c = 5 / 10 / 20 / 30 / 45: photographs and Starry Night 0.00 / 0.00..0.14 / 0.26..0.45 / ' +
      '0.60..0.77 / 1.00, clean 0.00. Shipwreck, a painting in warm browns and golds, reads 0.84 clean: its tint is real and nothing in ' +
      'the pixels says it was intended.',
    blindSpots:
      'A scene that is legitimately one colour over its bright areas (a sunset, stage lighting, a forest canopy lit ' +
      'through leaves, an underwater shot) reads as cast: nothing in the pixels says the tint belongs to the scene. ' +
      'Boosting saturation pushes a mostly warm or mostly blue scene the same way (chelsea, a brown cat, at saturation x4 ' +
      'reads 61). A scene with no neutral or bright areas at all gives a weak estimate. Heavy overexposure clips ' +
      'highlights to white and hides a cast there.',
  },
  build(ctx) {
    const raw = colorCastGraph(ctx);
    return { raw, score: rampGraph(ctx.g, CAST_RAMP, raw) };
  },
  reference({ working }) {
    const { a, b } = sceneWhiteLab(working, WORKING_SIZE);
    const raw = Math.hypot(a, b);
    return { raw, score: applyRamp(CAST_RAMP, raw) };
  },
};
