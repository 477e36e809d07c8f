// Quick fixes: each is checked by its exact edit, and by applying it and analysing the result again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { memoryHost } from '../../server/src/files/host';
import { SpecWorkspace } from '../../server/src/language/workspace';
import { codeActions, freeText, plainBaseline } from '../../server/src/language/codeActions';
import { SECRET_KEYS } from '../../server/src/catalogue/schema';
import type { Diagnostic } from '../../server/src/language/ast';
import type { CodeAction } from '../../server/src/language/features';
import { applyEdits, rng } from './helpers/textEdits';

const FILE = '/ws/spec.wabi';

function workspace(text: string, extra: Record<string, string> = {}): SpecWorkspace {
  return new SpecWorkspace(memoryHost({ [FILE]: text, ...extra }), { checkFiles: false });
}

function diagnostics(text: string, code: string): Diagnostic[] {
  return workspace(text).analyze(FILE)!.diagnostics.filter((d) => d.code === code);
}

/** The actions offered for the first diagnostic with `code`, asked for at its range with only it in context. */
function fixes(text: string, code: string, nth = 0): { actions: CodeAction[]; diagnostic: Diagnostic } {
  const ws = workspace(text);
  const d = ws.analyze(FILE)!.diagnostics.filter((x) => x.code === code)[nth];
  assert.ok(d, `no ${code} diagnostic`);
  return { actions: codeActions(ws, FILE, d.range, [d]), diagnostic: d };
}

function apply(text: string, action: CodeAction): string {
  assert.deepEqual(Object.keys(action.edit.changes), [FILE]);
  return applyEdits(text, action.edit.changes[FILE]);
}

function summary(actions: readonly CodeAction[]) {
  return actions.map((a) => ({ title: a.title, preferred: a.isPreferred ?? false, edits: a.edit.changes[FILE] }));
}

// ---- did-you-mean -----------------------------------------------------------------------------------------

const TYPOS = `defaults
  generatr  sdxl
  seeds     4..1, 9

generator sdxl
  kind  comfyu
  url   http://127.0.0.1:8188
  workflow  wf.json

judge head
  kind  aesthetic
  model  head.onnx
  encoder  clip-l

judge clip-l
  kind  clip
  image-model  i.onnx
  text-model   t.onnx
  tokenizer    tok.json

tset "typo"

test "grainy cow"  [clarity_and_focus.film_artifcts]
  prompt     A cow stands in a field. Heavy grain fills the frame.
  generator  sdxll
  expect     grian >= 0.6
  expect     head > 5
`;

test('suggestions: one "Change to" per suggestion replacing the diagnostic range, the first preferred', () => {
  const cases: [code: string, range: ReturnType<typeof rng>, replacement: string][] = [
    ['unknown-key', rng(1, 2, 10), 'generator'],
    ['bad-seeds', rng(2, 12, 16), '1..4'],
    ['unknown-generator-kind', rng(5, 8, 14), 'comfyui'],
    ['unknown-block', rng(20, 0, 4), 'test'],
    ['unknown-tag', rng(22, 20, 51), 'clarity_and_focus.film_artifacts'],
    ['unknown-generator', rng(24, 13, 18), 'sdxl'],
    ['unknown-trait', rng(25, 13, 18), 'grain'],
  ];
  for (const [code, range, replacement] of cases) {
    const { actions, diagnostic } = fixes(TYPOS, code);
    assert.deepEqual(diagnostic.range, range, code);
    assert.deepEqual(summary(actions), [{ title: `Change to '${replacement}'`, preferred: true, edits: [{ range, newText: replacement }] }], code);
    assert.deepEqual(actions[0].diagnostics, [diagnostic]);
    assert.equal(actions[0].kind, 'quickfix');
  }
});

