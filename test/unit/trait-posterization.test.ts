// posterization: the graph matches its TypeScript reference, the score rises as real photographs are quantised to
// fewer levels per channel (also when the posterized image is then lightly blurred or resized), and unrelated
// edits leave it where it was.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp, { type Sharp } from 'sharp';
import { posterization, posterizationCues } from '../../server/src/scoring/traits/posterization';
import { PHOTOS, encoded, fromRaw, isNonDecreasing, photo, rawPhoto, referenceError } from './helpers/traits';
import { fmt, posterize, traitValues, unrelatedShifts, type Raw } from './helpers/structure';

const resolve = () => posterization;
const LEVELS = [256, 64, 32, 16, 8, 4];

/** Encodes `r` after a sharp edit, as a posterized image that went through one more step would arrive. */
async function after(name: string, r: Raw, edit: (s: Sharp) => Sharp) {
  return encoded(name, await edit(sharp(Buffer.from(r.data), { raw: { width: r.width, height: r.height, channels: 3 } })).png().toBuffer());
}

test('posterization graph matches the TypeScript reference', async () => {
  const images = [];
  for (const name of PHOTOS) {
    const base = await rawPhoto(name);
    images.push(await photo(name), await fromRaw(name, posterize(base, 16)), await after(name, posterize(base, 8), (s) => s.blur(0.7)));
  }
  const err = await referenceError(posterization, resolve, images);
  // Histogram counts are integers, exact in float32 as in float64, so graph and reference agree to rounding unless a
  // count sits within rounding of a threshold (5% of the range's mean count, 4x the local mean). Such a bin would
  // be classed differently as a whole, moving raw by about 1/700 or the peak share by the bin's pixels: no tolerance
  // would cover it, and none occurs on these images.
  console.log(`posterization: max raw error ${err.raw.toExponential(2)}, max score error ${err.score.toExponential(2)} (${images.length} images)`);
  assert.ok(err.raw < 1e-3 && err.score < 1e-3, JSON.stringify(err));
});

test('posterization rises monotonically as real photographs lose tone levels', async () => {
  for (const name of PHOTOS) {
    const base = await rawPhoto(name);
    const images = await Promise.all(LEVELS.map((k) => fromRaw(name, k === 256 ? base : posterize(base, k))));
    const { raw, score } = await traitValues(posterization, images);
    const peaks = images.map((img) => posterizationCues(img.patch).peaks);
    console.log(`posterization ${name} ${LEVELS.join('/')} levels: score ${fmt(score)} | occupied ${fmt(raw, 3)} | peaks ${fmt(peaks, 3)}`);
    assert.ok(isNonDecreasing(score), `${name}: ${score}`);
    assert.ok(score[0] < 0.1, `${name} unedited reads as posterized: ${score[0]}`);
    // Log-linear in the levels left (it used to read 1.0 from 16 levels down and could not tell 16 from 4): 64 levels
    // are barely visible, and each halving adds a fifth.
    assert.ok(score[1] < 0.15, `${name}: 64 levels read as clearly posterized: ${score}`);
    for (let i = 2; i < LEVELS.length; i++) assert.ok(score[i] > score[i - 1] + 0.1, `${name}: ${LEVELS[i]} levels not above ${LEVELS[i - 1]}: ${score}`);
    assert.ok(score[score.length - 1] > 0.7, `${name}: 4 levels not recognised: ${score}`);
  }
});

test('posterization survives a light blur or a resize after posterizing (flat regions keep their levels)', async () => {
  for (const name of PHOTOS) {
    const poster = posterize(await rawPhoto(name), 8);
    const images = [await after(name, poster, (s) => s.blur(0.7)), await after(name, poster, (s) => s.resize(Math.round(poster.width * 0.8)))];
    const { raw, score } = await traitValues(posterization, images);
    const peaks = images.map((img) => posterizationCues(img.patch).peaks);
    console.log(`posterization ${name} 8 levels then blur 0.7 / resize 80%: score ${fmt(score)} | occupied ${fmt(raw, 3)} | peaks ${fmt(peaks, 3)}`);
    assert.ok(score.every((s) => s > 0.2), `${name}: ${score}`);
  }
});

test('posterization stays put under noise, JPEG, Gaussian blur, brightness and saturation changes', async () => {
  const failures = await unrelatedShifts(posterization, PHOTOS, 0.25);
  assert.deepEqual(failures, []);
});
