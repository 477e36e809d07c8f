#!/usr/bin/env node
// Test images for the scoring benchmarks: N 1024x1024 JPEGs made deterministically with sharp from the test
// photographs (test/fixtures/photos) and the public-domain artworks in ../shared/benchmarks/artworks, each with
// one of a cycle of degradations (blur, motion blur, noise, JPEG blocking, pixelation, exposure, contrast,
// saturation, colour cast, channel shift, tilt, vignette, posterization), so the traits see varied content and
// no two files are byte-identical.
//
// Images go to a folder under the OS temp dir (never into the repo), keyed by N and a hash of this file and the
// sources: a second run with the same inputs reuses the folder.
//
//   node bench/scoring/make-images.mjs [--count N] [--dir DIR] [--quality Q]   # prints the folder
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import sharp from 'sharp';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
export const SIZE = 1024;

export function sourceImages() {
  const dirs = [join(root, 'test', 'fixtures', 'photos'), resolve(root, '..', 'shared', 'benchmarks', 'artworks')];
  const files = [];
  for (const d of dirs) {
    if (!existsSync(d)) continue;
    for (const f of readdirSync(d).sort()) if (/\.(jpe?g|png)$/i.test(f)) files.push(join(d, f));
  }
  if (files.length === 0) throw new Error('no source images: test/fixtures/photos and ../shared/benchmarks/artworks are both missing');
  return files;
}

/** mulberry32: a small seeded PRNG, so noise is the same on every run. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const raw = async (s) => s.removeAlpha().raw().toBuffer({ resolveWithObject: true });
const fromRaw = (data, info) => sharp(data, { raw: { width: info.width, height: info.height, channels: 3 } });

/** Degradations, each (sharp pipeline of a SIZE x SIZE image, index) -> sharp pipeline. */
const DEGRADATIONS = [
  ['clean', (s) => s],
  ['blur', (s, i) => s.blur(1 + (i % 4))],
  ['noise', async (s, i) => {
    const { data, info } = await raw(s);
    const rnd = prng(1000 + i);
    const sigma = 6 + (i % 4) * 6;
    const out = Buffer.alloc(data.length);
    for (let k = 0; k < data.length; k += 2) {
      // Box-Muller, two samples per draw.
      const r = Math.sqrt(-2 * Math.log(rnd() + 1e-12));
      const t = 2 * Math.PI * rnd();
      out[k] = Math.max(0, Math.min(255, Math.round(data[k] + sigma * r * Math.cos(t))));
      if (k + 1 < data.length) out[k + 1] = Math.max(0, Math.min(255, Math.round(data[k + 1] + sigma * r * Math.sin(t))));
    }
    return fromRaw(out, info);
  }],
  ['jpeg', async (s, i) => sharp(await s.jpeg({ quality: 5 + (i % 3) * 5 }).toBuffer())],
  ['pixelate', async (s, i) => {
    const small = 32 + (i % 3) * 32;
    return sharp(await s.resize(small, small, { kernel: 'nearest' }).png().toBuffer()).resize(SIZE, SIZE, { kernel: 'nearest' });
  }],
  ['dark', (s) => s.linear(0.35, 0)],
  ['bright', (s) => s.linear(1.9, 20)],
  ['flat', (s) => s.linear(0.35, 128 * 0.65)],
  ['desaturate', (s) => s.modulate({ saturation: 0.15 })],
  ['oversaturate', (s) => s.modulate({ saturation: 2.6 })],
  ['green-cast', (s) => s.linear([0.8, 1.15, 0.75], [0, 10, 0])],
  ['motion-blur', (s, i) => {
    const n = 15 + (i % 3) * 8;
    // sharp wants at least 3 rows: a horizontal line of ones in the middle row.
    const kernel = [...new Array(n).fill(0), ...new Array(n).fill(1), ...new Array(n).fill(0)];
    return s.convolve({ width: n, height: 3, kernel, scale: n });
  }],
  ['channel-shift', async (s, i) => {
    const { data, info } = await raw(s);
    const d = 2 + (i % 3) * 2;
    const out = Buffer.from(data);
    for (let y = 0; y < info.height; y++) {
      for (let x = 0; x < info.width; x++) {
        const k = (y * info.width + x) * 3;
        out[k] = data[(y * info.width + Math.min(info.width - 1, x + d)) * 3];
        out[k + 2] = data[(y * info.width + Math.max(0, x - d)) * 3 + 2];
      }
    }
    return fromRaw(out, info);
  }],
  ['tilt', async (s, i) => {
    const angle = 5 + (i % 4) * 3;
    const rotated = await s.rotate(angle, { background: '#808080' }).png().toBuffer();
    const m = await sharp(rotated).metadata();
    const cut = Math.floor(SIZE * 0.8);
    return sharp(rotated).extract({ left: Math.floor((m.width - cut) / 2), top: Math.floor((m.height - cut) / 2), width: cut, height: cut }).resize(SIZE, SIZE);
  }],
  ['vignette', async (s) => {
    const svg = `<svg width="${SIZE}" height="${SIZE}"><defs><radialGradient id="g" cx="50%" cy="50%" r="72%">` +
      `<stop offset="45%" stop-color="#000" stop-opacity="0"/><stop offset="100%" stop-color="#000" stop-opacity="0.85"/></radialGradient></defs>` +
      `<rect width="100%" height="100%" fill="url(#g)"/></svg>`;
    return sharp(await s.png().toBuffer()).composite([{ input: Buffer.from(svg), blend: 'over' }]);
  }],
  ['posterize', async (s, i) => {
    const { data, info } = await raw(s);
    const levels = 4 + (i % 3) * 2;
    const step = 255 / (levels - 1);
    const out = Buffer.alloc(data.length);
    for (let k = 0; k < data.length; k++) out[k] = Math.round(Math.round(data[k] / step) * step);
    return fromRaw(out, info);
  }],
];

