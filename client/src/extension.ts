// The VS Code client: starts the bundled language server over IPC for `.wabi` files. It holds no language
// logic of its own; everything a spec means is decided in the server, which the CLI shares.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { LanguageClient, LanguageClientOptions, ServerOptions, TransportKind } from 'vscode-languageclient/node';

let client: LanguageClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const serverModule = context.asAbsolutePath(path.join('dist', 'server.js'));
  const serverOptions: ServerOptions = {
    run: { module: serverModule, transport: TransportKind.ipc },
    debug: { module: serverModule, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6019'] } },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ language: 'wabi' }],
    synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher('**/*.wabi') },
    initializationOptions: { workspaceTrusted: vscode.workspace.isTrusted },
  };
  client = new LanguageClient('wabi', 'Wabi Language Server', serverOptions, clientOptions);
  await client.start();
  context.subscriptions.push(
    vscode.workspace.onDidGrantWorkspaceTrust(() => client?.sendNotification('wabi/workspaceTrusted')),
  );
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
