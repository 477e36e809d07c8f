// Loads Wabi's scoring code (TypeScript under server/src) into a benchmark script: esbuild bundles a small entry
// into out/bench-scoring/ (ignored by git; inside the repo so `sharp` and `onnxruntime-node` resolve from
// node_modules) and the bundle is required. esbuild does not type-check, so the benchmarks run while other parts
// of the tree are mid-edit.
//
// The trait registry is server/src/scoring/traits/index.ts (TRAIT_ANALYSERS, traitAnalyser). While it does not
// exist yet, the entry imports every file in server/src/scoring/traits/ and keeps the exports that look like
// analysers (name, build, reference), so the benchmarks can run on a partial set; `registry` says which was used.
import { build } from 'esbuild';

import { bundleSessionWorker } from '../../lib/bundle.mjs';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const root = resolve(here, '..', '..', '..');
const scoringDir = join(root, 'server', 'src', 'scoring');
const traitsDir = join(scoringDir, 'traits');
const outDir = join(root, 'out', 'bench-scoring');

// Helper modules in traits/ that hold no analyser (importing them is harmless, but skipping them keeps the
// generated entry short).
const NOT_TRAITS = new Set(['analyser', 'calibration', 'context', 'docs', 'index', 'model', 'reference', 'structureTensor', 'tone']);

function entrySource(useIndex) {
  const common = `
export { TraitScorer, isFailure, cpuSessionLayout } from './traitScorer';
export { decodeImage, WORKING_SIZE, PATCH_SIZE } from './images';
export { buildTraitModel, referenceScores, traitInputs } from './traits/traitModel';
export { openSession } from './session';
export { TRAITS } from '../catalogue/traits';
`;
  if (useIndex) {
    return `${common}
import * as registry from './traits/index';
const r: any = registry;
export const REGISTRY = 'index.ts';
export const ANALYSERS = r.TRAIT_ANALYSERS;
export const resolveTrait = r.traitAnalyser;
`;
  }
  const files = readdirSync(traitsDir)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && !NOT_TRAITS.has(f.slice(0, -3)))
    .sort();
  const imports = files.map((f, i) => `import * as m${i} from './traits/${f.slice(0, -3)}';`).join('\n');
  return `${common}
${imports}
const isAnalyser = (v: any) => v && typeof v === 'object' && typeof v.name === 'string' && typeof v.build === 'function' && typeof v.reference === 'function';
const found: any[] = [${files.map((_, i) => `m${i}`).join(', ')}].flatMap((m: any) => Object.values(m).filter(isAnalyser));
const byName = new Map(found.map((a) => [a.name, a]));
export const REGISTRY = 'partial: ' + found.length + ' analysers found in ${files.length} files (index.ts missing)';
export const ANALYSERS = found;
export function resolveTrait(name: string) {
  const a = byName.get(name);
  if (!a) throw new Error('trait analyser ' + name + ' not found');
  return a;
}
`;
}

let loaded;

/**
 * @returns {Promise<{TraitScorer: any, isFailure: Function, decodeImage: Function, buildTraitModel: Function,
 *   referenceScores: Function, openSession: Function, TRAITS: any[], WORKING_SIZE: number, PATCH_SIZE: number,
 *   REGISTRY: string, ANALYSERS: any[], resolveTrait: (name: string) => any}>}
 */
export async function loadWabi() {
  if (loaded) return loaded;
  const useIndex = existsSync(join(traitsDir, 'index.ts')) && process.env.WABI_BENCH_NO_INDEX !== '1';
  mkdirSync(outDir, { recursive: true });
  const outfile = join(outDir, `wabi-${process.pid}.cjs`);
  await build({
    stdin: { contents: entrySource(useIndex), resolveDir: scoringDir, loader: 'ts', sourcefile: 'bench-entry.ts' },
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    outfile,
    external: ['sharp', 'onnxruntime-node'],
    logLevel: 'error',
    define: { WABI_VERSION: '"bench"' },
  });
  await bundleSessionWorker(outDir);
  const require = createRequire(import.meta.url);
  const mod = require(outfile);
  rmSync(outfile, { force: true });
  rmSync(`${outfile}.map`, { force: true });
  if (!Array.isArray(mod.ANALYSERS) || mod.ANALYSERS.length === 0) throw new Error(`no trait analysers found (${mod.REGISTRY})`);
  loaded = mod;
  return mod;
}

/** The analysers named in a comma-separated list (all when the list is empty or 'all'). */
export function pickAnalysers(wabi, list) {
  if (!list || list === 'all') return wabi.ANALYSERS;
  return list.split(',').map((n) => wabi.resolveTrait(n.trim()));
}
