// The file-system view the language service needs. The node implementation reads the disk; tests and the
// fuzzer pass an in-memory one. Keeping it an interface keeps the service free of editor and OS specifics.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readSpec, type TextProblem } from './text';

export type EntryKind = 'file' | 'dir';

export interface SpecHost {
  /** File contents, or undefined when there is no such readable file, or it is not UTF-8 text. */
  readFile(file: string): string | undefined;
  /** Why `readFile` gives nothing for a file that is there: not valid UTF-8 (where), or not text at all. */
  problem?(file: string): TextProblem | undefined;
  stat(file: string): EntryKind | undefined;
  /** Entries of a folder (names only), or [] when it cannot be read. */
  readDir(dir: string): readonly { readonly name: string; readonly kind: EntryKind }[];
  /** False for paths the service must not read (outside the workspace); absent means everything is allowed. */
  allows?(file: string): boolean;
  /** The absolute path with every symbolic link in it resolved; absent for hosts without links. */
  realPath?(file: string): string;
}

export const nodeHost: SpecHost = {
  readFile(file) {
    // Editors strip a UTF-8 byte-order mark before the text reaches the server; decodeSpec does the same.
    const d = readSpec(file);
    return d && 'text' in d ? d.text : undefined;
  },
  problem(file) {
    const d = readSpec(file);
    return d && 'problem' in d ? d.problem : undefined;
  },
  stat(file) {
    try {
      const s = fs.statSync(file);
      return s.isDirectory() ? 'dir' : s.isFile() ? 'file' : undefined;
    } catch {
      return undefined;
    }
  },
  readDir(dir) {
    try {
      return fs
        .readdirSync(dir, { withFileTypes: true })
        .filter((e) => e.isFile() || e.isDirectory())
        .map((e) => ({ name: e.name, kind: e.isDirectory() ? ('dir' as const) : ('file' as const) }));
    } catch {
      return [];
    }
  },
  realPath: (file) => realPathOf(path.resolve(file)),
};

/** `file` with every symbolic link resolved, as fs.realpath gives it. For a path that does not exist its deepest
 *  existing folder is resolved and the rest appended, and a dangling link is followed to where it points, so a
 *  missing file behind a link is placed where the link leads. A link loop resolves no further. The folder is
 *  resolved first and the last name looked at with lstat: a missing file, the common case in a spec being typed,
 *  costs no exception. */
export function realPathOf(file: string, depth = 0): string {
  const parent = path.dirname(file);
  if (parent === file) return file;
  let dir: string;
  try {
    dir = fs.realpathSync.native(parent);
  } catch {
    dir = realPathOf(parent, depth + 1);
  }
  const joined = path.join(dir, path.basename(file));
  try {
    if (depth <= 40 && fs.lstatSync(joined, { throwIfNoEntry: false })?.isSymbolicLink()) {
      return realPathOf(path.resolve(dir, fs.readlinkSync(joined)), depth + 1);
    }
  } catch {
    // not a folder on the way, or not readable: nothing can be read there either
  }
  return joined;
}

/** An in-memory host over a map of absolute paths to contents; folders are implied by the paths. */
export function memoryHost(files: Readonly<Record<string, string>>): SpecHost {
  const norm = (p: string) => path.resolve(p);
  const map = new Map(Object.entries(files).map(([k, v]) => [norm(k), v]));
  const dirs = new Set<string>();
  for (const k of map.keys()) {
    let d = path.dirname(k);
    while (!dirs.has(d)) {
      dirs.add(d);
      const up = path.dirname(d);
      if (up === d) break;
      d = up;
    }
  }
  return {
    readFile: (f) => map.get(norm(f)),
    stat: (f) => (map.has(norm(f)) ? 'file' : dirs.has(norm(f)) ? 'dir' : undefined),
    readDir(dir) {
      const d = norm(dir);
      const out = new Map<string, EntryKind>();
      for (const k of [...map.keys(), ...dirs]) {
        if (path.dirname(k) === d && k !== d) out.set(path.basename(k), map.has(k) ? 'file' : 'dir');
      }
      return [...out].map(([name, kind]) => ({ name, kind }));
    },
  };
}

/** Memoises `stat` for the length of one analysis, so a spec naming one input 5,000 times costs one lookup. */
export function memoStat(host: SpecHost): (file: string) => EntryKind | undefined {
  const seen = new Map<string, EntryKind | undefined>();
  return (file) => {
    if (seen.has(file)) return seen.get(file);
    const k = host.stat(file);
    seen.set(file, k);
    return k;
  };
}

/** A host that reads nothing outside the roots `roots()` returns at the time of each read: a spec cannot make
 *  the editor read `../../.ssh/id_rsa` by importing it, nor by naming a symbolic link that points there. Both
 *  the path and the roots are compared with their links resolved, and the read goes to the resolved path, so
 *  every path class (imports, inputs, globs and the folders they walk, workflows, models...) gets this one check. */
export function confinedHost(inner: SpecHost, roots: () => readonly string[]): SpecHost {
  const real = (file: string) => (inner.realPath ? inner.realPath(file) : path.resolve(file));
  /** The resolved path when it is inside a root, else undefined. */
  const inside = (file: string): string | undefined => {
    const p = real(file);
    return roots().some((root) => {
      const r = real(root);
      return p === r || p.startsWith(r.endsWith(path.sep) ? r : r + path.sep);
    })
      ? p
      : undefined;
  };
  const allows = (file: string) => inside(file) !== undefined;
  return {
    readFile: (f) => {
      const p = inside(f);
      return p === undefined ? undefined : inner.readFile(p);
    },
    stat: (f) => {
      const p = inside(f);
      return p === undefined ? undefined : inner.stat(p);
    },
    readDir: (d) => {
      const p = inside(d);
      return p === undefined ? [] : inner.readDir(p);
    },
    problem: (f) => {
      const p = inside(f);
      return p === undefined ? undefined : inner.problem?.(p);
    },
    allows,
    realPath: real,
  };
}
