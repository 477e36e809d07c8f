// Holds every spec the service knows (open documents over the disk), parses each text once, and builds the
// semantic model of a file: imports resolved with cycle detection, names resolved across files, diagnostics.
import * as path from 'node:path';
import type { Diagnostic, SpecFile } from './ast';
import { lastSetting } from './ast';
import type { SpecHost } from '../files/host';
import { memoStat } from '../files/host';
import type { Analysis, Definition, ImportLink } from './analysis';
import { parse } from './parser';
import { BlockCheckCache, validate } from './validate';

export interface WorkspaceOptions {
  /** Report missing import, input, workflow and model files (off for unsaved buffers, on by default). */
  readonly checkFiles?: boolean;
  /** Folders searched for `.wabi` files when looking for references across the workspace. */
  readonly roots?: readonly string[];
}

const SPEC_EXTENSION = '.wabi';
const MAX_SCANNED_ENTRIES = 20_000;

export class SpecWorkspace {
  private readonly documents = new Map<string, string>();
  private readonly parsed = new Map<string, { text: string; file: SpecFile }>();
  private analyses = new Map<string, Analysis>();
  /** Per-file results of block checks, reused for unchanged blocks while the file's context is unchanged. */
  private readonly blockChecks = new Map<string, BlockCheckCache>();
  private roots: readonly string[];
  private checkFiles: boolean;

  constructor(
    readonly host: SpecHost,
    options: WorkspaceOptions = {},
  ) {
    this.roots = options.roots ?? [];
    this.checkFiles = options.checkFiles ?? true;
  }

  configure(options: WorkspaceOptions): void {
    if (options.roots) this.roots = options.roots;
    if (options.checkFiles !== undefined) this.checkFiles = options.checkFiles;
    this.analyses.clear();
    this.blockChecks.clear();
  }

  /** Sets the text of an open document; it shadows the file on disk until closed. */
  setDocument(file: string, text: string): void {
    this.documents.set(path.resolve(file), text);
    this.analyses.clear();
  }

  closeDocument(file: string): void {
    const p = path.resolve(file);
    this.documents.delete(p);
    // A closed document's parse and checks are dropped: a spec imported by open ones is read again from disk,
    // and a server that had many large specs open does not keep them all.
    this.parsed.delete(p);
    this.blockChecks.delete(p);
    this.analyses.clear();
  }

  /** Forgets what was read from disk for a file that changed outside the editor. */
  invalidate(file: string): void {
    this.parsed.delete(path.resolve(file));
    this.analyses.clear();
    // Any file may be an input, image or model some block checked for existence.
    this.blockChecks.clear();
  }

  isOpen(file: string): boolean {
    return this.documents.has(path.resolve(file));
  }

  openDocuments(): string[] {
    return [...this.documents.keys()];
  }

  getText(file: string): string | undefined {
    const p = path.resolve(file);
    return this.documents.get(p) ?? this.host.readFile(p);
  }

  getParsed(file: string): SpecFile | undefined {
    const p = path.resolve(file);
    const text = this.getText(p);
    if (text === undefined) return undefined;
    const cached = this.parsed.get(p);
    if (cached && cached.text === text) return cached.file;
    const parsedFile = parse(text, cached?.file);
    this.parsed.set(p, { text, file: parsedFile });
    return parsedFile;
  }

  /** The semantic model of a file, or undefined when it can be neither found open nor read. */
  analyze(file: string): Analysis | undefined {
    const p = path.resolve(file);
    const cached = this.analyses.get(p);
    if (cached) return cached;
    const parsedFile = this.getParsed(p);
    if (!parsedFile) return undefined;
    const analysis = this.build(p, parsedFile);
    this.analyses.set(p, analysis);
    return analysis;
  }

  /** Every `.wabi` file known: open documents and those under the roots, bounded in how far it looks. */
  specFiles(): string[] {
    const found = new Set(this.documents.keys());
    let budget = MAX_SCANNED_ENTRIES;
    const walk = (dir: string) => {
      for (const e of this.host.readDir(dir)) {
        if (--budget <= 0) return;
        if (e.name.startsWith('.') || e.name === 'node_modules') continue;
        const full = path.join(dir, e.name);
        if (e.kind === 'dir') walk(full);
        else if (e.name.endsWith(SPEC_EXTENSION)) found.add(full);
      }
    };
    for (const r of this.roots) walk(path.resolve(r));
    return [...found].sort();
  }

  /** Files that import `file`, directly or through other imports: their diagnostics depend on it. */
  dependents(file: string): string[] {
    const target = path.resolve(file);
    return this.specFiles().filter((f) => f !== target && this.importClosure(f).has(target));
  }

  /** The files `file` imports, transitively (not including itself unless there is a cycle). */
  importClosure(file: string): Set<string> {
    const seen = new Set<string>();
    const stack = [path.resolve(file)];
    while (stack.length > 0) {
      const cur = stack.pop()!;
      for (const next of this.directImports(cur)) {
        if (!seen.has(next)) {
          seen.add(next);
          stack.push(next);
        }
      }
    }
    return seen;
  }

  private directImports(file: string): string[] {
    const parsedFile = this.getParsed(file);
    if (!parsedFile) return [];
    const out: string[] = [];
    for (const b of parsedFile.blocks) {
      if (b.kind === 'import' && b.path && b.path.text !== '') {
        const target = path.resolve(path.dirname(file), b.path.text);
        if (this.getText(target) !== undefined) out.push(target);
      }
    }
    return out;
  }

