// desaturation and oversaturation: the graphs match their TypeScript references, each score rises as the test
// photographs are desaturated (or saturated) step by step, and neither moves much under unrelated degradations.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TraitName } from '../../server/src/catalogue/traits';
import type { TraitAnalyser } from '../../server/src/scoring/traits/analyser';
import { desaturation } from '../../server/src/scoring/traits/desaturation';
import { oversaturation } from '../../server/src/scoring/traits/oversaturation';
import { around, assertRises, runGrid, assertSteady, blurred, clean, gain, greenCast, imagesOf, jpeg, noise, saturation, scoreGrid } from './helpers/degrade';
import { referenceError } from './helpers/traits';

const TRAITS: Record<string, TraitAnalyser> = { desaturation, oversaturation };
const resolve = (n: TraitName) => TRAITS[n];

test('saturation graphs match the TypeScript references', async () => {
  const images = await imagesOf([clean, saturation(0), saturation(4)]);
  for (const t of [desaturation, oversaturation]) {
    const err = await referenceError(t, resolve, images);
    console.log(`${t.name}: max relative raw error ${err.raw.toExponential(2)}, max score error ${err.score.toExponential(2)} over ${images.length} images`);
    assert.ok(err.raw < 1e-3 && err.score < 1e-3, JSON.stringify(err));
  }
});

test('desaturation rises as real photographs are desaturated', async () => {
  const series = [1, 0.7, 0.45, 0.2, 0].map(saturation);
  assertRises('desaturation', await runGrid([desaturation], resolve, series), 0, series, 0.1, 0.95);
});

test('oversaturation rises as real photographs are saturated', async () => {
  const series = [1, 1.6, 2.5, 4, 6].map(saturation);
  assertRises('oversaturation', await runGrid([oversaturation], resolve, series), 0, series, 0.1, 0.9);
});

test('saturation scores stay put under blur, noise, JPEG, darkening and a mild colour cast', async () => {
  // Not brightening or flattening toward grey: clipping drains colour and a grey offset fades it, both real
  // effects on saturation (see blindSpots).
  const others = [blurred(3), noise(12), jpeg(20), gain(0.7), greenCast(0.1)];
  const fromClean = around(clean, others);
  const grid = await scoreGrid([desaturation, oversaturation], resolve, fromClean);
  assertSteady('desaturation', grid, 0, fromClean);
  assertSteady('oversaturation', grid, 1, fromClean);
  // From part-way along each trait, where a change would show.
  // Not a cast on the muted image: a tint is colour, and reads as such.
  const fromMuted = around(saturation(0.3), others.slice(0, -1));
  assertSteady('desaturation', await scoreGrid([desaturation], resolve, fromMuted), 0, fromMuted);
  // Not darkening the vivid image: M is absolute, so darkening scales it down (see oversaturation's blindSpots).
  const fromVivid = around(saturation(2), [blurred(3), noise(12), jpeg(20), greenCast(0.1)]);
  assertSteady('oversaturation', await scoreGrid([oversaturation], resolve, fromVivid), 0, fromVivid);
});
