#!/usr/bin/env node
// Scoring throughput: Wabi's full trait set (TraitScorer over the registry in server/src/scoring/traits/index.ts)
// on 1024x1024 JPEGs at several batch sizes, beside two references on the same files in the same run:
//  - decoding alone: sharp decoding every file to full-size RGB with all cores busy (as many decodes in flight as
//    libuv has threads, times two). Scoring cannot be faster than the decoding it needs, so this is the ceiling, and
//    the target is Wabi at >= 0.8x of it;
//  - a Python + OpenCV script (opencv_reference.py) computing the classic measures OpenCV has (Laplacian variance,
//    Immerkaer noise sigma, colourfulness, RMS contrast, mean HSV saturation, clipped fractions).
//
// Everything includes reading and decoding. Runs are interleaved in rounds (each round: every Wabi batch size,
// the decode-only pass, one OpenCV pass per variant) so load from other processes falls on all alike; figures are
// medians over the rounds. CPU time per image (process-wide, all threads) is reported next to wall-clock images/s:
// it is less disturbed by other load than wall time.
//
//   npm run bench:scoring
//   node bench/scoring/throughput.mjs --count 96 --batches 1,2,8,32 --rounds 3 --provider auto
//   node bench/scoring/throughput.mjs --help
import { POOL_THREADS } from './lib/threads.mjs';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { checkProvider, findOpenCvPython, fmt, machine, median, OPENCV_HINT, table } from './lib/common.mjs';
import { loadWabi, pickAnalysers, root } from './lib/wabi.mjs';
import { makeImages } from './make-images.mjs';
import sharp from 'sharp';

const here = dirname(fileURLToPath(import.meta.url));

