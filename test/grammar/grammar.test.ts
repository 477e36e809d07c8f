// Tests for the TextMate grammar (syntaxes/wabi.tmLanguage.json) and the editor configuration
// (language-configuration.json).
//
// The grammar is run through the real engine VS Code uses: vscode-textmate with the Oniguruma regex library
// from vscode-oniguruma (node_modules/vscode-oniguruma/release/onig.wasm). Each test tokenizes real spec text
// and asserts the exact innermost scope of chosen tokens, and that the token has exactly the expected text,
// so a rule that matches too much or too little fails. The catalogue-sync tests keep the grammar's hand-written
// word lists (traits, kinds, keys...) equal to server/src/catalogue, since a JSON grammar cannot import them.
//
// Build and run: `npm run build && node --test out/test/grammar/grammar.test.js`, or while developing
// `npx esbuild test/grammar/grammar.test.ts --bundle --platform=node --format=cjs --outdir=out/test/grammar
//  --external:vscode-textmate --external:vscode-oniguruma`. Paths are resolved from the repository root, found
// by walking up from this file to the package.json named "wabi".
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vsctm from 'vscode-textmate';
import * as oniguruma from 'vscode-oniguruma';
import { TRAIT_NAMES } from '../../server/src/catalogue/traits';
import {
  AUDIT_KEYS,
  BUILTIN_JUDGE,
  DEFAULTS_KEYS,
  GENERATOR_KINDS,
  HEADER_KEYWORDS,
  JUDGE_KINDS,
  MANIFEST_KEY,
  MEASURE_FUNCTIONS,
  SECRET_KEYS,
  TEST_KEYS,
  type KeySpec,
} from '../../server/src/catalogue/schema';

// ---- harness ------------------------------------------------------------------------------------------

function findRoot(): string {
  let dir = __dirname;
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg) && JSON.parse(fs.readFileSync(pkg, 'utf8')).name === 'wabi') return dir;
    const up = path.dirname(dir);
    if (up === dir) return path.resolve(__dirname, '../../..');
    dir = up;
  }
}

const ROOT = findRoot();
const GRAMMAR_PATH = path.join(ROOT, 'syntaxes', 'wabi.tmLanguage.json');
const LANGUAGE_CONFIGURATION_PATH = path.join(ROOT, 'language-configuration.json');
const RAW_GRAMMAR = JSON.parse(fs.readFileSync(GRAMMAR_PATH, 'utf8'));

interface Tok {
  readonly text: string;
  readonly start: number;
  readonly scopes: readonly string[];
  /** The innermost scope. */
  readonly scope: string;
}

class Doc {
  constructor(
    readonly lines: readonly string[],
    readonly tokens: readonly (readonly Tok[])[],
  ) {}

  /** Index of the only line that contains `needle` (a line number when given one). */
  lineOf(needle: string | number): number {
    if (typeof needle === 'number') return needle;
    const hits = this.lines.flatMap((l, i) => (l.includes(needle) ? [i] : []));
    assert.equal(hits.length, 1, `expected exactly one line containing ${JSON.stringify(needle)}, found ${hits.length}`);
    return hits[0];
  }

  /** The `nth` token on that line whose text is exactly `text`. */
  tok(line: string | number, text: string, nth = 0): Tok {
    const ln = this.lineOf(line);
    const found = this.tokens[ln].filter((t) => t.text === text);
    assert.ok(found.length > nth, `no token ${JSON.stringify(text)} (#${nth}) on line ${ln}: ${this.describe(ln)}`);
    return found[nth];
  }

  /** Asserts that `text` is one whole token on the line and that its innermost scope is `scope`. */
  expect(line: string | number, text: string, scope: string, nth = 0): Tok {
    const t = this.tok(line, text, nth);
    assert.equal(t.scope, scope, `scope of ${JSON.stringify(text)} on line ${this.lineOf(line)}: ${this.describe(this.lineOf(line))}`);
    return t;
  }

  describe(ln: number): string {
    return '\n' + this.tokens[ln].map((t) => `  ${JSON.stringify(t.text)} ${t.scopes.slice(1).join(' ')}`).join('\n');
  }

  /** Every scope used on the line, with duplicates removed. */
  scopesOn(line: string | number): Set<string> {
    return new Set(this.tokens[this.lineOf(line)].flatMap((t) => t.scopes));
  }
}

let grammar: vsctm.IGrammar;
/** Messages the engine printed with console.error (it reports endless-loop rules that way). */
const engineErrors: string[] = [];

async function loadGrammar(): Promise<vsctm.IGrammar> {
  const wasm = fs.readFileSync(path.join(ROOT, 'node_modules', 'vscode-oniguruma', 'release', 'onig.wasm'));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns: string[]) => new oniguruma.OnigScanner(patterns),
      createOnigString: (s: string) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async (scopeName: string) =>
      scopeName === 'source.wabi' ? vsctm.parseRawGrammar(fs.readFileSync(GRAMMAR_PATH, 'utf8'), GRAMMAR_PATH) : null,
  });
  const g = await registry.loadGrammar('source.wabi');
  assert.ok(g, 'grammar source.wabi did not load');
  return g;
}

function tokenize(text: string): Doc {
  const lines = text.split('\n');
  const tokens: Tok[][] = [];
  let state = vsctm.INITIAL;
  const originalError = console.error;
  console.error = (...args: unknown[]) => void engineErrors.push(args.map(String).join(' '));
  try {
    for (const line of lines) {
      const r = grammar.tokenizeLine(line, state);
      assert.equal(r.stoppedEarly, false, `tokenizing stopped early on ${JSON.stringify(line)}`);
      tokens.push(
        r.tokens
          .filter((t) => t.endIndex > t.startIndex)
          .map((t) => ({
            text: line.slice(t.startIndex, Math.min(t.endIndex, line.length)),
            start: t.startIndex,
            scopes: t.scopes,
            scope: t.scopes[t.scopes.length - 1],
          })),
      );
      state = r.ruleStack;
    }
  } finally {
    console.error = originalError;
  }
  return new Doc(lines, tokens);
}

