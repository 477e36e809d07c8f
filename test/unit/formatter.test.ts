// The formatter: exact layouts for each rule, edits that reproduce the formatted text, and the safety
// properties on many inputs (handwritten, the repository's examples, and seeded random ones): formatting is
// idempotent, parses back to the same blocks, values, errors and comments, and never needs its fallback.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { format, formatDetailed, formatText, lineEdits, signature } from '../../server/src/language/formatter';
import { parse } from '../../server/src/language/parser';
import { applyEdits, rng } from './helpers/textEdits';
import { mulberry32 } from '../../server/src/generation/degradations';

const two = { tabSize: 2 };
const fmt = (text: string, tabSize = 2) => formatText(text, { tabSize });

/** Checks every safety property on one input and returns the formatted text. */
function checkSafe(text: string, tabSize = 2): string {
  const result = formatDetailed(text, { tabSize });
  assert.equal(result.outcome, 'formatted', `fell back on ${JSON.stringify(text)}`);
  assert.equal(signature(parse(result.text)), signature(parse(text)), `meaning changed for ${JSON.stringify(text)}`);
  assert.equal(formatText(result.text, { tabSize }), result.text, `not idempotent for ${JSON.stringify(text)}`);
  assert.equal(applyEdits(text, format(text, { tabSize })), result.text, `edits differ for ${JSON.stringify(text)}`);
  return result.text;
}

// ---- layout -----------------------------------------------------------------------------------------------

test('formats a messy spec into the layout of the language reference', () => {
  const messy = `# generators and judges shared by every spec in the folder
import   generators.wabi
defaults
 generator sdxl
   seeds 1..4
	size     1024x1024
  pass 3/4
test    grainy cow [clarity_and_focus.film_artifacts]
    prompt A cow stands in a field. Heavy grain fills the frame and makes it hard to resolve.
    baseline  a cow in a field
    expect grain >= 0.6
    expect    grain > baseline + 0.3
    expect polish < baseline
`;
  assert.equal(
    checkSafe(messy),
    `# generators and judges shared by every spec in the folder
import "generators.wabi"

defaults
  generator  sdxl
  seeds      1..4
  size       1024x1024
  pass       3/4

test "grainy cow"  [clarity_and_focus.film_artifacts]
  prompt    A cow stands in a field. Heavy grain fills the frame and makes it hard to resolve.
  baseline  a cow in a field
  expect    grain >= 0.6
  expect    grain > baseline + 0.3
  expect    polish < baseline
`,
  );
});

test('values align per block to the longest key plus two; tabSize sets the indentation', () => {
  const text = `generator oa
  kind openai
  model gpt-image-1
  api-key-env OPENAI_API_KEY
judge clip-l
  kind clip
  image-model i.onnx
`;
  assert.equal(
    checkSafe(text, 4),
    `generator oa
    kind         openai
    model        gpt-image-1
    api-key-env  OPENAI_API_KEY

judge clip-l
    kind         clip
    image-model  i.onnx
`,
  );
  // A key without a value neither pads nor widens the column.
  assert.equal(checkSafe('test "t"\n  prompt    x\n  negative\n'), 'test "t"\n  prompt  x\n  negative\n');
});

test('headers: names and paths quoted, tags normalised, an empty tag list dropped', () => {
  const text = `import a\\b.wabi
test plain name [color_and_tone,clarity_and_focus.film_artifacts]
test "with \\"quotes\\" and [brackets]"   [ color_and_tone ]
test "no tags" []
generator   flux-dev
judge   hps.v3
defaults
`;
  assert.equal(
    checkSafe(text),
    `import "a\\\\b.wabi"

test "plain name"  [color_and_tone, clarity_and_focus.film_artifacts]

test "with \\"quotes\\" and [brackets]"  [color_and_tone]

test "no tags"

generator flux-dev

judge hps.v3

defaults
`,
  );
});

