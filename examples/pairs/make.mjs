// Makes the example audit's pairs (pairs.jsonl and the images beside it) from the paintings in ../images: for each,
// a "polished" copy (the painting, 320 px wide) and a "faithful" one that does what its prompt asks, made with
// sharp's own operations (not Wabi's degradations), so the audit's judge is checked against an independent tool.
//   node examples/pairs/make.mjs
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

const here = path.dirname(fileURLToPath(import.meta.url));
const images = path.join(here, '..', 'images');
const WIDTH = 320;

/** Seeded Gaussian-ish noise (sum of uniforms), so the grain is the same on every machine. */
function noise(width, height, sigma, seed) {
  let s = seed >>> 0;
  const rand = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 4294967296);
  const out = Buffer.alloc(width * height * 3);
  for (let i = 0; i < out.length; i++) out[i] = Math.max(0, Math.min(255, 128 + (rand() + rand() + rand() - 1.5) * 2 * sigma));
  return out;
}

const PAIRS = [
  {
    source: 'starry-night.jpg',
    name: 'starry-night-grain',
    prompt: 'The Starry Night on expired high-ISO film: heavy grain over everything.',
    plain: 'The Starry Night',
    category: 'clarity_and_focus.film_artifacts',
    async make(img, { width, height }) {
      const grain = await sharp(noise(width, height, 40, 7), { raw: { width, height, channels: 3 } }).png().toBuffer();
      return img.composite([{ input: grain, blend: 'overlay' }]);
    },
  },
  {
    source: 'shipwreck.jpg',
    name: 'shipwreck-blur',
    prompt: 'A shipwreck in a storm, completely out of focus, nothing sharp anywhere.',
    plain: 'a shipwreck in a storm',
    category: 'clarity_and_focus.intentional_blur',
    make: (img) => img.blur(4),
  },
  {
    source: 'the-scream.jpg',
    name: 'the-scream-dark',
    prompt: 'The Scream at dusk, dimly lit and murky, the figure barely visible.',
    plain: 'The Scream',
    category: 'lighting_and_exposure.exposure_extremes',
    make: (img) => img.linear(0.25, 0),
  },
  {
    source: 'woman-with-a-hat.jpg',
    name: 'woman-with-a-hat-faded',
    prompt: 'Woman with a Hat, faded and washed-out, its colours muted almost to grey.',
    plain: 'Woman with a Hat',
    category: 'color_and_tone.muted_faded',
    make: (img) => img.modulate({ saturation: 0.15 }),
  },
];

const rows = [];
for (const p of PAIRS) {
  const polished = `${path.parse(p.source).name}.jpg`;
  const faithful = `${p.name}.jpg`;
  const base = await sharp(path.join(images, p.source)).resize({ width: WIDTH }).removeAlpha().toBuffer({ resolveWithObject: true });
  await sharp(base.data).jpeg({ quality: 85 }).toFile(path.join(here, polished));
  const made = await p.make(sharp(base.data), base.info);
  await made.jpeg({ quality: 85 }).toFile(path.join(here, faithful));
  rows.push({ faithful, polished, prompt: p.prompt, plain: p.plain, category: p.category });
}
fs.writeFileSync(path.join(here, 'pairs.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
console.log(`wrote ${rows.length} pairs to ${path.relative(process.cwd(), path.join(here, 'pairs.jsonl'))}`);
