// The extension's settings, typed: what the server pulls with `workspace/configuration` (section `wabi` or
// `wabi.run`) and what the client itself reads. Invalid values fall back to the defaults package.json declares.
import * as path from 'node:path';
import * as vscode from 'vscode';

export const PROVIDERS = ['auto', 'cuda', 'webgpu', 'cpu'] as const;
export type Provider = (typeof PROVIDERS)[number];

export interface RunSettings {
  readonly provider: Provider;
  /** 0: the runner chooses (2, or as many as the largest generator pool serves at once). */
  readonly concurrency: number;
  /** As set; empty means `<workspace>/.wabi/cache` (the server resolves it). */
  readonly cacheDirectory: string;
}

export function runSettings(scope?: vscode.ConfigurationScope): RunSettings {
  const c = vscode.workspace.getConfiguration('wabi.run', scope);
  const provider = c.get<string>('provider');
  const concurrency = c.get<number>('concurrency');
  const cacheDirectory = c.get<string>('cacheDirectory');
  return {
    provider: PROVIDERS.includes(provider as Provider) ? (provider as Provider) : 'auto',
    concurrency: Number.isInteger(concurrency) && concurrency! >= 0 && concurrency! <= 64 ? concurrency! : 0,
    cacheDirectory: typeof cacheDirectory === 'string' ? cacheDirectory.trim() : '',
  };
}

/** The run cache's folder of a workspace folder, as the server resolves it (without $WABI_CACHE_DIR). */
export function cacheFolder(folder: vscode.WorkspaceFolder): string {
  return path.resolve(folder.uri.fsPath, runSettings(folder).cacheDirectory || path.join('.wabi', 'cache'));
}

const SEVERITIES: Readonly<Record<string, vscode.DiagnosticSeverity>> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  information: vscode.DiagnosticSeverity.Information,
  hint: vscode.DiagnosticSeverity.Hint,
};

export function resultSeverity(scope?: vscode.ConfigurationScope): vscode.DiagnosticSeverity {
  return SEVERITIES[vscode.workspace.getConfiguration('wabi.results', scope).get<string>('severity') ?? ''] ?? vscode.DiagnosticSeverity.Warning;
}

export function codeLensEnabled(scope?: vscode.ConfigurationScope): boolean {
  return vscode.workspace.getConfiguration('wabi.codeLens', scope).get<boolean>('enabled') !== false;
}

/**
 * The answer to one `workspace/configuration` item: for `wabi.run`, the typed run settings, so the server gets
 * valid values whatever the user typed; any other section as VS Code holds it.
 */
export function configurationFor(section: string | undefined, scope: vscode.ConfigurationScope | undefined): unknown {
  if (section === 'wabi.run') return runSettings(scope);
  if (section === 'wabi') {
    const all = vscode.workspace.getConfiguration('wabi', scope);
    return { ...JSON.parse(JSON.stringify(all)), run: runSettings(scope) };
  }
  return undefined;
}