test('suggestions: a judge used as a trait is rewritten as its score; applying every fix leaves no typo', () => {
  const { actions } = fixes(TYPOS, 'unknown-trait', 1);
  assert.deepEqual(summary(actions), [{ title: "Change to 'aesthetic(head)'", preferred: true, edits: [{ range: rng(26, 13, 17), newText: 'aesthetic(head)' }] }]);

  const ws = workspace(TYPOS);
  const all = ws.analyze(FILE)!.diagnostics;
  const whole = rng(0, 0, 0, 30);
  const chosen = codeActions(ws, FILE, whole, all).filter((a) => a.isPreferred);
  const fixed = applyEdits(TYPOS, chosen.flatMap((a) => a.edit.changes[FILE]));
  const after = workspace(fixed).analyze(FILE)!.diagnostics.map((d) => d.code);
  // `tset "typo"` became a test, and a test needs a prompt: that is the one thing left.
  assert.deepEqual(after, ['missing-prompt']);
  assert.equal(fixed.split('\n')[20], 'test "typo"');
});

test('suggestions: several are offered in order, only the first preferred', () => {
  const ws = workspace(TYPOS);
  const d = ws.analyze(FILE)!.diagnostics.find((x) => x.code === 'unknown-trait')!;
  const actions = codeActions(ws, FILE, d.range, [{ ...d, suggestions: ['grain', 'blur'] }]);
  assert.deepEqual(summary(actions), [
    { title: "Change to 'grain'", preferred: true, edits: [{ range: rng(25, 13, 18), newText: 'grain' }] },
    { title: "Change to 'blur'", preferred: false, edits: [{ range: rng(25, 13, 18), newText: 'blur' }] },
  ]);
});

test('only diagnostics touching the asked range are fixed; each identical fix is offered once', () => {
  const ws = workspace(TYPOS);
  const all = ws.analyze(FILE)!.diagnostics;
  const titles = codeActions(ws, FILE, rng(25, 15, 15), all).map((a) => a.title);
  assert.deepEqual(titles, ["Change to 'grain'"]);
  assert.deepEqual(codeActions(ws, FILE, rng(3, 0, 0), all), []);
});

test('suggestions and data lost by the editor are recovered from the analysis', () => {
  const ws = workspace(TYPOS);
  const d = ws.analyze(FILE)!.diagnostics.find((x) => x.code === 'unknown-trait')!;
  const echoed: Diagnostic = { range: d.range, severity: d.severity, message: d.message, code: d.code };
  assert.deepEqual(
    codeActions(ws, FILE, d.range, [echoed]).map((a) => a.title),
    ["Change to 'grain'"],
  );
  // A diagnostic the analysis does not know (stale) gets no invented fix.
  assert.deepEqual(codeActions(ws, FILE, rng(25, 13, 18), [{ ...echoed, range: rng(25, 13, 16) }]), []);
});

// ---- missing baseline -------------------------------------------------------------------------------------

const NO_BASELINE = `test "grainy cow"  [clarity_and_focus.film_artifacts]
  prompt    A cow stands in a field. Heavy grain fills the frame.
  expect    grain > baseline + 0.3
  expect    polish < baseline
`;

test('missing-baseline: adds a baseline line after the prompt, the prompt\'s first sentence', () => {
  const { actions } = fixes(NO_BASELINE, 'missing-baseline');
  assert.deepEqual(summary(actions), [
    { title: 'Add a baseline prompt', preferred: true, edits: [{ range: rng(2, 0, 0), newText: '  baseline  A cow stands in a field\n' }] },
  ]);
  const fixed = apply(NO_BASELINE, actions[0]);
  assert.equal(
    fixed,
    `test "grainy cow"  [clarity_and_focus.film_artifacts]
  prompt    A cow stands in a field. Heavy grain fills the frame.
  baseline  A cow stands in a field
  expect    grain > baseline + 0.3
  expect    polish < baseline
`,
  );
  assert.deepEqual(diagnostics(fixed, 'missing-baseline'), []);
});

test('missing-baseline: two diagnostics in one test give one action', () => {
  const ws = workspace(NO_BASELINE);
  const ds = ws.analyze(FILE)!.diagnostics.filter((d) => d.code === 'missing-baseline');
  assert.equal(ds.length, 2);
  assert.deepEqual(codeActions(ws, FILE, rng(2, 0, 0, 3), ds).map((a) => a.title), ['Add a baseline prompt']);
});

