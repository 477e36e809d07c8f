// tilt: the graph matches its TypeScript reference, the score rises with the rotation angle of real photographs
// with straight lines, and unrelated edits leave it where it was.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tilt, tiltCues } from '../../server/src/scoring/traits/tilt';
import { PHOTOS, fromRaw, isNonDecreasing, photo, referenceError } from './helpers/traits';
import { fmt, rotated, traitValues, unrelatedShifts } from './helpers/structure';

const resolve = () => tilt;
const ANGLES = [0, 3, 7, 12, 20];
// The photographs whose dominant lines are level, so that rotating them tilts them: astronaut.jpg (flag stripes,
// the shuttle model, the studio backdrop's edges) and rocket.jpg (rocket, masts and lattice towers, the horizon).
const LEVEL = ['astronaut.jpg', 'rocket.jpg'];
// chelsea.jpg, a cat's face, has no straight lines: whatever its rotation it gives no confident angle and reads low
// (a documented blind spot: a tilted portrait is not seen).
const WEAK = 'chelsea.jpg';
// coffee.jpg has no level reference at all: a round cup seen from above on a table whose grain and edge run
// diagonally. Its dominant angle wanders from 5 to 45 degrees under any edit (coherence 0.02..0.19, around the gate),
// so it is neither a rotation subject nor held to the unrelated-edit limit; its scores are printed for the record.
const NO_REFERENCE = 'coffee.jpg';

test('tilt graph matches the TypeScript reference', async () => {
  const images = [];
  for (const name of PHOTOS) images.push(await photo(name), await fromRaw(name, await rotated(name, 7)), await fromRaw(name, await rotated(name, -20)));
  const err = await referenceError(tilt, resolve, images);
  console.log(`tilt: max relative raw error ${err.raw.toExponential(2)}, max score error ${err.score.toExponential(2)} (${images.length} images)`);
  assert.ok(err.raw < 1e-3 && err.score < 1e-3, JSON.stringify(err));
});

test('tilt rises monotonically with the rotation angle of real photographs', async () => {
  for (const name of PHOTOS) {
    for (const sign of [1, -1]) {
      const images = await Promise.all(ANGLES.map(async (a) => fromRaw(name, await rotated(name, sign * a))));
      const { raw, score } = await traitValues(tilt, images);
      const confidence = images.map((img) => tiltCues(img.working, img.width / img.height).confidence);
      console.log(`tilt ${name} ${ANGLES.map((a) => sign * a).join('/')} deg: score ${fmt(score)} | degrees ${fmt(raw, 1)} | confidence ${fmt(confidence, 3)}`);
      if (name === NO_REFERENCE) continue;
      if (name === WEAK) {
        assert.ok(score.every((x) => x < 0.2), `${name} ${sign}: a face without straight lines reads as tilted: ${score}`);
        continue;
      }
      assert.ok(isNonDecreasing(score), `${name} ${sign}: ${score}`);
      // The unedited photos lean by 1.2..1.4 degrees of their own, which a small rotation the other way cancels.
      assert.ok(isNonDecreasing(raw, 1), `${name} ${sign}: raw ${raw}`);
      assert.ok(score[0] < 0.1, `${name} level reads as tilted: ${score[0]}`);
      assert.ok(LEVEL.includes(name), name);
      // Graded up to 30 degrees (it used to saturate at 8): 7 reads about half, 20 well above, neither at 1.
      assert.ok(score[2] > 0.2, `${name} ${sign * 7} degrees not recognised: ${score}`);
      assert.ok(score[score.length - 1] > 0.7, `${name} ${sign * 20} degrees not recognised: ${score}`);
    }
  }
});

test('tilt stays put under noise, JPEG, Gaussian blur, brightness and saturation changes', async () => {
  const failures = await unrelatedShifts(tilt, PHOTOS, 0.25, { [NO_REFERENCE]: 'no level reference, its angle is undefined' });
  assert.deepEqual(failures, []);
});
