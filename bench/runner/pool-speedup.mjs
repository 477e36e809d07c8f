#!/usr/bin/env node
// What a generator pool buys: a sweep of N images against 1, 2 and 4 endpoints with a known time per image, and
// the speed-up over one endpoint. The endpoints are fake ComfyUI servers speaking ComfyUI's protocol (HTTP and
// WebSocket, test/unit/helpers/fakeComfyUI.ts, bundled with esbuild at start-up) that run one prompt at a time and
// take `--latency` ms per image (the sampler's steps), like one GPU each; the generator lists them as `url` lines.
//
// Two arms per endpoint count, each timed `--rounds` times (default 3, medians compared):
//
//   - generate: the comfyui generator alone (server/src/generation, bundled), all N requests at once. This is the
//     pool's own scaling: the ideal is N x latency / endpoints.
//   - wabi run: the real CLI (dist/cli.js, so `npm run build` first) on a spec of N/8 tests of 8 seeds each,
//     a fresh cache each time, scoring included. Process start, opening the trait model and scoring each test's
//     images (tests run one after another) do not shrink with more endpoints, so the ratio is lower.
//
// Printed per arm: the median wall time, the speed-up over one endpoint, what a perfect pool would take, and the
// median seconds per image the endpoints reported; and the load average before and after each arm (other work on the
// machine skews every figure).
//
//   npm run bench:pool
//   node bench/runner/pool-speedup.mjs --images 48 --latency 100 --endpoints 1,2,4,8 --rounds 5
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadTypeScript, root } from '../lib/bundle.mjs';
import { fmt, machine, median, table } from '../scoring/lib/common.mjs';

const cli = join(root, 'dist', 'cli.js');