test('missing-baseline: after a | prompt, at the test\'s indentation, quoted when the text needs it', () => {
  const text = `test "smeared"
    prompt |
      A street at night, heavy motion blur,
      smeared headlights.
    expect  blur > baseline
`;
  const { actions } = fixes(text, 'missing-baseline');
  assert.deepEqual(actions[0].edit.changes[FILE], [{ range: rng(4, 0, 0), newText: '    baseline  A street at night\n' }]);

  const hashed = 'test "hash"\n  prompt  "Track #1 on the tape. Worn out."\n  expect  grain > baseline\n';
  const h = fixes(hashed, 'missing-baseline');
  assert.deepEqual(h.actions[0].edit.changes[FILE], [{ range: rng(2, 0, 0), newText: '  baseline  "Track #1 on the tape"\n' }]);
  const fixed = apply(hashed, h.actions[0]);
  const baseline = workspace(fixed).analyze(FILE)!.tests[0].properties.find((p) => p.key.text === 'baseline')!;
  assert.deepEqual(baseline.value.type === 'text' && baseline.value.text, 'Track #1 on the tape');
});

test('missing-baseline: at the end of a file without a final newline, and in a CRLF file', () => {
  const text = 'test "t"\n  expect  grain > baseline\n  prompt  a dog, asleep';
  const { actions } = fixes(text, 'missing-baseline');
  assert.deepEqual(actions[0].edit.changes[FILE], [{ range: rng(2, 23, 23), newText: '\n  baseline  a dog' }]);
  assert.equal(apply(text, actions[0]), text + '\n  baseline  a dog');

  const crlf = NO_BASELINE.replace(/\n/g, '\r\n');
  const c = fixes(crlf, 'missing-baseline');
  assert.deepEqual(c.actions[0].edit.changes[FILE], [{ range: rng(2, 0, 0), newText: '  baseline  A cow stands in a field\r\n' }]);
});

test('plainBaseline and freeText', () => {
  assert.equal(plainBaseline('A cow stands in a field. Heavy grain.'), 'A cow stands in a field');
  assert.equal(plainBaseline('A 1.5 metre cow, grainy'), 'A 1.5 metre cow');
  assert.equal(plainBaseline('A portrait - smeared'), 'A portrait');
  assert.equal(plainBaseline('An old man at a table'), 'An old man at a table');
  assert.equal(plainBaseline('. Leading stop'), '. Leading stop');
  assert.equal(plainBaseline(''), '');
  assert.equal(freeText('a cow'), 'a cow');
  assert.equal(freeText('C# minor'), 'C# minor');
  assert.equal(freeText('a # b'), '"a # b"');
  assert.equal(freeText('|'), '"|"');
  assert.equal(freeText('"quoted" start'), '"\\"quoted\\" start"');
  assert.equal(freeText(''), '""');
});

// ---- missing prompt ---------------------------------------------------------------------------------------

test('missing-prompt: adds a prompt line under the header, the test name as a draft', () => {
  const text = 'defaults\n  generator  g\n\ntest "rotting fruit"  [emotion_and_subject]\n    expect  grain > 0.5\n';
  const { actions } = fixes(text, 'missing-prompt');
  assert.deepEqual(summary(actions), [
    { title: 'Add a prompt', preferred: true, edits: [{ range: rng(4, 0, 0), newText: '    prompt  rotting fruit\n' }] },
  ]);
  assert.deepEqual(diagnostics(apply(text, actions[0]), 'missing-prompt'), []);

  const bare = 'test "bare"';
  const b = fixes(bare, 'missing-prompt');
  assert.deepEqual(b.actions[0].edit.changes[FILE], [{ range: rng(0, 11, 11), newText: '\n  prompt  bare' }]);
});

// ---- generators and judges --------------------------------------------------------------------------------

test('missing-kind: one action per kind, each adding the kind under the header', () => {
  const text = 'generator g\n  url  http://127.0.0.1:8188\n\njudge j\n';
  const g = fixes(text, 'missing-kind', 0);
  assert.deepEqual(
    summary(g.actions).map((a) => [a.title, a.preferred, a.edits]),
    ['files', 'degrade', 'comfyui', 'a1111', 'openai', 'command'].map((k) => [`Add 'kind ${k}'`, false, [{ range: rng(1, 0, 0), newText: `  kind  ${k}\n` }]]),
  );
  const j = fixes(text, 'missing-kind', 1);
  assert.deepEqual(j.actions.map((a) => a.title), ["Add 'kind clip'", "Add 'kind aesthetic'", "Add 'kind reward'"]);
  assert.deepEqual(j.actions[0].edit.changes[FILE], [{ range: rng(4, 0, 0), newText: '  kind  clip\n' }]);
  assert.deepEqual(diagnostics(apply(text, g.actions[2]), 'missing-kind').length, 1); // only the judge's remains
});

