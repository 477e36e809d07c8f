#!/usr/bin/env node
// A fully cached `wabi run` with a large judge model: how long the rerun takes when the result cache holds the hash
// of the model file (read back by path and stat stamp) against when it does not (the whole file read and hashed to
// find the judge's identity, as every run did before the hash records). Both sides run the real CLI (dist/cli.js)
// in fresh processes, alternating, on the same workspace: a spec with one reward judge, a darkness model padded to
// --size-mib with a doc string (so it is as large as real weights and loads as fast as the small model), and one
// test of two images. Every judge and trait value is in the cache on both sides; the 'no records' side deletes the
// cache's hashes/ folder before its run. The file stays in the page cache, so this is the warm case: a first run
// after a reboot also reads the file from disk.
//
//   npm run bench:rerun
//   node bench/runner/cached-judge-rerun.mjs --size-mib 1700 --rounds 7
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadTypeScript, root } from '../lib/bundle.mjs';
import { fmt, machine, median } from '../scoring/lib/common.mjs';

const { values: opt } = parseArgs({
  options: {
    'size-mib': { type: 'string', default: '1024' },
    rounds: { type: 'string', default: '5' },
    keep: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (opt.help) {
  console.log('node bench/runner/cached-judge-rerun.mjs [--size-mib 1024] [--rounds 5] [--keep]   (needs `npm run build`)');
  process.exit(0);
}
const sizeMiB = Number(opt['size-mib']);
const rounds = Number(opt.rounds);
const cli = join(root, 'dist', 'cli.js');
statSync(cli); // `npm run build` first

const { buildDarknessReward, padModel } = await loadTypeScript('rerun-models', "export { buildDarknessReward, padModel } from './test/unit/helpers/judgeModels';");

const ws = mkdtempSync(join(tmpdir(), 'wabi-rerun-'));
const cache = join(ws, '.wabi', 'cache');
mkdirSync(join(ws, 'models'), { recursive: true });
mkdirSync(join(ws, 'img'));
mkdirSync(join(ws, '.wabi'));
writeFileSync(join(ws, 'models', 'judge.onnx'), padModel(buildDarknessReward(64), sizeMiB * 2 ** 20));
for (const name of ['shipwreck.jpg', 'the-scream.jpg']) copyFileSync(join(root, 'examples', 'images', name), join(ws, 'img', name));
writeFileSync(
  join(ws, 'spec.wabi'),
  `generator local\n  kind  files\n\njudge big\n  kind   reward\n  model  models/judge.onnx\n  size   64\n\ntest "dark enough"\n  images  img/*.jpg\n  expect  reward(big) > -2\n`,
);

function wabiRun() {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [cli, 'run', 'spec.wabi', '--cache', cache, '--provider', 'cpu'], { cwd: ws, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`wabi run exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
  return { ms, out: r.stdout + r.stderr };
}

try {
  // The hash is recorded only for a file unchanged for 2 s (fileHash's guard against same-tick writes).
  await new Promise((resolve) => setTimeout(resolve, 2100));
  const first = wabiRun();
  console.log(`workspace ${ws}: model ${sizeMiB} MiB; first run (computes and caches every value) ${fmt(first.ms / 1000, 2)} s`);
  const times = { records: [], 'no records': [] };
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 ? ['no records', 'records'] : ['records', 'no records'];
    for (const side of order) {
      if (side === 'no records') rmSync(join(cache, 'hashes'), { recursive: true, force: true });
      times[side].push(wabiRun().ms);
    }
  }
  const m = machine();
  console.log(`\n${m.cpu}, ${m.cores} cores, Node ${m.node}; load average ${fmt(loadavg()[0], 2)}; ${rounds} rounds, alternating\n`);
  console.log('side          median ms   range ms');
  for (const [side, ms] of Object.entries(times)) {
    console.log(`${side.padEnd(12)}  ${fmt(median(ms), 0).padStart(9)}   ${fmt(Math.min(...ms), 0)}-${fmt(Math.max(...ms), 0)}`);
  }
  console.log(`\ncached rerun with the hash recorded = ${fmt(median(times.records) / median(times['no records']), 2)}x the time without it`);
} finally {
  if (!opt.keep) rmSync(ws, { recursive: true, force: true });
}
