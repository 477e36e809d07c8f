// Running tests through the real bundled language server (dist/server.js over stdio), as an editor does:
// discovery, a run with its events in order, results stored and read back, CodeLens and hover from them, settings
// pulled from the client, secrets asked of the client, cancellation keeping finished tests, and nothing run in an
// untrusted workspace until trust is granted.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { DiscoverTestsResult, LastResultsResult, RunEventParams, RunTestsResult } from '../../server/src/lsp/protocol';
import { runSettingsFrom } from '../../server/src/lsp/runService';
import { LspClient } from './helpers/lspClient';
import { startFakeOpenAI, type FakeOpenAI } from './helpers/fakeOpenAI';
import { coffeeSpec } from './helpers/coffeeSpec';

const REPO = path.resolve(__dirname, '../../..');
const PHOTOS = path.join(REPO, 'test/fixtures/photos');
let dir: string;
let fake: FakeOpenAI;

const SPEC = coffeeSpec('coffee.jpg');

async function server(opts: { trusted?: boolean; config?: Record<string, unknown>; secret?: string } = {}): Promise<{ client: LspClient; events: RunEventParams[]; asked: string[] }> {
  const client = new LspClient(path.join(REPO, 'dist/server.js'));
  const events: RunEventParams[] = [];
  const asked: string[] = [];
  client.handlers.set('workspace/configuration', () => [opts.config ?? {}]);
  client.handlers.set('wabi/secret', (p) => {
    asked.push((p as { name: string }).name);
    return { value: opts.secret };
  });
  client.onNotification('wabi/runEvent', (p) => events.push(p as RunEventParams));
  await client.request('initialize', {
    processId: process.pid,
    rootUri: pathToFileURL(dir).toString(),
    workspaceFolders: [{ uri: pathToFileURL(dir).toString(), name: 'ws' }],
    capabilities: {},
    initializationOptions: opts.trusted === undefined ? {} : { workspaceTrusted: opts.trusted },
  });
  client.notify('initialized', {});
  return { client, events, asked };
}

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wabi-runservice-'));
  fs.copyFileSync(path.join(PHOTOS, 'coffee.jpg'), path.join(dir, 'coffee.jpg'));
  fs.writeFileSync(path.join(dir, 'spec.wabi'), SPEC);
  fake = await startFakeOpenAI({ apiKey: 'sk-from-the-editor-0123456789' });
});

after(async () => {
  await fake.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('discovers tests, runs one with its events in order, stores the result and shows it in CodeLens and hover', async () => {
  const { client, events } = await server({ config: { provider: 'cpu', concurrency: 2 } });
  try {
    const spec = path.join(dir, 'spec.wabi');
    const found = await client.request<DiscoverTestsResult>('wabi/discoverTests', {});
    assert.deepEqual(found.files.map((f) => [path.basename(f.path), f.errors, f.tests.map((t) => [t.name, t.headerRange.start.line, t.seeds, t.requiredSeeds])]), [
      ['spec.wabi', 0, [['grainy coffee', 10, [1, 2], 2], ['blurry coffee', 15, [1, 2], 2], ['washed-out coffee', 19, [1, 2], 2]]],
    ]);
    assert.equal(found.files[0].tests[0].id, `${spec}#grainy coffee`);

    const outcome = await client.request<RunTestsResult>('wabi/runTests', { runId: 'r1', include: [{ path: spec, name: 'grainy coffee' }] });
    assert.equal(outcome.status, 'ran', JSON.stringify(outcome));
    const result = (outcome as Extract<RunTestsResult, { status: 'ran' }>).result;
    assert.deepEqual(result.tests.map((t) => [t.name, t.verdict]), [['grainy coffee', 'pass']]);
    const types = events.filter((e) => e.runId === 'r1').map((e) => e.event.type);
    assert.deepEqual([types[0], types[1], types[2], types[types.length - 1]], ['run-planned', 'run-started', 'test-started', 'run-finished']);
    const generated = events.find((e) => e.event.type === 'image-generated')!.event as Extract<RunEventParams['event'], { type: 'image-generated' }>;
    assert.ok(fs.existsSync(generated.file), 'image events carry a file that exists');
    assert.ok(generated.file.startsWith(path.join(dir, '.wabi', 'cache')), 'the default cache is in the workspace');

    const stored = await client.request<LastResultsResult>('wabi/lastResults', {});
    assert.deepEqual(stored.tests.map((t) => [t.id, t.last.verdict, t.previous === undefined]), [[`${spec}#grainy coffee`, 'pass', true]]);
    assert.ok(fs.existsSync(path.join(dir, '.wabi', 'results.json')));

    const uri = pathToFileURL(spec).toString();
    client.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'wabi', version: 1, text: SPEC } });
    const lenses = await client.request<Array<{ range: { start: { line: number } }; command: { title: string; command: string } }>>('textDocument/codeLens', { textDocument: { uri } });
    assert.deepEqual(
      lenses.filter((l) => l.range.start.line === 10).map((l) => [l.command.title, l.command.command]),
      [
        ['Run', 'wabi.runTest'],
        ['Show images', 'wabi.showImages'],
        ['2/2 passed', 'wabi.showImages'],
      ],
    );
    const hover = await client.request<{ contents: { value: string } }>('textDocument/hover', { textDocument: { uri }, position: { line: 10, character: 8 } });
    assert.match(hover.contents.value, /^\*\*Last run: passed\*\* · 2 of 2 seeds passed \(2 required\)/);
    assert.match(hover.contents.value, /!\[prompt seed 1\]\(file:\/\/.*\|width=64\)/);

    // A second run keeps the first as the previous result.
    await client.request<RunTestsResult>('wabi/runTests', { runId: 'r2', include: [{ path: spec, line: 12 }] });
    const again = await client.request<LastResultsResult>('wabi/lastResults', { files: [spec] });
    assert.equal(again.tests[0].previous?.verdict, 'pass');
  } finally {
    await client.shutdown();
  }
});