test('missing-setting: adds the required settings with placeholders, aligned, after the block', () => {
  const text = `generator comfy
  kind  comfyui

judge clip-l
  kind  clip
  size  224

judge head
  kind  aesthetic
  model  head.onnx
`;
  const comfy = fixes(text, 'missing-setting', 0);
  assert.deepEqual(summary(comfy.actions), [
    {
      title: "Add the missing settings 'url', 'workflow'",
      preferred: true,
      edits: [{ range: rng(2, 0, 0), newText: '  url       http://127.0.0.1:8188\n  workflow  workflow.json\n' }],
    },
  ]);
  const clip = fixes(text, 'missing-setting', 1);
  assert.deepEqual(clip.actions[0].edit.changes[FILE], [
    { range: rng(6, 0, 0), newText: '  image-model  image-encoder.onnx\n  text-model   text-encoder.onnx\n  tokenizer    tokenizer.json\n' },
  ]);
  const head = fixes(text, 'missing-setting', 2);
  assert.equal(head.actions[0].title, "Add the missing setting 'encoder'");
  // The encoder placeholder is the clip judge the file can see.
  assert.deepEqual(head.actions[0].edit.changes[FILE], [{ range: rng(10, 0, 0), newText: '  encoder  clip-l\n' }]);

  let fixed = text;
  for (const a of [head.actions[0], clip.actions[0], comfy.actions[0]]) fixed = apply(fixed, a);
  assert.deepEqual(diagnostics(fixed, 'missing-setting'), []);
  assert.deepEqual(workspace(fixed).analyze(FILE)!.diagnostics.map((d) => d.code), []);
});

test('missing-setting: command and openai placeholders are valid values', () => {
  const text = 'generator cmd\n  kind  command\n\ngenerator oa\n  kind  openai\n';
  const cmd = fixes(text, 'missing-setting', 0);
  assert.deepEqual(cmd.actions[0].edit.changes[FILE], [{ range: rng(2, 0, 0), newText: '  run  my-generator --prompt {prompt} --seed {seed} --out {out}\n' }]);
  const oa = fixes(text, 'missing-setting', 1);
  assert.deepEqual(oa.actions[0].edit.changes[FILE], [{ range: rng(5, 0, 0), newText: '  model  gpt-image-1\n' }]);
  const fixed = apply(apply(text, oa.actions[0]), cmd.actions[0]);
  assert.deepEqual(workspace(fixed).analyze(FILE)!.diagnostics.map((d) => d.code), []);
});

test('secret-in-spec: replaced by api-key-env, or removed when the block already has one', () => {
  const text = `generator oa
  kind     openai
  model    gpt-image-1
  api-key  sk-abc123 # oops
`;
  const { actions } = fixes(text, 'secret-in-spec');
  assert.deepEqual(summary(actions), [
    { title: "Replace with 'api-key-env OPENAI_API_KEY'", preferred: true, edits: [{ range: rng(3, 2, 20), newText: 'api-key-env OPENAI_API_KEY' }] },
  ]);
  const fixed = apply(text, actions[0]);
  assert.equal(fixed.split('\n')[3], '  api-key-env OPENAI_API_KEY # oops');
  assert.deepEqual(workspace(fixed).analyze(FILE)!.diagnostics.map((d) => d.code), []);

  const both = 'generator oa\n  kind  openai\n  model  m\n  token  abc\n  api-key-env  MY_KEY\n';
  const b = fixes(both, 'secret-in-spec');
  assert.deepEqual(summary(b.actions), [
    { title: 'Remove the secret (the key comes from api-key-env)', preferred: true, edits: [{ range: rng(3, 0, 0, 4), newText: '' }] },
  ]);
  assert.equal(apply(both, b.actions[0]), 'generator oa\n  kind  openai\n  model  m\n  api-key-env  MY_KEY\n');

  const last = 'generator oa\n  kind  openai\n  model  m\n  api-key-env  MY_KEY\n  secret  abc';
  const l = fixes(last, 'secret-in-spec');
  assert.equal(apply(last, l.actions[0]), 'generator oa\n  kind  openai\n  model  m\n  api-key-env  MY_KEY');
});

