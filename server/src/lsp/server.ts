// LSP handlers: thin adapters from protocol requests to the language service. Every handler is guarded so a bug
// on one request logs and answers empty instead of taking the server down with the user's editor state.
import { VERSION } from '../version';
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
import { codeLenses, lastRunHover } from './resultFeatures';
import { RunService } from './runService';
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

/** What the client may ask of the server; each request has a handler below. */
const CAPABILITIES: lsp.ServerCapabilities = {
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
  codeLensProvider: { resolveProvider: false },
  workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
};

/** What the handlers share. */
interface Context {
  readonly connection: lsp.Connection;
  /** The open documents, kept in sync with the editor by `documents.listen`. */
  readonly documents: lsp.TextDocuments<TextDocument>;
  readonly uris: UriMap;
  readonly ws: SpecWorkspace;
  /** Set once the client has initialised (it says whether the workspace is trusted). */
  runs?: RunService;
  /** The client answers workspace/configuration. */
  pullsConfiguration?: boolean;
}

export function startServer(connection: lsp.Connection): void {
  const documents = new lsp.TextDocuments(TextDocument);
  const uris = new UriMap();
  let roots: string[] = [];
  // Files are read only inside the workspace folders or, before the client names any, beside the open documents.
  const readableRoots = () => (roots.length > 0 ? roots : documents.all().map((d) => path.dirname(uris.toPath(d.uri))));
  const ctx: Context = { connection, documents, uris, ws: new SpecWorkspace(confinedHost(nodeHost, readableRoots), { roots }) };

  connection.onInitialize((params): lsp.InitializeResult => {
    roots = params.workspaceFolders?.map((f) => uris.toPath(f.uri)) ?? (params.rootUri ? [uris.toPath(params.rootUri)] : []);
    const opts = (params.initializationOptions ?? {}) as { checkFiles?: boolean; workspaceTrusted?: boolean };
    ctx.pullsConfiguration = params.capabilities.workspace?.configuration === true;
    ctx.ws.configure({ roots, checkFiles: opts.checkFiles !== false });
    // Editors without Workspace Trust (Neovim, Helix) send nothing: their user chose to open the folder.
    ctx.runs = new RunService({
      connection,
      ws: ctx.ws,
      roots: () => roots,
      openDocuments: () => documents.all().map((d) => [uris.toPath(d.uri), d.getText()] as const),
      trusted: opts.workspaceTrusted !== false,
    });
    ctx.runs.register();
    return { capabilities: CAPABILITIES, serverInfo: { name: 'wabi', version: VERSION } };
  });
  const pullSettings = followConfiguration(ctx);
  connection.onInitialized(() => {
    connection.console.log(`wabi language server ${VERSION} ready; workspace: ${roots.length ? roots.join(', ') : '(none)'}`);
    void pullSettings();
  });

  syncDocuments(ctx);
  registerLanguageFeatures(ctx);
  registerNavigation(ctx);
  registerResultFeatures(ctx);
  documents.listen(connection);
  connection.listen();
}

