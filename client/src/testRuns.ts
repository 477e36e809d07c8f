// Running tests from the Test Explorer: the run profiles ("Run", continuous on save, and "Run, regenerate
// images"), the mapping of a request's items to `wabi/runTests` selections, and of the run's `wabi/runEvent`s to
// the TestRun: enqueued, started, passed/failed/errored per test and per seed, with messages that say what was
// asked and what came back. Every TestRun ends, whatever happens to the request.
import * as vscode from 'vscode';
import type { BaseLanguageClient } from 'vscode-languageclient';
import type { SessionEvent } from '../../server/src/engine/runSession';
import {
  CANCEL_RUN,
  RUN_EVENT,
  RUN_TESTS,
  testId,
  type RunEventParams,
  type RunSelection,
  type RunTestsParams,
  type RunTestsResult,
} from '../../server/src/lsp/protocol';
import type { TestResult } from '../../server/src/runner/results';
import { ResultDiagnostics } from './resultDiagnostics';
import { refreshCodeLenses } from './languageClient';
import type { ResultsModel } from './results';
import type { RunLog } from './runLog';
import { seedPassed, testMessages, toRange, VERDICT_WORDS } from './testMessages';
import type { TestTree } from './testTree';

export const UNTRUSTED_MESSAGE = 'Wabi runs nothing in an untrusted workspace: trust it to run tests.';
const PROFILE_LABELS = ['Run', 'Run, regenerate images'] as const;

interface Continuous {
  readonly request: vscode.TestRunRequest;
  readonly profile: vscode.TestRunProfile;
  readonly token: vscode.CancellationToken;
}

export class TestRuns implements vscode.Disposable {
  private readonly listeners = new Map<string, (e: SessionEvent) => void>();
  private readonly continuous = new Set<Continuous>();
  private readonly subscriptions: vscode.Disposable[] = [];
  private profiles: vscode.TestRunProfile[] = [];
  private nextRun = 1;

  constructor(
    private readonly client: BaseLanguageClient,
    private readonly tree: TestTree,
    private readonly results: ResultsModel,
    private readonly diagnostics: ResultDiagnostics,
    private readonly log: RunLog,
  ) {
    this.subscriptions.push(
      client.onNotification(RUN_EVENT, (p: RunEventParams) => this.listeners.get(p.runId)?.(p.event)),
      vscode.workspace.onDidSaveTextDocument((doc) => this.saved(doc)),
    );
  }

  /**
   * Creates the run profiles: "Run" (the default, continuous on save) and "Run, regenerate images". They exist in
   * an untrusted workspace too, so the Test Explorer can say why nothing runs: their labels say it, and a run
   * marks every requested test errored with the reason (the server refuses as well). Granting trust relabels them;
   * no reload is needed.
   */
  createProfiles(): void {
    if (this.profiles.length > 0) return;
    const { controller } = this.tree;
    const handler = (regenerate: boolean) => (request: vscode.TestRunRequest, token: vscode.CancellationToken) => {
      if (request.continuous) {
        if (!this.trusted) return this.refuse(request);
        const entry: Continuous = { request, profile: request.profile!, token };
        this.continuous.add(entry);
        token.onCancellationRequested(() => this.continuous.delete(entry));
        return;
      }
      return this.run(request, token, regenerate);
    };
    this.profiles = [
      controller.createRunProfile(PROFILE_LABELS[0], vscode.TestRunProfileKind.Run, handler(false), true, undefined, true),
      controller.createRunProfile(PROFILE_LABELS[1], vscode.TestRunProfileKind.Run, handler(true), false),
    ];
    this.trustChanged();
  }

  /** Labels the profiles for the workspace's trust: called at start and when trust is granted. */
  trustChanged(): void {
    this.profiles.forEach((p, i) => (p.label = this.trusted ? PROFILE_LABELS[i] : `${PROFILE_LABELS[i]} (needs a trusted workspace)`));
  }

  /** "Run" (the default, continuous on save) and "Run, regenerate images". */
  get runProfiles(): readonly vscode.TestRunProfile[] {
    return this.profiles;
  }

