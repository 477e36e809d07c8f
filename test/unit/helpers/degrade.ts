// Degradations of the test photographs for the trait calibration tests, each a labelled recipe, and the two checks
// the trait tests share: a progressive series must raise a trait's score, and unrelated degradations must leave it
// roughly where it was.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import sharp, { type Sharp } from 'sharp';
import type { TraitName } from '../../../server/src/catalogue/traits';
import { decodeImageBuffer, type DecodedImage } from '../../../server/src/scoring/images';
import type { TraitAnalyser } from '../../../server/src/scoring/traits/analyser';
import { gaussian, isNonDecreasing, PHOTOS, photoPath, runModel } from './traits';

export interface Degradation {
  readonly label: string;
  /** Encoded image bytes in, encoded image bytes out (PNG, or JPEG for the JPEG degradation). */
  apply(bytes: Buffer): Promise<Buffer>;
}

const edit = (label: string, f: (s: Sharp) => Sharp): Degradation => ({ label, apply: (bytes) => f(sharp(bytes)).png().toBuffer() });

export const clean: Degradation = { label: 'clean', apply: async (bytes) => bytes };
/** Exposure: every channel multiplied by k, clipped to 0..255. */
export const gain = (k: number): Degradation => (k === 1 ? clean : edit(`gain ${k}`, (s) => s.linear(k, 0)));
/** Contrast: blended toward mid-grey by t (RMS contrast times 1 - t). */
export const flatten = (t: number): Degradation => (t === 0 ? clean : edit(`flat ${t}`, (s) => s.linear(1 - t, 128 * t)));
export const saturation = (k: number): Degradation => (k === 1 ? clean : edit(`sat ${k}`, (s) => s.modulate({ saturation: k })));
/** A green cast: G multiplied by 1 + s, R and B by 1 - s. */
export const greenCast = (s: number): Degradation => (s === 0 ? clean : edit(`green ${s}`, (x) => x.linear([1 - s, 1 + s, 1 - s], [0, 0, 0])));
export const blurred = (sigma: number): Degradation => (sigma === 0 ? clean : edit(`blur ${sigma}`, (s) => s.blur(sigma)));
/** Seeded Gaussian noise of the given sigma added to every channel at native resolution. */
export const noise = (sigma: number): Degradation =>
  sigma === 0
    ? clean
    : {
        label: `noise ${sigma}`,
        async apply(bytes) {
          const { data, info } = await sharp(bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true });
          const n = gaussian(7);
          const out = Buffer.alloc(data.length);
          for (let i = 0; i < data.length; i++) out[i] = Math.max(0, Math.min(255, Math.round(data[i] + sigma * n())));
          return sharp(out, { raw: { width: info.width, height: info.height, channels: 3 } }).png().toBuffer();
        },
      };
/** JPEG re-encoded at the given quality (decoded as the scorer would, not re-encoded as PNG). */
export const jpeg = (quality: number): Degradation => ({ label: `jpeg q${quality}`, apply: (bytes) => sharp(bytes).jpeg({ quality }).toBuffer() });

/** `d` applied on top of `base`. */
export function on(base: Degradation, d: Degradation): Degradation {
  if (d === clean) return base;
  return { label: `${base.label} + ${d.label}`, apply: async (bytes) => d.apply(await base.apply(bytes)) };
}

export async function degraded(name: string, d: Degradation): Promise<DecodedImage> {
  return decodeImageBuffer(name, await d.apply(fs.readFileSync(photoPath(name))));
}

/** `base`, then each of `others` applied on top of it: the degradations of a steadiness check. */
export function around(base: Degradation, others: readonly Degradation[]): Degradation[] {
  return [base, ...others.map((d) => on(base, d))];
}

/** Images of every photo under each degradation, in one flat list (photo-major). */
export async function imagesOf(degradations: readonly Degradation[], photos = PHOTOS): Promise<DecodedImage[]> {
  const per = await Promise.all(photos.map((name) => Promise.all(degradations.map((d) => degraded(name, d)))));
  return per.flat();
}

export interface Grid {
  /** [photo][degradation][trait] */
  readonly score: number[][][];
  readonly raw: number[][][];
}

/** Scores and raw measures of `traits` for every photo under each degradation, from one model run. */
export async function runGrid(traits: readonly TraitAnalyser[], resolve: (n: TraitName) => TraitAnalyser, degradations: readonly Degradation[]): Promise<Grid> {
  const run = await runModel(traits, resolve, await imagesOf(degradations));
  const D = degradations.length;
  const grid = (rows: number[][]) => PHOTOS.map((_, p) => degradations.map((_, d) => rows[p * D + d]));
  return { score: grid(run.score), raw: grid(run.raw) };
}

/** Scores of `traits` for every photo under each degradation, from one model run: [photo][degradation][trait]. */
export async function scoreGrid(traits: readonly TraitAnalyser[], resolve: (n: TraitName) => TraitAnalyser, degradations: readonly Degradation[]): Promise<number[][][]> {
  return (await runGrid(traits, resolve, degradations)).score;
}

/** Asserts that `trait` (column `t` of a grid) rises along `series` on every photo: non-decreasing, clean
 *  below `cleanMax`, the strongest step above `strongMin`. */
export function assertRises(trait: string, grid: Grid, t: number, series: readonly Degradation[], cleanMax: number, strongMin: number): void {
  PHOTOS.forEach((name, p) => {
    const scores = grid.score[p].map((row) => row[t]);
    const raws = grid.raw[p].map((row) => row[t]);
    console.log(
      `${trait} ${name} (${series.map((d) => d.label).join(', ')}): scores ${scores.map((s) => s.toFixed(2)).join(' ')}; raw ${raws.map((r) => r.toPrecision(3)).join(' ')}`,
    );
    assert.ok(isNonDecreasing(scores), `${trait} ${name} not monotone: ${scores}`);
    assert.ok(scores[0] <= cleanMax, `${trait} ${name} clean reads ${scores[0]}`);
    assert.ok(scores[scores.length - 1] >= strongMin, `${trait} ${name} strongest reads only ${scores[scores.length - 1]}`);
  });
}

/** Asserts that `trait` stays within `limit` of its score on the first degradation (clean, or a base) under each of
 *  the others. */
export function assertSteady(trait: string, grid: number[][][], t: number, degradations: readonly Degradation[], limit = 0.25): void {
  PHOTOS.forEach((name, p) => {
    const base = grid[p][0][t];
    const deltas = grid[p].map((row) => row[t] - base);
    console.log(
      `${trait} ${name} steady from ${degradations[0].label} ${base.toFixed(2)}: ` +
        degradations
          .slice(1)
          .map((d, i) => `${d.label.replace(`${degradations[0].label} + `, '')} ${deltas[i + 1] >= 0 ? '+' : ''}${deltas[i + 1].toFixed(2)}`)
          .join(', '),
    );
    deltas.forEach((d, i) => assert.ok(Math.abs(d) < limit, `${trait} ${name} moved ${d.toFixed(3)} under ${degradations[i].label}`));
  });
}
