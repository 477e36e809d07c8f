#!/usr/bin/env node
// The built-in intent judge `traits` (server/src/scoring/intent) on the paper's generated pairs
// (../shared/benchmarks/paper-pairs/bench): for each pair, is the faithful image (N_dist, made from the
// anti-aesthetic prompt) scored above the polished one (N_orig, from the plain prompt) under the anti-aesthetic
// prompt? That is the paper's reward-model audit, printed beside the paper's own figures for reward models.
//
// Accuracy counts a pair right only when score(dist) > score(orig); a tie or an abstention (a prompt that asks for
// no measurable trait) counts wrong, as a reward model that cannot tell the images apart would. The prompt-blind
// row scores 1 - polish for every pair: what "prefer the less conventional image" alone gets, so the lexicon's
// share of the judge's accuracy can be read off.
//
// With --pairs FILE, the pairs of a pairs file instead (JSONL: faithful, polished, prompt, category; paths relative
// to the file), such as the pairs.jsonl of `wabi dataset build`, grouped by category instead of the paper's dimensions.
//
//   npm run bench:intent
//   node bench/audit/intent-paper-pairs.mjs [--dir DIR | --pairs FILE] [--provider auto|cuda|webgpu|cpu] [--out FILE] [--quiet]
import { build } from 'esbuild';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { checkProvider, table } from '../scoring/lib/common.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The paper's accuracy of each judge at picking the anti-aesthetic image (ICML 2026, arXiv 2512.11883). */
const PAPER = [
  ['HPSv3', 0.38],
  ['HPSv2.1', 0.57],
  ['ImageReward', 0.76],
  ['PickScore', 0.85],
  ['CLIP-L', 0.91],
  ['BLIP', 0.97],
];

