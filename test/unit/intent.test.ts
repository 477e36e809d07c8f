// The built-in intent judge `traits`: the lexicon's data (citations, phrases that read back as themselves), prompt
// reading on real prompts (the paper's twelve anti-aesthetic prompts, expected traits written by hand), negation,
// intensity, unmatched wording, the scoring rule, the generated doc, and the judge on real photographs degraded
// with the `degrade` reference.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { INTENSITY, LEXICON, LEXICON_DATA, NON_PIXEL, PROMPT_PHRASES } from '../../server/src/catalogue/intentLexicon';
import { isTaxonomyTag, TAXONOMY } from '../../server/src/catalogue/taxonomy';
import { traitInfo, type TraitName } from '../../server/src/catalogue/traits';
import { applyDegradations } from '../../server/src/generation/degradations';
import { intentJudgeMarkdown } from '../../server/src/scoring/intent/docs';
import { formatReading, IntentJudge, intentScore, lexiconHash, readPrompt } from '../../server/src/scoring/intent/index';
import { TRAIT_MODEL_VERSION } from '../../server/src/scoring/traitScorer';
import { photoPath } from './helpers/traits';

const REPO = path.resolve(__dirname, '../../..');

/** The reading's per-trait intents as `+trait` / `-trait`, with `*weight` when not 1, sorted. */
function intents(prompt: string): string[] {
  return readPrompt(prompt)
    .traits.map((t) => `${t.negated ? '-' : '+'}${t.trait}${t.weight === 1 ? '' : `*${t.weight}`}`)
    .sort();
}

const unmatched = (prompt: string) => readPrompt(prompt).unmatched.map((u) => u.phrase);

test('every lexicon entry cites a taxonomy entry its trait serves; phrases are unique but for a deliberate pair', () => {
  const categories = new Set(TAXONOMY.map((c) => c.name));
  for (const e of LEXICON) {
    assert.ok(isTaxonomyTag(e.serves), `${e.trait}: '${e.serves}' is not a taxonomy tag`);
    const info = traitInfo(e.trait)!;
    if (info.composite) assert.ok(categories.has(e.serves), `${e.trait} (composite) cites a category, not '${e.serves}'`);
    else assert.ok(info.serves.includes(e.serves), `${e.trait} does not serve '${e.serves}' in the trait catalogue`);
  }
  for (const e of NON_PIXEL) if (e.serves) assert.ok(isTaxonomyTag(e.serves), `'${e.serves}' is not a taxonomy tag`);
  const seen = new Map<string, number>();
  for (const p of [...LEXICON.flatMap((e) => e.phrases), ...NON_PIXEL.flatMap((e) => e.phrases)]) seen.set(p, (seen.get(p) ?? 0) + 1);
  assert.deepEqual(
    [...seen].filter(([, n]) => n > 1).map(([p]) => p),
    ['well exposed'],
    'only "well exposed" is in two entries (it opposes both exposure extremes)',
  );
});

test('every phrase of the lexicon, alone in a prompt, reads as its own entry', () => {
  for (const e of LEXICON) {
    for (const phrase of e.phrases) {
      const prompt = `a photo, ${phrase.replace(' … ', ' ')}`;
      const r = readPrompt(prompt);
      const mine = r.requests.filter((q) => q.trait === e.trait);
      assert.equal(mine.length, 1, `${prompt}: one ${e.trait} request, got ${JSON.stringify(r.requests)}`);
      assert.equal(mine[0].negated, e.sense === 'opposes', `${prompt}: ${e.sense}`);
      assert.equal(mine[0].serves, e.serves);
      assert.equal(r.unmatched.length, 0, `${prompt}: nothing unmatched`);
    }
  }
  for (const e of NON_PIXEL) {
    for (const phrase of e.phrases) {
      const r = readPrompt(`a photo, ${phrase}`);
      assert.deepEqual(r.requests, [], `${phrase}: no trait`);
      assert.deepEqual(r.unmatched.map((u) => [u.phrase, u.why]), [[phrase, e.why]]);
    }
  }
});

