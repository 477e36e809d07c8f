#!/usr/bin/env node
// Audit throughput: pairs per second of `wabi audit` (the built CLI, dist/cli.js, a whole process per run) for the
// built-in intent judge `traits` and for a model judge of CLIP ViT-B/32's size (random weights, built by
// bench/lib/clipVitB32.mjs), each beside a reference run side by side that does the same scoring without the audit:
//
//   traits     reference: `wabi traits --json` on the same 2N images (the trait scorer alone, also a whole CLI
//              process), at its default batch of 8 and at 2 (the audit's batch: one pair's two images); the ratio
//              audit pairs/s x 2 / traits images/s is how much of the trait scorer's speed the audit keeps.
//   clip-b32   reference: the ClipJudge in this process (bundled from server/src), opened fresh each round, scoring
//              pair by pair as audits did before they batched across pairs (one run of the pair's two images,
//              one text run per new prompt);
//              then all 2N images and N prompts in batches of 8 and 16, which the audit does not do.
//   cached     the same audits again reading every score from the result cache (filled once beforehand).
//
// The pairs are N (default 64) pairs of 512x512 JPEGs made once into the OS temp dir: square crops of the example
// paintings and the test photographs with captions, run through `wabi dataset build` (graded degradations along
// its 15 traits with the prompts the lexicon writes: "a tabby cat with heavy film grain"), re-encoded as JPEG, and
// spread evenly over sources, traits and levels. Runs are interleaved in rounds so load from other processes falls
// on every row alike; the table shows medians over the rounds and the load average at the start and the end.
//
//   npm run bench:audit
//   node bench/audit/throughput.mjs [--pairs N] [--rounds R] [--provider cpu|auto|cuda|webgpu] [--batches 8,16]
//   node bench/audit/throughput.mjs --help
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { loadTypeScript, root } from '../lib/bundle.mjs';
import { clipVitB32Judge, JUDGE_NAME } from '../lib/clipVitB32.mjs';
import { checkProvider, fmt, machine, median, table } from '../scoring/lib/common.mjs';

