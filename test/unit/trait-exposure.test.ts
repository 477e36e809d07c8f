// overexposure and underexposure: the graphs match their TypeScript references, each score rises as the test
// photographs are brightened (or darkened) step by step, and neither moves much under unrelated degradations.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TraitName } from '../../server/src/catalogue/traits';
import { WORKING_SIZE } from '../../server/src/scoring/images';
import type { TraitAnalyser } from '../../server/src/scoring/traits/analyser';
import { overexposure } from '../../server/src/scoring/traits/overexposure';
import { underexposure } from '../../server/src/scoring/traits/underexposure';
import { around, assertRises, runGrid, assertSteady, blurred, clean, flatten, gain, greenCast, imagesOf, jpeg, noise, saturation, scoreGrid } from './helpers/degrade';
import { referenceError } from './helpers/traits';

const TRAITS: Record<string, TraitAnalyser> = { overexposure, underexposure };
const resolve = (n: TraitName) => TRAITS[n];

test('exposure graphs match the TypeScript references', async () => {
  const images = [...(await imagesOf([clean, gain(1.7), gain(0.25)]))];
  for (const t of [overexposure, underexposure]) {
    const err = await referenceError(t, resolve, images);
    // The raw measure counts 4x4 luma blocks over a threshold: float32 (the graph) and float64 (the reference) can put
    // a block mean sitting on the threshold on different sides. One such block moves the fraction by 1/128^2 = 6.1e-5
    // (and the log-scaled score by up to 0.027 at the ramp's low end): the tolerance allows for 16 such blocks in the
    // raw fraction, and the print says how many there were.
    const blocks = Math.round(err.raw * (WORKING_SIZE / 4) ** 2);
    console.log(`${t.name}: max raw error ${err.raw.toExponential(2)} (${blocks} blocks across the threshold), max score error ${err.score.toExponential(2)} over ${images.length} images`);
    assert.ok(err.raw < 1e-3 && err.score < 1e-3, JSON.stringify(err));
  }
});

test('overexposure rises with exposure gain on real photographs', async () => {
  const series = [1, 1.3, 1.7, 2.2, 3].map(gain);
  // The strongest gain need only read 0.45: the score now grades up to 60% of the frame blown (it used to saturate at
  // 10%, so a slight brightening of a bright photo read as the strongest), and the night launch (rocket.jpg) blows
  // 7.9% at gain 3, which reads 0.5. trait-graded.test.ts checks the grading on ImageMagick's series.
  assertRises('overexposure', await runGrid([overexposure], resolve, series), 0, series, 0.1, 0.45);
});

test('underexposure rises as exposure gain falls on real photographs', async () => {
  const series = [1, 0.7, 0.45, 0.25, 0.12].map(gain);
  assertRises('underexposure', await runGrid([underexposure], resolve, series), 0, series, 0.2, 0.9);
});

const UNRELATED = [blurred(3), noise(12), jpeg(20), saturation(0.45), saturation(2.5), greenCast(0.2)];

test('exposure scores stay put under blur, noise, JPEG, saturation and colour cast', async () => {
  const fromClean = around(clean, [...UNRELATED, flatten(0.3)]);
  const grid = await scoreGrid([overexposure, underexposure], resolve, fromClean);
  assertSteady('overexposure', grid, 0, fromClean);
  assertSteady('underexposure', grid, 1, fromClean);
  // From part-way along each trait, where a change would show. Not a cast on the brightened image: lowering R and B
  // pulls blown highlights below the luma threshold (see overexposure's blindSpots).
  const fromBright = around(gain(1.3), UNRELATED.slice(0, -1));
  assertSteady('overexposure', await scoreGrid([overexposure], resolve, fromBright), 0, fromBright);
  const fromDark = around(gain(0.3), UNRELATED);
  assertSteady('underexposure', await scoreGrid([underexposure], resolve, fromDark), 0, fromDark);
});
