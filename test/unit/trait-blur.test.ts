// blur: the graph matches its TypeScript reference, and the score rises as the test photographs are blurred.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { blur } from '../../server/src/scoring/traits/blur';
import { PHOTOS, isNonDecreasing, photo, referenceError, runModel } from './helpers/traits';

const resolve = () => blur;

test('blur graph matches the TypeScript reference', async () => {
  const images = [...(await Promise.all(PHOTOS.map((p) => photo(p)))), await photo('coffee.jpg', (s) => s.blur(2))];
  const err = await referenceError(blur, resolve, images);
  console.log(`blur: max relative raw error ${err.raw.toExponential(2)}, max score error ${err.score.toExponential(2)}`);
  assert.ok(err.raw < 1e-3 && err.score < 1e-3, JSON.stringify(err));
});

test('blur rises monotonically with Gaussian blur on real photographs', async () => {
  const sigmas = [0, 0.7, 1.5, 3, 6];
  for (const name of PHOTOS) {
    const images = await Promise.all(sigmas.map((s) => photo(name, (x) => (s === 0 ? x : x.blur(s)))));
    const scores = (await runModel([blur], resolve, images)).score.map((r) => r[0]);
    console.log(`blur ${name}: ${scores.map((s) => s.toFixed(2)).join(' ')}`);
    assert.ok(isNonDecreasing(scores), `${name}: ${scores}`);
    assert.ok(scores[0] < 0.4, `${name} sharp reads as blurred: ${scores[0]}`);
    assert.ok(scores[scores.length - 1] > 0.8, `${name} heavy blur not recognised: ${scores}`);
    // Graded to sigma 6 (every sigma from 1.5 up used to read 1).
    for (let i = 2; i < scores.length; i++) assert.ok(scores[i] > scores[i - 1] + 0.1, `${name}: sigma ${sigmas[i]} not above ${sigmas[i - 1]}: ${scores}`);
  }
});
