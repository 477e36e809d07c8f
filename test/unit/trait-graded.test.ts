// Traits grade their whole range: on series made by ImageMagick's own operators (test/fixtures/graded/make.sh, an
// implementation independent of Wabi's degradations), each trait's score keeps rising from the mildest strength a
// user would ask for to the strongest, is not already saturated at the mild end, and reads low on the clean
// photographs and paintings the series start from.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import type { TraitName } from '../../server/src/catalogue/traits';
import { isFailure, TraitScorer, type TraitResult } from '../../server/src/scoring/traitScorer';
import { TRAIT_ANALYSERS, traitAnalyser } from '../../server/src/scoring/traits/index';
import { isNonDecreasing } from './helpers/traits';

const ROOT = path.resolve(__dirname, '../../..');
const GRADED = path.join(ROOT, 'test/fixtures/graded');
const SOURCES: Record<string, string> = {
  astronaut: 'test/fixtures/photos/astronaut.jpg',
  coffee: 'test/fixtures/photos/coffee.jpg',
  'starry-night': 'examples/images/starry-night.jpg',
  shipwreck: 'examples/images/shipwreck.jpg',
};

interface Series {
  readonly trait: TraitName;
  /** The file name's operator part and its strengths, mildest first. */
  readonly operator: string;
  readonly strengths: readonly string[];
  readonly ext: 'png' | 'jpg';
  /** Per source: the most the mildest strength may read (it must still grade), and the least the strongest must. */
  readonly mildAtMost: number;
  readonly strongAtLeast: number;
  /** Sources where the trait appears only at the strong end (a dark painting brightened): no mild-end bound. */
  readonly lateOn?: readonly string[];
}

const SERIES: readonly Series[] = [
  // 64 levels per channel are nearly invisible; the score must tell 32, 16, 8, 4, 3 and 2 apart.
  { trait: 'posterization', operator: 'posterize', strengths: ['64', '32', '16', '8', '4', '3', '2'], ext: 'png', mildAtMost: 0.1, strongAtLeast: 0.9 },
  // A plain gain: a slight brightening of a bright photograph must not read as the strongest.
  { trait: 'overexposure', operator: 'brighten', strengths: ['1.1', '1.25', '1.5', '2', '3'], ext: 'jpg', mildAtMost: 0.35, strongAtLeast: 0.8, lateOn: ['shipwreck'] },
];

async function scoreAll(files: readonly string[]): Promise<Map<string, TraitResult>> {
  const scorer = await TraitScorer.open({ analysers: TRAIT_ANALYSERS, resolve: traitAnalyser, provider: 'cpu' });
  const out = new Map<string, TraitResult>();
  try {
    for await (const r of scorer.scoreFiles(files)) {
      if (isFailure(r)) throw new Error(`${r.file}: ${r.error}`);
      out.set(r.file, r);
    }
  } finally {
    await scorer.close();
  }
  return out;
}

const seriesFile = (s: Series, source: string, strength: string) => path.join(GRADED, `${source}-${s.operator}-${strength}.${s.ext}`);

test('each trait grades ImageMagick series from slight to extreme and reads low on the clean sources', async () => {
  const files = [
    ...Object.values(SOURCES).map((f) => path.join(ROOT, f)),
    ...SERIES.flatMap((s) => Object.keys(SOURCES).flatMap((src) => s.strengths.map((k) => seriesFile(s, src, k)))),
  ];
  const scores = await scoreAll(files);
  const problems: string[] = [];
  for (const s of SERIES) {
    for (const [source, clean] of Object.entries(SOURCES)) {
      const cleanScore = scores.get(path.join(ROOT, clean))!.traits[s.trait];
      const series = s.strengths.map((k) => scores.get(seriesFile(s, source, k))!.traits[s.trait]);
      console.log(`${s.trait} ${source}: clean ${cleanScore.toFixed(2)} | ${s.operator} ${s.strengths.join('/')}: ${series.map((x) => x.toFixed(2)).join(' ')}`);
      if (cleanScore > 0.1) problems.push(`${s.trait}: clean ${source} reads ${cleanScore}`);
      if (!isNonDecreasing(series)) problems.push(`${s.trait} ${source}: falls somewhere along ${series}`);
      if (series[series.length - 1] < s.strongAtLeast) problems.push(`${s.trait} ${source}: the strongest reads only ${series[series.length - 1]}`);
      if (!s.lateOn?.includes(source) && series[0] > s.mildAtMost) problems.push(`${s.trait} ${source}: the mildest already reads ${series[0]}`);
      // Grading, not a step: at least half the strengths must read strictly apart from the one before.
      const steps = series.slice(1).filter((x, i) => x > series[i] + 0.03).length;
      if (steps < Math.ceil((series.length - 1) / 2)) problems.push(`${s.trait} ${source}: only ${steps} of ${series.length - 1} steps rise: ${series}`);
    }
  }
  assert.deepEqual(problems, []);
});