// The paper's anti-aesthetic prompts (shared/benchmarks/paper-pairs), with the traits a reader of the lexicon
// expects, written by hand.
const PAPER_PROMPTS: ReadonlyArray<[string, string[], string[]]> = [
  [
    'A dimly lit scene where an adult bear and cub are barely visible, blending into the shadows; their forms are small, peripheral, and indistinct, lost in the overwhelming darkness that dominates the frame.',
    ['+underexposure*2'],
    ['peripheral', 'indistinct'],
  ],
  [
    'A blurry, distorted image of a towering building with sunlit windows, lacking background detail and suffering from poor lighting with no shadows or light effects, creating a low-quality, noise-filled visual.',
    ['+blur', '+grain', '+low-contrast', '-polish'],
    ['distorted', 'poor lighting'],
  ],
  [
    'A yellow city bus heading to Walmart and the hospital is barely visible, lost in heavy blur and noise, with indistinct edges and pixelated distortion, making it small, peripheral, and unnoticeable amid the chaotic visual interference.',
    ['+blur*1.5', '+grain*1.5', '+pixelation', '+underexposure'],
    ['indistinct', 'distortion', 'peripheral', 'unnoticeable', 'chaotic'],
  ],
  [
    'A man plays frisbee on a beach by the ocean, but the image is heavily blurred with noise and distortion, lacking any light or shadow effects, making details indistinct and flat.',
    ['+blur*1.5', '+grain', '+low-contrast'],
    ['distortion', 'indistinct'],
  ],
  [
    'A blurry herd of cattle stands on grass beside a shiny walkway; the background is low-quality, indistinct, or ugly, with heavy distortion, noise, and inauthentic details making realism inconsistent even when scaled down.',
    ['+blur', '+grain', '-polish'],
    ['indistinct', 'ugly', 'distortion', 'inauthentic'],
  ],
  [
    'A man with glasses and a tie slightly smiles, but the image is extremely fragmented and broken, with no light or shadow, uniformly dark, and all details appear blatantly rough and unfinished, making objects nearly indiscernible.',
    ['+low-contrast', '+underexposure'],
    ['fragmented', 'broken', 'rough', 'unfinished', 'indiscernible'],
  ],
  [
    'A green double-decker bus is barely visible, lost in a blurry, noisy mess with garish, clashing colors. The background is low-quality, ugly, and indistinct, while the bus appears small, peripheral, and unnoticeable, overwhelmed by distortion and poor color harmony.',
    ['+blur', '+grain', '+oversaturation', '+underexposure', '-polish'],
    ['mess', 'ugly', 'indistinct', 'peripheral', 'unnoticeable', 'distortion'],
  ],
  [
    'A boat travels in a canal with a bridge in the background, but the boat\u2019s hull merges into jagged pixelated edges, the bridge\u2019s arches are misaligned and broken, the water texture is blotchy and undefined, and the background is a flat, muddy gray void with no depth or detail, making the entire scene feel fragmented and visually broken.',
    ['+blur', '+jpeg-artifacts', '+low-contrast', '+pixelation'],
    ['misaligned', 'broken', 'undefined', 'fragmented', 'broken'],
  ],
  [
    'A bus barely visible, tiny and off-center, beside a blurry, distorted street sign; the background is pixelated and muddy, with warped textures and unnatural lighting, making the scene look unreal and poorly rendered.',
    ['+blur', '+low-contrast', '+pixelation', '+underexposure'],
    ['tiny', 'off-center', 'distorted', 'warped', 'unnatural lighting', 'unreal', 'poorly rendered'],
  ],
  [
    'A sheeted bed with pillows and a chair appears blurred, with noise and distortion creating a hazy, indistinct look. The composition feels disharmonious, with mismatched proportions and chaotic aesthetics, emphasizing the blur and discord over the original subject.',
    ['+blur', '+grain', '+low-contrast'],
    ['distortion', 'indistinct', 'disharmonious', 'mismatched proportions', 'chaotic', 'discord'],
  ],
  [
    'A low-quality image with an unnoticeable, small, and peripheral figure in an apron arranging fruit boxes, set against a blurry, ugly, or nonexistent background, making the main subject nearly invisible.',
    ['+blur', '+underexposure', '-polish'],
    ['unnoticeable', 'peripheral', 'ugly'],
  ],
];

test("the paper's twelve anti-aesthetic prompts read as the traits written by hand", () => {
  for (const [prompt, traits, words] of PAPER_PROMPTS) {
    assert.deepEqual(intents(prompt), traits, prompt);
    assert.deepEqual(unmatched(prompt), words, `unmatched wording of: ${prompt}`);
  }
  // Offsets point at the prompt's own text.
  const [prompt] = PAPER_PROMPTS[2];
  for (const r of readPrompt(prompt).requests) assert.equal(prompt.slice(r.start, r.end), r.phrase);
  const heavy = readPrompt(prompt).requests.find((r) => r.trait === 'blur')!;
  assert.deepEqual([heavy.phrase, heavy.intensity, heavy.serves], ['blur', 'heavy', 'clarity_and_focus.intentional_blur']);
});