/** The plain word lists (`(a|b|c)` or `(?:a|b|c)`) in a grammar regex, in order. */
function wordLists(regex: string): string[][] {
  return [...regex.matchAll(/\((?:\?:)?([A-Za-z0-9_-]+(?:\|[A-Za-z0-9_-]+)*)\)/g)].map((m) => m[1].split('|'));
}

/** A grammar rule, with the fields the checks below read; one a rule lacks fails the check that reads it. */
interface GrammarRule {
  match: string;
  begin: string;
  patterns: GrammarRule[];
}

function repo(name: string): GrammarRule {
  const rule: GrammarRule | undefined = RAW_GRAMMAR.repository[name];
  assert.ok(rule, `grammar repository has no rule '${name}'`);
  return rule;
}

function sorted(xs: Iterable<string>): string[] {
  return [...xs].sort();
}

function assertSameWords(actual: string[], expected: Iterable<string>, what: string): void {
  assert.equal(new Set(actual).size, actual.length, `${what}: the grammar lists a word twice: ${actual.join(', ')}`);
  assert.deepEqual(sorted(actual), sorted(new Set(expected)), `${what}: grammar and catalogue differ`);
}


// ---- specimen -----------------------------------------------------------------------------------------

const SPEC = `# generators and judges shared by every spec in the folder
import "generators.wabi"
import shared/judges.wabi  # unquoted import path

defaults
  generator  sdxl
  seeds      1, 2, 7..9
  size       1024x1024
  pass       3/4   # three seeds of four

  steps      30
  guidance   7.5
  aesthetic  laion

test "grainy cow"  [clarity_and_focus.film_artifacts, color_and_tone]
  prompt    A cow plays a tune in C# minor. Heavy grain fills the frame.  # trailing note
  baseline  a cow in a field
  expect    grain >= 0.6
  expect    grain > baseline + 0.3
  expect    polish < baseline
# a comment at column 0 inside the test
  expect    motion-blur >= input-0.05
  expect    clip("a \\"decaying\\", rotten\\\\fruit\\n\\tnow\\q") > clip(clip_l, "fresh fruit")
  expect    reward(hps.v3) < baseline - 0.05
  expect    aesthetic(laion) < 5
  expect    grainy == 1e-3
  expect    sharpness(clip_l) > -1
  test "not a header, just an indented line"

test smeared street [clarity_and_focus.intentional_blur]
  prompt |
    A street at night, heavy intentional motion blur,
    smeared "headlights # not a comment" and C#  # a real comment

    nothing in focus.
      # an own-line comment inside the block
  negative  "sharp, #crisp, in focus"
  input     photos/street.png
  strength  .5
  pass      75%
  seeds     -1
  expect    blur >= input
  prompt    | not a block, just text

testing "not a header either"

generator flux-dev   # a ComfyUI box
  kind         comfyui
  url          http://127.0.0.1:8188/#queue
  url          http://10.0.0.2:8188 concurrency 4  # a second endpoint of the pool
  workflow     flows/flux.json

  timeout      90s
  retries      3
  api-key      sk-not-here
  api-key-env  OPENAI_API_KEY

generator shell
  kind     command
  run      python gen.py --prompt {prompt} --seed {seed} --tag "{out} # kept" {bogus}  # comment
  cwd      tools
  timeout  500ms
generator quoted-shell
  kind     command
  run      "gen --size {width}x{height}"
generator block-shell
  kind     command
  run |
    gen --prompt {prompt}
    --out {out}
  timeout  1h
generator wrong-kind
  kind     clip

judge clip_l
  kind         clip
  image-model  models/clip-image.onnx
  size         224
  mean         0.4815, 0.4578, 0.4082
  std          0.2686 0.2613 .2758

judge hps.v3
  kind      reward
  model     models/hps.onnx
  resize    shortest
  crop      center
judge laion
  kind      aesthetic
  encoder   clip_l
  token     abc123
  quality   high
judge odd
  kind      comfyui
`;

let doc: Doc;
before(async () => {
  grammar = await loadGrammar();
  doc = tokenize(SPEC);
});

// ---- comments ------------------------------------------------------------------------------------------

describe('comments', () => {
  test('a # at column 0 is a comment with its punctuation', () => {
    doc.expect(0, '#', 'punctuation.definition.comment.wabi');
    doc.expect(0, ' generators and judges shared by every spec in the folder', 'comment.line.number-sign.wabi');
  });

  test('a # after whitespace ends a value with a comment', () => {
    doc.expect('pass       3/4', ' three seeds of four', 'comment.line.number-sign.wabi');
    doc.expect('import shared/judges.wabi', ' unquoted import path', 'comment.line.number-sign.wabi');
  });

  test('C# glued to a word inside a prompt is text, and the prompt stops before the real comment', () => {
    const line = 'in C# minor';
    doc.expect(line, 'A cow plays a tune in C# minor. Heavy grain fills the frame.', 'string.unquoted.text.wabi');
    doc.expect(line, ' trailing note', 'comment.line.number-sign.wabi');
    const comments = doc.tokens[doc.lineOf(line)].filter((t) => t.scopes.includes('comment.line.number-sign.wabi'));
    assert.deepEqual(
      comments.map((t) => t.text),
      ['#', ' trailing note'],
    );
  });

  test('a # inside a quoted string is text', () => {
    doc.expect('negative  "sharp', 'sharp, #crisp, in focus', 'string.quoted.double.wabi');
    assert.ok(!doc.scopesOn('negative  "sharp').has('comment.line.number-sign.wabi'));
  });

  test('a # glued to a word in a setting value is text; a # inside a URL is text', () => {
    doc.expect('url          http://127', 'http://127.0.0.1:8188/#queue', 'markup.underline.link.wabi');
    assert.ok(!doc.scopesOn('url          http://127').has('comment.line.number-sign.wabi'));
  });

  test("a pool endpoint's `concurrency N` after its URL is a keyword and a number", () => {
    const line = 'url          http://10.0.0.2';
    doc.expect(line, 'http://10.0.0.2:8188', 'markup.underline.link.wabi');
    doc.expect(line, 'concurrency', 'keyword.other.concurrency.wabi');
    doc.expect(line, '4', 'constant.numeric.decimal.wabi');
    doc.expect(line, ' a second endpoint of the pool', 'comment.line.number-sign.wabi');
    // Elsewhere the word is nothing special.
    const d = tokenize('generator g\n  kind  comfyui\n  model  concurrency');
    assert.ok(!d.scopesOn(2).has('keyword.other.concurrency.wabi'));
  });

  test('a # right after a closing quote or a comma is text, not a comment', () => {
    const d = tokenize('test "t" [a,#b]\n  negative  "sharp"#soft\n  mean  0.4,#0.5');
    d.expect(0, '#', 'meta.tags.wabi');
    d.expect(0, ']', 'punctuation.section.tags.end.wabi');
    d.expect(1, '#soft', 'string.unquoted.text.wabi');
    d.expect(2, '#0.5', 'string.unquoted.wabi');
    for (let i = 0; i < 3; i++) assert.ok(!d.scopesOn(i).has('comment.line.number-sign.wabi'), `line ${i}`);
  });

  test('an indented own-line comment and a column-0 comment keep the block open', () => {
    doc.expect('# a comment at column 0 inside the test', ' a comment at column 0 inside the test', 'comment.line.number-sign.wabi');
    const after = doc.tok('expect    motion-blur', 'expect');
    assert.ok(after.scopes.includes('meta.block.test.wabi'), 'the property after a column-0 comment is still in the test block');
  });
});

