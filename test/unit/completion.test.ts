// Completion on real spec text: every context the language service completes in, with exact labels, ranges,
// insert texts and documentation. File-path completion runs against a real temporary folder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AUDIT_KEYS, BUILTIN_JUDGE_DOC, DEFAULTS_KEYS, GENERATOR_KINDS, HEADER_DOCS, JUDGE_KINDS, MEASURE_FUNCTIONS, TEST_KEYS } from '../../server/src/catalogue/schema';
import { describeTag, TAXONOMY_TAGS } from '../../server/src/catalogue/taxonomy';
import { TRAIT_NAMES, TRAITS, traitInfo, traitMarkdown } from '../../server/src/catalogue/traits';
import { complete } from '../../server/src/language/completion';
import type { CompletionItem } from '../../server/src/language/features';
import { memoryHost, nodeHost } from '../../server/src/files/host';
import { SpecWorkspace } from '../../server/src/language/workspace';
import { cursor } from './helpers/cursor';

const ROOT = path.resolve('/ws');
const SPEC = path.join(ROOT, 'spec.wabi');

const GENERATORS = `generator sdxl
  kind      comfyui
  url       http://127.0.0.1:8188
  workflow  flows/sdxl.json

generator flux
  kind  a1111
  url   http://127.0.0.1:7860

judge clip_l
  kind         clip
  image-model  models/image.onnx
  text-model   models/text.onnx
  tokenizer    models/tokenizer.json

judge laion
  kind     aesthetic
  model    models/head.onnx
  encoder  clip_l

judge hps
  kind   reward
  model  models/hps.onnx

judge pending
`;

/** Completes at the marker in `marked`, the spec importing generators.wabi (plus any `extra` files). */
function run(marked: string, options: { extra?: Record<string, string>; marker?: string } = {}): CompletionItem[] {
  const { text, position } = cursor(marked, options.marker);
  const host = memoryHost({ [path.join(ROOT, 'generators.wabi')]: GENERATORS, [SPEC]: text, ...(options.extra ?? {}) });
  return complete(new SpecWorkspace(host), SPEC, position);
}

const labels = (items: readonly CompletionItem[]) => items.map((i) => i.label);
/** Labels in the order the editor shows them: by sortText, then label. */
const shown = (items: readonly CompletionItem[]) =>
  [...items].sort((a, b) => (a.sortText ?? a.label).localeCompare(b.sortText ?? b.label) || a.label.localeCompare(b.label)).map((i) => i.label);
const r = (line: number, start: number, end: number) => ({ start: { line, character: start }, end: { line, character: end } });
const item = (items: readonly CompletionItem[], label: string) => {
  const found = items.find((i) => i.label === label);
  assert.ok(found, `no item '${label}' in ${JSON.stringify(labels(items))}`);
  return found;
};

const HEAD = 'import "generators.wabi"\n\n';

// ---- block headers --------------------------------------------------------------------------------------------

test('column 0 of an empty line offers the block keywords as snippets', () => {
  const items = run(HEAD + '|\n');
  assert.deepEqual(labels(items), ['import', 'generator', 'judge', 'defaults', 'test', 'audit']);
  assert.deepEqual(shown(items), ['import', 'generator', 'judge', 'defaults', 'test', 'audit']);
  const t = item(items, 'test');
  assert.equal(t.kind, 'keyword');
  assert.equal(t.insertText, 'test "${1:name}"\n  prompt  $2');
  assert.equal(t.snippet, true);
  assert.equal(t.documentation, HEADER_DOCS.test);
  assert.deepEqual(t.range, r(2, 0, 0));
  assert.equal(item(items, 'generator').insertText, 'generator ${1:name}\n  kind  $2');
  assert.equal(item(items, 'judge').insertText, 'judge ${1:name}\n  kind  $2');
  assert.equal(item(items, 'defaults').insertText, 'defaults\n  generator  $1');
  assert.equal(item(items, 'audit').insertText, 'audit "${1:name}"\n  pairs  $2\n  judge  ${3:traits}');
  assert.equal(item(items, 'audit').documentation, HEADER_DOCS.audit);
  const imp = item(items, 'import');
  assert.equal(imp.insertText, 'import "$1"');
  assert.equal(imp.retrigger, true, 'the import snippet reopens completion inside the quotes for the file');
  assert.equal(imp.documentation, HEADER_DOCS.import);
});

test('a keyword typed at column 0 is replaced whole', () => {
  const items = run(HEAD + 'ge|\n');
  assert.deepEqual(item(items, 'generator').range, r(2, 0, 2));
  const mid = run(HEAD + 'te|s\n');
  assert.deepEqual(item(mid, 'test').range, r(2, 0, 3));
});

test('on a header that already has more than the keyword, only the keyword is replaced, with no snippet', () => {
  const items = run(HEAD + 'tes| "grainy"\n  prompt x\n');
  const t = item(items, 'test');
  assert.deepEqual(t.range, r(2, 0, 3));
  assert.equal(t.insertText, 'test');
  assert.equal(t.snippet, undefined);
});

