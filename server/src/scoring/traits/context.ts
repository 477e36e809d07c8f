// What a trait graph is built from: the two image inputs and the intermediate values several traits share
// (luminance, gradients), created once per model however many traits read them.
import type { TraitName } from '../../catalogue/traits';
import { Graph, type Value } from '../onnx/graph';

/** ITU-R BT.601 luma, as OpenCV's RGB-to-grey conversion uses. */
export const LUMA = [0.299, 0.587, 0.114] as const;

export type Source = 'working' | 'patch';

export interface TraitValues {
  /** Raw measure per image, [N]. */
  readonly raw: Value;
  /** Calibrated score per image in 0..1, [N]. */
  readonly score: Value;
}

export class TraitContext {
  private readonly memo = new Map<string, Value | Value[]>();
  private readonly traits = new Map<TraitName, TraitValues>();

  constructor(
    readonly g: Graph,
    /** [N, 3, WORKING_SIZE, WORKING_SIZE], RGB 0..255. */
    readonly working: Value,
    /** [N, 3, PATCH_SIZE, PATCH_SIZE], RGB 0..255, native pixels. */
    readonly patch: Value,
    private readonly buildTrait: (name: TraitName, ctx: TraitContext) => TraitValues,
  ) {}

  /** [N] width / height of each image before it was resampled to the square working image (after EXIF
   *  orientation). A graph input only when an analyser reads it, so models that do not need it do not ask for it. */
  get aspect(): Value {
    return this.shared('input:aspect', () => this.g.input('aspect', 'float32', ['N']));
  }

  /** Memoises a shared sub-graph under `key`. */
  shared<T extends Value | Value[]>(key: string, build: () => T): T {
    const hit = this.memo.get(key);
    if (hit) return hit as T;
    const v = build();
    this.memo.set(key, v);
    return v;
  }

  image(source: Source): Value {
    return source === 'working' ? this.working : this.patch;
  }

  /** [N, 1, H, W] luma, 0..255. */
  luma(source: Source = 'working'): Value {
    return this.shared(`luma:${source}`, () => this.g.conv(this.image(source), this.g.constant([...LUMA], [1, 3, 1, 1])));
  }

  /** Means of the working luma over k x k blocks, [N, 1, 512/k, 512/k]. */
  lumaBlocks(k: number): Value {
    return this.shared(`luma-blocks:${k}`, () => this.g.blockMean(this.luma('working'), k));
  }

  /** Sobel derivatives of luma with reflected borders: [gx, gy], each [N, 1, H, W]. */
  sobel(source: Source = 'working'): [Value, Value] {
    return this.shared(`sobel:${source}`, () => {
      const g = this.g;
      const padded = g.pad(this.luma(source), [0, 0, 1, 1, 0, 0, 1, 1], 'reflect');
      const gx = g.conv(padded, g.constant([-1, 0, 1, -2, 0, 2, -1, 0, 1], [1, 1, 3, 3]));
      const gy = g.conv(padded, g.constant([-1, -2, -1, 0, 0, 0, 1, 2, 1], [1, 1, 3, 3]));
      return [gx, gy];
    });
  }

  /** Mean over everything but the batch axis: [N, ...] to [N]. */
  perImage(x: Value, rank = 4): Value {
    return this.g.mean(x, Array.from({ length: rank - 1 }, (_, i) => i + 1), false);
  }

  /** Another trait's values, built once (for composites such as polish). */
  trait(name: TraitName): TraitValues {
    let v = this.traits.get(name);
    if (!v) {
      v = this.buildTrait(name, this);
      this.traits.set(name, v);
    }
    return v;
  }
}
