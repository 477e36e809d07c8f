#!/usr/bin/env node
// Language-server benchmark: the Wabi server against yaml-language-server on the same content.
//
// Both servers run as child processes and are driven over stdio LSP by the same small client (lib/lsp-client.mjs).
// The workload is one deterministic spec of N tests (default 5,000, about 40k lines) rendered as `.wabi` and as an
// equivalent YAML document validated against a draft-07 JSON Schema making the same checks (lib/generate.mjs).
//
// Per server: open the document and time until its diagnostics arrive (median over several close/reopen rounds,
// each with a new version), one-character edits timed to the next diagnostics, completion at an expectation's
// measure, and the server's resident memory. Prints a table against the targets and writes
// bench/results/lsp-bench.json.
//
//   npm run build && npm run bench:lsp
//   node bench/lsp-bench.mjs --only yaml            # yaml-language-server side alone
//   node bench/lsp-bench.mjs --help
import { mkdtempSync, writeFileSync, mkdirSync, rmSync, existsSync, readFileSync, statSync } from 'node:fs';
import { tmpdir, cpus, totalmem, loadavg } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { createRequire } from 'node:module';
import { execFileSync } from 'node:child_process';
import { LspClient } from './lib/lsp-client.mjs';
import { generate, REFERENCED_FILES } from './lib/generate.mjs';
import { loadCatalogue } from './lib/catalogue.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');
const require = createRequire(import.meta.url);

const { values: opt } = parseArgs({
  options: {
    only: { type: 'string' },
    tests: { type: 'string', default: '5000' },
    seed: { type: 'string', default: '20260101' },
    errors: { type: 'string', default: '40' },
    opens: { type: 'string', default: '7' },
    edits: { type: 'string', default: '20' },
    completions: { type: 'string', default: '50' },
    'yaml-stock': { type: 'boolean', default: false },
    'wabi-server': { type: 'string', default: join(root, 'dist', 'server.js') },
    out: { type: 'string', default: join(here, 'results', 'lsp-bench.json') },
    'deadline-s': { type: 'string', default: '1200' },
    'wait-s': { type: 'string', default: '60' },
    keep: { type: 'boolean', default: false },
    check: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (opt.help) {
  console.log(`Usage: node bench/lsp-bench.mjs [options]
  --only wabi|yaml     run one server only (default both, with ratios)
  --tests N            tests in the generated spec (default 5000, ~40k lines)
  --seed N             PRNG seed (default 20260101)
  --errors N           tests given one deliberate error (default 40)
  --opens N            open/close rounds for full diagnostics (default 7)
  --edits N            one-character edits (default 20)
  --completions N      completion requests (default 50)
  --yaml-stock         keep yaml-language-server's fixed 200 ms validation debounce (removed by default)
  --wabi-server PATH   Wabi server bundle (default dist/server.js)
  --out PATH           JSON results (default bench/results/lsp-bench.json)
  --deadline-s N       hard limit for the whole run (default 1200)
  --wait-s N           limit for any single wait on a server (default 60)
  --keep               keep the temp folder with the generated documents
  --check              exit 1 when a target is missed`);
  process.exit(0);
}

const N = {
  tests: Number(opt.tests),
  seed: Number(opt.seed),
  errors: Number(opt.errors),
  opens: Number(opt.opens),
  edits: Number(opt.edits),
  completions: Number(opt.completions),
  waitMs: Number(opt['wait-s']) * 1000,
};
const only = opt.only;
if (only && only !== 'wabi' && only !== 'yaml') {
  console.error(`--only takes wabi or yaml, not ${only}`);
  process.exit(2);
}
const runWabi = only !== 'yaml';
const runYaml = only !== 'wabi';
const yamlDelayMs = opt['yaml-stock'] ? 200 : 0;

const TARGETS = { openMs: 100, editMs: 30, completionMs: 10, speedup: 5 };

// ---------------------------------------------------------------------------------------------------------------
// Bounded in time: every child is killed on exit, on signals, on errors and at the deadline.

const clients = new Set();
let work; // the temp folder, once made
const killAll = () => {
  for (const c of clients) c.kill();
};
process.on('exit', killAll);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    killAll();
    process.exit(130);
  });
}
const deadline = setTimeout(() => {
  console.error(`\nlsp-bench: deadline of ${opt['deadline-s']} s reached; killing the servers. Kept ${work ?? 'no temp folder'}.`);
  killAll();
  process.exit(3);
}, Number(opt['deadline-s']) * 1000);

