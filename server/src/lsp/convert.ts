// Conversions between the language service's plain types and LSP types. The shapes match, so this is mostly
// enum mapping and turning absolute paths into the URIs the client sent.
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as path from 'node:path';
import * as lsp from 'vscode-languageserver';
import type { Diagnostic } from '../language/ast';
import type {
  CodeAction,
  CompletionItem,
  CompletionKind,
  DocumentSymbol,
  FoldingRange,
  SymbolKind,
  WorkspaceEdit,
} from '../language/features';

/** Remembers the exact URI string the client used for each path, so what we send back matches its own. */
export class UriMap {
  private readonly byPath = new Map<string, string>();

  toPath(uri: string): string {
    if (uri.startsWith('file:')) {
      const p = path.resolve(fileURLToPath(uri));
      this.byPath.set(p, uri);
      return p;
    }
    // Unsaved buffers and virtual documents get a stable pseudo-path that no real file can have.
    const p = path.resolve(path.sep, '__wabi_virtual__', encodeURIComponent(uri));
    this.byPath.set(p, uri);
    return p;
  }

  toUri(file: string): string {
    return this.byPath.get(file) ?? pathToFileURL(file).toString();
  }
}

const SEVERITY: Record<Diagnostic['severity'], lsp.DiagnosticSeverity> = {
  error: lsp.DiagnosticSeverity.Error,
  warning: lsp.DiagnosticSeverity.Warning,
  information: lsp.DiagnosticSeverity.Information,
  hint: lsp.DiagnosticSeverity.Hint,
};

export function toLspDiagnostic(d: Diagnostic, uris: UriMap): lsp.Diagnostic {
  const out: lsp.Diagnostic = {
    range: d.range,
    severity: SEVERITY[d.severity],
    message: d.message,
    code: d.code,
    source: 'wabi',
  };
  if (d.suggestions || d.data) out.data = { suggestions: d.suggestions, data: d.data };
  if (d.related) {
    out.relatedInformation = [{ location: { uri: uris.toUri(d.related.path), range: d.related.range }, message: d.related.message }];
  }
  return out;
}

/** Back from what the client echoes in a code-action request to the service's diagnostic. */
export function fromLspDiagnostic(d: lsp.Diagnostic): Diagnostic {
  const extra = (d.data ?? {}) as { suggestions?: string[]; data?: Record<string, unknown> };
  const severity = (Object.keys(SEVERITY) as Diagnostic['severity'][]).find((k) => SEVERITY[k] === d.severity) ?? 'error';
  return {
    range: d.range,
    severity,
    message: typeof d.message === 'string' ? d.message : d.message.value,
    code: typeof d.code === 'string' ? d.code : String(d.code ?? ''),
    suggestions: extra.suggestions,
    data: extra.data,
  };
}

const COMPLETION_KIND: Record<CompletionKind, lsp.CompletionItemKind> = {
  keyword: lsp.CompletionItemKind.Keyword,
  property: lsp.CompletionItemKind.Property,
  trait: lsp.CompletionItemKind.EnumMember,
  function: lsp.CompletionItemKind.Function,
  generator: lsp.CompletionItemKind.Class,
  judge: lsp.CompletionItemKind.Interface,
  kind: lsp.CompletionItemKind.TypeParameter,
  tag: lsp.CompletionItemKind.Constant,
  value: lsp.CompletionItemKind.Value,
  file: lsp.CompletionItemKind.File,
  folder: lsp.CompletionItemKind.Folder,
  snippet: lsp.CompletionItemKind.Snippet,
};

export function toLspCompletion(item: CompletionItem): lsp.CompletionItem {
  const newText = item.insertText ?? item.label;
  const out: lsp.CompletionItem = {
    label: item.label,
    kind: COMPLETION_KIND[item.kind],
    detail: item.detail,
    sortText: item.sortText,
    insertTextFormat: item.snippet ? lsp.InsertTextFormat.Snippet : lsp.InsertTextFormat.PlainText,
  };
  if (item.documentation) out.documentation = { kind: lsp.MarkupKind.Markdown, value: item.documentation };
  if (item.range) out.textEdit = { range: item.range, newText };
  else out.insertText = newText;
  if (item.retrigger) out.command = { title: 'Suggest', command: 'editor.action.triggerSuggest' };
  return out;
}

export function toLspEdit(edit: WorkspaceEdit, uris: UriMap): lsp.WorkspaceEdit {
  const changes: Record<string, lsp.TextEdit[]> = {};
  for (const [file, edits] of Object.entries(edit.changes)) changes[uris.toUri(file)] = edits.map((e) => ({ range: e.range, newText: e.newText }));
  return { changes };
}

const SYMBOL_KIND: Record<SymbolKind, lsp.SymbolKind> = {
  import: lsp.SymbolKind.Module,
  generator: lsp.SymbolKind.Class,
  judge: lsp.SymbolKind.Interface,
  defaults: lsp.SymbolKind.Namespace,
  test: lsp.SymbolKind.Method,
  audit: lsp.SymbolKind.Event,
  expect: lsp.SymbolKind.Boolean,
};

export function toLspSymbol(s: DocumentSymbol): lsp.DocumentSymbol {
  return {
    name: s.name || ' ',
    detail: s.detail,
    kind: SYMBOL_KIND[s.kind],
    range: s.range,
    selectionRange: s.selectionRange,
    children: s.children.map(toLspSymbol),
  };
}

export function toLspFolding(f: FoldingRange): lsp.FoldingRange {
  return { startLine: f.startLine, endLine: f.endLine, kind: f.kind === 'region' ? lsp.FoldingRangeKind.Region : f.kind };
}

export function toLspCodeAction(a: CodeAction, uris: UriMap, echoed: readonly lsp.Diagnostic[]): lsp.CodeAction {
  const kind = a.kind === 'quickfix' ? lsp.CodeActionKind.QuickFix : a.kind === 'refactor' ? lsp.CodeActionKind.Refactor : lsp.CodeActionKind.Source;
  const diagnostics = a.diagnostics
    ? echoed.filter((e) => a.diagnostics!.some((d) => d.code === e.code && d.range.start.line === e.range.start.line && d.range.start.character === e.range.start.character))
    : undefined;
  return { title: a.title, kind, diagnostics, edit: toLspEdit(a.edit, uris), isPreferred: a.isPreferred };
}
