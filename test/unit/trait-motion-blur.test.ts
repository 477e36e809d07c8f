// motion-blur: the graph matches its TypeScript reference, the score rises with the length of a linear motion
// smear on real photographs (horizontal, vertical and diagonal), and unrelated edits leave it where it was.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { motionBlur, motionBlurCues } from '../../server/src/scoring/traits/motionBlur';
import { PHOTOS, fromRaw, isNonDecreasing, photo, rawPhoto, referenceError } from './helpers/traits';
import { fmt, motionBlur as smear, traitValues, unrelatedShifts } from './helpers/structure';

const resolve = () => motionBlur;
const LENGTHS = [0, 5, 11, 21, 41];
const DIRECTIONS: ReadonlyArray<{ label: string; dx: number; dy: number }> = [
  { label: 'horizontal', dx: 1, dy: 0 },
  { label: 'diagonal', dx: Math.SQRT1_2, dy: Math.SQRT1_2 },
  { label: 'vertical', dx: 0, dy: 1 },
];

test('motion-blur graph matches the TypeScript reference', async () => {
  const images = [];
  for (const name of PHOTOS) {
    const base = await rawPhoto(name);
    images.push(await photo(name), await fromRaw(name, smear(base, 11, Math.SQRT1_2, Math.SQRT1_2)), await fromRaw(name, smear(base, 21)));
  }
  const err = await referenceError(motionBlur, resolve, images);
  console.log(`motion-blur: max relative raw error ${err.raw.toExponential(2)}, max score error ${err.score.toExponential(2)} (${images.length} images)`);
  assert.ok(err.raw < 1e-3 && err.score < 1e-3, JSON.stringify(err));
});

test('motion-blur rises monotonically with the length of a motion smear on real photographs', async () => {
  for (const name of PHOTOS) {
    const base = await rawPhoto(name);
    for (const d of DIRECTIONS) {
      const images = await Promise.all(LENGTHS.map((len) => fromRaw(name, smear(base, len, d.dx, d.dy))));
      const { raw, score } = await traitValues(motionBlur, images);
      const detail = images.map((img) => motionBlurCues(img.working).detail);
      console.log(`motion-blur ${name} ${d.label} ${LENGTHS.join('/')} px: score ${fmt(score)} | anisotropy ${fmt(raw)} | detail ${fmt(detail, 1)}`);
      assert.ok(isNonDecreasing(score), `${name} ${d.label}: ${score}`);
      assert.ok(score[0] < 0.1, `${name} sharp reads as motion-blurred: ${score[0]}`);
      assert.ok(score[2] > 0.35, `${name} ${d.label}: an 11 px smear is not recognised: ${score}`);
      // Graded past 11 px (every smear from 11 px up used to read 1).
      assert.ok(score[3] > score[2] + 0.1, `${name} ${d.label}: 21 px not above 11 px: ${score}`);
      assert.ok(score[score.length - 1] > 0.8, `${name} ${d.label}: a 41 px smear is not recognised: ${score}`);
    }
  }
});

test('motion-blur stays put under noise, JPEG, Gaussian blur, brightness and saturation changes', async () => {
  const failures = await unrelatedShifts(motionBlur, PHOTOS, 0.25);
  assert.deepEqual(failures, []);
});