test('a file that has a defaults block is not offered a second one', () => {
  const items = run(HEAD + 'defaults\n  seeds 1..4\n\n|\n');
  assert.deepEqual(labels(items), ['import', 'generator', 'judge', 'test', 'audit']);
});

test('a comment gets no completions', () => {
  assert.deepEqual(run(HEAD + '# a note ab|out tests\n'), []);
  assert.deepEqual(run(HEAD + 'test "x"\n  prompt x\n  # ex|\n'), []);
});

// ---- property keys --------------------------------------------------------------------------------------------

test('an indented line in a test offers the test keys not yet set; expect stays because it repeats', () => {
  const items = run(HEAD + 'test "grainy"\n  prompt a cow\n  expect grain > 0.5\n  |\n');
  const expected = TEST_KEYS.map((k) => k.key).filter((k) => k !== 'prompt');
  assert.deepEqual(labels(items), expected);
  assert.ok(labels(items).includes('expect'));
  const baseline = item(items, 'baseline');
  assert.equal(baseline.kind, 'property');
  assert.equal(baseline.documentation, TEST_KEYS.find((k) => k.key === 'baseline')!.doc);
  assert.equal(baseline.detail, 'free text');
  assert.equal(baseline.insertText, 'baseline ');
  assert.equal(baseline.retrigger, undefined, 'free text has nothing to complete');
  assert.deepEqual(baseline.range, r(5, 2, 2));
  const expect = item(items, 'expect');
  assert.equal(expect.insertText, 'expect ');
  assert.equal(expect.retrigger, true, 'after `expect ` the traits follow');
  assert.equal(item(items, 'steps').detail, 'whole number 1..1000');
  assert.equal(item(items, 'aesthetic').detail, 'aesthetic or reward judge');
});

test('a partly typed key is replaced whole, and the key on the cursor line does not count as present', () => {
  const items = run(HEAD + 'test "grainy"\n  prompt a cow\n  bas|\n');
  assert.deepEqual(item(items, 'baseline').range, r(4, 2, 5));
  const mid = run(HEAD + 'test "grainy"\n  pro|mpt a cow\n');
  const prompt = item(mid, 'prompt');
  assert.deepEqual(prompt.range, r(3, 2, 8));
  assert.equal(prompt.insertText, 'prompt', 'the value is already there: no space added');
  assert.equal(prompt.retrigger, undefined);
});

test('the defaults block offers the run settings not yet set', () => {
  const items = run(HEAD + 'defaults\n  generator sdxl\n  seeds 1..4\n  |\n');
  assert.deepEqual(
    labels(items),
    DEFAULTS_KEYS.map((k) => k.key).filter((k) => k !== 'generator' && k !== 'seeds'),
  );
  assert.deepEqual(labels(items), ['size', 'pass', 'steps', 'guidance', 'aesthetic', 'compare']);
});

test('a generator without a kind is offered only `kind`', () => {
  const items = run(HEAD + 'generator mine\n  |\n');
  assert.deepEqual(labels(items), ['kind']);
  const kind = items[0];
  assert.equal(kind.detail, 'required · generator kind');
  assert.equal(kind.documentation, 'What kind of backend makes the images.');
  assert.equal(kind.insertText, 'kind ');
  assert.equal(kind.retrigger, true);
});

test('a generator with a kind is offered that kind\'s settings, required ones marked and first', () => {
  const items = run(HEAD + 'generator mine\n  kind comfyui\n  timeout 90s\n  |\n');
  assert.deepEqual(labels(items), ['url', 'workflow', 'retries', 'concurrency']);
  assert.deepEqual(shown(items), ['url', 'workflow', 'retries', 'concurrency']);
  const url = item(items, 'url');
  assert.equal(url.detail, 'required · URL [concurrency N], one line per endpoint');
  assert.equal(
    url.documentation,
    'Base URL of the ComfyUI server, e.g. `http://127.0.0.1:8188`. Repeat the line for a pool of servers that serve the same models: requests go to the endpoint with the most free capacity, an endpoint that fails (refused, 5xx, timed out) is left out for a while and its requests move to another. `url http://127.0.0.1:8188 concurrency 2` lets one endpoint make 2 images at once.\n\n*Setting of the `comfyui` generator kind.*',
  );
  assert.equal(item(items, 'retries').detail, 'whole number 0..20');
  assert.ok(url.sortText! < item(items, 'retries').sortText!);
});

test('a pool: url is offered again once present, and after a URL comes its own concurrency', () => {
  const pool = 'generator mine\n  kind comfyui\n  workflow flows/sdxl.json\n  url http://gpu-1:8188\n';
  assert.ok(labels(run(HEAD + pool + '  |\n')).includes('url'), 'another endpoint');
  assert.ok(!labels(run(HEAD + pool + '  |\n')).includes('workflow'));
  const after = run(HEAD + pool + '  url http://gpu-2:8188 co|\n');
  assert.deepEqual(labels(after), ['concurrency']);
  const c = item(after, 'concurrency');
  assert.equal(c.insertText, 'concurrency ');
  assert.equal(c.detail, 'whole number 1..64');
  assert.deepEqual(c.range, r(6, 24, 26));
  assert.match(c.documentation!, /`url http:\/\/gpu-2:8188 concurrency 2`/);
  assert.deepEqual(labels(run(HEAD + pool + '  url http://gpu-2:8188 |\n')), ['concurrency']);
  assert.deepEqual(labels(run(HEAD + pool + '  url http://gpu-2:8188 concurrency |\n')), [], 'a number comes next');
  assert.deepEqual(labels(run(HEAD + pool + '  url |\n')), ['http://127.0.0.1:8188'], 'before the URL: the default address');
});

