// Hover on real spec text: traits and how their thresholds read, judge scores with the judge they resolve to,
// names, keys (kind-aware), kinds, header keywords, tags, baseline/input, seeds and pass rates. Exact contents
// and ranges.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { AUDIT_KEYS, BUILTIN_JUDGE_DOC, GENERATOR_KINDS, HEADER_DOCS, JUDGE_KINDS, MEASURE_FUNCTIONS } from '../../server/src/catalogue/schema';
import { describeTag } from '../../server/src/catalogue/taxonomy';
import { traitInfo, traitMarkdown } from '../../server/src/catalogue/traits';
import type { Hover } from '../../server/src/language/features';
import { memoryHost } from '../../server/src/files/host';
import { hover, scoreReading } from '../../server/src/language/hover';
import { SpecWorkspace } from '../../server/src/language/workspace';
import { cursor } from './helpers/cursor';

const ROOT = path.resolve('/ws');
const SPEC = path.join(ROOT, 'spec.wabi');

const GENERATORS = `generator sdxl
  kind      comfyui
  url       http://127.0.0.1:8188
  workflow  flows/sdxl.json

judge clip_l
  kind         clip
  image-model  models/image.onnx
  text-model   models/text.onnx
  tokenizer    models/tokenizer.json

judge hps
  kind   reward
  model  models/hps.onnx
`;

const SDXL_SUMMARY = [
  '**sdxl** · `comfyui` generator',
  GENERATOR_KINDS.find((k) => k.kind === 'comfyui')!.doc,
  '```wabi\ngenerator sdxl\n  kind      comfyui\n  url       http://127.0.0.1:8188\n  workflow  flows/sdxl.json\n```',
  'Defined in `generators.wabi`, line 1.',
].join('\n\n');

const CLIP_SUMMARY = [
  '**clip_l** · `clip` judge',
  JUDGE_KINDS[0].doc,
  '```wabi\njudge clip_l\n  kind         clip\n  image-model  models/image.onnx\n  text-model   models/text.onnx\n  tokenizer    models/tokenizer.json\n```',
  'Defined in `generators.wabi`, line 6.',
].join('\n\n');

const HPS_SUMMARY = [
  '**hps** · `reward` judge',
  JUDGE_KINDS[2].doc,
  '```wabi\njudge hps\n  kind   reward\n  model  models/hps.onnx\n```',
  'Defined in `generators.wabi`, line 12.',
].join('\n\n');

/** Hovers the character right after the marker in `marked`. */
function at(marked: string, options: { extra?: Record<string, string>; marker?: string } = {}): Hover | undefined {
  const { text, position } = cursor(marked, options.marker);
  const host = memoryHost({ [path.join(ROOT, 'generators.wabi')]: GENERATORS, [SPEC]: text, ...(options.extra ?? {}) });
  return hover(new SpecWorkspace(host), SPEC, position);
}

const r = (line: number, start: number, end: number) => ({ start: { line, character: start }, end: { line, character: end } });
const HEAD = 'import "generators.wabi"\n\n';
const TEST = HEAD + 'test "grainy" [clarity_and_focus.film_artifacts]\n  prompt a grainy cow\n  baseline a cow in a field\n';
const L = 5; // the line after TEST

// ---- traits ---------------------------------------------------------------------------------------------------

test('a trait compared with a number: its catalogue entry and how the threshold reads on 0..1', () => {
  const h = at(TEST + '  expect gr|ain >= 0.6\n')!;
  assert.deepEqual(h.range, r(L, 9, 14));
  assert.equal(
    h.contents,
    traitMarkdown(traitInfo('grain')!) +
      '\n\n---\n\n' +
      'Passes when the grain score is at least 0.6; on the 0..1 scale 0.6 reads as *clearly present*. ' +
      'Trait scores run 0..1: 0 means no grain is measured, 1 means it is strongly present.',
  );
});

test('a trait with a dash compared with the baseline and a margin', () => {
  const h = at(TEST + '  expect motion-bl|ur > baseline + 0.3\n')!;
  assert.deepEqual(h.range, r(L, 9, 20));
  assert.ok(h.contents.startsWith(traitMarkdown(traitInfo('motion-blur')!)));
  assert.ok(
    h.contents.endsWith(
      "Passes when the motion-blur score is above the baseline image's motion-blur score plus 0.3. " +
        'Trait scores run 0..1: 0 means no motion-blur is measured, 1 means it is strongly present.',
    ),
  );
  const input = at(HEAD + 'test "x"\n  prompt y\n  input a.png\n  expect |blur <= input - 0.05\n')!;
  assert.ok(input.contents.includes("Passes when the blur score is at most the input image's blur score minus 0.05."));
});

