// The image gallery: one webview panel (viewType `wabi.gallery`) that shows, per test, the anti-aesthetic images
// beside their baselines (and an edit's input), trait bars with each expectation's threshold, judge scores, the
// verdict and its reasons; live while a run is in progress, restored after a window reload.
//
// The page (media/gallery/gallery.js) gets its data only by postMessage, after it posts `ready`, and builds the DOM
// with textContent. It may read media/gallery and the folders `source.roots()` names, nothing else: an image
// outside them gets a placeholder saying why.
import { promises as fs } from 'node:fs';
import * as vscode from 'vscode';
import type { TestResult } from '../../../server/src/runner/results';
import {
  buildCard,
  imageFiles,
  makeNonce,
  pageHtml,
  sanitizeState,
  unavailableReason,
  type EntryData,
  type Filters,
  type FromPage,
  type ImageSource,
  type ToPage,
} from './model';

export interface GalleryEntry {
  readonly id: string; // `${specPath}#${testName}`
  readonly last?: TestResult; // the latest finished result
  readonly previous?: TestResult; // the one before (for "compare with the previous run")
  readonly live?: {
    readonly images: ReadonlyArray<{ seed: number; role: 'prompt' | 'baseline' | 'input'; file: string; traits?: Record<string, number> }>;
  }; // the running test's images so far
}

export interface GallerySource {
  entries(ids?: readonly string[]): GalleryEntry[]; // undefined = all known tests
  readonly onDidChange: vscode.Event<readonly string[]>; // ids whose entry changed (live updates during a run)
  roots(): vscode.Uri[]; // folders images may come from: the result cache, workspace folders
}

/** What `wabi.galleryState` returns: whether the panel is open, and the page's latest image report. */
export interface GalleryState {
  readonly open: boolean;
  /** Cards the page shows (after its filters), as of its latest report. */
  readonly cards: number;
  /** Images that rendered (naturalWidth > 0) and that failed, as of the latest report. */
  readonly report?: { readonly loaded: number; readonly failed: number };
  /** How many reports the page has sent: a test waits for this to grow after a change. */
  readonly reports: number;
}

export const VIEW_TYPE = 'wabi.gallery';
const STATE_COMMAND = 'wabi.galleryState';
/** Live events come per image; cards are rebuilt at most this often. */
const UPDATE_DELAY_MS = 150;

function defaultTitle(ids: readonly string[] | undefined): string {
  if (!ids) return 'Wabi: all images';
  if (ids.length === 1) {
    const name = ids[0].slice(ids[0].lastIndexOf('.wabi#') >= 0 ? ids[0].lastIndexOf('.wabi#') + 6 : ids[0].indexOf('#') + 1);
    return `Wabi: ${name}`;
  }
  return `Wabi: ${ids.length} tests`;
}