test('required settings sort before optional ones even when the schema lists them later', () => {
  const items = run(HEAD + 'generator mine\n  kind openai\n  |\n');
  assert.deepEqual(labels(items), ['url', 'model', 'api-key-env', 'quality', 'timeout', 'retries', 'concurrency']);
  assert.deepEqual(shown(items), ['model', 'url', 'api-key-env', 'quality', 'timeout', 'retries', 'concurrency']);
  assert.equal(item(items, 'model').detail, 'required · text');
  assert.equal(item(items, 'quality').detail, 'one of low, medium, high, auto, standard, hd');
});

test('a judge with a kind is offered manifest and that kind\'s settings', () => {
  const items = run(HEAD + 'judge mine\n  kind clip\n  image-model m.onnx\n  |\n');
  assert.deepEqual(labels(items), ['manifest', 'text-model', 'tokenizer', 'size', 'mean', 'std']);
  assert.equal(item(items, 'tokenizer').detail, 'required · file');
  assert.equal(item(items, 'size').detail, 'whole number 16..4096');
  const reward = run(HEAD + 'judge mine\n  kind reward\n  |\n');
  assert.deepEqual(labels(reward), ['manifest', 'model', 'tokenizer', 'resize', 'crop', 'size', 'mean', 'std']);
  const aesthetic = run(HEAD + 'judge mine\n  kind aesthetic\n  |\n');
  assert.equal(item(aesthetic, 'encoder').detail, 'required · clip judge');
});

test('an import has no body and an indented line before any block completes nothing', () => {
  assert.deepEqual(run('import "generators.wabi"\n  |\n'), []);
  assert.deepEqual(run('  |\ntest "x"\n  prompt y\n'), []);
});

test('the lines of a `|` prompt block are prose, not keys', () => {
  const marker = '‸';
  assert.deepEqual(run(HEAD + 'test "smeared"\n  prompt |\n    A street at night,\n    smeared ‸lights\n', { marker }), []);
  // A blank line indented under the `|` continues the block; one at the property's depth starts a new key.
  assert.deepEqual(run(HEAD + 'test "smeared"\n  prompt |\n    A street at night,\n    ‸\n', { marker }), []);
  const keys = run(HEAD + 'test "smeared"\n  prompt |\n    A street at night,\n  ‸\n', { marker });
  assert.ok(labels(keys).includes('baseline'));
  assert.ok(!labels(keys).includes('prompt'));
});

test('free-text values and unknown keys complete nothing', () => {
  assert.deepEqual(run(HEAD + 'test "x"\n  prompt a cow |\n'), []);
  assert.deepEqual(run(HEAD + 'test "x"\n  prompt a cow\n  colour |\n'), []);
  assert.deepEqual(run(HEAD + 'defaults\n  expect |\n'), [], 'expect is not a defaults key');
});

// ---- kinds and names ------------------------------------------------------------------------------------------

test('after `kind ` in a generator: the generator kinds with their docs', () => {
  const items = run(HEAD + 'generator mine\n  kind |\n');
  assert.deepEqual(labels(items), GENERATOR_KINDS.map((k) => k.kind));
  assert.deepEqual(labels(items), ['files', 'degrade', 'comfyui', 'a1111', 'openai', 'command']);
  const comfy = item(items, 'comfyui');
  assert.equal(comfy.kind, 'kind');
  assert.equal(comfy.detail, 'generator kind');
  assert.ok(comfy.documentation!.includes(GENERATOR_KINDS[2].doc));
  assert.ok(comfy.documentation!.includes('`url`*, `workflow`*'));
  assert.deepEqual(comfy.range, r(3, 7, 7));
});

test('after `kind ` in a judge: the judge kinds; a partial kind is replaced whole', () => {
  const items = run(HEAD + 'judge mine\n  kind  cl|i\n');
  assert.deepEqual(labels(items), JUDGE_KINDS.map((k) => k.kind));
  assert.deepEqual(labels(items), ['clip', 'aesthetic', 'reward']);
  assert.deepEqual(item(items, 'clip').range, r(3, 8, 11));
  assert.ok(item(items, 'reward').documentation!.startsWith('**reward** · judge kind\n\n' + JUDGE_KINDS[2].doc));
});

