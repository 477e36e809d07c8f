// Plain TypeScript image operations: the reference implementations each trait graph is checked against in
// tests. Written for clarity, in float64, with the same border handling as the graphs (reflect).
import { LUMA } from './context';

/** A planar single-channel image. */
export interface Plane {
  readonly width: number;
  readonly height: number;
  readonly data: Float64Array;
}

/** The planes of a [3, size, size] planar RGB tensor. */
export function rgbPlanes(planarRgb: Float32Array, size: number): [Plane, Plane, Plane] {
  const n = size * size;
  const plane = (c: number): Plane => ({ width: size, height: size, data: Float64Array.from(planarRgb.subarray(c * n, (c + 1) * n)) });
  return [plane(0), plane(1), plane(2)];
}

export function luma(planarRgb: Float32Array, size: number): Plane {
  const n = size * size;
  const data = new Float64Array(n);
  for (let i = 0; i < n; i++) data[i] = LUMA[0] * planarRgb[i] + LUMA[1] * planarRgb[n + i] + LUMA[2] * planarRgb[2 * n + i];
  return { width: size, height: size, data };
}

/** Reflect-101 index (OpenCV's BORDER_REFLECT_101, ONNX Pad 'reflect'). */
export function reflect(i: number, n: number): number {
  if (n === 1) return 0;
  while (i < 0 || i >= n) i = i < 0 ? -i : 2 * n - 2 - i;
  return i;
}

/** Correlation with a square kernel (as ONNX Conv computes it), reflected borders. */
export function convolve(p: Plane, kernel: readonly number[]): Plane {
  const k = Math.round(Math.sqrt(kernel.length));
  const r = (k - 1) / 2;
  const out = new Float64Array(p.width * p.height);
  for (let y = 0; y < p.height; y++) {
    for (let x = 0; x < p.width; x++) {
      let s = 0;
      for (let dy = -r; dy <= r; dy++) {
        const row = reflect(y + dy, p.height) * p.width;
        for (let dx = -r; dx <= r; dx++) s += kernel[(dy + r) * k + dx + r] * p.data[row + reflect(x + dx, p.width)];
      }
      out[y * p.width + x] = s;
    }
  }
  return { width: p.width, height: p.height, data: out };
}

export const SOBEL_X = [-1, 0, 1, -2, 0, 2, -1, 0, 1];
export const SOBEL_Y = [-1, -2, -1, 0, 0, 0, 1, 2, 1];

export function mean(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i];
  return s / values.length;
}

export function variance(values: ArrayLike<number>): number {
  const m = mean(values);
  let s = 0;
  for (let i = 0; i < values.length; i++) s += (values[i] - m) ** 2;
  return s / values.length;
}

/** Mean over non-overlapping k x k blocks (ONNX AveragePool, kernel = stride = k); sides must divide by k. */
export function averagePool(p: Plane, k: number): Plane {
  const width = p.width / k;
  const height = p.height / k;
  const data = new Float64Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let s = 0;
      for (let dy = 0; dy < k; dy++) for (let dx = 0; dx < k; dx++) s += p.data[(y * k + dy) * p.width + x * k + dx];
      data[y * width + x] = s / (k * k);
    }
  }
  return { width, height, data };
}

/** A normalised (2r+1) x (2r+1) Gaussian kernel, row-major, as `convolve` takes it. */
export function gaussianKernel(sigma: number, r = Math.ceil(2 * sigma)): number[] {
  const g: number[] = [];
  for (let i = -r; i <= r; i++) g.push(Math.exp(-(i * i) / (2 * sigma * sigma)));
  const s = g.reduce((a, b) => a + b, 0);
  const k: number[] = [];
  for (const a of g) for (const b of g) k.push((a * b) / (s * s));
  return k;
}
