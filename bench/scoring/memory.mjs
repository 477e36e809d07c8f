#!/usr/bin/env node
// Scoring memory: 1,000 images through TraitScorer.scoreFiles with the full trait registry, reporting the peak
// resident set (VmHWM; process.resourceUsage().maxRSS agrees), the RSS every 100 images (is it flat?), and
// images/s. The images are a smaller set of 1024x1024 JPEGs (made by make-images.mjs) repeated, but every entry
// is read and decoded again (sharp's cache is off in the scorer), as 1,000 distinct files would be.
//
// Each batch size runs in its own child process, so one size's peak does not hide another's.
//
//   npm run bench:memory
//   node bench/scoring/memory.mjs --images 1000 --distinct 96 --batches 1,8,32 --provider auto
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { checkProvider, fmt, machine, procMemory, table } from './lib/common.mjs';
import { loadWabi, pickAnalysers, root } from './lib/wabi.mjs';
import { makeImages } from './make-images.mjs';

const self = fileURLToPath(import.meta.url);
const { values: opt } = parseArgs({
  options: {
    images: { type: 'string', default: '1000' },
    distinct: { type: 'string', default: '96' },
    batches: { type: 'string', default: '1,8,32' },
    provider: { type: 'string', default: 'auto' },
    traits: { type: 'string', default: 'all' },
    every: { type: 'string', default: '100' },
    child: { type: 'boolean', default: false },
    out: { type: 'string', default: join(root, 'bench', 'results', 'scoring-memory.json') },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (opt.help) {
  console.log(`Usage: node bench/scoring/memory.mjs [options]
  --images N       images to score (default 1000)
  --distinct K     distinct 1024x1024 JPEGs, repeated to make N (default 96)
  --batches LIST   batch sizes, one child process each (default 1,8,32)
  --provider P     auto|cuda|webgpu|cpu (default auto)
  --traits LIST    comma-separated traits instead of the full registry
  --every M        RSS sample interval in images (default 100)
  --out FILE       JSON results (default bench/results/scoring-memory.json)`);
  process.exit(0);
}
const provider = checkProvider(opt.provider);
const total = Number(opt.images);
const every = Number(opt.every);
const log = (l) => console.error(l);
const mib = (bytes) => bytes / 2 ** 20;

if (opt.child) {
  // One batch size: prints one JSON line.
  const batch = Number(opt.batches);
  const start = procMemory();
  const images = await makeImages({ count: Number(opt.distinct) });
  const files = Array.from({ length: total }, (_, i) => images.files[i % images.files.length]);
  const wabi = await loadWabi();
  const analysers = pickAnalysers(wabi, opt.traits);
  const scorer = await wabi.TraitScorer.open({ analysers, resolve: wabi.resolveTrait, provider, batchSize: batch });
  const opened = procMemory();
  const samples = [];
  let done = 0;
  const t0 = performance.now();
  for await (const r of scorer.scoreFiles(files)) {
    if (wabi.isFailure(r)) throw new Error(`${r.file}: ${r.error}`);
    done++;
    if (done % every === 0 || done === total) {
      const m = procMemory();
      const mu = process.memoryUsage();
      samples.push({ images: done, rssMiB: m.rssMiB, hwmMiB: m.hwmMiB, heapMiB: mib(mu.heapUsed), externalMiB: mib(mu.external), arrayBuffersMiB: mib(mu.arrayBuffers), s: (performance.now() - t0) / 1000 });
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  const end = procMemory();
  await scorer.close();
  console.log(
    JSON.stringify({
      batch,
      provider: scorer.provider,
      traits: analysers.length,
      registry: wabi.REGISTRY,
      images: done,
      distinct: images.files.length,
      seconds,
      imagesPerS: done / seconds,
      startRssMiB: start.rssMiB,
      openedRssMiB: opened.rssMiB,
      peakRssMiB: end.hwmMiB,
      maxRssMiB: process.resourceUsage().maxRSS / 1024,
      samples,
    }),
  );
  process.exit(0);
}

const batches = opt.batches.split(',').map(Number);
log(`making ${opt.distinct} distinct test images...`);
const made = await makeImages({ count: Number(opt.distinct), log });
log(`images: ${made.dir}${made.reused ? ' (reused)' : ''}`);
const results = [];
for (const b of batches) {
  log(`batch ${b}: scoring ${total} images in a child process...`);
  const args = [self, '--child', '--batches', String(b), '--images', String(total), '--distinct', opt.distinct, '--provider', provider, '--traits', opt.traits, '--every', String(every)];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 16 << 20 });
  if (r.status !== 0) throw new Error(`batch ${b} failed (exit ${r.status})`);
  results.push(JSON.parse(r.stdout.trim().split('\n').pop()));
}

const at = (res, n) => res.samples.find((s) => s.images === n) ?? res.samples[0];
console.log(`\nScoring memory: ${total} images (${made.files.length} distinct 1024x1024 JPEGs, each decoded every time), ${results[0].traits} traits on ${results[0].provider}`);
console.log(
  table([
    ['batch', 'img/s', 'RSS start MiB', 'RSS opened', `RSS @${every}`, `RSS @${total}`, 'growth', 'peak RSS MiB', 'flat?'],
    ...results.map((r) => {
      const a = at(r, every).rssMiB;
      const z = at(r, total).rssMiB;
      const growth = z - a;
      return [String(r.batch), fmt(r.imagesPerS), fmt(r.startRssMiB, 0), fmt(r.openedRssMiB, 0), fmt(a, 0), fmt(z, 0), `${growth >= 0 ? '+' : ''}${fmt(growth, 0)}`, fmt(r.peakRssMiB, 0), Math.abs(growth) <= Math.max(32, 0.1 * a) ? 'flat' : 'GROWS'];
    }),
  ]),
);
console.log(`\nRSS every ${every} images (MiB):`);
console.log(table([['images', ...results.map((r) => `batch ${r.batch}`)], ...results[0].samples.map((s, i) => [String(s.images), ...results.map((r) => fmt(r.samples[i]?.rssMiB, 0))])]));
console.log("'peak RSS' is VmHWM of the child process (process.resourceUsage().maxRSS agrees); 'flat' means RSS after the last image is within max(32 MiB, 10%) of RSS after the first sample.");

const out = { benchmark: 'scoring-memory', date: new Date().toISOString(), machine: machine(), images: total, distinct: made.files.length, results };
mkdirSync(dirname(resolve(opt.out)), { recursive: true });
writeFileSync(opt.out, JSON.stringify(out, null, 2) + '\n');
console.log(`\nwrote ${opt.out}`);
