// Shared by the trait tests: the test photographs, degraded by sharp or in TypeScript, run through a trait
// model and through the TypeScript references.
import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp, { type Sharp } from 'sharp';
import type { TraitName } from '../../../server/src/catalogue/traits';
import { mulberry32 } from '../../../server/src/generation/degradations';
import { decodeImageBuffer, type DecodedImage } from '../../../server/src/scoring/images';
import { openSession, ort } from '../../../server/src/scoring/session';
import type { TraitAnalyser } from '../../../server/src/scoring/traits/analyser';
import { buildTraitModel, referenceScores, traitInputs } from '../../../server/src/scoring/traits/traitModel';

export const PHOTOS_DIR = path.resolve(__dirname, '../../../test/fixtures/photos');
export const PHOTOS = ['astronaut.jpg', 'chelsea.jpg', 'coffee.jpg', 'rocket.jpg'];

export function photoPath(name: string): string {
  return path.join(PHOTOS_DIR, name);
}

/** Decodes a photo after an optional sharp pipeline (blur, modulate, rotate, jpeg re-encode...). */
export async function photo(name: string, edit?: (s: Sharp) => Sharp): Promise<DecodedImage> {
  const file = photoPath(name);
  const bytes = edit ? await edit(sharp(file)).png().toBuffer() : fs.readFileSync(file);
  return decodeImageBuffer(name, bytes);
}

/** Decodes encoded bytes the way the scorer does (for JPEG re-encodes that must not be re-encoded as PNG). */
export async function encoded(name: string, bytes: Buffer): Promise<DecodedImage> {
  return decodeImageBuffer(name, bytes);
}

/** A deterministic PRNG so degraded test images are the same on every run. */
export const rng = mulberry32;

/** Standard normal samples from a seeded PRNG (Box-Muller). */
export function gaussian(seed: number): () => number {
  const u = rng(seed);
  return () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
}

/** Raw RGB bytes of a photo at native size, for degradations written in TypeScript. */
export async function rawPhoto(name: string): Promise<{ data: Buffer; width: number; height: number }> {
  const { data, info } = await sharp(photoPath(name)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/** Encodes raw RGB bytes as PNG and decodes them as the scorer would. */
export async function fromRaw(name: string, raw: { data: Uint8Array; width: number; height: number }): Promise<DecodedImage> {
  const png = await sharp(Buffer.from(raw.data), { raw: { width: raw.width, height: raw.height, channels: 3 } }).png().toBuffer();
  return decodeImageBuffer(name, png);
}

export interface TraitRun {
  readonly raw: number[][];
  readonly score: number[][];
}

/** Runs `analysers` as one model on `images` in one batch; returns per-image rows in analyser order. */
export async function runModel(analysers: readonly TraitAnalyser[], resolve: (n: TraitName) => TraitAnalyser, images: readonly DecodedImage[]): Promise<TraitRun> {
  const { session } = await openSession(buildTraitModel(analysers, resolve), { provider: 'cpu', optimization: 'basic', label: 'trait test' });
  try {
    const n = images.length;
    const inputs = traitInputs(images);
    const feeds: Record<string, ort.Tensor> = {};
    for (const name of session.inputNames) {
      const t = inputs[name as keyof typeof inputs];
      feeds[name] = new ort.Tensor(t.type, t.data, t.dims);
    }
    const out = await session.run(feeds);
    const T = analysers.length;
    const rows = (t: ort.Tensor) => Array.from({ length: n }, (_, i) => Array.from(t.data as Float32Array).slice(i * T, (i + 1) * T));
    return { raw: rows(out.raw), score: rows(out.score) };
  } finally {
    await session.release();
  }
}

/** Largest difference between graph and reference, raw relative to its magnitude and score absolute. */
export async function referenceError(
  analyser: TraitAnalyser,
  resolve: (n: TraitName) => TraitAnalyser,
  images: readonly DecodedImage[],
): Promise<{ raw: number; score: number }> {
  const run = await runModel([analyser], resolve, images);
  let raw = 0;
  let score = 0;
  images.forEach((img, i) => {
    const ref = referenceScores([analyser], resolve, img).get(analyser.name)!;
    raw = Math.max(raw, Math.abs(run.raw[i][0] - ref.raw) / Math.max(1, Math.abs(ref.raw)));
    score = Math.max(score, Math.abs(run.score[i][0] - ref.score));
  });
  return { raw, score };
}

/** Asserts-friendly check that a series never falls by more than `slack`. */
export function isNonDecreasing(values: readonly number[], slack = 0.02): boolean {
  return values.every((v, i) => i === 0 || v >= values[i - 1] - slack);
}
