// grain: the graph matches its TypeScript reference, the score rises as Gaussian noise is added to the test
// photographs, and stays put under the other degradations.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { grain } from '../../server/src/scoring/traits/grain';
import { PHOTOS, isNonDecreasing, referenceError, runModel } from './helpers/traits';
import { addNoise, blurred, decodeRaw, jpeg, modulated, pixelate, raw, shiftRedBlue } from './helpers/pixelGrid';

const resolve = () => grain;

test('grain graph matches the TypeScript reference', async () => {
  const images = [];
  for (const name of PHOTOS) {
    const r = await raw(name);
    images.push(await decodeRaw(name, r), await decodeRaw(name, addNoise(r, 12)), await decodeRaw(name, pixelate(r, 8)));
  }
  images.push(await jpeg('rocket.jpg', 5));
  const err = await referenceError(grain, resolve, images);
  console.log(`grain: max relative raw error ${err.raw.toExponential(2)}, max score error ${err.score.toExponential(2)}`);
  assert.ok(err.raw < 1e-3 && err.score < 1e-3, JSON.stringify(err));
});

test('grain rises monotonically with added Gaussian noise on real photographs', async () => {
  const sigmas = [0, 3, 6, 12, 25];
  for (const name of PHOTOS) {
    const r = await raw(name);
    const images = await Promise.all(sigmas.map((s, i) => decodeRaw(name, s === 0 ? r : addNoise(r, s, 100 + i))));
    const run = await runModel([grain], resolve, images);
    const scores = run.score.map((x) => x[0]);
    console.log(`grain ${name}: raw ${run.raw.map((x) => x[0].toFixed(2)).join(' ')}; score ${scores.map((s) => s.toFixed(2)).join(' ')}`);
    assert.ok(isNonDecreasing(scores), `${name}: ${scores}`);
    assert.ok(scores[0] < 0.3, `${name} clean reads as grainy: ${scores[0]}`);
    assert.ok(scores[scores.length - 1] > 0.9, `${name} heavy noise not recognised: ${scores}`);
    // Immerkaer's estimate is calibrated in sigma: on the smooth photographs it recovers the added luma sigma.
    const lumaSigma = 25 * Math.hypot(0.299, 0.587, 0.114);
    assert.ok(Math.abs(run.raw[4][0] - lumaSigma) < 0.15 * lumaSigma, `${name}: sigma 25 reads ${run.raw[4][0]}, expected about ${lumaSigma}`);
  }
});

test('grain stays where it was under the other degradations', async () => {
  const labels = ['clean', 'jpeg q30', 'jpeg q5', 'pixelate 4', 'pixelate 16', 'R/B shift 3', 'blur 1.5', 'brightness 1.3', 'brightness 0.7', 'saturation 0.3', 'saturation 1.8'];
  for (const name of PHOTOS) {
    const r = await raw(name);
    const images = await Promise.all([
      decodeRaw(name, r),
      jpeg(name, 30),
      jpeg(name, 5),
      decodeRaw(name, pixelate(r, 4)),
      decodeRaw(name, pixelate(r, 16)),
      decodeRaw(name, shiftRedBlue(r, 3)),
      blurred(name, 1.5),
      modulated(name, 1.3, 1),
      modulated(name, 0.7, 1),
      modulated(name, 1, 0.3),
      modulated(name, 1, 1.8),
    ]);
    const scores = (await runModel([grain], resolve, images)).score.map((x) => x[0]);
    console.log(`grain ${name}: ${labels.map((l, i) => `${l} ${scores[i].toFixed(2)}`).join(', ')}`);
    // Compression, pixelation, channel shifts and blur all remove pixel-scale variation: they can only lower grain.
    scores.forEach((s, i) => assert.ok(Math.abs(s - scores[0]) < 0.25, `${name} ${labels[i]}: ${s} against clean ${scores[0]}`));
  }
});
