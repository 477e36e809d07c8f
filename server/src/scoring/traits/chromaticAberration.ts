// chromatic-aberration: colour fringes where the red and blue channels are misregistered against green. Lateral
// chromatic aberration scales red and blue slightly differently from green about the optical centre, so the
// displacement grows toward the corners and points along the radius; a uniform RGB split (a common effect) is
// the same displacement everywhere. Both are local translations, so the measure estimates one per tile:
//  - Sobel derivatives of each channel at the 512x512 working resolution (misregistration as a share of the
//    frame means the same on every image size);
//  - in each 64x64 tile, the cross-correlation c(s) = sum gC(x, y) gG(x + s, y) of the red (and blue) horizontal
//    derivative with the green one shifted by s = -4..4 pixels (edge-replicated), and likewise vertically with
//    vertical derivatives: block matching of edges, as in the registration-based CA measures (e.g. Boult & Wolberg
//    1992, Mallon & Whelan 2007), reduced to one axis at a time. The horizontal sums run over every other row and
//    the vertical ones over every other column (sobelOnEvenLines computes only those derivatives): Sobel already
//    smooths across its axis, so neighbouring lines add little, and this halves the cost of the graph's heaviest part;
//  - the displacement u = s* + (c(s*-1) - c(s*+1)) / (2 (c(s*-1) - 2 c(s*) + c(s*+1))) at the best shift s*
//    (parabolic sub-pixel refinement, offset clamped to +-0.5, which keeps u continuous when two shifts tie);
//  - raw = sum w |u| / sum w over tiles, both axes and both channels, with w = max(c(s*), 0): the correlation at
//    the match, so tiles with strong edges common to both channels count and flat or unrelated ones do not.
// Derivatives correlate rather than intensities, so colour edges of any contrast (or a channel gain) still match.
import type { TraitAnalyser } from './analyser';
import { applyRamp, describeRamp, rampGraph, type Ramp } from './calibration';
import { convolve, rgbPlanes, SOBEL_X, SOBEL_Y } from './reference';
import { WORKING_SIZE } from '../images';
import { attr, type Graph, type Value } from '../onnx/graph';
import type { TraitContext } from './context';

/** Largest displacement searched, in working pixels. */
const SEARCH = 4;
const SHIFTS = 2 * SEARCH + 1;
const TILE = 64;
const TILES = WORKING_SIZE / TILE;
/** Keeps the parabola's denominator negative where the correlation is flat. */
const TINY = 1e-6;
/** A flat image reads 0. */
const EPS = 1e-6;
// Calibrated on the test photographs (test/fixtures/photos) with red shifted right and blue left by d native
// pixels (d * 512 / width working pixels, 0.8..1.7 per native pixel): clean 0.02..0.04, d = 1: 0.60..0.86,
// d = 2: 1.28..1.85, d = 3: 2.04..2.93, d = 5: 3.35..4.09 (near the search limit). Radial scaling moving red and
// blue 5 px at the corners reads 1.47..2.08. Noise of sigma 25 reads up to 0.37, Gaussian blur 0.08..0.14.
const RAMP: Ramp = { lo: 0.25, hi: 2, scale: 'linear' };

/** A Sobel derivative of R, G and B (reflected borders) along one axis, on the even lines across it, [N, 3, h, w]:
 *  what a strided grouped convolution gives (strides 2 across the derivative), computed separably from the image's
 *  even and odd lines as planes. Sobel = [1, 2, 1] across, over lines 2i - 1, 2i, 2i + 1 (line -1 reflects to 1),
 *  then the difference of the next and previous pixel along; at both ends of a line the reflected neighbours are
 *  equal, so the difference is 0. Same values as onnxruntime's strided grouped convolutions, whose column-strided one
 *  was the costliest node of the trait model: the full model runs about 7% faster on the CPU this way. */
function sobelOnEvenLines(g: Graph, even: Value, odd: Value, across: 2 | 3): Value {
  const n = WORKING_SIZE;
  const along = across === 2 ? 3 : 2;
  const previous = g.concat([g.slice(odd, [0], [1], [across]), g.slice(odd, [0], [n / 2 - 1], [across])], across);
  const smoothed = g.add(g.add(previous, odd), g.add(even, even));
  const inner = g.sub(g.slice(smoothed, [2], [n], [along]), g.slice(smoothed, [0], [n - 2], [along]));
  return g.pad(inner, along === 3 ? [0, 0, 0, 1, 0, 0, 0, 1] : [0, 0, 1, 0, 0, 0, 1, 0], 'constant');
}