// ---------------------------------------------------------------------------------------------------------------
// Workload.

if (runWabi && !existsSync(opt['wabi-server'])) {
  console.error(`lsp-bench: ${opt['wabi-server']} not found. Run \`npm run build\` first (or pass --only yaml).`);
  process.exit(1);
}

// work/ws is the servers' workspace folder: the files the definitions reference (so file checks pass) and the
// documents, which are only ever open buffers (never on disk there, so no server finds them by scanning).
// Every open round uses a new document name: both servers cache parses per document (Wabi by path and text, and
// it re-parses incrementally from the previous tree; yaml-language-server by URI and version), so reopening the
// same name would not measure a full parse. Copies for inspection (--keep) are written beside ws, not in it.
work = mkdtempSync(join(tmpdir(), 'wabi-lsp-bench-'));
const ws = join(work, 'ws');
const SCHEMA_FILE = 'wabi-spec.schema.json';
const catalogue = await loadCatalogue();
const gen = generate({ tests: N.tests, seed: N.seed, errors: N.errors, catalogue, schemaFileName: SCHEMA_FILE });
for (const f of REFERENCED_FILES) {
  mkdirSync(dirname(join(ws, f)), { recursive: true });
  writeFileSync(join(ws, f), '');
}
const schemaPath = join(work, SCHEMA_FILE);
writeFileSync(join(work, 'bench.wabi'), gen.wabi.text);
writeFileSync(join(work, 'bench.wabi.yaml'), gen.yaml.text);
writeFileSync(schemaPath, JSON.stringify(gen.schema, null, 2));
const workUri = pathToFileURL(ws).href;
// Snapshot the Wabi bundle (self-contained, node built-ins only), so a rebuild while the benchmark runs cannot
// change the server under measurement.
const wabiServerCopy = join(work, 'wabi-server.js');
const wabiBuildInfo = runWabi ? wabiBuild() : undefined; // (a hoisted function, below)
if (runWabi) writeFileSync(wabiServerCopy, readFileSync(opt['wabi-server']));
const docPath = (id, round) => join(ws, id === 'wabi' ? `bench-${round}.wabi` : `bench-${round}.wabi.yaml`);
const editTargets = gen.editTargets(N.edits);
const completionTargets = gen.completionTargets(N.completions);