const { values: opt } = parseArgs({
  options: {
    dir: { type: 'string', default: resolve(root, '..', 'shared', 'benchmarks', 'paper-pairs', 'bench') },
    pairs: { type: 'string' },
    provider: { type: 'string', default: 'auto' },
    out: { type: 'string', default: join(root, 'bench', 'results', 'intent-paper-pairs.json') },
    quiet: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (opt.help) {
  console.log(`Usage: node bench/audit/intent-paper-pairs.mjs [options]
  --dir DIR        pairs folder with N_orig.*, N_dist.* and _meta.json (default ../shared/benchmarks/paper-pairs/bench)
  --pairs FILE     a pairs file (JSONL: faithful, polished, prompt, category) instead, e.g. a dataset's pairs.jsonl
  --provider P     auto|cuda|webgpu|cpu (default auto)
  --out FILE       JSON results (default bench/results/intent-paper-pairs.json)
  --quiet          no per-pair reading`);
  process.exit(0);
}
const provider = checkProvider(opt.provider);
if (opt.pairs ? !existsSync(opt.pairs) : !existsSync(join(opt.dir, '_meta.json'))) {
  console.error(opt.pairs ? `no pairs file ${opt.pairs}` : `no _meta.json in ${opt.dir} (pass --dir or --pairs)`);
  process.exit(2);
}

/** Bundles the intent judge (TypeScript) with esbuild into out/ and loads it. */
async function loadIntent() {
  const outDir = join(root, 'out', 'bench-audit');
  mkdirSync(outDir, { recursive: true });
  const outfile = join(outDir, `intent-${process.pid}.cjs`);
  const contents = `export * from './intent/index';\nexport { TraitScorer, isFailure } from './traitScorer';\nexport { TRAIT_ANALYSERS, traitAnalyser } from './traits/index';\nexport { wilsonInterval } from '../statistics/intervals';\n`;
  await build({
    stdin: { contents, resolveDir: join(root, 'server', 'src', 'scoring'), loader: 'ts', sourcefile: 'bench-intent.ts' },
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    outfile,
    external: ['sharp', 'onnxruntime-node'],
    logLevel: 'error',
    define: { WABI_VERSION: '"bench"' },
  });
  const mod = createRequire(import.meta.url)(outfile);
  rmSync(outfile, { force: true });
  return mod;
}

function pairFile(idx, role) {
  const name = readdirSync(opt.dir).find((f) => f.startsWith(`${idx}_${role}.`));
  if (!name) throw new Error(`pair ${idx}: no ${idx}_${role}.* in ${opt.dir}`);
  return join(opt.dir, name);
}

/** The pairs to judge: {id, dims, faithful, polished, prompt}. */
function loadPairs() {
  if (opt.pairs) {
    const base = dirname(resolve(opt.pairs));
    return readFileSync(opt.pairs, 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .map((l, i) => {
        const row = JSON.parse(l);
        return { id: row.faithful, dims: [row.category ?? '(none)'], faithful: resolve(base, row.faithful), polished: resolve(base, row.polished), prompt: row.prompt, line: i + 1 };
      });
  }
  return JSON.parse(readFileSync(join(opt.dir, '_meta.json'), 'utf8')).map((m) => ({
    id: String(m.idx),
    dims: m.selected_dims,
    faithful: pairFile(m.idx, 'dist'),
    polished: pairFile(m.idx, 'orig'),
    prompt: m.prompt_distorted,
  }));
}

const wabi = await loadIntent();
const meta = loadPairs();
const judge = await wabi.IntentJudge.open({ provider });
// The prompt-blind reference reads polish from the same trait scorer.
const scorer = await wabi.TraitScorer.open({ analysers: wabi.TRAIT_ANALYSERS, resolve: wabi.traitAnalyser, provider });
const polish = async (file) => {
  for await (const r of scorer.scoreFiles([file])) {
    if (wabi.isFailure(r)) throw new Error(`${file}: ${r.error}`);
    return 1 - r.traits.polish;
  }
};

const started = performance.now();
const pairs = [];
for (const m of meta) {
  const [sDist, sOrig] = await judge.score([m.faithful, m.polished], m.prompt);
  const reading = judge.explain(m.prompt);
  const blind = [await polish(m.faithful), await polish(m.polished)];
  pairs.push({
    idx: m.id,
    dims: m.dims,
    traits: reading.traits.map((t) => `${t.negated ? '-' : ''}${t.trait}${t.weight === 1 ? '' : `x${t.weight}`}`),
    unmatched: reading.unmatched.map((u) => u.phrase),
    dist: sDist,
    orig: sOrig,
    abstained: sDist === undefined,
    right: sDist !== undefined && sDist > sOrig,
    blindRight: blind[0] > blind[1],
    reading: wabi.formatReading(reading),
  });
}
const seconds = (performance.now() - started) / 1000;
await judge.close();
await scorer.close();

const n = pairs.length;
const right = pairs.filter((p) => p.right).length;
const abstained = pairs.filter((p) => p.abstained).length;
const ties = pairs.filter((p) => !p.abstained && p.dist === p.orig).length;
const blindRight = pairs.filter((p) => p.blindRight).length;
const pct = (k, of) => (of ? `${Math.round((100 * k) / of)}%` : '-');

if (!opt.quiet) {
  for (const p of pairs) {
    console.log(`\nPair ${p.idx} [${p.dims.join(', ')}]: dist ${p.dist ?? '-'}  orig ${p.orig ?? '-'}  ${p.abstained ? 'ABSTAINED' : p.right ? 'right' : 'WRONG'}`);
    for (const line of p.reading) console.log(`  ${line}`);
  }
}

console.log(`\nIntent judge \`traits\` on ${n} pairs (${opt.pairs ?? opt.dir}), ${judge.identity}, ${seconds.toFixed(1)} s`);
// A dataset's hundreds of pairs are listed only when asked for (without --quiet).
if (!opt.pairs || !opt.quiet) console.log(table([
  ['pair', 'dims', 'traits read', 'dist', 'orig', 'verdict'],
  ...pairs.map((p) => [String(p.idx), p.dims.join(', '), p.traits.join(' ') || '(none)', p.dist?.toFixed(3) ?? '-', p.orig?.toFixed(3) ?? '-', p.abstained ? 'abstain' : p.right ? 'right' : 'wrong']),
]));

const dims = [...new Set(pairs.flatMap((p) => p.dims))];
console.log(opt.pairs ? '\nBy category:' : '\nBy selected dimension (a pair counts under each of its dimensions):');
console.log(table([
  [opt.pairs ? 'category' : 'dimension', 'pairs', 'right', 'accuracy'],
  ...dims.map((d) => {
    const of = pairs.filter((p) => p.dims.includes(d));
    const k = of.filter((p) => p.right).length;
    return [d, String(of.length), String(k), pct(k, of.length)];
  }),
]));

console.log(`\nBeside the paper's reward models (accuracy at scoring the anti-aesthetic image higher${opt.pairs ? "; theirs on the paper's pairs, not these" : ''}):`);
console.log(table([
  ['judge', 'accuracy', 'source'],
  ...PAPER.map(([name, acc]) => [name, pct(acc, 1), 'paper']),
  ['traits (Wabi)', pct(right, n), `this run: ${right}/${n}, ${abstained} abstained, ${ties} tied`],
  ['1 - polish (prompt-blind)', pct(blindRight, n), `this run: ${blindRight}/${n}`],
]));
const ci = wabi.wilsonInterval(right, n);
console.log(`Wilson 95% interval of the judge's accuracy: ${pct(ci.low, 1)} to ${pct(ci.high, 1)}. Scored pairs only: ${pct(right, n - abstained)} (${right}/${n - abstained}).`);

mkdirSync(dirname(opt.out), { recursive: true });
writeFileSync(opt.out, JSON.stringify({ identity: judge.identity, n, right, accuracy95: ci, abstained, ties, blindRight, seconds, paper: Object.fromEntries(PAPER), pairs }, null, 2) + '\n');
console.log(`wrote ${opt.out}`);