test('settings come from the client: a cache folder of its choosing; one seed of a test runs alone', async () => {
  const { client } = await server({ config: { provider: 'cpu', concurrency: 1, cacheDirectory: 'elsewhere/cache' } });
  try {
    const spec = path.join(dir, 'spec.wabi');
    const outcome = await client.request<RunTestsResult>('wabi/runTests', { runId: 's', include: [{ path: spec, name: 'blurry coffee', seed: 2 }] });
    const result = (outcome as Extract<RunTestsResult, { status: 'ran' }>).result;
    assert.deepEqual(result.tests[0].images.map((i) => i.seed), [2]);
    assert.deepEqual(result.tests[0].passRate, { passed: 1, total: 1, required: 1 });
    assert.ok(result.tests[0].images[0].file.startsWith(path.join(dir, 'elsewhere', 'cache')));
  } finally {
    await client.shutdown();
  }
});

test("wabi.run.concurrency: 0 (the default), unset or out of range lets the runner choose, as the CLI's does", () => {
  // The runner then makes 2 images at once, or as many as the largest generator pool serves; a fixed 2 used to cap
  // every pool in editor runs.
  for (const concurrency of [0, undefined, 65, 1.5, '3']) {
    assert.equal(runSettingsFrom({ concurrency }, dir).concurrency, concurrency === '3' ? 3 : undefined, String(concurrency));
  }
  assert.equal(runSettingsFrom({ concurrency: 6 }, dir).concurrency, 6);
  assert.equal(runSettingsFrom({ provider: 'gpu' }, dir).provider, 'auto');
});

test('cancelling a run keeps the tests that finished', async () => {
  const { client, events } = await server({ config: { provider: 'cpu', cacheDirectory: 'cancel-cache' } });
  try {
    client.onNotification('wabi/runEvent', (p) => {
      const e = p as RunEventParams;
      if (e.runId === 'c' && e.event.type === 'test-finished' && e.event.done === 1) client.notify('wabi/cancelRun', { runId: 'c' });
    });
    const outcome = await client.request<RunTestsResult>('wabi/runTests', { runId: 'c' });
    const result = (outcome as Extract<RunTestsResult, { status: 'ran' }>).result;
    assert.equal(result.complete, false);
    assert.deepEqual(result.tests.map((t) => t.name), ['grainy coffee']);
    assert.equal(events[events.length - 1].event.type, 'run-finished');
  } finally {
    await client.shutdown();
  }
});

test('an untrusted workspace runs nothing until trust is granted', async () => {
  const { client, events } = await server({ trusted: false, config: { provider: 'cpu' } });
  try {
    const spec = path.join(dir, 'spec.wabi');
    const refused = await client.request<RunTestsResult>('wabi/runTests', { runId: 'u', include: [{ path: spec, name: 'grainy coffee' }] });
    assert.deepEqual(refused, { status: 'refused', reason: 'Wabi runs nothing in an untrusted workspace: trust the workspace to run tests.' });
    assert.deepEqual(events, []);
    client.notify('wabi/workspaceTrusted', null);
    const ran = await client.request<RunTestsResult>('wabi/runTests', { runId: 't', include: [{ path: spec, name: 'grainy coffee' }] });
    assert.equal(ran.status, 'ran');
  } finally {
    await client.shutdown();
  }
});