/** Which Wabi server was measured: the commit, whether server/ had uncommitted changes, when it was built. */
function wabiBuild() {
  const git = (...a) => {
    try {
      return execFileSync('git', a, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return undefined;
    }
  };
  let builtAt;
  try {
    builtAt = statSync(opt['wabi-server']).mtime.toISOString();
  } catch {
    builtAt = undefined;
  }
  return { commit: git('rev-parse', '--short', 'HEAD'), serverSourcesDirty: !!git('status', '--porcelain', '--', 'server'), builtAt };
}
const yamlLsVersion = JSON.parse(readFileSync(require.resolve('yaml-language-server/package.json'), 'utf8')).version;

console.log(
  `Workload: ${N.tests} tests, ${gen.injectedErrors.length} injected errors (seed ${N.seed})\n` +
    `  .wabi: ${gen.wabi.lineCount} lines, ${(gen.wabi.text.length / 1024).toFixed(0)} KiB\n` +
    `  .yaml: ${gen.yaml.lineCount} lines, ${(gen.yaml.text.length / 1024).toFixed(0)} KiB (+ ${SCHEMA_FILE}, ${(JSON.stringify(gen.schema).length / 1024).toFixed(1)} KiB)\n` +
    `  in ${work}${opt.keep ? ' (kept)' : ''}\n`,
);

// ---------------------------------------------------------------------------------------------------------------
// Per-server descriptions.

/** Looks a dotted section up in a settings tree, the way an editor answers workspace/configuration. */
function lookup(tree, section) {
  if (!section) return tree;
  let node = tree;
  for (const part of section.split('.')) {
    if (node === null || typeof node !== 'object' || !(part in node)) return tree[section] ?? null;
    node = node[part];
  }
  return node;
}

const SERVERS = {
  wabi: {
    label: 'Wabi',
    command: process.execPath,
    args: [wabiServerCopy, '--stdio'],
    env: {},
    languageId: 'wabi',
    text: gen.wabi.text,
    pos: 'wabi',
    initializationOptions: { workspaceTrusted: true },
    settings: { wabi: { trace: { server: 'off' }, diagnostics: { checkFiles: true } } },
  },
  yaml: {
    label: 'yaml-language-server',
    command: process.execPath,
    args: [join(here, 'lib', 'yaml-ls-server.cjs'), '--stdio'],
    env: { YAML_LS_VALIDATION_DELAY_MS: String(yamlDelayMs) },
    languageId: 'yaml',
    text: gen.yaml.text,
    pos: 'yaml',
    initializationOptions: undefined,
    settings: {
      yaml: {
        validate: true,
        hover: true,
        completion: true,
        format: { enable: false },
        schemas: { [pathToFileURL(schemaPath).href]: 'bench-*.wabi.yaml' },
        schemaStore: { enable: false },
        kubernetesCRDStore: { enable: false },
        disableAdditionalProperties: false,
        maxItemsComputed: 5000,
      },
      http: { proxy: '', proxyStrictSSL: false },
      '[yaml]': {},
      editor: { detectIndentation: true },
    },
  },
};

const CLIENT_CAPABILITIES = {
  general: { positionEncodings: ['utf-16'] },
  window: { workDoneProgress: true },
  workspace: {
    configuration: true,
    workspaceFolders: true,
    didChangeConfiguration: { dynamicRegistration: false },
    didChangeWatchedFiles: { dynamicRegistration: false },
  },
  textDocument: {
    synchronization: { dynamicRegistration: false, didSave: true, willSave: false },
    publishDiagnostics: {
      relatedInformation: true,
      versionSupport: true,
      codeDescriptionSupport: true,
      dataSupport: true,
      tagSupport: { valueSet: [1, 2] },
    },
    diagnostic: { dynamicRegistration: false, relatedDocumentSupport: false },
    completion: {
      contextSupport: true,
      completionItem: {
        snippetSupport: true,
        documentationFormat: ['markdown', 'plaintext'],
        insertReplaceSupport: true,
        labelDetailsSupport: true,
        resolveSupport: { properties: ['documentation', 'detail'] },
      },
    },
    hover: { contentFormat: ['markdown', 'plaintext'] },
  },
};

// ---------------------------------------------------------------------------------------------------------------
// Measurement.

const median = (xs) => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const quantile = (xs, q) => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)];
};
const summary = (xs) => ({
  median: median(xs),
  p90: quantile(xs, 0.9),
  min: Math.min(...xs),
  max: Math.max(...xs),
  samples: xs.map((x) => Math.round(x * 100) / 100),
});

function syncKindOf(caps) {
  const s = caps.textDocumentSync;
  if (typeof s === 'number') return s;
  return s?.change ?? 0;
}

function applyEdit(lines, pos, newText) {
  const l = lines[pos.line];
  lines[pos.line] = l.slice(0, pos.character) + newText + l.slice(pos.character + 1);
}

