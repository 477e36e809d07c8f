// Tone statistics of the working image's luma, shared by overexposure, underexposure and low-contrast: built
// once per model through ctx.shared, and computed once per image in the references (memoised on the tensor).
//
// Clipped highlights and shadows are counted over 4x4 block means of luma (128 x 128 blocks), not single pixels.
// Blown areas are areas: counting blocks ignores single-pixel glints and, above all, survives grain. Noise over a
// blown highlight is clipped on one side only, so it pulls the highlight's pixels below 255 (by 0.4 sigma on
// average) and a per-pixel count at luma >= 250 loses half its pixels: measured on the coffee photograph brightened
// 1.3x, Gaussian noise of sigma 12 took the per-pixel fraction from 4.5% to 2.3%, while the block fraction at >= 245
// went from 4.2% to 3.8% (blur sigma 3: 3.7%, JPEG quality 20: 3.9%). The thresholds sit 10 levels inside the range
// for the same reason. ONNX has no percentile op: the fractions are GreaterOrEqual / LessOrEqual, Cast, ReduceMean.
import type { Value } from '../onnx/graph';
import { WORKING_SIZE } from '../images';
import type { TraitContext } from './context';
import { luma } from './reference';

/** A 4x4 block whose mean luma is at or above this reads as a clipped highlight (8-bit). */
export const CLIP_HIGH = 245;
/** A 4x4 block whose mean luma is at or below this reads as a clipped shadow (8-bit). */
export const CLIP_LOW = 10;
/** Side of the luma blocks the clipped fractions count. */
export const CLIP_BLOCK = 4;

/** Mean luma per image, [N, 1, 1, 1], 0..255 (kept 4-D so it broadcasts against the luma plane). */
export function lumaMean4(ctx: TraitContext): Value {
  return ctx.shared('tone:luma-mean4', () => ctx.g.mean(ctx.luma('working'), [1, 2, 3], true));
}

/** Mean luma per image, [N], on a 0..1 scale. */
export function meanLuma(ctx: TraitContext): Value {
  return ctx.shared('tone:mean-luma', () => ctx.g.mul(ctx.g.reshape(lumaMean4(ctx), [-1]), ctx.g.scalar(1 / 255)));
}

/** Fraction of 4x4 luma blocks whose mean is >= CLIP_HIGH ('high') or <= CLIP_LOW ('low'), [N]. */
export function clippedFraction(ctx: TraitContext, side: 'high' | 'low'): Value {
  return ctx.shared(`tone:clipped-${side}`, () => {
    const g = ctx.g;
    const y = ctx.lumaBlocks(CLIP_BLOCK);
    const hit =
      side === 'high' ? g.node('GreaterOrEqual', [y, g.scalar(CLIP_HIGH)]) : g.node('LessOrEqual', [y, g.scalar(CLIP_LOW)]);
    return ctx.perImage(g.cast(hit, 'float32'));
  });
}

/** RMS contrast: the standard deviation of luma / 255 (population, centred on the image mean), [N]. */
export function rmsContrast(ctx: TraitContext): Value {
  return ctx.shared('tone:rms-contrast', () => {
    const g = ctx.g;
    const d = g.mul(g.sub(ctx.luma('working'), lumaMean4(ctx)), g.scalar(1 / 255));
    return g.sqrt(ctx.perImage(g.mul(d, d)));
  });
}

export interface ToneStats {
  /** Mean luma, 0..1. */
  readonly mean: number;
  /** Clipped-highlight fraction (of 4x4 blocks). */
  readonly high: number;
  /** Clipped-shadow fraction (of 4x4 blocks). */
  readonly low: number;
  /** Standard deviation of luma / 255. */
  readonly rms: number;
}

const toneMemo = new WeakMap<Float32Array, ToneStats>();

/** The same statistics in float64, for the references (once per working tensor). */
export function toneReference(working: Float32Array): ToneStats {
  const hit = toneMemo.get(working);
  if (hit) return hit;
  const y = luma(working, WORKING_SIZE).data;
  let sum = 0;
  for (let i = 0; i < y.length; i++) sum += y[i];
  const m = sum / y.length;
  const blocks = WORKING_SIZE / CLIP_BLOCK;
  let high = 0;
  let low = 0;
  for (let by = 0; by < blocks; by++) {
    for (let bx = 0; bx < blocks; bx++) {
      let b = 0;
      for (let dy = 0; dy < CLIP_BLOCK; dy++) for (let dx = 0; dx < CLIP_BLOCK; dx++) b += y[(by * CLIP_BLOCK + dy) * WORKING_SIZE + bx * CLIP_BLOCK + dx];
      b /= CLIP_BLOCK * CLIP_BLOCK;
      if (b >= CLIP_HIGH) high++;
      if (b <= CLIP_LOW) low++;
    }
  }
  let ss = 0;
  for (let i = 0; i < y.length; i++) ss += ((y[i] - m) / 255) ** 2;
  const stats: ToneStats = { mean: m / 255, high: high / (blocks * blocks), low: low / (blocks * blocks), rms: Math.sqrt(ss / y.length) };
  toneMemo.set(working, stats);
  return stats;
}