test('after `generator ` in defaults and tests: the visible generators with kind and file', () => {
  const items = run(HEAD + 'defaults\n  generator |\n');
  assert.deepEqual(labels(items), ['sdxl', 'flux']);
  const sdxl = item(items, 'sdxl');
  assert.equal(sdxl.kind, 'generator');
  assert.equal(sdxl.detail, 'comfyui · generators.wabi');
  assert.ok(sdxl.documentation!.includes('generator sdxl\n  kind      comfyui'));
  assert.ok(sdxl.documentation!.endsWith('Defined in `generators.wabi`, line 1.'));
  const inTest = run(HEAD + 'generator local\n  kind files\n\ntest "x"\n  images a.png\n  generator fl|\n');
  assert.deepEqual(labels(inTest), ['local', 'sdxl', 'flux'], 'own definitions, then imported ones');
  assert.deepEqual(shown(inTest), ['flux', 'local', 'sdxl']);
  assert.equal(item(inTest, 'local').detail, 'files · spec.wabi');
  assert.deepEqual(item(inTest, 'flux').range, r(7, 12, 14));
});

test('after `aesthetic ` in defaults: aesthetic and reward judges; a judge with no kind yet sorts last', () => {
  const items = run(HEAD + 'defaults\n  aesthetic |\n');
  assert.deepEqual(labels(items), ['laion', 'hps', 'pending']);
  assert.deepEqual(shown(items), ['hps', 'laion', 'pending']);
  assert.equal(item(items, 'hps').detail, 'reward · generators.wabi');
  assert.equal(item(items, 'pending').detail, 'no kind · generators.wabi');
  assert.equal(item(items, 'laion').kind, 'judge');
});

test('after `encoder ` in an aesthetic judge: clip judges only', () => {
  const items = run(HEAD + 'judge head\n  kind aesthetic\n  encoder |\n');
  assert.deepEqual(labels(items), ['clip_l', 'pending']);
  assert.deepEqual(shown(items), ['clip_l', 'pending']);
});

// ---- expectations ---------------------------------------------------------------------------------------------

const TEST = HEAD + 'test "grainy"\n  prompt a grainy cow\n  baseline a cow\n';
const EXPECT_LINE = 5;

test('at the measure position: every trait, then clip/aesthetic/reward snippets', () => {
  const items = run(TEST + '  expect |\n');
  assert.deepEqual(labels(items), [...TRAIT_NAMES, 'clip("…")', 'aesthetic(…)', 'reward(…)']);
  assert.deepEqual(shown(items).slice(-3), ['clip("…")', 'aesthetic(…)', 'reward(…)']);
  const grain = item(items, 'grain');
  assert.equal(grain.kind, 'trait');
  assert.equal(grain.documentation, traitMarkdown(traitInfo('grain')!));
  assert.equal(grain.detail, traitInfo('grain')!.meaning);
  assert.deepEqual(grain.range, r(EXPECT_LINE, 9, 9));
  for (const t of TRAITS) assert.equal(item(items, t.name).documentation, traitMarkdown(t));
  const clip = item(items, 'clip("…")');
  assert.equal(clip.kind, 'function');
  assert.equal(clip.insertText, 'clip("$1")');
  assert.equal(clip.snippet, true);
  assert.equal(clip.documentation, MEASURE_FUNCTIONS.clip.doc);
  const reward = item(items, 'reward(…)');
  assert.equal(reward.insertText, 'reward($1)');
  assert.equal(reward.retrigger, true, 'the judge names follow inside the parentheses');
  assert.equal(item(items, 'aesthetic(…)').insertText, 'aesthetic($1)');
});

test('a trait typed up to its dash is replaced whole, including the rest of the word after the cursor', () => {
  const typed = run(TEST + '  expect motion-b|\n');
  assert.deepEqual(item(typed, 'motion-blur').range, r(EXPECT_LINE, 9, 17));
  const dash = run(TEST + '  expect motion-|\n');
  assert.deepEqual(item(dash, 'motion-blur').range, r(EXPECT_LINE, 9, 16));
  const middle = run(TEST + '  expect motion-b|lur >= 0.5\n');
  assert.deepEqual(item(middle, 'motion-blur').range, r(EXPECT_LINE, 9, 20));
  const beforeDash = run(TEST + '  expect motion|-blur >= 0.5\n');
  assert.deepEqual(item(beforeDash, 'motion-blur').range, r(EXPECT_LINE, 9, 20));
});

test('a function name followed by its arguments is replaced by the bare name', () => {
  const items = run(TEST + '  expect rew|ard(hps) < 3\n');
  const reward = item(items, 'reward(…)');
  assert.equal(reward.insertText, 'reward');
  assert.equal(reward.snippet, undefined);
  assert.deepEqual(reward.range, r(EXPECT_LINE, 9, 15));
});

test('after a measure: the comparison operators', () => {
  const items = run(TEST + '  expect grain |\n');
  assert.deepEqual(labels(items), ['<', '<=', '>', '>=']);
  const ge = item(items, '>=');
  assert.equal(ge.detail, 'at least');
  assert.equal(ge.insertText, '>= ');
  assert.equal(ge.retrigger, true);
  assert.deepEqual(ge.range, r(EXPECT_LINE, 15, 15));
  const partial = run(TEST + '  expect grain >|\n');
  assert.deepEqual(item(partial, '>=').range, r(EXPECT_LINE, 15, 16));
  const afterCall = run(TEST + '  expect reward(hps) |\n');
  assert.deepEqual(labels(afterCall), ['<', '<=', '>', '>=']);
  const before = run(TEST + '  expect grain |0.5\n');
  assert.equal(item(before, '<').insertText, '<', 'text follows: no space added');
});

