// vignette: the graph matches its TypeScript reference, the score rises as real photographs are darkened towards
// their corners, and unrelated edits leave it where it was.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { vignette, vignetteRegions } from '../../server/src/scoring/traits/vignette';
import { PHOTOS, fromRaw, isNonDecreasing, photo, rawPhoto, referenceError } from './helpers/traits';
import { fmt, traitValues, unrelatedShifts, vignette as darken } from './helpers/structure';

const resolve = () => vignette;
/** Strength s of the fall-off 1 - s (r/R)^2: s = 0.5 leaves the extreme corners at half their brightness. */
const STRENGTHS = [0, 0.25, 0.5, 0.75, 1];
// rocket.jpg is a twilight sky over dark ground that really darkens towards all four corners (its corners are 0.57
// of the centre's geometric-mean brightness, a fall-off the measure cannot tell from a vignette): unedited it already
// reads as vignetted. It is held to the rise, not to a low start.
const NATURALLY_DARK_CORNERS = 'rocket.jpg';

test('vignette graph matches the TypeScript reference', async () => {
  const images = [];
  for (const name of PHOTOS) {
    const base = await rawPhoto(name);
    images.push(await photo(name), await fromRaw(name, darken(base, 0.5)), await fromRaw(name, darken(base, 1)));
  }
  const err = await referenceError(vignette, resolve, images);
  console.log(`vignette: max relative raw error ${err.raw.toExponential(2)}, max score error ${err.score.toExponential(2)} (${images.length} images)`);
  assert.ok(err.raw < 1e-3 && err.score < 1e-3, JSON.stringify(err));
});

test('vignette rises monotonically with a radial fall-off on real photographs', async () => {
  for (const name of PHOTOS) {
    const base = await rawPhoto(name);
    const images = await Promise.all(STRENGTHS.map((s) => fromRaw(name, darken(base, s))));
    const { raw, score } = await traitValues(vignette, images);
    const corners = vignetteRegions(images[0].working).corners.map((c) => Math.exp(c));
    console.log(
      `vignette ${name} s = ${STRENGTHS.join('/')}: score ${fmt(score)} | centre/brightest corner ${fmt(raw)} | unedited corner means ${fmt(corners, 0)}`,
    );
    assert.ok(isNonDecreasing(score), `${name}: ${score}`);
    assert.ok(isNonDecreasing(raw, 0), `${name}: raw ${raw}`);
    if (name !== NATURALLY_DARK_CORNERS) assert.ok(score[0] < 0.1, `${name} unedited reads as vignetted: ${score[0]}`);
    assert.ok(raw[raw.length - 1] > 2.5 * raw[0], `${name}: the strongest fall-off raises the ratio too little: ${raw}`);
    assert.ok(score[score.length - 1] > 0.9, `${name}: strong vignette not recognised: ${score}`);
  }
});

test('vignette stays put under noise, JPEG, Gaussian blur, brightness and saturation changes', async () => {
  const failures = await unrelatedShifts(vignette, PHOTOS, 0.25);
  assert.deepEqual(failures, []);
});
