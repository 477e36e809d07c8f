// The language client: starts the bundled server over IPC, answers its `workspace/configuration` pulls with typed
// settings, drops its code lenses when `wabi.codeLens.enabled` is off, and passes the server's log lines to a
// listener (the run log shows the execution provider line and warnings of a run).
import * as path from 'node:path';
import * as vscode from 'vscode';
import { CodeLensRequest, LanguageClient, type LanguageClientOptions, type ServerOptions, TransportKind } from 'vscode-languageclient/node';
import { codeLensEnabled, configurationFor } from './settings';

/** A LanguageClient whose server log lines (window/logMessage) also reach `onServerLog`. */
class WabiLanguageClient extends LanguageClient {
  onServerLog: ((line: string) => void) | undefined;

  override info(message: string, data?: unknown, showNotification?: boolean): void {
    super.info(message, data, showNotification);
    this.onServerLog?.(message);
  }

  override warn(message: string, data?: unknown, showNotification?: boolean): void {
    super.warn(message, data, showNotification);
    this.onServerLog?.(message);
  }

  override error(message: string, data?: unknown, showNotification?: boolean | 'force'): void {
    super.error(message, data, showNotification);
    this.onServerLog?.(message);
  }
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
  const client = new WabiLanguageClient('wabi', 'Wabi Language Server', serverOptions, clientOptions);
  client.onServerLog = onServerLog;
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (!e.affectsConfiguration('wabi.codeLens.enabled')) return;
      // Ask the editor for lenses again, so switching the setting shows or hides them at once.
      const feature = client.getFeature(CodeLensRequest.method);
      for (const editor of vscode.window.visibleTextEditors) feature.getProvider(editor.document)?.onDidChangeCodeLensEmitter.fire();
    }),
  );
  return client;
}