async function benchServer(id) {
  const s = SERVERS[id];
  let uri;
  const log = join(work, `${id}-server.stderr.log`);
  const say = (m) => console.log(`[${s.label}] ${m}`);
  const client = new LspClient({
    name: s.label,
    command: s.command,
    args: s.args,
    cwd: ws,
    stderrLog: log,
    env: s.env,
    configuration: (section) => lookup(s.settings, section),
  });
  clients.add(client);
  const result = { server: s.label, pid: client.pid };
  try {
    const tInit = performance.now();
    const init = await client.request(
      'initialize',
      {
        processId: process.pid,
        clientInfo: { name: 'wabi-lsp-bench', version: '1' },
        locale: 'en',
        rootUri: workUri,
        rootPath: work,
        workspaceFolders: [{ uri: workUri, name: 'bench' }],
        initializationOptions: s.initializationOptions,
        capabilities: CLIENT_CAPABILITIES,
        trace: 'off',
      },
      N.waitMs,
    );
    const caps = init.result.capabilities ?? {};
    result.serverInfo = init.result.serverInfo ?? null;
    result.initializeMs = init.at - tInit;
    const syncKind = syncKindOf(caps);
    result.textDocumentSync = ['None', 'Full', 'Incremental'][syncKind] ?? String(syncKind);
    if (syncKind === 0) throw new Error(`${s.label} advertises no textDocumentSync; cannot send edits`);
    const pull = !!caps.diagnosticProvider;
    result.diagnostics = pull ? 'pull (textDocument/diagnostic)' : 'push (textDocument/publishDiagnostics)';
    result.completionProvider = !!caps.completionProvider;
    client.notify('initialized', {});
    if (id === 'yaml') client.notify('workspace/didChangeConfiguration', { settings: s.settings });
    // let the server pull its configuration before the document arrives
    for (let t = 0; t < 30 && !client.requestsFromServer.has('workspace/configuration'); t++) await sleep(100);
    await sleep(300);
    result.memoryIdle = client.memory();
    say(`initialized in ${result.initializeMs.toFixed(0)} ms; sync ${result.textDocumentSync}; diagnostics ${result.diagnostics}; RSS ${result.memoryIdle.rssMiB.toFixed(0)} MiB`);

    let version = 0;
    const lines = s.text.split('\n');
    const textNow = () => lines.join('\n');

    /** Sends `frame` and resolves with the time to that document's diagnostics for `v` and their count. */
    const timeDiagnostics = async (frame, v) => {
      if (pull) {
        const t0 = performance.now();
        client.write(frame);
        const r = await client.request('textDocument/diagnostic', { textDocument: { uri } }, N.waitMs);
        const items = r.result?.items ?? [];
        return { ms: r.at - t0, count: items.length };
      }
      const waiting = client.waitForDiagnostics(
        (p) => p.uri === uri && (p.version === undefined || p.version === null || p.version >= v) && p.diagnostics.length > 0,
        N.waitMs,
      );
      const t0 = performance.now();
      client.write(frame);
      const { params, at } = await waiting;
      return { ms: at - t0, count: params.diagnostics.length, diagnostics: params.diagnostics };
    };

    // 1. full parse + diagnostics: open, time, close; a fresh version each round so no cache is reused
    const opens = [];
    let cpu0 = client.cpuMs();
    let diagCount = NaN;
    let firstDiagnostics;
    for (let k = 0; k < N.opens; k++) {
      version++;
      uri = pathToFileURL(docPath(id, k + 1)).href;
      const frame = LspClient.frame({
        jsonrpc: '2.0',
        method: 'textDocument/didOpen',
        params: { textDocument: { uri, languageId: s.languageId, version, text: textNow() } },
      });
      const r = await timeDiagnostics(frame, version);
      opens.push(r.ms);
      diagCount = r.count;
      firstDiagnostics ??= r.diagnostics;
      say(`open ${k + 1}/${N.opens}: ${r.ms.toFixed(1)} ms, ${r.count} diagnostics`);
      if (k === 0) {
        await sleep(200);
        result.memoryLoaded = client.memory();
        say(`RSS after loading the document ${result.memoryLoaded.rssMiB.toFixed(0)} MiB`);
      }
      if (k < N.opens - 1) {
        const cleared = pull ? null : client.waitForDiagnostics((p) => p.uri === uri && p.diagnostics.length === 0, 2000).catch(() => null);
        client.notify('textDocument/didClose', { textDocument: { uri } });
        await cleared;
        await sleep(100);
      }
    }
    result.open = { ...summary(opens), cold: opens[0] };
    // Server CPU time per round (the open, its diagnostics and the close): a cross-check of the wall times that
    // other load on the machine disturbs less.
    result.open.serverCpuMsPerOp = (client.cpuMs() - cpu0) / N.opens;
    result.diagnosticCount = diagCount;
    result.diagnosticSample = (firstDiagnostics ?? []).slice(0, 6).map((d) => ({ line: d.range.start.line, message: d.message }));
    await sleep(200);
    result.memoryAfterOpens = client.memory();

    // 2. one-character edits, each timed to the next diagnostics
    const edits = [];
    const editCounts = new Set();
    const known = new Set((firstDiagnostics ?? []).map((d) => d.message));
    const introduced = [];
    cpu0 = client.cpuMs();
    for (const target of editTargets) {
      const pos = target[s.pos];
      version++;
      applyEdit(lines, pos, target.newText);
      const contentChanges =
        syncKind === 2
          ? [{ range: { start: pos, end: { line: pos.line, character: pos.character + 1 } }, rangeLength: 1, text: target.newText }]
          : [{ text: textNow() }];
      const frame = LspClient.frame({
        jsonrpc: '2.0',
        method: 'textDocument/didChange',
        params: { textDocument: { uri, version }, contentChanges },
      });
      const r = await timeDiagnostics(frame, version);
      edits.push(r.ms);
      editCounts.add(r.count);
      for (const d of r.diagnostics ?? []) {
        if (!known.has(d.message)) {
          known.add(d.message);
          introduced.push({ edit: target.kind, test: target.test, newText: target.newText, line: d.range.start.line, message: d.message });
        }
      }
    }
    result.edit = summary(edits);
    result.edit.serverCpuMsPerOp = (client.cpuMs() - cpu0) / Math.max(1, edits.length);
    result.diagnosticsIntroducedByEdits = introduced;
    result.editDiagnosticCounts = [...editCounts];
    say(`edits: median ${result.edit.median.toFixed(1)} ms over ${edits.length} (${[...editCounts].join('/')} diagnostics)`);
    for (const d of introduced) say(`  edit of ${d.edit} in "${d.test}" (-> '${d.newText}') added: line ${d.line + 1}: ${d.message}`);

    // 3. completion at an expectation's measure
    const completions = [];
    cpu0 = client.cpuMs();
    let items = NaN;
    let labels = [];
    for (const target of completionTargets) {
      const r = await client.request(
        'textDocument/completion',
        { textDocument: { uri }, position: target[s.pos], context: { triggerKind: 1 } },
        N.waitMs,
      );
      completions.push(r.at - r.sentAt);
      const list = Array.isArray(r.result) ? r.result : (r.result?.items ?? []);
      items = list.length;
      labels = list.map((i) => i.label);
    }
    result.completion = summary(completions);
    result.completion.serverCpuMsPerOp = (client.cpuMs() - cpu0) / Math.max(1, completions.length);
    result.completionItems = items;
    result.completionHasTraits = catalogue.traits.every((t) => labels.some((l) => l === t || l.replace(/^"|"$/g, '') === t));
    result.completionLabels = labels.slice(0, 30);
    say(`completion: median ${result.completion.median.toFixed(2)} ms over ${completions.length}; ${items} items${result.completionHasTraits ? ', all traits offered' : ', NOT all traits offered'}`);

    result.memoryFinal = client.memory();
    result.serverRequests = Object.fromEntries(client.requestsFromServer);
    await client.shutdown();
  } catch (err) {
    client.kill();
    result.error = String(err?.stack ?? err);
    console.error(`[${s.label}] FAILED: ${err?.message ?? err}\n  server stderr: ${log}`);
  } finally {
    clients.delete(client);
  }
  return result;
}