async function makeOne(source, i, quality) {
  const meta = await sharp(source).metadata();
  const [name, degrade] = DEGRADATIONS[i % DEGRADATIONS.length];
  // A different square crop per index (position and zoom), so repeats of a source differ.
  const rnd = prng(i + 1);
  const side = Math.floor(Math.min(meta.width, meta.height) * (0.7 + 0.3 * rnd()));
  const left = Math.floor((meta.width - side) * rnd());
  const top = Math.floor((meta.height - side) * rnd());
  const base = await sharp(source).rotate().extract({ left, top, width: side, height: side }).resize(SIZE, SIZE, { kernel: 'lanczos3' }).removeAlpha().png().toBuffer();
  const degraded = await degrade(sharp(base), i);
  // Round-trip through PNG so every pipeline ends on a plain SIZE x SIZE RGB image before the final encode.
  const png = await degraded.png().toBuffer();
  const jpeg = await sharp(png).resize(SIZE, SIZE, { fit: 'fill' }).jpeg({ quality, chromaSubsampling: '4:2:0' }).toBuffer();
  return { name, jpeg };
}

/**
 * Makes (or reuses) `count` images; returns { dir, files, degradations }.
 * @param {{count?: number, dir?: string, quality?: number, log?: (line: string) => void}} options
 */
export async function makeImages({ count = 96, dir, quality = 90, log = () => {} } = {}) {
  const sources = sourceImages();
  const hash = createHash('sha256');
  hash.update(readFileSync(fileURLToPath(import.meta.url)));
  hash.update(`${count}|${quality}|${sharp.versions.vips}`);
  for (const s of sources) hash.update(basename(s)).update(readFileSync(s));
  const key = hash.digest('hex').slice(0, 12);
  const target = dir ?? join(tmpdir(), `wabi-bench-images-${count}-${key}`);
  const manifestPath = join(target, 'manifest.json');
  if (existsSync(manifestPath)) {
    const m = JSON.parse(readFileSync(manifestPath, 'utf8'));
    if (m.key === key && m.files.every((f) => existsSync(join(target, f.file)))) {
      return { dir: target, files: m.files.map((f) => join(target, f.file)), degradations: m.files.map((f) => f.degradation), reused: true };
    }
  }
  const work = `${target}.partial-${process.pid}`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const started = Date.now();
  const entries = [];
  for (let i = 0; i < count; i++) {
    const source = sources[i % sources.length];
    const { name, jpeg } = await makeOne(source, i, quality);
    const file = `img-${String(i).padStart(4, '0')}-${name}.jpg`;
    writeFileSync(join(work, file), jpeg);
    entries.push({ file, source: basename(source), degradation: name, bytes: jpeg.length });
    if ((i + 1) % 25 === 0) log(`  made ${i + 1}/${count} images`);
  }
  writeFileSync(join(work, 'manifest.json'), JSON.stringify({ key, size: SIZE, quality, files: entries }, null, 1));
  rmSync(target, { recursive: true, force: true });
  mkdirSync(dirname(target), { recursive: true });
  renameSync(work, target);
  log(`  made ${count} images in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return { dir: target, files: entries.map((e) => join(target, e.file)), degradations: entries.map((e) => e.degradation), reused: false };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { count: { type: 'string', default: '96' }, dir: { type: 'string' }, quality: { type: 'string', default: '90' } } });
  const r = await makeImages({ count: Number(values.count), dir: values.dir, quality: Number(values.quality), log: (l) => console.error(l) });
  console.log(r.dir);
}
