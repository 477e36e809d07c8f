// The bundled language server (dist/server.js) driven over stdio LSP, as Neovim or Helix would run it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { LspClient } from './helpers/lspClient';

const REPO = path.resolve(__dirname, '../../..');

interface Pos {
  line: number;
  character: number;
}
interface Rng {
  start: Pos;
  end: Pos;
}
interface LspDiagnostic {
  range: Rng;
  message: string;
  code: string;
  severity: number;
}
interface PublishParams {
  uri: string;
  version?: number;
  diagnostics: LspDiagnostic[];
}

let dir: string;
let client: LspClient;
const uri = (name: string) => pathToFileURL(path.join(dir, name)).toString();

const GENERATORS = 'generator sdxl\n  kind      comfyui\n  url       http://127.0.0.1:8188\n  workflow  flow.json\n';
const SPEC = `import "generators.wabi"

defaults
  generator  sdxl
  seeds      1..4

test "grainy cow"  [clarity_and_focus.film_artifacts]
  prompt    A grainy cow
  expect    grian >= 0.6
  expect    grain > baseline + 0.3
`;

function diagnosticsOf(name: string, accept: (p: PublishParams) => boolean = () => true): Promise<PublishParams> {
  return client.waitFor<PublishParams>('textDocument/publishDiagnostics', (p) => p.uri === uri(name) && accept(p));
}

function open(name: string, text: string, version = 1): Promise<PublishParams> {
  const published = diagnosticsOf(name);
  client.notify('textDocument/didOpen', { textDocument: { uri: uri(name), languageId: 'wabi', version, text } });
  return published;
}

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wabi-lsp-'));
  fs.mkdirSync(path.join(dir, 'ws'));
  dir = path.join(dir, 'ws');
  fs.writeFileSync(path.join(dir, 'generators.wabi'), GENERATORS);
  fs.writeFileSync(path.join(dir, 'flow.json'), '{}');
  fs.writeFileSync(path.join(dir, 'spec.wabi'), SPEC);
  fs.writeFileSync(path.join(dir, '..', 'outside.wabi'), 'generator secret\n  kind degrade\n');
  client = new LspClient(path.join(REPO, 'dist/server.js'));
  client.handlers.set('workspace/configuration', () => [{}]);
  const init = await client.request<{ capabilities: Record<string, unknown> }>('initialize', {
    processId: process.pid,
    rootUri: pathToFileURL(dir).toString(),
    workspaceFolders: [{ uri: pathToFileURL(dir).toString(), name: 'ws' }],
    capabilities: { textDocument: { publishDiagnostics: { versionSupport: true } } },
  });
  assert.deepEqual((init.capabilities.textDocumentSync as { change: number }).change, 2, 'incremental sync');
  client.notify('initialized', {});
});

after(async () => {
  await client.shutdown();
  fs.rmSync(path.dirname(dir), { recursive: true, force: true });
});

test('publishes diagnostics on open, at the exact range, and clears them after an incremental fix', async () => {
  const first = await open('spec.wabi', SPEC);
  assert.deepEqual(
    first.diagnostics.map((d) => [d.code, d.range.start.line, d.range.start.character, d.range.end.character]),
    [
      ['unknown-trait', 8, 12, 17],
      ['missing-baseline', 9, 20, 28],
    ],
  );
  assert.equal(first.diagnostics[0].message, "Unknown trait 'grian'. Did you mean 'grain'?");
  assert.equal(first.diagnostics[0].severity, 1);

  const fixed = diagnosticsOf('spec.wabi', (p) => p.version === 2);
  client.notify('textDocument/didChange', {
    textDocument: { uri: uri('spec.wabi'), version: 2 },
    contentChanges: [
      { range: { start: { line: 8, character: 12 }, end: { line: 8, character: 17 } }, text: 'grain' },
      { range: { start: { line: 7, character: 24 }, end: { line: 7, character: 24 } }, text: '\n  baseline  a cow' },
    ],
  });
  assert.deepEqual((await fixed).diagnostics, []);
});