const { values: opt } = parseArgs({
  options: {
    pairs: { type: 'string', default: '64' },
    rounds: { type: 'string', default: '3' },
    provider: { type: 'string', default: 'cpu' },
    batches: { type: 'string', default: '8,16' },
    only: { type: 'string', default: 'traits,clip' },
    out: { type: 'string', default: join(root, 'bench', 'results', 'audit-throughput.json') },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (opt.help) {
  console.log(`Usage: node bench/audit/throughput.mjs [options]      (needs npm run build: it runs dist/cli.js)
  --pairs N        pairs to audit (default 64; made once into the OS temp dir)
  --rounds R       interleaved timed rounds, medians reported (default 3)
  --provider P     cpu|auto|cuda|webgpu for every model, CLI and in-process (default cpu)
  --batches LIST   batch sizes of the batched ClipJudge reference (default 8,16)
  --only LIST      traits,clip (default both)
  --out FILE       JSON results (default bench/results/audit-throughput.json)`);
  process.exit(0);
}
const N = wholeNumber(opt.pairs, '--pairs', 1, 2000);
const ROUNDS = wholeNumber(opt.rounds, '--rounds', 1, 20);
const provider = checkProvider(opt.provider);
const batches = opt.batches.split(',').map((b) => wholeNumber(b, '--batches', 1, 256));
const only = new Set(opt.only.split(',').map((s) => s.trim()));
for (const o of only) if (o !== 'traits' && o !== 'clip') throw new Error(`--only takes traits and clip, not '${o}'`);
const cli = join(root, 'dist', 'cli.js');
if (!existsSync(cli)) throw new Error('dist/cli.js is missing: run npm run build first (npm run bench:audit does)');

function wholeNumber(s, flag, min, max) {
  const n = Number(s);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${flag} must be a whole number from ${min} to ${max}, not '${s}'`);
  return n;
}

// ---- the pairs ---------------------------------------------------------------------------------------------------

/** Sources with captions (the dataset's prompts start with them; none reads as a trait). */
const SOURCES = [
  ['examples/images/starry-night.jpg', 'a village under a swirling sky'],
  ['examples/images/the-scream.jpg', 'a figure screaming on a bridge'],
  ['examples/images/shipwreck.jpg', 'a ship foundering in high waves'],
  ['examples/images/woman-with-a-hat.jpg', 'a portrait of a woman in a large hat'],
  ['test/fixtures/photos/astronaut.jpg', 'an astronaut in a white spacesuit'],
  ['test/fixtures/photos/chelsea.jpg', 'a tabby cat'],
  ['test/fixtures/photos/coffee.jpg', 'a cup of coffee on a saucer'],
  ['test/fixtures/photos/rocket.jpg', 'a rocket on the launch pad'],
];
const DATASET_TRAITS = 15;
const PAIRS_VERSION = 1;

/** N pairs of 512x512 JPEGs and their pairs file, made once per N into the OS temp dir. */
async function makePairs(n) {
  const levels = Math.min(20, Math.max(2, Math.ceil(n / (SOURCES.length * DATASET_TRAITS))));
  const h = createHash('sha256').update(`v${PAIRS_VERSION} levels ${levels}\n${JSON.stringify(SOURCES)}`);
  for (const f of [cli, ...SOURCES.map(([s]) => join(root, s))]) h.update(readFileSync(f));
  const dir = join(tmpdir(), `wabi-bench-audit-pairs-v${PAIRS_VERSION}-${h.digest('hex').slice(0, 12)}`);
  if (!existsSync(join(dir, 'dataset.jsonl'))) await buildPairs(dir, levels);
  const rows = readFileSync(join(dir, 'dataset.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  if (rows.length < n) throw new Error(`the dataset holds ${rows.length} pairs, fewer than --pairs ${n}`);
  // Evenly spread over the dataset's order (source, then trait, then level).
  const picked = Array.from({ length: n }, (_, i) => rows[Math.floor((i * rows.length) / n)]);
  const pairsFile = join(dir, `pairs-${n}.jsonl`);
  writeFileSync(pairsFile, picked.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const pairs = picked.map((r) => ({ faithful: join(dir, r.faithful), polished: join(dir, r.polished), prompt: r.prompt }));
  return { dir, pairsFile, pairs, levels, available: rows.length };
}

async function buildPairs(dir, levels) {
  const partial = `${dir}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  const src = join(partial, 'sources');
  mkdirSync(src, { recursive: true });
  console.error(`making the audit pairs (${SOURCES.length} sources x ${DATASET_TRAITS} traits x ${levels} levels) in ${dir} ...`);
  for (const [file, caption] of SOURCES) {
    const name = basename(file, '.jpg');
    await sharp(join(root, file)).resize(512, 512, { fit: 'cover', kernel: 'lanczos3' }).jpeg({ quality: 90 }).toFile(join(src, `${name}.jpg`));
    writeFileSync(join(src, `${name}.txt`), caption + '\n');
  }
  const r = spawnSync(process.execPath, [cli, 'dataset', 'build', '--from', src, '--out', join(partial, 'dataset'), '--levels', String(levels), '--seed', '1', '--max-side', '512'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`wabi dataset build failed (exit ${r.status}): ${r.stderr.trim().split('\n').pop()}`);
  for (const line of r.stderr.split('\n')) if (/warning/.test(line)) console.error(line);
  // The dataset's PNGs as JPEGs (quality 90), as generated images usually come.
  const rows = readFileSync(join(partial, 'dataset', 'pairs.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const converted = new Map();
  const jpeg = async (png) => {
    if (!converted.has(png)) {
      const out = join('jpeg', png.replace(/\.png$/, '.jpg'));
      mkdirSync(join(partial, out, '..'), { recursive: true });
      await sharp(join(partial, 'dataset', png)).jpeg({ quality: 90 }).toFile(join(partial, out));
      converted.set(png, out);
    }
    return converted.get(png);
  };
  const out = [];
  for (const row of rows) out.push({ ...row, faithful: await jpeg(row.faithful), polished: await jpeg(row.polished) });
  writeFileSync(join(partial, 'dataset.jsonl'), out.map((o) => JSON.stringify(o)).join('\n') + '\n');
  rmSync(dir, { recursive: true, force: true });
  renameSync(partial, dir);
}

// ---- timed runs --------------------------------------------------------------------------------------------------

/** Runs the CLI to completion and returns its wall time (spawn to exit) and output. */
function runCli(args, cwd) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [cli, ...args], { cwd, encoding: 'utf8', maxBuffer: 256 << 20 });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`wabi ${args.slice(0, 3).join(' ')} ... exited ${r.status}: ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ')}`);
  return { ms, stdout: r.stdout, stderr: r.stderr };
}

/** The audit's own time for its judge's pairs, from its progress line ("...: 64 pairs scored (0 from the cache) in 12.3s"). */
function judgeMs(stderr) {
  const m = /pairs? scored \(\d+ from the cache\) in (?:(\d+)ms|([\d.]+)s|(\d+)m (\d+)s|(\d+)h (\d+)m)\s*$/m.exec(stderr);
  if (!m) return undefined;
  if (m[1]) return Number(m[1]);
  if (m[2]) return Number(m[2]) * 1000;
  if (m[3]) return (Number(m[3]) * 60 + Number(m[4])) * 1000;
  return (Number(m[5]) * 3600 + Number(m[6]) * 60) * 1000;
}

/** One `wabi audit` process; checks that every pair was scored (none abstained, none bad) and from where. */
function audit(judge, pairs, { spec, cache, cwd }) {
  const args = ['audit', ...(spec ? [spec] : []), '--pairs', pairs.pairsFile, '--judge', judge, '--json', '--provider', provider];
  args.push(...(cache ? ['--cache', cache] : ['--no-cache']));
  const r = runCli(args, cwd);
  const report = JSON.parse(r.stdout);
  const j = report.judges?.[0];
  if (!j || j.n !== N || j.abstained !== 0) throw new Error(`wabi audit --judge ${judge}: scored ${j?.n} pairs (${j?.abstained} abstained) of ${N}`);
  return { ms: r.ms, judgeMs: judgeMs(r.stderr), hits: report.cache?.hits ?? 0 };
}

/** `wabi traits --json` over the pairs' 2N images (duplicates included: the audit scores them again too). */
function traitsCli(pairs, batch, cwd) {
  const files = pairs.pairs.flatMap((p) => [p.faithful, p.polished]);
  const r = runCli(['traits', '--json', '--provider', provider, '--batch', String(batch), ...files], cwd);
  const results = JSON.parse(r.stdout);
  if (results.length !== files.length || results.some((x) => x.error)) throw new Error(`wabi traits: ${results.filter((x) => x.error).length} of ${files.length} images failed`);
  return { ms: r.ms };
}

/**
 * The ClipJudge in this process, opened fresh: pair by pair as audits scored before they batched across pairs (the
 * pair's two images in one run, its prompt's text once), then every image and prompt in batches of `b`. The judge
 * caches text embeddings by text, so each pass asks its own variant of every prompt (a suffix naming the pass): the
 * text encoder always runs the full 77-token context, so the suffix changes no cost.
 */
async function clipReference(lib, model, pairs, round) {
  const spec = { kind: 'clip', name: JUDGE_NAME, source: model.spec, imageModel: model.imageModel, textModel: model.textModel, tokenizer: model.tokenizer, preprocess: lib.CLIP_PREPROCESSING };
  let t = performance.now();
  const judge = await lib.ClipJudge.open(spec, { provider, maxBatch: Math.max(16, ...batches) });
  const out = { openMs: performance.now() - t, batched: {} };
  try {
    t = performance.now();
    for (const p of pairs) await judge.similarity([p.faithful, p.polished], `${p.prompt} (round ${round} pairs)`);
    out.pairMs = performance.now() - t;
    const files = pairs.flatMap((p) => [p.faithful, p.polished]);
    for (const b of batches) {
      t = performance.now();
      const texts = [...new Set(pairs.map((p) => `${p.prompt} (round ${round} batch ${b})`))];
      const images = [];
      for (let i = 0; i < files.length; i += b) images.push(...(await judge.imageEmbeddings(files.slice(i, i + b))));
      const byText = new Map();
      for (let i = 0; i < texts.length; i += b) (await judge.textEmbeddings(texts.slice(i, i + b))).forEach((e, k) => byText.set(texts[i + k], e));
      const scores = pairs.flatMap((p, i) => [images[2 * i], images[2 * i + 1]].map((e) => lib.cosine(e, byText.get(`${p.prompt} (round ${round} batch ${b})`))));
      out.batched[b] = performance.now() - t;
      if (scores.length !== 2 * pairs.length || !scores.every(Number.isFinite)) throw new Error(`the batch-${b} reference made ${scores.length} scores, not ${2 * pairs.length} finite ones`);
    }
  } finally {
    await judge.dispose();
  }
  return out;
}

// ---- the benchmark -----------------------------------------------------------------------------------------------

async function main() {
  const m = machine();
  const loadStart = loadavg();
  console.log(`machine: ${m.cpu}, ${m.cores} cores, ${m.memGiB} GiB, Node ${m.node}; load average at start ${loadStart.map((x) => x.toFixed(2)).join(' ')}`);
  const pairs = await makePairs(N);
  const prompts = new Set(pairs.pairs.map((p) => p.prompt)).size;
  console.log(`pairs: ${N} of ${pairs.available} (${pairs.levels} levels), ${2 * N} images of 512x512 JPEG, ${prompts} distinct prompts: ${pairs.pairsFile}`);
  const work = mkdtempSync(join(tmpdir(), 'wabi-bench-audit-run-'));
  const model = only.has('clip') ? await clipVitB32Judge() : undefined;
  if (model) console.log(`model judge: ${JUDGE_NAME}, CLIP ViT-B/32 shapes, ${model.parameters.total.toLocaleString('en')} parameters (random weights): ${model.dir}${model.built ? ` (built in ${model.buildSeconds.toFixed(1)} s)` : ''}`);
  const lib = model
    ? await loadTypeScript(
        'audit-bench-clip',
        "export { ClipJudge, cosine } from './server/src/scoring/judges/clip';\nexport { CLIP_PREPROCESSING } from './server/src/scoring/judges/spec';\nexport { fileHash } from './server/src/runner/resultCache';\n",
      )
    : undefined;
  let hashMs;
  if (model) {
    // Every audit process hashes the judge's model files for its identity (part of each score's cache key).
    const t = performance.now();
    for (const f of [model.imageModel, model.textModel, model.tokenizer]) await lib.fileHash(f);
    hashMs = performance.now() - t;
  }
  console.log(`provider: ${provider}; ${ROUNDS} rounds, medians; every audit with --no-cache unless marked cached`);
  console.log('the audit asks each judge about up to 32 pairs at once, one pair\'s 2 images per call; a model judge batches the calls waiting together\n');

  const caches = { traits: join(work, 'cache-traits'), clip: join(work, 'cache-clip') };
  const opts = { traits: { cwd: work }, clip: { cwd: work, spec: model?.spec } };
  const judgeOf = { traits: 'traits', clip: JUDGE_NAME };
  const cold = {};
  for (const k of ['traits', 'clip'].filter((x) => only.has(x))) {
    console.error(`filling the cache for ${judgeOf[k]} ...`);
    cold[k] = audit(judgeOf[k], pairs, { ...opts[k], cache: caches[k] });
  }
  const runs = [];
  for (let round = 1; round <= ROUNDS; round++) {
    console.error(`round ${round}/${ROUNDS} (load ${loadavg()[0].toFixed(2)}) ...`);
    const r = { load: loadavg()[0] };
    if (only.has('traits')) {
      r.traitsAudit = audit('traits', pairs, opts.traits);
      r.traitsCli8 = traitsCli(pairs, 8, work);
      r.traitsCli2 = traitsCli(pairs, 2, work);
      r.traitsCached = audit('traits', pairs, { ...opts.traits, cache: caches.traits });
    }
    if (model) {
      r.clipAudit = audit(JUDGE_NAME, pairs, opts.clip);
      r.clipRef = await clipReference(lib, model, pairs.pairs, round);
      r.clipCached = audit(JUDGE_NAME, pairs, { ...opts.clip, cache: caches.clip });
    }
    for (const k of ['traitsCached', 'clipCached']) if (r[k] && r[k].hits !== N) throw new Error(`${k}: ${r[k].hits} of ${N} pairs came from the cache`);
    runs.push(r);
  }
  rmSync(work, { recursive: true, force: true });
  report(runs, cold, { pairs, prompts, model, hashMs, loadStart, machine: m });
}

function report(runs, cold, info) {
  const med = (f) => median(runs.map(f).filter((x) => x !== undefined));
  const range = (f) => {
    const xs = runs.map(f).filter((x) => x !== undefined);
    return xs.length > 1 ? `${fmt(Math.min(...xs) / 1000, 2)}-${fmt(Math.max(...xs) / 1000, 2)}` : '-';
  };
  const rows = [['run', 'what is timed', 'median s', 'range s', 'pairs/s', 'images/s']];
  const figures = {};
  const row = (key, name, what, f) => {
    const ms = med(f);
    if (ms === undefined || Number.isNaN(ms)) return;
    const pps = N / (ms / 1000);
    figures[key] = { medianMs: +ms.toFixed(1), pairsPerSecond: +pps.toFixed(3), imagesPerSecond: +(2 * pps).toFixed(3) };
    rows.push([name, what, fmt(ms / 1000, 2), range(f), fmt(pps, 2), fmt(2 * pps, 2)]);
  };
  if (runs[0].traitsAudit) {
    row('traitsAudit', 'wabi audit --judge traits', 'process', (r) => r.traitsAudit.ms);
    row('traitsAuditScoring', '  (its judge line)', 'scoring the pairs', (r) => r.traitsAudit.judgeMs);
    row('traitsCli8', 'wabi traits --json (ref)', `process, ${2 * N} images, batch 8`, (r) => r.traitsCli8.ms);
    row('traitsCli2', 'wabi traits --json --batch 2', `process, ${2 * N} images, batch 2`, (r) => r.traitsCli2.ms);
    row('traitsCached', 'wabi audit --judge traits', 'process, cached', (r) => r.traitsCached.ms);
  }
  if (runs[0].clipAudit) {
    row('clipAudit', `wabi audit --judge ${JUDGE_NAME}`, 'process', (r) => r.clipAudit.ms);
    row('clipAuditScoring', '  (its judge line)', 'scoring the pairs', (r) => r.clipAudit.judgeMs);
    row('clipRefOpenPairs', 'ClipJudge in-process (ref)', 'open + pair by pair', (r) => r.clipRef.openMs + r.clipRef.pairMs);
    row('clipRefPairs', 'ClipJudge in-process (ref)', 'pair by pair (2 img + 1 text)', (r) => r.clipRef.pairMs);
    for (const b of batches) row(`clipRefBatch${b}`, 'ClipJudge in-process', `batches of ${b} img / ${b} texts`, (r) => r.clipRef.batched[b]);
    row('clipCached', `wabi audit --judge ${JUDGE_NAME}`, 'process, cached', (r) => r.clipCached.ms);
  }
  console.log(table(rows));
  const ratios = [];
  const ratio = (name, a, b) => {
    if (figures[a] && figures[b]) ratios.push([name, `${fmt(figures[a].pairsPerSecond / figures[b].pairsPerSecond, 2)}x`]);
  };
  ratio('traits: audit images/s / wabi traits images/s (batch 8)', 'traitsAudit', 'traitsCli8');
  ratio('traits: audit images/s / wabi traits images/s (batch 2)', 'traitsAudit', 'traitsCli2');
  ratio('traits: wabi traits batch 8 / batch 2', 'traitsCli8', 'traitsCli2');
  ratio('traits: cached audit / uncached audit', 'traitsCached', 'traitsAudit');
  ratio(`${JUDGE_NAME}: audit process / in-process open + pair by pair`, 'clipAudit', 'clipRefOpenPairs');
  ratio(`${JUDGE_NAME}: audit scoring / in-process pair by pair`, 'clipAuditScoring', 'clipRefPairs');
  for (const b of batches) ratio(`${JUDGE_NAME}: in-process batches of ${b} / pair by pair`, `clipRefBatch${b}`, 'clipRefPairs');
  ratio(`${JUDGE_NAME}: cached audit / uncached audit`, 'clipCached', 'clipAudit');
  if (ratios.length > 0) console.log('\n' + table([['ratio', 'x'], ...ratios]));
  const fill = Object.entries(cold).map(([k, c]) => `${k === 'clip' ? JUDGE_NAME : k} ${fmt(c.ms / 1000, 2)} s`);
  if (fill.length > 0) console.log(`\nfilling the cache before the rounds (one run each, writing every score): ${fill.join(', ')}`);
  if (runs[0].clipRef) console.log(`ClipJudge.open, both towers: median ${fmt(med((r) => r.clipRef.openMs) / 1000, 2)} s`);
  if (info.hashMs !== undefined) console.log(`hashing ${JUDGE_NAME}'s files for its identity, as every audit process does: ${fmt(info.hashMs / 1000, 2)} s`);
  const loadEnd = loadavg();
  console.log(`load average at start ${info.loadStart.map((x) => x.toFixed(2)).join(' ')}, at end ${loadEnd.map((x) => x.toFixed(2)).join(' ')}`);
  mkdirSync(join(opt.out, '..'), { recursive: true });
  const json = { machine: info.machine, provider, pairs: N, rounds: ROUNDS, batches, prompts: info.prompts, pairsFile: info.pairs.pairsFile, model: info.model ? { parameters: info.model.parameters, hashMs: info.hashMs } : undefined, loadavg: { start: info.loadStart, end: loadEnd }, figures, ratios: Object.fromEntries(ratios), cold, runs };
  writeFileSync(opt.out, JSON.stringify(json, null, 2) + '\n');
  console.log(`results: ${relative(process.cwd(), opt.out) || opt.out}`);
}

await main();
