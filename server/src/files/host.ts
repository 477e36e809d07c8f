// The file-system view the language service needs. The node implementation reads the disk; tests and the
// fuzzer pass an in-memory one. Keeping it an interface keeps the service free of editor and OS specifics.
import * as fs from 'node:fs';
import * as path from 'node:path';

export type EntryKind = 'file' | 'dir';

export interface SpecHost {
  /** File contents, or undefined when there is no such readable file. */
  readFile(file: string): string | undefined;
  stat(file: string): EntryKind | undefined;
  /** Entries of a folder (names only), or [] when it cannot be read. */
  readDir(dir: string): readonly { readonly name: string; readonly kind: EntryKind }[];
  /** False for paths the service must not read (outside the workspace); absent means everything is allowed. */
  allows?(file: string): boolean;
}

export const nodeHost: SpecHost = {
  readFile(file) {
    try {
      // Editors strip a UTF-8 byte-order mark before the text reaches the server; do the same for files on disk.
      return stripBom(fs.readFileSync(file, 'utf8'));
    } catch {
      return undefined;
    }
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
};

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
 *  the editor read `../../.ssh/id_rsa` by importing it. */
export function confinedHost(inner: SpecHost, roots: () => readonly string[]): SpecHost {
  const allows = (file: string) => {
    const p = path.resolve(file);
    return roots().some((root) => {
      const r = path.resolve(root);
      return p === r || p.startsWith(r.endsWith(path.sep) ? r : r + path.sep);
    });
  };
  return {
    readFile: (f) => (allows(f) ? inner.readFile(f) : undefined),
    stat: (f) => (allows(f) ? inner.stat(f) : undefined),
    readDir: (d) => (allows(d) ? inner.readDir(d) : []),
    allows,
  };
}

export function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