test('score readings cover the whole 0..1 scale', () => {
  assert.deepEqual(
    [0, 0.1, 0.3, 0.5, 0.7, 0.9, 1].map(scoreReading),
    ['absent', 'barely present', 'faint', 'moderate', 'clearly present', 'strong', 'as strong as it gets'],
  );
  assert.ok(at(TEST + '  expect |polish < 0.2\n')!.contents.includes('is below 0.2; on the 0..1 scale 0.2 reads as *faint*.'));
});

test('an unknown trait, an operator and a number have no hover', () => {
  assert.equal(at(TEST + '  expect gr|ian >= 0.6\n'), undefined);
  assert.equal(at(TEST + '  expect grain |>= 0.6\n'), undefined);
  assert.equal(at(TEST + '  expect grain| >= 0.6\n'), undefined, 'just past the trait');
  assert.ok(at(TEST + '  expect grai|n >= 0.6\n'), 'its last character');
  assert.equal(at(TEST + '  expect grain >= 0.|6\n'), undefined);
});

// ---- judge scores -----------------------------------------------------------------------------------------------

test('clip without a judge name: the function doc and the only clip judge', () => {
  const h = at(TEST + '  expect cl|ip("a rotten fruit") > clip("fresh fruit")\n')!;
  assert.deepEqual(h.range, r(L, 9, 13));
  assert.equal(h.contents, ['**clip** · judge score', MEASURE_FUNCTIONS.clip.doc, CLIP_SUMMARY].join('\n\n'));
  const rhs = at(TEST + '  expect clip("a rotten fruit") > |clip("fresh fruit")\n')!;
  assert.deepEqual(rhs.range, r(L, 34, 38));
  assert.equal(rhs.contents, h.contents);
});

test('clip with several clip judges and none named says so', () => {
  const extra = { [path.join(ROOT, 'more.wabi')]: 'judge clip_b\n  kind clip\n  image-model a\n  text-model b\n  tokenizer c\n' };
  const h = at('import "generators.wabi"\nimport "more.wabi"\n\ntest "x"\n  prompt y\n  expect |clip("rot") > 0.2\n', { extra })!;
  assert.equal(
    h.contents,
    ['**clip** · judge score', MEASURE_FUNCTIONS.clip.doc, 'Several clip judges are visible (`clip_l`, `clip_b`): name one, `clip(clip_l, "...")`.'].join('\n\n'),
  );
  const none = at('test "x"\n  prompt y\n  expect |clip("rot") > 0.2\n')!;
  assert.ok(none.contents.endsWith('No `clip` judge is visible here: define one or import it.'));
});

test('reward(JUDGE): the function doc and the judge definition; the judge name itself: the definition', () => {
  const fn = at(TEST + '  expect re|ward(hps) < baseline\n')!;
  assert.deepEqual(fn.range, r(L, 9, 15));
  assert.equal(fn.contents, ['**reward** · judge score', MEASURE_FUNCTIONS.reward.doc, HPS_SUMMARY].join('\n\n'));
  const arg = at(TEST + '  expect reward(h|ps) < baseline\n')!;
  assert.deepEqual(arg.range, r(L, 16, 19));
  assert.equal(arg.contents, HPS_SUMMARY);
  const named = at(TEST + '  expect clip(clip|_l, "rot") > 0.2\n')!;
  assert.equal(named.contents, CLIP_SUMMARY);
  const unknown = at(TEST + '  expect reward(|nope) < 2\n');
  assert.equal(unknown, undefined);
  const unknownFn = at(TEST + '  expect re|ward(nope) < 2\n')!;
  assert.ok(unknownFn.contents.endsWith('No judge named `nope` is visible here.'));
});

// ---- names ----------------------------------------------------------------------------------------------------

test('a generator reference: the definition summary with kind, settings and defining file', () => {
  const h = at(HEAD + 'defaults\n  generator  sd|xl\n')!;
  assert.deepEqual(h.range, r(3, 13, 17));
  assert.equal(h.contents, SDXL_SUMMARY);
});

