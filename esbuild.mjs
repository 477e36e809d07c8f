// Bundles the extension client, the language server, the CLI, and the TypeScript tests and benchmarks.
// One bundle per entry keeps the VSIX small and the CLI a single file.
import { build } from 'esbuild';
import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';

const { version } = JSON.parse(readFileSync('package.json', 'utf8'));

const production = process.argv.includes('--production');
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
  define: { WABI_VERSION: JSON.stringify(version) },
};

// Native modules load their own binaries at run time and cannot be bundled.
const native = ['sharp', 'onnxruntime-node'];

const SESSION_WORKER = 'server/src/scoring/sessionWorker.ts';

const testEntries = (dir) =>
  existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.ts')).map((f) => join(dir, f)) : [];

await Promise.all([
  build({ ...common, entryPoints: { client: 'client/src/extension.ts' }, outdir: 'dist', external: ['vscode'] }),
  // The server runs tests in a worker thread (dist/runWorker.js beside it), so its main loop stays responsive.
  // Models run in worker threads of their own (sessionWorker.js beside every bundle that scores), as
  // onnxruntime-node's `run` blocks the thread that calls it.
  build({
    ...common,
    entryPoints: { server: 'server/src/lsp/main.ts', runWorker: 'server/src/lsp/runWorker.ts', sessionWorker: SESSION_WORKER },
    outdir: 'dist',
    external: native,
  }),
  build({
    ...common,
    entryPoints: { cli: 'server/src/cli/main.ts' },
    outdir: 'dist',
    external: native,
    banner: { js: '#!/usr/bin/env node' },
  }),
  build({
    ...common,
    entryPoints: [...testEntries('test/unit'), ...testEntries('test/grammar'), ...testEntries('bench')],
    outdir: 'out',
    outbase: '.',
    external: [...native, 'vscode-oniguruma', 'vscode-textmate', 'yaml-language-server', 'vscode-languageserver/node', 'vscode-languageserver'],
  }),
  // The tests' bundles look for the inference worker beside them.
  build({ ...common, entryPoints: { sessionWorker: SESSION_WORKER }, outdir: 'out/test/unit', external: native }),
]);