const { values: opt } = parseArgs({
  options: {
    count: { type: 'string', default: '96' },
    batches: { type: 'string', default: '1,2,8' },
    rounds: { type: 'string', default: '3' },
    provider: { type: 'string', default: 'auto' },
    traits: { type: 'string', default: 'all' },
    images: { type: 'string' },
    python: { type: 'string' },
    'no-opencv': { type: 'boolean', default: false },
    'no-split': { type: 'boolean', default: false },
    out: { type: 'string', default: join(root, 'bench', 'results', 'scoring-throughput.json') },
    check: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (opt.help) {
  console.log(`Usage: node bench/scoring/throughput.mjs [options]
  --count N            1024x1024 test JPEGs to make and score (default 96; made once into the OS temp dir)
  --images DIR         use the images made into (or reused from) DIR instead of the temp dir
  --batches LIST       Wabi batch sizes (default 1,2,8; the CPU default is 2, a GPU's 16)
  --rounds R           interleaved timed rounds, medians reported (default 3)
  --provider P         auto|cuda|webgpu|cpu for Wabi's trait model (default auto: cuda, then webgpu, then cpu)
  --traits LIST        comma-separated traits instead of the full registry
  --python PATH        python3 with cv2 (default: $WABI_PYTHON, /usr/bin/python3, python3)
  --no-opencv          Wabi only
  --no-split           skip the isolated decode-only and inference-only passes
  --out FILE           JSON results (default bench/results/scoring-throughput.json)
  --check              exit 1 when Wabi's best batch size is under 0.8x the decode-only rate`);
  process.exit(0);
}

const provider = checkProvider(opt.provider);
const batches = opt.batches.split(',').map(Number);
const rounds = Math.max(1, Number(opt.rounds));
const log = (line) => console.error(line);

log(`making ${opt.count} test images (1024x1024 JPEG)...`);
const images = await makeImages({ count: Number(opt.count), dir: opt.images, log });
const files = images.files;
log(`images: ${images.dir}${images.reused ? ' (reused)' : ''}`);

const wabi = await loadWabi();
const analysers = pickAnalysers(wabi, opt.traits);
log(`trait registry: ${wabi.REGISTRY}; scoring ${analysers.length} traits: ${analysers.map((a) => a.name).join(', ')}`);

let py;
if (!opt['no-opencv']) {
  py = opt.python ? { python: opt.python } : findOpenCvPython();
  if (!py.python) {
    log(OPENCV_HINT);
    process.exit(2);
  }
}
const listFile = join(root, 'out', 'bench-scoring', `files-${process.pid}.txt`);
mkdirSync(dirname(listFile), { recursive: true });
writeFileSync(listFile, files.join('\n') + '\n');
process.on('exit', () => rmSync(listFile, { force: true }));

// full-default decides the target; 512-default is the stricter comparison; the pool of 2 processes shows what the
// same Python work does on both cores.
const CV_VARIANTS = 'full-default,full-1,512-default,512-1,full-pool2';

function runOpenCv() {
  const r = spawnSync(py.python, [join(here, 'opencv_reference.py'), '--repeat', '1', '--variants', CV_VARIANTS, `@${listFile}`], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`opencv_reference.py failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** One end-to-end pass of scoreFiles. */
async function wabiPass(scorer) {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let ok = 0;
  for await (const r of scorer.scoreFiles(files)) {
    if (wabi.isFailure(r)) throw new Error(`${r.file}: ${r.error}`);
    ok++;
  }
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { images: ok, seconds: wallMs / 1000, imagesPerS: ok / (wallMs / 1000), cpuMsPerImage: (cpu.user + cpu.system) / 1000 / ok };
}

/** The ceiling: read every file and decode it to full-size RGB with sharp, with every pool thread busy. */
async function decodePass() {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 2 * POOL_THREADS }, async () => {
      while (next < files.length) {
        const file = files[next++];
        await sharp(readFileSync(file)).raw().toBuffer();
      }
    }),
  );
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { imagesPerS: files.length / (wallMs / 1000), cpuMsPerImage: (cpu.user + cpu.system) / 1000 / files.length };
}

const started = Date.now();
const load0 = loadavg();
const scorers = new Map();
for (const b of batches) {
  scorers.set(b, await wabi.TraitScorer.open({ analysers, resolve: wabi.resolveTrait, provider, batchSize: b, log }));
}
const usedProvider = scorers.get(batches[0]).provider;

// Warm-up: one full pass (page cache, sharp, onnxruntime's kernels and arenas), then a short pass per batch size.
log('warm-up...');
await wabiPass(scorers.get(batches[0]));
for (const b of batches) {
  const s = scorers.get(b);
  for await (const _ of s.scoreFiles(files.slice(0, Math.min(files.length, 2 * b)))) void _;
}

const wabiRuns = new Map(batches.map((b) => [b, []]));
const decodeRuns = [];
const cvRuns = [];
let cvMeta;
for (let r = 0; r < rounds; r++) {
  for (const b of batches) {
    const p = await wabiPass(scorers.get(b));
    wabiRuns.get(b).push(p);
    log(`round ${r + 1}/${rounds}  wabi batch ${String(b).padStart(2)}: ${fmt(p.imagesPerS)} img/s, ${fmt(p.cpuMsPerImage)} CPU ms/img`);
  }
  const d = await decodePass();
  decodeRuns.push(d);
  log(`round ${r + 1}/${rounds}  decode only: ${fmt(d.imagesPerS)} img/s, ${fmt(d.cpuMsPerImage)} CPU ms/img`);
  if (py) {
    const cv = runOpenCv();
    cvMeta = cv;
    cvRuns.push(cv.variants);
    log(`round ${r + 1}/${rounds}  opencv: ${cv.variants.map((v) => `${v.name} ${fmt(v.images_per_s)} img/s`).join(', ')}`);
  }
}

// Isolated passes: Wabi's own decoding into its two tensors (as many in flight as the decode-only pass), and
// inference alone on images decoded beforehand. Their CPU ms per image show where the time goes.
let split;
if (!opt['no-split']) {
  log('isolated decode and inference passes...');
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const decoded = new Array(files.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: 2 * POOL_THREADS }, async () => {
      while (next < files.length) {
        const i = next++;
        decoded[i] = await wabi.decodeImage(files[i]);
      }
    }),
  );
  const decodeS = (performance.now() - t0) / 1000;
  const cpuMs = (c) => (c.user + c.system) / 1000 / files.length;
  split = { wabiDecodeImagesPerS: files.length / decodeS, wabiDecodeCpuMsPerImage: cpuMs(process.cpuUsage(c0)), inferenceOnly: {} };
  for (const b of batches) {
    const s = scorers.get(b);
    const t1 = performance.now();
    const c1 = process.cpuUsage();
    for (let i = 0; i < decoded.length; i += b) await s.scoreBatch(decoded.slice(i, i + b));
    split.inferenceOnly[b] = { imagesPerS: files.length / ((performance.now() - t1) / 1000), cpuMsPerImage: cpuMs(process.cpuUsage(c1)) };
  }
}
for (const s of scorers.values()) await s.close();

// Summaries.
const cvVariant = (name) => {
  if (cvRuns.length === 0) return undefined;
  const vs = cvRuns.map((vars) => vars.find((v) => v.name === name)).filter(Boolean);
  const cpu = vs.map((v) => v.cpu_ms_per_image).filter((x) => typeof x === 'number');
  return { name, threads: vs[0].threads, resolution: vs[0].resolution, imagesPerS: median(vs.map((v) => v.images_per_s)), cpuMsPerImage: cpu.length ? median(cpu) : undefined, runs: vs.map((v) => v.images_per_s) };
};
const cvPrimary = cvVariant('full-default');
const cvStrict = cvVariant('512-default');
const cvAll = cvRuns.length ? cvRuns[0].map((v) => cvVariant(v.name)) : [];
const decodeOnly = { imagesPerS: median(decodeRuns.map((d) => d.imagesPerS)), cpuMsPerImage: median(decodeRuns.map((d) => d.cpuMsPerImage)), runs: decodeRuns.map((d) => d.imagesPerS) };
// Wabi decodes each file fully too (its patch needs native pixels) and resamples it: with inference free, this
// ratio is the most the 'vs decode' column could read.
if (split) split.wabiDecodeVsDecode = split.wabiDecodeImagesPerS / decodeOnly.imagesPerS;
const TARGET = 0.8;
const rows = batches.map((b) => {
  const runs = wabiRuns.get(b);
  const ips = median(runs.map((p) => p.imagesPerS));
  // Each round's ratio against the decode pass of the same round, so a load change between rounds cancels.
  const vsDecode = median(runs.map((p, i) => p.imagesPerS / decodeRuns[i].imagesPerS));
  return {
    batch: b,
    wabiImagesPerS: ips,
    wabiCpuMsPerImage: median(runs.map((p) => p.cpuMsPerImage)),
    wabiRuns: runs.map((p) => p.imagesPerS),
    vsDecode,
    target: vsDecode >= TARGET ? 'PASS' : 'MISS',
    opencvImagesPerS: cvPrimary?.imagesPerS,
    ratio: cvPrimary ? ips / cvPrimary.imagesPerS : undefined,
    ratioStrict: cvStrict ? ips / cvStrict.imagesPerS : undefined,
  };
});

const m = machine();
const range = (xs) => `${fmt(Math.min(...xs))}..${fmt(Math.max(...xs))}`;
console.log(`\nScoring throughput: ${files.length} JPEGs 1024x1024, ${analysers.length} Wabi traits on ${usedProvider} vs decoding alone (sharp) and OpenCV ${cvMeta?.opencv ?? '(not run)'} subset (7 measures)`);
console.log(`machine: ${m.cpu}, ${m.cores} cores, Node ${m.node}; load average ${load0.map((x) => x.toFixed(2)).join(' ')} at start, ${loadavg().map((x) => x.toFixed(2)).join(' ')} at end`);
console.log(`medians over ${rounds} interleaved rounds; reading and decoding included everywhere; libuv pool ${POOL_THREADS} threads`);
console.log(`decode only (sharp, full-size RGB, ${2 * POOL_THREADS} in flight): ${fmt(decodeOnly.imagesPerS)} img/s (${range(decodeOnly.runs)}), ${fmt(decodeOnly.cpuMsPerImage)} CPU ms/img\n`);
const header = ['batch', 'wabi img/s', '(range)', 'wabi CPU ms/img', 'vs decode', `target ${TARGET}x`, 'opencv img/s', 'vs opencv', 'vs opencv@512'];
const ratio = (x) => (x === undefined ? '-' : `${fmt(x, 2)}x`);
console.log(
  table([
    header,
    ...rows.map((r) => [String(r.batch), fmt(r.wabiImagesPerS), range(r.wabiRuns), fmt(r.wabiCpuMsPerImage), ratio(r.vsDecode), r.target, fmt(r.opencvImagesPerS), ratio(r.ratio), ratio(r.ratioStrict)]),
  ]),
);
if (cvAll.length) {
  console.log('\nOpenCV reference variants (decode included):');
  console.log(table([['variant', 'resolution', 'threads', 'img/s', '(range)', 'CPU ms/img'], ...cvAll.map((v) => [v.name, v.resolution, String(v.threads), fmt(v.imagesPerS), range(v.runs), fmt(v.cpuMsPerImage)])]));
  console.log(`'opencv img/s' above is ${cvPrimary.name} (a single-process script); 'vs opencv@512' is ${cvStrict?.name ?? '-'}.`);
}
if (split) {
  console.log(`\nWhere the time goes: Wabi's decoding into its tensors alone ${fmt(split.wabiDecodeImagesPerS)} img/s, ${fmt(split.wabiDecodeCpuMsPerImage)} CPU ms/img;`);
  console.log(`  that is ${fmt(split.wabiDecodeVsDecode, 2)}x decoding alone, the ceiling of 'vs decode' if inference cost nothing;`);
  console.log(`inference alone (pre-decoded): ${batches.map((b) => `batch ${b}: ${fmt(split.inferenceOnly[b].imagesPerS)} img/s, ${fmt(split.inferenceOnly[b].cpuMsPerImage)} CPU ms/img`).join('; ')}`);
}
const best = rows.reduce((a, r) => (r.vsDecode > a.vsDecode ? r : a));
console.log(`\nBest: batch ${best.batch} at ${fmt(best.vsDecode, 2)}x decoding alone: target (${TARGET}x) ${best.target}.`);
if (best.target === 'MISS') console.log('node bench/scoring/profile-traits.mjs shows which traits cost most.');

const result = {
  benchmark: 'scoring-throughput',
  date: new Date().toISOString(),
  machine: { ...m, loadavgStart: load0, loadavgEnd: loadavg() },
  images: { count: files.length, size: '1024x1024', dir: images.dir },
  wabi: { registry: wabi.REGISTRY, traits: analysers.map((a) => a.name), providerSetting: provider, provider: usedProvider },
  opencv: cvMeta ? { python: py.python, opencv: cvMeta.opencv, numpy: cvMeta.numpy, defaultThreads: cvMeta.default_threads, variants: cvAll } : undefined,
  rounds,
  decodeOnly,
  target: { ratioToDecode: TARGET, best: best.batch, result: best.target },
  rows,
  split,
  seconds: (Date.now() - started) / 1000,
};
mkdirSync(dirname(resolve(opt.out)), { recursive: true });
writeFileSync(opt.out, JSON.stringify(result, null, 2) + '\n');
console.log(`\nwrote ${opt.out}`);
if (opt.check && best.target === 'MISS') process.exit(1);
