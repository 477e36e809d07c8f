// The `degrade` generator: deterministic output (byte-identical PNGs for a seed), the identity at strength 0 and for a
// baseline prompt, the requested size, its errors, and the agreement of each degradation's strength with the trait
// model's score of that trait (the generator is the faithful oracle, so its strength must mean what the scores say).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import type { TraitName } from '../../server/src/catalogue/traits';
import { createDegradeGenerator, DEGRADE_VERSION } from '../../server/src/generation/degradeGenerator';
import { DEGRADATION_ORDER } from '../../server/src/generation/degradations';
import { GenerationError, type GenerationRequest } from '../../server/src/generation/generator';
import { settingsFrom } from '../../server/src/generation/settings';
import { decodeImageBuffer } from '../../server/src/scoring/images';
import { TraitScorer } from '../../server/src/scoring/traitScorer';
import { traitAnalyser } from '../../server/src/scoring/traits/index';

const PHOTOS_DIR = path.resolve(__dirname, '../../../test/fixtures/photos');
const SPEC = path.join(PHOTOS_DIR, 'degrade.wabi'); // settings resolve against its folder; the file need not exist
const photo = (name: string) => path.join(PHOTOS_DIR, name);
const degrade = (values: Record<string, string> = {}) => createDegradeGenerator(settingsFrom('reference', 'degrade', SPEC, values));

const request = (over: Partial<GenerationRequest>): GenerationRequest => ({
  prompt: 'a photograph',
  seed: 1,
  width: 256,
  height: 256,
  input: photo('astronaut.jpg'),
  ...over,
});

async function pixels(bytes: Buffer): Promise<{ data: Buffer; width: number; height: number }> {
  const { data, info } = await sharp(bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

test('the same seed gives byte-identical PNGs, whatever the order of the traits; another seed another grain', async () => {
  const traits: TraitName[] = ['grain', 'blur', 'tilt', 'jpeg-artifacts', 'vignette'];
  const a = await degrade().generate(request({ traits, strength: 0.5, seed: 7 }));
  const b = await degrade().generate(request({ traits: [...traits].reverse(), strength: 0.5, seed: 7 }));
  assert.ok(a.bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])), 'PNG signature');
  assert.ok(a.bytes.equals(b.bytes), 'same seed, same traits in another order: identical bytes');

  const grain1 = await degrade().generate(request({ traits: ['grain'], strength: 0.5, seed: 1 }));
  const grain1again = await degrade().generate(request({ traits: ['grain'], strength: 0.5, seed: 1 }));
  const grain2 = await degrade().generate(request({ traits: ['grain'], strength: 0.5, seed: 2 }));
  assert.ok(grain1.bytes.equals(grain1again.bytes), 'same seed: identical bytes');
  assert.ok(!grain1.bytes.equals(grain2.bytes), 'another seed: another grain');
  const [p1, p2] = await Promise.all([pixels(grain1.bytes), pixels(grain2.bytes)]);
  let differ = 0;
  for (let i = 0; i < p1.data.length; i++) if (p1.data[i] !== p2.data[i]) differ++;
  assert.ok(differ > 0.8 * p1.data.length, `the noise differs almost everywhere (${differ} of ${p1.data.length} values)`);

  // Deterministic parts do not depend on the seed.
  const blur1 = await degrade().generate(request({ traits: ['blur'], strength: 0.5, seed: 1 }));
  const blur2 = await degrade().generate(request({ traits: ['blur'], strength: 0.5, seed: 2 }));
  assert.ok(blur1.bytes.equals(blur2.bytes), 'blur is not seeded');
});

test('strength 0 and a baseline prompt give the input fitted to the size, unchanged', async () => {
  const fitted = await pixels(await sharp(photo('rocket.jpg')).resize(320, 240, { fit: 'cover', position: 'centre', kernel: 'lanczos3' }).png().toBuffer());
  const all = [...DEGRADATION_ORDER];
  const zero = await degrade().generate(request({ input: photo('rocket.jpg'), width: 320, height: 240, traits: all, strength: 0 }));
  const baseline = await degrade().generate(request({ input: photo('rocket.jpg'), width: 320, height: 240, traits: [], strength: 1 }));
  const unset = await degrade().generate(request({ input: photo('rocket.jpg'), width: 320, height: 240, traits: undefined }));
  for (const [label, out] of [
    ['strength 0', zero],
    ['no traits', baseline],
    ['traits unset', unset],
  ] as const) {
    const p = await pixels(out.bytes);
    assert.equal(p.width, 320, label);
    assert.equal(p.height, 240, label);
    assert.ok(p.data.equals(fitted.data), `${label}: pixels equal the fitted input`);
  }
  assert.deepEqual(zero.info?.applied, all, 'every degradable trait was run (each as the identity)');
});

