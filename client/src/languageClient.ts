// The language client: starts the bundled server over IPC, answers its `workspace/configuration` pulls with typed
// settings, drops its code lenses when `wabi.codeLens.enabled` is off, passes the server's log lines to a listener
// (the run log shows the execution provider line and warnings of a run), and keeps keys out of protocol traces.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { BaseLanguageClient } from 'vscode-languageclient';
import { CodeLensRequest, LanguageClient, type LanguageClientOptions, type ServerOptions, TransportKind } from 'vscode-languageclient/node';
import { maskSecrets } from './secrets';
import { codeLensEnabled, configurationFor } from './settings';

/**
 * `channel`, with the text given to some of its methods passed through `filter` first. The server's log lines
 * arrive as `appendLine` (window/logMessage of type Log) or `info`/`warn`/`error`; protocol traces as `trace`.
 */
function filtered(channel: vscode.LogOutputChannel, methods: readonly string[], filter: (text: string) => string): vscode.LogOutputChannel {
  return new Proxy(channel, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop);
      if (typeof value !== 'function') return value;
      if (typeof prop !== 'string' || !methods.includes(prop)) return value.bind(target);
      return (message: unknown, ...rest: unknown[]) =>
        (value as (...a: unknown[]) => void).call(target, filter(message instanceof Error ? message.message : String(message)), ...rest);
    },
  });
}

export function createLanguageClient(context: vscode.ExtensionContext, onServerLog: (line: string) => void): LanguageClient {
  const serverModule = context.asAbsolutePath(path.join('dist', 'server.js'));
  const serverOptions: ServerOptions = {
    run: { module: serverModule, transport: TransportKind.ipc },
    debug: { module: serverModule, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6019'] } },
  };
  const channel = vscode.window.createOutputChannel('Wabi Language Server', { log: true });
  context.subscriptions.push(channel);
  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ language: 'wabi' }],
    synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher('**/*.wabi') },
    initializationOptions: { workspaceTrusted: vscode.workspace.isTrusted },
    // Server log lines also go to the run log; a verbose trace (wabi.trace.server) would show the answer to
    // wabi/secret, so keys handed to the server are masked in it.
    outputChannel: filtered(channel, ['appendLine', 'info', 'warn', 'error'], (line) => (onServerLog(line), line)),
    traceOutputChannel: filtered(channel, ['trace', 'appendLine', 'append'], maskSecrets),
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
