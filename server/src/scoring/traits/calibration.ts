// Calibration from a trait's raw measure (in its own unit) to a 0..1 score. One documented, monotone mapping
// with the same formula in the graph and in TypeScript, so the reference tests compare like with like:
//   score = clamp((f(raw) - f(lo)) / (f(hi) - f(lo)), 0, 1),  f = identity or natural log
// `lo` is where the trait starts to be visible (score 0), `hi` where it is unmistakable (score 1). For traits
// where a smaller raw value means a stronger trait (sharpness for blur, contrast for low-contrast), lo > hi.
import type { Graph, Value } from '../onnx/graph';

export interface Ramp {
  readonly lo: number;
  readonly hi: number;
  readonly scale: 'linear' | 'log';
}

/** Keeps log() finite for a raw value of exactly zero. */
const LOG_FLOOR = 1e-6;

export function applyRamp(r: Ramp, raw: number): number {
  const f = r.scale === 'log' ? (x: number) => Math.log(Math.max(x, LOG_FLOOR)) : (x: number) => x;
  const t = (f(raw) - f(r.lo)) / (f(r.hi) - f(r.lo));
  return Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0));
}

export function rampGraph(g: Graph, r: Ramp, raw: Value): Value {
  const f = r.scale === 'log' ? (x: number) => Math.log(Math.max(x, LOG_FLOOR)) : (x: number) => x;
  const x = r.scale === 'log' ? g.log(g.max(raw, g.scalar(LOG_FLOOR))) : raw;
  const t = g.mul(g.sub(x, g.scalar(f(r.lo))), g.scalar(1 / (f(r.hi) - f(r.lo))));
  return g.clip(t, g.scalar(0), g.scalar(1));
}

export function describeRamp(r: Ramp): string {
  const dir = r.lo < r.hi ? 'rises' : 'falls';
  return `${r.scale === 'log' ? 'log-' : ''}linear from 0 at ${r.lo} to 1 at ${r.hi} (the raw value ${dir} as the trait strengthens), clamped`;
}
