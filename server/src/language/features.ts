// Result types of the editor features. They mirror the LSP shapes closely enough to convert one-to-one, but
// the language service never imports LSP types: the CLI, tests and benchmarks use it without a protocol.
import type { Diagnostic, Range } from './ast';

export type CompletionKind =
  | 'keyword'
  | 'property'
  | 'trait'
  | 'function'
  | 'generator'
  | 'judge'
  | 'kind'
  | 'tag'
  | 'value'
  | 'file'
  | 'folder'
  | 'snippet';

export interface CompletionItem {
  readonly label: string;
  readonly kind: CompletionKind;
  readonly detail?: string;
  /** Markdown. */
  readonly documentation?: string;
  /** Text inserted; `label` when absent. With `snippet`, LSP snippet syntax ($1, ${1:default}). */
  readonly insertText?: string;
  readonly snippet?: boolean;
  /** Range the insertion replaces (the word being typed); the cursor position when absent. */
  readonly range?: Range;
  readonly sortText?: string;
  /** Re-trigger completion after inserting (for `kind ` and the like). */
  readonly retrigger?: boolean;
}

export interface Hover {
  /** Markdown. */
  readonly contents: string;
  readonly range: Range;
}

export interface Location {
  /** Absolute path. */
  readonly path: string;
  readonly range: Range;
}

export interface TextEdit {
  readonly range: Range;
  readonly newText: string;
}

/** Edits per absolute file path. */
export interface WorkspaceEdit {
  readonly changes: Readonly<Record<string, readonly TextEdit[]>>;
}

export type SymbolKind = 'import' | 'generator' | 'judge' | 'defaults' | 'test' | 'audit' | 'expect';

export interface DocumentSymbol {
  readonly name: string;
  readonly detail?: string;
  readonly kind: SymbolKind;
  readonly range: Range;
  readonly selectionRange: Range;
  readonly children: readonly DocumentSymbol[];
}

export interface FoldingRange {
  readonly startLine: number;
  readonly endLine: number;
  readonly kind?: 'comment' | 'imports' | 'region';
}

export interface CodeAction {
  readonly title: string;
  readonly kind: 'quickfix' | 'refactor' | 'source';
  readonly diagnostics?: readonly Diagnostic[];
  readonly edit: WorkspaceEdit;
  readonly isPreferred?: boolean;
}

export interface FormattingOptions {
  /** Spaces per indentation level (the formatter always indents with spaces). */
  readonly tabSize: number;
}

export type RenameResult = { readonly edit: WorkspaceEdit } | { readonly error: string };
