// `wabi check`: the editor's diagnostics on the command line, for CI and pre-commit hooks.
import * as path from 'node:path';
import type { Diagnostic } from '../language/ast';
import { confinedHost, nodeHost } from '../files/host';
import { SpecWorkspace, specDiagnostics } from '../language/workspace';
import { parseArgs } from './args';
import { displayPath, findSpecs } from './specFiles';

export interface CheckedFile {
  readonly file: string;
  readonly diagnostics: readonly Diagnostic[];
}

/** Analyses each spec (with its imports) exactly as the language server does, reading files only inside
 *  `projects` (every file when undefined: --allow-outside). */
export function checkFiles(files: readonly string[], projects?: readonly string[]): CheckedFile[] {
  const roots = projects ?? [...new Set(files.map((f) => path.dirname(f)))];
  const ws = new SpecWorkspace(projects ? confinedHost(nodeHost, () => projects) : nodeHost, { roots });
  return files.map((file) => ({ file, diagnostics: specDiagnostics(ws, file) }));
}

export function formatDiagnostic(file: string, d: Diagnostic): string {
  return `${displayPath(file)}:${d.range.start.line + 1}:${d.range.start.character + 1} ${d.severity} ${d.message} [${d.code}]`;
}

export function runCheck(argv: readonly string[], out: (line: string) => void, err: (line: string) => void): number {
  const args = parseArgs(argv, ['--json', '--quiet', '--allow-outside']);
  const { files, roots } = findSpecs(args.operands);
  const results = checkFiles(files, args.flags.has('--allow-outside') ? undefined : roots);
  let errors = 0;
  let warnings = 0;
  for (const r of results) {
    for (const d of r.diagnostics) {
      if (d.severity === 'error') errors++;
      else if (d.severity === 'warning') warnings++;
    }
  }
  if (args.flags.has('--json')) {
    out(
      JSON.stringify(
        results.map((r) => ({
          file: displayPath(r.file),
          diagnostics: r.diagnostics.map((d) => ({
            line: d.range.start.line + 1,
            column: d.range.start.character + 1,
            endLine: d.range.end.line + 1,
            endColumn: d.range.end.character + 1,
            severity: d.severity,
            code: d.code,
            message: d.message,
          })),
        })),
        null,
        2,
      ),
    );
  } else {
    for (const r of results) {
      for (const d of r.diagnostics) {
        if (args.flags.has('--quiet') && d.severity !== 'error') continue;
        out(formatDiagnostic(r.file, d));
      }
    }
  }
  err(`${files.length} spec file${files.length === 1 ? '' : 's'} checked: ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}.`);
  return errors > 0 ? 1 : 0;
}
