// chromatic-aberration: the graph matches its TypeScript reference, the score rises as the red and blue channels
// of the test photographs are shifted apart (uniformly, and radially as a lens does), and stays put under the
// other degradations.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chromaticAberration } from '../../server/src/scoring/traits/chromaticAberration';
import { PHOTOS, isNonDecreasing, referenceError, runModel } from './helpers/traits';
import { addNoise, blurred, decodeRaw, jpeg, modulated, pixelate, radialRedBlue, raw, shiftRedBlue } from './helpers/pixelGrid';

const resolve = () => chromaticAberration;

test('chromatic-aberration graph matches the TypeScript reference', async () => {
  const images = [];
  for (const name of PHOTOS) {
    const r = await raw(name);
    images.push(await decodeRaw(name, r), await decodeRaw(name, shiftRedBlue(r, 2)), await decodeRaw(name, radialRedBlue(r, 5)));
  }
  images.push(await decodeRaw('chelsea.jpg', addNoise(await raw('chelsea.jpg'), 25)), await jpeg('rocket.jpg', 5));
  const err = await referenceError(chromaticAberration, resolve, images);
  console.log(`chromatic-aberration: max relative raw error ${err.raw.toExponential(2)}, max score error ${err.score.toExponential(2)}`);
  assert.ok(err.raw < 1e-3 && err.score < 1e-3, JSON.stringify(err));
});

test('chromatic-aberration rises monotonically with R/B misregistration on real photographs', async () => {
  const shifts = [0, 1, 2, 3, 5];
  for (const name of PHOTOS) {
    const r = await raw(name);
    const images = [
      ...(await Promise.all(shifts.map((d) => decodeRaw(name, shiftRedBlue(r, d))))),
      ...(await Promise.all([2, 5, 10].map((d) => decodeRaw(name, radialRedBlue(r, d))))),
    ];
    const run = await runModel([chromaticAberration], resolve, images);
    const scores = run.score.map((x) => x[0]);
    const fmt = (xs: number[][], digits: number) => xs.map((x) => x[0].toFixed(digits)).join(' ');
    console.log(
      `chromatic-aberration ${name} shift d=${shifts.join(',')}: raw ${fmt(run.raw.slice(0, 5), 2)}; score ${fmt(run.score.slice(0, 5), 2)}` +
        ` | radial 2,5,10 at the corners: raw ${fmt(run.raw.slice(5), 2)}; score ${fmt(run.score.slice(5), 2)}`,
    );
    const uniform = scores.slice(0, 5);
    assert.ok(isNonDecreasing(uniform), `${name}: ${uniform}`);
    assert.ok(uniform[0] < 0.1, `${name} clean reads as fringed: ${uniform[0]}`);
    assert.ok(uniform[4] > 0.9, `${name} 5 px split not recognised: ${uniform}`);
    const radial = [uniform[0], ...scores.slice(5)];
    assert.ok(isNonDecreasing(radial), `${name} radial: ${radial}`);
    // Radial misregistration is zero at the centre: the rocket's edges lie near it and read a little lower.
    assert.ok(radial[3] > 0.8, `${name} radial 10 px at the corners not recognised: ${radial}`);
  }
});

test('chromatic-aberration stays where it was under the other degradations', async () => {
  const labels = ['clean', 'noise 12', 'noise 25', 'jpeg q30', 'jpeg q5', 'pixelate 4', 'pixelate 16', 'blur 1.5', 'brightness 1.3', 'brightness 0.7', 'saturation 0.3', 'saturation 1.8'];
  for (const name of PHOTOS) {
    const r = await raw(name);
    const images = await Promise.all([
      decodeRaw(name, r),
      decodeRaw(name, addNoise(r, 12)),
      decodeRaw(name, addNoise(r, 25)),
      jpeg(name, 30),
      jpeg(name, 5),
      decodeRaw(name, pixelate(r, 4)),
      decodeRaw(name, pixelate(r, 16)),
      blurred(name, 1.5),
      modulated(name, 1.3, 1),
      modulated(name, 0.7, 1),
      modulated(name, 1, 0.3),
      modulated(name, 1, 1.8),
    ]);
    const run = await runModel([chromaticAberration], resolve, images);
    const scores = run.score.map((x) => x[0]);
    console.log(`chromatic-aberration ${name}: ${labels.map((l, i) => `${l} ${scores[i].toFixed(2)} (${run.raw[i][0].toFixed(2)})`).join(', ')}`);
    scores.forEach((s, i) => assert.ok(Math.abs(s - scores[0]) < 0.25, `${name} ${labels[i]}: ${s} against clean ${scores[0]}`));
  }
});
