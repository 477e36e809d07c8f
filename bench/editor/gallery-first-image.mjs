#!/usr/bin/env node
// Time from "run" to the first image in the gallery, in a real VS Code: the end-to-end harness (test/e2e/run.mjs)
// opens its `bench` window (code-server 4.100.3 in headless chromium, the packaged linux-x64 VSIX), and for each of
// N fresh tests on the `degrade` generator (one 512x512 image, nothing cached) opens the gallery, asks for the run,
// and times the first image that the webview really decoded (naturalWidth > 0). The reference beside it is when
// that image's event reached the extension (engine, worker thread and protocol): the ratio is what the gallery adds.
// Also printed: the extension's activation time in that window, and the machine's load.
//
//   npm run build && bash test/e2e/install.sh   # once
//   node bench/editor/gallery-first-image.mjs [--runs 7]
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { fmt, median, table } from '../scoring/lib/common.mjs';

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const { values: opts } = parseArgs({ options: { runs: { type: 'string', default: '7' } } });
const load = loadavg()[0];
const r = spawnSync(process.execPath, ['test/e2e/run.mjs'], {
  cwd: root,
  encoding: 'utf8',
  env: { ...process.env, WABI_E2E_PHASES: 'bench', WABI_BENCH_RUNS: opts.runs },
  timeout: 400_000,
});
const lines = `${r.stdout}`.split('\n').filter((l) => l.includes('BENCH {'));
const records = lines.map((l) => JSON.parse(l.slice(l.indexOf('BENCH {') + 6)));
const runs = records.filter((x) => x.run !== undefined);
if (r.status !== 0 || runs.length === 0) {
  console.error(`the bench window failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
  process.exit(1);
}
const activation = records.find((x) => x.activationMs !== undefined)?.activationMs;
const events = runs.map((x) => x.eventMs);
const gallery = runs.map((x) => x.galleryMs);
const warm = runs.slice(1); // the first run also starts the worker and loads the trait graphs
console.log(`gallery: first image after "run", ${runs.length} fresh tests (degrade, 512x512, 1 image each), load ${load.toFixed(2)} at start, ${loadavg()[0].toFixed(2)} at end`);
console.log(`extension activation: ${activation} ms (language server started, tests discovered, results restored)`);
console.log(table([
  ['', 'first image event reached the extension (ms)', 'first image rendered in the gallery (ms)', 'gallery / event'],
  ['median, all runs', fmt(median(events)), fmt(median(gallery)), (median(gallery) / median(events)).toFixed(2)],
  ['median, after the first', fmt(median(warm.map((x) => x.eventMs))), fmt(median(warm.map((x) => x.galleryMs))), (median(warm.map((x) => x.galleryMs)) / median(warm.map((x) => x.eventMs))).toFixed(2)],
  ['first run', fmt(runs[0].eventMs), fmt(runs[0].galleryMs), (runs[0].galleryMs / runs[0].eventMs).toFixed(2)],
]));