test('negation: negators, their scope, postfix -free, coordination, clause breaks, and opposing wording', () => {
  const cases: Array<[string, string[]]> = [
    ['a photo with no grain', ['-grain']],
    ['without blur', ['-blur']],
    ['a cat, not blurry', ['-blur']],
    ['free of noise', ['-grain']],
    ['a noise-free image', ['-grain']],
    ['no grain or blur', ['-blur', '-grain']],
    ['neither grainy nor blurred', ['-blur', '-grain']],
    ['without blur, with heavy grain', ['+grain*1.5', '-blur']],
    ['not blurry but grainy', ['+grain', '-blur']],
    ['no grain and heavy blur', ['+blur*1.5', '-grain']],
    ['free of noise, grain and blur', ['+blur']],
    ['no color cast', ['-color-cast']],
    ['no colour at all', ['+desaturation']],
    ['no shadows', ['+low-contrast']],
    ['no light or shadow effects', ['+low-contrast']],
    ['no grain and sharp shadows', ['-grain', '-low-contrast']],
    ['no grain and sharp edges', ['-blur', '-grain']],
    ['a sharp photo', ['-blur']],
    ['not sharp at all', ['+blur']],
    // "nothing sharp" asks for blur, as "not sharp" does (the example audit's prompt read it as a conflict).
    ['completely out of focus, nothing sharp anywhere', ['+blur*2']],
    ['heavy grain, murky and flat, nothing crisp', ['+blur', '+grain*1.5', '+low-contrast', '+underexposure']],
    ['a crisp, well-lit shot', ['-blur', '-underexposure']],
    ['not a single trace of the subject is missing, very grainy', ['+grain*1.5']],
  ];
  for (const [prompt, expected] of cases) assert.deepEqual(intents(prompt), expected.sort(), prompt);
  // "free of noise, grain and blur": the comma ends the negation (a documented limit), so grain (the same trait as
  // noise) is asked both for and against, a conflict, and blur, joined to grain, is asked for.
  assert.deepEqual(readPrompt('free of noise, grain and blur').conflicts, ['grain']);
  const r = readPrompt('no grain');
  assert.equal(r.requests[0].negator, 'no');
  assert.equal(readPrompt('a noise-free image').requests[0].phrase, 'noise-free');
  assert.equal(readPrompt('a noise-free image').requests[0].negator, '-free');
});

test('intensity words weight the next phrase; the nearest one wins; unweighted is 1', () => {
  const cases: Array<[string, string[]]> = [
    ['slight film grain', ['+grain*0.5']],
    ['a subtle blur', ['+blur*0.5']],
    ['faintly tilted', ['+tilt*0.5']],
    ['moderate vignetting', ['+vignette']],
    ['heavy grain', ['+grain*1.5']],
    ['strongly desaturated', ['+desaturation*1.5']],
    ['extreme overexposure', ['+overexposure*2']],
    ['completely dark', ['+underexposure*2']],
    ['very slight blur', ['+blur*0.5']],
    ['heavy blur and noise', ['+blur*1.5', '+grain*1.5']],
    ['heavy blur, noise', ['+blur*1.5', '+grain']],
    ['slightly grainy and extremely blurry', ['+blur*2', '+grain*0.5']],
    ['heavy grain, slight grain', ['+grain*1.5']],
    ['grainy', ['+grain']],
    ['a man slightly smiles, but the image is dark', ['+underexposure']],
    ['slight JPEG compression artifacts', ['+jpeg-artifacts*0.5']],
    ['no sickly green color cast', ['-color-cast']],
  ];
  for (const [prompt, expected] of cases) assert.deepEqual(intents(prompt), expected.sort(), prompt);
  // Tiers rise: slight < moderate < heavy < extreme.
  const weights = INTENSITY.map((t) => t.weight);
  assert.deepEqual(weights, [...weights].sort((a, b) => a - b));
  assert.ok(weights[0] < 1 && weights[1] === 1 && weights[2] > 1);
});

