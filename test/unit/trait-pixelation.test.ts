// pixelation: the graph matches its TypeScript reference, the score rises as the test photographs are pixelated
// by growing factors, and stays put under the other degradations (except where noted).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pixelation } from '../../server/src/scoring/traits/pixelation';
import { PHOTOS, isNonDecreasing, referenceError, runModel } from './helpers/traits';
import { addNoise, blurred, decodeRaw, jpeg, modulated, pixelate, raw, sharpPixelate, shiftRedBlue } from './helpers/pixelGrid';

const resolve = () => pixelation;

test('pixelation graph matches the TypeScript reference', async () => {
  const images = [];
  for (const name of PHOTOS) {
    const r = await raw(name);
    images.push(await decodeRaw(name, r), await decodeRaw(name, pixelate(r, 4)), await sharpPixelate(name, 7), await jpeg(name, 5));
  }
  images.push(await decodeRaw('chelsea.jpg', addNoise(await raw('chelsea.jpg'), 25)));
  const err = await referenceError(pixelation, resolve, images);
  console.log(`pixelation: max relative raw error ${err.raw.toExponential(2)}, max score error ${err.score.toExponential(2)}`);
  assert.ok(err.raw < 1e-3 && err.score < 1e-3, JSON.stringify(err));
});

test('pixelation rises monotonically with the enlargement factor on real photographs', async () => {
  const factors = [1, 2, 4, 8, 16];
  for (const name of PHOTOS) {
    const r = await raw(name);
    // Exact k x k cells from the origin, and sharp's resize down and nearest-neighbour up (non-integer periods).
    for (const [how, images] of [
      ['cells', await Promise.all(factors.map((k) => decodeRaw(name, pixelate(r, k))))],
      ['sharp', await Promise.all(factors.map((k) => (k === 1 ? decodeRaw(name, r) : sharpPixelate(name, k))))],
    ] as const) {
      const run = await runModel([pixelation], resolve, images);
      const scores = run.score.map((x) => x[0]);
      console.log(`pixelation ${name} ${how} k=${factors.join(',')}: raw ${run.raw.map((x) => x[0].toFixed(2)).join(' ')}; score ${scores.map((s) => s.toFixed(2)).join(' ')}`);
      assert.ok(isNonDecreasing(scores), `${name} ${how}: ${scores}`);
      assert.ok(scores[0] < 0.1, `${name} clean reads as pixelated: ${scores[0]}`);
      // Graded from 2 to 16 (it used to read 1 from 4 up): each doubling of the cell adds about a quarter.
      assert.ok(scores[1] > 0.1 && scores[2] > 0.4, `${name} ${how}: enlargement by 2 and 4 not recognised: ${scores}`);
      for (let i = 2; i < factors.length; i++) assert.ok(scores[i] > scores[i - 1] + 0.1, `${name} ${how}: ${factors[i]} not above ${factors[i - 1]}: ${scores}`);
      assert.ok(scores[scores.length - 1] > 0.9, `${name} ${how}: enlargement by 16 not recognised: ${scores}`);
    }
  }
});

test('pixelation stays where it was under the other degradations', async () => {
  const labels = ['clean', 'noise 12', 'noise 25', 'jpeg q30', 'jpeg q15', 'jpeg q5', 'R/B shift 3', 'blur 1.5', 'brightness 1.3', 'brightness 0.7', 'saturation 0.3', 'saturation 1.8'];
  // Heavy JPEG flattens 8x8 blocks into a grid where the photo is smooth (the rocket's sky): quality 15 and 5 may
  // move pixelation by up to 0.45 (a documented blind spot); quality 30 and everything else by less than 0.25.
  const limits = labels.map((l) => (l === 'jpeg q15' || l === 'jpeg q5' ? 0.45 : 0.25));
  for (const name of PHOTOS) {
    const r = await raw(name);
    const images = await Promise.all([
      decodeRaw(name, r),
      decodeRaw(name, addNoise(r, 12)),
      decodeRaw(name, addNoise(r, 25)),
      jpeg(name, 30),
      jpeg(name, 15),
      jpeg(name, 5),
      decodeRaw(name, shiftRedBlue(r, 3)),
      blurred(name, 1.5),
      modulated(name, 1.3, 1),
      modulated(name, 0.7, 1),
      modulated(name, 1, 0.3),
      modulated(name, 1, 1.8),
    ]);
    const run = await runModel([pixelation], resolve, images);
    const scores = run.score.map((x) => x[0]);
    console.log(`pixelation ${name}: ${labels.map((l, i) => `${l} ${scores[i].toFixed(2)} (${run.raw[i][0].toFixed(2)})`).join(', ')}`);
    scores.forEach((s, i) => assert.ok(Math.abs(s - scores[0]) < limits[i], `${name} ${labels[i]}: ${s} against clean ${scores[0]}`));
  }
});
