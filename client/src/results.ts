// The client's memory of results: per test id its last and previous TestResult (from `wabi/lastResults` at start,
// then from each `test-finished`), and the images of a test while it runs (from `image-generated` and
// `image-scored`). The gallery reads it as its GallerySource; the Test Explorer and the result diagnostics are fed
// from the same events, so everything shows the same run.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { testId, type StoredResult } from '../../server/src/lsp/protocol';
import type { ImageRole, TestResult } from '../../server/src/runner/results';
import type { GalleryEntry, GallerySource } from './gallery/index';

type LiveImage = { seed: number; role: ImageRole; file: string; traits?: Record<string, number> };

interface Held {
  last?: TestResult;
  previous?: TestResult;
  live?: LiveImage[];
}

export class ResultsModel implements GallerySource, vscode.Disposable {
  private readonly held = new Map<string, Held>();
  private readonly changed = new vscode.EventEmitter<readonly string[]>();
  readonly onDidChange = this.changed.event;

  /** `cacheDirectory` gives the run cache's folder of a workspace folder, absolute or relative to it. */
  constructor(private readonly cacheDirectory: (folder: vscode.WorkspaceFolder) => string) {}

  /** Results stored by earlier sessions; a result this session already holds is newer and stays. */
  restore(stored: readonly StoredResult[]): void {
    const ids: string[] = [];
    for (const s of stored) {
      if (this.held.get(s.id)?.last) continue;
      this.held.set(s.id, { last: s.last, previous: s.previous });
      ids.push(s.id);
    }
    if (ids.length > 0) this.changed.fire(ids);
  }

  last(id: string): TestResult | undefined {
    return this.held.get(id)?.last;
  }

  /** A test started: its live images start empty. */
  started(id: string): void {
    this.entry(id).live = [];
    this.changed.fire([id]);
  }

  /** An image of a running test exists (generated) or has its scores (scored). */
  image(id: string, image: LiveImage): void {
    const e = this.entry(id);
    const live = (e.live ??= []);
    const at = live.findIndex((i) => i.seed === image.seed && i.role === image.role);
    if (at >= 0) live[at] = { ...live[at], ...image, traits: image.traits ?? live[at].traits };
    else live.push(image);
    this.changed.fire([id]);
  }

  /** A test finished: its result becomes the last one, the last one the previous; no images are live. */
  finished(result: TestResult): void {
    const id = testId(result.spec, result.name);
    const e = this.entry(id);
    if (e.last) e.previous = e.last;
    e.last = result;
    e.live = undefined;
    this.changed.fire([id]);
  }

  /** A run ended (also when cancelled): tests that never finished keep no live images. */
  runEnded(): void {
    const ids: string[] = [];
    for (const [id, e] of this.held) {
      if (e.live) {
        e.live = undefined;
        ids.push(id);
      }
    }
    if (ids.length > 0) this.changed.fire(ids);
  }

  entries(ids?: readonly string[]): GalleryEntry[] {
    const wanted = ids ?? [...this.held.keys()];
    return wanted.flatMap((id) => {
      const e = this.held.get(id);
      if (!e) return [];
      return [{ id, last: e.last, previous: e.previous, live: e.live && { images: [...e.live] } }];
    });
  }

  roots(): vscode.Uri[] {
    const folders = vscode.workspace.workspaceFolders ?? [];
    const out = new Map<string, vscode.Uri>();
    for (const f of folders) {
      out.set(f.uri.toString(), f.uri);
      const cache = vscode.Uri.file(path.resolve(f.uri.fsPath, this.cacheDirectory(f)));
      out.set(cache.toString(), cache);
    }
    return [...out.values()];
  }

  dispose(): void {
    this.changed.dispose();
  }

  private entry(id: string): Held {
    let e = this.held.get(id);
    if (!e) this.held.set(id, (e = {}));
    return e;
  }
}