// ---- block headers -------------------------------------------------------------------------------------

describe('block headers', () => {
  test('each header keyword at column 0 has its keyword scope', () => {
    doc.expect('import "generators.wabi"', 'import', 'keyword.control.import.wabi');
    doc.expect(doc.lines.indexOf('defaults'), 'defaults', 'storage.type.defaults.wabi');
    doc.expect('test "grainy cow"', 'test', 'storage.type.test.wabi');
    doc.expect('generator flux-dev', 'generator', 'storage.type.generator.wabi');
    doc.expect('judge clip_l', 'judge', 'storage.type.judge.wabi');
  });

  test('generator and judge names are entity names, dashes and dots included', () => {
    doc.expect('generator flux-dev', 'flux-dev', 'entity.name.type.generator.wabi');
    doc.expect('generator quoted-shell', 'quoted-shell', 'entity.name.type.generator.wabi');
    doc.expect('judge clip_l', 'clip_l', 'entity.name.type.judge.wabi');
    doc.expect('judge hps.v3', 'hps.v3', 'entity.name.type.judge.wabi');
    doc.expect('generator flux-dev', ' a ComfyUI box', 'comment.line.number-sign.wabi');
  });

  test('import paths are strings, quoted or not', () => {
    doc.expect('import "generators.wabi"', 'generators.wabi', 'string.quoted.double.wabi');
    doc.expect('import "generators.wabi"', '"', 'punctuation.definition.string.begin.wabi', 0);
    doc.expect('import "generators.wabi"', '"', 'punctuation.definition.string.end.wabi', 1);
    doc.expect('import shared/judges.wabi', 'shared/judges.wabi', 'string.unquoted.path.wabi');
  });

  test('a test name is a string; an unquoted name runs up to the tags', () => {
    doc.expect('test "grainy cow"', 'grainy cow', 'string.quoted.double.wabi');
    doc.expect('test smeared street', 'smeared street', 'string.unquoted.test-name.wabi');
  });

  test('tags in [...] are entity.other names with bracket and comma punctuation', () => {
    const line = 'test "grainy cow"';
    doc.expect(line, '[', 'punctuation.section.tags.begin.wabi');
    doc.expect(line, 'clarity_and_focus.film_artifacts', 'entity.other.attribute-name.tag.wabi');
    doc.expect(line, ',', 'punctuation.separator.comma.wabi');
    doc.expect(line, 'color_and_tone', 'entity.other.attribute-name.tag.wabi');
    doc.expect(line, ']', 'punctuation.section.tags.end.wabi');
    doc.expect('test smeared street', 'clarity_and_focus.intentional_blur', 'entity.other.attribute-name.tag.wabi');
  });

  test('header keywords count only at column 0 and as whole words', () => {
    const indented = doc.expect('test "not a header, just', 'test', 'support.type.property-name.wabi');
    assert.ok(!indented.scopes.some((s) => s.startsWith('storage.type')));
    doc.expect('generator  sdxl', 'generator', 'support.type.property-name.wabi');
    const testing = doc.tok('testing "not a header either"', 'testing "not a header either"');
    assert.deepEqual(testing.scopes, ['source.wabi'], 'an unknown column-0 word is no header and ends the block');
  });

  test('each property line carries its block meta scope; a blank line does not end a block', () => {
    assert.ok(doc.tok('steps      30', 'steps').scopes.includes('meta.block.defaults.wabi'));
    assert.ok(doc.tok('timeout      90s', 'timeout').scopes.includes('meta.block.generator.wabi'));
    assert.ok(doc.tok('crop      center', 'crop').scopes.includes('meta.block.judge.wabi'));
    assert.ok(doc.tok('kind         comfyui', 'kind').scopes.includes('meta.block.generator.wabi'));
    assert.ok(!doc.tok('kind         comfyui', 'kind').scopes.includes('meta.block.test.wabi'), 'a header closes the block before it');
  });
});

// ---- properties and values -----------------------------------------------------------------------------