test('after an operator: baseline and input, the one the test lacks sorted lower', () => {
  const items = run(TEST + '  expect grain > |\n');
  assert.deepEqual(labels(items), ['baseline', 'input']);
  const baseline = item(items, 'baseline');
  assert.equal(baseline.detail, 'baseline: a cow');
  assert.equal(item(items, 'input').detail, 'this test has no input image');
  assert.ok(baseline.sortText! < item(items, 'input').sortText!);
  assert.deepEqual(baseline.range, r(EXPECT_LINE, 17, 17));
  const inputOnly = run(HEAD + 'test "x"\n  prompt a cow\n  input cow.png\n  expect blur >= inp|\n');
  assert.deepEqual(shown(inputOnly), ['input', 'baseline']);
  assert.equal(item(inputOnly, 'input').detail, 'input: cow.png');
  assert.deepEqual(item(inputOnly, 'input').range, r(5, 17, 20));
});

test('after an operator on a judge measure: also the judge measures', () => {
  const items = run(TEST + '  expect clip("rotten fruit") > |\n');
  assert.deepEqual(labels(items), ['baseline', 'input', 'clip("…")', 'aesthetic(…)', 'reward(…)']);
  assert.deepEqual(shown(items), ['baseline', 'clip("…")', 'aesthetic(…)', 'reward(…)', 'input']);
  const traitLhs = run(TEST + '  expect grain > b|\n');
  assert.deepEqual(labels(traitLhs), ['baseline', 'input']);
});

test('numbers and margins complete nothing', () => {
  assert.deepEqual(run(TEST + '  expect grain > 0.|\n'), []);
  assert.deepEqual(run(TEST + '  expect grain > baseline + |\n'), []);
  assert.deepEqual(run(TEST + '  expect 0.|\n'), []);
});

test('inside reward( and aesthetic(: judge names of that kind', () => {
  const items = run(TEST + '  expect reward(|\n');
  assert.deepEqual(labels(items), ['hps']);
  const hps = items[0];
  assert.equal(hps.kind, 'judge');
  assert.equal(hps.insertText, 'hps)');
  assert.deepEqual(hps.range, r(EXPECT_LINE, 16, 16));
  const closed = run(TEST + '  expect aesthetic(la|) < baseline\n');
  assert.deepEqual(labels(closed), ['laion']);
  assert.equal(closed[0].insertText, undefined, 'the `)` is there already');
  assert.deepEqual(closed[0].range, r(EXPECT_LINE, 19, 21));
  const comparand = run(TEST + '  expect clip("x") > reward(|\n');
  assert.deepEqual(labels(comparand), ['hps']);
  assert.deepEqual(run(TEST + '  expect reward(hps, |\n'), [], 'one judge only');
});

test('inside clip( before the text: clip judge names, completed with the text to follow', () => {
  const items = run(TEST + '  expect clip(|\n');
  assert.deepEqual(labels(items), ['clip_l']);
  assert.equal(items[0].insertText, 'clip_l, "$1")');
  assert.equal(items[0].snippet, true);
  const paren = run(TEST + '  expect clip(|)\n');
  assert.equal(paren[0].insertText, 'clip_l, "$1"');
  const beforeText = run(TEST + '  expect clip(|"rotten fruit") > 0.2\n');
  assert.equal(beforeText[0].insertText, 'clip_l, ');
  assert.equal(beforeText[0].snippet, undefined);
  assert.deepEqual(beforeText[0].range, r(EXPECT_LINE, 14, 14));
  const partial = run(TEST + '  expect clip(cl|, "rotten")\n');
  assert.equal(partial[0].insertText, undefined);
  assert.deepEqual(partial[0].range, r(EXPECT_LINE, 14, 16));
});

test('inside the clip text and after it: nothing', () => {
  assert.deepEqual(run(TEST + '  expect clip("rot|\n'), []);
  assert.deepEqual(run(TEST + '  expect clip(clip_l, "rot|ten")\n'), []);
  assert.deepEqual(run(TEST + '  expect clip(clip_l, |\n'), []);
  assert.deepEqual(run(TEST + '  expect clip("a", |\n'), []);
});

// ---- tags -----------------------------------------------------------------------------------------------------

test('after `[` in a test header: the taxonomy tags with their descriptions', () => {
  const items = run(HEAD + 'test "grainy" [|\n  prompt x\n');
  assert.deepEqual(labels(items), [...TAXONOMY_TAGS]);
  const film = item(items, 'clarity_and_focus.film_artifacts');
  assert.equal(film.kind, 'tag');
  assert.equal(film.detail, 'subcategory of clarity_and_focus');
  assert.equal(
    film.documentation,
    describeTag('clarity_and_focus.film_artifacts') + '\n\n*clarity_and_focus:* Deliberate loss of sharpness, detail or technical cleanliness.',
  );
  const cat = item(items, 'color_and_tone');
  assert.equal(cat.detail, 'category');
  assert.equal(cat.documentation, describeTag('color_and_tone'));
  assert.deepEqual(film.range, r(2, 15, 15));
});