test('secret-in-spec: the fix takes out the whole key and value, for every secret key, value form and block', () => {
  const SECRET = 'sk-live-0123456789';
  // Value forms, each as written after the key; every one holds SECRET.
  const VALUES = [
    SECRET,
    `"${SECRET}"`,
    `"${SECRET} with spaces"`,
    `"${SECRET}" trailing words`,
    `"a" "${SECRET}"`,
    `"${SECRET}`, // unterminated
    `${SECRET} and more words`,
    `|\n    ${SECRET}\n    continued`,
    `\n    ${SECRET}`, // no value on the key's line, the key on the next
  ];
  const GENERATOR = 'generator g\n  kind  degrade\n  input  x.png\n';
  // Blocks the secret may sit in: an openai generator (which takes api-key-env), one that already has it, a
  // generator kind without keys, a test and defaults. `after` keeps a line after the secret in the block.
  const BLOCKS: Array<{ name: string; before: string; after: string; replaced: boolean }> = [
    { name: 'openai', before: 'generator oa\n  kind  openai\n  model  gpt-image-1\n', after: '  timeout  30s\n', replaced: true },
    { name: 'openai with api-key-env', before: 'generator oa\n  kind  openai\n  api-key-env  MY_KEY\n  model  gpt-image-1\n', after: '  timeout  30s\n', replaced: false },
    { name: 'comfyui', before: 'generator c\n  kind  comfyui\n  url  http://127.0.0.1:8188\n  workflow  wf.json\n', after: '  retries  1\n', replaced: false },
    { name: 'test', before: GENERATOR + 'test "t"\n  generator  g\n  prompt  p\n', after: '  expect  grain > 0.5\n', replaced: false },
    { name: 'defaults', before: GENERATOR + 'defaults\n  generator  g\n', after: '  seeds  1..2\n', replaced: false },
  ];
  for (const key of [...SECRET_KEYS, 'API-KEY', 'Token']) {
    for (const value of VALUES) {
      for (const b of BLOCKS) {
        for (const end of [b.after, '']) {
          const text = `${b.before}  ${key}  ${value}  # a comment\n${end}`;
          const label = JSON.stringify({ key, value, block: b.name, end });
          const ws = workspace(text);
          const all = ws.analyze(FILE)!.diagnostics;
          const d = all.find((x) => x.code === 'secret-in-spec');
          assert.ok(d, label);
          // The editor may echo a diagnostic that covers the key only: the fix must not depend on its range.
          for (const given of [d, { ...d, range: rng(d.range.start.line, d.range.start.character, d.range.start.character + key.length) }]) {
            const actions = codeActions(ws, FILE, given.range, [given]);
            assert.equal(actions.length, 1, label);
            const fixed = apply(text, actions[0]);
            assert.ok(!fixed.includes(SECRET), `${label}\n${fixed}`);
            assert.deepEqual(workspace(fixed).analyze(FILE)!.diagnostics.map((x) => x.code), [], `${label}\n${fixed}`);
            // A replaced line keeps its comment (unless an unterminated string swallowed it); a removed one goes with it.
            const comment = b.replaced && !/^"[^"]*$/.test(value);
            assert.equal(fixed.includes('# a comment'), comment, `${label}\n${fixed}`);
            assert.ok(fixed.includes(comment ? '  api-key-env OPENAI_API_KEY  # a comment\n' : b.replaced ? '  api-key-env OPENAI_API_KEY\n' : '\n'), `${label}\n${fixed}`);
            assert.equal(fixed.includes('api-key-env OPENAI_API_KEY'), b.replaced, `${label}\n${fixed}`);
            assert.ok(fixed.endsWith(end), label);
          }
        }
      }
    }
  }
});