describe('properties and values', () => {
  test('indented keys are property names', () => {
    for (const [line, key] of [
      ['kind         comfyui', 'kind'],
      ['prompt    A cow', 'prompt'],
      ['expect    grain >= 0.6', 'expect'],
      ['seeds      1, 2', 'seeds'],
      ['api-key-env  OPENAI', 'api-key-env'],
      ['image-model  models', 'image-model'],
      ['input     photos', 'input'],
    ]) {
      doc.expect(line, key, 'support.type.property-name.wabi');
    }
  });

  test('free-text values are string.unquoted, with a quoted string as the alternative', () => {
    doc.expect('baseline  a cow in a field', 'a cow in a field', 'string.unquoted.text.wabi');
    doc.expect('negative  "sharp', '"', 'punctuation.definition.string.begin.wabi');
  });

  test('quoted strings decode \\" \\\\ \\n \\t as escapes and flag unknown ones', () => {
    const line = 'clip("a \\"decaying';
    doc.expect(line, '\\"', 'constant.character.escape.wabi', 0);
    doc.expect(line, '\\"', 'constant.character.escape.wabi', 1);
    doc.expect(line, '\\\\', 'constant.character.escape.wabi');
    doc.expect(line, '\\n', 'constant.character.escape.wabi');
    doc.expect(line, '\\t', 'constant.character.escape.wabi');
    doc.expect(line, '\\q', 'invalid.illegal.unknown-escape.wabi');
    doc.expect(line, 'decaying', 'string.quoted.double.wabi');
    doc.expect(line, '"', 'punctuation.definition.string.end.wabi', 1);
  });

  test('a | block: its continuation lines are string, blank and comment lines inside it included', () => {
    const bar = doc.expect('prompt |', '|', 'keyword.control.block-scalar.wabi');
    assert.ok(bar.scopes.includes('meta.property.text-block.wabi'));
    doc.expect('A street at night', 'A street at night, heavy intentional motion blur,', 'string.unquoted.text.wabi');
    doc.expect('smeared "headlights', 'smeared "headlights # not a comment" and C#', 'string.unquoted.text.wabi');
    doc.expect('smeared "headlights', ' a real comment', 'comment.line.number-sign.wabi');
    doc.expect('nothing in focus.', 'nothing in focus.', 'string.unquoted.text.wabi');
    doc.expect('an own-line comment inside', ' an own-line comment inside the block', 'comment.line.number-sign.wabi');
    const blank = doc.lineOf('nothing in focus.') - 1;
    assert.equal(doc.lines[blank], '');
    assert.ok(doc.tokens[blank][0].scopes.includes('meta.property.text-block.wabi'), 'a blank line stays in the block');
  });

  test('a | block ends at a line indented no deeper than its key', () => {
    const neg = doc.expect('negative  "sharp', 'negative', 'support.type.property-name.wabi');
    assert.ok(!neg.scopes.includes('meta.property.text-block.wabi'));
    doc.expect('expect    blur >= input', 'blur', 'support.type.trait.wabi');
  });

  test('| followed by text is free text, not a block', () => {
    doc.expect('| not a block', '| not a block, just text', 'string.unquoted.text.wabi');
    const next = doc.lineOf('| not a block') + 2;
    assert.equal(doc.tok(next, 'testing "not a header either"').scopes.length, 1);
  });

  test('numbers: 30, 7.5, .5, -1, 1e-3', () => {
    doc.expect('steps      30', '30', 'constant.numeric.decimal.wabi');
    doc.expect('guidance   7.5', '7.5', 'constant.numeric.decimal.wabi');
    doc.expect('strength  .5', '.5', 'constant.numeric.decimal.wabi');
    doc.expect('seeds     -1', '-1', 'constant.numeric.decimal.wabi');
    doc.expect('grainy == 1e-3', '1e-3', 'constant.numeric.decimal.wabi');
    doc.expect('size         224', '224', 'constant.numeric.decimal.wabi');
  });

  test('seed ranges: both ends numeric, .. an operator, commas separate', () => {
    const line = 'seeds      1, 2, 7..9';
    doc.expect(line, '1', 'constant.numeric.decimal.wabi');
    doc.expect(line, ',', 'punctuation.separator.comma.wabi', 1);
    const from = doc.expect(line, '7', 'constant.numeric.decimal.wabi');
    assert.ok(from.scopes.includes('meta.range.wabi'));
    doc.expect(line, '..', 'keyword.operator.range.wabi');
    doc.expect(line, '9', 'constant.numeric.decimal.wabi');
  });

  test('sizes, pass rates and durations are numeric with their separators and units', () => {
    doc.expect('size       1024x1024', '1024', 'constant.numeric.size.wabi', 0);
    doc.expect('size       1024x1024', 'x', 'punctuation.separator.dimensions.wabi');
    doc.expect('size       1024x1024', '1024', 'constant.numeric.size.wabi', 1);
    doc.expect('pass       3/4', '3', 'constant.numeric.ratio.wabi');
    doc.expect('pass       3/4', '/', 'punctuation.separator.ratio.wabi');
    doc.expect('pass      75%', '75', 'constant.numeric.percentage.wabi');
    doc.expect('pass      75%', '%', 'keyword.other.unit.percentage.wabi');
    doc.expect('timeout      90s', '90', 'constant.numeric.duration.wabi');
    doc.expect('timeout      90s', 's', 'keyword.other.unit.wabi');
    doc.expect('timeout  500ms', 'ms', 'keyword.other.unit.wabi');
    doc.expect('timeout  1h', 'h', 'keyword.other.unit.wabi');
  });

  test('pass all is a language constant', () => {
    const d = tokenize('defaults\n  pass all\n');
    d.expect(1, 'all', 'constant.language.wabi');
  });

  test('kinds: generator kinds in generator blocks, judge kinds in judge blocks, nothing crosses over', () => {
    doc.expect('kind         comfyui', 'comfyui', 'support.type.generator-kind.wabi');
    doc.expect(doc.lineOf('generator shell') + 1, 'command', 'support.type.generator-kind.wabi');
    doc.expect('kind         clip', 'clip', 'support.type.judge-kind.wabi');
    doc.expect('kind      reward', 'reward', 'support.type.judge-kind.wabi');
    doc.expect('kind      aesthetic', 'aesthetic', 'support.type.judge-kind.wabi');
    doc.expect('kind     clip', 'clip', 'string.unquoted.wabi');
    doc.expect('kind      comfyui', 'comfyui', 'string.unquoted.wabi');
  });

  test('references to generators and judges are type names', () => {
    doc.expect('generator  sdxl', 'sdxl', 'entity.name.type.generator.wabi');
    doc.expect('aesthetic  laion', 'laion', 'entity.name.type.judge.wabi');
    doc.expect('encoder   clip_l', 'clip_l', 'entity.name.type.judge.wabi');
  });

  test('enumerated settings are language constants; paths are unquoted strings', () => {
    doc.expect('resize    shortest', 'shortest', 'constant.language.wabi');
    doc.expect('crop      center', 'center', 'constant.language.wabi');
    doc.expect('quality   high', 'high', 'constant.language.wabi');
    doc.expect('workflow     flows', 'flows/flux.json', 'string.unquoted.wabi');
    doc.expect('input     photos', 'photos/street.png', 'string.unquoted.wabi');
  });

  test('mean and std are lists of numbers', () => {
    doc.expect('mean         0.4815', '0.4578', 'constant.numeric.decimal.wabi');
    doc.expect('mean         0.4815', ',', 'punctuation.separator.comma.wabi', 0);
    doc.expect('std          0.2686', '.2758', 'constant.numeric.decimal.wabi');
  });

  test('keys that would hold a secret are marked invalid; api-key-env is fine', () => {
    doc.expect('api-key      sk', 'api-key', 'invalid.illegal.secret-key.wabi');
    doc.expect('token     abc123', 'token', 'invalid.illegal.secret-key.wabi');
    doc.expect('api-key-env  OPENAI', 'api-key-env', 'support.type.property-name.wabi');
  });

  test('run: a command with {placeholders}; quotes keep a # from starting a comment', () => {
    const line = 'run      python gen.py';
    doc.expect(line, 'python gen.py --prompt ', 'string.unquoted.command.wabi');
    doc.expect(line, '{prompt}', 'variable.other.placeholder.wabi');
    doc.expect(line, '{seed}', 'variable.other.placeholder.wabi');
    doc.expect(line, '{out}', 'variable.other.placeholder.wabi');
    doc.expect(line, ' # kept', 'string.unquoted.command.wabi');
    doc.expect(line, ' {bogus}', 'string.unquoted.command.wabi');
    doc.expect(line, ' comment', 'comment.line.number-sign.wabi');
    doc.expect('run      "gen --size', '{width}', 'variable.other.placeholder.wabi');
    doc.expect('run      "gen --size', 'x', 'string.quoted.double.wabi');
  });

  test('run | block: placeholders on its lines, and it ends before the next setting', () => {
    doc.expect('--out {out}', '{out}', 'variable.other.placeholder.wabi');
    doc.expect('gen --prompt {prompt}', 'gen --prompt ', 'string.unquoted.command.wabi');
    const after = doc.expect('timeout  1h', 'timeout', 'support.type.property-name.wabi');
    assert.ok(!after.scopes.includes('meta.property.text-block.wabi'));
  });
});