// ---------------------------------------------------------------------------------------------------------------

const loadBefore = loadavg();
if (loadBefore[0] > cpus().length * 0.5) {
  console.log(`Note: load average is ${loadBefore.map((l) => l.toFixed(2)).join(' ')} on ${cpus().length} cores; other work competes with the servers and inflates wall times. The server CPU rows are less affected.\n`);
}
const results = {};
if (runWabi) results.wabi = await benchServer('wabi');
if (runYaml) results.yaml = await benchServer('yaml');
clearTimeout(deadline);

const w = results.wabi;
const y = results.yaml;
const ok = (r) => r && !r.error;
const fmtMs = (v) => (Number.isFinite(v) ? (v < 10 ? v.toFixed(2) : v.toFixed(1)) + ' ms' : '—');
const fmtMiB = (v) => (Number.isFinite(v) ? v.toFixed(0) + ' MiB' : '—');

const rows = [];
const verdicts = [];
function latencyRow(metric, key, target, pick = (r) => r[key].median) {
  const wv = ok(w) ? pick(w) : NaN;
  const yv = ok(y) ? pick(y) : NaN;
  const ratio = yv / wv;
  const abs = Number.isFinite(wv) ? (wv < target ? 'PASS' : 'MISS') : '—';
  const rel = Number.isFinite(ratio) ? (ratio >= TARGETS.speedup ? 'PASS' : 'MISS') : '—';
  rows.push([metric, fmtMs(wv), fmtMs(yv), Number.isFinite(ratio) ? ratio.toFixed(1) + 'x' : '—', `< ${target} ms, ≥ ${TARGETS.speedup}x`, `${abs} / ${rel}`]);
  verdicts.push({ metric, wabiMs: wv, yamlMs: yv, ratio, targetMs: target, targetRatio: TARGETS.speedup, absolute: abs, speedup: rel });
}
function infoRow(metric, wv, yv, fmt, target = '') {
  const ratio = yv / wv;
  rows.push([metric, fmt(wv), fmt(yv), Number.isFinite(ratio) ? ratio.toFixed(1) + 'x' : '—', target, '']);
}