test('| blocks: key and marker, lines one level deeper, blank lines kept once, comments inside', () => {
  const fixed = `test "smeared street"
      prompt   |
          A street at night,
            smeared headlights.


       # a note in the block
         Second paragraph.    # trailing
      negative "sharp, #crisp, in focus"
`;
  assert.equal(
    checkSafe(fixed),
    `test "smeared street"
  prompt |
    A street at night,
    smeared headlights.

    # a note in the block
    Second paragraph. # trailing
  negative  "sharp, #crisp, in focus"
`,
  );
  assert.equal(
    checkSafe(fixed, 4),
    `test "smeared street"
    prompt |
        A street at night,
        smeared headlights.

        # a note in the block
        Second paragraph. # trailing
    negative  "sharp, #crisp, in focus"
`,
  );
  // Lines that are not deeper than the property are not the block's: they stay properties of the test.
  assert.equal(
    checkSafe('test "t"\n    prompt |\n    A street\n  smeared\n'),
    'test "t"\n  prompt |\n  A  street\n  smeared\n',
  );
});

test('| blocks: the marker and its key stay out of the value column', () => {
  assert.equal(
    checkSafe('test "t"\n  negative |\n      no\n  prompt x\n'),
    'test "t"\n  negative |\n    no\n  prompt  x\n',
  );
  assert.equal(checkSafe('generator c\n  kind command\n  run |  # the command\n     x --out {out}\n'), 'generator c\n  kind  command\n  run | # the command\n    x --out {out}\n');
});

test('audits: header canonical like a test, values aligned, repeated judge lines kept in order', () => {
  const messy = `judge hps
    kind reward
    model m.onnx
audit   reward models on grain [clarity_and_focus.film_artifacts,color_and_tone]
    pairs pairs/film.jsonl   # the pairs
  judge hps

	judge traits
    min-accuracy   80%
audit "no tags" []
  judge traits
`;
  const formatted = checkSafe(messy);
  assert.equal(
    formatted,
    `judge hps
  kind   reward
  model  m.onnx

audit "reward models on grain"  [clarity_and_focus.film_artifacts, color_and_tone]
  pairs         pairs/film.jsonl # the pairs
  judge         hps

  judge         traits
  min-accuracy  80%

audit "no tags"
  judge  traits
`,
  );
  assert.equal(fmt(formatted, 4), formatted.replace(/^ {2}(\S+)/gm, '    $1'));
});

test('blank lines: one between blocks, imports written together stay together, runs collapse', () => {
  const text = `

import "a.wabi"
import "b.wabi"


import "c.wabi"
generator g
  kind files


  dir images



test "t"

  prompt x
  # between



`;
  assert.equal(
    checkSafe(text),
    `import "a.wabi"
import "b.wabi"

import "c.wabi"

generator g
  kind  files

  dir   images

test "t"
  prompt  x
  # between
`,
  );
});

test('comments: kept exactly, attached to the block below, indented ones stay with the block above', () => {
  const text = `# file header

#   about g
generator g
  kind files # trailing   comment
    # indented comment, re-indented
# column-0 comment inside the block
  dir images
    #   still g's
# about t
#   and more
test "t"   # header comment
  prompt x
# not attached

# about d
defaults
  seeds 1
`;
  assert.equal(
    checkSafe(text),
    `# file header

#   about g
generator g
  kind  files # trailing   comment
  # indented comment, re-indented
  # column-0 comment inside the block
  dir   images
  #   still g's

# about t
#   and more
test "t" # header comment
  prompt  x
# not attached

# about d
defaults
  seeds  1
`,
  );
});

test('comments between imports written together keep them together', () => {
  assert.equal(checkSafe('import "a.wabi"\n# b is shared\nimport "b.wabi"\ntest "t"\n  prompt x\n'), 'import "a.wabi"\n# b is shared\nimport "b.wabi"\n\ntest "t"\n  prompt  x\n');
});

test('syntax errors: unreadable lines keep their text, headers with errors and unknown blocks are untouched', () => {
  const text = `   stray line before any block
test "unterminated
      prompt x
   ???  not a property
      prompt: also not
bogus   header
     kept   as   is
generator 9bad
    kind files
test "t" [bad tag!]
    expect grain = 0.5
`;
  assert.equal(
    checkSafe(text),
    `   stray line before any block
test "unterminated
  prompt  x
  ???  not a property
  prompt: also not

bogus   header
     kept   as   is

generator 9bad
  kind  files

test "t" [bad tag!]
  expect  grain = 0.5
`,
  );
});