test('after `,` in the tag list: the tags not yet used; a partial tag with dots and underscores is replaced whole', () => {
  const items = run(HEAD + 'test "grainy" [clarity_and_focus.film_artifacts, |]\n  prompt x\n');
  assert.equal(items.length, TAXONOMY_TAGS.length - 1);
  assert.ok(!labels(items).includes('clarity_and_focus.film_artifacts'));
  const partial = run(HEAD + 'test "faded" [color_and_tone.mu|ted]\n  prompt x\n');
  assert.deepEqual(item(partial, 'color_and_tone.muted_faded').range, r(2, 14, 34));
  assert.ok(labels(partial).includes('color_and_tone.muted_faded'), 'the tag being edited is not excluded');
  const unquoted = run(HEAD + 'test grainy cow [ |\n  prompt x\n');
  assert.equal(unquoted.length, TAXONOMY_TAGS.length);
});

test('in a test header outside the tag list: nothing', () => {
  assert.deepEqual(run(HEAD + 'test "grainy [|\n'), [], 'a [ inside the quoted name');
  assert.deepEqual(run(HEAD + 'test "grainy" [grain]|\n'), []);
  assert.deepEqual(run(HEAD + 'test "grainy" |\n'), []);
  assert.deepEqual(run(HEAD + 'test "grainy" [clarity_and_focus |\n'), [], 'a tag needs a comma before the next');
  assert.deepEqual(run(HEAD + 'generator |\n'), []);
});

// ---- value lists ----------------------------------------------------------------------------------------------

test('enum values: resize, crop and quality', () => {
  const resize = run(HEAD + 'judge r\n  kind reward\n  resize |\n');
  assert.deepEqual(labels(resize), ['shortest', 'stretch']);
  assert.equal(resize[0].kind, 'value');
  assert.equal(resize[0].detail, 'resize');
  const crop = run(HEAD + 'judge r\n  kind reward\n  crop c|\n');
  assert.deepEqual(labels(crop), ['center', 'none']);
  assert.deepEqual(crop[0].range, r(4, 7, 8));
  const quality = run(HEAD + 'generator g\n  kind openai\n  quality |\n');
  assert.deepEqual(labels(quality), ['low', 'medium', 'high', 'auto', 'standard', 'hd']);
  assert.deepEqual(run(HEAD + 'generator g\n  kind a1111\n  quality |\n'), [], 'quality is no a1111 setting');
});

test('pass suggestions replace the whole value', () => {
  const items = run(HEAD + 'defaults\n  pass |\n');
  assert.deepEqual(labels(items), ['3/4', '75%', 'all', '1/2']);
  assert.equal(items[0].detail, 'pass rate');
  const typed = run(HEAD + 'test "x"\n  prompt y\n  pass 3/|\n');
  assert.deepEqual(item(typed, '3/4').range, r(4, 7, 9));
});

test('size suggestions for runs; encoder sizes for judges', () => {
  const items = run(HEAD + 'defaults\n  size 10|\n');
  assert.deepEqual(labels(items).slice(0, 3), ['512x512', '768x768', '1024x1024']);
  assert.ok(labels(items).every((l) => /^\d+x\d+$/.test(l)));
  assert.deepEqual(item(items, '1024x1024').range, r(3, 7, 9));
  const judge = run(HEAD + 'judge c\n  kind clip\n  size |\n');
  assert.deepEqual(labels(judge), ['224', '336', '384', '448', '512']);
});

test('timeouts, the API key variable and the default URL of a backend', () => {
  assert.deepEqual(labels(run(HEAD + 'generator g\n  kind comfyui\n  timeout |\n')), ['30s', '90s', '2m', '5m']);
  assert.deepEqual(labels(run(HEAD + 'generator g\n  kind openai\n  api-key-env |\n')), ['OPENAI_API_KEY']);
  const url = run(HEAD + 'generator g\n  kind comfyui\n  url http:|\n');
  assert.deepEqual(labels(url), ['http://127.0.0.1:8188']);
  assert.deepEqual(url[0].range, r(4, 6, 11));
  assert.deepEqual(labels(run(HEAD + 'generator g\n  kind openai\n  url |\n')), ['https://api.openai.com/v1']);
  assert.deepEqual(run(HEAD + 'generator g\n  kind comfyui\n  retries |\n'), []);
});

test('CRLF line ends: the line is read without its \\r, so ranges stop at the content', () => {
  const items = run(TEST.replace(/\n/g, '\r\n') + '  expect motion-b|\r\n');
  assert.deepEqual(item(items, 'motion-blur').range, r(EXPECT_LINE, 9, 17));
  const keys = run('test "x"\r\n  prompt y\r\n  neg|\r\n');
  assert.deepEqual(item(keys, 'negative').range, r(2, 2, 5));
  assert.equal(item(keys, 'negative').insertText, 'negative ');
});