latencyRow(`Full parse + diagnostics (median of ${N.opens} opens)`, 'open', TARGETS.openMs);
infoRow('  first open (cold)', ok(w) ? w.open.cold : NaN, ok(y) ? y.open.cold : NaN, fmtMs);
infoRow('  fastest open', ok(w) ? w.open.min : NaN, ok(y) ? y.open.min : NaN, fmtMs);
latencyRow(`Edit → diagnostics (median of ${N.edits} one-char edits)`, 'edit', TARGETS.editMs);
infoRow('  edit p90', ok(w) ? w.edit.p90 : NaN, ok(y) ? y.edit.p90 : NaN, fmtMs);
latencyRow(`Completion at expect measure (median of ${N.completions})`, 'completion', TARGETS.completionMs);
infoRow('  completion p90', ok(w) ? w.completion.p90 : NaN, ok(y) ? y.completion.p90 : NaN, fmtMs);
const cpuRow = (metric, key) => infoRow(metric, ok(w) ? w[key].serverCpuMsPerOp : NaN, ok(y) ? y[key].serverCpuMsPerOp : NaN, fmtMs);
cpuRow('Server CPU time per open (incl. close)', 'open');
cpuRow('Server CPU time per edit', 'edit');
cpuRow('Server CPU time per completion', 'completion');
infoRow('Server RSS, idle after initialize', ok(w) ? w.memoryIdle.rssMiB : NaN, ok(y) ? y.memoryIdle.rssMiB : NaN, fmtMiB);
infoRow('Server RSS after loading the document', ok(w) ? w.memoryLoaded.rssMiB : NaN, ok(y) ? y.memoryLoaded.rssMiB : NaN, fmtMiB);
infoRow(`  RSS after all ${N.opens} opens (closed ones' caches kept)`, ok(w) ? w.memoryAfterOpens.rssMiB : NaN, ok(y) ? y.memoryAfterOpens.rssMiB : NaN, fmtMiB);
infoRow('Server peak RSS (VmHWM) at the end', ok(w) ? w.memoryFinal.hwmMiB : NaN, ok(y) ? y.memoryFinal.hwmMiB : NaN, fmtMiB);
const cnt = (r) => (ok(r) ? String(r.diagnosticCount) : '—');
rows.push(['Diagnostics reported', cnt(w), cnt(y), '', `${gen.injectedErrors.length} injected errors`, '']);
const items = (r) => (ok(r) ? `${r.completionItems}${r.completionHasTraits ? '' : ' (traits missing!)'}` : '—');
rows.push(['Completion items at the measure', items(w), items(y), '', `${catalogue.traits.length} traits`, '']);

