#!/usr/bin/env node
// Per-trait inference cost: each trait alone as a one-trait model (its dependencies included, as a composite such
// as polish builds them into its graph), timed on images decoded beforehand, beside the full model. The single-trait
// costs add up to more than the full model, which computes shared intermediates (luma, Sobel gradients) once.
// With --ops, onnxruntime's own profiler also breaks the full model's time down by operator type and by node.
//
//   node bench/scoring/profile-traits.mjs [--count 16] [--batch 8] [--reps 5] [--provider cpu] [--ops]
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { checkProvider, fmt, machine, median, table } from './lib/common.mjs';
import { loadWabi, pickAnalysers, root } from './lib/wabi.mjs';
import { makeImages } from './make-images.mjs';

const { values: opt } = parseArgs({
  options: {
    count: { type: 'string', default: '16' },
    batch: { type: 'string', default: '8' },
    reps: { type: 'string', default: '5' },
    provider: { type: 'string', default: 'auto' },
    traits: { type: 'string', default: 'all' },
    ops: { type: 'boolean', default: false },
    out: { type: 'string', default: join(root, 'bench', 'results', 'scoring-profile.json') },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (opt.help) {
  console.log('Usage: node bench/scoring/profile-traits.mjs [--count N] [--batch B] [--reps R] [--provider auto|cuda|webgpu|cpu] [--traits LIST] [--ops] [--out FILE]');
  process.exit(0);
}
const provider = checkProvider(opt.provider);
const batch = Number(opt.batch);
const reps = Number(opt.reps);
const log = (l) => console.error(l);

const images = await makeImages({ count: Number(opt.count), log });
const wabi = await loadWabi();
const analysers = pickAnalysers(wabi, opt.traits);
const decoded = await Promise.all(images.files.map((f) => wabi.decodeImage(f)));

// All models are opened first and timed round-robin, one pass each per round, so load from other processes falls
// on every model alike; the best (least disturbed) pass and the median are both reported.
async function openModel(list) {
  const scorer = await wabi.TraitScorer.open({ analysers: list, resolve: wabi.resolveTrait, provider, batchSize: batch });
  await scorer.scoreBatch(decoded.slice(0, batch)); // warm-up
  return scorer;
}
async function pass(scorer) {
  const t = performance.now();
  for (let i = 0; i < decoded.length; i += batch) await scorer.scoreBatch(decoded.slice(i, i + batch));
  return (performance.now() - t) / decoded.length;
}

log(`timing ${analysers.length} single-trait models and the full model on ${decoded.length} images, batch ${batch}, ${reps} rounds...`);
const models = [{ trait: 'full model', list: analysers }, ...analysers.map((a) => ({ trait: a.name, uses: a.uses ?? [], list: [a] }))];
for (const m of models) m.scorer = await openModel(m.list);
for (const m of models) m.times = [];
for (let r = 0; r < reps; r++) {
  for (const m of models) m.times.push(await pass(m.scorer));
  log(`  round ${r + 1}/${reps} done`);
}
for (const m of models) await m.scorer.close();
const summary = (m) => ({ trait: m.trait, uses: m.uses, msPerImage: Math.min(...m.times), medianMsPerImage: median(m.times) });
const full = { ...summary(models[0]), provider: models[0].scorer.provider };
const per = models.slice(1).map(summary);
per.sort((x, y) => y.msPerImage - x.msPerImage);
const sum = per.reduce((s, p) => s + p.msPerImage, 0);

console.log(`\nPer-trait inference cost (${decoded.length} pre-decoded images, batch ${batch}, ${full.provider}; decode not included; best and median of ${reps} interleaved rounds)`);
console.log(
  table([
    ['trait', 'best ms/img', 'median', 'share of sum', 'reads'],
    ...per.map((p) => [p.trait, fmt(p.msPerImage, 2), fmt(p.medianMsPerImage, 2), `${fmt((100 * p.msPerImage) / sum, 0)}%`, p.uses.join(',') || '-']),
    ['sum of singles', fmt(sum, 2), '', '', ''],
    ['full model', fmt(full.msPerImage, 2), fmt(full.medianMsPerImage, 2), '', `${fmt(1000 / full.msPerImage)} img/s inference only (best)`],
  ]),
);

let ops;
if (opt.ops) {
  // onnxruntime's profiler on the full model, same options as one of the scorer's sessions ('basic' optimisation,
  // as many threads as each of its CPU sessions has), over `reps` runs after a warm-up run.
  const require = createRequire(join(root, 'package.json'));
  const ort = require('onnxruntime-node');
  const dir = join(root, 'out', 'bench-scoring', `profile-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  const model = wabi.buildTraitModel(analysers, wabi.resolveTrait);
  const session = await ort.InferenceSession.create(model, {
    executionProviders: [provider === 'auto' ? 'cpu' : provider],
    graphOptimizationLevel: 'basic',
    intraOpNumThreads: wabi.cpuSessionLayout(availableParallelism()).threads,
    logSeverityLevel: 4,
    enableProfiling: true,
    profileFilePrefix: join(dir, 'ort'),
  });
  const n = Math.min(batch, decoded.length);
  const inputs = wabi.traitInputs(decoded.slice(0, n));
  const feeds = Object.fromEntries(session.inputNames.map((name) => [name, new ort.Tensor(inputs[name].type, inputs[name].data, inputs[name].dims)]));
  await session.run(feeds);
  for (let r = 0; r < reps; r++) await session.run(feeds);
  session.endProfiling();
  await session.release();
  const file = readdirSync(dir).find((f) => f.startsWith('ort') && f.endsWith('.json'));
  if (!file) throw new Error(`onnxruntime wrote no profile into ${dir}`);
  const events = JSON.parse(readFileSync(join(dir, file), 'utf8'));
  // The first run allocates the arena and touches every page of its buffers for the first time: its node times are
  // not what a steady stream of batches costs, so only the runs after it count.
  const firstRunEnd = Math.min(...events.filter((e) => e.cat === 'Session' && e.name === 'model_run').map((e) => e.ts + e.dur));
  const nodes = events.filter((e) => e.cat === 'Node' && e.name.endsWith('_kernel_time') && e.ts > firstRunEnd);
  const total = nodes.reduce((s, e) => s + e.dur, 0);
  const byOp = new Map();
  const byNode = new Map();
  for (const e of nodes) {
    const op = e.args?.op_name ?? '?';
    byOp.set(op, (byOp.get(op) ?? 0) + e.dur);
    const name = e.name.replace(/_kernel_time$/, '');
    const k = byNode.get(name) ?? { op, us: 0, shape: JSON.stringify(e.args?.output_type_shape ?? '') };
    k.us += e.dur;
    byNode.set(name, k);
  }
  const runs = reps;
  ops = {
    byOp: [...byOp].sort((a, b) => b[1] - a[1]).map(([op, us]) => ({ op, msPerImage: us / 1000 / runs / n, share: us / total })),
    topNodes: [...byNode].sort((a, b) => b[1].us - a[1].us).slice(0, 20).map(([name, v]) => ({ name, op: v.op, msPerImage: v.us / 1000 / runs / n, share: v.us / total, output: v.shape })),
  };
  console.log(`\nFull model by operator type (onnxruntime profiler, batch ${n}, ${runs} runs):`);
  console.log(table([['op', 'ms/img', 'share'], ...ops.byOp.slice(0, 15).map((o) => [o.op, fmt(o.msPerImage, 2), `${fmt(100 * o.share, 1)}%`])]));
  console.log('\nCostliest nodes:');
  console.log(table([['node', 'op', 'ms/img', 'share', 'output'], ...ops.topNodes.map((o) => [o.name, o.op, fmt(o.msPerImage, 2), `${fmt(100 * o.share, 1)}%`, o.output.slice(0, 60)])]));
  rmSync(dir, { recursive: true, force: true });
}

const result = { benchmark: 'scoring-profile', date: new Date().toISOString(), machine: machine(), registry: wabi.REGISTRY, batch, images: decoded.length, rounds: reps, provider: full.provider, full, perTrait: per, ops };
mkdirSync(dirname(resolve(opt.out)), { recursive: true });
writeFileSync(opt.out, JSON.stringify(result, null, 2) + '\n');
console.log(`\nwrote ${opt.out}`);