test('a definition name in its own header: defined on its line', () => {
  const h = at(HEAD + 'judge la|ion\n  kind     aesthetic\n  model    head.onnx\n  encoder  clip_l\n')!;
  assert.deepEqual(h.range, r(2, 6, 11));
  assert.equal(
    h.contents,
    [
      '**laion** · `aesthetic` judge',
      JUDGE_KINDS[1].doc,
      '```wabi\njudge laion\n  kind     aesthetic\n  model    head.onnx\n  encoder  clip_l\n```',
      'Defined on line 3.',
    ].join('\n\n'),
  );
  const encoder = at(HEAD + 'judge laion\n  kind     aesthetic\n  model    head.onnx\n  encoder  |clip_l\n')!;
  assert.equal(encoder.contents, CLIP_SUMMARY);
  const noKind = at('generator lo|cal\n')!;
  assert.equal(noKind.contents, '**local** · generator\n\nThis generator has no `kind` yet.\n\n```wabi\ngenerator local\n```\n\nDefined on line 1.');
});

test('an unknown reference has no hover', () => {
  assert.equal(at(HEAD + 'defaults\n  generator  |nope\n'), undefined);
});

// ---- keys, kinds, keywords, tags --------------------------------------------------------------------------------

test('property keys show their doc; generator and judge settings by the block\'s kind', () => {
  const prompt = at(TEST + '  |expect grain > 0.5\n')!;
  assert.deepEqual(prompt.range, r(L, 2, 8));
  assert.equal(
    prompt.contents,
    '**expect** · test setting · expectation\n\nAn expectation: `MEASURE OP VALUE`, e.g. `grain >= 0.6`, `grain > baseline + 0.3`, `polish < baseline`, `clip("rotten fruit") > clip("fresh fruit")`.',
  );
  const comfy = at('generator g\n  kind comfyui\n  u|rl http://x\n')!;
  assert.equal(comfy.contents, '**url** · `comfyui` generator setting, required · URL [concurrency N], one line per endpoint\n\nBase URL of the ComfyUI server, e.g. `http://127.0.0.1:8188`. Repeat the line for a pool of servers that serve the same models: requests go to the endpoint with the most free capacity, an endpoint that fails (refused, 5xx, timed out) is left out for a while and its requests move to another. `url http://127.0.0.1:8188 concurrency 2` lets one endpoint make 2 images at once.');
  const openai = at('generator g\n  kind openai\n  u|rl http://x\n')!;
  assert.equal(
    openai.contents,
    '**url** · `openai` generator setting · URL [concurrency N], one line per endpoint\n\nBase URL of the API (default `https://api.openai.com/v1`). Repeat the line for a pool of servers that serve the same models: requests go to the endpoint with the most free capacity, an endpoint that fails (refused, 5xx, timed out) is left out for a while and its requests move to another. `url https://api.openai.com/v1 concurrency 2` lets one endpoint make 2 images at once.',
  );
  const judgeSize = at('judge j\n  kind clip\n  si|ze 224\n')!;
  assert.equal(judgeSize.contents, '**size** · `clip` judge setting · whole number 16..4096\n\nSquare input resolution of the image encoder (default 224).');
  const testSize = at(TEST + '  si|ze 512x512\n')!;
  assert.ok(testSize.contents.startsWith('**size** · test setting · WIDTHxHEIGHT\n\nImage size'));
  const defaultsSeeds = at('defaults\n  |seeds 1..4\n')!;
  assert.ok(defaultsSeeds.contents.startsWith('**seeds** · defaults setting · seeds\n\n'));
});

