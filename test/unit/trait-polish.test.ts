// polish: the composite matches its TypeScript reference (which reads the other traits' references), and every
// degradation it stands against (blur, noise, JPEG, over- and underexposure, flat contrast, lost colour) lowers it
// step by step on the test photographs. Each run also reports the component traits from the same model, so the
// print shows which term moved.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TraitName } from '../../server/src/catalogue/traits';
import type { TraitAnalyser } from '../../server/src/scoring/traits/analyser';
import { blur } from '../../server/src/scoring/traits/blur';
import { grain } from '../../server/src/scoring/traits/grain';
import { jpegArtifacts } from '../../server/src/scoring/traits/jpegArtifacts';
import { lowContrast } from '../../server/src/scoring/traits/lowContrast';
import { overexposure } from '../../server/src/scoring/traits/overexposure';
import { oversaturation } from '../../server/src/scoring/traits/oversaturation';
import { polish } from '../../server/src/scoring/traits/polish';
import { underexposure } from '../../server/src/scoring/traits/underexposure';
import { blurred, clean, flatten, gain, imagesOf, jpeg, noise, runGrid, saturation, type Degradation } from './helpers/degrade';
import { PHOTOS, referenceError } from './helpers/traits';

// The traits polish reads, by name (the registry is not needed for a test).
const COMPONENTS = [blur, grain, jpegArtifacts, overexposure, underexposure, lowContrast, oversaturation];
const TRAITS = new Map<TraitName, TraitAnalyser>([polish, ...COMPONENTS].map((t) => [t.name, t]));
const resolve = (n: TraitName) => {
  const t = TRAITS.get(n);
  if (!t) throw new Error(`polish test: no analyser for ${n}`);
  return t;
};

test('polish declares every trait it reads', () => {
  assert.deepEqual([...(polish.uses ?? [])].sort(), COMPONENTS.map((t) => t.name).sort());
});

test('polish graph matches the TypeScript reference', async () => {
  const images = await imagesOf([clean, blurred(2), noise(12), jpeg(10), gain(1.7)]);
  const err = await referenceError(polish, resolve, images);
  console.log(`polish: max raw error ${err.raw.toExponential(2)}, max score error ${err.score.toExponential(2)} over ${images.length} images`);
  assert.ok(err.raw < 1e-3 && err.score < 1e-3, JSON.stringify(err));
});

const SERIES: Array<[string, Degradation[]]> = [
  ['blur', [0, 1.5, 4].map(blurred)],
  ['noise', [0, 10, 25].map(noise)],
  ['jpeg', [clean, jpeg(30), jpeg(8)]],
  ['overexposure', [1, 1.7, 3].map(gain)],
  ['underexposure', [1, 0.45, 0.2].map(gain)],
  ['low contrast', [0, 0.5, 0.8].map(flatten)],
  ['desaturation', [1, 0.45, 0].map(saturation)],
];

// Steps that are not degradations for one photograph. The night launch is dark as shot (underexposure 0.11,
// low-contrast 0.18): gain 1.7 brings it to a mean luma of 0.36 with 1% of blocks clipped, a correction by every
// measure polish reads, so polish rises there (0.945 to 0.992) and falls only once the highlights blow (gain 3).
const NOT_A_DEGRADATION = new Set(['rocket.jpg overexposure gain 1.7']);

test('every degradation lowers polish step by step on real photographs', async () => {
  const all = SERIES.flatMap(([, ds]) => ds);
  const grid = await runGrid([polish, ...COMPONENTS], resolve, all);
  const short = ['blur', 'grain', 'jpeg', 'over', 'under', 'lowc', 'M'];
  const failures: string[] = [];
  PHOTOS.forEach((name, p) => {
    let offset = 0;
    for (const [label, ds] of SERIES) {
      const rows = grid.score[p].slice(offset, offset + ds.length);
      const raws = grid.raw[p].slice(offset, offset + ds.length);
      offset += ds.length;
      const kept = ds.map((_, i) => i).filter((i) => !NOT_A_DEGRADATION.has(`${name} ${label} ${ds[i].label}`));
      const scores = kept.map((i) => rows[i][0]);
      console.log(`polish ${name} ${label} (${kept.map((i) => ds[i].label).join(', ')}): ${scores.map((x) => x.toFixed(3)).join(' ')}`);
      rows.forEach((r, i) => {
        const parts = short.map((x, k) => `${x} ${k === 6 ? raws[i][k + 1].toFixed(0) : r[k + 1].toFixed(2)}`).join(' ');
        console.log(`    ${ds[i].label}: polish ${r[0].toFixed(3)} = ${parts}${kept.includes(i) ? '' : ' (not a degradation here, left out)'}`);
      });
      // Non-increasing with the slack the rising checks allow, and the strongest step below clean by more than it.
      if (!scores.every((x, i) => i === 0 || x <= scores[i - 1] + 0.02)) failures.push(`${name} ${label} rises: ${scores}`);
      if (!(scores[scores.length - 1] < scores[0] - 0.02)) failures.push(`${name} ${label} does not fall: ${scores}`);
    }
  });
  assert.deepEqual(failures, []);
});
