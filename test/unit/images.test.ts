// Image decoding on real files of every supported format, written by the test from a real photograph, and the
// errors for files that are not images.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { PATCH_SIZE, WORKING_SIZE, centrePatch, decodeImage, ImageError } from '../../server/src/scoring/images';
import { photoPath } from './helpers/traits';

let dir: string;
const file = (name: string) => path.join(dir, name);
const SOURCE = photoPath('coffee.jpg'); // 600x400

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wabi-images-'));
  const base = sharp(SOURCE);
  await base.clone().png().toFile(file('coffee.png'));
  await base.clone().webp({ quality: 90 }).toFile(file('coffee.webp'));
  await base.clone().avif({ quality: 70 }).toFile(file('coffee.avif'));
  await base.clone().tiff().toFile(file('coffee.tiff'));
  await base.clone().gif().toFile(file('coffee.gif'));
  await base.clone().toColourspace('rgb16').png().toFile(file('coffee16.png'));
  await base.clone().greyscale().jpeg().toFile(file('grey.jpg'));
  // EXIF orientation 6: stored landscape, displayed rotated 90 degrees clockwise (portrait).
  await base.clone().withMetadata({ orientation: 6 }).jpeg().toFile(file('rotated.jpg'));
  // Fully transparent black pixels must read as white paper, not black.
  await sharp({ create: { width: 64, height: 64, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } }).png().toFile(file('transparent.png'));
  // A two-frame animated GIF: the first frame is red, the second blue.
  const red = Buffer.alloc(32 * 32 * 4);
  const blue = Buffer.alloc(32 * 32 * 4);
  for (let i = 0; i < 32 * 32; i++) {
    red.set([255, 0, 0, 255], i * 4);
    blue.set([0, 0, 255, 255], i * 4);
  }
  await sharp(Buffer.concat([red, blue]), { raw: { width: 32, height: 64, channels: 4, pageHeight: 32 } }).gif().toFile(file('animated.gif'));
  const jpeg = fs.readFileSync(SOURCE);
  fs.writeFileSync(file('truncated.jpg'), jpeg.subarray(0, Math.floor(jpeg.length / 2)));
  fs.writeFileSync(file('empty.png'), '');
  fs.writeFileSync(file('notes.jpg'), 'these are notes, not an image');
  fs.mkdirSync(file('folder.png'));
});

after(() => fs.rmSync(dir, { recursive: true, force: true }));

const meanOf = (a: Float32Array, from = 0, to = a.length) => {
  let s = 0;
  for (let i = from; i < to; i++) s += a[i];
  return s / (to - from);
};

test('decodes PNG, JPEG, WebP, AVIF, TIFF and GIF to the same picture', async () => {
  const reference = await decodeImage(SOURCE);
  assert.equal(reference.width, 600);
  assert.equal(reference.height, 400);
  assert.equal(reference.working.length, 3 * WORKING_SIZE * WORKING_SIZE);
  assert.equal(reference.patch.length, 3 * PATCH_SIZE * PATCH_SIZE);
  // The references' planar floats are the model's bytes, channel by channel.
  const n = WORKING_SIZE * WORKING_SIZE;
  for (const i of [0, 1, 777, n - 1]) {
    for (let c = 0; c < 3; c++) assert.equal(reference.working[c * n + i], reference.workingRgb[3 * i + c]);
  }
  const m = PATCH_SIZE * PATCH_SIZE;
  for (const i of [0, 5, m - 1]) {
    for (let c = 0; c < 3; c++) assert.equal(reference.patch[c * m + i], reference.patchRgb[3 * i + c]);
  }
  for (const name of ['coffee.png', 'coffee.webp', 'coffee.avif', 'coffee.tiff', 'coffee.gif', 'coffee16.png']) {
    const d = await decodeImage(file(name));
    assert.deepEqual([d.width, d.height], [600, 400], name);
    // Lossy re-encodes and GIF's palette move pixels a little, never the picture.
    const diff = Math.abs(meanOf(d.working) - meanOf(reference.working));
    assert.ok(diff < 3, `${name}: mean differs by ${diff}`);
  }
});

