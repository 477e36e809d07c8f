// color-cast: the graph matches its TypeScript reference, the score rises as a green cast is applied to the test
// photographs step by step, other casts read too, and it stays put under exposure and other unrelated changes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { colorCast } from '../../server/src/scoring/traits/colorCast';
import { around, assertRises, runGrid, assertSteady, blurred, clean, flatten, gain, greenCast, imagesOf, jpeg, noise, saturation, scoreGrid } from './helpers/degrade';
import { PHOTOS, photo, referenceError, runModel } from './helpers/traits';

const resolve = () => colorCast;

test('color-cast graph matches the TypeScript reference', async () => {
  const images = [...(await imagesOf([clean, greenCast(0.3)])), await photo('rocket.jpg', (s) => s.linear(0, 0))];
  const err = await referenceError(colorCast, resolve, images);
  console.log(`color-cast: max relative raw error ${err.raw.toExponential(2)}, max score error ${err.score.toExponential(2)} over ${images.length} images (one black)`);
  assert.ok(err.raw < 1e-3 && err.score < 1e-3, JSON.stringify(err));
});

test('color-cast rises with a green cast on real photographs', async () => {
  const series = [0, 0.1, 0.2, 0.3, 0.4].map(greenCast);
  assertRises('color-cast', await runGrid([colorCast], resolve, series), 0, series, 0.15, 0.95);
});

test('magenta, blue and warm casts read as casts too', async () => {
  const casts: Array<[string, number[]]> = [
    ['magenta', [1.3, 0.7, 1.3]],
    ['blue', [0.7, 0.7, 1.3]],
    ['warm', [1.3, 1, 0.7]],
  ];
  const images = (await Promise.all(PHOTOS.flatMap((name) => casts.map(([, k]) => photo(name, (s) => s.linear(k, [0, 0, 0])))))).flat();
  const scores = (await runModel([colorCast], resolve, images)).score.map((r) => r[0]);
  PHOTOS.forEach((name, p) => {
    const row = casts.map(([label], c) => `${label} ${scores[p * casts.length + c].toFixed(2)}`);
    console.log(`color-cast ${name} strength 0.3: ${row.join(', ')}`);
  });
  assert.ok(scores.every((s) => s > 0.6), `${scores}`);
});

test('color-cast stays put under exposure change, contrast, blur, noise, JPEG and desaturation', async () => {
  // Not under added saturation: it pushes a mostly warm scene's white warm (see blindSpots).
  const fromClean = around(clean, [gain(0.45), gain(1.7), flatten(0.5), blurred(3), noise(12), jpeg(20), saturation(0.45)]);
  assertSteady('color-cast', await scoreGrid([colorCast], resolve, fromClean), 0, fromClean);
  // From a clear cast: not fading toward grey or desaturating, which dilute the tint itself.
  const fromCast = around(greenCast(0.2), [gain(0.45), blurred(3), noise(12), jpeg(20)]);
  assertSteady('color-cast', await scoreGrid([colorCast], resolve, fromCast), 0, fromCast);
});

test('brightening a cast image lowers its color-cast reading (clipping whitens the highlights), never raises it', async () => {
  const ds = around(greenCast(0.2), [gain(1.3), gain(1.7)]);
  const grid = await scoreGrid([colorCast], resolve, ds);
  PHOTOS.forEach((name, p) => {
    const s = grid[p].map((r) => r[0]);
    console.log(`color-cast ${name}: green 0.2 ${s[0].toFixed(2)}, then gain 1.3 ${s[1].toFixed(2)}, gain 1.7 ${s[2].toFixed(2)}`);
    assert.ok(s[1] <= s[0] + 0.02 && s[2] <= s[1] + 0.02, `${name}: ${s}`);
  });
});
