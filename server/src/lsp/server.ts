// LSP handlers: thin adapters from protocol requests to the language service. Every handler is guarded so a bug
// on one request logs and answers empty instead of taking the server down with the user's editor state.
import * as path from 'node:path';
import * as lsp from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { codeActions } from '../language/codeActions';
import { complete } from '../language/completion';
import { format } from '../language/formatter';
import { confinedHost, nodeHost } from '../files/host';
import { hover } from '../language/hover';
import { definition, prepareRename, references, rename } from '../language/navigation';
import { documentSymbols, foldingRanges } from '../language/symbols';
import { SpecWorkspace } from '../language/workspace';
import {
  UriMap,
  fromLspDiagnostic,
  toLspCodeAction,
  toLspCompletion,
  toLspDiagnostic,
  toLspEdit,
  toLspFolding,
  toLspSymbol,
} from './convert';

/** Characters after which the editor asks for completions without the user pressing a key for it. */
const TRIGGER_CHARACTERS = [' ', '(', '"', '/', '[', ',', '.', '-'];
/** Files that import an edited file are revalidated after the typing pauses this long. */
const DEPENDENTS_DELAY_MS = 150;

export function startServer(connection: lsp.Connection): void {
  const documents = new lsp.TextDocuments(TextDocument);
  const uris = new UriMap();
  let roots: string[] = [];
  let checkFiles = true;
  const readableRoots = () => (roots.length > 0 ? roots : documents.all().map((d) => path.dirname(uris.toPath(d.uri))));
  const ws = new SpecWorkspace(confinedHost(nodeHost, readableRoots), { roots });
  let dependentsTimer: NodeJS.Timeout | undefined;

  const log = (message: string) => connection.console.log(message);

  function guard<P, R>(name: string, fallback: R, fn: (params: P) => R): (params: P) => R {
    return (params: P) => {
      try {
        return fn(params);
      } catch (err) {
        connection.console.error(`wabi: ${name} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
        return fallback;
      }
    };
  }

  function publish(file: string): void {
    const uri = uris.toUri(file);
    const doc = documents.get(uri);
    const analysis = ws.analyze(file);
    if (!analysis) return;
    void connection.sendDiagnostics({ uri, version: doc?.version, diagnostics: analysis.diagnostics.map((d) => toLspDiagnostic(d, uris)) });
  }

  function publishDependents(file: string): void {
    if (dependentsTimer) clearTimeout(dependentsTimer);
    dependentsTimer = setTimeout(
      guard('revalidating dependents', undefined, () => {
        // Only open documents show diagnostics, so only they are checked for importing the edited file; scanning
        // the whole workspace here would parse every spec in it after each keystroke.
        for (const dep of ws.openDocuments()) if (dep !== file && ws.importClosure(dep).has(file)) publish(dep);
      }),
      DEPENDENTS_DELAY_MS,
    );
  }

  connection.onInitialize((params): lsp.InitializeResult => {
    const folders = params.workspaceFolders?.map((f) => uris.toPath(f.uri)) ?? (params.rootUri ? [uris.toPath(params.rootUri)] : []);
    roots = folders;
    const opts = (params.initializationOptions ?? {}) as { checkFiles?: boolean };
    if (opts.checkFiles === false) checkFiles = false;
    ws.configure({ roots, checkFiles });
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: lsp.TextDocumentSyncKind.Incremental, save: false },
        completionProvider: { triggerCharacters: TRIGGER_CHARACTERS, resolveProvider: false },
        hoverProvider: true,
        definitionProvider: true,
        referencesProvider: true,
        renameProvider: { prepareProvider: true },
        documentSymbolProvider: true,
        foldingRangeProvider: true,
        codeActionProvider: { codeActionKinds: [lsp.CodeActionKind.QuickFix] },
        documentFormattingProvider: true,
        workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
      },
      serverInfo: { name: 'wabi', version: VERSION },
    };
  });

  connection.onInitialized(() => log(`wabi language server ${VERSION} ready; workspace: ${roots.length ? roots.join(', ') : '(none)'}`));

  connection.onDidChangeConfiguration(
    guard('configuration', undefined, (change: lsp.DidChangeConfigurationParams) => {
      const settings = (change.settings as { wabi?: { diagnostics?: { checkFiles?: boolean } } } | undefined)?.wabi;
      if (settings?.diagnostics?.checkFiles !== undefined) {
        checkFiles = settings.diagnostics.checkFiles;
        ws.configure({ checkFiles });
        for (const f of ws.openDocuments()) publish(f);
      }
    }),
  );

  documents.onDidChangeContent(
    guard('validation', undefined, (e: lsp.TextDocumentChangeEvent<TextDocument>) => {
      const file = uris.toPath(e.document.uri);
      ws.setDocument(file, e.document.getText());
      publish(file);
      publishDependents(file);
    }),
  );

  documents.onDidClose(
    guard('close', undefined, (e: lsp.TextDocumentChangeEvent<TextDocument>) => {
      const file = uris.toPath(e.document.uri);
      ws.closeDocument(file);
      void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
      publishDependents(file);
    }),
  );

  connection.onDidChangeWatchedFiles(
    guard('watched files', undefined, (params: lsp.DidChangeWatchedFilesParams) => {
      for (const change of params.changes) ws.invalidate(uris.toPath(change.uri));
      for (const f of ws.openDocuments()) publish(f);
    }),
  );

  const at = (p: lsp.TextDocumentPositionParams) => ({ file: uris.toPath(p.textDocument.uri), pos: p.position });

  connection.onCompletion(
    guard('completion', [] as lsp.CompletionItem[], (p: lsp.CompletionParams) => {
      const { file, pos } = at(p);
      return complete(ws, file, pos).map(toLspCompletion);
    }),
  );

  connection.onHover(
    guard('hover', null as lsp.Hover | null, (p: lsp.HoverParams) => {
      const { file, pos } = at(p);
      const h = hover(ws, file, pos);
      return h ? { contents: { kind: lsp.MarkupKind.Markdown, value: h.contents }, range: h.range } : null;
    }),
  );

  connection.onDefinition(
    guard('definition', [] as lsp.Location[], (p: lsp.DefinitionParams) => {
      const { file, pos } = at(p);
      return definition(ws, file, pos).map((l) => ({ uri: uris.toUri(l.path), range: l.range }));
    }),
  );

  connection.onReferences(
    guard('references', [] as lsp.Location[], (p: lsp.ReferenceParams) => {
      const { file, pos } = at(p);
      return references(ws, file, pos, p.context.includeDeclaration).map((l) => ({ uri: uris.toUri(l.path), range: l.range }));
    }),
  );

  connection.onPrepareRename(
    guard('prepare rename', null as lsp.Range | null, (p: lsp.PrepareRenameParams) => {
      const { file, pos } = at(p);
      const r = prepareRename(ws, file, pos);
      if ('error' in r) throw new lsp.ResponseError(lsp.ErrorCodes.InvalidRequest, r.error);
      return r;
    }),
  );

  connection.onRenameRequest((p: lsp.RenameParams) => {
    const { file, pos } = at(p);
    const r = rename(ws, file, pos, p.newName);
    if ('error' in r) return new lsp.ResponseError(lsp.ErrorCodes.InvalidRequest, r.error);
    return toLspEdit(r.edit, uris);
  });

  connection.onDocumentSymbol(
    guard('symbols', [] as lsp.DocumentSymbol[], (p: lsp.DocumentSymbolParams) => {
      const a = ws.analyze(uris.toPath(p.textDocument.uri));
      return a ? documentSymbols(a).map(toLspSymbol) : [];
    }),
  );

  connection.onFoldingRanges(
    guard('folding', [] as lsp.FoldingRange[], (p: lsp.FoldingRangeParams) => {
      const a = ws.analyze(uris.toPath(p.textDocument.uri));
      return a ? foldingRanges(a).map(toLspFolding) : [];
    }),
  );

  connection.onCodeAction(
    guard('code actions', [] as lsp.CodeAction[], (p: lsp.CodeActionParams) => {
      const file = uris.toPath(p.textDocument.uri);
      const echoed = p.context.diagnostics.filter((d) => d.source === 'wabi');
      return codeActions(ws, file, p.range, echoed.map(fromLspDiagnostic)).map((a) => toLspCodeAction(a, uris, echoed));
    }),
  );

  connection.onDocumentFormatting(
    guard('formatting', [] as lsp.TextEdit[], (p: lsp.DocumentFormattingParams) => {
      const doc = documents.get(p.textDocument.uri);
      if (!doc) return [];
      return format(doc.getText(), { tabSize: p.options.tabSize }).map((e) => ({ range: e.range, newText: e.newText }));
    }),
  );

  documents.listen(connection);
  connection.listen();
}

declare const WABI_VERSION: string | undefined;
export const VERSION = typeof WABI_VERSION === 'string' ? WABI_VERSION : '0.1.0';
