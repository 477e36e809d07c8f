#!/usr/bin/env node
// Runner benchmark: the bundled example scaled up. A temp workspace holds N tests (default 200) x 4 seeds on the
// `degrade` generator over 512x512 copies of examples/images/*.jpg: 800 images, every one its own request (own
// prompt, so its own cache key), none a baseline unless --baseline. The runner (server/src/runner: planTests,
// runTests, ResultCache) runs in-process, bundled from TypeScript with esbuild at start-up like the scoring
// benchmarks, with the trait model on the CPU:
//
//   1. cold run, concurrency 1: generation and scoring never overlap, so the split of wall time is clean;
//   2. the same store again, fully cached, in fresh processes (as a second `wabi run` would be);
//   3. cold run, concurrency 2 (the CLI's default) into a second store, and its cached reruns.
//
// Each run is a child process of its own, so peak RSS is per run. Reported: total seconds, images/s, the share of
// wall time generating / scoring / overhead, overhead ms per image, the cached rerun's time, peak RSS and RSS after
// 50, 100 and 200 tests (and 400 with --tests 400). Targets (from the issue): overhead < 5 ms per image; the fully
// cached rerun of the 800 images < 2 s; memory flat in the number of tests.
//
// Overhead = wall time of runTests - generating - scoring, read at concurrency 1 only: there one image is generated
// at a time, a test's images are scored after all of them are generated, and tests run one after another, so
// nothing overlaps and wall = generating + scoring + everything else. At concurrency 2 RunResult's generateMs sums
// the two generations in flight and exceeds their wall time, so the subtraction means nothing. Generating is
// RunResult.timings.generateMs; scoring is timings.scoreMs less the score writes to the store that the runner's
// score clock encloses, plus opening the trait model, which happens before that clock starts (both measured
// here by wrapping the store and TraitScorer.open). The plain `wall - generateMs - scoreMs` is printed beside it.
//
//   npm run bench:runner
//   node bench/runner/run-bench.mjs --tests 400 --concurrency 2       # memory at 50/100/200/400 tests
//   node bench/runner/run-bench.mjs --what-if no-fsync,sync-images-only,spin --fs-ops --cpu-prof --concurrency 1
//   node bench/runner/run-bench.mjs --help
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { build } from 'esbuild';
import { createRequire } from 'node:module';
import { loadavg, tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { checkProvider, fmt, machine, median, procMemory } from '../scoring/lib/common.mjs';

const self = fileURLToPath(import.meta.url);
const here = dirname(self);
const root = resolve(here, '..', '..');
const serverSrc = join(root, 'server', 'src');

const { values: opt } = parseArgs({
  options: {
    tests: { type: 'string', default: '200' },
    seeds: { type: 'string', default: '4' },
    baseline: { type: 'boolean', default: false },
    concurrency: { type: 'string', default: '1,2' },
    provider: { type: 'string', default: 'cpu' },
    batch: { type: 'string', default: '8' },
    'cached-rounds': { type: 'string', default: '3' },
    'memory-at': { type: 'string', default: '50,100,200,400' },
    'what-if': { type: 'string', default: '' },
    'no-fsync': { type: 'boolean', default: false },
    spin: { type: 'boolean', default: false },
    'sync-images-only': { type: 'boolean', default: false },
    'fs-ops': { type: 'boolean', default: false },
    'cpu-prof': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    out: { type: 'string', default: join(root, 'bench', 'results', 'runner-bench.json') },
    check: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
    // internal: one run in a child process
    child: { type: 'boolean', default: false },
    bundle: { type: 'string' },
    workspace: { type: 'string' },
    store: { type: 'string' },
    phase: { type: 'string' },
  },
});

if (opt.help) {
  console.log(`Usage: node bench/runner/run-bench.mjs [options]
  --tests N            tests in the workspace (default 200); each has 1-2 traits on the degrade generator
  --seeds K            seeds per test (default 4): N x K images
  --baseline           give every test a baseline prompt too (2 N K images) and a 'trait > baseline' expectation
  --concurrency LIST   cold runs at these concurrencies (default 1,2); the split is read at 1
  --provider P         auto|cuda|webgpu|cpu for the trait model (default cpu)
  --batch B            trait-model batch size (default 8, as wabi run)
  --cached-rounds R    fresh processes timing the fully cached rerun, median reported (default 3)
  --memory-at LIST     RSS samples after these many finished tests (default 50,100,200,400; those <= N)
  --what-if LIST       diagnostics: one more cold run (concurrency 1) per item, with the runner unchanged but
                       no-fsync: every FileHandle.sync() a no-op (what the store's durability costs)
                       sync-images-only: only the image bytes synced (no folder or other file syncs)
                       spin: onnxruntime's threads spinning after each run, as before the trait session
                       turned that off (what spinning takes from decoding and the store on a small machine)
  --cpu-prof           also profile a cold (concurrency 1) and a cached run with node --cpu-prof; prints where the
                       runner's own CPU time goes (profiles kept under out/bench-runner/prof/)
  --fs-ops             also time every file call of a cold run (concurrency 1): count and wall time per kind
                       (open, writeFile, sync, close, link, rename, readFile...), to see what a store call spends
  --keep               keep the temp workspace and stores
  --out FILE           JSON results (default bench/results/runner-bench.json)
  --check              exit 1 when a target is missed`);
  process.exit(0);
}

const log = (line) => console.error(line);
const mib = (bytes) => bytes / 2 ** 20;
checkProvider(opt.provider);

/** A plain text table: rows of strings, first row the header; numbers right-aligned. */
function table(rows) {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => String(r[c]).length)));
  const line = (r) => r.map((v, c) => (c === 0 || !/^[-+<>]?[\d.,]+ ?(x|%|s|ms|MiB|KiB)?$|^-$/.test(String(v)) ? String(v).padEnd(widths[c]) : String(v).padStart(widths[c]))).join('  ');
  return [line(rows[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

// ---------------------------------------------------------------------------------------------------------------
// The runner, bundled from TypeScript (no type-check, so the benchmark runs while other parts are mid-edit).

const ENTRY = `
export { runTests } from './runner/runner';
export { planTests } from './runner/plan';
export { resolveSpec } from './language/resolve';
export { ResultCache } from './runner/resultCache';
export { SpecWorkspace } from './language/workspace';
export { nodeHost } from './files/host';
export { TraitScorer } from './scoring/traitScorer';
export { TRAITS } from './catalogue/traits';
export { DEGRADATION_ORDER } from './generation/degradations';
`;

async function bundleRunner() {
  const outDir = join(root, 'out', 'bench-runner');
  mkdirSync(outDir, { recursive: true });
  const outfile = join(outDir, `runner-${process.pid}.cjs`);
  await build({
    stdin: { contents: ENTRY, resolveDir: serverSrc, loader: 'ts', sourcefile: 'bench-runner-entry.ts' },
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    outfile,
    external: ['sharp', 'onnxruntime-node'],
    logLevel: 'error',
    define: { WABI_VERSION: '"bench"' },
  });
  return outfile;
}

// ---------------------------------------------------------------------------------------------------------------
// Child: one run of the workspace against one store. Prints one JSON line.

if (opt.child) {
  const require = createRequire(import.meta.url);
  const wabi = require(opt.bundle);
  const concurrency = Number(opt.concurrency);
  const memoryAt = new Set(opt['memory-at'].split(',').map(Number));
  if (opt['no-fsync'] || opt['sync-images-only']) {
    // The what-ifs: every FileHandle.sync() (the store's only way of syncing) returns at once; or only those of
    // handles that wrote more than 64 KiB (image bytes; metadata and score entries are under 1 KiB, and folders
    // are opened only to be synced).
    const { promises } = await import('node:fs');
    const fh = await promises.open(opt.bundle, 'r');
    const proto = Object.getPrototypeOf(fh);
    await fh.close();
    const sync = proto.sync;
    const wrote = new WeakMap();
    const writeFile = proto.writeFile;
    proto.writeFile = function (data, ...rest) {
      wrote.set(this, (wrote.get(this) ?? 0) + (data?.length ?? 0));
      return writeFile.call(this, data, ...rest);
    };
    proto.sync = function () {
      return opt['sync-images-only'] && (wrote.get(this) ?? 0) > 64 * 1024 ? sync.call(this) : Promise.resolve();
    };
    proto.datasync = proto.sync;
  }
  if (opt.spin) {
    // The what-if: onnxruntime's intra- and inter-op threads spin for a while after each run (its default).
    const ort = require('onnxruntime-node');
    const create = ort.InferenceSession.create;
    ort.InferenceSession.create = function (model, options = {}) {
      const extra = { ...options.extra, session: { ...options.extra?.session, intra_op: { allow_spinning: '1' }, inter_op: { allow_spinning: '1' } } };
      return create.call(this, model, { ...options, extra });
    };
  }
  // Every run counts the syncs (FileHandle.sync() is the store's only way of syncing).
  let syncs = 0;
  {
    const { promises } = await import('node:fs');
    const fh = await promises.open(opt.bundle, 'r');
    const proto = Object.getPrototypeOf(fh);
    await fh.close();
    const sync = proto.sync;
    proto.sync = function (...args) {
      syncs++;
      return sync.apply(this, args);
    };
  }
  // Diagnostic: count and time every promise-based file call (the store's), by kind.
  const fsOps = {};
  if (opt['fs-ops']) {
    const { promises } = await import('node:fs');
    const fh = await promises.open(opt.bundle, 'r');
    const proto = Object.getPrototypeOf(fh);
    await fh.close();
    const wrap = (obj, name, label) => {
      const f = obj[name];
      obj[name] = async function (...args) {
        const s = performance.now();
        try {
          const r = await f.apply(this, args);
          // A FileHandle's close is its own property, not the prototype's: wrapped on each handle opened.
          if (name === 'open' && typeof r?.close === 'function') wrap(r, 'close', 'handle.close');
          return r;
        } finally {
          const o = (fsOps[label] ??= { calls: 0, ms: 0 });
          o.calls++;
          o.ms += performance.now() - s;
        }
      };
    };
    for (const n of ['open', 'mkdir', 'link', 'rename', 'unlink', 'readFile', 'stat', 'lstat', 'readdir', 'access']) wrap(promises, n, n);
    for (const n of ['writeFile', 'sync', 'read', 'stat']) wrap(proto, n, `handle.${n}`);
  }
  const start = procMemory();
  const t0 = performance.now();

  // Plan: every spec of the workspace, as wabi run does (errors would stop it).
  const specs = readdirSync(opt.workspace).filter((f) => f.endsWith('.wabi') && f !== 'generators.wabi').sort().map((f) => join(opt.workspace, f));
  const ws = new wabi.SpecWorkspace(wabi.nodeHost, { roots: [opt.workspace] });
  const plans = [];
  let errors = 0;
  let warnings = 0;
  for (const file of specs) {
    const analysis = ws.analyze(file);
    for (const d of analysis.diagnostics) {
      if (d.severity === 'error') {
        errors++;
        if (errors <= 3) log(`${basename(file)}:${d.range.start.line + 1}: ${d.message}`);
      } else warnings++;
    }
    plans.push(...wabi.planTests(wabi.resolveSpec(analysis)));
  }
  if (errors > 0) throw new Error(`${errors} errors in the generated specs`);
  const planMs = performance.now() - t0;

  // Where the time outside generating and scoring goes: the store's calls (wall time, summed over calls that
  // overlap) and opening the trait model (awaited before the runner starts its score clock).
  const store = await wabi.ResultCache.open(opt.store);
  const storeMs = { getImage: 0, putImageEntry: 0, getScores: 0, putScores: 0 };
  const storeCalls = { getImage: 0, putImageEntry: 0, getScores: 0, putScores: 0 };
  const timedStore = {};
  for (const m of Object.keys(storeMs)) {
    const f = store[m].bind(store);
    timedStore[m] = async (...args) => {
      const s = performance.now();
      try {
        return await f(...args);
      } finally {
        storeMs[m] += performance.now() - s;
        storeCalls[m]++;
      }
    };
  }
  let scorerOpenMs = 0;
  const open = wabi.TraitScorer.open;
  wabi.TraitScorer.open = async function (...args) {
    const s = performance.now();
    try {
      return await open.apply(this, args);
    } finally {
      scorerOpenMs += performance.now() - s;
    }
  };

  // Memory after K finished tests. gc() first so the heap figure is what is retained; the time this takes is
  // taken off the wall time.
  const samples = [];
  let sampleMs = 0;
  const events = {};
  const onEvent = (e) => {
    events[e.type] = (events[e.type] ?? 0) + 1;
    if (e.type === 'test-finished' && memoryAt.has(e.done)) {
      const s = performance.now();
      globalThis.gc?.();
      const m = procMemory();
      const mu = process.memoryUsage();
      samples.push({ tests: e.done, rssMiB: m.rssMiB, hwmMiB: m.hwmMiB, heapUsedMiB: mib(mu.heapUsed), externalMiB: mib(mu.external), arrayBuffersMiB: mib(mu.arrayBuffers) });
      sampleMs += performance.now() - s;
    }
  };

  const cpu0 = process.cpuUsage();
  const r0 = performance.now();
  const result = await wabi.runTests(plans, {
    store: timedStore,
    env: { env: process.env },
    provider: opt.provider,
    concurrency,
    batchSize: Number(opt.batch),
    onEvent,
    log: () => undefined,
  });
  const wallMs = performance.now() - r0 - sampleMs;
  const cpu = process.cpuUsage(cpu0);
  const end = procMemory();
  globalThis.gc?.();
  const heapAfter = mib(process.memoryUsage().heapUsed);
  const images = result.tests.flatMap((t) => t.images);
  const verdicts = {};
  for (const t of result.tests) verdicts[t.verdict] = (verdicts[t.verdict] ?? 0) + 1;
  const firstError = result.tests.find((t) => t.verdict === 'error')?.reasons[0];
  console.log(
    JSON.stringify({
      phase: opt.phase,
      concurrency,
      tests: result.tests.length,
      images: images.length,
      cachedImages: images.filter((i) => i.cached).length,
      complete: result.complete,
      verdicts,
      firstError,
      warnings,
      planMs,
      wallMs,
      generateMs: result.timings?.generateMs ?? 0,
      scoreMs: result.timings?.scoreMs ?? 0,
      scorerOpenMs,
      storeMs,
      storeCalls,
      cpuMs: (cpu.user + cpu.system) / 1000,
      events,
      syncs,
      fsOps,
      resultJsonKiB: Buffer.byteLength(JSON.stringify(result)) / 1024,
      memory: { startRssMiB: start.rssMiB, endRssMiB: end.rssMiB, peakRssMiB: end.hwmMiB, heapAfterMiB: heapAfter, samples },
    }),
  );
  process.exit(0);
}

// ---------------------------------------------------------------------------------------------------------------
// Parent: the workspace, the runs, the table.

const nTests = Number(opt.tests);
const nSeeds = Number(opt.seeds);
const concurrencies = opt.concurrency.split(',').map(Number);
const cachedRounds = Math.max(1, Number(opt['cached-rounds']));
const memoryAt = opt['memory-at'].split(',').map(Number).filter((k) => k <= nTests);
if (!memoryAt.includes(nTests)) memoryAt.push(nTests);
if (!(nTests >= 1 && nSeeds >= 1)) throw new Error('--tests and --seeds must be at least 1');

const started = Date.now();
const load0 = loadavg();
log('bundling the runner...');
const bundle = await bundleRunner();
const wabi = createRequire(import.meta.url)(bundle);
const dir = mkdtempSync(join(tmpdir(), 'wabi-runner-bench-'));
process.on('exit', () => {
  rmSync(bundle, { force: true });
  if (!opt.keep) rmSync(dir, { recursive: true, force: true });
});

const SOURCES = readdirSync(join(root, 'examples', 'images')).filter((f) => f.endsWith('.jpg')).sort();
const SUBJECTS = {
  'shipwreck.jpg': 'a shipwreck in a storm at sea',
  'starry-night.jpg': 'a village under a swirling night sky',
  'the-scream.jpg': 'a figure screaming on a bridge at dusk',
  'woman-with-a-hat.jpg': 'a portrait of a woman in a large hat',
};
// How each trait is asked for in words.
const WORDS = {
  tilt: 'shot with the camera badly tilted',
  blur: 'completely out of focus, nothing sharp anywhere',
  'motion-blur': 'smeared sideways, as if shot from a moving car',
  'chromatic-aberration': 'through a cheap lens with red and blue fringes on every edge',
  vignette: 'with heavy dark corners closing in on the centre',
  overexposure: 'massively overexposed, the highlights burnt to white',
  underexposure: 'badly underexposed, almost lost in the dark',
  'low-contrast': 'in a murky haze, flat and grey',
  desaturation: 'with its colours faded almost to grey',
  oversaturation: 'in garish, oversaturated colours',
  'color-cast': 'under fluorescent light with a sickly green cast',
  grain: 'on expired high-ISO film, heavy grain over everything',
  posterization: 'posterized into a few flat bands of colour',
  pixelation: 'as a tiny thumbnail blown up into big square pixels',
  'jpeg-artifacts': 'saved twenty times as a low-quality JPEG',
};
// What the tests ask for: one or two traits, each with the bar its score must reach, and sometimes a bound on
// polish. The bars were read off a calibration pass of the degrade generator on these four images at strengths
// 0.5..0.9: most tests pass, the weakest strength misses some bars (blur, motion, vignette, exposure on some
// paintings), and tilt mostly fails (the tilt measure needs straight lines that only The Scream has): the mix of
// verdicts of a real suite. Only grain (and tilt's direction) depend on the seed in the degrade generator.
const ASKS = [
  [['grain', 0.6]],
  [['blur', 0.6]],
  [['motion-blur', 0.5]],
  [['chromatic-aberration', 0.5]],
  [['vignette', 0.5]],
  [['overexposure', 0.5]],
  [['underexposure', 0.5]],
  [['low-contrast', 0.5]],
  [['desaturation', 0.5]],
  [['oversaturation', 0.5]],
  [['color-cast', 0.5]],
  [['posterization', 0.6]],
  [['pixelation', 0.6]],
  [['jpeg-artifacts', 0.5]],
  [['tilt', 0.5]],
  [['underexposure', 0.5], ['grain', 0.6], ['polish', '<', 0.7]],
  [['desaturation', 0.4], ['grain', 0.6]],
  [['low-contrast', 0.4], ['grain', 0.6]],
  [['vignette', 0.5], ['grain', 0.6]],
  [['color-cast', 0.5], ['grain', 0.6]],
  [['chromatic-aberration', 0.5], ['grain', 0.6]],
  [['posterization', 0.6], ['grain', 0.6]],
  [['oversaturation', 0.5], ['grain', 0.6]],
  [['blur', 0.6], ['vignette', 0.5]],
  [['motion-blur', 0.5], ['underexposure', 0.5], ['polish', '<', 0.6]],
  [['desaturation', 0.6], ['low-contrast', 0.4], ['polish', '<', 0.7]],
  [['jpeg-artifacts', 0.5], ['color-cast', 0.5]],
  [['pixelation', 0.6], ['oversaturation', 0.5]],
  [['blur', 0.6], ['desaturation', 0.5]],
  [['tilt', 0.5], ['vignette', 0.5]],
];

/** Generators: every input at S strengths from 0.5 to 0.9, S large enough that no two tests share both their
 *  traits and their generator (the same traits, input and strength would give the same image bytes, and a later
 *  test would find the earlier one's scores in the store). Tests: the ask cycles, and the generator moves on by
 *  one each time the asks wrap, so test i gets ask i mod A and generator (i mod A + floor(i / A)) mod G. */
function testSpecs(tagOf) {
  const levels = Math.max(3, Math.ceil(nTests / (ASKS.length * SOURCES.length)));
  const strengths = Array.from({ length: levels }, (_, k) => +(0.5 + (0.4 * k) / (levels - 1)).toFixed(3));
  const gens = strengths.flatMap((s) => SOURCES.map((src) => ({ name: `${src.replace(/\.jpg$/, '')}-${Math.round(s * 1000)}`, src, strength: s })));
  const tests = [];
  for (let i = 0; i < nTests; i++) {
    const ask = ASKS[i % ASKS.length];
    const gen = gens[((i % ASKS.length) + Math.floor(i / ASKS.length)) % gens.length];
    const traits = ask.filter((e) => e.length === 2).map((e) => e[0]);
    const subject = SUBJECTS[gen.src] ?? 'a painting';
    const expects = ask.map((e) => (e.length === 2 ? `${e[0]} >= ${e[1]}` : `${e[0]} ${e[1]} ${e[2]}`));
    if (opt.baseline) expects.push(`${traits[0]} > baseline + 0.2`);
    tests.push({
      name: `${traits.join(' and ')} ${i + 1}`,
      tags: [...new Set(traits.map(tagOf).filter(Boolean))],
      generator: gen.name,
      // The prompt's words differ in every test (the take number), so every request has its own cache key.
      prompt: `${capital(subject)}, ${traits.map((t) => WORDS[t]).join(', and ')}. Take ${i + 1}.`,
      baseline: opt.baseline ? `${subject}, take ${i + 1}` : undefined,
      expects,
    });
  }
  return { gens, tests };
}

const capital = (s) => s[0].toUpperCase() + s.slice(1);

/** The temp workspace: the inputs (512x512 JPEG copies of examples/images), generators.wabi, and the tests in
 *  files of 50 (suite-01.wabi...) with `defaults` of seeds 1..K, size 512x512 and pass 3/4. */
async function makeWorkspace() {
  const sharp = createRequire(import.meta.url)('sharp');
  const workspace = join(dir, 'workspace');
  mkdirSync(join(workspace, 'images'), { recursive: true });
  for (const src of SOURCES) {
    await sharp(join(root, 'examples', 'images', src)).resize(512, 512, { fit: 'cover' }).jpeg({ quality: 90 }).toFile(join(workspace, 'images', src));
  }
  const tagOf = (t) => wabi.TRAITS.find((x) => x.name === t)?.serves?.[0];
  const { gens, tests } = testSpecs(tagOf);
  const generators = ['# The degrade generator over 512x512 copies of the example paintings, at several strengths.', ''];
  for (const g of gens) generators.push(`generator ${g.name}`, '  kind      degrade', `  input     images/${g.src}`, `  strength  ${g.strength}`, '');
  writeFileSync(join(workspace, 'generators.wabi'), generators.join('\n'));
  const PER_FILE = 50;
  for (let f = 0; f * PER_FILE < tests.length; f++) {
    const lines = ['import "generators.wabi"', '', 'defaults', `  seeds  1..${nSeeds}`, '  size   512x512', '  pass   3/4', ''];
    for (const t of tests.slice(f * PER_FILE, (f + 1) * PER_FILE)) {
      lines.push(`test "${t.name}"${t.tags.length ? `  [${t.tags.join(', ')}]` : ''}`);
      lines.push(`  generator  ${t.generator}`, `  prompt     ${t.prompt}`);
      if (t.baseline) lines.push(`  baseline   ${t.baseline}`);
      for (const e of t.expects) lines.push(`  expect     ${e}`);
      lines.push('');
    }
    writeFileSync(join(workspace, `suite-${String(f + 1).padStart(2, '0')}.wabi`), lines.join('\n'));
  }
  return { workspace, tests, generators: gens.length };
}

function child(phase, concurrency, store, { prof, whatIf } = {}) {
  const args = ['--expose-gc'];
  if (prof) args.push('--cpu-prof', '--cpu-prof-dir', prof);
  args.push(self, '--child', '--bundle', bundle, '--workspace', workspace, '--store', store, '--phase', phase, '--concurrency', String(concurrency), '--provider', opt.provider, '--batch', opt.batch, '--memory-at', memoryAt.join(','));
  if (whatIf) args.push(`--${whatIf}`);
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`child ${phase} c=${concurrency} failed (${r.status}): ${r.stderr.slice(-2000)}`);
  const line = r.stdout.trim().split('\n').pop();
  return { ...JSON.parse(line), processMs: performance.now() - t0 };
}

/** Distinct image contents in a store (the sha256 its metadata records). */
function distinctImages(store) {
  const hashes = new Set();
  let entries = 0;
  let bytes = 0;
  const sizes = [];
  const imgs = join(store, 'images');
  for (const shard of readdirSync(imgs)) {
    for (const f of readdirSync(join(imgs, shard))) {
      if (!f.endsWith('.json')) continue;
      entries++;
      const meta = JSON.parse(readFileSync(join(imgs, shard, f), 'utf8'));
      hashes.add(meta.sha256);
      bytes += meta.size;
      sizes.push([meta.size, join(imgs, shard, `${meta.key}.${meta.ext}`)]);
    }
  }
  const mean = bytes / Math.max(1, entries);
  const typical = sizes.sort((a, b) => Math.abs(a[0] - mean) - Math.abs(b[0] - mean))[0]?.[1];
  return { entries, distinct: hashes.size, meanKiB: mean / 1024, typical };
}

/** What one fsync costs on the disk under the temp folder: a file of `kib` KiB written and synced, and a folder
 *  synced, each `n` times (the store syncs 2 files and 2 folders per image, and 1 file and 1 folder per score). */
function fsyncProbe(kib, n = 30) {
  const probe = join(dir, 'fsync-probe');
  mkdirSync(probe, { recursive: true });
  const file = [];
  const small = [];
  const folder = [];
  for (let i = 0; i < n; i++) {
    for (const [size, into] of [[kib * 1024, file], [600, small]]) {
      const f = join(probe, `f${i}-${size}`);
      const fd = openSync(f, 'wx');
      writeSync(fd, Buffer.alloc(size, i));
      const t0 = performance.now();
      fsyncSync(fd);
      into.push(performance.now() - t0);
      closeSync(fd);
    }
    const dfd = openSync(probe, 'r');
    const t1 = performance.now();
    fsyncSync(dfd);
    folder.push(performance.now() - t1);
    closeSync(dfd);
  }
  rmSync(probe, { recursive: true, force: true });
  return { fileMs: median(file), smallFileMs: median(small), folderMs: median(folder), kib };
}

log(`writing the workspace: ${nTests} tests x ${nSeeds} seeds${opt.baseline ? ' with baselines' : ''}...`);
const { workspace } = await makeWorkspace();
log(`workspace: ${workspace}`);

const runs = [];
for (const c of concurrencies) {
  const store = join(dir, `store-c${c}`);
  log(`cold run, concurrency ${c}...`);
  const cold = child('cold', c, store);
  const d = distinctImages(store);
  log(`  ${fmt(cold.wallMs / 1000)} s, ${cold.images} images (${d.distinct} distinct of ${d.entries} stored), generate ${fmt(cold.generateMs / 1000)} s, score ${fmt(cold.scoreMs / 1000)} s, verdicts ${JSON.stringify(cold.verdicts)}`);
  if (cold.firstError) log(`  a test could not be decided: ${cold.firstError}`);
  const cached = [];
  for (let r = 0; r < cachedRounds; r++) {
    const x = child('cached', c, store);
    cached.push(x);
    log(`  cached rerun ${r + 1}/${cachedRounds}: ${fmt(x.wallMs)} ms (${x.cachedImages}/${x.images} cached), process ${fmt(x.processMs)} ms`);
  }
  runs.push({ concurrency: c, cold, distinct: d, cached });
}
const probe = fsyncProbe(Math.max(1, Math.round(runs[0].distinct.meanKiB)));
log(`fsync on this disk: ${fmt(probe.fileMs, 2)} ms a ${probe.kib} KiB file, ${fmt(probe.smallFileMs, 2)} ms a 600-byte file, ${fmt(probe.folderMs, 2)} ms a folder (medians of 30)`);

/** The store's calls alone, in this quiet process (no generator or trait model running beside them): what each
 *  costs by itself, to compare with what the same calls cost inside the run. */
async function storeProbe(imageFile, n = 60) {
  const png = readFileSync(imageFile);
  const cache = await wabi.ResultCache.open(join(dir, 'store-probe'));
  const traits = Object.fromEntries(wabi.TRAITS.map((t, i) => [t.name, (i + 1) / 19]));
  const keys = Array.from({ length: n }, (_, i) => createHash('sha256').update(`probe ${i}`).digest('hex'));
  const timed = async (f) => {
    const xs = [];
    for (const k of keys) {
      const t0 = performance.now();
      await f(k);
      xs.push(performance.now() - t0);
    }
    return median(xs);
  };
  const t0 = performance.now();
  for (let i = 0; i < 20; i++) createHash('sha256').update(png).digest('hex');
  const sha256Ms = (performance.now() - t0) / 20;
  return {
    imageKiB: png.byteLength / 1024,
    sha256Ms,
    putImageEntryMs: await timed((k) => cache.putImageEntry(k, png, 'png', { generator: 'degrade', version: 1 })),
    getImageMs: await timed((k) => cache.getImage(k)),
    putScoresMs: await timed((k) => cache.putScores(k, { traits, judges: {} })),
    getScoresMs: await timed((k) => cache.getScores(k)),
  };
}
const quietStore = await storeProbe(runs[0].distinct.typical);
log(`store calls alone (medians): putImageEntry ${fmt(quietStore.putImageEntryMs, 2)} ms, putScores ${fmt(quietStore.putScoresMs, 2)} ms, getImage ${fmt(quietStore.getImageMs, 2)} ms, getScores ${fmt(quietStore.getScoresMs, 2)} ms; sha256 of ${fmt(quietStore.imageKiB, 0)} KiB ${fmt(quietStore.sha256Ms, 2)} ms`);

// Optional: the same cold run with fsync a no-op, to show what the store's durability costs per image.
const WHAT_IF = { 'no-fsync': 'c=1, fsync off (what-if)', 'sync-images-only': 'c=1, only image bytes synced (what-if)', spin: 'c=1, onnxruntime spinning (what-if)' };
const whatIfs = [];
for (const w of opt['what-if'].split(',').filter(Boolean)) {
  if (!WHAT_IF[w]) throw new Error(`--what-if: '${w}' is not one of ${Object.keys(WHAT_IF).join(', ')}`);
  log(`what-if ${w}: cold run, concurrency 1...`);
  const store = join(dir, `store-${w}`);
  const cold = child('cold', 1, store, { whatIf: w });
  log(`  ${fmt(cold.wallMs / 1000)} s`);
  whatIfs.push({ what: w, run: { concurrency: 1, cold, distinct: distinctImages(store), cached: [] } });
}

// Optional: every file call of a cold run, timed.
let fsOps;
if (opt['fs-ops']) {
  log('file calls: cold run, concurrency 1, every file call timed...');
  const store = join(dir, 'store-fs-ops');
  const cold = child('cold', 1, store, { whatIf: 'fs-ops' });
  fsOps = { wallMs: cold.wallMs, images: cold.images, ops: Object.entries(cold.fsOps).sort((a, b) => b[1].ms - a[1].ms).map(([op, o]) => ({ op, calls: o.calls, ms: o.ms, perImage: o.calls / cold.images, msPerCall: o.ms / o.calls })) };
}

// Optional: where the runner's own CPU time goes, from V8's sampling profiler (main thread only: the fsyncs and
// sharp's and onnxruntime's work run on other threads and show here as idle time).
let profile;
if (opt['cpu-prof']) {
  const profDir = join(root, 'out', 'bench-runner', 'prof');
  rmSync(profDir, { recursive: true, force: true });
  mkdirSync(profDir, { recursive: true });
  const store = join(dir, 'store-prof');
  log('profiling a cold run (concurrency 1) and a cached rerun with --cpu-prof...');
  const cold = child('cold', 1, store, { prof: join(profDir, 'cold') });
  const cached = child('cached', 1, store, { prof: join(profDir, 'cached') });
  profile = { dir: profDir, cold: { ...summariseProfile(join(profDir, 'cold')), wallMs: cold.wallMs }, cached: { ...summariseProfile(join(profDir, 'cached')), wallMs: cached.wallMs } };
}

/** Self time by module and by function from the one .cpuprofile in `folder`. Functions of the bundle are placed in
 *  their TypeScript module by the `// server/src/...` comments esbuild writes at each module's start. */
function summariseProfile(folder) {
  const file = readdirSync(folder).find((f) => f.endsWith('.cpuprofile'));
  const prof = JSON.parse(readFileSync(join(folder, file), 'utf8'));
  const bundleLines = readFileSync(bundle, 'utf8').split('\n');
  const starts = [];
  bundleLines.forEach((l, i) => {
    const m = /^\/\/ (server\/src\/\S+|node_modules\/\S+)$/.exec(l);
    if (m) starts.push([i, m[1]]);
  });
  const moduleAt = (line) => {
    let lo = 0;
    let hi = starts.length - 1;
    let found = 'bundle';
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (starts[mid][0] <= line) {
        found = starts[mid][1];
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  };
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const self = new Map();
  for (let i = 0; i < prof.samples.length; i++) self.set(prof.samples[i], (self.get(prof.samples[i]) ?? 0) + (prof.timeDeltas[i] ?? 0) / 1000);
  const modules = new Map();
  const functions = new Map();
  let totalMs = 0;
  for (const [id, ms] of self) {
    const { functionName, url, lineNumber } = byId.get(id).callFrame;
    totalMs += ms;
    let mod;
    if (!url) mod = /^\(.*\)$/.test(functionName) ? functionName : '(native calls)';
    else if (url.endsWith(basename(bundle))) mod = moduleAt(lineNumber);
    else if (url.startsWith('node:')) mod = url.replace(/^node:internal\//, 'node:').replace(/^node:(fs|crypto|streams|process|timers)\/.*/, 'node:$1');
    else if (url.includes('node_modules/')) mod = url.slice(url.lastIndexOf('node_modules/') + 13).split('/').slice(0, 1).join('/') + ' (js)';
    else mod = basename(url);
    modules.set(mod, (modules.get(mod) ?? 0) + ms);
    const where = mod.startsWith('server/') ? mod.replace('server/src/', '') : url.startsWith('node:') ? `${url}:${lineNumber + 1}` : mod;
    const fn = !url ? functionName : `${functionName || '(anonymous)'} ${where}`;
    functions.set(fn, (functions.get(fn) ?? 0) + ms);
  }
  const top = (m, n) => [...m].sort((a, b) => b[1] - a[1]).slice(0, n).map(([name, ms]) => ({ name, ms, share: ms / totalMs }));
  return { file: join(folder, file), totalMs, modules: top(modules, 14), functions: top(functions, 16) };
}

// ---------------------------------------------------------------------------------------------------------------
// Figures

const TARGET_OVERHEAD_MS = 5;
const TARGET_CACHED_S = 2;

function figures(run) {
  const c = run.cold;
  const n = c.images;
  const put = c.storeMs.putScores;
  // The runner's score clock runs around the scorer's loop, which also writes each score to the store; and it
  // starts after the trait model is opened. Attributed here: score writes to the overhead, opening the model to
  // scoring.
  const rawOverheadMs = c.wallMs - c.generateMs - c.scoreMs;
  const scoringMs = c.scoreMs - put + c.scorerOpenMs;
  const overheadMs = c.wallMs - c.generateMs - scoringMs;
  const storeMs = c.storeMs.getImage + c.storeMs.putImageEntry + c.storeMs.getScores + c.storeMs.putScores;
  const cachedWall = median(run.cached.map((x) => x.wallMs));
  const cachedPlan = median(run.cached.map((x) => x.planMs));
  const cachedProcess = median(run.cached.map((x) => x.processMs));
  const samples = c.memory.samples;
  return {
    concurrency: run.concurrency,
    images: n,
    scored: c.storeCalls.putScores,
    distinctContents: run.distinct.distinct,
    tests: c.tests,
    verdicts: c.verdicts,
    wallS: c.wallMs / 1000,
    imagesPerS: n / (c.wallMs / 1000),
    cpuMsPerImage: c.cpuMs / n,
    generateS: c.generateMs / 1000,
    scoreS: c.scoreMs / 1000,
    clean: run.concurrency === 1,
    split:
      run.concurrency === 1
        ? { generate: c.generateMs / c.wallMs, score: scoringMs / c.wallMs, overhead: overheadMs / c.wallMs }
        : undefined,
    overheadMsPerImage: run.concurrency === 1 ? overheadMs / n : undefined,
    rawOverheadMsPerImage: run.concurrency === 1 ? rawOverheadMs / n : undefined,
    overheadParts:
      run.concurrency === 1
        ? {
            storeWritesMsPerImage: (c.storeMs.putImageEntry + put) / n,
            storeReadsMsPerImage: (c.storeMs.getImage + c.storeMs.getScores) / n,
            restMsPerImage: (overheadMs - storeMs) / n,
            scorerOpenMs: c.scorerOpenMs,
            scoreWritesInsideScoreClockMs: put,
          }
        : undefined,
    store: { ms: c.storeMs, calls: c.storeCalls },
    syncs: c.syncs,
    cached: {
      runMs: cachedWall,
      planMs: cachedPlan,
      processMs: cachedProcess,
      msPerImage: cachedWall / n,
      rounds: run.cached.map((x) => ({ runMs: x.wallMs, planMs: x.planMs, processMs: x.processMs, cachedImages: x.cachedImages, storeMs: x.storeMs, peakRssMiB: x.memory.peakRssMiB })),
    },
    memory: {
      peakRssMiB: c.memory.peakRssMiB,
      endRssMiB: c.memory.endRssMiB,
      samples,
      resultJsonKiBPerTest: c.resultJsonKiB / c.tests,
      cachedPeakRssMiB: median(run.cached.map((x) => x.memory.peakRssMiB)),
    },
  };
}

const rows = runs.map(figures);
const whatIfRows = whatIfs.map((w) => ({ ...figures(w.run), what: w.what, label: WHAT_IF[w.what], cached: undefined }));
const clean = rows.find((r) => r.clean);
// Flat: in every cold run, the peak resident set so far (VmHWM) after the last sample within 10% (at least 32 MiB)
// of the peak after the first, once the growth of the JS heap after gc (the TestResults the run keeps to return)
// is set aside. The peak, not the RSS of the moment: that depends on what is in flight when the sample is taken
// (decoded images, tensors, PNG buffers) and moves by +-30 MiB from one sample to the next.
const flatness = rows.map((r) => {
  const first = r.memory.samples[0];
  const last = r.memory.samples[r.memory.samples.length - 1];
  const heapGrowthMiB = last.heapUsedMiB - first.heapUsedMiB;
  const peakGrowthMiB = last.hwmMiB - first.hwmMiB;
  return { concurrency: r.concurrency, first, last, heapGrowthMiB, peakGrowthMiB, flat: peakGrowthMiB - Math.max(0, heapGrowthMiB) <= Math.max(32, 0.1 * first.hwmMiB) };
});
const memoryFlat = flatness.every((f) => f.flat);
const f0 = flatness[flatness.length - 1];
const targets = [
  !clean ? { target: `runner overhead < ${TARGET_OVERHEAD_MS} ms/image`, measured: '-', result: '-', note: 'needs a cold run at concurrency 1 (--concurrency 1,...)' } : {
    target: `runner overhead < ${TARGET_OVERHEAD_MS} ms/image`,
    measured: clean.overheadMsPerImage === undefined ? '-' : `${fmt(clean.overheadMsPerImage, 2)} ms`,
    result: clean.overheadMsPerImage === undefined ? '-' : clean.overheadMsPerImage < TARGET_OVERHEAD_MS ? 'PASS' : 'MISS',
    note: `concurrency ${clean.concurrency}; store writes ${fmt(clean.overheadParts?.storeWritesMsPerImage, 2)}, reads ${fmt(clean.overheadParts?.storeReadsMsPerImage, 2)}, the rest ${clean.overheadParts && clean.overheadParts.restMsPerImage < 0.05 ? '~0' : fmt(clean.overheadParts?.restMsPerImage, 2)} ms/image`,
  },
  ...rows.map((r) => ({
    target: `cached rerun of ${r.images} images < ${TARGET_CACHED_S} s`,
    measured: `${fmt((r.cached.runMs + r.cached.planMs) / 1000, 3)} s`,
    result: (r.cached.runMs + r.cached.planMs) / 1000 < TARGET_CACHED_S ? 'PASS' : 'MISS',
    note: `concurrency ${r.concurrency}; plan ${fmt(r.cached.planMs, 0)} ms + run ${fmt(r.cached.runMs, 0)} ms; whole process ${fmt(r.cached.processMs, 0)} ms`,
  })),
  {
    target: 'memory flat in the number of tests',
    measured: `${fmt(f0.first.hwmMiB, 0)} -> ${fmt(f0.last.hwmMiB, 0)} MiB`,
    result: memoryFlat ? 'PASS' : 'MISS',
    note: `peak RSS by ${f0.first.tests} -> by ${f0.last.tests} tests (c=${f0.concurrency}${flatness.length > 1 ? `; ${flatness.slice(0, -1).map((f) => `c=${f.concurrency}: ${fmt(f.first.hwmMiB, 0)} -> ${fmt(f.last.hwmMiB, 0)}`).join(', ')}` : ''}); heap after gc ${fmt(f0.first.heapUsedMiB, 1)} -> ${fmt(f0.last.heapUsedMiB, 1)} MiB`,
  },
];

const m = machine();
console.log(`\nRunner benchmark: ${nTests} tests x ${nSeeds} seeds${opt.baseline ? ' + baselines' : ''} = ${rows[0].images} images, degrade generator at 512x512, trait model on ${opt.provider} (batch ${opt.batch})`);
console.log(`machine: ${m.cpu}, ${m.cores} cores, Node ${m.node}; load average ${load0.map((x) => x.toFixed(2)).join(' ')} at start, ${loadavg().map((x) => x.toFixed(2)).join(' ')} at end`);
console.log(
  `cold runs: ${rows.map((r) => `${r.scored} of ${r.images} images scored, ${r.distinctContents} distinct contents (c=${r.concurrency})`).join('; ')}; verdicts ${JSON.stringify(rows[0].verdicts)}` +
    `\n(degrade reads the seed only for grain and tilt, so a test's seeds share bytes unless it asks for those; they are still generated, stored and scored each` +
    (rows.some((r) => r.scored < r.images) ? `;\nan image whose bytes another test's image already had is not scored again: a baseline is the unchanged input)\n` : `)\n`),
);
const pct = (x) => (x === undefined ? '-' : `${fmt(100 * x, 0)}%`);
console.log(
  table([
    ['cold run', 'wall', 'images/s', 'CPU ms/img', 'generate', 'score', 'share gen/score/overhead', 'overhead/img', 'wall-gen-score'],
    ...[...rows, ...whatIfRows].map((r) => [
      r.label ?? `concurrency ${r.concurrency}`,
      `${fmt(r.wallS, 1)} s`,
      fmt(r.imagesPerS, 1),
      fmt(r.cpuMsPerImage, 1),
      `${fmt(r.generateS, 1)} s`,
      `${fmt(r.scoreS, 1)} s`,
      r.split ? `${pct(r.split.generate)} / ${pct(r.split.score)} / ${pct(r.split.overhead)}` : 'overlaps (sums over 2 in flight)',
      r.overheadMsPerImage === undefined ? '-' : `${fmt(r.overheadMsPerImage, 2)} ms`,
      r.rawOverheadMsPerImage === undefined ? '-' : `${fmt(r.rawOverheadMsPerImage, 2)} ms`,
    ]),
  ]),
);
if (clean) console.log(
  `\noverhead = wall - generate - score at concurrency 1, where nothing overlaps. 'score' here is the runner's score clock less the\n` +
    `score writes it encloses (${fmt(clean.overheadParts?.scoreWritesInsideScoreClockMs / clean.images, 2)} ms/image, moved to overhead) plus opening the trait model (${fmt(clean.overheadParts?.scorerOpenMs, 0)} ms, once);\n` +
    `'wall-gen-score' is wall - timings.generateMs - timings.scoreMs as RunResult gives them.`,
);
const quietOf = { getImage: quietStore.getImageMs, putImageEntry: quietStore.putImageEntryMs, getScores: quietStore.getScoresMs, putScores: quietStore.putScoresMs };
const storeRow = clean ?? rows[0];
console.log('\n' + table([
  [`store calls (cold, c=${storeRow.concurrency})`, 'calls', 'total', 'per call', 'same call alone', ...whatIfRows.map((w) => w.what)],
  ...Object.keys(storeRow.store.ms).map((k) => [
    k,
    String(storeRow.store.calls[k]),
    `${fmt(storeRow.store.ms[k], 0)} ms`,
    `${fmt(storeRow.store.ms[k] / Math.max(1, storeRow.store.calls[k]), 2)} ms`,
    `${fmt(quietOf[k], 2)} ms`,
    ...whatIfRows.map((w) => `${fmt(w.store.ms[k] / Math.max(1, w.store.calls[k]), 2)} ms`),
  ]),
]));
console.log(`'alone': the same calls in this quiet process with an image of the run of the mean size (${fmt(quietStore.imageKiB, 0)} KiB), medians; sha256 of it ${fmt(quietStore.sha256Ms, 2)} ms.`);
console.log(
  `fsync on this disk (alone): ${fmt(probe.fileMs, 2)} ms a ${probe.kib} KiB file (the mean image), ${fmt(probe.smallFileMs, 2)} ms a 600-byte file, ${fmt(probe.folderMs, 2)} ms a folder;\n` +
    `the cold run made ${fmt(storeRow.syncs / storeRow.images, 2)} syncs per image (${storeRow.syncs} in all).`,
);
console.log('\n' + table([
  ['cached rerun', 'plan', 'runTests', 'ms/image', 'process', 'peak RSS'],
  ...rows.map((r) => [`concurrency ${r.concurrency}`, `${fmt(r.cached.planMs, 0)} ms`, `${fmt(r.cached.runMs, 0)} ms`, fmt(r.cached.msPerImage, 3), `${fmt(r.cached.processMs, 0)} ms`, `${fmt(r.memory.cachedPeakRssMiB, 0)} MiB`]),
]));
console.log(`medians of ${cachedRounds} fresh processes each; 'process' is spawn to exit (Node start, loading the bundle with sharp and onnxruntime, planning, the run).`);
console.log('\n' + table([
  ['memory (cold)', ...rows[0].memory.samples.map((x) => `after ${x.tests} tests`), 'peak RSS'],
  ...rows.map((r) => [`peak RSS so far, c=${r.concurrency}`, ...r.memory.samples.map((x) => `${fmt(x.hwmMiB, 0)} MiB`), `${fmt(r.memory.peakRssMiB, 0)} MiB`]),
  ...rows.map((r) => [`RSS, c=${r.concurrency}`, ...r.memory.samples.map((x) => `${fmt(x.rssMiB, 0)} MiB`), '']),
  ...rows.map((r) => [`heap after gc, c=${r.concurrency}`, ...r.memory.samples.map((x) => `${fmt(x.heapUsedMiB, 1)} MiB`), '']),
]));
console.log(
  `The run keeps every finished test's result (images, 17 trait scores each, expectations) to return them: ${fmt(rows[0].memory.resultJsonKiBPerTest, 1)} KiB of JSON\n` +
    `per test, and the heap after gc grows by ${fmt((1024 * f0.heapGrowthMiB) / (f0.last.tests - f0.first.tests), 1)} KiB per test. The rest of the resident set (the trait model, onnxruntime's and sharp's\n` +
    `buffers, the allocator's free lists) moves with what is in flight when a sample is taken, so the target reads the peak so far.`,
);
if (fsOps) {
  console.log(`\nFile calls of a cold run (concurrency 1, ${fsOps.images} images; each call's wall time, so calls that overlap add up):`);
  console.log(table([['call', 'calls', 'per image', 'total', 'per call'], ...fsOps.ops.map((o) => [o.op, String(o.calls), fmt(o.perImage, 1), `${fmt(o.ms, 0)} ms`, `${fmt(o.msPerCall, 3)} ms`])]));
}
if (profile) {
  for (const which of ['cold', 'cached']) {
    const p = profile[which];
    console.log(`\nCPU profile, ${which} run (main thread, ${fmt(p.totalMs / 1000, 2)} s sampled of ${fmt(p.wallMs / 1000, 2)} s run; ${p.file})`);
    console.log(table([['module', 'self', 'share'], ...p.modules.map((x) => [x.name, `${fmt(x.ms, 0)} ms`, pct(x.share)])]));
    console.log(table([['function', 'self', 'share'], ...p.functions.map((x) => [x.name, `${fmt(x.ms, 0)} ms`, pct(x.share)])]));
  }
}
console.log('\n' + table([['target', 'measured', 'result', 'how'], ...targets.map((t) => [t.target, t.measured, t.result, t.note])]));

const result = {
  benchmark: 'runner',
  date: new Date().toISOString(),
  machine: { ...m, loadavgStart: load0, loadavgEnd: loadavg() },
  workload: { tests: nTests, seeds: nSeeds, baseline: opt.baseline, images: rows[0].images, size: '512x512', generator: 'degrade', provider: opt.provider, batch: Number(opt.batch), asks: ASKS.length, workspace: opt.keep ? workspace : undefined },
  fsync: probe,
  storeAlone: quietStore,
  runs: rows,
  whatIf: whatIfRows,
  fsOps,
  profile,
  targets,
  seconds: (Date.now() - started) / 1000,
};
mkdirSync(dirname(resolve(opt.out)), { recursive: true });
writeFileSync(opt.out, JSON.stringify(result, null, 2) + '\n');
console.log(`\nwrote ${opt.out} (${fmt(result.seconds, 0)} s in all)`);
if (opt.check && targets.some((t) => t.result === 'MISS')) process.exit(1);