/** [Sobel_X on the even rows [N, 3, n/2, n], Sobel_Y on the even columns [N, 3, n, n/2]]. */
function gradientsOnEvenLines(ctx: TraitContext): [Value, Value] {
  const g = ctx.g;
  const n = WORKING_SIZE;
  // Even and odd rows are a reshape away. Even and odd columns take a transpose that moves one axis, which
  // onnxruntime has a fast path for; its strided Slice along the last axis, or a general 5-D transpose, cost
  // several times more.
  const rowPairs = g.reshape(ctx.working, [-1, 3, n / 2, 2, n]);
  const colPairs = g.reshape(g.node('Transpose', [g.reshape(ctx.working, [-1, n / 2, 2])], { perm: attr.ints([0, 2, 1]) }), [-1, 3, n, 2, n / 2]);
  const line = (pairs: Value, i: number, dims: number[]) => g.reshape(g.slice(pairs, [i], [i + 1], [3]), dims);
  const rows = [0, 1].map((i) => line(rowPairs, i, [-1, 3, n / 2, n]));
  const cols = [0, 1].map((i) => line(colPairs, i, [-1, 3, n, n / 2]));
  return [sobelOnEvenLines(g, rows[0], rows[1], 2), sobelOnEvenLines(g, cols[0], cols[1], 3)];
}

