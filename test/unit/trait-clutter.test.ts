// clutter: the graph matches its TypeScript reference, the score rises as more and more thumbnails and rectangles
// are pasted over real photographs, and unrelated edits leave it where it was.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clutter } from '../../server/src/scoring/traits/clutter';
import { PHOTOS, fromRaw, isNonDecreasing, photo, rawPhoto, referenceError } from './helpers/traits';
import { busy, fmt, traitValues, unrelatedShifts } from './helpers/structure';

const resolve = () => clutter;
const PASTES = [0, 25, 75, 200, 500];
// astronaut.jpg is busy as taken: flag, mission patches, a shuttle model and a helmet around the subject put 30% of
// its pixels on edges against 8..14% for the other three, so it starts near the middle of the scale.
const BUSY_AS_TAKEN = 'astronaut.jpg';

test('clutter graph matches the TypeScript reference', async () => {
  const images = [];
  for (const name of PHOTOS) {
    const base = await rawPhoto(name);
    images.push(await photo(name), await fromRaw(name, await busy(base, 75)), await fromRaw(name, await busy(base, 500)));
  }
  const err = await referenceError(clutter, resolve, images);
  // The raw value counts pixels above a threshold; a float32 gradient within rounding of it may land on the other
  // side than the float64 reference's, moving raw by 1/65536 per pixel. 1e-3 allows 65 such pixels, which the ramp
  // (slope 1/0.3) turns into a score error of 3.3e-3.
  console.log(`clutter: max raw error ${err.raw.toExponential(2)} (${Math.round(err.raw * 65536)} of 65536 pixels flipped), max score error ${err.score.toExponential(2)} (${images.length} images)`);
  assert.ok(err.raw < 1e-3 && err.score < 4e-3, JSON.stringify(err));
});

test('clutter rises monotonically as busy content is pasted over real photographs', async () => {
  for (const name of PHOTOS) {
    const base = await rawPhoto(name);
    const images = await Promise.all(PASTES.map(async (k) => fromRaw(name, await busy(base, k))));
    const { raw, score } = await traitValues(clutter, images);
    console.log(`clutter ${name} ${PASTES.join('/')} pastes: score ${fmt(score)} | edge density ${fmt(raw, 3)}`);
    assert.ok(isNonDecreasing(score), `${name}: ${score}`);
    assert.ok(score[0] < (name === BUSY_AS_TAKEN ? 0.6 : 0.1), `${name} unedited reads as cluttered: ${score[0]}`);
    assert.ok(score[score.length - 1] > 0.8, `${name}: a frame covered in pastes is not recognised: ${score}`);
  }
});

test('clutter stays put under noise, JPEG, Gaussian blur, brightness and saturation changes', async () => {
  const failures = await unrelatedShifts(clutter, PHOTOS, 0.25);
  assert.deepEqual(failures, []);
});
