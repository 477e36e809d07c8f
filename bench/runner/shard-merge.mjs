#!/usr/bin/env node
// What sharding costs: the bundled example scaled to 2,000 tests, run once unsharded and once as N shards plus
// `wabi merge-reports`, all through the real CLI (dist/cli.js, so `npm run build` first), one process after another
// on this machine. The shards do the same generating and scoring as the unsharded run; what sharding adds is each
// shard's process start, reading and planning every spec (each shard plans the whole selection to find its part),
// writing its blob, and the merge. So the ratio printed is
//
//   overhead = (sum of the shards' wall times + the merge's) / the unsharded run's wall time
//
// read twice: cold (a fresh cache for each arm, so every image is generated and scored: the realistic case, where
// the fixed costs are diluted by the work) and warm (every image and score already cached: nothing left but the
// fixed costs, the worst case for the ratio). Each arm is timed `--rounds` times (default 3) and the medians are
// compared. Also printed: the merge alone, the blobs' size, the critical path if the shards ran on N machines at once
// (slowest shard + merge), and the load average before and after (other work on the machine skews every figure).
//
// Workload: `--tests` (default 2000) tests of one seed each on the `degrade` generator over 64x64 copies of the
// example paintings (examples/images), one or two traits each, in spec files of 100, every test its own request.
//
//   npm run build && node bench/runner/shard-merge.mjs
//   node bench/runner/shard-merge.mjs --tests 500 --shards 8 --rounds 5
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { fmt, machine, median, table } from '../scoring/lib/common.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const cli = join(root, 'dist', 'cli.js');

const { values: opt } = parseArgs({
  options: {
    tests: { type: 'string', default: '2000' },
    shards: { type: 'string', default: '4' },
    rounds: { type: 'string', default: '3' },
    'cold-rounds': { type: 'string' },
    provider: { type: 'string', default: 'cpu' },
    keep: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (opt.help) {
  console.log(`Usage: node bench/runner/shard-merge.mjs [--tests N] [--shards N] [--rounds R] [--cold-rounds R] [--provider P] [--keep]
  --tests N        tests in the workspace (default 2000), one image each
  --shards N       shards of the sharded arm (default 4)
  --rounds R       timings per arm, warm (default 3); medians are compared
  --cold-rounds R  timings per arm, cold (default: --rounds)
  --provider P     the trait model's provider (default cpu)
  --keep           keep the temp workspace`);
  process.exit(0);
}
if (!existsSync(cli)) {
  console.error('bench: dist/cli.js is missing; run `npm run build` first');
  process.exit(2);
}
const nTests = Number(opt.tests);
const nShards = Number(opt.shards);
const rounds = Number(opt.rounds);
const coldRounds = Number(opt['cold-rounds'] ?? opt.rounds);

const TRAITS = ['grain', 'blur', 'vignette', 'underexposure', 'low-contrast', 'desaturation', 'pixelation', 'color-cast', 'posterization', 'jpeg-artifacts'];
const SOURCES = readdirSync(join(root, 'examples', 'images')).filter((f) => f.endsWith('.jpg')).sort();

async function makeWorkspace(dir) {
  const sharp = createRequire(import.meta.url)('sharp');
  mkdirSync(join(dir, 'images'), { recursive: true });
  mkdirSync(join(dir, '.wabi'), { recursive: true }); // the project folder
  for (const src of SOURCES) await sharp(join(root, 'examples', 'images', src)).resize(64, 64, { fit: 'cover' }).jpeg({ quality: 90 }).toFile(join(dir, 'images', src));
  const gens = SOURCES.map((src, i) => `generator g${i}\n  kind     degrade\n  input    images/${src}\n  strength 0.8\n`);
  writeFileSync(join(dir, 'generators.wabi'), gens.join('\n'));
  const PER_FILE = 100;
  for (let f = 0; f * PER_FILE < nTests; f++) {
    const lines = ['import "generators.wabi"', '', 'defaults', '  seeds 1', '  size  64x64', ''];
    for (let i = f * PER_FILE; i < Math.min(nTests, (f + 1) * PER_FILE); i++) {
      const a = TRAITS[i % TRAITS.length];
      const b = i % 3 === 0 ? TRAITS[(i + 3) % TRAITS.length] : undefined;
      lines.push(`test "${a}${b ? ` and ${b}` : ''} ${i + 1}"`, `  generator g${i % SOURCES.length}`, `  prompt    ${a}${b ? `, ${b}` : ''}, take ${i + 1}`, `  expect    ${a} >= 0.3`);
      if (b) lines.push(`  expect    ${b} >= 0.3`);
      lines.push('');
    }
    writeFileSync(join(dir, `suite-${String(f + 1).padStart(2, '0')}.wabi`), lines.join('\n'));
  }
}

/** Runs the CLI in `dir` and returns its wall time in ms; exit 0 or 1 (some tests fail) is a finished run. */
function wabi(dir, args) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, CI: 'true' }, maxBuffer: 256 * 2 ** 20 });
  const ms = performance.now() - t0;
  if (r.status !== 0 && r.status !== 1) throw new Error(`wabi ${args.join(' ')} exited ${r.status}:\n${r.stderr.slice(-2000)}`);
  return ms;
}

