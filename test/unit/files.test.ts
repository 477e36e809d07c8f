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
import { mulberry32 } from '../../server/src/generation/degradations';
import { decodeSpec, firstInvalidUtf8 } from '../../server/src/files/text';

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

test('spec decoding agrees with a fatal UTF-8 decoder on every kind of bad sequence', () => {
  const fatal = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  const valid = (b: Uint8Array) => {
    try {
      fatal.decode(b);
      return true;
    } catch {
      return false;
    }
  };
  const cases = [
    [0xc0, 0xaf], // overlong '/'
    [0xe0, 0x80, 0xaf], // overlong, 3 bytes
    [0xed, 0xa0, 0x80], // a UTF-16 surrogate
    [0xf4, 0x90, 0x80, 0x80], // above U+10FFFF
    [0xf5, 0x80, 0x80, 0x80],
    [0xe2, 0x82], // truncated at the end
    [0xe2, 0x82, 0x41], // truncated before ASCII
    [0x80], // a lone continuation byte
    [0xf0, 0x9f, 0x98, 0x80], // valid: an emoji
    [0xef, 0xbb, 0xbf, 0x41], // valid: a byte-order mark
  ];
  for (const c of cases) {
    const b = Uint8Array.from([0x61, ...c, 0x62]);
    assert.equal(firstInvalidUtf8(b) === b.length, valid(b), JSON.stringify(c));
    if (!valid(b)) assert.equal(firstInvalidUtf8(b), 1, JSON.stringify(c));
  }
  // Random bytes weighted towards the interesting ranges: the validator and the decoder always agree, and the bytes
  // before the first invalid one decode.
  const rnd = mulberry32(7);
  const pool = [0x00, 0x0a, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff];
  for (let k = 0; k < 3000; k++) {
    const b = Uint8Array.from({ length: 1 + Math.floor(rnd() * 8) }, () => pool[Math.floor(rnd() * pool.length)]);
    const at = firstInvalidUtf8(b);
    assert.equal(at === b.length, valid(b), Buffer.from(b).toString('hex'));
    assert.ok(valid(b.subarray(0, at)), Buffer.from(b).toString('hex'));
  }
  // Where a problem is reported: lines by \r\n, \r or \n, columns in UTF-16 units after a byte-order mark.
  const at = (bytes: number[]) => {
    const d = decodeSpec(Uint8Array.from(bytes));
    assert.ok('problem' in d);
    return [d.problem.code, d.problem.line, d.problem.character];
  };
  const utf8 = (s: string) => [...Buffer.from(s)];
  assert.deepEqual(at([...utf8('\ufeffab'), 0xff]), ['not-utf8', 0, 2]);
  assert.deepEqual(at([...utf8('a\r\nb\rc\n\u{1f600}x'), 0xe9]), ['not-utf8', 3, 3]);
  assert.deepEqual(at([0xff, 0xfe, 0x61, 0x00]), ['not-utf8', 0, 0]);
  assert.deepEqual(at([0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x01, 0x00]), ['not-text', 0, 0]);
  assert.deepEqual(decodeSpec(Uint8Array.from(utf8('\ufefftest "t"\n'))), { text: 'test "t"\n', bom: true });
  // Text that only starts like an image is still text.
  assert.ok('text' in decodeSpec(Uint8Array.from(utf8('BM is not a bitmap here, though the line is long enough'))));
});