test('the output has the requested size for any aspect ratio (cover, centre crop)', async () => {
  const cases: Array<[string, number, number]> = [
    ['astronaut.jpg', 200, 96], // square input, wide output
    ['chelsea.jpg', 128, 320], // 3:2 input, tall output
    ['coffee.jpg', 1024, 768], // upscaled
    ['rocket.jpg', 64, 64],
  ];
  for (const [name, width, height] of cases) {
    for (const traits of [[], ['tilt', 'pixelation', 'motion-blur', 'jpeg-artifacts', 'chromatic-aberration']] as TraitName[][]) {
      const out = await degrade().generate(request({ input: photo(name), width, height, traits, strength: 1 }));
      const meta = await sharp(out.bytes).metadata();
      assert.equal(meta.format, 'png');
      assert.deepEqual([meta.width, meta.height], [width, height], `${name} ${traits.join('+') || 'baseline'} at ${width}x${height}`);
    }
  }
});

test('input and strength come from the request, else the generator settings; errors name the backend', async () => {
  await assert.rejects(
    degrade().generate(request({ input: undefined, traits: ['blur'] })),
    (e: unknown) => e instanceof GenerationError && e.backend === 'degrade' && /needs an input image: set `input` in the test or the generator/.test(e.message) && !e.retryable,
  );
  await assert.rejects(degrade().generate(request({ input: photo('missing.jpg') })), (e: unknown) => e instanceof GenerationError && /missing\.jpg: no such file/.test(e.message));
  await assert.rejects(degrade().generate(request({ input: path.join(PHOTOS_DIR, 'README.md') })), (e: unknown) => e instanceof GenerationError && /could not be decoded/.test(e.message));
  await assert.rejects(degrade().generate(request({ strength: 1.5, traits: ['blur'] })), /strength must be between 0 and 1/);

  // The generator's `input` (relative to the spec) and `strength` settings are the defaults.
  const fromSettings = degrade({ input: 'coffee.jpg', strength: '0' });
  const out = await fromSettings.generate(request({ input: undefined, traits: ['grain', 'blur'] }));
  const plain = await degrade().generate(request({ input: photo('coffee.jpg'), traits: [] }));
  assert.ok(out.bytes.equals(plain.bytes), 'settings input, strength 0: the fitted input');
  const overridden = await fromSettings.generate(request({ input: undefined, traits: ['grain'], strength: 1 }));
  assert.ok(!overridden.bytes.equals(plain.bytes), "the request's strength wins over the setting");
});

test('identity covers kind, version and settings; clutter and polish are skipped and reported', async () => {
  const g = degrade();
  assert.equal(g.kind, 'degrade');
  assert.equal(g.name, 'reference');
  assert.equal(g.identity, `degrade v${DEGRADE_VERSION} strength=1`);
  assert.notEqual(degrade({ strength: '0.5' }).identity, g.identity);
  assert.match(degrade({ input: 'coffee.jpg' }).identity, /input=sha256:[0-9a-f]{64}$/);

  const out = await g.generate(request({ traits: ['clutter', 'polish', 'grain'], strength: 0.5 }));
  assert.deepEqual(out.info?.applied, ['grain']);
  assert.deepEqual(out.info?.skipped, ['clutter', 'polish']);
  assert.equal(new Set(DEGRADATION_ORDER).size, 15);
});

