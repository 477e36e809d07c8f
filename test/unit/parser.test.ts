// Parser tests on real spec text: shapes of values, exact ranges, and recovery after bad lines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from '../../server/src/language/parser';
import type { AuditBlock, Block, Property, Range, TestBlock } from '../../server/src/language/ast';

const r = (line: number, start: number, end: number, endLine = line): Range => ({
  start: { line, character: start },
  end: { line: endLine, character: end },
});

function prop(b: Block, key: string, nth = 0): Property {
  const found = b.properties.filter((p) => p.key.text === key)[nth];
  assert.ok(found, `no property ${key}`);
  return found;
}

const SPEC = `# shared
import "generators.wabi"

defaults
  generator  sdxl
  seeds      1..4, 9
  size       1024x768
  pass       3/4

test "grainy cow"  [clarity_and_focus.film_artifacts, color_and_tone]
  prompt    A cow in a field, shot in C# minor # a comment
  baseline  "a \\"cow\\""
  expect    grain >= 0.6
  expect    motion-blur > baseline-0.3
  expect    clip("rotten fruit") > clip(clip-l, "fresh fruit")
`;

test('parses every block kind in order with names and tags', () => {
  const f = parse(SPEC);
  assert.deepEqual(
    f.blocks.map((b) => b.kind),
    ['import', 'defaults', 'test'],
  );
  assert.equal(f.diagnostics.length, 0, JSON.stringify(f.diagnostics));
  const imp = f.blocks[0];
  assert.equal(imp.kind === 'import' && imp.path?.text, 'generators.wabi');
  assert.deepEqual(imp.kind === 'import' && imp.path?.range, r(1, 7, 24));
  const t = f.blocks[2] as TestBlock;
  assert.equal(t.name?.text, 'grainy cow');
  assert.deepEqual(t.name?.range, r(9, 5, 17));
  assert.deepEqual(
    t.tags.map((x) => [x.text, x.range.start.character]),
    [
      ['clarity_and_focus.film_artifacts', 20],
      ['color_and_tone', 54],
    ],
  );
  assert.deepEqual(t.range, r(9, 0, 62, 14));
});

test('free text keeps # glued to words and drops trailing comments', () => {
  const t = parse(SPEC).blocks[2];
  const p = prop(t, 'prompt').value;
  assert.equal(p.type, 'text');
  assert.equal(p.type === 'text' && p.text, 'A cow in a field, shot in C# minor');
  assert.deepEqual(p.range, r(10, 12, 46));
  const b = prop(t, 'baseline').value;
  assert.ok(b.type === 'text' && b.form === 'quoted' && b.text === 'a "cow"');
  assert.equal(parse(SPEC).comments.length, 2);
});

test('reads seeds, sizes and pass rates as structured values', () => {
  const d = parse(SPEC).blocks[1];
  const seeds = prop(d, 'seeds').value;
  assert.ok(seeds.type === 'seeds');
  assert.deepEqual(
    seeds.items.map((i) => [i.from.value, i.to?.value]),
    [
      [1, 4],
      [9, undefined],
    ],
  );
  assert.deepEqual(seeds.items[0].range, r(5, 13, 17));
  const size = prop(d, 'size').value;
  assert.ok(size.type === 'size' && size.width.value === 1024 && size.height.value === 768);
  assert.deepEqual(size.height.range, r(6, 18, 21));
  const pass = prop(d, 'pass').value;
  assert.ok(pass.type === 'pass' && pass.ratio === 0.75);
  for (const [text, ratio] of [
    ['75%', 0.75],
    ['all', 1],
    ['2 / 8', 0.25],
  ] as const) {
    const v = prop(parse(`defaults\n  pass ${text}\n`).blocks[0], 'pass').value;
    assert.ok(v.type === 'pass' && v.ratio === ratio, text);
  }
});

test('parses expectations: numbers, margins on baseline, and judge calls', () => {
  const t = parse(SPEC).blocks[2];
  const e1 = prop(t, 'expect', 0).value;
  assert.ok(e1.type === 'expect');
  assert.ok(e1.expect.measure?.type === 'trait' && e1.expect.measure.name.text === 'grain');
  assert.equal(e1.expect.op?.text, '>=');
  assert.ok(e1.expect.comparand?.type === 'number' && e1.expect.comparand.number.value === 0.6);
  assert.deepEqual(e1.expect.comparand.range, r(12, 21, 24));

  // `baseline-0.3` is `baseline - 0.3`: a hyphen inside a name must be followed by a letter.
  const e2 = prop(t, 'expect', 1).value;
  assert.ok(e2.type === 'expect' && e2.expect.measure?.type === 'trait' && e2.expect.measure.name.text === 'motion-blur');
  const c2 = e2.expect.comparand;
  assert.ok(c2?.type === 'relative' && c2.ref.text === 'baseline' && c2.sign === '-' && c2.margin?.value === 0.3);

  const e3 = prop(t, 'expect', 2).value;
  assert.ok(e3.type === 'expect' && e3.expect.measure?.type === 'call');
  assert.equal(e3.expect.measure.fn.text, 'clip');
  assert.deepEqual(
    e3.expect.measure.args.map((a) => [a.text, !!a.quoted]),
    [['rotten fruit', true]],
  );
  const c3 = e3.expect.comparand;
  assert.ok(c3?.type === 'measure' && c3.measure.type === 'call');
  assert.deepEqual(
    c3.measure.args.map((a) => [a.text, !!a.quoted]),
    [
      ['clip-l', false],
      ['fresh fruit', true],
    ],
  );
  assert.deepEqual(c3.measure.argsRange, r(14, 39, 62));
});

