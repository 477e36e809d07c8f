// The Test Explorer's tree: spec file > test > seed, as `wabi/discoverTests` reports it (ids `path#name`, seeds
// `path#name#seed=N`), every item with a range so the gutter shows run buttons. Kept in step with the specs: a
// `.wabi` file created, changed or deleted on disk, or edited in an open editor (debounced), is discovered again
// on its own; nothing else is asked again.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { BaseLanguageClient } from 'vscode-languageclient';
import { DISCOVER_TESTS, type DiscoveredFile, type DiscoveredTest, type DiscoverTestsParams, type DiscoverTestsResult } from '../../server/src/lsp/protocol';
import { toRange } from './testMessages';

export type ItemData =
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'test'; readonly path: string; readonly test: DiscoveredTest }
  | { readonly kind: 'seed'; readonly path: string; readonly test: DiscoveredTest; readonly seed: number };

const EDIT_DEBOUNCE_MS = 300;

export function seedId(testId: string, seed: number): string {
  return `${testId}#seed=${seed}`;
}

export class TestTree implements vscode.Disposable {
  readonly controller = vscode.tests.createTestController('wabi', 'Wabi');
  private readonly data = new WeakMap<vscode.TestItem, ItemData>();
  private readonly pendingEdits = new Map<string, NodeJS.Timeout>();
  private readonly subscriptions: vscode.Disposable[] = [];
  private readonly changed = new vscode.EventEmitter<string>();
  /** Fires with a spec's path after its items were discovered again. */
  readonly onDidDiscover = this.changed.event;

  constructor(private readonly client: BaseLanguageClient, private readonly log: (line: string) => void) {
    this.controller.refreshHandler = async () => {
      this.controller.items.replace([]);
      await this.discover();
    };
    const watcher = vscode.workspace.createFileSystemWatcher('**/*.wabi');
    this.subscriptions.push(
      this.controller,
      this.changed,
      watcher,
      watcher.onDidCreate((uri) => void this.discover([uri.fsPath])),
      watcher.onDidChange((uri) => void this.discover([uri.fsPath])),
      watcher.onDidDelete((uri) => this.controller.items.delete(uri.fsPath)),
      vscode.workspace.onDidChangeTextDocument((e) => this.edited(e)),
    );
  }

  dataOf(item: vscode.TestItem): ItemData | undefined {
    return this.data.get(item);
  }

  /** The item of a test, `path#name`, or of one of its seeds. */
  item(id: string): vscode.TestItem | undefined {
    const [file] = id.split('#', 1);
    const fileItem = this.controller.items.get(file);
    if (!fileItem) return undefined;
    const seed = /^(.*)#seed=(\d+)$/.exec(id);
    const testItem = fileItem.children.get(seed ? seed[1] : id);
    return seed ? testItem?.children.get(id) : testItem;
  }

  /** Discovers some specs again (all under the workspace folders when `files` is absent) and updates their items. */
  async discover(files?: readonly string[]): Promise<void> {
    let result: DiscoverTestsResult;
    try {
      result = await this.client.sendRequest<DiscoverTestsResult>(DISCOVER_TESTS, { files } satisfies DiscoverTestsParams);
    } catch (e) {
      this.log(`discovering tests failed: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    const seen = new Set<string>();
    for (const file of result.files) {
      seen.add(file.path);
      this.update(file);
    }
    // A file asked for that the server no longer reports (deleted, or no longer a spec) goes.
    for (const f of files ?? []) if (!seen.has(f)) this.controller.items.delete(f);
    if (!files) {
      const gone: string[] = [];
      this.controller.items.forEach((i) => void (seen.has(i.id) || gone.push(i.id)));
      for (const id of gone) this.controller.items.delete(id);
    }
    for (const f of seen) this.changed.fire(f);
  }

  private update(file: DiscoveredFile): void {
    if (file.tests.length === 0 && file.errors === 0) {
      // Shared generators and the like: nothing to run.
      this.controller.items.delete(file.path);
      return;
    }
    const uri = vscode.Uri.file(file.path);
    let fileItem = this.controller.items.get(file.path);
    if (!fileItem) {
      const folder = vscode.workspace.getWorkspaceFolder(uri);
      fileItem = this.controller.createTestItem(file.path, folder ? path.relative(folder.uri.fsPath, file.path) : path.basename(file.path), uri);
      this.controller.items.add(fileItem);
    }
    fileItem.range = new vscode.Range(0, 0, 0, 0);
    fileItem.error = file.errors > 0 ? `${file.errors} error${file.errors === 1 ? '' : 's'} in the spec: it cannot run until ${file.errors === 1 ? 'it is' : 'they are'} fixed` : undefined;
    this.data.set(fileItem, { kind: 'file', path: file.path });

    fileItem.children.replace(
      file.tests.map((test) => {
        const item = fileItem.children.get(test.id) ?? this.controller.createTestItem(test.id, test.name, uri);
        item.range = toRange(test.range);
        item.description = `${test.requiredSeeds} of ${test.seeds.length} ${test.images ? 'images' : 'seeds'}`;
        this.data.set(item, { kind: 'test', path: file.path, test });
        item.children.replace(
          test.seeds.map((seed) => {
            const id = seedId(test.id, seed);
            const s = item.children.get(id) ?? this.controller.createTestItem(id, test.images ? `image ${seed}` : `seed ${seed}`, uri);
            s.range = toRange(test.headerRange);
            this.data.set(s, { kind: 'seed', path: file.path, test, seed });
            return s;
          }),
        );
        return item;
      }),
    );
  }

  private edited(e: vscode.TextDocumentChangeEvent): void {
    if (e.document.languageId !== 'wabi' || e.document.uri.scheme !== 'file' || e.contentChanges.length === 0) return;
    const file = e.document.uri.fsPath;
    clearTimeout(this.pendingEdits.get(file));
    this.pendingEdits.set(
      file,
      setTimeout(() => {
        this.pendingEdits.delete(file);
        void this.discover([file]);
      }, EDIT_DEBOUNCE_MS),
    );
  }

  dispose(): void {
    for (const t of this.pendingEdits.values()) clearTimeout(t);
    for (const s of this.subscriptions) s.dispose();
  }
}
