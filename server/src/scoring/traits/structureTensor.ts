// Sub-graphs the structure traits (motion-blur, tilt, vignette) share, built once per model through ctx.shared,
// with their TypeScript references: the per-pixel products of the working image's Sobel gradients, their per-image
// means (the structure tensor summed over the frame), and block means of the working luma.
import type { Value } from '../onnx/graph';
import { WORKING_SIZE } from '../images';
import type { TraitContext } from './context';
import { averagePool, convolve, luma, SOBEL_X, SOBEL_Y, type Plane } from './reference';

export interface SobelProducts {
  /** gx^2, gy^2, gx gy of the working luma's Sobel gradients, each [N, 1, 512, 512]. */
  readonly xx: Value;
  readonly yy: Value;
  readonly xy: Value;
}

export interface Tensor<T> {
  readonly xx: T;
  readonly yy: T;
  readonly xy: T;
}

export function sobelProducts(ctx: TraitContext): SobelProducts {
  const [xx, yy, xy] = ctx.shared('structure:sobel-products', () => {
    const g = ctx.g;
    const [gx, gy] = ctx.sobel('working');
    return [g.mul(gx, gx), g.mul(gy, gy), g.mul(gx, gy)];
  });
  return { xx, yy, xy };
}

/** The structure tensor of the working image: per-image means of the Sobel products, each [N]. */
export function sobelTensor(ctx: TraitContext): Tensor<Value> {
  const [xx, yy, xy] = ctx.shared('structure:sobel-tensor', () => {
    const p = sobelProducts(ctx);
    return [ctx.perImage(p.xx), ctx.perImage(p.yy), ctx.perImage(p.xy)];
  });
  return { xx, yy, xy };
}

/** Structure tensor of the Sobel gradients of `p` (reflected borders), as means over its pixels. */
export function tensorOf(p: Plane): Tensor<number> & { gx: Float64Array; gy: Float64Array } {
  const gx = convolve(p, SOBEL_X).data;
  const gy = convolve(p, SOBEL_Y).data;
  let xx = 0;
  let yy = 0;
  let xy = 0;
  for (let i = 0; i < gx.length; i++) {
    xx += gx[i] * gx[i];
    yy += gy[i] * gy[i];
    xy += gx[i] * gy[i];
  }
  const n = gx.length;
  return { xx: xx / n, yy: yy / n, xy: xy / n, gx, gy };
}

/** Reference: the working luma and its k x k block means. */
export function referenceLuma(working: Float32Array): Plane {
  return luma(working, WORKING_SIZE);
}

export function referenceBlocks(working: Float32Array, k: number): Plane {
  return averagePool(referenceLuma(working), k);
}