test('a | block joins its lines and spans them; blank lines become newlines', () => {
  const f = parse('test "t"\n  prompt |\n    first line\n    second line\n\n    new paragraph\n  expect grain > 0.5\n');
  assert.equal(f.diagnostics.length, 0);
  const p = prop(f.blocks[0], 'prompt');
  assert.ok(p.value.type === 'text' && p.value.form === 'block');
  assert.equal(p.value.text, 'first line second line\nnew paragraph');
  assert.deepEqual(p.value.range, r(1, 9, 17, 5));
  assert.equal(prop(f.blocks[0], 'expect').key.range.start.line, 6);
});

test('CRLF line endings parse like LF', () => {
  const lf = parse(SPEC);
  const crlf = parse(SPEC.replace(/\n/g, '\r\n'));
  assert.deepEqual(
    crlf.blocks.map((b) => b.properties.map((p) => [p.key.text, p.value.range])),
    lf.blocks.map((b) => b.properties.map((p) => [p.key.text, p.value.range])),
  );
});

test('a bad line is reported and the rest of the file still parses', () => {
  const text = `test "a"
  prompt one
  expect grain = 0.5
  expect (blur > 1
  seeds 1..x
  size big
frobnicate
  ignored under the unknown block
test "b"
  prompt two
  expect blur > 0.2
`;
  const f = parse(text);
  assert.deepEqual(
    f.blocks.map((b) => b.kind),
    ['test', 'unknown', 'test'],
  );
  const at = f.diagnostics.map((d) => [d.code, d.range.start.line, d.range.start.character]);
  assert.deepEqual(at, [
    ['bad-expect', 2, 15],
    ['bad-expect', 3, 9],
    ['bad-seeds', 4, 8],
    ['bad-size', 5, 7],
    ['unknown-block', 6, 0],
  ]);
  assert.match(f.diagnostics[0].message, /'=' is not a comparison/);
  const b = f.blocks[2];
  assert.equal(prop(b, 'expect').value.type, 'expect');
});

test('reports unterminated strings, unclosed calls and tag lists at their exact place', () => {
  const f = parse('test "open\n  expect clip("x" > 0.2\ntest "t" [a, b\n');
  assert.deepEqual(
    f.diagnostics.map((d) => [d.code, d.range.start.line, d.range.start.character]),
    [
      ['unterminated-string', 0, 5],
      ['bad-expect', 1, 18],
      ['syntax', 2, 9],
    ],
  );
});

test('a property at column 0 is told to indent, a stray indented line is reported once', () => {
  const f = parse('  prompt orphan\n  expect grain > 0.1\nprompt x\n');
  assert.deepEqual(
    f.diagnostics.map((d) => d.code),
    ['stray-property', 'property-not-indented'],
  );
});

test('judge size is a plain number and mean/std are number lists', () => {
  const f = parse('judge j\n  kind reward\n  size 224\n  mean 0.48, 0.45 0.40\n  std  -1 2 3\n');
  assert.equal(f.diagnostics.length, 0);
  const j = f.blocks[0];
  assert.ok(prop(j, 'size').value.type === 'word');
  const mean = prop(j, 'mean').value;
  assert.ok(mean.type === 'numbers');
  assert.deepEqual(
    mean.values.map((v) => v.value),
    [0.48, 0.45, 0.4],
  );
  const std = prop(j, 'std').value;
  assert.ok(std.type === 'numbers' && std.values[0].value === -1);
});

test('parses a 40,000-line spec without error', () => {
  const one = `test "t#"\n  prompt    grainy\n  baseline  plain\n  seeds     1..4\n  expect    grain >= 0.6\n  expect    grain > baseline + 0.3\n  expect    polish < baseline\n\n`;
  const text = Array.from({ length: 5000 }, (_, i) => one.replace('#', String(i))).join('');
  const f = parse(text);
  assert.equal(f.blocks.length, 5000);
  assert.equal(f.diagnostics.length, 0);
  assert.equal(f.blocks[4999].range.start.line, 4999 * 8);
});