/** `fn` as a handler that, if it throws, logs and answers `fallback`. */
function guard<P, R>(ctx: Context, name: string, fallback: R, fn: (params: P) => R): (params: P) => R {
  return (params: P) => {
    try {
      return fn(params);
    } catch (err) {
      ctx.connection.console.error(`wabi: ${name} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      return fallback;
    }
  };
}

function publish(ctx: Context, file: string): void {
  const uri = ctx.uris.toUri(file);
  const doc = ctx.documents.get(uri);
  const analysis = ctx.ws.analyze(file);
  if (!analysis) return;
  void ctx.connection.sendDiagnostics({ uri, version: doc?.version, diagnostics: analysis.diagnostics.map((d) => toLspDiagnostic(d, ctx.uris)) });
}

/** The `wabi.diagnostics.checkFiles` setting, pulled from the client (workspace/configuration) once initialised and
 *  whenever it says settings changed, or taken from a pushed change; a new value re-checks every open document. */
function followConfiguration(ctx: Context): () => Promise<void> {
  let checkFiles: boolean | undefined;
  const apply = (value: unknown) => {
    if (typeof value !== 'boolean' || value === checkFiles) return;
    checkFiles = value;
    ctx.ws.configure({ checkFiles: value });
    for (const f of ctx.ws.openDocuments()) publish(ctx, f);
  };
  const pull = async () => {
    if (!ctx.pullsConfiguration) return;
    try {
      const got = (await ctx.connection.workspace.getConfiguration('wabi.diagnostics')) as { checkFiles?: unknown } | null;
      apply(got?.checkFiles);
    } catch (e) {
      ctx.connection.console.error(`wabi: reading settings failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
  ctx.connection.onDidChangeConfiguration(
    guard(ctx, 'configuration', undefined, (change: lsp.DidChangeConfigurationParams) => {
      const pushed = (change.settings as { wabi?: { diagnostics?: { checkFiles?: unknown } } } | null | undefined)?.wabi;
      if (pushed) apply(pushed.diagnostics?.checkFiles);
      else void pull();
    }),
  );
  return pull;
}

/** Keeps the workspace's documents in step with the editor and the disk, and their diagnostics current: an edited
 *  file at once, the open files that import it once typing pauses. */
function syncDocuments(ctx: Context): void {
  const { connection, documents, uris, ws } = ctx;
  let dependentsTimer: NodeJS.Timeout | undefined;
  const publishDependents = (file: string) => {
    if (dependentsTimer) clearTimeout(dependentsTimer);
    dependentsTimer = setTimeout(
      guard(ctx, 'revalidating dependents', undefined, () => {
        // Only open documents show diagnostics, so only they are checked for importing the edited file; scanning
        // the whole workspace here would parse every spec in it after each keystroke.
        for (const dep of ws.openDocuments()) if (dep !== file && ws.importClosure(dep).has(file)) publish(ctx, dep);
      }),
      DEPENDENTS_DELAY_MS,
    );
  };

  documents.onDidChangeContent(
    guard(ctx, 'validation', undefined, (e: lsp.TextDocumentChangeEvent<TextDocument>) => {
      const file = uris.toPath(e.document.uri);
      ws.setDocument(file, e.document.getText());
      publish(ctx, file);
      publishDependents(file);
    }),
  );

  documents.onDidClose(
    guard(ctx, 'close', undefined, (e: lsp.TextDocumentChangeEvent<TextDocument>) => {
      const file = uris.toPath(e.document.uri);
      ws.closeDocument(file);
      void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
      publishDependents(file);
    }),
  );

  connection.onDidChangeWatchedFiles(
    guard(ctx, 'watched files', undefined, (params: lsp.DidChangeWatchedFilesParams) => {
      for (const change of params.changes) ws.invalidate(uris.toPath(change.uri));
      for (const f of ws.openDocuments()) publish(ctx, f);
    }),
  );
}

const at = (ctx: Context, p: lsp.TextDocumentPositionParams) => ({ file: ctx.uris.toPath(p.textDocument.uri), pos: p.position });

/** Completion, hover, outline, folding, quick fixes and formatting: requests about one document. */
function registerLanguageFeatures(ctx: Context): void {
  const { connection, documents, uris, ws } = ctx;
  connection.onCompletion(
    guard(ctx, 'completion', [] as lsp.CompletionItem[], (p: lsp.CompletionParams) => {
      const { file, pos } = at(ctx, p);
      return complete(ws, file, pos).map(toLspCompletion);
    }),
  );

  connection.onHover(
    guard(ctx, 'hover', null as lsp.Hover | null, (p: lsp.HoverParams) => {
      const { file, pos } = at(ctx, p);
      const h = hover(ws, file, pos);
      const last = ctx.runs && lastRunHover(ws, ctx.runs, file, pos, uris);
      if (last) return { contents: { kind: lsp.MarkupKind.Markdown, value: h ? `${last.contents}\n\n---\n\n${h.contents}` : last.contents }, range: last.range };
      return h ? { contents: { kind: lsp.MarkupKind.Markdown, value: h.contents }, range: h.range } : null;
    }),
  );

  connection.onDocumentSymbol(
    guard(ctx, 'symbols', [] as lsp.DocumentSymbol[], (p: lsp.DocumentSymbolParams) => {
      const a = ws.analyze(uris.toPath(p.textDocument.uri));
      return a ? documentSymbols(a).map(toLspSymbol) : [];
    }),
  );

  connection.onFoldingRanges(
    guard(ctx, 'folding', [] as lsp.FoldingRange[], (p: lsp.FoldingRangeParams) => {
      const a = ws.analyze(uris.toPath(p.textDocument.uri));
      return a ? foldingRanges(a).map(toLspFolding) : [];
    }),
  );

  connection.onCodeAction(
    guard(ctx, 'code actions', [] as lsp.CodeAction[], (p: lsp.CodeActionParams) => {
      const file = uris.toPath(p.textDocument.uri);
      const echoed = p.context.diagnostics.filter((d) => d.source === 'wabi');
      return codeActions(ws, file, p.range, echoed.map(fromLspDiagnostic)).map((a) => toLspCodeAction(a, uris, echoed));
    }),
  );

  connection.onDocumentFormatting(
    guard(ctx, 'formatting', [] as lsp.TextEdit[], (p: lsp.DocumentFormattingParams) => {
      const doc = documents.get(p.textDocument.uri);
      if (!doc) return [];
      return format(doc.getText(), { tabSize: p.options.tabSize }).map((e) => ({ range: e.range, newText: e.newText }));
    }),
  );
}

/** Definition, references and rename: requests that cross imports between specs. */
function registerNavigation(ctx: Context): void {
  const { connection, uris, ws } = ctx;
  connection.onDefinition(
    guard(ctx, 'definition', [] as lsp.Location[], (p: lsp.DefinitionParams) => {
      const { file, pos } = at(ctx, p);
      return definition(ws, file, pos).map((l) => ({ uri: uris.toUri(l.path), range: l.range }));
    }),
  );

  connection.onReferences(
    guard(ctx, 'references', [] as lsp.Location[], (p: lsp.ReferenceParams) => {
      const { file, pos } = at(ctx, p);
      return references(ws, file, pos, p.context.includeDeclaration).map((l) => ({ uri: uris.toUri(l.path), range: l.range }));
    }),
  );

  connection.onPrepareRename(
    guard(ctx, 'prepare rename', null as lsp.Range | null, (p: lsp.PrepareRenameParams) => {
      const { file, pos } = at(ctx, p);
      const r = prepareRename(ws, file, pos);
      if ('error' in r) throw new lsp.ResponseError(lsp.ErrorCodes.InvalidRequest, r.error);
      return r;
    }),
  );

  connection.onRenameRequest((p: lsp.RenameParams) => {
    const { file, pos } = at(ctx, p);
    const r = rename(ws, file, pos, p.newName);
    if ('error' in r) return new lsp.ResponseError(lsp.ErrorCodes.InvalidRequest, r.error);
    return toLspEdit(r.edit, uris);
  });
}

/** CodeLens above each test: run it, show its images, its last pass rate. */
function registerResultFeatures(ctx: Context): void {
  ctx.connection.onCodeLens(
    guard(ctx, 'code lens', [] as lsp.CodeLens[], (p: lsp.CodeLensParams) => {
      const file = ctx.uris.toPath(p.textDocument.uri);
      return ctx.runs ? codeLenses(ctx.ws, ctx.runs, file) : [];
    }),
  );
}