test('a url line: which endpoint of the pool it is, how many images it makes at once, and the pool\'s capacity', () => {
  const pool = 'generator big\n  kind comfyui\n  workflow flows/sdxl.json\n  concurrency 2\n  url http://gpu-1:8188\n  url http://gpu-2:8188 concurrency 3\n';
  const first = at(pool.replace('url http://gpu-1', 'url http://g|pu-1'))!;
  assert.deepEqual(first.range, r(4, 6, 23));
  assert.equal(
    first.contents.split('\n\n')[0],
    "**http://gpu-1:8188** · endpoint 1 of 2 of the `comfyui` generator `big`, 2 images at once (the generator's `concurrency`).",
  );
  assert.match(first.contents, /The pool makes up to 5 images at once\. Each request goes to the endpoint with the most free capacity; an endpoint that fails/);
  assert.match(first.contents, /A request the server refuses as wrong \(a 4xx such as a bad workflow\) is not retried elsewhere\./);
  const second = at(pool.replace('concurrency 3', 'concurr|ency 3'))!;
  assert.match(second.contents, /^\*\*http:\/\/gpu-2:8188\*\* · endpoint 2 of 2 .*, 3 images at once \(its own `concurrency 3`\)\./);
  const one = at('generator g\n  kind a1111\n  url http://l|ocalhost:7860\n')!;
  assert.match(one.contents, /^\*\*http:\/\/localhost:7860\*\* · the server of the `a1111` generator `g`, 1 image at once \(the `a1111` default\)\.\n\nAdd more `url` lines to make a pool/);
  assert.equal(at('generator g\n  kind a1111\n  url loc|alhost:7860\n'), undefined, 'not a URL: the checker says why');
});

test('the kind key lists the kinds; a setting of a block without a known kind says which kinds have it', () => {
  const kind = at('judge j\n  k|ind clip\n')!;
  assert.equal(kind.contents, '**kind** · judge, required · judge kind\n\nWhat kind of model this judge runs.\n\n*Kinds:* `clip`, `aesthetic`, `reward`');
  const noKind = at('generator g\n  |workflow a.json\n')!;
  assert.equal(
    noKind.contents,
    '**workflow** · setting of `comfyui` generators, required · file\n\nAPI-format workflow JSON with placeholders for prompt, negative, seed, width, height, steps and input image.',
  );
  const manifest = at('judge j\n  |manifest m.json\n')!;
  assert.ok(manifest.contents.startsWith('**manifest** · judge setting · file\n\n'));
  assert.equal(at(TEST + '  |colour red\n'), undefined, 'an unknown key');
});

test('a kind value shows the kind\'s doc and settings', () => {
  const h = at('generator g\n  kind  com|fyui\n')!;
  assert.deepEqual(h.range, r(1, 8, 15));
  assert.equal(
    h.contents,
    '**comfyui** · generator kind\n\n' +
      GENERATOR_KINDS[2].doc +
      '\n\n*Settings:* `url`*, `workflow`*, `timeout`, `retries`, `concurrency` (* required)',
  );
  const judge = at('judge j\n  kind |aesthetic\n')!;
  assert.equal(judge.contents, '**aesthetic** · judge kind\n\n' + JUDGE_KINDS[1].doc + '\n\n*Settings:* `model`*, `encoder`*, `manifest` (* required)');
  assert.equal(at('judge j\n  kind |aesthetc\n'), undefined);
});

test('header keywords show the block documentation', () => {
  const h = at(HEAD + 'te|st "x"\n  prompt y\n')!;
  assert.deepEqual(h.range, r(2, 0, 4));
  assert.equal(h.contents, '**test** block\n\n' + HEADER_DOCS.test);
  assert.equal(at('|import "generators.wabi"\n')!.contents, '**import** block\n\n' + HEADER_DOCS.import);
  assert.equal(at('|defaults\n  seeds 1\n')!.contents, '**defaults** block\n\n' + HEADER_DOCS.defaults);
  assert.equal(at('tset| "x"\n'), undefined, 'an unknown block');
});

test('taxonomy tags show the paper\'s description, the category and the traits measuring it', () => {
  const h = at(HEAD + 'test "grainy" [clarity_and_focus.film_|artifacts]\n  prompt y\n')!;
  assert.deepEqual(h.range, r(2, 15, 47));
  assert.equal(
    h.contents,
    '**clarity_and_focus.film_artifacts** · subcategory of `clarity_and_focus`\n\n' +
      describeTag('clarity_and_focus.film_artifacts') +
      '\n\n*Category:* Deliberate loss of sharpness, detail or technical cleanliness.' +
      '\n\n*Measured by the traits:* `grain`',
  );
  const cat = at(HEAD + 'test "x" [|color_and_tone]\n  prompt y\n')!;
  assert.equal(
    cat.contents,
    '**color_and_tone** · taxonomy category\n\n' +
      describeTag('color_and_tone') +
      '\n\n*Measured by the traits:* `low-contrast`, `desaturation`, `oversaturation`, `color-cast`, `chromatic-aberration`, `posterization`',
  );
  assert.equal(at(HEAD + 'test "x" [|colour]\n  prompt y\n'), undefined);
  assert.equal(at(HEAD + 'test "gr|ainy"\n  prompt y\n'), undefined, 'the test name');
});