test('an incremental parse equals a fresh parse and reuses the untouched blocks', () => {
  // Edits chosen to cross block boundaries: joining lines, splitting headers, opening `|` blocks, adding lines.
  const edits: Array<[string, string]> = [
    ['grain >= 0.6', 'grain >= 0.7'],
    ['\ndefaults', 'defaults'],
    ['  seeds      1..4, 9\n', ''],
    ['A cow in a field', '|\n    A cow\n    in a field\n  negative '],
    ['test "grainy cow"', '  test "grainy cow"'],
    ['# shared', 'generator g\n  kind degrade\n# shared'],
  ];
  let previous = parse(SPEC);
  let text = SPEC;
  for (const [from, to] of edits) {
    assert.ok(text.includes(from), from);
    text = text.replace(from, to);
    const incremental = parse(text, previous);
    const fresh = parse(text);
    const strip = (f: typeof fresh) => ({ blocks: f.blocks, comments: f.comments, diagnostics: f.diagnostics });
    assert.deepEqual(strip(incremental), strip(fresh), `after replacing ${JSON.stringify(from)}`);
    previous = incremental;
  }
  const a = parse(SPEC);
  const b = parse(SPEC.replace('grain >= 0.6', 'grain >= 0.9'), a);
  assert.equal(b.blocks[0], a.blocks[0], 'the import block is the same object');
  assert.equal(b.blocks[1], a.blocks[1], 'the defaults block is the same object');
  assert.notEqual(b.blocks[2], a.blocks[2], 'the edited test is parsed again');
});

test('a lone carriage return is a line break, as LSP counts lines', () => {
  const f = parse('test "t"\r  prompt p\r  expect grian > 0.5\r');
  assert.equal(f.lineCount, 4);
  assert.deepEqual(
    f.blocks[0].properties.map((p) => [p.key.text, p.key.range.start.line]),
    [
      ['prompt', 1],
      ['expect', 2],
    ],
  );
});

// ---- audits ---------------------------------------------------------------------------------------------------

const AUDIT = `audit "reward models on film grain"  [clarity_and_focus.film_artifacts]
  pairs         pairs/film.jsonl   # a JSONL file
  judge         hps
  judge         traits
  min-accuracy  80%

audit unquoted name [color_and_tone]
  pairs  "bench folder"
`;

test('an audit block reads its name, tags and properties like a test, every value one word', () => {
  const f = parse(AUDIT);
  assert.deepEqual(f.diagnostics, []);
  assert.deepEqual(
    f.blocks.map((b) => b.kind),
    ['audit', 'audit'],
  );
  const a = f.blocks[0] as AuditBlock;
  assert.equal(a.keyword.text, 'audit');
  assert.equal(a.name?.text, 'reward models on film grain');
  assert.deepEqual(a.name?.range, r(0, 6, 35));
  assert.deepEqual(
    a.tags.map((t) => [t.text, t.range.start.character]),
    [['clarity_and_focus.film_artifacts', 38]],
  );
  assert.deepEqual(
    a.properties.map((p) => [p.key.text, p.value.type === 'word' ? p.value.text : p.value.type]),
    [
      ['pairs', 'pairs/film.jsonl'],
      ['judge', 'hps'],
      ['judge', 'traits'],
      ['min-accuracy', '80%'],
    ],
  );
  assert.deepEqual(prop(a, 'pairs').value.range, r(1, 16, 32), 'the trailing comment is not part of the path');
  assert.deepEqual(prop(a, 'judge', 1).value.range, r(3, 16, 22));
  assert.deepEqual(a.range, r(0, 0, 19, 4));
  const b = f.blocks[1] as AuditBlock;
  assert.equal(b.name?.text, 'unquoted name');
  assert.deepEqual(
    b.tags.map((t) => t.text),
    ['color_and_tone'],
  );
  const quoted = prop(b, 'pairs').value;
  assert.ok(quoted.type === 'word' && quoted.quoted && quoted.text === 'bench folder');
});

test('an audit without a name, or with an open tag list, is reported where a test would be', () => {
  const f = parse('audit\n  pairs p.jsonl\naudit [clarity_and_focus]\naudit "x" [a, b\naudit "y" extra\n');
  assert.deepEqual(
    f.diagnostics.map((d) => [d.code, d.range.start.line, d.range.start.character]),
    [
      ['missing-value', 0, 0],
      ['missing-value', 2, 0],
      ['syntax', 3, 10],
      ['trailing-text', 4, 10],
    ],
  );
  assert.equal(f.diagnostics[0].message, 'Expected an audit name: audit "reward models on film grain".');
  assert.deepEqual(
    f.blocks.map((b) => b.kind),
    ['audit', 'audit', 'audit', 'audit'],
  );
  assert.equal(f.blocks[0].properties.length, 1, 'the nameless audit still holds its pairs');
});

test('a misspelt audit header is an unknown block with did-you-mean; an incremental edit into one parses fresh', () => {
  const f = parse('audti "x"\n  pairs p\n');
  assert.deepEqual(
    f.diagnostics.map((d) => [d.code, d.suggestions]),
    [['unknown-block', ['audit']]],
  );
  assert.match(f.diagnostics[0].message, /Expected import, generator, judge, defaults, test or audit\./);
  const fixed = parse('audit "x"\n  pairs p\n', f);
  assert.deepEqual(fixed.diagnostics, []);
  assert.equal(fixed.blocks[0].kind, 'audit');
});
