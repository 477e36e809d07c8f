// Sample gallery entries for the page harness (harness.mjs): real photographs from test/fixtures/photos, made grainy,
// brightened or blurred with sharp, under results a run could have produced: a pass with a failing previous run, a
// beautified test with judges, a hostile test name with an image outside the allowed folders, an edit with its
// input, and a test still running. Not shipped; not part of the unit tests.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import type { ImageRecord, TestResult } from '../../server/src/runner/results';
import { expectationAt } from '../unit/helpers/expectations';
import type { EntryData } from '../../client/src/gallery/model';

export * from '../../client/src/gallery/model';

async function grainy(src: string, out: string, amp: number): Promise<void> {
  const { data, info } = await sharp(src).resize(256, 192, { fit: 'cover' }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  let s = 12345;
  for (let i = 0; i < data.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    data[i] = Math.max(0, Math.min(255, Math.round(data[i] + ((s >>> 16) / 65536 - 0.5) * 2 * amp)));
  }
  await sharp(data, { raw: { width: info.width, height: info.height, channels: 3 } }).png().toFile(out);
}

const img = (seed: number, role: ImageRecord['role'], file: string, traits: Record<string, number>, judges: Record<string, number> = {}, cached = false): ImageRecord => ({
  seed,
  role,
  file,
  cached,
  traits,
  judges,
});

export const HOSTILE = `<img src=x onerror="document.body.dataset.pwned=1"> & "quoted" </script>`;

/** Writes the images into `cache` and `work` and returns entries whose files lie there (plus one outside). */
export async function makeSample(photos: string, cache: string, work: string, outside: string): Promise<EntryData[]> {
  await fs.mkdir(cache, { recursive: true });
  await fs.mkdir(work, { recursive: true });
  await fs.mkdir(outside, { recursive: true });
  const p = (n: string) => path.join(photos, n);
  const c = (n: string) => path.join(cache, n);
  const plain = (src: string, out: string) => sharp(src).resize(256, 192, { fit: 'cover' }).png().toFile(out);
  await Promise.all([
    grainy(p('chelsea.jpg'), c('cat-s1-prompt.png'), 90),
    plain(p('chelsea.jpg'), c('cat-s1-baseline.png')),
    grainy(p('chelsea.jpg'), c('cat-s2-prompt.png'), 70),
    plain(p('chelsea.jpg'), c('cat-s2-baseline.png')),
    grainy(p('chelsea.jpg'), c('cat-prev-s1-prompt.png'), 20),
    sharp(p('rocket.jpg')).resize(192, 256, { fit: 'cover' }).modulate({ brightness: 1.15, saturation: 1.5 }).sharpen().png().toFile(c('launch-s1-prompt.png')),
    plain(p('rocket.jpg'), c('launch-s1-baseline.png')),
    sharp(p('astronaut.jpg')).resize(200, 200).tint({ r: 150, g: 200, b: 120 }).png().toFile(c('hostile-s1-prompt.png')),
    plain(p('astronaut.jpg'), path.join(outside, 'hostile-s1-baseline.png')),
    sharp(p('coffee.jpg')).resize(256, 192, { fit: 'cover' }).blur(5).png().toFile(path.join(work, 'blurred-coffee.png')),
    sharp(p('coffee.jpg')).resize(256, 192, { fit: 'cover' }).sharpen({ sigma: 2 }).png().toFile(c('edit-s1-prompt.png')),
    grainy(p('coffee.jpg'), c('live-s1-prompt.png'), 60),
    plain(p('coffee.jpg'), c('live-s1-baseline.png')),
  ]);
  const specs = path.join(work, 'specs');
  const catExp = [
    expectationAt('grain >= 0.6', 8, 2),
    expectationAt('grain > baseline + 0.3', 9, 2),
  ];
  const cat: TestResult = {
    name: 'grainy cat',
    spec: path.join(specs, 'cats.wabi'),
    line: 4,
    tags: ['clarity_and_focus.film_artifacts'],
    generator: 'degrade',
    prompt: 'a cat, heavy film grain',
    baseline: 'a cat',
    verdict: 'pass',
    reasons: [],
    passRate: { passed: 2, total: 2, required: 2 },
    expectations: [
      { expectation: catExp[0], passed: true, reason: 'asked for grain >= 0.6; got 0.82, 0.71 on seeds 1, 2', seeds: [{ seed: 1, value: 0.82, against: 0.6, passed: true }, { seed: 2, value: 0.71, against: 0.6, passed: true }] },
      { expectation: catExp[1], passed: true, reason: 'asked for grain > baseline + 0.3; got 0.82 vs 0.40, 0.71 vs 0.42', seeds: [{ seed: 1, value: 0.82, against: 0.4, passed: true }, { seed: 2, value: 0.71, against: 0.42, passed: true }] },
    ],
    images: [
      img(1, 'prompt', c('cat-s1-prompt.png'), { grain: 0.82, polish: 0.41 }, {}, true),
      img(1, 'baseline', c('cat-s1-baseline.png'), { grain: 0.1, polish: 0.77 }, {}, true),
      img(2, 'prompt', c('cat-s2-prompt.png'), { grain: 0.71, polish: 0.45 }),
      img(2, 'baseline', c('cat-s2-baseline.png'), { grain: 0.12, polish: 0.79 }),
    ],
    durationMs: 1234,
  };
  const catPrev: TestResult = {
    ...cat,
    verdict: 'fail',
    reasons: ['grain too weak: 0.31 < 0.6 on seed 1'],
    passRate: { passed: 0, total: 1, required: 1 },
    expectations: [{ expectation: catExp[0], passed: false, reason: 'asked for grain >= 0.6; got 0.31 on seed 1', seeds: [{ seed: 1, value: 0.31, against: 0.6, passed: false, beautified: false }] }],
    images: [img(1, 'prompt', c('cat-prev-s1-prompt.png'), { grain: 0.31, polish: 0.62 }), img(1, 'baseline', c('cat-s1-baseline.png'), { grain: 0.1, polish: 0.77 })],
    durationMs: 3100,
  };
  const judge = 'clip("a dark, underexposed launch")';
  const launch: TestResult = {
    name: 'underexposed launch',
    spec: path.join(specs, 'cats.wabi'),
    line: 12,
    tags: ['lighting_and_exposure.exposure_extremes'],
    generator: 'flux-dev',
    prompt: 'a rocket launch at night, badly underexposed, murky',
    baseline: 'a rocket launch at night',
    verdict: 'beautified',
    reasons: ['underexposure stayed at the baseline (0.08 vs 0.10) while polish rose (0.86 vs 0.74) on seed 1'],
    passRate: { passed: 0, total: 1, required: 1 },
    expectations: [
      { expectation: expectationAt('underexposure >= 0.5', 15, 2), passed: false, reason: 'asked for underexposure >= 0.5; got 0.08 (baseline 0.10); polish 0.86 vs baseline 0.74; seed 1', seeds: [{ seed: 1, value: 0.08, against: 0.5, passed: false, beautified: true }] },
      { expectation: expectationAt('polish < baseline', 16, 2), passed: false, reason: 'asked for polish < baseline; got 0.86 vs 0.74', seeds: [{ seed: 1, value: 0.86, against: 0.74, passed: false }] },
      { expectation: expectationAt(`${judge} >= 0.25`, 17, 2), passed: true, reason: 'asked for clip >= 0.25; got 0.27', seeds: [{ seed: 1, value: 0.27, against: 0.25, passed: true }] },
    ],
    images: [
      img(1, 'prompt', c('launch-s1-prompt.png'), { underexposure: 0.08, polish: 0.86 }, { [judge]: 0.27, 'reward(hps)': 11.4 }),
      img(1, 'baseline', c('launch-s1-baseline.png'), { underexposure: 0.1, polish: 0.74 }, { [judge]: 0.21, 'reward(hps)': 10.2 }),
    ],
    durationMs: 5678,
  };
  const hostile: TestResult = {
    name: HOSTILE,
    spec: path.join(specs, 'cats.wabi'),
    line: 20,
    tags: ['color_and_tone.sickly_cast'],
    generator: 'flux-dev',
    verdict: 'fail',
    reasons: ['color-cast too weak: 0.31 < 0.5 on seed 1 <b>not bold</b>'],
    passRate: { passed: 0, total: 1, required: 1 },
    expectations: [{ expectation: expectationAt('color-cast >= 0.5', 22, 4), passed: false, reason: 'asked for color-cast >= 0.5; got 0.31 (baseline 0.05); seed 1', seeds: [{ seed: 1, value: 0.31, against: 0.5, passed: false, beautified: false }] }],
    images: [
      img(1, 'prompt', c('hostile-s1-prompt.png'), { 'color-cast': 0.31, polish: 0.5 }),
      img(1, 'baseline', path.join(outside, 'hostile-s1-baseline.png'), { 'color-cast': 0.05, polish: 0.7 }),
    ],
    durationMs: 999,
  };
  const edit: TestResult = {
    name: 'editing keeps the blur',
    spec: path.join(specs, 'edits.wabi'),
    line: 8,
    tags: ['clarity_and_focus.intentional_blur'],
    generator: 'flux-kontext',
    prompt: 'keep it blurry',
    verdict: 'beautified',
    reasons: ['the edit restored sharpness: blur 0.12 vs input 0.78; polish 0.81 vs input 0.52'],
    passRate: { passed: 0, total: 1, required: 1 },
    expectations: [{ expectation: expectationAt('blur >= input - 0.05', 12, 2), passed: false, reason: 'asked for blur >= input - 0.05; got 0.12 (input 0.78); seed 1', seeds: [{ seed: 1, value: 0.12, against: 0.73, passed: false, beautified: true }] }],
    images: [
      img(1, 'input', path.join(work, 'blurred-coffee.png'), { blur: 0.78, polish: 0.52 }),
      img(1, 'prompt', c('edit-s1-prompt.png'), { blur: 0.12, polish: 0.81 }, {}, true),
    ],
    durationMs: 2100,
  };
  const liveId = `${path.join(specs, 'coffee.wabi')}#grainy coffee`;
  return [
    { id: `${cat.spec}#${cat.name}`, last: cat, previous: catPrev },
    { id: `${launch.spec}#${launch.name}`, last: launch },
    { id: `${hostile.spec}#${hostile.name}`, last: hostile },
    { id: `${edit.spec}#${edit.name}`, last: edit },
    { id: liveId, live: { images: [{ seed: 1, role: 'prompt', file: c('live-s1-prompt.png'), traits: { grain: 0.66, polish: 0.4 } }] } },
  ];
}

/** The live entry after its baseline arrived too. */
export function liveStep2(entries: readonly EntryData[], cache: string): EntryData {
  const e = entries[entries.length - 1];
  return {
    id: e.id,
    live: {
      images: [...(e.live?.images ?? []), { seed: 1, role: 'baseline', file: path.join(cache, 'live-s1-baseline.png'), traits: { grain: 0.09, polish: 0.75 } }],
    },
  };
}