test('a file that is not open or on disk completes nothing', () => {
  const ws = new SpecWorkspace(memoryHost({}));
  assert.deepEqual(complete(ws, SPEC, { line: 0, character: 0 }), []);
  const { text, position } = cursor('|test "x"\n  prompt y\n');
  ws.setDocument(SPEC, text);
  assert.deepEqual(complete(ws, SPEC, { line: 40, character: 0 }), []);
  assert.deepEqual(labels(complete(ws, SPEC, position)), ['import', 'generator', 'judge', 'defaults', 'test', 'audit']);
});

// ---- file paths (a real folder) --------------------------------------------------------------------------------

function tempProject(): { dir: string; spec: string; ws: SpecWorkspace; at: (marked: string) => CompletionItem[] } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wabi-completion-'));
  const files = [
    'gens.wabi',
    'shared/judges.wabi',
    'shared/readme.md',
    'inputs/street.png',
    'inputs/cow.JPG',
    'inputs/notes.txt',
    'models/clip/image.onnx',
    'models/clip/tokenizer.json',
    'models/head.onnx',
    'flows/sdxl.json',
    'flows/sdxl.png',
    '.hidden.wabi',
  ];
  for (const f of files) {
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    fs.writeFileSync(path.join(dir, f), f.endsWith('.wabi') ? 'judge x\n  kind clip\n' : 'x');
  }
  const spec = path.join(dir, 'main.wabi');
  const ws = new SpecWorkspace(nodeHost);
  return {
    dir,
    spec,
    ws,
    at(marked) {
      const { text, position } = cursor(marked);
      fs.writeFileSync(spec, text);
      ws.invalidate(spec);
      return complete(ws, spec, position);
    },
  };
}

test('file paths: import offers folders and .wabi files, never the spec itself or hidden files', (t) => {
  const p = tempProject();
  t.after(() => fs.rmSync(p.dir, { recursive: true, force: true }));
  const items = p.at('import "|"\n');
  assert.deepEqual(shown(items), ['flows/', 'inputs/', 'models/', 'shared/', 'gens.wabi']);
  const folder = item(items, 'shared/');
  assert.equal(folder.kind, 'folder');
  assert.equal(folder.insertText, 'shared/');
  assert.equal(folder.retrigger, true);
  assert.deepEqual(folder.range, r(0, 8, 8));
  assert.equal(item(items, 'gens.wabi').kind, 'file');
  const inside = p.at('import "shared/ju|"\n');
  assert.deepEqual(labels(inside), ['judges.wabi']);
  assert.deepEqual(inside[0].range, r(0, 15, 17));
  const dot = p.at('import "./sha|"\n');
  assert.deepEqual(item(dot, 'shared/').range, r(0, 10, 13));
  assert.deepEqual(labels(p.at('import "gens.wabi"|\n')), [], 'after the closing quote');
});

test('file paths: input and images offer images; models .onnx; tokenizer, workflow and manifest .json; dir folders', (t) => {
  const p = tempProject();
  t.after(() => fs.rmSync(p.dir, { recursive: true, force: true }));
  const gens = 'generator g\n  kind comfyui\n  url http://x\n';
  assert.deepEqual(labels(p.at('test "x"\n  prompt y\n  input inputs/|\n')).sort(), ['cow.JPG', 'street.png']);
  assert.deepEqual(labels(p.at('test "x"\n  images inputs/|\n')).sort(), ['cow.JPG', 'street.png']);
  assert.deepEqual(labels(p.at('test "x"\n  images inputs/*.png|\n')), [], 'a glob is not a folder to list');
  const models = p.at('judge j\n  kind clip\n  image-model models/|\n');
  assert.deepEqual(shown(models), ['clip/', 'head.onnx']);
  assert.deepEqual(labels(p.at('judge j\n  kind clip\n  image-model models/clip/|\n')), ['image.onnx']);
  assert.deepEqual(labels(p.at('judge j\n  kind clip\n  tokenizer models/clip/|\n')), ['tokenizer.json']);
  assert.deepEqual(labels(p.at('judge j\n  kind reward\n  manifest models/clip/|\n')), ['tokenizer.json']);
  assert.deepEqual(labels(p.at(gens + '  workflow flows/|\n')), ['sdxl.json']);
  assert.deepEqual(shown(p.at('generator g\n  kind files\n  dir |\n')), ['flows/', 'inputs/', 'models/', 'shared/']);
  assert.deepEqual(shown(p.at('generator g\n  kind command\n  run x {out}\n  cwd m|\n')), ['flows/', 'inputs/', 'models/', 'shared/']);
  assert.deepEqual(labels(p.at('generator g\n  kind degrade\n  input inputs/s|\n')).sort(), ['cow.JPG', 'street.png']);
  assert.deepEqual(p.at('generator g\n  kind a1111\n  model |\n'), [], 'an a1111 model is a checkpoint name, not a file');
});