const header = ['Metric', 'Wabi', 'yaml-language-server', 'Ratio (yaml/Wabi)', 'Target', 'Wabi: abs / 5x'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (cells) => '| ' + cells.map((c, i) => c.padEnd(widths[i])).join(' | ') + ' |';
console.log('\n' + line(header));
console.log('|' + widths.map((n) => '-'.repeat(n + 2)).join('|') + '|');
for (const r of rows) console.log(line(r));
console.log(
  `\nyaml-language-server ${yamlLsVersion}, ${opt['yaml-stock'] ? 'stock 200 ms validation debounce kept' : 'validation debounce removed (stock adds a fixed 200 ms before every validation; --yaml-stock keeps it)'}.` +
    (wabiBuildInfo ? `\nWabi server built ${wabiBuildInfo.builtAt} at ${wabiBuildInfo.commit}${wabiBuildInfo.serverSourcesDirty ? ' with uncommitted changes under server/' : ''}.` : '') +
    `\nNode ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; load average ${loadBefore[0].toFixed(2)} before, ${loadavg()[0].toFixed(2)} after.`,
);
for (const r of [w, y]) if (r?.error) console.log(`\n${r.server} failed: ${r.error.split('\n')[0]}`);

const missed = verdicts.filter((v) => v.absolute === 'MISS' || v.speedup === 'MISS');
if (missed.length) console.log(`\nMissed: ${missed.map((v) => `${v.metric.replace(/ \(.*/, '')} (${v.absolute === 'MISS' ? `${fmtMs(v.wabiMs)} ≥ ${v.targetMs} ms` : ''}${v.absolute === 'MISS' && v.speedup === 'MISS' ? '; ' : ''}${v.speedup === 'MISS' ? `${v.ratio.toFixed(1)}x < ${v.targetRatio}x` : ''})`).join(', ')}`);

const report = {
  date: new Date().toISOString(),
  environment: {
    node: process.version,
    cpu: cpus()[0]?.model,
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    wabiServer: wabiBuildInfo,
    yamlLanguageServer: yamlLsVersion,
    yamlValidationDelayMs: yamlDelayMs,
    loadAverageBefore: loadBefore,
    loadAverageAfter: loadavg(),
  },
  workload: {
    tests: N.tests,
    seed: N.seed,
    injectedErrors: gen.injectedErrors.length,
    wabi: { lines: gen.wabi.lineCount, bytes: Buffer.byteLength(gen.wabi.text) },
    yaml: { lines: gen.yaml.lineCount, bytes: Buffer.byteLength(gen.yaml.text), schemaBytes: JSON.stringify(gen.schema).length },
    opens: N.opens,
    edits: editTargets.map((e) => ({ kind: e.kind, test: e.test })),
    completions: N.completions,
  },
  targets: TARGETS,
  verdicts,
  results,
};
mkdirSync(dirname(opt.out), { recursive: true });
writeFileSync(opt.out, JSON.stringify(report, null, 2) + '\n');
console.log(`\nResults written to ${opt.out}`);

const failed = Object.values(results).some((r) => r.error);
if (failed) console.log(`Kept ${work} (server logs, generated documents) for inspection.`);
else if (!opt.keep) rmSync(work, { recursive: true, force: true });
process.exit(failed ? 1 : opt.check && missed.length ? 1 : 0);
