// The files kind (existing images matched by a glob, nothing generated) and the image sniffing every generating
// backend uses to accept an answer.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { createFilesGenerator, decodeBase64Image, describeBytes, imageFormat, listImages } from '../../server/src/generation/files';
import { GenerationError } from '../../server/src/generation/generator';
import { settingsFrom } from '../../server/src/generation/settings';

let dir: string;
let spec: string;
const f = (...p: string[]) => path.join(dir, ...p);
const tiny = sharp({ create: { width: 8, height: 8, channels: 3, background: '#808080' } });

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wabi-files-'));
  spec = f('suite', 'tests.wabi');
  for (const d of ['suite/shots/sub', 'suite/other', 'elsewhere']) fs.mkdirSync(f(d), { recursive: true });
  fs.writeFileSync(spec, '');
  const png = await tiny.clone().png().toBuffer();
  for (const name of ['shots/b.png', 'shots/a.png', 'shots/sub/c.png', 'shots/.hidden.png', 'other/d.png']) fs.writeFileSync(f('suite', name), png);
  fs.writeFileSync(f('suite', 'shots', 'C.JPG'), await tiny.clone().jpeg().toBuffer());
  fs.writeFileSync(f('suite', 'shots', 'e.webp'), await tiny.clone().webp().toBuffer());
  fs.writeFileSync(f('suite', 'shots', 'notes.txt'), 'not an image');
  fs.writeFileSync(f('suite', 'shots', 'data.json'), '{}');
  fs.writeFileSync(f('elsewhere', 'x.png'), png);
});

after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('listImages: sorted absolute paths of the images a glob matches, relative to the spec', () => {
  const shots = (...n: string[]) => n.map((x) => f('suite', 'shots', x));
  assert.deepEqual(listImages(spec, 'shots/*'), shots('C.JPG', 'a.png', 'b.png', 'e.webp'));
  assert.deepEqual(listImages(spec, 'shots/**/*.png'), shots('a.png', 'b.png', 'sub/c.png'));
  assert.deepEqual(listImages(spec, 'shots/*.{png,webp}'), shots('a.png', 'b.png', 'e.webp'));
  assert.deepEqual(listImages(spec, 'shots/.hidden.png'), shots('.hidden.png'), 'a dot-file named explicitly');
  assert.deepEqual(listImages(spec, '../elsewhere/*.png'), [f('elsewhere', 'x.png')]);
  assert.deepEqual(listImages(spec, 'shots\\*.png'), shots('a.png', 'b.png'), 'Windows separators');
  assert.deepEqual(listImages(spec, 'nothing/*.png'), []);
  for (const p of listImages(spec, 'shots/**/*')) assert.ok(path.isAbsolute(p));
});

test('listImages: `dir` moves the base, relative to the spec or absolute', () => {
  assert.deepEqual(listImages(spec, '*.png', 'other'), [f('suite', 'other', 'd.png')]);
  assert.deepEqual(listImages(spec, '*.png', f('elsewhere')), [f('elsewhere', 'x.png')]);
});

test('the files generator lists with its `dir`, and refuses to generate', async () => {
  const g = createFilesGenerator(settingsFrom('shots', 'files', spec, { dir: 'shots' }));
  assert.equal(g.kind, 'files');
  assert.equal(g.name, 'shots');
  assert.equal(g.identity, `files:${f('suite', 'shots')}`);
  assert.deepEqual(g.list('sub/*'), [f('suite', 'shots', 'sub', 'c.png')]);
  await assert.rejects(g.generate({ prompt: 'x', seed: 1, width: 64, height: 64 }), (e: unknown) => {
    assert.ok(e instanceof GenerationError);
    assert.equal(e.backend, 'files');
    assert.match(e.message, /^files: this generator does not generate: give the test `images`/);
    return true;
  });
  const plain = createFilesGenerator(settingsFrom('plain', 'files', spec, {}));
  assert.equal(plain.identity, `files:${f('suite')}`);
  assert.deepEqual(plain.list('other/*'), [f('suite', 'other', 'd.png')]);
});

test('imageFormat knows every format the scorer decodes by its first bytes', async () => {
  const formats: Array<[string, Buffer]> = [
    ['png', await tiny.clone().png().toBuffer()],
    ['jpeg', await tiny.clone().jpeg().toBuffer()],
    ['webp', await tiny.clone().webp().toBuffer()],
    ['gif', await tiny.clone().gif().toBuffer()],
    ['tiff', await tiny.clone().tiff().toBuffer()],
    ['avif', await tiny.clone().avif().toBuffer()],
  ];
  for (const [format, bytes] of formats) assert.equal(imageFormat(bytes), format);
  assert.equal(imageFormat(Buffer.from('MM\0*rest')), 'tiff');
  for (const junk of ['', 'hello', '<html>', '{"images": []}', '\x89PNX\r\n\x1a\n', 'RIFF....WAVE'])
    assert.equal(imageFormat(Buffer.from(junk, 'latin1')), undefined, junk);
});

test('decodeBase64Image: bare base64 or a data URL, and errors that say what came instead', async () => {
  const png = await tiny.clone().png().toBuffer();
  assert.deepEqual(decodeBase64Image('x', 'images[0]', png.toString('base64')), png);
  assert.deepEqual(decodeBase64Image('x', 'images[0]', `data:image/png;base64,${png.toString('base64')}`), png);
  assert.deepEqual(decodeBase64Image('x', 'images[0]', png.toString('base64').replace(/(.{60})/g, '$1\n')), png, 'line-wrapped base64');
  const fails = (value: unknown, pattern: RegExp) =>
    assert.throws(
      () => decodeBase64Image('a1111', 'images[0]', value),
      (e: unknown) => e instanceof GenerationError && e.backend === 'a1111' && pattern.test(e.message),
    );
  fails(undefined, /^a1111: images\[0\] is missing or not a string$/);
  fails(42, /is missing or not a string/);
  fails('', /is missing or not a string/);
  fails('this is (not) base64!', /^a1111: images\[0\] is not base64: "this is \(not\) base64!"$/);
  fails(Buffer.from('plain text').toString('base64'), /^a1111: images\[0\] is not an image: 10 bytes starting "plain text"$/);
  fails(Buffer.from([0, 1, 2, 250, 251]).toString('base64'), /not an image: 5 bytes starting 00 01 02 fa fb$/);
});

test('describeBytes: text as text, binary as hex, long input cut', () => {
  assert.equal(describeBytes(Buffer.alloc(0)), 'nothing (0 bytes)');
  assert.equal(describeBytes(Buffer.from('x'.repeat(30))), `30 bytes starting "${'x'.repeat(24)}"...`);
});