// ---- audits ---------------------------------------------------------------------------------------------------

test('an indented line in an audit offers its keys, required first; judge stays because it repeats', () => {
  const items = run(HEAD + 'audit "a"\n  pairs p.jsonl\n  judge hps\n  |\n');
  assert.deepEqual(labels(items), ['judge', 'min-accuracy']);
  assert.deepEqual(shown(run(HEAD + 'audit "a"\n  |\n')), ['pairs', 'judge', 'min-accuracy']);
  const judge = item(items, 'judge');
  assert.equal(judge.detail, 'required · judge name or traits');
  assert.equal(judge.documentation, AUDIT_KEYS.find((k) => k.key === 'judge')!.doc);
  assert.equal(judge.retrigger, true, 'a judge name follows');
  assert.equal(item(items, 'min-accuracy').detail, 'share 0..1 or percentage');
  assert.equal(item(run(HEAD + 'audit "a"\n  |\n'), 'pairs').detail, 'required · file or folder');
});

test('after `judge ` in an audit: the built-in traits first, then every visible judge of any kind, less those already named', () => {
  const items = run(HEAD + 'audit "a"\n  pairs p.jsonl\n  judge |\n');
  assert.deepEqual(shown(items), ['traits', 'clip_l', 'hps', 'laion', 'pending']);
  const traits = item(items, 'traits');
  assert.equal(traits.kind, 'judge');
  assert.equal(traits.detail, 'built-in intent judge · no weights');
  assert.equal(traits.documentation, BUILTIN_JUDGE_DOC);
  assert.deepEqual(traits.range, r(4, 8, 8));
  assert.equal(item(items, 'hps').detail, 'reward · generators.wabi');
  const partial = run(HEAD + 'audit "a"\n  judge traits\n  judge h|ps\n  judge laion\n');
  assert.deepEqual(shown(partial), ['clip_l', 'hps', 'pending'], 'traits and laion are already audited; the line being edited does not count');
  assert.deepEqual(item(partial, 'hps').range, r(4, 8, 11));
  assert.deepEqual(run(HEAD + 'test "t"\n  prompt p\n  judge |\n'), [], 'a test has no judge key');
});

test('after `[` in an audit header: the taxonomy tags', () => {
  const items = run(HEAD + 'audit "reward [models]" [clarity_and_focus.film_artifacts, |]\n');
  assert.equal(items.length, TAXONOMY_TAGS.length - 1);
  assert.ok(!labels(items).includes('clarity_and_focus.film_artifacts'));
  assert.deepEqual(item(items, 'color_and_tone').range, r(2, 59, 59));
  assert.deepEqual(run(HEAD + 'audit "reward [mo|dels]"\n'), [], 'a [ inside the quoted name is no tag list');
});

test('file paths: pairs offers folders and .jsonl files', (t) => {
  const p = tempProject();
  t.after(() => fs.rmSync(p.dir, { recursive: true, force: true }));
  fs.mkdirSync(path.join(p.dir, 'pairs'));
  for (const f of ['film.jsonl', 'notes.json', 'a_orig.jpg']) fs.writeFileSync(path.join(p.dir, 'pairs', f), 'x');
  assert.deepEqual(shown(p.at('audit "a"\n  pairs |\n')), ['flows/', 'inputs/', 'models/', 'pairs/', 'shared/']);
  const inside = p.at('audit "a"\n  pairs pairs/f|\n');
  assert.deepEqual(labels(inside), ['film.jsonl']);
  assert.deepEqual(inside[0].range, r(1, 14, 15));
});

// ---- speed --------------------------------------------------------------------------------------------------

test('completion on a large spec reuses the analysis: a request costs well under 10 ms', () => {
  const tests: string[] = [];
  for (let i = 0; i < 5000; i++) {
    tests.push(`test "t${i}" [clarity_and_focus.film_artifacts]\n  prompt grainy cow ${i}\n  baseline a cow\n  seeds 1..4\n  expect grain >= 0.6\n  expect polish < baseline\n`);
  }
  const text = HEAD + tests.join('\n');
  const lines = text.split('\n').length;
  assert.ok(lines > 35_000, `${lines} lines`);
  const ws = new SpecWorkspace(memoryHost({ [path.join(ROOT, 'generators.wabi')]: GENERATORS, [SPEC]: text }));
  ws.analyze(SPEC);
  const line = lines - 2; // `  expect polish < baseline` of the last test (the text ends with a newline)
  const position = { line, character: 12 };
  complete(ws, SPEC, position); // builds the line table once
  const rounds = 50;
  const start = process.hrtime.bigint();
  let items: CompletionItem[] = [];
  for (let k = 0; k < rounds; k++) items = complete(ws, SPEC, position);
  const ms = Number(process.hrtime.bigint() - start) / 1e6 / rounds;
  assert.equal(items.length, TRAIT_NAMES.length + 3);
  assert.deepEqual(item(items, 'polish').range, r(line, 9, 15));
  assert.ok(ms < 10, `${ms.toFixed(2)} ms per completion`);
});
