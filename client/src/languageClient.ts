// The language client: starts the bundled server over IPC, answers its `workspace/configuration` pulls with typed
// settings, drops its code lenses when `wabi.codeLens.enabled` is off, and passes the server's log lines to a
// listener (the run log shows the execution provider line and warnings of a run).
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { BaseLanguageClient } from 'vscode-languageclient';
import { CodeLensRequest, LanguageClient, type LanguageClientOptions, type ServerOptions, TransportKind } from 'vscode-languageclient/node';
import { codeLensEnabled, configurationFor } from './settings';

/**
 * The server's output channel, with every line it is given also passed to `onLine`. Server log lines arrive as
 * `appendLine` (window/logMessage of type Log) or `info`/`warn`/`error`; traces go through `trace` and are not
 * passed on, since a verbose trace holds whole messages.
 */
function teeChannel(channel: vscode.LogOutputChannel, onLine: (line: string) => void): vscode.LogOutputChannel {
  const teed = new Set<PropertyKey>(['appendLine', 'info', 'warn', 'error']);
  return new Proxy(channel, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop);
      if (typeof value !== 'function') return value;
      if (!teed.has(prop)) return value.bind(target);
      return (message: unknown, ...rest: unknown[]) => {
        (value as (...a: unknown[]) => void).call(target, message, ...rest);
        onLine(message instanceof Error ? message.message : String(message));
      };
    },
  });
}

export function createLanguageClient(context: vscode.ExtensionContext, onServerLog: (line: string) => void): LanguageClient {
  const serverModule = context.asAbsolutePath(path.join('dist', 'server.js'));
  const serverOptions: ServerOptions = {
    run: { module: serverModule, transport: TransportKind.ipc },
    debug: { module: serverModule, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6019'] } },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ language: 'wabi' }],
    synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher('**/*.wabi') },
    initializationOptions: { workspaceTrusted: vscode.workspace.isTrusted },
    outputChannel: teeChannel(vscode.window.createOutputChannel('Wabi Language Server', { log: true }), onServerLog),
    middleware: {
      workspace: {
        // Typed, validated values for the sections Wabi declares; anything else as VS Code holds it.
        configuration: async (params, token, next) => {
          const answers = await next(params, token);
          if (!Array.isArray(answers)) return answers;
          return params.items.map((item, i) => {
            const scope = item.scopeUri ? vscode.Uri.parse(item.scopeUri) : undefined;
            return configurationFor(item.section, scope) ?? answers[i];
          });
        },
      },
      provideCodeLenses: (document, token, next) => (codeLensEnabled(document.uri) ? next(document, token) : []),
    },
  };
  const client = new LanguageClient('wabi', 'Wabi Language Server', serverOptions, clientOptions);
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('wabi.codeLens.enabled')) refreshCodeLenses(client);
    }),
  );
  return client;
}

/** Asks the editor for the server's lenses again: after a run (their pass rates changed) or a settings change. */
export function refreshCodeLenses(client: BaseLanguageClient): void {
  const feature = client.getFeature(CodeLensRequest.method);
  for (const editor of vscode.window.visibleTextEditors) feature.getProvider(editor.document)?.onDidChangeCodeLensEmitter.fire();
}