test('a | block is not extended over a following line that did not belong to it', () => {
  // `???` is shallower than the property but deeper than where the formatter puts the block's lines.
  const text = 'test "t"\n      prompt |\n          text\n    ???\n';
  assert.equal(checkSafe(text), 'test "t"\n  prompt |\n    text\n  ???\n');
  const deeper = 'test "t"\n      prompt |\n          text\n         # a comment after\n    prompt2 x\n';
  assert.equal(checkSafe(deeper), 'test "t"\n  prompt |\n    text\n  # a comment after\n  prompt2  x\n');
});

test('line breaks: CRLF kept, a final line break added, an empty file stays empty', () => {
  assert.equal(checkSafe('test "t"\r\n  prompt x\r\ntest "u"\r\n  prompt y'), 'test "t"\r\n  prompt  x\r\n\r\ntest "u"\r\n  prompt  y\r\n');
  assert.equal(checkSafe('defaults'), 'defaults\n');
  assert.equal(checkSafe(''), '');
  assert.equal(checkSafe('\n\n  \n'), '');
  assert.equal(checkSafe('# only a comment   '), '# only a comment\n');
  // A lone \r is a line break (LSP counts it as one): a file written with them keeps them.
  assert.equal(checkSafe('defaults\r'), 'defaults\r');
  assert.equal(checkSafe('defaults  \n\r'), 'defaults\n');
  assert.equal(checkSafe('defaults\rtest "t"\r  prompt p'), 'defaults\r\rtest "t"\r  prompt  p\r');
  assert.deepEqual(format('defaults  \n\r', two), [{ range: rng(0, 0, 0, 2), newText: 'defaults\n' }]);
});

test('tabSize: whole numbers from 1; anything else means 2', () => {
  const text = 'defaults\n seeds 1\n';
  assert.equal(fmt(text, 1), 'defaults\n seeds  1\n');
  assert.equal(fmt(text, 0), 'defaults\n  seeds  1\n');
  assert.equal(fmt(text, Number.NaN), 'defaults\n  seeds  1\n');
  assert.equal(fmt(text, 3.7), 'defaults\n   seeds  1\n');
});

// ---- edits ------------------------------------------------------------------------------------------------

test('format: no edits for a formatted file, one small edit per changed run of lines', () => {
  const formatted = 'import "a.wabi"\n\ndefaults\n  seeds  1..4\n  pass   3/4\n\ntest "t"\n  prompt  x\n';
  assert.deepEqual(format(formatted, two), []);
  const oneLine = formatted.replace('  pass   3/4', '  pass 3/4  ');
  assert.deepEqual(format(oneLine, two), [{ range: rng(4, 0, 0, 5), newText: '  pass   3/4\n' }]);
  const two_places = formatted.replace('import "a.wabi"', 'import a.wabi').replace('  prompt  x', '     prompt x');
  assert.deepEqual(format(two_places, two), [
    { range: rng(0, 0, 0, 1), newText: 'import "a.wabi"\n' },
    { range: rng(7, 0, 0, 8), newText: '  prompt  x\n' },
  ]);
});

test('format: blank lines inserted and removed, and the end of a file without a final newline', () => {
  assert.deepEqual(format('defaults\ntest "t"\n  prompt  x', two), [
    { range: rng(1, 0, 0), newText: '\n' },
    { range: rng(2, 0, 11), newText: '  prompt  x\n' },
  ]);
  assert.deepEqual(format('defaults\n\n\n\ntest "t"\n', two), [{ range: rng(2, 0, 0, 4), newText: '' }]);
});

test('lineEdits reproduces any target text', () => {
  const pairs: [string, string][] = [
    ['', 'a\n'],
    ['a\n', ''],
    ['a\nb\nc\n', 'c\nb\na\n'],
    ['a\r\nb', 'a\r\nb\r\n'],
    ['x\ny\nz', 'x\nz\n'],
    ['1\n2\n3\n4\n5\n', '1\n3\n4\n5\n6\n'],
  ];
  for (const [a, b] of pairs) assert.equal(applyEdits(a, lineEdits(a, b)), b, JSON.stringify([a, b]));
});

