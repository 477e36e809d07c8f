// Expands the CLI's SPEC|DIR operands into spec files (folders searched by files/specFinder.ts) and the project
// folders those specs may read files in.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { projectRoot } from '../files/projectRoot';
import { findSpecFilesIn } from '../files/specFinder';
import { UsageError } from './args';

export function findSpecFiles(operands: readonly string[]): string[] {
  return findSpecs(operands).files;
}

/** The spec files of the operands, and the project folders they may read files in (files/projectRoot.ts). */
export function findSpecs(operands: readonly string[]): { readonly files: string[]; readonly roots: string[] } {
  const found = new Set<string>();
  const roots = new Set<string>();
  for (const operand of operands.length > 0 ? operands : ['.']) {
    const abs = path.resolve(operand);
    let stat: fs.Stats;
    try {
      stat = fs.statSync(abs);
    } catch {
      throw new UsageError(`'${operand}' does not exist`);
    }
    const here = new Set<string>();
    if (stat.isFile()) here.add(abs);
    else if (stat.isDirectory()) findSpecFilesIn(abs, here);
    for (const f of here) {
      found.add(f);
      roots.add(projectRoot(f, stat.isFile() ? path.dirname(abs) : abs));
    }
  }
  return { files: [...found].sort(), roots: [...roots].sort() };
}

/** Paths in messages are relative to where the user stands, as compilers print them. */
export { displayPath } from '../files/paths';
