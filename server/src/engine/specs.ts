// Specs from disk (or an editor's workspace) to resolved data, for every command that runs something: check each
// spec as `wabi check` does, and resolve those without errors. `wabi run` plans their tests, `wabi audit` reads
// their judges and audit blocks.
import * as path from 'node:path';
import { confinedHost, nodeHost, type SpecHost } from '../files/host';
import type { Diagnostic } from '../language/ast';
import { resolveSpec } from '../language/resolve';
import type { ResolvedSpec } from '../language/resolved';
import { SpecWorkspace, specDiagnostics } from '../language/workspace';

/** A spec problem that stops a run, with its file. */
export interface SpecDiagnostic {
  readonly file: string;
  readonly diagnostic: Diagnostic;
}

export interface SpecSource {
  /** The workspace to read specs from (the language server's, with its open documents); by default the disk,
   *  read only inside `projects` when given. */
  readonly workspace?: SpecWorkspace;
  /** Folders the specs may read files in (the command line's project folders); anywhere when undefined. */
  readonly projects?: readonly string[];
}

export interface LoadedSpecs {
  /** Errors of every spec; when there are any, `specs` stops at the first spec that has one. */
  readonly errors: readonly SpecDiagnostic[];
  readonly specs: readonly ResolvedSpec[];
  /** The host the specs were read with: what they name is read through it too. */
  readonly host: SpecHost;
}

export function loadSpecs(files: readonly string[], source: SpecSource = {}): LoadedSpecs {
  const projects = source.projects;
  const ws =
    source.workspace ??
    new SpecWorkspace(projects ? confinedHost(nodeHost, () => projects) : nodeHost, { roots: projects ?? [...new Set(files.map((f) => path.dirname(f)))] });
  const errors: SpecDiagnostic[] = [];
  const specs: ResolvedSpec[] = [];
  for (const file of files) {
    // A spec that cannot be analysed (not UTF-8, not text, unreadable) is an error too, never skipped in silence.
    for (const d of specDiagnostics(ws, file)) if (d.severity === 'error') errors.push({ file, diagnostic: d });
    const analysis = ws.analyze(file);
    if (analysis && errors.length === 0) specs.push(resolveSpec(analysis, (f) => ws.analyze(f)?.visible));
  }
  return { errors, specs, host: ws.host };
}
