// jpeg-artifacts: the graph matches its TypeScript reference, the score rises as the test photographs are
// re-encoded at falling JPEG quality, and stays put under the other degradations (except where noted).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jpegArtifacts } from '../../server/src/scoring/traits/jpegArtifacts';
import { PHOTOS, isNonDecreasing, referenceError, runModel } from './helpers/traits';
import { addNoise, blurred, decodeRaw, jpeg, modulated, pixelate, raw, sharpPixelate, shiftRedBlue } from './helpers/pixelGrid';

const resolve = () => jpegArtifacts;

test('jpeg-artifacts graph matches the TypeScript reference', async () => {
  const images = [];
  for (const name of PHOTOS) {
    const r = await raw(name);
    images.push(await decodeRaw(name, r), await jpeg(name, 30), await jpeg(name, 5), await decodeRaw(name, addNoise(r, 12)));
  }
  images.push(await decodeRaw('coffee.jpg', pixelate(await raw('coffee.jpg'), 8)));
  const err = await referenceError(jpegArtifacts, resolve, images);
  console.log(`jpeg-artifacts: max relative raw error ${err.raw.toExponential(2)}, max score error ${err.score.toExponential(2)}`);
  assert.ok(err.raw < 1e-3 && err.score < 1e-3, JSON.stringify(err));
});

test('jpeg-artifacts rises monotonically as JPEG quality falls on real photographs', async () => {
  const qualities = [95, 60, 30, 15, 5];
  for (const name of PHOTOS) {
    const images = await Promise.all([decodeRaw(name, await raw(name)), ...qualities.map((q) => jpeg(name, q))]);
    const run = await runModel([jpegArtifacts], resolve, images);
    const scores = run.score.map((x) => x[0]);
    console.log(`jpeg-artifacts ${name} (as decoded, q${qualities.join(', q')}): raw ${run.raw.map((x) => x[0].toFixed(2)).join(' ')}; score ${scores.map((s) => s.toFixed(2)).join(' ')}`);
    assert.ok(isNonDecreasing(scores), `${name}: ${scores}`);
    assert.ok(scores[0] < 0.1 && scores[1] < 0.1, `${name} good-quality JPEG reads as blocky: ${scores}`);
    assert.ok(scores[scores.length - 1] > 0.9, `${name} quality 5 not recognised: ${scores}`);
  }
});

test('jpeg-artifacts stays where it was under the other degradations', async () => {
  const labels = ['clean', 'noise 12', 'noise 25', 'pixelate 2', 'pixelate 4', 'sharp pixelate 5', 'R/B shift 3', 'blur 1.5', 'brightness 1.3', 'brightness 0.7', 'saturation 0.3', 'saturation 1.8'];
  for (const name of PHOTOS) {
    const r = await raw(name);
    const images = await Promise.all([
      decodeRaw(name, r),
      decodeRaw(name, addNoise(r, 12)),
      decodeRaw(name, addNoise(r, 25)),
      decodeRaw(name, pixelate(r, 2)),
      decodeRaw(name, pixelate(r, 4)),
      sharpPixelate(name, 5),
      decodeRaw(name, shiftRedBlue(r, 3)),
      blurred(name, 1.5),
      modulated(name, 1.3, 1),
      modulated(name, 0.7, 1),
      modulated(name, 1, 0.3),
      modulated(name, 1, 1.8),
    ]);
    const run = await runModel([jpegArtifacts], resolve, images);
    const scores = run.score.map((x) => x[0]);
    console.log(`jpeg-artifacts ${name}: ${labels.map((l, i) => `${l} ${scores[i].toFixed(2)} (${run.raw[i][0].toFixed(2)})`).join(', ')}`);
    scores.forEach((s, i) => assert.ok(Math.abs(s - scores[0]) < 0.25, `${name} ${labels[i]}: ${s} against clean ${scores[0]}`));
  }
});

test('jpeg-artifacts: pixelation by 8 or 16 on the JPEG grid is blocking (documented blind spot)', async () => {
  const r = await raw('coffee.jpg');
  const scores = (await runModel([jpegArtifacts], resolve, [await decodeRaw('coffee.jpg', pixelate(r, 8)), await decodeRaw('coffee.jpg', pixelate(r, 16))])).score.map((x) => x[0]);
  console.log(`jpeg-artifacts coffee.jpg pixelated by 8, 16: ${scores.map((s) => s.toFixed(2)).join(' ')}`);
  assert.deepEqual(scores, [1, 1]);
});
