// The VS Code client. Everything a spec means, and every run, is decided in the language server (which the CLI
// shares); the client shows it: the Test Explorer tree and runs, result diagnostics, the run log, the image
// gallery's data, API keys from SecretStorage, and Workspace Trust.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { LAST_RESULTS, SECRET, WORKSPACE_TRUSTED, testId, type LastResultsParams, type LastResultsResult, type SecretParams } from '../../server/src/lsp/protocol';
import { registerGallery } from './gallery/index';
import { createLanguageClient } from './languageClient';
import { ResultDiagnostics } from './resultDiagnostics';
import { ResultsModel } from './results';
import { RunLog } from './runLog';
import { answerSecret, setApiKey } from './secrets';
import { cacheFolder } from './settings';
import { TestRuns } from './testRuns';
import { TestTree } from './testTree';

let client: LanguageClient | undefined;

/** What the extension exposes to other extensions and to its end-to-end test. */
export interface WabiApi {
  readonly runs: TestRuns;
  readonly tree: TestTree;
  readonly results: ResultsModel;
  readonly diagnostics: ResultDiagnostics;
  /** Milliseconds from activation to the language server started, tests discovered and results restored. */
  readonly activationMs: number;
}

interface TestRef {
  readonly path: string;
  readonly name: string;
}

export async function activate(context: vscode.ExtensionContext): Promise<WabiApi> {
  const started = Date.now();
  const log = new RunLog();
  context.subscriptions.push(log);
  client = createLanguageClient(context, (line) => log.server(line));
  const lc = client;

  const results = new ResultsModel(cacheFolder);
  const diagnostics = new ResultDiagnostics();
  const tree = new TestTree(lc, (line) => log.line(line));
  const runs = new TestRuns(lc, tree, results, diagnostics, log);
  context.subscriptions.push(results, diagnostics, tree, runs);

  lc.onRequest(SECRET, (p: SecretParams) => answerSecret(context.secrets, p, (line) => log.line(line)));
  await lc.start();

  runs.createProfiles();
  context.subscriptions.push(
    vscode.workspace.onDidGrantWorkspaceTrust(() => {
      void lc.sendNotification(WORKSPACE_TRUSTED);
      runs.trustChanged();
    }),
  );

  const gallery = startGallery(context, results, log);
  context.subscriptions.push(
    vscode.commands.registerCommand('wabi.runTest', (ref?: TestRef) => {
      if (!ref?.path || !ref.name) return vscode.window.showWarningMessage('Wabi: Run test needs a test (use the Run lens above a test).');
      return runs.runTest(ref.path, ref.name);
    }),
    vscode.commands.registerCommand('wabi.showImages', (ref?: TestRef) => {
      if (!gallery) return vscode.window.showErrorMessage('Wabi: the image gallery could not start; the Wabi output says why.');
      if (ref?.path && ref.name) gallery.show([testId(ref.path, ref.name)], ref.name);
      else gallery.show();
    }),
    vscode.commands.registerCommand('wabi.setApiKey', () => setApiKey(context.secrets, (line) => log.line(line))),
  );

  // Results of earlier sessions: the gallery, the diagnostics and the lenses show them again after a reload.
  await tree.discover();
  try {
    const stored = await lc.sendRequest<LastResultsResult>(LAST_RESULTS, {} satisfies LastResultsParams);
    results.restore(stored.tests);
    for (const s of stored.tests) diagnostics.set(s.last, tree.item(s.id)?.range ?? ResultDiagnostics.blockOf(s.last));
  } catch (e) {
    log.line(`reading the last results failed: ${e instanceof Error ? e.message : String(e)}`);
  }
  const activationMs = Date.now() - started;
  log.line(`activated in ${activationMs} ms (language server started, tests discovered, last results restored)`);
  return { runs, tree, results, diagnostics, activationMs };
}

function startGallery(context: vscode.ExtensionContext, results: ResultsModel, log: RunLog): ReturnType<typeof registerGallery> | undefined {
  try {
    return registerGallery(context, results);
  } catch (e) {
    log.line(`the image gallery could not start: ${e instanceof Error ? e.message : String(e)}`);
    return undefined;
  }
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