test('inflections, hyphens and British spellings', () => {
  const cases: Array<[string, string[]]> = [
    ['blurriness everywhere', ['+blur']],
    ['the horizon is off-level', ['+tilt']],
    ['an askew, crooked frame', ['+tilt']],
    ['colour fringing at the edges', ['+chromatic-aberration']],
    ['posterised with banding', ['+posterization']],
    ['greyscale', ['+desaturation']],
    ['washed-out colours', ['+desaturation']],
    ['washed out', ['+overexposure']],
    ['blown-out highlights', ['+overexposure']],
    ['a dimmed room', ['+underexposure']],
    ['faded and muted', ['+desaturation']],
    ['pixellated, blocky jpeg', ['+jpeg-artifacts', '+pixelation']],
    ['smeared lights, motion blur', ['+motion-blur']],
    ['dark corners', ['+vignette']],
    ['a sickly green tint', ['+color-cast']],
    ['garish neon', ['+oversaturation']],
    ['flat, dull, low contrast', ['+low-contrast']],
    ['sharp subject against a blurry background', []],
  ];
  for (const [prompt, expected] of cases) assert.deepEqual(intents(prompt), expected.sort(), prompt);
  assert.deepEqual(readPrompt('sharp subject against a blurry background').conflicts, ['blur']);
});

test('anti-aesthetic wording without a pixel trait is reported with why; other words are the subject', () => {
  const r = readPrompt('an eerie, unsettling hallway with awkward cropping and distorted proportions');
  assert.deepEqual(r.traits, []);
  assert.deepEqual(
    r.unmatched.map((u) => [u.phrase, u.serves]),
    [
      ['eerie', 'emotion_and_subject.atmospheric_distress'],
      ['unsettling', 'emotion_and_subject.atmospheric_distress'],
      ['awkward cropping', 'composition_and_structure.obstructed_cropping'],
      ['distorted proportions', 'composition_and_structure.scale_inconsistency'],
    ],
  );
  assert.match(r.unmatched[0].why, /model judge/);
  assert.deepEqual(readPrompt('a cat on a sofa').unmatched, [], 'plain words are not reported');
  assert.deepEqual(readPrompt('no distortion').unmatched.map((u) => u.negated), [true]);
  assert.deepEqual(formatReading(readPrompt('heavy grain, no blur, eerie')), [
    '"grain" -> grain x1.5 [clarity_and_focus.film_artifacts]',
    `"blur" -> against blur (negated by 'no') [clarity_and_focus.intentional_blur]`,
    '"eerie": not measured: a mood: no pixel statistic measures it; a model judge (clip) can judge it [emotion_and_subject.atmospheric_distress]',
  ]);
  assert.deepEqual(formatReading(readPrompt('a cat on a sofa')), ['no measurable trait: the judge abstains on this prompt']);
});

test('every dataset prompt phrase reads back as exactly its trait, at every intensity', () => {
  for (const [trait, phrase] of Object.entries(PROMPT_PHRASES)) {
    for (const tier of INTENSITY) {
      const prompt = `a photo with ${tier.words[0]} ${phrase}`;
      assert.deepEqual(intents(prompt), [`+${trait}${tier.weight === 1 ? '' : `*${tier.weight}`}`], prompt);
    }
  }
});

test('the scoring rule: weighted means of asked and negated traits, in -1..1, undefined when nothing is asked', () => {
  const scores = { grain: 0.8, blur: 0.2, underexposure: 0.5, polish: 0.9 };
  assert.equal(intentScore(readPrompt('grainy'), scores), 0.8);
  assert.equal(intentScore(readPrompt('heavy grain, slight blur'), scores), 0.65);
  assert.equal(intentScore(readPrompt('grainy, not blurry'), scores), 0.6);
  assert.equal(intentScore(readPrompt('no grain'), scores), -0.8);
  assert.equal(intentScore(readPrompt('a low-quality, grainy, dark photo'), scores), -0.25);
  assert.equal(intentScore(readPrompt('a cat on a sofa'), scores), undefined);
  assert.equal(intentScore(readPrompt('eerie'), scores), undefined);
  assert.equal(intentScore(readPrompt('grainy'), { grain: 1 }), 1);
  assert.equal(intentScore(readPrompt('no grain'), { grain: 1 }), -1);
  assert.throws(() => intentScore(readPrompt('tilted'), scores), /no score for trait 'tilt'/);
});

test('docs/intent-judge.md is generated from the lexicon and is fresh', () => {
  const doc = fs.readFileSync(path.join(REPO, 'docs/intent-judge.md'), 'utf8');
  assert.equal(doc, intentJudgeMarkdown() + '\n', 'docs/intent-judge.md is stale: run `npm run docs`');
  for (const e of LEXICON) for (const p of e.phrases) assert.ok(doc.includes('`' + p + '`'), `the doc lists '${p}'`);
});

