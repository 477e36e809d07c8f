// Composes trait analysers into one ONNX model: inputs `working` [N,3,512,512], `patch` [N,3,256,256] and, when an
// analyser reads it, `aspect` [N]; outputs `raw` and `score`, each [N, T] with T the analysers in the order given. Shared intermediates
// (luma, gradients) are computed once for all traits.
import type { TraitName } from '../../catalogue/traits';
import { Graph, type Value } from '../onnx/graph';
import { PATCH_SIZE, WORKING_SIZE, type DecodedImage } from '../images';
import type { ReferenceInput, TraitAnalyser } from './analyser';
import { TraitContext, type TraitValues } from './context';

export function buildTraitModel(analysers: readonly TraitAnalyser[], resolve: (name: TraitName) => TraitAnalyser): Uint8Array {
  const g = new Graph('wabi_traits');
  const working = g.input('working', 'float32', ['N', 3, WORKING_SIZE, WORKING_SIZE]);
  const patch = g.input('patch', 'float32', ['N', 3, PATCH_SIZE, PATCH_SIZE]);
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
  readonly working: { readonly data: Float32Array; readonly dims: number[] };
  readonly patch: { readonly data: Float32Array; readonly dims: number[] };
  readonly aspect: { readonly data: Float32Array; readonly dims: number[] };
}

/** The model's inputs for a batch of decoded images (feed those the model asks for: `aspect` is optional). */
export function traitInputs(images: readonly DecodedImage[]): TraitInputs {
  const n = images.length;
  const wLen = 3 * WORKING_SIZE * WORKING_SIZE;
  const pLen = 3 * PATCH_SIZE * PATCH_SIZE;
  const working = new Float32Array(n * wLen);
  const patch = new Float32Array(n * pLen);
  const aspect = new Float32Array(n);
  images.forEach((img, i) => {
    working.set(img.working, i * wLen);
    patch.set(img.patch, i * pLen);
    aspect[i] = img.width / img.height;
  });
  return {
    working: { data: working, dims: [n, 3, WORKING_SIZE, WORKING_SIZE] },
    patch: { data: patch, dims: [n, 3, PATCH_SIZE, PATCH_SIZE] },
    aspect: { data: aspect, dims: [n] },
  };
}
