#!/usr/bin/env node
// Editor responsiveness while a run scores images: the bundled language server (dist/server.js over stdio) runs a
// workspace of N tests x K seeds on the `degrade` generator at 512x512 (wabi/runTests, in its worker thread) while
// this client asks for completions every 25 ms and makes an edit every 400 ms. Reported side by side with the same
// requests on the idle server (the reference): completion latency and edit -> diagnostics latency (median, p90,
// max), their ratio, the time from `wabi/runTests` to the first image event, the run's duration, and the load.
//
//   npm run build && node bench/editor/run-latency.mjs [--tests 12] [--seeds 4] [--concurrency 2]
import { copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { LspClient } from '../lib/lsp-client.mjs';
import { fmt, median, table } from '../scoring/lib/common.mjs';

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const { values: opts } = parseArgs({
  options: { tests: { type: 'string', default: '12' }, seeds: { type: 'string', default: '4' }, concurrency: { type: 'string', default: '2' } },
});
const TESTS = Number(opts.tests);
const SEEDS = Number(opts.seeds);
const TRAITS = ['grain', 'blur', 'desaturation', 'underexposure', 'jpeg-artifacts', 'vignette'];

const dir = mkdtempSync(join(tmpdir(), 'wabi-bench-editor-'));
const images = readdirSync(join(root, 'examples/images')).filter((f) => f.endsWith('.jpg'));
for (const f of images) copyFileSync(join(root, 'examples/images', f), join(dir, f));
let spec = `generator ref\n  kind degrade\n  input ${images[0]}\n\ndefaults\n  generator ref\n  seeds 1..${SEEDS}\n  size 512x512\n  pass all\n`;
for (let i = 0; i < TESTS; i++) {
  const trait = TRAITS[i % TRAITS.length];
  spec += `\ntest "t${i} ${trait}"\n  input ${images[i % images.length]}\n  prompt a photo, strong ${trait} ${i}\n  expect ${trait} >= 0.3\n`;
}
const specPath = join(dir, 'bench.wabi');
writeFileSync(specPath, spec);
const uri = pathToFileURL(specPath).toString();

class Client extends LspClient {
  listeners = [];
  onMessage(msg, at) {
    if (msg.method === 'wabi/runEvent') for (const l of this.listeners) l(msg.params, at);
    super.onMessage(msg, at);
  }
}

const client = new Client({
  name: 'wabi',
  command: process.execPath,
  args: [join(root, 'dist/server.js'), '--stdio'],
  cwd: dir,
  stderrLog: join(dir, 'server.log'),
  configuration: (section) => (section === 'wabi.run' ? { provider: 'cpu', concurrency: Number(opts.concurrency) } : {}),
});

const pct = (xs, q) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const lines = spec.split('\n');
const lastLine = lines.length - 1;
let version = 1;

/** One completion after `expect ` at the end of the file, timed from send to answer. */
async function completion() {
  const { at, sentAt } = await client.request('textDocument/completion', { textDocument: { uri }, position: { line: lastLine - 1, character: 9 } });
  return at - sentAt;
}

/** One edit (a character typed into the last prompt and taken back alternately), timed to its diagnostics. */
async function edit() {
  version++;
  const line = lastLine - 2;
  const text = version % 2 === 0 ? 'x' : '';
  const waiting = client.waitForDiagnostics((p) => p.uri === uri && p.version === version);
  const t0 = performance.now();
  client.notify('textDocument/didChange', {
    textDocument: { uri, version },
    contentChanges: [{ range: { start: { line, character: lines[line].length }, end: { line, character: lines[line].length + (version % 2 === 0 ? 0 : 1) } }, text }],
  });
  const { at } = await waiting;
  return at - t0;
}

/** Completions every 25 ms and an edit every 400 ms until `done()`. */
async function probe(done, minMs) {
  const comp = [];
  const diag = [];
  const t0 = performance.now();
  let nextEdit = t0;
  while (!done() || performance.now() - t0 < minMs) {
    comp.push(await completion());
    if (performance.now() >= nextEdit) {
      diag.push(await edit());
      nextEdit += 400;
    }
    await sleep(25);
  }
  return { comp, diag };
}

try {
  await client.request('initialize', { processId: process.pid, rootUri: pathToFileURL(dir).toString(), workspaceFolders: [{ uri: pathToFileURL(dir).toString(), name: 'bench' }], capabilities: {}, initializationOptions: { workspaceTrusted: true } });
  client.notify('initialized', {});
  const opened = client.waitForDiagnostics((p) => p.uri === uri);
  client.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'wabi', version, text: spec } });
  await opened;
  for (let i = 0; i < 20; i++) await completion(); // warm-up

  const idle = await probe(() => true, 4000);

  let firstImageMs;
  let finished = false;
  const t0 = performance.now();
  client.listeners.push((p, at) => {
    if (firstImageMs === undefined && p.event.type === 'image-generated') firstImageMs = at - t0;
  });
  const running = client.request('wabi/runTests', { runId: 'bench' }, 900_000).then((r) => {
    finished = true;
    return r;
  });
  const busy = await probe(() => finished, 0);
  const { result } = await running;
  const runMs = performance.now() - t0;
  if (result.status !== 'ran') throw new Error(`the run did not run: ${JSON.stringify(result).slice(0, 300)}`);

  const row = (name, a, b) => [name, fmt(median(a), 2), fmt(pct(a, 0.9), 2), fmt(Math.max(...a), 1), fmt(median(b), 2), fmt(pct(b, 0.9), 2), fmt(Math.max(...b), 1), `${fmt(median(b) / median(a), 2)}x`];
  console.log(`Editor latency while a run scores: ${TESTS} tests x ${SEEDS} seeds on degrade at 512x512 (${result.result.summary.images} images), concurrency ${opts.concurrency}, CPU provider.`);
  console.log(`load average before/after: ${loadavg().map((x) => x.toFixed(2)).join(' ')}\n`);
  console.log(
    table([
      ['ms', 'idle median', 'idle p90', 'idle max', 'run median', 'run p90', 'run max', 'ratio'],
      row(`completion (${idle.comp.length} / ${busy.comp.length})`, idle.comp, busy.comp),
      row(`edit -> diagnostics (${idle.diag.length} / ${busy.diag.length})`, idle.diag, busy.diag),
    ]),
  );
  console.log(`\nrun -> first image event: ${fmt(firstImageMs, 0)} ms; the whole run: ${fmt(runMs / 1000, 1)} s; verdicts: ${JSON.stringify(result.result.summary)}`);
  console.log(`workspace: ${basename(dir)} (removed)`);
} finally {
  await client.shutdown();
  rmSync(dir, { recursive: true, force: true });
}