  get trusted(): boolean {
    return vscode.workspace.isTrusted;
  }

  /** An untrusted workspace's run: every requested test errored with the reason, and a way to grant trust. */
  private refuse(request: vscode.TestRunRequest): void {
    const run = this.tree.controller.createTestRun(request, 'Wabi (untrusted workspace)', false);
    for (const item of request.include ?? gather(this.tree.controller.items)) run.errored(item, new vscode.TestMessage(UNTRUSTED_MESSAGE));
    run.appendOutput(crlf(UNTRUSTED_MESSAGE + '\n'));
    run.end();
    this.log.line(UNTRUSTED_MESSAGE);
    void this.explainUntrusted();
  }

  private async explainUntrusted(): Promise<void> {
    const manage = 'Manage Workspace Trust';
    if ((await vscode.window.showWarningMessage(UNTRUSTED_MESSAGE, manage)) === manage) {
      await vscode.commands.executeCommand('workbench.trust.manage');
    }
  }

  /** Runs one test, as the CodeLens's "Run" asks (`wabi.runTest`). */
  async runTest(path: string, name: string): Promise<void> {
    if (!this.trusted) {
      void this.explainUntrusted(); // not awaited: the warning waits for a click
      return;
    }
    let item = this.tree.item(testId(path, name));
    if (!item) {
      await this.tree.discover([path]);
      item = this.tree.item(testId(path, name));
    }
    if (!item) {
      void vscode.window.showWarningMessage(`Wabi: no test "${name}" in ${path}.`);
      return;
    }
    const cts = new vscode.CancellationTokenSource();
    try {
      await this.run(new vscode.TestRunRequest([item], undefined, this.profiles[0]), cts.token, false);
    } finally {
      cts.dispose();
    }
  }

  async run(request: vscode.TestRunRequest, token: vscode.CancellationToken, regenerate: boolean): Promise<void> {
    if (!this.trusted) return this.refuse(request);
    const runId = `r-${Date.now().toString(36)}-${this.nextRun++}`;
    const run = this.tree.controller.createTestRun(request, regenerate ? 'Wabi (regenerate images)' : 'Wabi');
    // (testing.runAtCursor can name an item twice)
    const requested = [...new Map((request.include ?? gather(this.tree.controller.items)).map((i) => [i.id, i])).values()];
    const include = this.selections(requested, request.exclude ?? []);
    const state = new RunState(run, this.tree, include.leaves);
    let outcome: RunTestsResult | undefined;
    let failure: unknown;
    const onCancel = token.onCancellationRequested(() => void this.client.sendNotification(CANCEL_RUN, { runId }));
    this.listeners.set(runId, (e) => this.event(state, e));
    this.log.start(runId, describe(requested) + (regenerate ? ', regenerating images' : ''));
    try {
      for (const item of include.leaves) run.enqueued(item);
      const params: RunTestsParams = { runId, include: request.include || request.exclude?.length ? include.selections : undefined, regenerate };
      try {
        outcome = await this.client.sendRequest<RunTestsResult>(RUN_TESTS, params, token);
      } catch (e) {
        // A cancelled request may come back as an error instead of the run's outcome; the events already told.
        if (!token.isCancellationRequested) throw e;
      }
      this.outcome(state, requested, outcome);
    } catch (e) {
      failure = e;
      const message = `The run failed: ${e instanceof Error ? e.message : String(e)}`;
      for (const item of requested) run.errored(item, new vscode.TestMessage(message));
      run.appendOutput(crlf(message + '\n'));
    } finally {
      onCancel.dispose();
      this.listeners.delete(runId);
      state.skipUnfinished();
      this.results.runEnded();
      this.log.end(runId, outcome, failure);
      run.end();
      refreshCodeLenses(this.client);
    }
  }