test('an import path lists what the file defines', () => {
  const h = at('import "gener|ators.wabi"\n')!;
  assert.deepEqual(h.range, r(0, 7, 24));
  assert.equal(h.contents, '**generators.wabi**\n\n*Generators:* `sdxl` (comfyui)\n\n*Judges:* `clip_l` (clip), `hps` (reward)');
  const missing = at('import "|nope.wabi"\n')!;
  assert.equal(missing.contents, '`nope.wabi` cannot be imported: the file is missing or unreadable.');
});

// ---- baseline and input ---------------------------------------------------------------------------------------

test('baseline in an expectation shows the baseline prompt it compares with', () => {
  const h = at(TEST + '  expect grain > |baseline + 0.3\n')!;
  assert.deepEqual(h.range, r(L, 17, 25));
  assert.equal(
    h.contents,
    "**baseline** · compares `grain` with the same measure on the image generated from this test's baseline prompt:\n\n> a cow in a field",
  );
  const none = at(HEAD + 'test "x"\n  prompt y\n  expect polish < base|line\n')!;
  assert.equal(
    none.contents,
    "**baseline** · compares `polish` with the same measure on the image generated from this test's baseline prompt.\n\nThis test has no `baseline` prompt: add one.",
  );
});

test('input in an expectation shows the input image it compares with', () => {
  const h = at(HEAD + 'test "x"\n  prompt y\n  input inputs/street.png\n  expect reward(hps) >= |input\n')!;
  assert.deepEqual(h.range, r(5, 24, 29));
  assert.equal(h.contents, "**input** · compares `reward(hps)` with the same measure on this test's input image: `inputs/street.png`");
  const none = at(TEST + '  expect blur >= in|put\n')!;
  assert.ok(none.contents.endsWith('This test has no `input` image: add one.'));
});

// ---- seeds and pass -------------------------------------------------------------------------------------------

test('seeds expand to their count and list', () => {
  const h = at('defaults\n  seeds  |1..4\n')!;
  assert.deepEqual(h.range, r(1, 9, 13));
  assert.equal(h.contents, '4 seeds: 1, 2, 3, 4');
  assert.equal(at('defaults\n  seeds 1, 2, 7..|9\n')!.contents, '5 seeds: 1, 2, 7, 8, 9');
  assert.equal(at('defaults\n  seeds 3..4, 1..3, 3\n|'), undefined, 'past the line');
  assert.equal(at('defaults\n  seeds |3..4, 1..3, 3\n')!.contents, '4 seeds: 1, 2, 3, 4', 'overlaps counted once');
  assert.equal(at('defaults\n  seeds |42\n')!.contents, '1 seed: 42');
  assert.equal(at('defaults\n  seeds |1..100\n')!.contents, '100 seeds: 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, …, 100');
});

test('pass reads as a number of seeds from the effective seeds', () => {
  const own = at('defaults\n  seeds 1..8\n\ntest "x"\n  prompt y\n  seeds 1..4\n  pass |3/4\n')!;
  assert.deepEqual(own.range, r(6, 7, 10));
  assert.equal(own.contents, '3 of 4 seeds (75%) must meet every expectation.');
  const inherited = at('defaults\n  seeds 1..8\n\ntest "x"\n  prompt y\n  pass |75%\n')!;
  assert.equal(inherited.contents, '6 of 8 seeds (75%) must meet every expectation.');
  assert.equal(at('defaults\n  seeds 1..3\n  pass |2/3\n')!.contents, '2 of 3 seeds (66.7%) must meet every expectation.');
  assert.equal(at('defaults\n  seeds 1..5\n  pass |75%\n')!.contents, '4 of 5 seeds (75%) must meet every expectation.', 'rounded up');
  assert.equal(at('defaults\n  seeds 1..4\n  pass |60%\n')!.contents, '3 of 4 seeds (60%) must meet every expectation.', '2.4 seeds round up to 3');
  assert.equal(at('defaults\n  seeds 1..4\n  pass |all\n')!.contents, '4 of 4 seeds (100%) must meet every expectation.');
  assert.equal(
    at('test "x"\n  prompt y\n  pass |3/4\n')!.contents,
    '75% of the seeds must meet every expectation (no `seeds` set here or in defaults).',
  );
});

