// Loads TypeScript from the project into a benchmark script: esbuild bundles a small entry (`contents`, resolved
// from `resolveDir`) into out/bench-lib/ (ignored by git; inside the repo so `sharp` and `onnxruntime-node`, kept
// external, resolve from node_modules), and the bundle is required and deleted. esbuild does not type-check, so a
// benchmark runs while other parts of the tree are mid-edit.
import { build } from 'esbuild';
import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Bundles the inference worker (server/src/scoring/sessionWorker.ts) into `outDir`, where scoring code bundled
 *  there looks for it. Written under a temporary name and renamed, so benchmarks started together never load half
 *  a file. */
export async function bundleSessionWorker(outDir) {
  mkdirSync(outDir, { recursive: true });
  const tmp = join(outDir, `sessionWorker-${process.pid}.tmp.js`);
  await build({
    entryPoints: [join(root, 'server', 'src', 'scoring', 'sessionWorker.ts')],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    outfile: tmp,
    external: ['sharp', 'onnxruntime-node'],
    logLevel: 'error',
  });
  renameSync(tmp, join(outDir, 'sessionWorker.js'));
}

/** The CommonJS exports of `contents` (TypeScript), bundled as `name`. */
export async function loadTypeScript(name, contents, resolveDir = root) {
  const outDir = join(root, 'out', 'bench-lib');
  mkdirSync(outDir, { recursive: true });
  const outfile = join(outDir, `${name}-${process.pid}.cjs`);
  await build({
    stdin: { contents, resolveDir, loader: 'ts', sourcefile: `${name}.ts` },
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
  try {
    return createRequire(import.meta.url)(outfile);
  } finally {
    rmSync(outfile, { force: true });
  }
}