export const chromaticAberration: TraitAnalyser = {
  name: 'chromatic-aberration',
  doc: {
    formula:
      'Sobel derivatives of R, G and B at 512x512. In each 64x64 tile and for each axis, c(s) = sum gC(p) gG(p + s) for C = R, B and shifts s = -4..4 px ' +
      'along the axis (edges replicated), summed over every other line across the axis; u = s* + parabolic sub-pixel offset at the best shift s*; raw = sum w |u| / sum w with w = max(c(s*), 0) ' +
      'over tiles, axes and channels. Unit: misregistration of red and blue against green in pixels at 512 px.',
    calibration: `score = ${describeRamp(RAMP)}`,
    usableRange:
      'Red and blue planes shifted d px apart each way at 512 px (ImageMagick -roll per channel), d = 1 / 2 / 3: 0.24..0.57 / 0.68..1.00 ' +
      '/ 1.00; clean images read 0.00. The search covers fringes up to 4 px: wider ones (d = 5, 8) still read 1.00, but the raw width no ' +
      'longer grows with them.',
    blindSpots:
      'Displacements beyond 4 px at 512 (about 0.8% of the frame) are not resolved: the reading saturates near 4 and, for very large splits, becomes a noisy high value. ' +
      'Each axis is searched separately, so a diagonal displacement reads by its components and diagonal edges blur the estimate. ' +
      'Axial (longitudinal) chromatic aberration, purple fringing that blurs rather than shifts a channel, and fringes on a small part of the frame score low. ' +
      'Heavy colour noise decorrelates the channels and adds a little (noise sigma 25 reads up to 0.37 px); ' +
      'edges between saturated colours that change in opposite directions in R and G carry no weight, and repeating fine patterns can match at the wrong shift.',
  },
  build(ctx) {
    const g = ctx.g;
    const n = WORKING_SIZE;
    const [gx, gy] = gradientsOnEvenLines(ctx);
    // Tile sums of [N, 2, h, w] to [N, 2, 1, TILES, TILES]: within each tile's rows first, then down its columns.
    const tileSums = (v: Value, h: number, w: number) => {
      const rows = g.reduce('ReduceSum', g.reshape(v, [-1, 2, h, TILES, w / TILES]), [4], false);
      return g.reshape(g.reduce('ReduceSum', g.reshape(rows, [-1, 2, TILES, h / TILES, TILES]), [3], false), [-1, 2, 1, TILES, TILES]);
    };
    // c(s) for red and blue against green along one axis: [N, 2, SHIFTS, TILES, TILES].
    const correlations = (grad: Value, axis: 2 | 3): Value => {
      const [h, w] = axis === 3 ? [n / 2, n] : [n, n / 2];
      const green = g.slice(grad, [1], [2], [1]);
      const redBlue = g.slice(grad, [0], [3], [1], [2]);
      const shiftable = g.pad(green, axis === 3 ? [0, 0, 0, SEARCH, 0, 0, 0, SEARCH] : [0, 0, SEARCH, 0, 0, 0, SEARCH, 0], 'edge');
      const perShift: Value[] = [];
      for (let s = 0; s < SHIFTS; s++) perShift.push(tileSums(g.mul(redBlue, g.slice(shiftable, [s], [s + n], [axis])), h, w));
      return g.concat(perShift, 2);
    };
    const c = g.concat([correlations(gx, 3), correlations(gy, 2)], 1); // [N, 4, SHIFTS, T, T]
    const best = g.node('ArgMax', [c], { axis: attr.int(2), keepdims: attr.int(1) }); // [N, 4, 1, T, T]
    // The neighbours of the best shift and the shift itself are gathered with the same index from arrays shifted
    // along the search axis, not by arithmetic on the int64 index: onnxruntime's WebGPU provider runs int64
    // arithmetic and casts on the CPU, with a copy each way (12 copies for the whole trait graph).
    const at = (v: Value) => g.node('GatherElements', [v, best], { axis: attr.int(2) });
    const c0 = at(c);
    const cm = at(g.concat([g.slice(c, [0], [1], [2]), g.slice(c, [0], [SHIFTS - 1], [2])], 2)); // c[max(s-1, 0)]
    const cp = at(g.concat([g.slice(c, [1], [SHIFTS], [2]), g.slice(c, [SHIFTS - 1], [SHIFTS], [2])], 2)); // c[min(s+1, S-1)]
    const shiftOf = g.add(g.mul(c, g.scalar(0)), g.constant(Array.from({ length: SHIFTS }, (_, s) => s - SEARCH), [1, 1, SHIFTS, 1, 1]));
    const den = g.sub(g.sub(g.add(cm, cp), g.add(c0, c0)), g.scalar(TINY));
    const offset = g.clip(g.div(g.sub(cm, cp), g.add(den, den)), g.scalar(-0.5), g.scalar(0.5));
    const u = g.add(at(shiftOf), offset);
    const w = g.relu(c0);
    const sum = (v: Value) => g.reduce('ReduceSum', v, [1, 2, 3, 4], false);
    const raw = g.div(sum(g.mul(w, g.abs(u))), g.add(sum(w), g.scalar(EPS)));
    return { raw, score: rampGraph(g, RAMP, raw) };
  },
  reference({ working }) {
    const n = WORKING_SIZE;
    const [r, gr, b] = rgbPlanes(working, n);
    let sw = 0;
    let swu = 0;
    for (const [kernel, dx, dy] of [
      [SOBEL_X, 1, 0],
      [SOBEL_Y, 0, 1],
    ] as const) {
      const green = convolve(gr, kernel).data;
      for (const plane of [r, b]) {
        const grad = convolve(plane, kernel).data;
        for (let ty = 0; ty < TILES; ty++) {
          for (let tx = 0; tx < TILES; tx++) {
            const cs: number[] = [];
            for (let s = -SEARCH; s <= SEARCH; s++) {
              let sum = 0;
              for (let y = ty * TILE; y < (ty + 1) * TILE; y += 1 + dx) {
                const yy = Math.min(n - 1, Math.max(0, y + s * dy));
                for (let x = tx * TILE; x < (tx + 1) * TILE; x += 1 + dy) {
                  const xx = Math.min(n - 1, Math.max(0, x + s * dx));
                  sum += grad[y * n + x] * green[yy * n + xx];
                }
              }
              cs.push(sum);
            }
            let i = 0;
            for (let j = 1; j < SHIFTS; j++) if (cs[j] > cs[i]) i = j;
            const c0 = cs[i];
            const cm = cs[Math.max(0, i - 1)];
            const cp = cs[Math.min(SHIFTS - 1, i + 1)];
            const den = cm + cp - 2 * c0 - TINY;
            const offset = Math.min(0.5, Math.max(-0.5, (cm - cp) / (2 * den)));
            const w = Math.max(c0, 0);
            sw += w;
            swu += w * Math.abs(i - SEARCH + offset);
          }
        }
      }
    }
    const raw = swu / (sw + EPS);
    return { raw, score: applyRamp(RAMP, raw) };
  },
};