// ---- expectations --------------------------------------------------------------------------------------

describe('expectations', () => {
  test('grain in `expect grain >= 0.6` is a trait, >= a comparison, 0.6 a number', () => {
    const line = 'expect    grain >= 0.6';
    const grain = doc.expect(line, 'grain', 'support.type.trait.wabi');
    assert.deepEqual(grain.scopes, ['source.wabi', 'meta.block.test.wabi', 'meta.property.expectation.wabi', 'support.type.trait.wabi']);
    doc.expect(line, '>=', 'keyword.operator.comparison.wabi');
    doc.expect(line, '0.6', 'constant.numeric.decimal.wabi');
  });

  test('every catalogue trait is one trait token in an expectation', () => {
    const d = tokenize('test "all traits"\n' + TRAIT_NAMES.map((t) => `  expect  ${t} <= 0.5`).join('\n'));
    TRAIT_NAMES.forEach((t, i) => d.expect(i + 1, t, 'support.type.trait.wabi'));
  });

  test('words that merely contain a trait are not traits', () => {
    doc.expect('expect    grainy == 1e-3', 'grainy', 'variable.other.measure.wabi');
    const d = tokenize('test "x"\n  expect  blurry > 0.1\n  expect  motion > 0.1\n  expect  grain-ish > 0.1');
    d.expect(1, 'blurry', 'variable.other.measure.wabi');
    d.expect(2, 'motion', 'variable.other.measure.wabi');
    d.expect(3, 'grain-ish', 'variable.other.measure.wabi');
  });

  test('baseline and input are language variables, with + / - margins', () => {
    doc.expect('grain > baseline + 0.3', 'baseline', 'variable.language.baseline.wabi');
    doc.expect('grain > baseline + 0.3', '+', 'keyword.operator.arithmetic.wabi');
    doc.expect('grain > baseline + 0.3', '0.3', 'constant.numeric.decimal.wabi');
    doc.expect('motion-blur >= input-0.05', 'motion-blur', 'support.type.trait.wabi');
    doc.expect('motion-blur >= input-0.05', 'input', 'variable.language.input.wabi');
    doc.expect('motion-blur >= input-0.05', '-', 'keyword.operator.arithmetic.wabi');
    doc.expect('motion-blur >= input-0.05', '0.05', 'constant.numeric.decimal.wabi');
    doc.expect('reward(hps.v3) < baseline - 0.05', '-', 'keyword.operator.arithmetic.wabi');
  });

  test('the baseline key and the baseline keyword are told apart', () => {
    doc.expect('baseline  a cow in a field', 'baseline', 'support.type.property-name.wabi');
    doc.expect('polish < baseline', 'baseline', 'variable.language.baseline.wabi');
    doc.expect('polish < baseline', 'polish', 'support.type.trait.wabi');
  });

  test('judge calls: clip(...), aesthetic(...), reward(...) are support functions', () => {
    const line = 'clip("a \\"decaying';
    const call = doc.expect(line, 'clip', 'support.function.judge.wabi', 0);
    assert.ok(call.scopes.includes('meta.function-call.wabi'));
    doc.expect(line, '(', 'punctuation.definition.arguments.begin.wabi', 0);
    doc.expect(line, ')', 'punctuation.definition.arguments.end.wabi', 0);
    doc.expect(line, '>', 'keyword.operator.comparison.wabi');
    doc.expect(line, 'clip', 'support.function.judge.wabi', 1);
    doc.expect(line, 'clip_l', 'entity.name.type.judge.wabi');
    doc.expect(line, ',', 'punctuation.separator.arguments.wabi');
    doc.expect(line, 'fresh fruit', 'string.quoted.double.wabi');
    doc.expect('reward(hps.v3)', 'reward', 'support.function.judge.wabi');
    doc.expect('reward(hps.v3)', 'hps.v3', 'entity.name.type.judge.wabi');
    doc.expect('aesthetic(laion) < 5', 'aesthetic', 'support.function.judge.wabi');
    doc.expect('aesthetic(laion) < 5', '5', 'constant.numeric.decimal.wabi');
  });

  test('an unknown function is a call but no judge function', () => {
    doc.expect('sharpness(clip_l) > -1', 'sharpness', 'entity.name.function.wabi');
    doc.expect('sharpness(clip_l) > -1', '-1', 'constant.numeric.decimal.wabi');
  });

  test('a comparison the language lacks is marked invalid', () => {
    doc.expect('expect    grainy == 1e-3', '==', 'invalid.illegal.operator.wabi');
  });

  test('expectations outside any block (as in the docs) are still highlighted', () => {
    const d = tokenize('  expect  grain >= 0.6\n  expect  clip("a") > clip("b")');
    d.expect(0, 'grain', 'support.type.trait.wabi');
    d.expect(1, 'clip', 'support.function.judge.wabi', 1);
  });
});