test("a backend's key comes from the editor's secret storage when the environment has none, and is never logged", async () => {
  const spec = path.join(dir, 'api.wabi');
  fs.writeFileSync(spec, `generator api\n  kind openai\n  url ${fake.url}/v1\n  model gpt-image-1\n  api-key-env WABI_TEST_NO_SUCH_KEY\n  retries 0\ntest "api"\n  generator api\n  size 1024x1024\n  prompt p\n  expect grain >= 0\n`);
  const { client, asked } = await server({ config: { provider: 'cpu', cacheDirectory: 'api-cache' }, secret: 'sk-from-the-editor-0123456789' });
  try {
    const outcome = await client.request<RunTestsResult>('wabi/runTests', { runId: 'k', include: [{ path: spec }] });
    const result = (outcome as Extract<RunTestsResult, { status: 'ran' }>).result;
    assert.equal(result.tests[0].verdict, 'pass', result.tests[0].reasons.join('; '));
    assert.deepEqual(asked, ['WABI_TEST_NO_SUCH_KEY']);
    assert.equal(fake.generations[0].headers.authorization, 'Bearer sk-from-the-editor-0123456789');
    assert.ok(!client.stderr.includes('sk-from-the-editor'), 'the key is not logged');
    assert.ok(!fs.readFileSync(path.join(dir, '.wabi', 'results.json'), 'utf8').includes('sk-from-the-editor'), 'nor stored');
  } finally {
    await client.shutdown();
    fs.rmSync(spec);
  }
});

test('wabi.diagnostics.checkFiles reaches the server from the client and applies without a restart', async () => {
  let checkFiles = false;
  const client = new LspClient(path.join(REPO, 'dist/server.js'));
  client.handlers.set('workspace/configuration', (p) => (p as { items: Array<{ section: string }> }).items.map((i) => (i.section === 'wabi.diagnostics' ? { checkFiles } : {})));
  try {
    await client.request('initialize', { processId: process.pid, rootUri: pathToFileURL(dir).toString(), workspaceFolders: [{ uri: pathToFileURL(dir).toString(), name: 'ws' }], capabilities: { workspace: { configuration: true } } });
    client.notify('initialized', {});
    const uri = pathToFileURL(path.join(dir, 'missing.wabi')).toString();
    const text = 'generator g\n  kind degrade\n  input nowhere.jpg\n';
    type Published = { uri: string; version?: number; diagnostics: Array<{ code: string }> };
    const codes = async (version: number) => (await client.waitFor<Published>('textDocument/publishDiagnostics', (p) => p.uri === uri && p.version === version)).diagnostics.map((d) => d.code);
    // The first pull happens right after `initialized`; give it its turn before opening.
    await new Promise((r) => setTimeout(r, 200));
    const opened = codes(1);
    client.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'wabi', version: 1, text } });
    assert.deepEqual(await opened, [], 'missing files are not reported while the setting is off');
    checkFiles = true;
    const again = codes(1);
    client.notify('workspace/didChangeConfiguration', { settings: null });
    assert.deepEqual(await again, ['missing-file']);
  } finally {
    await client.shutdown();
  }
});

test("discovery lists an images test's files through the workspace's confined host: none outside it", async () => {
  const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'wabi-outside-'));
  const spec = path.join(dir, 'outside.wabi');
  try {
    for (const f of ['a.jpg', 'b.jpg']) fs.copyFileSync(path.join(PHOTOS, 'coffee.jpg'), path.join(outside, f));
    fs.writeFileSync(spec, `test "elsewhere"\n  images ${path.relative(dir, outside)}/*.jpg\n  expect grain >= 0\n`);
    const { client } = await server();
    try {
      const found = await client.request<DiscoverTestsResult>('wabi/discoverTests', { files: [spec] });
      assert.equal(found.files[0].errors, 1, 'the checker reports the glob as outside the workspace');
      assert.deepEqual(found.files[0].tests[0].seeds, [], 'and discovery lists none of the files there');
    } finally {
      await client.shutdown();
    }
  } finally {
    fs.rmSync(spec, { force: true });
    fs.rmSync(outside, { recursive: true, force: true });
  }
});