test('identity names the default input by its content, not its path: two checkouts share it, another photo does not', () => {
  const dirs = [0, 1].map(() => fs.mkdtempSync(path.join(os.tmpdir(), 'wabi-degrade-checkout-')));
  try {
    for (const d of dirs) fs.copyFileSync(photo('coffee.jpg'), path.join(d, 'coffee.jpg'));
    const identity = (d: string) => createDegradeGenerator(settingsFrom('reference', 'degrade', path.join(d, 'spec.wabi'), { input: 'coffee.jpg', strength: '0.5' })).identity;
    assert.equal(identity(dirs[0]), identity(dirs[1]), 'the same spec and photo in two folders');
    assert.ok(!identity(dirs[0]).includes(dirs[0]), identity(dirs[0]));
    fs.copyFileSync(photo('rocket.jpg'), path.join(dirs[1], 'coffee.jpg'));
    assert.notEqual(identity(dirs[0]), identity(dirs[1]), 'another photo under the same name');
  } finally {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  }
});

// The agreement test runs on every test photograph, and holds each trait on each of them, with one exception: the
// tilt measure needs straight lines. chelsea (a cat) has none, so its tilt score follows a rotation at only about 40%
// and wobbles (0.85 at 15 degrees, 0.82 at 20); coffee's dominant lines are diagonal (the cup and saucer read 43 degrees
// as shot), so rotating it reads *less* tilted. Their tilt rows are printed, not held. (Vignette, which reads high on
// rocket as shot, a dark sky over a lit launch, is held: the square centre crop starts it at 0.)
const AGREEMENT_PHOTOS = ['astronaut.jpg', 'chelsea.jpg', 'coffee.jpg', 'rocket.jpg'];
const NOT_HELD: Readonly<Record<string, readonly TraitName[]>> = { 'chelsea.jpg': ['tilt'], 'coffee.jpg': ['tilt'] };
const STRENGTHS = [0, 0.25, 0.5, 0.75, 1];
const SIZE = 512;

test('agreement: each degradation scored by its own trait rises with strength', async () => {
  const started = Date.now();
  const gen = degrade();
  const jobs = AGREEMENT_PHOTOS.flatMap((name) => DEGRADATION_ORDER.flatMap((trait) => STRENGTHS.map((strength) => ({ name, trait, strength }))));
  const images = await Promise.all(
    jobs.map(async (j) => {
      const out = await gen.generate(request({ input: photo(j.name), width: SIZE, height: SIZE, traits: [j.trait], strength: j.strength, seed: 1 }));
      return decodeImageBuffer(`${j.name} ${j.trait} ${j.strength}`, out.bytes);
    }),
  );
  const generated = Date.now();
  const scorer = await TraitScorer.open({ analysers: DEGRADATION_ORDER.map(traitAnalyser), resolve: traitAnalyser, provider: 'cpu', batchSize: 16 });
  const scores: number[] = [];
  try {
    for (let i = 0; i < images.length; i += 16) {
      const batch = await scorer.scoreBatch(images.slice(i, i + 16));
      batch.forEach((r, k) => scores.push(r.traits[jobs[i + k].trait]));
    }
  } finally {
    await scorer.close();
  }

  const failures: string[] = [];
  const lines = [`${'trait'.padEnd(22)} ${'photo'.padEnd(14)} ${STRENGTHS.map((s) => `s=${s}`.padStart(7)).join('')}`];
  let k = 0;
  for (const name of AGREEMENT_PHOTOS) {
    for (const trait of DEGRADATION_ORDER) {
      const row = STRENGTHS.map(() => scores[k++]);
      const held = !NOT_HELD[name]?.includes(trait);
      lines.push(`${trait.padEnd(22)} ${name.padEnd(14)} ${row.map((v) => v.toFixed(2).padStart(7)).join('')}${held ? '' : '   (not held: tilt needs level straight lines)'}`);
      if (!held) continue;
      row.forEach((v, i) => {
        if (i > 0 && v < row[i - 1] - 0.02) failures.push(`${trait} on ${name} falls from s=${STRENGTHS[i - 1]} to s=${STRENGTHS[i]}: ${row[i - 1]} -> ${v}`);
      });
      if (row[row.length - 1] - row[0] <= 0.4) failures.push(`${trait} on ${name} rises only ${row[0]} -> ${row[row.length - 1]}`);
    }
  }
  console.log(lines.join('\n'));
  console.log(`${images.length} images at ${SIZE}x${SIZE}: generated and decoded in ${generated - started} ms, scored in ${Date.now() - generated} ms`);
  assert.deepEqual(failures, []);
});