// ---- whole files ---------------------------------------------------------------------------------------

// ---- audits --------------------------------------------------------------------------------------------

const AUDITS = `judge hps
  kind   reward
  model  models/hps.onnx

audit "reward models on film grain"  [clarity_and_focus.film_artifacts, color_and_tone]
  pairs         pairs/film.jsonl   # a JSONL file
  judge         hps
  judge         traits
  judge         traits-v2
  min-accuracy  0.8
# a column-0 comment inside the audit
  min-accuracy  80%

audit unquoted audit name [clarity_and_focus]
  pairs  bench
judge after-audit
  kind   reward
`;

describe('audits', () => {
  let d: Doc;
  before(() => {
    d = tokenize(AUDITS);
  });

  test('audit is a header keyword; its name is a string, quoted or not, and its tags are tags', () => {
    d.expect('audit "reward models', 'audit', 'storage.type.audit.wabi');
    d.expect('audit "reward models', 'reward models on film grain', 'string.quoted.double.wabi');
    d.expect('audit "reward models', 'clarity_and_focus.film_artifacts', 'entity.other.attribute-name.tag.wabi');
    d.expect('audit "reward models', 'color_and_tone', 'entity.other.attribute-name.tag.wabi');
    d.expect('audit "reward models', ']', 'punctuation.section.tags.end.wabi');
    d.expect('audit unquoted', 'audit', 'storage.type.audit.wabi');
    d.expect('audit unquoted', 'unquoted audit name', 'string.unquoted.test-name.wabi');
    d.expect('audit unquoted', 'clarity_and_focus', 'entity.other.attribute-name.tag.wabi');
  });

  test('pairs, judge and min-accuracy are property names inside the audit block, past a column-0 comment', () => {
    for (const [line, key] of [
      ['pairs         pairs/film.jsonl', 'pairs'],
      ['judge         hps', 'judge'],
      ['min-accuracy  0.8', 'min-accuracy'],
      ['min-accuracy  80%', 'min-accuracy'],
      ['pairs  bench', 'pairs'],
    ]) {
      const t = d.expect(line, key, 'support.type.property-name.wabi');
      assert.ok(t.scopes.includes('meta.block.audit.wabi'), line);
    }
  });

  test('a pairs path is an unquoted string; a min-accuracy is a number or a percentage', () => {
    d.expect('pairs         pairs/film.jsonl', 'pairs/film.jsonl', 'string.unquoted.wabi');
    d.expect('pairs         pairs/film.jsonl', ' a JSONL file', 'comment.line.number-sign.wabi');
    d.expect('min-accuracy  0.8', '0.8', 'constant.numeric.decimal.wabi');
    d.expect('min-accuracy  80%', '%', 'keyword.other.unit.percentage.wabi');
    assert.ok(d.scopesOn('min-accuracy  80%').has('constant.numeric.percentage.wabi'));
  });

  test('an audited judge is a judge name; traits alone is the built-in judge', () => {
    d.expect('judge         hps', 'hps', 'entity.name.type.judge.wabi');
    d.expect('judge         traits-v2', 'traits-v2', 'entity.name.type.judge.wabi');
    const builtin = d.lines.findIndex((l) => l === '  judge         traits');
    d.expect(builtin, 'traits', 'support.constant.builtin-judge.wabi');
  });

  test('a judge header at column 0 ends the audit and is a header, not a property', () => {
    d.expect('judge after-audit', 'judge', 'storage.type.judge.wabi');
    d.expect('judge after-audit', 'after-audit', 'entity.name.type.judge.wabi');
    const kind = d.tok(d.lines.lastIndexOf('  kind   reward'), 'kind');
    assert.ok(kind.scopes.includes('meta.block.judge.wabi') && !kind.scopes.includes('meta.block.audit.wabi'));
  });
});