test('completes traits after expect, with documentation', async () => {
  const items = await client.request<Array<{ label: string; documentation?: { value: string } }>>('textDocument/completion', {
    textDocument: { uri: uri('spec.wabi') },
    position: { line: 9, character: 12 },
  });
  const labels = items.map((i) => i.label);
  for (const t of ['grain', 'blur', 'motion-blur', 'polish']) assert.ok(labels.includes(t), `missing ${t} in ${labels.join(',')}`);
  const grain = items.find((i) => i.label === 'grain')!;
  assert.match(grain.documentation!.value, /noise/i);
});

test('hover explains a trait; definition jumps across the import', async () => {
  const h = await client.request<{ contents: { value: string } }>('textDocument/hover', {
    textDocument: { uri: uri('spec.wabi') },
    position: { line: 9, character: 14 },
  });
  assert.match(h.contents.value, /\*\*grain\*\*/);
  const defs = await client.request<Array<{ uri: string; range: Rng }>>('textDocument/definition', {
    textDocument: { uri: uri('spec.wabi') },
    position: { line: 3, character: 14 },
  });
  assert.deepEqual(defs, [{ uri: uri('generators.wabi'), range: { start: { line: 0, character: 10 }, end: { line: 0, character: 14 } } }]);
});

test('renames a generator in its definition file and in every file that uses it', async () => {
  const edit = await client.request<{ changes: Record<string, Array<{ range: Rng; newText: string }>> }>('textDocument/rename', {
    textDocument: { uri: uri('spec.wabi') },
    position: { line: 3, character: 13 },
    newName: 'sdxl-turbo',
  });
  assert.deepEqual(Object.keys(edit.changes).sort(), [uri('generators.wabi'), uri('spec.wabi')].sort());
  assert.deepEqual(edit.changes[uri('generators.wabi')], [{ range: { start: { line: 0, character: 10 }, end: { line: 0, character: 14 } }, newText: 'sdxl-turbo' }]);
  await assert.rejects(
    client.request('textDocument/rename', { textDocument: { uri: uri('spec.wabi') }, position: { line: 9, character: 14 }, newName: 'x' }),
  );
});

test('offers a did-you-mean quick fix for the diagnostic it published', async () => {
  const published = await open('typo.wabi', 'import "generators.wabi"\ntest "t"\n  generator  sdxl\n  prompt  p\n  expect  blurr > 0.5\n');
  const d = published.diagnostics.find((x) => x.code === 'unknown-trait')!;
  assert.ok(d, JSON.stringify(published.diagnostics));
  const actions = await client.request<Array<{ title: string; kind: string; edit: { changes: Record<string, Array<{ newText: string; range: Rng }>> } }>>(
    'textDocument/codeAction',
    { textDocument: { uri: uri('typo.wabi') }, range: d.range, context: { diagnostics: [d] } },
  );
  const fix = actions.find((a) => a.kind === 'quickfix' && a.edit.changes[uri('typo.wabi')]?.some((e) => e.newText === 'blur'));
  assert.ok(fix, JSON.stringify(actions));
  assert.deepEqual(fix.edit.changes[uri('typo.wabi')][0].range, d.range);
});

test('editing an imported file revalidates the files that import it', async () => {
  await open('generators.wabi', GENERATORS);
  const user = await open('user.wabi', 'import "generators.wabi"\ntest "t"\n  generator  sdxl\n  prompt  p\n');
  assert.deepEqual(user.diagnostics, []);
  const broken = diagnosticsOf('user.wabi', (p) => p.diagnostics.length > 0);
  client.notify('textDocument/didChange', {
    textDocument: { uri: uri('generators.wabi'), version: 2 },
    contentChanges: [{ range: { start: { line: 0, character: 10 }, end: { line: 0, character: 14 } }, text: 'flux' }],
  });
  const after = await broken;
  assert.deepEqual(after.diagnostics.map((d) => d.code), ['unknown-generator']);
});