test('secret-in-spec: two secrets in one block become one api-key-env; a key written as api-key-env is offered the variable', () => {
  const text = 'generator oa\n  kind  openai\n  model  m\n  api-key  sk-abc123\n  token  "sk-def456"\n';
  let fixed = text;
  for (let i = 0; i < 2; i++) {
    const { actions } = fixes(fixed, 'secret-in-spec');
    fixed = apply(fixed, actions[0]);
  }
  assert.equal(fixed, 'generator oa\n  kind  openai\n  model  m\n  api-key-env OPENAI_API_KEY\n');
  // In either order.
  const second = fixes(text, 'secret-in-spec', 1);
  assert.equal(second.actions[0].title, 'Remove the secret');
  const { actions } = fixes(apply(text, second.actions[0]), 'secret-in-spec');
  assert.equal(apply(apply(text, second.actions[0]), actions[0]), fixed);

  const asEnv = 'generator oa\n  kind  openai\n  model  m\n  api-key-env  "sk-proj-abcdefghijklmnopqrstuvwxyz012345"\n';
  const e = fixes(asEnv, 'bad-env');
  assert.deepEqual(summary(e.actions), [
    { title: "Change to 'OPENAI_API_KEY'", preferred: true, edits: [{ range: rng(3, 15, 57), newText: 'OPENAI_API_KEY' }] },
  ]);
  assert.deepEqual(workspace(apply(asEnv, e.actions[0])).analyze(FILE)!.diagnostics, []);
});

test('no actions for diagnostics without a fix, nor for an unreadable file', () => {
  const text = 'test "t"\n  prompt  x\n  generator  g\n  strength  0.5\n';
  const ws = workspace(text);
  const all = ws.analyze(FILE)!.diagnostics;
  assert.ok(all.length > 0);
  assert.deepEqual(codeActions(ws, FILE, rng(0, 0, 0, 4), all), []);
  assert.deepEqual(codeActions(ws, '/ws/none.wabi', rng(0, 0, 0), all), []);
});

// ---- audits -----------------------------------------------------------------------------------------------

const AUDIT_TYPOS = `judge hps
  kind   reward
  model  hps.onnx

audti "typo"

audit "reward models on grain"  [clarity_and_focus.film_artifcts]
  pairs        pairs.jsonl
  judge        hsp
  judge        trait
  min-acuracy  0.8

audit "no judge"
  pairs  pairs.jsonl
`;

test('audits: did-you-mean fixes the header, tags, keys and judge names (the built-in traits among them)', () => {
  const cases: [code: string, nth: number, range: ReturnType<typeof rng>, replacement: string][] = [
    ['unknown-block', 0, rng(4, 0, 5), 'audit'],
    ['unknown-tag', 0, rng(6, 33, 64), 'clarity_and_focus.film_artifacts'],
    ['unknown-judge', 0, rng(8, 15, 18), 'hps'],
    ['unknown-judge', 1, rng(9, 15, 20), 'traits'],
    ['unknown-key', 0, rng(10, 2, 13), 'min-accuracy'],
  ];
  for (const [code, nth, range, replacement] of cases) {
    const { actions, diagnostic } = fixes(AUDIT_TYPOS, code, nth);
    assert.deepEqual(diagnostic.range, range, code);
    assert.deepEqual(summary(actions), [{ title: `Change to '${replacement}'`, preferred: true, edits: [{ range, newText: replacement }] }], code);
  }
});

test("audits: an audit without a judge is offered 'judge traits' (preferred) and each visible judge, at its end", () => {
  const { actions } = fixes(AUDIT_TYPOS, 'missing-judge');
  assert.deepEqual(summary(actions), [
    { title: "Add 'judge traits'", preferred: true, edits: [{ range: rng(14, 0, 0), newText: '  judge  traits\n' }] },
    { title: "Add 'judge hps'", preferred: false, edits: [{ range: rng(14, 0, 0), newText: '  judge  hps\n' }] },
  ]);
  const fixed = apply(AUDIT_TYPOS, actions[0]);
  assert.ok(fixed.endsWith('audit "no judge"\n  pairs  pairs.jsonl\n  judge  traits\n'));
  assert.deepEqual(
    workspace(fixed).analyze(FILE)!.diagnostics.map((d) => d.code),
    ['unknown-block', 'unknown-tag', 'unknown-judge', 'unknown-judge', 'unknown-key'],
  );
  // At the end of a file without a final newline, the line goes after the last one.
  const bare = 'audit "a"\n  pairs p.jsonl';
  const { actions: end } = fixes(bare, 'missing-judge');
  assert.equal(apply(bare, end[0]), 'audit "a"\n  pairs p.jsonl\n  judge  traits');
});