test('free text, blank space and unknown files have no hover', () => {
  assert.equal(at(HEAD + 'test "x"\n  prompt a gr|ainy cow\n'), undefined);
  assert.equal(at(HEAD + 'test "x"\n  prompt |\n    a gr‸ainy cow\n', { marker: '‸' }), undefined);
  assert.equal(at(HEAD + '|\ntest "x"\n  prompt y\n'), undefined);
  assert.equal(at(TEST + ' | expect grain > 0.5\n'), undefined);
  const ws = new SpecWorkspace(memoryHost({}));
  assert.equal(hover(ws, SPEC, { line: 0, character: 0 }), undefined);
});

test('an enum value shows its alternatives', () => {
  const h = at('judge r\n  kind reward\n  model m.onnx\n  resize |stretch\n')!;
  assert.deepEqual(h.range, r(3, 9, 16));
  assert.equal(h.contents, '`stretch` · one of `shortest`, `stretch`\n\n' + JUDGE_KINDS[2].settings.find((s) => s.key === 'resize')!.doc);
});

// ---- audits ---------------------------------------------------------------------------------------------------

const AUDIT = HEAD + 'audit "reward models on grain" [clarity_and_focus.film_artifacts]\n';

test('audit: the keyword shows the block documentation, a tag the taxonomy, each key its doc', () => {
  const kw = at(HEAD + 'au|dit "x"\n  pairs p.jsonl\n')!;
  assert.deepEqual(kw.range, r(2, 0, 5));
  assert.equal(kw.contents, '**audit** block\n\n' + HEADER_DOCS.audit);
  const tag = at(HEAD + 'audit "x" [clarity_and_focus.film_|artifacts]\n')!;
  assert.ok(tag.contents.startsWith('**clarity_and_focus.film_artifacts** · subcategory of `clarity_and_focus`'));
  const doc = (key: string) => AUDIT_KEYS.find((k) => k.key === key)!.doc;
  assert.equal(at(AUDIT + '  pa|irs p.jsonl\n')!.contents, `**pairs** · audit setting, required · file or folder\n\n${doc('pairs')}`);
  assert.equal(at(AUDIT + '  |judge hps\n')!.contents, `**judge** · audit setting, required · judge name or traits\n\n${doc('judge')}`);
  const min = at(AUDIT + '  min-acc|uracy 0.8\n')!;
  assert.deepEqual(min.range, r(3, 2, 14));
  assert.equal(min.contents, `**min-accuracy** · audit setting · share 0..1 or percentage\n\n${doc('min-accuracy')}`);
});

test('an audited judge: a declared one shows its definition, traits the built-in intent judge', () => {
  const hps = at(AUDIT + '  judge  h|ps\n')!;
  assert.deepEqual(hps.range, r(3, 9, 12));
  assert.equal(hps.contents, HPS_SUMMARY);
  const traits = at(AUDIT + '  judge  tra|its\n')!;
  assert.deepEqual(traits.range, r(3, 9, 15));
  assert.equal(traits.contents, `**traits** · built-in intent judge\n\n${BUILTIN_JUDGE_DOC}`);
  assert.match(traits.contents, /reads the anti-aesthetic prompt/);
  assert.match(traits.contents, /needs no model weights/);
  assert.equal(at(AUDIT + '  judge  nob|ody\n'), undefined, 'an unknown judge');
  assert.equal(at(HEAD + 'defaults\n  aesthetic  tra|its\n'), undefined, 'traits is built in for audits only');
});

test('min-accuracy reads as the share of pairs each judge must get right; a later line overrides', () => {
  const h = at(AUDIT + '  min-accuracy  8|0%\n')!;
  assert.deepEqual(h.range, r(3, 16, 19));
  assert.equal(h.contents, 'Every judge must score the faithful image above the polished one in at least 80% of the pairs (0.8), or the audit fails.');
  const over = at(AUDIT + '  min-accuracy  0.|9\n  min-accuracy  0.75\n')!;
  assert.equal(over.contents, 'Every judge must score the faithful image above the polished one in at least 90% of the pairs (0.9), or the audit fails.\n\n*Overridden by line 5: this line has no effect.*');
  assert.equal(at(AUDIT + '  min-accuracy  1|.5\n'), undefined, 'out of range: the diagnostic says why');
});