test('never reads files outside the workspace', async () => {
  const p = await open('escape.wabi', 'import "../outside.wabi"\ntest "t"\n  generator  secret\n  prompt  p\n');
  assert.deepEqual(
    p.diagnostics.map((d) => d.message),
    ["Cannot import '../outside.wabi': it is outside the workspace.", "Unknown generator 'secret'. Define it with a `generator` block or import a file that does."],
  );
});

test('survives garbage documents and keeps answering', async () => {
  const junk = Array.from({ length: 2000 }, (_, i) => String.fromCharCode((i * 7919) % 0xd7ff)).join('') + '\n\t"(|[#\r\n  expect (((';
  const p = await open('junk.wabi', junk);
  assert.ok(p.diagnostics.length > 0);
  for (const pos of [
    { line: 0, character: 0 },
    { line: 1, character: 3 },
    { line: 2, character: 10 },
    { line: 99, character: 99 },
  ]) {
    await client.request('textDocument/completion', { textDocument: { uri: uri('junk.wabi') }, position: pos });
    await client.request('textDocument/hover', { textDocument: { uri: uri('junk.wabi') }, position: pos });
  }
  await client.request('textDocument/documentSymbol', { textDocument: { uri: uri('junk.wabi') } });
  await client.request('textDocument/formatting', { textDocument: { uri: uri('junk.wabi') }, options: { tabSize: 2, insertSpaces: true } });
  assert.equal(client.exited, false);
  const again = await client.request<unknown[]>('textDocument/documentSymbol', { textDocument: { uri: uri('spec.wabi') } });
  assert.ok(again.length >= 3);
});

test('an audit spec: located diagnostics, an outline entry with its judges, no CodeLens and no discovered test for it', async () => {
  fs.mkdirSync(path.join(dir, 'pairs'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'pairs', 'film.jsonl'), '{}\n');
  fs.writeFileSync(path.join(dir, 'hps.onnx'), 'x');
  const text = `generator local
  kind  command
  run   gen {prompt} {out}
judge hps
  kind   reward
  model  hps.onnx

test "grainy"
  generator  local
  prompt     a grainy cow

audit "reward models on grain"  [clarity_and_focus.film_artifacts]
  pairs  pairs/film.jsonl
  judge  hsp
  judge  traits
`;
  const published = await open('audits.wabi', text);
  assert.deepEqual(
    published.diagnostics.map((d) => [d.code, d.range.start.line, d.range.start.character, d.message]),
    [['unknown-judge', 13, 9, "Unknown judge 'hsp'. Did you mean 'hps'?"]],
  );
  const symbols = await client.request<Array<{ name: string; kind: number; children?: Array<{ name: string; detail?: string }> }>>('textDocument/documentSymbol', {
    textDocument: { uri: uri('audits.wabi') },
  });
  const audit = symbols.find((s) => s.name === 'reward models on grain')!;
  assert.equal(audit.kind, 24, 'SymbolKind.Event');
  assert.deepEqual(audit.children?.map((c) => [c.name, c.detail]), [['hsp', undefined], ['traits', 'built-in']]);
  const lenses = await client.request<Array<{ range: Rng; command: { title: string } }>>('textDocument/codeLens', { textDocument: { uri: uri('audits.wabi') } });
  assert.deepEqual([...new Set(lenses.map((l) => l.range.start.line))], [7], 'lenses above the test only');
  const found = await client.request<{ files: Array<{ path: string; tests: Array<{ name: string }> }> }>('wabi/discoverTests', { files: [path.join(dir, 'audits.wabi')] });
  assert.deepEqual(found.files.map((f) => f.tests.map((t) => t.name)), [['grainy']]);
  const hover = await client.request<{ contents: { value: string } }>('textDocument/hover', { textDocument: { uri: uri('audits.wabi') }, position: { line: 14, character: 11 } });
  assert.match(hover.contents.value, /^\*\*traits\*\* · built-in intent judge/);
});