function unsharded(dir, cache) {
  return wabi(dir, ['run', '--quiet', '--provider', opt.provider, '--cache', cache, '--reporter', 'json,junit', '--out', 'report-whole']);
}

function sharded(dir, cache) {
  rmSync(join(dir, 'blobs'), { recursive: true, force: true });
  const shards = [];
  for (let i = 1; i <= nShards; i++) shards.push(wabi(dir, ['run', '--quiet', '--provider', opt.provider, '--cache', cache, '--shard', `${i}/${nShards}`, '--reporter', 'blob', '--out', 'blobs']));
  const merge = wabi(dir, ['merge-reports', 'blobs', '--quiet', '--reporter', 'json,junit', '--out', 'report-merged']);
  const blobBytes = readdirSync(join(dir, 'blobs')).reduce((n, f) => n + statSync(join(dir, 'blobs', f)).size, 0);
  return { total: shards.reduce((a, b) => a + b, 0) + merge, slowest: Math.max(...shards), shards, merge, blobBytes };
}

const dir = mkdtempSync(join(tmpdir(), 'wabi-shard-bench-'));
const loadBefore = loadavg();
try {
  await makeWorkspace(dir);
  console.log(`shard-merge: ${nTests} tests x 1 image (degrade, 64x64), ${nShards} shards, ${coldRounds} cold and ${rounds} warm rounds; load average ${loadBefore.map((x) => x.toFixed(2)).join(' ')}`);
  const cold = { whole: [], sharded: [] };
  for (let r = 0; r < coldRounds; r++) {
    // Alternate which arm goes first, so a machine that heats up or gets busier does not favour one.
    const arms = r % 2 === 0 ? ['whole', 'sharded'] : ['sharded', 'whole'];
    for (const arm of arms) {
      const cache = join(dir, `cache-cold-${arm}-${r}`);
      cold[arm].push(arm === 'whole' ? { total: unsharded(dir, cache) } : sharded(dir, cache));
      rmSync(cache, { recursive: true, force: true });
    }
  }
  const warmCache = join(dir, 'cache-warm');
  unsharded(dir, warmCache); // fills it
  const warm = { whole: [], sharded: [] };
  for (let r = 0; r < rounds; r++) {
    const arms = r % 2 === 0 ? ['whole', 'sharded'] : ['sharded', 'whole'];
    for (const arm of arms) warm[arm].push(arm === 'whole' ? { total: unsharded(dir, warmCache) } : sharded(dir, warmCache));
  }
  const loadAfter = loadavg();
  const m = (xs, k) => median(xs.map((x) => x[k]));
  const row = (name, arms) => {
    const whole = m(arms.whole, 'total');
    const total = m(arms.sharded, 'total');
    return [name, fmt(whole / 1000, 2), fmt(total / 1000, 2), `${fmt(total / whole, 2)}x`, fmt(m(arms.sharded, 'merge') / 1000, 2), fmt((m(arms.sharded, 'slowest') + m(arms.sharded, 'merge')) / 1000, 2), fmt(m(arms.sharded, 'blobBytes') / 2 ** 20, 1)];
  };
  console.log('');
  console.log(
    table([
      ['cache', 'unsharded s', `${nShards} shards + merge s`, 'overhead', 'merge s', 'critical path s', 'blobs MiB'],
      row('cold', cold),
      row('warm', warm),
    ]),
  );
  console.log(`\noverhead = (sum of the shards' wall times + the merge's) / the unsharded run's, medians of each arm's rounds;`);
  console.log(`critical path = the slowest shard + the merge: the wall time if the ${nShards} shards ran on ${nShards} machines at once.`);
  console.log(`load average before ${loadBefore.map((x) => x.toFixed(2)).join(' ')}, after ${loadAfter.map((x) => x.toFixed(2)).join(' ')}; ${JSON.stringify(machine())}`);
} finally {
  if (opt.keep) console.log(`workspace kept: ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
}
