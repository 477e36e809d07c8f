// Loads the trait catalogue and the taxonomy straight from the server's TypeScript sources, so the benchmark's
// generated specs and JSON schema use exactly the names the language server knows (one source of truth).
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export async function loadCatalogue() {
  const result = await build({
    stdin: {
      contents:
        "export { TRAIT_NAMES } from './server/src/catalogue/traits.ts';\n" +
        "export { TAXONOMY_TAGS } from './server/src/catalogue/taxonomy.ts';\n",
      resolveDir: root,
      loader: 'ts',
    },
    bundle: true,
    format: 'esm',
    platform: 'node',
    write: false,
    logLevel: 'silent',
  });
  const code = result.outputFiles[0].text;
  const mod = await import('data:text/javascript;base64,' + Buffer.from(code).toString('base64'));
  return { traits: [...mod.TRAIT_NAMES], tags: [...mod.TAXONOMY_TAGS] };
}