  /**
   * The request as selections: whole files, tests and seeds as picked. With exclusions, each picked item is split
   * into what remains of it (a file into its tests, a test into its seeds).
   */
  private selections(include: readonly vscode.TestItem[], exclude: readonly vscode.TestItem[]): { selections: RunSelection[]; leaves: vscode.TestItem[] } {
    const excluded = new Set(exclude.map((i) => i.id));
    const selections: RunSelection[] = [];
    const leaves: vscode.TestItem[] = [];
    const visit = (item: vscode.TestItem) => {
      if (excluded.has(item.id)) return;
      const d = this.tree.dataOf(item);
      if (!d) return;
      const children = gather(item.children);
      const whole = !children.some((c) => excluded.has(c.id) || gather(c.children).some((g) => excluded.has(g.id)));
      if (d.kind === 'seed') {
        selections.push({ path: d.path, name: d.test.name, seed: d.seed });
        leaves.push(item);
      } else if (d.kind === 'test' && whole) {
        selections.push({ path: d.path, name: d.test.name });
        leaves.push(item, ...children);
      } else if (d.kind === 'file' && whole) {
        selections.push({ path: d.path });
        for (const t of children) leaves.push(t, ...gather(t.children));
      } else {
        children.forEach(visit);
        // A test split into seeds still shows its own state.
        if (d.kind === 'test' && children.some((c) => !excluded.has(c.id))) leaves.push(item);
      }
    };
    include.forEach(visit);
    return { selections, leaves };
  }

  private event(state: RunState, e: SessionEvent): void {
    this.log.event(e);
    switch (e.type) {
      case 'test-started': {
        const id = testId(e.spec, e.test);
        this.results.started(id);
        state.started(id);
        return;
      }
      case 'image-generated':
      case 'image-scored':
        this.results.image(testId(e.spec, e.test), {
          seed: e.seed,
          role: e.role,
          file: e.file,
          ...(e.type === 'image-scored' ? { traits: { ...e.traits } } : {}),
        });
        return;
      case 'test-finished': {
        const item = this.tree.item(testId(e.result.spec, e.result.name));
        this.results.finished(e.result);
        this.diagnostics.set(e.result, item?.range ?? ResultDiagnostics.blockOf(e.result));
        state.finished(e.result);
        return;
      }
      default:
        return;
    }
  }

  /** What the request's answer adds: why nothing ran, located where it can be. */
  private outcome(state: RunState, requested: readonly vscode.TestItem[], outcome: RunTestsResult | undefined): void {
    const { run } = state;
    if (!outcome) return;
    switch (outcome.status) {
      case 'spec-errors':
        for (const item of requested) {
          const messages = outcome.errors
            .filter((x) => x.file === item.uri?.fsPath)
            .map((x) => {
              const m = new vscode.TestMessage(`spec error: ${x.diagnostic.message}`);
              m.location = new vscode.Location(vscode.Uri.file(x.file), toRange(x.diagnostic.range));
              return m;
            });
          const others = outcome.errors.filter((x) => x.file !== item.uri?.fsPath).map((x) => `${x.file}:${x.diagnostic.range.start.line + 1}: ${x.diagnostic.message}`);
          if (others.length > 0) messages.push(new vscode.TestMessage(`The run stopped on errors in other specs:\n${others.join('\n')}`));
          run.errored(item, messages.length > 0 ? messages : new vscode.TestMessage('The run stopped on spec errors.'));
        }
        state.markHandled(requested);
        return;
      case 'no-tests':
        for (const item of requested) run.errored(item, new vscode.TestMessage(outcome.filtered ? 'No test matched this selection (was it renamed?).' : 'The specs hold no tests.'));
        state.markHandled(requested);
        return;
      case 'refused':
        for (const item of requested) run.errored(item, new vscode.TestMessage(outcome.reason));
        run.appendOutput(crlf(outcome.reason + '\n'));
        state.markHandled(requested);
        return;
      case 'cancelled':
      case 'ran':
        return;
    }
  }

  /** On save of a spec, reruns what continuous runs watch of it. */
  private saved(doc: vscode.TextDocument): void {
    if (doc.languageId !== 'wabi' || this.continuous.size === 0) return;
    const file = doc.uri.fsPath;
    // Discover first, so the rerun sees the saved tests' items (a renamed test, a new seed).
    void this.tree.discover([file]).then(() => {
      const fileItem = this.tree.controller.items.get(file);
      if (!fileItem) return;
      for (const c of this.continuous) {
        if (c.token.isCancellationRequested) continue;
        const include = c.request.include
          ? c.request.include.filter((i) => i.uri?.fsPath === file).map((i) => this.tree.item(i.id) ?? i)
          : [fileItem];
        if (include.length === 0) continue;
        const regenerate = c.profile !== this.profiles[0];
        void this.run(new vscode.TestRunRequest(include, c.request.exclude, c.profile, true), c.token, regenerate);
      }
    });
  }

