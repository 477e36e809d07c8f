// Paths as people read them. Two forms, each for one audience:
// - displayPath: messages and logs, relative to a folder the reader knows (where they stand), else absolute;
// - reportPath: reports, relative to the report's root with `/` on every platform, so reports compare across
//   machines.
import * as path from 'node:path';

/** `file` relative to `base` (a folder) when it lies inside it, else relative to the working directory when
 *  inside that, else absolute: the shortest form a user recognises, with `/` separators. */
export function displayPath(file: string, base?: string): string {
  for (const dir of [base, process.cwd()]) {
    if (!dir) continue;
    const rel = path.relative(dir, file);
    if (rel && !rel.startsWith('..') && !path.isAbsolute(rel)) return rel.split(path.sep).join('/');
  }
  return file;
}

/** `file` relative to `relativeTo`, with `/` separators. A file on another drive (Windows), where no relative path
 *  exists, stays absolute. */
export function reportPath(file: string, relativeTo: string): string {
  const rel = path.relative(relativeTo, file);
  return rel === '' ? '.' : rel.split(path.sep).join('/');
}
