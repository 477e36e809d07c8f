// The packaged extension ships onnxruntime's library brotli-compressed (it is most of the VSIX; see
// scripts/package.mjs). Before the first run loads onnxruntime, each `<library>.br` beside its binding is unpacked
// once into `<library>`: written to a temporary name and renamed, so two windows starting at once, or a crash half
// way, never leave a partial library. Where the library is already there (a development tree, an npm install), this
// does nothing.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { brotliDecompressSync } from 'node:zlib';

let unpacked = false;

/** Unpacks onnxruntime's compressed libraries, once per process; returns the files it wrote. */
export function unpackNativeLibraries(resolve: (id: string) => string = require.resolve): string[] {
  if (unpacked) return [];
  unpacked = true;
  let root: string;
  try {
    root = path.dirname(resolve('onnxruntime-node/package.json'));
  } catch {
    return [];
  }
  const written: string[] = [];
  const bin = path.join(root, 'bin');
  for (const file of walk(bin)) {
    if (!file.endsWith('.br')) continue;
    const target = file.slice(0, -'.br'.length);
    if (fs.existsSync(target)) continue;
    const temp = `${target}.tmp-${process.pid}`;
    fs.writeFileSync(temp, brotliDecompressSync(fs.readFileSync(file)), { mode: 0o755 });
    fs.renameSync(temp, target);
    written.push(target);
  }
  return written;
}

function walk(dir: string): string[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}