class Gallery implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private panelDisposables: vscode.Disposable[] = [];
  private ready = false;
  private ids: readonly string[] | undefined;
  private title = defaultTitle(undefined);
  private filters: Filters | undefined;
  private rootsKey = '';
  private renderSeq = 0;
  private pendingIds = new Set<string>();
  private updateTimer: ReturnType<typeof setTimeout> | undefined;
  private report: { loaded: number; failed: number } | undefined;
  private cardsShown = 0;
  private reports = 0;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly source: GallerySource,
  ) {}

  private get mediaRoot(): vscode.Uri {
    return vscode.Uri.joinPath(this.context.extensionUri, 'media', 'gallery');
  }

  private options(): vscode.WebviewOptions & vscode.WebviewPanelOptions {
    const roots = [this.mediaRoot, ...this.safeRoots()];
    this.rootsKey = JSON.stringify(roots.map((r) => r.toString()));
    return { enableScripts: true, enableCommandUris: false, localResourceRoots: roots, enableFindWidget: true };
  }

  private safeRoots(): vscode.Uri[] {
    try {
      return this.source.roots().filter((r) => r.scheme === 'file');
    } catch {
      return [];
    }
  }

  show(ids?: readonly string[], title?: string): void {
    this.ids = ids ? [...ids] : undefined;
    this.title = title ?? defaultTitle(this.ids);
    if (this.panel) {
      try {
        this.panel.title = this.title;
        this.refreshOptions();
        this.panel.reveal(undefined, false);
        if (this.ready) void this.render();
        return;
      } catch {
        // Disposed under us: make a new one.
        this.detach();
      }
    }
    const panel = vscode.window.createWebviewPanel(VIEW_TYPE, this.title, { viewColumn: vscode.ViewColumn.Active, preserveFocus: false }, this.options());
    this.attach(panel);
  }

  /** After a window reload: the page's saved `{ids, title, filters}`; the data is read from `source` again. */
  restore(panel: vscode.WebviewPanel, state: unknown): void {
    if (this.panel && this.panel !== panel) {
      // One gallery at a time: keep the open one.
      try {
        panel.dispose();
      } catch {
        // already gone
      }
      return;
    }
    const s = sanitizeState(state);
    this.ids = s.ids;
    this.title = s.title ?? defaultTitle(s.ids);
    this.filters = s.filters;
    try {
      panel.title = this.title;
      panel.webview.options = this.options();
      this.attach(panel);
    } catch {
      // The panel was disposed before we got to it (it happens across reloads); nothing to restore.
      this.detach();
    }
  }

  private attach(panel: vscode.WebviewPanel): void {
    this.detach();
    this.panel = panel;
    this.ready = false;
    this.panelDisposables = [
      panel.onDidDispose(() => {
        if (this.panel === panel) this.detach(false);
      }),
      panel.webview.onDidReceiveMessage((m: unknown) => this.onMessage(panel, m)),
    ];
    this.setHtml(panel);
  }

  private setHtml(panel: vscode.WebviewPanel): void {
    const webview = panel.webview;
    const media = (f: string) => webview.asWebviewUri(vscode.Uri.joinPath(this.mediaRoot, f)).toString();
    webview.html = pageHtml({ cspSource: webview.cspSource, nonce: makeNonce(), scriptUri: media('gallery.js'), styleUri: media('gallery.css') });
  }

  private detach(dispose = true): void {
    const panel = this.panel;
    this.panel = undefined;
    this.ready = false;
    for (const d of this.panelDisposables) d.dispose();
    this.panelDisposables = [];
    if (this.updateTimer) clearTimeout(this.updateTimer);
    this.updateTimer = undefined;
    this.pendingIds.clear();
    this.report = undefined;
    this.cardsShown = 0;
    if (dispose && panel) {
      try {
        panel.dispose();
      } catch {
        // already disposed
      }
    }
  }

  /** Roots can change (a new cache folder, a workspace folder added): re-set them only when they did. */
  private refreshOptions(): void {
    if (!this.panel) return;
    const before = this.rootsKey;
    const opts = this.options();
    if (this.rootsKey !== before) this.panel.webview.options = opts;
  }

  private onMessage(panel: vscode.WebviewPanel, raw: unknown): void {
    if (panel !== this.panel || !raw || typeof raw !== 'object') return;
    const m = raw as FromPage;
    switch (m.type) {
      case 'ready': {
        this.ready = true;
        const saved = sanitizeState(m.state);
        if (saved.filters) this.filters = saved.filters;
        void this.render();
        break;
      }
      case 'images':
        if (typeof m.loaded === 'number' && typeof m.failed === 'number') {
          this.report = { loaded: m.loaded, failed: m.failed };
          this.cardsShown = typeof m.cards === 'number' ? m.cards : 0;
          this.reports++;
        }
        break;
      case 'open':
        if (typeof m.id === 'string') void this.openSpec(m.id);
        break;
    }
  }

  private async openSpec(id: string): Promise<void> {
    // Only a test the source knows: the page names an id, never a path.
    const entry = this.entries([id])[0];
    const test = entry?.last ?? entry?.previous;
    if (!test) return;
    const pos = new vscode.Position(Math.max(0, test.line), 0);
    try {
      await vscode.window.showTextDocument(vscode.Uri.file(test.spec), { selection: new vscode.Range(pos, pos), viewColumn: vscode.ViewColumn.One });
    } catch (err) {
      void vscode.window.showWarningMessage(`Wabi: cannot open ${test.spec}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private entries(ids?: readonly string[]): GalleryEntry[] {
    try {
      return this.source.entries(ids);
    } catch {
      return [];
    }
  }

  /** Webview URIs for the files, or why each cannot be shown (outside the roots, missing, not a file). */
  private async resolver(panel: vscode.WebviewPanel, entries: readonly EntryData[]): Promise<(file: string) => ImageSource> {
    const roots = this.safeRoots().map((r) => r.fsPath);
    const map = new Map<string, ImageSource>();
    await Promise.all(
      imageFiles(entries).map(async (file) => {
        const why = unavailableReason(file, roots);
        if (why) return map.set(file, { unavailable: why });
        try {
          const st = await fs.stat(file);
          if (!st.isFile()) return map.set(file, { unavailable: `not a file: ${file}` });
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          return map.set(file, { unavailable: code === 'ENOENT' ? `file not found: ${file}` : `cannot read ${file} (${code ?? String(err)})` });
        }
        map.set(file, { src: panel.webview.asWebviewUri(vscode.Uri.file(file)).toString() });
      }),
    );
    return (file) => map.get(file) ?? { unavailable: 'not checked' };
  }

  private async cards(panel: vscode.WebviewPanel, entries: readonly GalleryEntry[]) {
    const resolve = await this.resolver(panel, entries);
    const displayPath = (file: string) => vscode.workspace.asRelativePath(file, true);
    return entries.map((e) => buildCard(e, { resolve, displayPath }));
  }

  private post(panel: vscode.WebviewPanel, message: ToPage): void {
    if (panel !== this.panel) return;
    panel.webview.postMessage(message).then(undefined, () => {
      // Disposed between the check and the post: nothing to show it to.
    });
  }

  private async render(): Promise<void> {
    const panel = this.panel;
    if (!panel || !this.ready) return;
    const seq = ++this.renderSeq;
    this.pendingIds.clear();
    try {
      this.refreshOptions();
      const cards = await this.cards(panel, this.entries(this.ids));
      if (seq !== this.renderSeq) return;
      this.post(panel, { type: 'render', title: this.title, ...(this.ids ? { ids: this.ids } : {}), cards, ...(this.filters ? { filters: this.filters } : {}) });
    } catch {
      // The panel went away mid-render.
    }
  }

  /** Live updates: the ids whose entries changed; cards of the shown ones are rebuilt and sent, a few per second. */
  changed(ids: readonly string[]): void {
    // A hidden panel's page is torn down (no retainContextWhenHidden); it posts `ready` when shown again and gets
    // a full render then.
    if (!this.panel || !this.ready || !this.isVisible()) return;
    const shown = this.ids ? new Set(this.ids) : undefined;
    for (const id of ids) if (!shown || shown.has(id)) this.pendingIds.add(id);
    if (this.pendingIds.size === 0 || this.updateTimer) return;
    this.updateTimer = setTimeout(() => {
      this.updateTimer = undefined;
      void this.flush();
    }, UPDATE_DELAY_MS);
  }

  private isVisible(): boolean {
    try {
      return this.panel?.visible ?? false;
    } catch {
      return false;
    }
  }

  private async flush(): Promise<void> {
    const panel = this.panel;
    if (!panel || !this.ready || this.pendingIds.size === 0) return;
    const ids = [...this.pendingIds];
    this.pendingIds.clear();
    const seq = this.renderSeq;
    try {
      this.refreshOptions();
      const cards = await this.cards(panel, this.entries(ids));
      if (seq !== this.renderSeq) return; // a full render started meanwhile and has them all
      this.post(panel, { type: 'update', cards });
    } catch {
      // The panel went away mid-update.
    }
  }

  state(): GalleryState {
    return { open: this.panel !== undefined, cards: this.cardsShown, ...(this.report ? { report: { ...this.report } } : {}), reports: this.reports };
  }

  dispose(): void {
    this.detach();
  }
}

/**
 * Registers the gallery's panel serializer (restore after a reload) and the `wabi.galleryState` command, and
 * returns `show`: open (or reveal) the gallery on some tests (`${specPath}#${testName}` ids; all when undefined).
 */
export function registerGallery(context: vscode.ExtensionContext, source: GallerySource): { show(ids?: readonly string[], title?: string): void } {
  const gallery = new Gallery(context, source);
  context.subscriptions.push(
    gallery,
    vscode.window.registerWebviewPanelSerializer(VIEW_TYPE, {
      deserializeWebviewPanel: async (panel: vscode.WebviewPanel, state: unknown) => gallery.restore(panel, state),
    }),
    vscode.commands.registerCommand(STATE_COMMAND, (): GalleryState => gallery.state()),
    source.onDidChange((ids) => gallery.changed(ids)),
  );
  return { show: (ids, title) => gallery.show(ids, title) };
}
