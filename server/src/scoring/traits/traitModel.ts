// Composes trait analysers into one ONNX model: inputs `working` [N,512,512,3] and `patch` [N,256,256,3], the
// interleaved RGB bytes the decoder delivers, and, when an analyser reads it, `aspect` [N]; outputs `raw` and
// `score`, each [N, T] with T the analysers in the order given. The analysers read planar float32 images
// [N,3,H,W], which the model makes first. Shared intermediates (luma, gradients) are computed once for all traits.
import type { TraitName } from '../../catalogue/traits';
import { attr, Graph, type Value } from '../onnx/graph';
import { PATCH_SIZE, WORKING_SIZE, type DecodedImage } from '../images';
import type { ReferenceInput, TraitAnalyser } from './analyser';
import { TraitContext, type TraitValues } from './context';

export function buildTraitModel(analysers: readonly TraitAnalyser[], resolve: (name: TraitName) => TraitAnalyser): Uint8Array {
  const g = new Graph('wabi_traits');
  // Transposed as bytes, then cast: onnxruntime's CPU Transpose moves bytes several times faster than floats.
  const planarFloat = (rgb: Value) => g.cast(g.node('Transpose', [rgb], { perm: attr.ints([0, 3, 1, 2]) }), 'float32');
  const working = planarFloat(g.input('working', 'uint8', ['N', WORKING_SIZE, WORKING_SIZE, 3]));
  const patch = planarFloat(g.input('patch', 'uint8', ['N', PATCH_SIZE, PATCH_SIZE, 3]));
  const ctx = new TraitContext(g, working, patch, (name, c) => resolve(name).build(c));
  const column = (v: Value) => g.reshape(v, [-1, 1]);
  const raws: Value[] = [];
  const scores: Value[] = [];
  for (const a of analysers) {
    const v: TraitValues = ctx.trait(a.name);
    raws.push(column(v.raw));
    scores.push(column(v.score));
  }
  const T = analysers.length;
  g.output(T === 1 ? raws[0] : g.concat(raws, 1), 'raw', 'float32', ['N', T]);
  g.output(T === 1 ? scores[0] : g.concat(scores, 1), 'score', 'float32', ['N', T]);
  return g.toModel({ docString: `Wabi trait analysers: ${analysers.map((a) => a.name).join(', ')}` });
}

/** Runs the TypeScript references of `analysers` on one image, resolving composites' dependencies once. */
export function referenceScores(
  analysers: readonly TraitAnalyser[],
  resolve: (name: TraitName) => TraitAnalyser,
  image: Pick<DecodedImage, 'working' | 'patch' | 'width' | 'height'>,
): Map<TraitName, { raw: number; score: number }> {
  const done = new Map<TraitName, { raw: number; score: number }>();
  const input: ReferenceInput = {
    working: image.working,
    patch: image.patch,
    aspect: image.width / image.height,
    trait: (name) => {
      let r = done.get(name);
      if (!r) {
        r = resolve(name).reference(input);
        done.set(name, r);
      }
      return r;
    },
  };
  for (const a of analysers) input.trait(a.name);
  return done;
}

export interface TraitInputs {
  readonly working: { readonly type: 'uint8'; readonly data: Uint8Array; readonly dims: number[] };
  readonly patch: { readonly type: 'uint8'; readonly data: Uint8Array; readonly dims: number[] };
  readonly aspect: { readonly type: 'float32'; readonly data: Float32Array; readonly dims: number[] };
}

/** The model's inputs for a batch of decoded images (feed those the model asks for: `aspect` is optional). */
export function traitInputs(images: readonly DecodedImage[]): TraitInputs {
  const n = images.length;
  const wLen = 3 * WORKING_SIZE * WORKING_SIZE;
  const pLen = 3 * PATCH_SIZE * PATCH_SIZE;
  const working = new Uint8Array(n * wLen);
  const patch = new Uint8Array(n * pLen);
  const aspect = new Float32Array(n);
  images.forEach((img, i) => {
    working.set(img.workingRgb, i * wLen);
    patch.set(img.patchRgb, i * pLen);
    aspect[i] = img.width / img.height;
  });
  return {
    working: { type: 'uint8', data: working, dims: [n, WORKING_SIZE, WORKING_SIZE, 3] },
    patch: { type: 'uint8', data: patch, dims: [n, PATCH_SIZE, PATCH_SIZE, 3] },
    aspect: { type: 'float32', data: aspect, dims: [n] },
  };
}