const { values: opt } = parseArgs({
  options: {
    images: { type: 'string', default: '96' },
    latency: { type: 'string', default: '200' },
    endpoints: { type: 'string', default: '1,2,4' },
    rounds: { type: 'string', default: '3' },
    provider: { type: 'string', default: 'cpu' },
    'skip-run': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (opt.help) {
  console.log(`Usage: node bench/runner/pool-speedup.mjs [--images N] [--latency MS] [--endpoints 1,2,4] [--rounds R] [--provider P] [--skip-run]
  --images N        images in the sweep (default 96; the wabi run arm rounds it to tests of 8 seeds)
  --latency MS      time each fake endpoint takes per image (default 200)
  --endpoints LIST  pool sizes to time (default 1,2,4)
  --rounds R        timings per arm (default 3); medians are compared
  --provider P      the trait model's provider in the wabi run arm (default cpu)
  --skip-run        time the generator alone (no dist/cli.js needed)`);
  process.exit(0);
}
const nImages = Number(opt.images);
const latency = Number(opt.latency);
const sizes = opt.endpoints.split(',').map(Number);
const rounds = Number(opt.rounds);
const STEPS = 4;
if (!opt['skip-run'] && !existsSync(cli)) {
  console.error('bench: dist/cli.js is missing; run `npm run build` first (or pass --skip-run)');
  process.exit(2);
}

// ---- the fake servers and the generator, bundled from TypeScript ------------------------------------------------

const ENTRY = `
export { FakeComfyUI } from '../test/unit/helpers/fakeComfyUI';
export { createComfyUIGenerator } from './src/generation/comfyui';
export { settingsFrom } from './src/generation/settings';
`;

/** `n` fake ComfyUI servers taking `latency` ms per image: the sampler's steps share it, the rest is negligible. */
async function startServers(wabi, n) {
  const servers = await Promise.all(Array.from({ length: n }, () => new wabi.FakeComfyUI().start()));
  for (const s of servers) {
    s.stepDelayMs = latency / STEPS;
    s.nodeDelayMs = 0;
  }
  return servers;
}

// ---- the arms --------------------------------------------------------------------------------------------------

/** The generator alone: every request at once, as a run with enough concurrency would send them. */
async function generateArm(wabi, dir, servers) {
  const settings = wabi.settingsFrom('pool', 'comfyui', join(dir, 'gen.wabi'), { url: servers.map((s) => s.url), workflow: 'sdxl.json', timeout: '120s' });
  const generator = wabi.createComfyUIGenerator(settings);
  const t0 = performance.now();
  await Promise.all(Array.from({ length: nImages }, (_, i) => generator.generate({ prompt: `take ${i}`, seed: i + 1, width: 64, height: 64, steps: STEPS })));
  const wallMs = performance.now() - t0;
  const figures = generator.endpointFigures();
  await generator.close();
  return { wallMs, perImage: median(figures.flatMap((f) => f.seconds)), made: figures.map((f) => f.images) };
}

function runProcess(args, cwd) {
  return new Promise((done) => {
    const child = spawn(process.execPath, [cli, ...args], { cwd, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, CI: 'true' } });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => done({ code, stderr }));
  });
}

/** The real CLI on a spec of tests of 8 seeds, a fresh cache each time. */
async function runArm(dir, servers, round) {
  const tests = Math.max(1, Math.round(nImages / 8));
  const urls = servers.map((s) => `  url       ${s.url}\n`).join('');
  const lines = [`generator pool\n  kind      comfyui\n  workflow  sdxl.json\n  timeout   120s\n${urls}`, 'defaults\n  generator pool\n  seeds     1..8\n  size      64x64\n  steps     4\n'];
  for (let t = 0; t < tests; t++) lines.push(`test "sweep ${t + 1}"\n  prompt   a field, take ${t + 1}\n  expect   grain < 0.5\n`);
  writeFileSync(join(dir, 'sweep.wabi'), lines.join('\n'));
  const out = `report-${servers.length}-${round}`;
  const t0 = performance.now();
  const r = await runProcess(['run', 'sweep.wabi', '--provider', opt.provider, '--cache', `cache-${servers.length}-${round}`, '--reporter', 'json', '--out', out], dir);
  const wallMs = performance.now() - t0;
  if (r.code !== 0) throw new Error(`wabi run exited ${r.code}:\n${r.stderr}`);
  const report = JSON.parse(readFileSync(join(dir, out, 'wabi-report.json'), 'utf8'));
  return { wallMs, runMs: report.summary.durationMs, perImage: median(report.endpoints.map((e) => e.medianSeconds)), made: report.endpoints.map((e) => e.images) };
}

// ---- main ------------------------------------------------------------------------------------------------------

const dir = mkdtempSync(join(tmpdir(), 'wabi-bench-pool-'));
const wabi = await loadTypeScript('bench-pool-entry', ENTRY, join(root, 'server'));
mkdirSync(join(dir, '.wabi'));
copyFileSync(join(root, 'examples', 'workflows', 'sdxl-api.json'), join(dir, 'sdxl.json'));
const m = machine();
console.log(`pool speed-up: ${nImages} images at ${latency} ms each on fake ComfyUI servers (one prompt at a time each), ${rounds} rounds per arm`);
console.log(`machine: ${m.cpu}, ${m.cores} cores, Node ${m.node}`);

const rows = [];
const results = [];
try {
  for (const arm of opt['skip-run'] ? ['generate'] : ['generate', 'wabi run']) {
    for (const n of sizes) {
      const before = loadavg()[0];
      const timed = [];
      for (let r = 0; r < rounds; r++) {
        const servers = await startServers(wabi, n);
        try {
          timed.push(arm === 'generate' ? await generateArm(wabi, dir, servers) : await runArm(dir, servers, r));
        } finally {
          await Promise.all(servers.map((s) => s.close()));
        }
      }
      const wall = median(timed.map((t) => t.wallMs));
      results.push({ arm, endpoints: n, wallMs: wall, rounds: timed, loadBefore: before, loadAfter: loadavg()[0] });
      const one = results.find((x) => x.arm === arm && x.endpoints === sizes[0]).wallMs;
      const ideal = arm === 'generate' ? (nImages * latency) / n : undefined;
      rows.push([
        arm,
        String(n),
        `${fmt(wall / 1000, 2)} s`,
        `${fmt(one / wall, 2)}x`,
        ideal === undefined ? '-' : `${fmt(ideal / 1000, 2)} s`,
        `${fmt(median(timed.map((t) => t.perImage)), 3)} s`,
        timed[timed.length - 1].made.join('/'),
        `${fmt(before, 2)} -> ${fmt(loadavg()[0], 2)}`,
      ]);
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log('');
console.log(table([['arm', 'endpoints', 'wall (median)', `speed-up vs ${sizes[0]}`, 'perfect pool', 'per image (median)', 'images per endpoint', 'load 1 min'], ...rows]));
mkdirSync(join(root, 'bench', 'results'), { recursive: true });
writeFileSync(join(root, 'bench', 'results', 'pool-speedup.json'), JSON.stringify({ machine: m, images: nImages, latencyMs: latency, results }, null, 2) + '\n');