  private build(file: string, parsedFile: SpecFile): Analysis {
    const diagnostics: Diagnostic[] = [...parsedFile.diagnostics];
    const dir = path.dirname(file);
    const imports: ImportLink[] = [];
    const visible = new Map<string, Definition>();

    const own = ownDefinitions(file, parsedFile);
    for (const d of own) {
      const prev = visible.get(d.name);
      if (prev) {
        diagnostics.push({
          range: d.nameRange,
          severity: 'error',
          message: `'${d.name}' is already defined on line ${prev.nameRange.start.line + 1}.`,
          code: 'duplicate-definition',
        });
      } else visible.set(d.name, d);
    }

    for (const b of parsedFile.blocks) {
      if (b.kind !== 'import' || !b.path) continue;
      const rel = b.path.text;
      if (rel === '') {
        diagnostics.push({ range: b.path.range, severity: 'error', message: 'Empty import path.', code: 'missing-import' });
        imports.push({ block: b });
        continue;
      }
      const target = path.resolve(dir, rel);
      if (target === file) {
        diagnostics.push({ range: b.path.range, severity: 'error', message: 'A file cannot import itself.', code: 'import-cycle' });
        imports.push({ block: b });
        continue;
      }
      if (this.getText(target) === undefined) {
        const problem = this.host.problem?.(target);
        const what =
          this.host.allows && !this.host.allows(target)
            ? 'is outside the workspace'
            : problem
              ? `is ${problem.what}`
              : this.host.stat(target) === 'dir'
                ? 'is a folder, not a spec file'
                : 'does not exist';
        diagnostics.push({ range: b.path.range, severity: 'error', message: `Cannot import '${rel}': it ${what}.`, code: 'missing-import' });
        imports.push({ block: b });
        continue;
      }
      imports.push({ block: b, resolved: target });
      const cycle = this.findCycle(target, file);
      if (cycle) {
        const chain = [file, ...cycle].map((f) => path.relative(dir, f) || path.basename(f)).join(' → ');
        diagnostics.push({ range: b.path.range, severity: 'error', message: `Import cycle: ${chain}.`, code: 'import-cycle' });
      }
      // Definitions from this import and everything it imports; a diamond import of one file is not a clash.
      for (const f of [target, ...this.importClosure(target)]) {
        if (f === file) continue;
        const pf = this.getParsed(f);
        if (!pf) continue;
        for (const d of ownDefinitions(f, pf)) {
          const prev = visible.get(d.name);
          if (!prev) visible.set(d.name, d);
          else if (prev.path !== d.path || prev.nameRange.start.line !== d.nameRange.start.line) {
            const where = prev.path === file ? `line ${prev.nameRange.start.line + 1}` : path.relative(dir, prev.path);
            diagnostics.push({
              range: prev.path === file ? prev.nameRange : b.path.range,
              severity: 'error',
              message: `'${d.name}' is defined both in ${path.relative(dir, d.path)} and in ${where}.`,
              code: 'duplicate-definition',
            });
          }
        }
      }
    }

    let cache = this.blockChecks.get(file);
    if (!cache) {
      cache = new BlockCheckCache();
      this.blockChecks.set(file, cache);
    }
    const { references, diagnostics: semantic } = validate(
      {
        file: parsedFile,
        path: file,
        dir,
        visible,
        host: this.host,
        stat: memoStat(this.host),
        checkFiles: this.checkFiles,
      },
      cache,
    );
    diagnostics.push(...semantic);
    diagnostics.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
    const tests = parsedFile.blocks.filter((b) => b.kind === 'test');
    const audits = parsedFile.blocks.filter((b) => b.kind === 'audit');
    return { path: file, file: parsedFile, imports, definitions: own, visible, references, tests, audits, diagnostics };
  }

  /** The import path from `from` back to `to`, if `from` reaches it. */
  private findCycle(from: string, to: string): string[] | undefined {
    const seen = new Set<string>();
    const dfs = (cur: string, trail: string[]): string[] | undefined => {
      if (cur === to) return trail;
      if (seen.has(cur)) return undefined;
      seen.add(cur);
      for (const next of this.directImports(cur)) {
        const found = dfs(next, [...trail, next]);
        if (found) return found;
      }
      return undefined;
    };
    return dfs(from, [from]);
  }
}

export function ownDefinitions(file: string, parsedFile: SpecFile): Definition[] {
  const out: Definition[] = [];
  for (const b of parsedFile.blocks) {
    if ((b.kind === 'generator' || b.kind === 'judge') && b.name) {
      const kindProp = lastSetting(b, 'kind');
      const type = kindProp && kindProp.value.type === 'word' ? kindProp.value.text : undefined;
      out.push({ name: b.name.text, kind: b.kind, type, path: file, nameRange: b.name.range, block: b });
    }
  }
  return out;
}

/** A spec's diagnostics; for a file that cannot be analysed, the one error saying why (not UTF-8, with where its
 *  first bad byte is; not text at all; unreadable). */
export function specDiagnostics(ws: SpecWorkspace, file: string): readonly Diagnostic[] {
  const analysis = ws.analyze(file);
  if (analysis) return analysis.diagnostics;
  const problem = ws.host.problem?.(file);
  const at = { line: problem?.line ?? 0, character: problem?.character ?? 0 };
  return [
    {
      range: { start: at, end: at },
      severity: 'error',
      message: problem ? `The file is ${problem.what}.` : 'The file cannot be read.',
      code: problem?.code ?? 'unreadable',
    },
  ];
}
