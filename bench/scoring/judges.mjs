#!/usr/bin/env node
// Judge throughput: images per second of a CLIP ViT-B/32-sized image encoder (random weights, bench/lib/clipVitB32.mjs)
// on every execution provider that loads here, three ways side by side:
//
//   per image   the encoder in this thread, one image per model run, each run awaited before the next: what a
//               judge did with one image at a time before runs batched across tests and seeds (and what a
//               run's lone images still get).
//   model       the encoder in this thread at batch B, back to back: the model's own ceiling at that batch.
//   run path    the product's path: ClipJudge (bundled from server/src) with judge batches of B, its encoder in a
//               worker thread behind the batcher, asked by N callers at once about one image each, as a run's
//               tests and seeds and an audit's pairs ask. Its mean batch is what the batcher gathered.
//
// Ratios: run path / per image (what batching across callers gains), run path / model (what the worker and the
// batcher cost). Beside each, the longest the main thread's event loop was held up while the images ran (a timer's
// worst delay, from perf_hooks' monitorEventLoopDelay): a model run in this thread blocks it for the whole run.
// Inputs are the example paintings and test photographs preprocessed once (no decoding timed). Rounds interleave
// every row; the table shows medians and the load average at the start, per round and at the end.
//
//   npm run bench:judges
//   node bench/scoring/judges.mjs [--providers cuda,webgpu,cpu] [--batches 1,8,32] [--images N] [--rounds R]
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, relative } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { loadTypeScript, root } from '../lib/bundle.mjs';
import { clipVitB32Judge, JUDGE_NAME } from '../lib/clipVitB32.mjs';
import { fmt, machine, median, table } from './lib/common.mjs';