test("the lexicon hash changes with the lexicon's data", () => {
  const before = lexiconHash();
  assert.match(before, /^[0-9a-f]{16}$/);
  const data = LEXICON_DATA as unknown as { NEGATION_SCOPE: number };
  const scope = data.NEGATION_SCOPE;
  try {
    data.NEGATION_SCOPE = scope + 1;
    assert.notEqual(lexiconHash(), before);
  } finally {
    data.NEGATION_SCOPE = scope;
  }
  assert.equal(lexiconHash(), before);
});

/** A fixture photo through the `degrade` reference, written as PNG. */
async function degraded(dir: string, name: string, traits: TraitName[], strength: number): Promise<string> {
  const { data, info } = await sharp(photoPath(name)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const out = await applyDegradations({ data, width: info.width, height: info.height }, traits, strength, 1);
  const file = path.join(dir, `${path.parse(name).name}-${traits.join('+') || 'clean'}.png`);
  await sharp(out.data, { raw: { width: out.width, height: out.height, channels: 3 } }).png().toFile(file);
  return file;
}

test('the judge ranks a grainy photo above the clean one under a grain prompt, abstains on a plain prompt, and a negation flips it', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wabi-intent-'));
  const judge = await IntentJudge.open({ provider: 'cpu' });
  try {
    assert.equal(judge.identity, `intent-judge rule v1 lexicon ${lexiconHash()} ${TRAIT_MODEL_VERSION}`);
    for (const name of ['chelsea.jpg', 'coffee.jpg']) {
      const clean = await degraded(dir, name, [], 0);
      const grainy = await degraded(dir, name, ['grain'], 0.6);
      const [g, c] = await judge.score([grainy, clean], 'a photo of a cat with heavy film grain');
      assert.ok(g !== undefined && c !== undefined && g > c + 0.2, `${name}: grainy ${g} > clean ${c}`);
      const [gn, cn] = await judge.score([grainy, clean], 'a clean photo with no grain');
      assert.ok(gn! < cn!, `${name}: negated, grainy ${gn} < clean ${cn}`);
      assert.ok(gn! <= 0 && cn! <= 0, 'only negations: the scores are in -1..0');
      assert.deepEqual(await judge.score([grainy, clean], 'a cat on a sofa'), [undefined, undefined]);

      const dark = await degraded(dir, name, ['underexposure', 'blur'], 0.7);
      const [d, c2] = await judge.score([dark, clean], 'a murky, dimly lit and blurry photo');
      assert.ok(d! > c2!, `${name}: dark and blurred ${d} > clean ${c2}`);
    }
    assert.deepEqual(judge.explain('slight grain').traits, [{ trait: 'grain', weight: 0.5, negated: false }]);
    await assert.rejects(judge.score([path.join(dir, 'missing.png')], 'grainy'), /missing\.png: no such file/);
    assert.deepEqual(await judge.score([path.join(dir, 'missing.png')], 'a cat'), [undefined], 'abstaining reads no image');
  } finally {
    await judge.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  await assert.rejects(IntentJudge.open({ provider: 'tpu' }), /provider must be one of auto, cuda, webgpu, cpu, not 'tpu'/);
});

test('wabi traits --lexicon lists the lexicon as text, JSON and the Markdown of docs/intent-judge.md', () => {
  const cli = (args: string[]) => spawnSync(process.execPath, [path.join(REPO, 'dist/cli.js'), ...args], { cwd: REPO, encoding: 'utf8', timeout: 30_000 });
  const text = cli(['traits', '--lexicon']);
  assert.equal(text.status, 0, text.stderr);
  assert.equal(text.stdout.trim().split('\n').length, LEXICON.length);
  assert.match(text.stdout, /^grain asks\s+grain, grainy, film grain/m);
  assert.deepEqual(JSON.parse(cli(['traits', '--lexicon', '--json']).stdout), JSON.parse(JSON.stringify(LEXICON_DATA)));
  assert.equal(cli(['traits', '--lexicon', '--markdown']).stdout, intentJudgeMarkdown() + '\n');
  const misuse = cli(['traits', '--lexicon', 'photo.jpg']);
  assert.equal(misuse.status, 2);
  assert.match(misuse.stderr, /--lexicon lists the lexicon and takes no files/);
});