test('posterization tells 16 levels from 3, on photographs and paintings alike', async () => {
  const files = Object.keys(SOURCES).flatMap((src) => ['16', '3'].map((k) => seriesFile(SERIES[0], src, k)));
  const scores = await scoreAll(files);
  for (const src of Object.keys(SOURCES)) {
    const [p16, p3] = ['16', '3'].map((k) => scores.get(seriesFile(SERIES[0], src, k))!.traits.posterization);
    assert.ok(p3 - p16 > 0.3, `${src}: 16 levels ${p16}, 3 levels ${p3}`);
  }
});

const TILT = path.join(ROOT, 'test/fixtures/tilt');
const ANGLES = [0, 3, 7, 12, 20, 30];

test('tilt measures the angle ImageMagick turned a horizon by, square or 3:2, and grades rotated photographs up to 30 degrees', async () => {
  const subjects = ['horizon-240x240', 'horizon-360x240', 'astronaut', 'rocket'];
  const file = (subject: string, a: number) => path.join(TILT, `${subject}-${a}.jpg`);
  const scores = await scoreAll(subjects.flatMap((s) => ANGLES.map((a) => file(s, a))));
  for (const subject of subjects) {
    const rows = ANGLES.map((a) => scores.get(file(subject, a))!);
    const score = rows.map((r) => r.traits.tilt);
    const degrees = rows.map((r) => r.raw.tilt);
    console.log(`tilt ${subject} ${ANGLES.join('/')} deg: score ${score.map((x) => x.toFixed(2)).join(' ')} | measured ${degrees.map((x) => x.toFixed(1)).join(' ')}`);
    // The stretch to the square working image used to read a 3:2 horizon at 12 degrees as 16.
    if (subject.startsWith('horizon')) ANGLES.forEach((a, i) => assert.ok(Math.abs(degrees[i] - a) < 1, `${subject}: ${a} degrees read as ${degrees[i]}`));
    assert.ok(isNonDecreasing(score), `${subject}: ${score}`);
    assert.ok(score[0] < 0.15, `${subject} level reads as tilted: ${score[0]}`);
    // Graded, not saturated at a few degrees (it used to reach 1 at 8): 7 degrees reads about half, 30 reads 1.
    assert.ok(score[2] > 0.3 && score[2] < 0.7, `${subject} 7 degrees: ${score}`);
    assert.ok(score[3] < score[4] && score[4] < score[5], `${subject}: 12, 20 and 30 degrees not apart: ${score}`);
    assert.ok(score[5] > 0.9, `${subject} 30 degrees: ${score}`);
  }
});

test('tilt reads 0 on a painting without a level reference, clean, blurred or rotated', async () => {
  const files = ['starry-night-0', 'starry-night-blur-0', 'starry-night-12', 'starry-night-blur-12'].map((n) => path.join(TILT, `${n}.jpg`));
  const scores = await scoreAll(files);
  for (const f of files) {
    const r = scores.get(f)!;
    console.log(`tilt ${path.basename(f)}: score ${r.traits.tilt.toFixed(2)}, angle ${r.raw.tilt.toFixed(1)}`);
    // It read 0.88 blurred and 0.15 rotated by 12 degrees: the swirls gave a confident-looking angle.
    assert.ok(r.traits.tilt < 0.1, `${path.basename(f)} reads as tilted: ${r.traits.tilt}`);
  }
});
