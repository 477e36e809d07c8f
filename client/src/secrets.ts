// API keys: "Wabi: Set API key" stores a key in VS Code's SecretStorage under its variable name, and the server's
// `wabi/secret` request is answered from there when a backend needs a key the environment lacks. Keys never go
// into settings or logs; where SecretStorage fails (Linux without a keyring) the answer is empty and the log says
// why, so the server reports the missing key.
import * as vscode from 'vscode';
import type { SecretParams, SecretResult } from '../../server/src/lsp/protocol';

const DEFAULT_NAME = 'OPENAI_API_KEY';
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export async function setApiKey(secrets: vscode.SecretStorage, log: (line: string) => void): Promise<void> {
  const name = await vscode.window.showInputBox({
    title: 'Wabi: Set API key',
    prompt: 'The environment variable the backend reads the key from',
    value: DEFAULT_NAME,
    validateInput: (v) => (NAME.test(v.trim()) ? undefined : 'A variable name: letters, digits and underscores'),
  });
  if (!name) return;
  const value = await vscode.window.showInputBox({ title: `Wabi: ${name.trim()}`, prompt: `The value of ${name.trim()}`, password: true, ignoreFocusOut: true });
  if (!value) return;
  try {
    await secrets.store(name.trim(), value);
    log(`stored the key ${name.trim()} in VS Code's secret storage`);
    void vscode.window.showInformationMessage(`Wabi: ${name.trim()} is stored; runs use it when the environment has none.`);
  } catch (e) {
    log(`could not store ${name.trim()}: ${reason(e)}`);
    void vscode.window.showErrorMessage(`Wabi could not store ${name.trim()} (${reason(e)}). Set it in the environment VS Code starts from instead.`);
  }
}

/** Keys this session handed to the server: masked wherever a trace would show them. */
const handedOut = new Set<string>();

/** `text` with every key handed to the server replaced, as written and as JSON escapes it. */
export function maskSecrets(text: string): string {
  let out = text;
  for (const value of handedOut) {
    for (const form of new Set([value, JSON.stringify(value).slice(1, -1)])) out = out.split(form).join('«secret»');
  }
  return out;
}

/** The answer to `wabi/secret`: the stored key, or nothing. */
export async function answerSecret(secrets: vscode.SecretStorage, p: SecretParams, log: (line: string) => void): Promise<SecretResult> {
  try {
    const value = await secrets.get(p.name);
    if (value) handedOut.add(value);
    log(value === undefined ? `the server asked for ${p.name}; none is stored (Wabi: Set API key)` : `the server asked for ${p.name}; answered from secret storage`);
    return value === undefined ? {} : { value };
  } catch (e) {
    log(`the server asked for ${p.name}, but secret storage failed (${reason(e)}); on Linux it needs a keyring such as gnome-keyring`);
    return {};
  }
}

function reason(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