// ---- safety -----------------------------------------------------------------------------------------------

test('signature: the safety check sees changed values, names, tags, comments and absorbed lines', () => {
  const base = 'test "t"  [a]\n  prompt |\n    one\n  expect  grain > 0.5 # c\n';
  const sig = signature(parse(base));
  assert.equal(signature(parse('test "t"  [a]\n\n    prompt |\n       one\n    expect grain > 0.5   # c\n')), sig);
  for (const changed of [
    'test "t"  [a]\n  prompt |\n    one\n  expect  grain > 0.6 # c\n',
    'test "u"  [a]\n  prompt |\n    one\n  expect  grain > 0.5 # c\n',
    'test "t"  [b]\n  prompt |\n    one\n  expect  grain > 0.5 # c\n',
    'test "t"  [a]\n  prompt |\n    one\n  expect  grain > 0.5 # d\n',
    'test "t"  [a]\n  prompt |\n    one\n  expect  grain > 0.5\n',
    'test "t"  [a]\n  prompt |\n    one\n     expect  grain > 0.5 # c\n',
    'audit "t"  [a]\n  prompt |\n    one\n  expect  grain > 0.5 # c\n',
  ]) {
    assert.notEqual(signature(parse(changed)), sig, changed);
  }
});

const HANDWRITTEN = [
  'test "t"\n  prompt |\n\n    starts after a blank\n',
  'test "t"\n  prompt |\n',
  'test "t"\n  prompt |\n    # only a comment\n  expect grain > 0.5\n',
  'import "a.wabi"\n   body line of an import\nimport "b.wabi"\n',
  'defaults # c\n  seeds 1..4 # c\n',
  'test "t"\n\tprompt\tC# minor, x#y # real comment\n\texpect\tclip("a # b") > clip(j, "c")\n',
  'test "t"\n  baseline "unterminated # not a comment\n',
  'generator g\n  kind  files\n  # trailing indented\n# attached to nothing\n',
  'test "t"\n  prompt |\n    a\n# col-0 ends the block\n    b\n',
  'judge j\n  mean 0.5, 0.5 0.5\n  std 1 x 2\n',
  'test "t"\n  seeds 4..1, x, -3\n  size 10 x 20\n  pass 200%\n',
  '\ufefftest "bom"\n  prompt x\n',
  'test "t"\n  prompt  x \u00a0\n',
  'test "a"\r\n  prompt |\r\n    x\r\n\r\n    y\r\n',
  '  # indented comment first\n\n   stray\ntest "t"\n',
  'test "t"\n  prompt x\n  \n  \t\n  expect grain > 0.5\n',
  'audit "a"  [clarity_and_focus]\n  pairs p.jsonl # c\n\n  judge hps\n  judge traits\n  min-accuracy 80 %\n',
  'audit\n  pairs p\naudit [x]\n  judge traits\naudit "open [\n  judge j\n',
  'judge traits\n  kind reward\naudit a b [c] # c\n\tjudge\ttraits\n# between\n  min-accuracy 0.8\n',
];

test('safety: handwritten edge cases', () => {
  for (const text of HANDWRITTEN) for (const tabSize of [1, 2, 4]) checkSafe(text, tabSize);
});

