// low-contrast: the graph matches its TypeScript reference, the score rises as the test photographs are blended
// toward mid-grey step by step, and it stays put under unrelated degradations.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lowContrast } from '../../server/src/scoring/traits/lowContrast';
import { around, assertRises, runGrid, assertSteady, blurred, clean, flatten, gain, greenCast, imagesOf, jpeg, noise, saturation, scoreGrid } from './helpers/degrade';
import { referenceError } from './helpers/traits';

const resolve = () => lowContrast;

test('low-contrast graph matches the TypeScript reference', async () => {
  const images = await imagesOf([clean, flatten(0.7)]);
  const err = await referenceError(lowContrast, resolve, images);
  console.log(`low-contrast: max relative raw error ${err.raw.toExponential(2)}, max score error ${err.score.toExponential(2)} over ${images.length} images`);
  assert.ok(err.raw < 1e-3 && err.score < 1e-3, JSON.stringify(err));
});

test('low-contrast rises as real photographs are blended toward mid-grey', async () => {
  const series = [0, 0.3, 0.5, 0.7, 0.85].map(flatten);
  assertRises('low-contrast', await runGrid([lowContrast], resolve, series), 0, series, 0.25, 0.95);
});

test('low-contrast stays put under blur, noise, JPEG, saturation, colour cast and brightening', async () => {
  // Not darkening: RMS contrast is absolute, so an underexposed image is also a low-contrast one (see blindSpots).
  const others = [blurred(3), noise(12), jpeg(20), saturation(0.45), saturation(2.5), greenCast(0.2), gain(1.3)];
  for (const base of [clean, flatten(0.5)]) {
    const ds = around(base, others);
    assertSteady('low-contrast', await scoreGrid([lowContrast], resolve, ds), 0, ds);
  }
});