const { values: opt } = parseArgs({
  options: {
    providers: { type: 'string' },
    batches: { type: 'string', default: '1,8,32' },
    images: { type: 'string', default: '64' },
    rounds: { type: 'string', default: '3' },
    out: { type: 'string', default: join(root, 'bench', 'results', 'judges.json') },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (opt.help) {
  console.log(`Usage: node bench/scoring/judges.mjs [options]
  --providers LIST  providers to time (default cuda,webgpu,cpu: those that load; webgpu is left out where provider
                    auto leaves it out, a Linux machine with no GPU device, unless named here)
  --batches LIST    judge batch sizes (default 1,8,32)
  --images N        images per timing (default 64)
  --rounds R        interleaved rounds, medians reported (default 3)
  --out FILE        JSON results (default bench/results/judges.json)`);
  process.exit(0);
}
const whole = (s, flag, min, max) => {
  const n = Number(s);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${flag} must be a whole number from ${min} to ${max}, not '${s}'`);
  return n;
};
const N = whole(opt.images, '--images', 1, 4096);
const ROUNDS = whole(opt.rounds, '--rounds', 1, 20);
const BATCHES = opt.batches.split(',').map((b) => whole(b, '--batches', 1, 256));

const SOURCES = [
  'examples/images/starry-night.jpg',
  'examples/images/the-scream.jpg',
  'examples/images/shipwreck.jpg',
  'examples/images/woman-with-a-hat.jpg',
  'test/fixtures/photos/astronaut.jpg',
  'test/fixtures/photos/chelsea.jpg',
  'test/fixtures/photos/coffee.jpg',
  'test/fixtures/photos/rocket.jpg',
];

const lib = await loadTypeScript(
  'judges-bench',
  `export { ClipJudge } from './server/src/scoring/judges/clip';
export { CLIP_PREPROCESSING } from './server/src/scoring/judges/spec';
export { ort, webGpuUnusable } from './server/src/scoring/session';
`,
);
const { ort } = lib;

/** The providers to time, and why any default one is left out. */
function providers() {
  if (opt.providers) return { list: opt.providers.split(',').map((p) => p.trim()), skipped: [] };
  const why = lib.webGpuUnusable();
  return { list: ['cuda', ...(why ? [] : ['webgpu']), 'cpu'], skipped: why ? [`webgpu: ${why}`] : [] };
}

/** The encoder in this thread, as JudgeModel opened it before judges moved to a worker. */
function openInThread(file, provider) {
  return ort.InferenceSession.create(file, {
    executionProviders: [provider],
    graphOptimizationLevel: 'all',
    logSeverityLevel: 4,
    extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
  });
}

/** Milliseconds `work` took and the event loop's worst delay meanwhile. */
async function timed(work) {
  const h = monitorEventLoopDelay({ resolution: 5 });
  h.enable();
  const t0 = performance.now();
  await work();
  const ms = performance.now() - t0;
  // A run that blocked the loop to the end delays the monitor's own timer past it: let that timer fire first.
  await new Promise((resolve) => setTimeout(resolve, 20));
  h.disable();
  return { ms, loopMaxMs: h.max / 1e6 };
}

function stackRows(rows, n, per) {
  const data = new Float32Array(n * per);
  for (let i = 0; i < n; i++) data.set(rows[i % rows.length], i * per);
  return data;
}

/** Runs of `session` over N images, `batch` at a time. */
async function inThread(session, rows, batch, size) {
  const per = 3 * size * size;
  const feeds = (n) => ({ pixel_values: new ort.Tensor('float32', stackRows(rows, n, per), [n, 3, size, size]) });
  await session.run(feeds(batch));
  return timed(async () => {
    for (let done = 0; done < N; done += batch) await session.run(feeds(Math.min(batch, N - done)));
  });
}

/** N callers at once, one image each, through the judge's batcher. */
async function runPath(judge, tensors) {
  await judge.imageEmbeddings(tensors[0]);
  const before = { ...judge.models.image.stats };
  const t = await timed(() => Promise.all(Array.from({ length: N }, (_, i) => judge.imageEmbeddings(tensors[i % tensors.length]))));
  const s = judge.models.image.stats;
  return { ...t, meanBatch: (s.items - before.items) / (s.batches - before.batches) };
}

async function main() {
  const m = machine();
  const loadStart = loadavg();
  console.log(`machine: ${m.cpu}, ${m.cores} cores, ${m.memGiB} GiB, Node ${m.node}; load average ${loadStart.map((x) => x.toFixed(2)).join(' ')}`);
  const model = await clipVitB32Judge();
  console.log(`judge: ${JUDGE_NAME}, CLIP ViT-B/32 shapes, ${model.parameters.image.toLocaleString('en')} image-encoder parameters (random weights): ${model.dir}`);
  const spec = {
    kind: 'clip',
    name: JUDGE_NAME,
    source: model.spec,
    imageModel: model.imageModel,
    textModel: model.textModel,
    tokenizer: model.tokenizer,
    preprocess: lib.CLIP_PREPROCESSING,
  };
  const size = spec.preprocess.size;
  const { list, skipped } = providers();
  for (const s of skipped) console.log(`not timed: ${s}`);
  const results = {};
  for (const provider of list) {
    let session;
    try {
      session = await openInThread(model.imageModel, provider);
    } catch (e) {
      console.log(`not timed: ${provider}: ${String(e.message ?? e).split('\n')[0].slice(0, 160)}`);
      continue;
    }
    const judges = {};
    for (const b of BATCHES) judges[b] = await lib.ClipJudge.open(spec, { provider, maxBatch: b });
    const tensors = await Promise.all(SOURCES.map((f) => judges[BATCHES[0]].preprocess([join(root, f)])));
    const rows = tensors.map((t) => t.data);
    const runs = [];
    for (let round = 1; round <= ROUNDS; round++) {
      console.error(`${provider}: round ${round}/${ROUNDS} (load ${loadavg()[0].toFixed(2)}) ...`);
      const r = { load: loadavg()[0], perImage: await inThread(session, rows, 1, size), model: {}, run: {} };
      for (const b of BATCHES) {
        r.model[b] = await inThread(session, rows, b, size);
        r.run[b] = await runPath(judges[b], tensors);
      }
      runs.push(r);
    }
    await session.release();
    for (const j of Object.values(judges)) await j.dispose();
    results[provider] = runs;
  }
  report(results, { machine: m, loadStart });
}

function report(results, info) {
  const rows = [['provider', 'batch', 'per image img/s', 'model img/s', 'run path img/s', 'mean batch', 'run / per image', 'run / model', 'loop held ms: per image, model, run']];
  const figures = {};
  for (const [provider, runs] of Object.entries(results)) {
    const ips = (t) => N / (t.ms / 1000);
    const perImage = median(runs.map((r) => ips(r.perImage)));
    figures[provider] = { perImage: +perImage.toFixed(2), batches: {} };
    for (const b of BATCHES) {
      const model = median(runs.map((r) => ips(r.model[b])));
      const run = median(runs.map((r) => ips(r.run[b])));
      const meanBatch = median(runs.map((r) => r.run[b].meanBatch));
      const loop = [median(runs.map((r) => r.perImage.loopMaxMs)), median(runs.map((r) => r.model[b].loopMaxMs)), median(runs.map((r) => r.run[b].loopMaxMs))];
      figures[provider].batches[b] = { model: +model.toFixed(2), run: +run.toFixed(2), meanBatch: +meanBatch.toFixed(1), runOverPerImage: +(run / perImage).toFixed(2), runOverModel: +(run / model).toFixed(2), loopMaxMs: loop.map((x) => +x.toFixed(0)) };
      rows.push([provider, String(b), fmt(perImage), fmt(model), fmt(run), fmt(meanBatch), `${fmt(run / perImage, 2)}x`, `${fmt(run / model, 2)}x`, loop.map((x) => x.toFixed(0)).join(' / ')]);
    }
  }
  console.log(`\n${N} images per timing, medians of ${ROUNDS} rounds\n`);
  console.log(table(rows));
  const loadEnd = loadavg();
  const perRound = Object.fromEntries(Object.entries(results).map(([p, runs]) => [p, runs.map((r) => +r.load.toFixed(2))]));
  console.log(`\nload average at start ${info.loadStart.map((x) => x.toFixed(2)).join(' ')}, per round ${JSON.stringify(perRound)}, at end ${loadEnd.map((x) => x.toFixed(2)).join(' ')}`);
  mkdirSync(join(opt.out, '..'), { recursive: true });
  writeFileSync(opt.out, JSON.stringify({ machine: info.machine, images: N, rounds: ROUNDS, batches: BATCHES, loadavg: { start: info.loadStart, end: loadEnd }, figures, results }, null, 2) + '\n');
  console.log(`results: ${relative(process.cwd(), opt.out) || opt.out}`);
}

await main();
