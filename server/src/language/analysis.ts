// The semantic model of one spec file: its syntax tree plus what its names mean across imports.
import type { AuditBlock, DefinitionBlock, Diagnostic, ImportBlock, Range, SpecFile, TestBlock } from './ast';

export type DefinitionKind = 'generator' | 'judge';

export interface Definition {
  readonly name: string;
  readonly kind: DefinitionKind;
  /** The `kind` setting's value (`comfyui`, `clip`...), when given. */
  readonly type?: string;
  /** Absolute path of the file that defines it. */
  readonly path: string;
  readonly nameRange: Range;
  readonly block: DefinitionBlock;
}

/** A use of a generator or judge name in the analysed file. */
export interface Reference {
  readonly name: string;
  readonly range: Range;
  readonly expected: DefinitionKind;
  /** Resolved definition; undefined when the name is unknown. */
  readonly target?: Definition;
}

export interface ImportLink {
  readonly block: ImportBlock;
  /** Absolute path of the imported file when it exists. */
  readonly resolved?: string;
}

export interface Analysis {
  readonly path: string;
  readonly file: SpecFile;
  readonly imports: readonly ImportLink[];
  /** Definitions made in this file. */
  readonly definitions: readonly Definition[];
  /** Every definition this file can name: its own and those of all files it imports, transitively. */
  readonly visible: ReadonlyMap<string, Definition>;
  /** Generator and judge names used in this file. */
  readonly references: readonly Reference[];
  readonly tests: readonly TestBlock[];
  readonly audits: readonly AuditBlock[];
  /** Syntax and semantic diagnostics, in document order. */
  readonly diagnostics: readonly Diagnostic[];
}