  dispose(): void {
    for (const p of this.profiles) p.dispose();
    for (const s of this.subscriptions) s.dispose();
  }
}

/** One TestRun's items, by test id, and which of them have an outcome. */
class RunState {
  private readonly handled = new Set<vscode.TestItem>();

  constructor(
    readonly run: vscode.TestRun,
    private readonly tree: TestTree,
    private readonly leaves: readonly vscode.TestItem[],
  ) {}

  private inRun(id: string): { test?: vscode.TestItem; seeds: vscode.TestItem[] } {
    const test = this.tree.item(id);
    return {
      test: test && this.leaves.includes(test) ? test : undefined,
      seeds: this.leaves.filter((l) => l.parent?.id === id),
    };
  }

  started(id: string): void {
    const { test, seeds } = this.inRun(id);
    if (test) this.run.started(test);
    for (const s of seeds) this.run.started(s);
  }

  finished(result: TestResult): void {
    const id = testId(result.spec, result.name);
    const { test, seeds } = this.inRun(id);
    const uri = vscode.Uri.file(result.spec);
    const summary = `${VERDICT_WORDS[result.verdict]}: ${result.name} (${result.passRate.passed}/${result.passRate.total} seeds, ${result.passRate.required} required)`;
    const lines = [summary, ...result.reasons.map((r) => `  ${r}`)].join('\n') + '\n';
    const at = new vscode.Location(uri, new vscode.Position(result.line, 0));
    if (test) {
      this.run.appendOutput(crlf(lines), at, test);
      this.mark(test, result, testMessages(result, uri));
    }
    for (const s of seeds) {
      const seed = Number(/#seed=(\d+)$/.exec(s.id)?.[1]);
      const passed = seedPassed(result, seed);
      if (result.verdict === 'error' && passed === undefined) this.mark(s, result, testMessages(result, uri));
      else if (passed === undefined) {
        this.run.skipped(s);
        this.handled.add(s);
      } else if (passed) {
        this.run.passed(s);
        this.handled.add(s);
      } else this.mark(s, { ...result, verdict: result.verdict === 'pass' ? 'fail' : result.verdict }, testMessages(result, uri, seed));
    }
  }

  private mark(item: vscode.TestItem, result: TestResult, messages: vscode.TestMessage[]): void {
    this.handled.add(item);
    if (result.verdict === 'pass') this.run.passed(item, result.durationMs);
    else if (result.verdict === 'error') this.run.errored(item, messages.length > 0 ? messages : new vscode.TestMessage('error'), result.durationMs);
    else this.run.failed(item, messages.length > 0 ? messages : new vscode.TestMessage(VERDICT_WORDS[result.verdict]), result.durationMs);
  }

  markHandled(items: readonly vscode.TestItem[]): void {
    for (const i of items) this.handled.add(i);
    for (const l of this.leaves) this.handled.add(l);
  }

  /** Items the run never decided (it was cancelled, or stopped) are skipped, so no spinner outlives the run. */
  skipUnfinished(): void {
    for (const l of this.leaves) if (!this.handled.has(l)) this.run.skipped(l);
  }
}

function gather(collection: vscode.TestItemCollection): vscode.TestItem[] {
  const out: vscode.TestItem[] = [];
  collection.forEach((i) => out.push(i));
  return out;
}

function describe(items: readonly vscode.TestItem[]): string {
  const names = items.map((i) => i.label);
  return names.length <= 3 ? names.join(', ') : `${names.slice(0, 3).join(', ')} and ${names.length - 3} more`;
}

/** The Test Explorer's output is a terminal: lines end in CRLF. */
function crlf(text: string): string {
  return text.replace(/\r?\n/g, '\r\n');
}