function repoRoot(): string | undefined {
  let dir = __dirname;
  for (;;) {
    if (fs.existsSync(path.join(dir, 'docs', 'spec-language.md'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

test('safety: the repository examples and the reference snippets are fixed points or format safely', () => {
  const root = repoRoot();
  assert.ok(root, 'repository root not found');
  const examples = path.join(root, 'examples');
  const files = fs.existsSync(examples) ? fs.readdirSync(examples).filter((f) => f.endsWith('.wabi') && fs.statSync(path.join(examples, f)).isFile()) : [];
  for (const f of files) {
    const text = fs.readFileSync(path.join(examples, f), 'utf8');
    assert.equal(checkSafe(text), text, `examples/${f} is not formatted`);
    checkSafe(text, 4);
  }
  const docs = fs.readFileSync(path.join(root, 'docs', 'spec-language.md'), 'utf8');
  const snippets = [...docs.matchAll(/```wabi\n([\s\S]*?)```/g)].map((m) => m[1]);
  assert.ok(snippets.length >= 2);
  for (const s of snippets) checkSafe(s);
  // The first snippet is a whole spec written in the formatter's layout.
  assert.equal(fmt(snippets[0]), snippets[0]);
});

/** mulberry32, so the random inputs are the same on every run. */
function prng(seed: number) {
  const next = mulberry32(seed);
  return {
    next,
    int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)],
    chance: (p: number) => next() < p,
  };
}

const HEADERS = [
  'import "a.wabi"', 'import b.wabi', 'import "c d.wabi"  # why', 'generator g1', 'generator  flux-dev # x', 'judge j',
  'defaults', 'test "t 1"  [a, b]', 'test t2 [clarity_and_focus,x]', 'test "x', 'bogus', 'prompt x', 'test',
  'generator 9x', 'test "a" [bad!]', 'test "q\\"uote" []', 'test name # c', 'defaults extra', 'test "a [b]" [c]',
  'audit "a"  [clarity_and_focus.film_artifacts]', 'audit b [x,y]', 'audit', 'audit "c" trailing', 'audit "d [e]"',
];
const PROPERTIES = [
  'prompt text # c', 'prompt |', 'prompt |  # c', 'expect grain>=0.5', 'expect  clip("a # b") > clip(j, "c")',
  'seeds 1..4, 9', 'size 1024x1024', 'pass 3/4', 'mean 1 2 3', 'kind clip', 'url http://x', '???', 'prompt: x',
  'baseline "quoted # not comment"', 'negative "unterminated', 'run cmd {out} |', 'run |', 'generator "g1"',
  'expect grain > baseline+0.3', 'key', 'prompt', 'C# minor', 'x#y z', 'prompt "a" b', 'expect grain = 1',
  'pairs pairs/film.jsonl', 'pairs "a b" c', 'judge traits', 'judge hps # c', 'min-accuracy 80%', 'min-accuracy 0.8',
];
const BLOCK_LINES = ['A street at night,', 'smeared # c', '# comment line', 'more text', '"quoted', '|', 'key value'];
const NOISE = ' "#|\t[],.:-x0\\\r';

function randomSpec(seed: number): string {
  const r = prng(seed);
  const lines: string[] = [];
  const n = r.int(0, 30);
  for (let i = 0; i < n; i++) {
    const roll = r.next();
    let line: string;
    if (roll < 0.2) line = r.pick(HEADERS);
    else if (roll < 0.55) line = (r.chance(0.9) ? r.pick(['  ', '    ', ' ', '\t', '   ']) : '') + r.pick(PROPERTIES);
    else if (roll < 0.7) line = r.pick(['    ', '      ', '   ', '  ', '\t\t', '        ', ' ']) + r.pick(BLOCK_LINES);
    else if (roll < 0.82) line = r.pick(['', ' ', '  ', '   ', '    ', '\t', '      ']) + '# comment ' + i;
    else line = r.pick(['', '', '  ', '\t']);
    if (r.chance(0.1)) {
      const at = r.int(0, line.length);
      line = line.slice(0, at) + r.pick([...NOISE]) + line.slice(at + (r.chance(0.5) ? 1 : 0));
    }
    if (r.chance(0.15)) line += r.pick([' ', '  ', '\t', ' \t']);
    lines.push(line);
  }
  const eol = r.chance(0.2) ? '\r\n' : '\n';
  return lines.join(eol) + (r.chance(0.7) ? eol : '');
}

test('safety: 1500 seeded random specs (broken ones included) at three indent widths', () => {
  let changed = 0;
  for (let seed = 1; seed <= 1500; seed++) {
    const text = randomSpec(seed);
    const tabSize = [2, 4, 1][seed % 3];
    if (checkSafe(text, tabSize) !== text) changed++;
  }
  // The generator must exercise the formatter, not hand it finished files.
  assert.ok(changed > 1200, `only ${changed} inputs changed`);
});