describe('whole files', () => {
  test('every ```wabi example in docs/spec-language.md tokenizes, and its expectations use known traits', () => {
    const md = fs.readFileSync(path.join(ROOT, 'docs', 'spec-language.md'), 'utf8');
    const blocks = [...md.matchAll(/```wabi\n([\s\S]*?)```/g)].map((m) => m[1]);
    assert.ok(blocks.length >= 2, 'the reference has wabi examples');
    let traitsSeen = 0;
    for (const block of blocks) {
      const d = tokenize(block);
      d.lines.forEach((line, i) => {
        const m = /^\s+expect\s+([a-z-]+)\s/.exec(line);
        if (m && (TRAIT_NAMES as readonly string[]).includes(m[1])) {
          d.expect(i, m[1], 'support.type.trait.wabi');
          traitsSeen++;
        }
        if (/^\s+prompt\s+\S/.test(line) && !line.includes('|')) {
          assert.ok(d.scopesOn(i).has('string.unquoted.text.wabi'), `prompt on line ${i} of a docs example`);
        }
      });
    }
    assert.ok(traitsSeen >= 5, `saw ${traitsSeen} trait expectations in the docs`);
  });

  test('every examples/*.wabi file highlights headers, keys, kinds, prompts and traits', () => {
    const dir = path.join(ROOT, 'examples');
    const files = fs.readdirSync(dir).filter((f) => f.endsWith('.wabi'));
    assert.ok(files.length > 0, 'the repository has example specs');
    const headerScope: Record<string, string> = {
      import: 'keyword.control.import.wabi',
      generator: 'storage.type.generator.wabi',
      judge: 'storage.type.judge.wabi',
      defaults: 'storage.type.defaults.wabi',
      test: 'storage.type.test.wabi',
      audit: 'storage.type.audit.wabi',
    };
    let checked = 0;
    for (const file of files) {
      const d = tokenize(fs.readFileSync(path.join(dir, file), 'utf8').replace(/\r\n/g, '\n'));
      let block = '';
      let barIndent = -1; // indentation of the key of an open `|` block
      d.lines.forEach((line, i) => {
        const where = `${file}:${i + 1}`;
        const indent = line.length - line.trimStart().length;
        if (barIndent >= 0 && (line.trim() === '' || indent > barIndent)) {
          if (line.trim() !== '' && !line.trimStart().startsWith('#')) {
            assert.ok(d.scopesOn(i).has('string.unquoted.text.wabi') || d.scopesOn(i).has('string.unquoted.command.wabi'), where);
          }
          return;
        }
        barIndent = -1;
        const header = /^([a-z]+)(?=\s|$)/.exec(line);
        if (header && header[1] in headerScope) {
          block = header[1];
          assert.equal(d.tok(i, header[1]).scope, headerScope[header[1]], where);
          checked++;
        }
        const prop = /^[ \t]+([A-Za-z_][\w-]*)(?:[ \t]+(.*?))?[ \t]*$/.exec(line);
        if (!prop || line.trimStart().startsWith('#')) return;
        const [, key, value = ''] = prop;
        assert.equal(d.tok(i, key).scope, 'support.type.property-name.wabi', where);
        checked++;
        if (/^\|(?:[ \t]+#.*)?$/.test(value)) barIndent = indent;
        if (key === 'kind' && (block === 'generator' || block === 'judge')) {
          assert.equal(d.tok(i, value).scope, `support.type.${block}-kind.wabi`, where);
        }
        if ((key === 'prompt' || key === 'negative' || key === 'baseline') && !/^[|"]/.test(value)) {
          assert.equal(d.tok(i, value.replace(/[ \t]+#.*$/, '')).scope, 'string.unquoted.text.wabi', where);
        }
        const trait = /^([a-z-]+)\s/.exec(value);
        if (key === 'expect' && trait && (TRAIT_NAMES as readonly string[]).includes(trait[1])) {
          assert.equal(d.tok(i, trait[1]).scope, 'support.type.trait.wabi', where);
        }
      });
    }
    assert.ok(checked >= 20, `checked ${checked} lines`);
  });

  test('the engine reported no endless-loop rules while tokenizing', () => {
    tokenize(SPEC + '\ntest\nimport\ngenerator\njudge \ndefaults   \n  prompt   \n  run |\n\n');
    assert.deepEqual(engineErrors, []);
  });
});

// ---- grammar hygiene and catalogue sync ----------------------------------------------------------------

describe('grammar file', () => {
  test('declares source.wabi and every include names an existing repository rule', () => {
    assert.equal(RAW_GRAMMAR.scopeName, 'source.wabi');
    const missing: string[] = [];
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node && typeof node === 'object') {
        for (const [k, v] of Object.entries(node)) {
          if (k === 'include' && typeof v === 'string' && v.startsWith('#') && !(v.slice(1) in RAW_GRAMMAR.repository)) missing.push(v);
          walk(v);
        }
      }
    };
    walk(RAW_GRAMMAR);
    assert.deepEqual(missing, []);
  });

  test('every regex compiles in Oniguruma', () => {
    const bad: string[] = [];
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node && typeof node === 'object') {
        for (const [k, v] of Object.entries(node)) {
          if ((k === 'match' || k === 'begin' || k === 'end' || k === 'while') && typeof v === 'string') {
            // End patterns may refer back to begin captures; the engine substitutes them before compiling.
            const source = k === 'end' ? v.replace(/\\[1-9]/g, '  ') : v;
            try {
              new oniguruma.OnigScanner([source]).dispose();
            } catch (e) {
              bad.push(`${v}: ${e}`);
            }
          } else walk(v);
        }
      }
    };
    walk(RAW_GRAMMAR);
    assert.deepEqual(bad, []);
  });
});

describe('catalogue sync', () => {
  const allKeySpecs: readonly KeySpec[] = [
    ...DEFAULTS_KEYS,
    ...TEST_KEYS,
    ...GENERATOR_KINDS.flatMap((k) => k.settings),
    ...JUDGE_KINDS.flatMap((k) => k.settings),
    MANIFEST_KEY,
    ...AUDIT_KEYS,
  ];
  const keysOfType = (type: KeySpec['type']) => allKeySpecs.filter((k) => k.type === type).map((k) => k.key);

  test("the grammar's trait list equals the catalogue's TRAIT_NAMES", () => {
    const [traits] = wordLists(repo('trait').match);
    assertSameWords(traits, TRAIT_NAMES, 'traits');
  });

  test('generator kinds, judge kinds and judge functions equal the schema', () => {
    assertSameWords(wordLists(repo('generator-kind').patterns[1].match)[0], GENERATOR_KINDS.map((k) => k.kind), 'generator kinds');
    assertSameWords(wordLists(repo('judge-kind').patterns[1].match)[0], JUDGE_KINDS.map((k) => k.kind), 'judge kinds');
    assertSameWords(wordLists(repo('judge-call').begin)[0], Object.keys(MEASURE_FUNCTIONS), 'judge functions');
  });

  test('header keywords equal HEADER_KEYWORDS', () => {
    const headers = [
      wordLists(repo('import').match)[0],
      ...['generator-block', 'judge-block', 'defaults-block', 'test-block', 'audit-block'].map((r) => wordLists(repo(r).begin)[0]),
    ].flat();
    assertSameWords(headers, HEADER_KEYWORDS, 'header keywords');
  });

  test('free-text keys (prompt, negative, baseline, run) equal the schema, in both the line and | forms', () => {
    const textKeys = keysOfType('text');
    const inline = [...wordLists(repo('text-property').begin)[0], ...wordLists(repo('command-property').begin)[0]];
    const block = [...wordLists(repo('text-block').begin)[0], ...wordLists(repo('command-block').begin)[0]];
    assertSameWords(inline, textKeys, 'free-text keys');
    assertSameWords(block, textKeys, '| block keys');
  });

  test('reference, enum and secret keys equal the schema', () => {
    assertSameWords(wordLists(repo('generator-ref-property').begin)[0], keysOfType('generator-ref'), 'generator-ref keys');
    assertSameWords(wordLists(repo('judge-ref-property').begin)[0], keysOfType('judge-ref'), 'judge-ref keys');
    assertSameWords(wordLists(repo('audit-judge-property').begin)[0], keysOfType('audit-judge'), 'audit judge keys');
    assertSameWords(wordLists(repo('audit-judge-property').patterns[1].match)[0], [BUILTIN_JUDGE], 'built-in judge');
    assertSameWords(wordLists(repo('enum-property').begin)[0], keysOfType('enum'), 'enum keys');
    const enumValues = allKeySpecs.filter((k) => k.type === 'enum').flatMap((k) => k.values ?? []);
    assertSameWords(wordLists(repo('enum-property').patterns[1].match)[0], enumValues, 'enum values');
    assertSameWords(wordLists(repo('secret-property').begin)[0], SECRET_KEYS, 'secret keys');
  });
});

// ---- language configuration ----------------------------------------------------------------------------

describe('language-configuration.json', () => {
  const config = JSON.parse(fs.readFileSync(LANGUAGE_CONFIGURATION_PATH, 'utf8'));

  test('comments, brackets, auto-closing and surrounding pairs, off-side folding', () => {
    assert.equal(config.comments.lineComment, '#');
    assert.deepEqual(config.brackets, [
      ['(', ')'],
      ['[', ']'],
    ]);
    assert.deepEqual(
      config.autoClosingPairs.map((p: { open: string; close: string }) => p.open + p.close),
      ['""', '()', '[]'],
    );
    assert.deepEqual(config.surroundingPairs, [
      ['"', '"'],
      ['(', ')'],
      ['[', ']'],
    ]);
    assert.equal(config.folding.offSide, true);
  });

  test('wordPattern keeps dashed names, dotted tags and numbers with units whole', () => {
    const words = (line: string) => [...line.matchAll(new RegExp(config.wordPattern, 'g'))].map((m) => m[0]);
    assert.deepEqual(words('  expect  motion-blur > baseline - 0.05'), ['expect', 'motion-blur', 'baseline', '0.05']);
    assert.deepEqual(words('generator flux-dev'), ['generator', 'flux-dev']);
    assert.deepEqual(words('test "x" [clarity_and_focus.film_artifacts, color_and_tone]'), ['test', 'x', 'clarity_and_focus.film_artifacts', 'color_and_tone']);
    assert.deepEqual(words('  expect  reward(hps.v3) < 0.5'), ['expect', 'reward', 'hps.v3', '0.5']);
    assert.deepEqual(words('  size 1024x1024  timeout 90s  pass 75%'), ['size', '1024x1024', 'timeout', '90s', 'pass', '75%']);
    assert.deepEqual(words('a cow in a field.'), ['a', 'cow', 'in', 'a', 'field']);
  });

  test('Enter after a block header indents two spaces; after `prompt |` it indents two more', () => {
    const rules: { beforeText: string; action: { indent: string; appendText?: string } }[] = config.onEnterRules;
    const onEnter = (before: string) => rules.find((r) => new RegExp(r.beforeText).test(before))?.action;
    for (const header of ['test "grainy cow"  [clarity_and_focus]', 'generator flux-dev', 'judge hps.v3  # c', 'defaults', 'test', 'audit "reward models"  [clarity_and_focus]']) {
      assert.deepEqual(onEnter(header), { indent: 'none', appendText: '  ' }, header);
    }
    for (const block of ['  prompt |', '  negative |  # comment', '\trun |', '    baseline   |']) {
      assert.deepEqual(onEnter(block), { indent: 'none', appendText: '  ' }, block);
    }
    for (const plain of ['import "generators.wabi"', '  prompt a cow', '  prompt | text', '  test "indented"', '  generator sdxl', '  judge hps', 'testing', 'auditing', '# test']) {
      assert.equal(onEnter(plain), undefined, plain);
    }
  });

  test('indentation rules: headers and | lines increase; only header-shaped indented lines decrease', () => {
    const inc = new RegExp(config.indentationRules.increaseIndentPattern);
    const dec = new RegExp(config.indentationRules.decreaseIndentPattern);
    assert.ok(inc.test('test "x" [a]') && inc.test('defaults') && inc.test('  prompt |') && inc.test('audit "x"'));
    assert.ok(!inc.test('  prompt a cow') && !inc.test('import "x"') && !inc.test('  generator sdxl') && !inc.test('  judge hps'));
    assert.ok(dec.test('  test "x"') && dec.test('  audit "x"') && dec.test('  defaults'));
    // `generator NAME` and `judge NAME` are also properties (of tests and of audits): typing one must not dedent it.
    assert.ok(!dec.test('  generator sdxl') && !dec.test('  judge hps') && !dec.test('test "x"') && !dec.test('    a test of patience'));
  });
});
