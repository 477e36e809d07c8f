// Expands the CLI's SPEC|DIR operands into spec files: folders are searched for `*.wabi`, skipping
// dependencies and hidden folders, so `wabi check .` in a repository does the expected thing.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UsageError } from './args';

const SKIPPED_DIRS = new Set(['node_modules', 'dist', 'out']);

export function findSpecFiles(operands: readonly string[]): string[] {
  const found = new Set<string>();
  for (const operand of operands.length > 0 ? operands : ['.']) {
    const abs = path.resolve(operand);
    let stat: fs.Stats;
    try {
      stat = fs.statSync(abs);
    } catch {
      throw new UsageError(`'${operand}' does not exist`);
    }
    if (stat.isFile()) found.add(abs);
    else if (stat.isDirectory()) walk(abs, found);
  }
  return [...found].sort();
}

function walk(dir: string, out: Set<string>): void {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.name.startsWith('.') || SKIPPED_DIRS.has(e.name)) continue;
    const full = path.join(dir, e.name);
    if (e.isDirectory()) walk(full, out);
    else if (e.isFile() && e.name.endsWith('.wabi')) out.add(full);
  }
}

/** Paths in messages are relative to where the user stands, as compilers print them. */
export { displayPath } from '../files/paths';