test('a greyscale JPEG becomes three equal channels', async () => {
  const d = await decodeImage(file('grey.jpg'));
  const n = WORKING_SIZE * WORKING_SIZE;
  for (let i = 0; i < n; i += 997) {
    assert.equal(d.working[i], d.working[n + i]);
    assert.equal(d.working[i], d.working[2 * n + i]);
  }
});

test('applies EXIF orientation', async () => {
  const d = await decodeImage(file('rotated.jpg'));
  assert.deepEqual([d.width, d.height], [400, 600]);
});

test('flattens transparency onto white and takes the first frame of an animation', async () => {
  const t = await decodeImage(file('transparent.png'));
  assert.equal(Math.min(...t.working.subarray(0, 1000)), 255);
  const g = await decodeImage(file('animated.gif'));
  const n = WORKING_SIZE * WORKING_SIZE;
  assert.ok(meanOf(g.working, 0, n) > 240 && meanOf(g.working, 2 * n, 3 * n) < 15, 'first frame is red');
  assert.deepEqual([g.width, g.height], [32, 32]);
});

test('the patch holds native pixels, 8-aligned at the centre, mirrored for small images', async () => {
  const w = 20;
  const h = 12;
  const data = new Uint8Array(w * h * 3);
  for (let i = 0; i < w * h; i++) data.set([i % 256, (i * 7) % 256, (i * 13) % 256], i * 3);
  const p = centrePatch(data, w, h);
  // Interleaved like the image: pixel (x, y) of the patch starts at byte 3 (y PATCH_SIZE + x).
  const at = (patch: Uint8Array, x: number, y: number) => Array.from(patch.subarray(3 * (y * PATCH_SIZE + x), 3 * (y * PATCH_SIZE + x) + 3));
  const pixel = (x: number, y: number) => Array.from(data.subarray(3 * (y * w + x), 3 * (y * w + x) + 3));
  // Smaller than the patch: the origin is 0 and rows/columns reflect (0 1 ... 19 18 17 ...).
  assert.deepEqual(at(p, 0, 0), pixel(0, 0));
  assert.deepEqual(at(p, 20, 0), pixel(18, 0));
  assert.deepEqual(at(p, 0, 12), pixel(0, 10));
  assert.deepEqual(at(p, 25, 14), pixel(13, 8));
  const big = new Uint8Array(1000 * 700 * 3);
  for (let i = 0; i < 1000 * 700; i++) big.set([(i % 1000) % 251, Math.floor(i / 1000) % 251, 7], i * 3);
  const q = centrePatch(big, 1000, 700);
  // Origin x = floor((1000 - 256) / 2 / 8) * 8 = 368, y = floor((700 - 256) / 2 / 8) * 8 = 216.
  assert.deepEqual(at(q, 0, 0), [368 % 251, 216 % 251, 7]);
  assert.deepEqual(at(q, 5, 0), [373 % 251, 216 % 251, 7]);
  assert.deepEqual(at(q, PATCH_SIZE - 1, PATCH_SIZE - 1), [(368 + 255) % 251, (216 + 255) % 251, 7]);
});

test('unreadable files give an ImageError naming the file and the cause', async () => {
  const cases: Array<[string, RegExp]> = [
    ['truncated.jpg', /corrupt or truncated image data/],
    ['empty.png', /the file is empty/],
    ['notes.jpg', /not an image/],
    ['missing.png', /no such file/],
    ['folder.png', /is a folder/],
  ];
  for (const [name, reason] of cases) {
    await assert.rejects(decodeImage(file(name)), (e: unknown) => {
      assert.ok(e instanceof ImageError, name);
      assert.equal(e.file, file(name));
      assert.match(e.reason, reason);
      assert.ok(e.message.startsWith(file(name) + ': '));
      return true;
    });
  }
});
