// The `.wabi` files under a folder, for every face that searches one (`wabi check DIR`, the language server's test
// discovery): hidden folders and dependency and build folders are skipped, so searching a repository does the
// expected thing. A folder inside that cannot be read is skipped; the folder given must be readable.
import * as fs from 'node:fs';
import * as path from 'node:path';

const SKIPPED_DIRS = new Set(['node_modules', 'dist', 'out']);

/** Adds the spec files under `dir` to `out`, at most `maxDepth` folders down. */
export function findSpecFilesIn(dir: string, out: Set<string>, maxDepth = Infinity): void {
  walk(dir, out, maxDepth, true);
}

function walk(dir: string, out: Set<string>, depthLeft: number, top: boolean): void {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch (e) {
    if (top) throw e;
    return;
  }
  for (const e of entries) {
    if (e.name.startsWith('.') || SKIPPED_DIRS.has(e.name)) continue;
    const full = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (depthLeft > 0) walk(full, out, depthLeft - 1, false);
    } else if (e.isFile() && e.name.endsWith('.wabi')) out.add(full);
  }
}
