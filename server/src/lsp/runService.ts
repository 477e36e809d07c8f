// Running tests for an editor (docs/editor-protocol.md): discovery, runs in a worker thread one at a time, events
// as notifications, cancellation, the workspace's stored results, secrets asked of the client, and Workspace Trust.
// The run itself is the engine's run session, as `wabi run` uses it; this file only moves messages.
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import * as lsp from 'vscode-languageserver';
import type { TestFilter } from '../engine/runSession';
import { ResultStore } from '../engine/resultStore';
import { testId } from '../engine/testId';
import { RunQueue } from '../engine/runQueue';
import { findSpecFilesIn } from '../files/specFinder';
import { resolveSpec } from '../language/resolve';
import type { SpecWorkspace } from '../language/workspace';
import { planTests } from '../runner/plan';
import { INFERENCE_THREAD_STACK_MB } from '../scoring/inferenceThread';
import { resolveCacheRoot } from '../runner/resultCache';
import { PROVIDER_SETTINGS, type ProviderSetting } from '../catalogue/providers';
import {
  CANCEL_RUN,
  DISCOVER_TESTS,
  LAST_RESULTS,
  RUN_EVENT,
  RUN_TESTS,
  SECRET,
  WORKSPACE_TRUSTED,
  type CancelRunParams,
  type DiscoveredFile,
  type DiscoverTestsParams,
  type DiscoverTestsResult,
  type LastResultsParams,
  type LastResultsResult,
  type RunEventParams,
  type RunTestsParams,
  type RunTestsResult,
  type SecretResult,
} from './protocol';
import { unpackNativeLibraries } from './nativeLibraries';
import type { FromWorker, ToWorker, WorkerRun } from './runWorker';

export interface RunServiceContext {
  readonly connection: lsp.Connection;
  readonly ws: SpecWorkspace;
  /** The workspace folders. */
  readonly roots: () => readonly string[];
  /** Open documents' texts, by path. */
  readonly openDocuments: () => ReadonlyArray<readonly [string, string]>;
  readonly trusted: boolean;
  /** The worker thread's script (dist/runWorker.js beside the bundled server). */
  readonly workerScript?: string;
}

/** The run settings a client can change (section `wabi.run`), read when a run starts. */
export interface RunSettings {
  readonly provider: ProviderSetting;
  /** Images at once; undefined (the setting's 0) lets the runner choose, as `wabi run` without --concurrency
   *  does: 2, or as many as the largest generator pool serves at once. */
  readonly concurrency: number | undefined;
  readonly cacheDirectory: string;
}

/** The `wabi.run` section as a client sent it, each value checked: an invalid one falls back to its default. */
export function runSettingsFrom(raw: { provider?: unknown; concurrency?: unknown; cacheDirectory?: unknown }, root: string): RunSettings {
  const provider = PROVIDER_SETTINGS.includes(raw.provider as ProviderSetting) ? (raw.provider as ProviderSetting) : 'auto';
  const n = Number(raw.concurrency);
  const concurrency = Number.isInteger(n) && n >= 1 && n <= 64 ? n : undefined;
  const dir = typeof raw.cacheDirectory === 'string' && raw.cacheDirectory.trim() !== '' ? raw.cacheDirectory.trim() : undefined;
  return { provider, concurrency, cacheDirectory: resolveCacheRoot(root, dir) };
}

const UNTRUSTED = 'Wabi runs nothing in an untrusted workspace: trust the workspace to run tests.';
export class RunService {
  private trusted: boolean;
  private readonly queue = new RunQueue();
  private readonly cancels = new Map<string, () => void>();
  private stores = new Map<string, ResultStore>();

  constructor(private readonly ctx: RunServiceContext) {
    this.trusted = ctx.trusted;
  }

  register(): void {
    const { connection } = this.ctx;
    connection.onRequest(DISCOVER_TESTS, (p: DiscoverTestsParams) => this.discover(p));
    connection.onRequest(RUN_TESTS, (p: RunTestsParams, token: lsp.CancellationToken) => this.run(p, token));
    connection.onNotification(CANCEL_RUN, (p: CancelRunParams) => this.cancels.get(p.runId)?.());
    connection.onRequest(LAST_RESULTS, (p: LastResultsParams) => this.lastResults(p));
    connection.onNotification(WORKSPACE_TRUSTED, () => {
      this.trusted = true;
      connection.console.log('wabi: the workspace is trusted; tests can run');
    });
  }

  /** The stored results of the workspace folder holding `spec` (or the first folder). */
  store(spec?: string): ResultStore | undefined {
    const root = this.rootOf(spec);
    if (!root) return undefined;
    let s = this.stores.get(root);
    if (!s) this.stores.set(root, (s = ResultStore.forWorkspace(root)));
    return s;
  }

  // ---- discovery -------------------------------------------------------------------------------------------

  discover(p: DiscoverTestsParams): DiscoverTestsResult {
    const files = p.files?.map((f) => path.resolve(f)) ?? this.specFiles();
    const out: DiscoveredFile[] = [];
    for (const file of files) {
      const analysis = this.ctx.ws.analyze(file);
      if (!analysis) continue;
      const plans = planTests(resolveSpec(analysis, (f) => this.ctx.ws.analyze(f)?.visible), undefined, this.ctx.ws.host);
      out.push({
        path: file,
        errors: analysis.diagnostics.filter((d) => d.severity === 'error').length,
        tests: plans.map((t) => ({
          id: testId(t.spec, t.name),
          name: t.name,
          range: t.range,
          headerRange: t.headerRange,
          tags: t.tags,
          seeds: t.seeds,
          requiredSeeds: t.requiredSeeds,
          images: t.images !== undefined,
        })),
      });
    }
    return { files: out };
  }

  /** Every `.wabi` file under the workspace folders, skipping hidden and dependency folders. */
  private specFiles(): string[] {
    const found = new Set<string>();
    for (const root of this.ctx.roots()) {
      try {
        findSpecFilesIn(root, found, 12);
      } catch {
        // A workspace folder that cannot be read holds no tests to list.
      }
    }
    for (const [file] of this.ctx.openDocuments()) found.add(file);
    return [...found].sort();
  }

  // ---- runs ------------------------------------------------------------------------------------------------

  async run(p: RunTestsParams, token: lsp.CancellationToken): Promise<RunTestsResult> {
    if (!this.trusted) return { status: 'refused', reason: UNTRUSTED };
    const { connection } = this.ctx;
    const send = (event: RunEventParams['event']) => void connection.sendNotification(RUN_EVENT, { runId: p.runId, event } satisfies RunEventParams);
    const queued = this.queue.enqueue<RunTestsResult>(
      async (signal) => {
        const files = p.include ? [...new Set(p.include.map((s) => path.resolve(s.path)))] : this.specFiles();
        const settings = await this.settings(files[0]);
        const filter: TestFilter | undefined = p.include && {
          select: p.include.map((s) => ({ file: s.path, name: s.name, line: s.line, seeds: s.seed === undefined ? undefined : [s.seed] })),
        };
        const run: WorkerRun = {
          request: { files, filter, cacheDir: settings.cacheDirectory, provider: settings.provider, concurrency: settings.concurrency, regenerate: p.regenerate },
          env: { ...process.env },
          documents: this.ctx.openDocuments(),
          roots: this.ctx.roots(),
        };
        const outcome = await this.inWorker(run, send, signal);
        if (outcome.status === 'ran') await this.store(files[0])?.record(outcome.result.tests, outcome.result.finishedAt);
        return outcome;
      },
      { status: 'cancelled' },
      (ahead) => send({ type: 'run-queued', ahead }),
    );
    this.cancels.set(p.runId, queued.cancel);
    const onToken = token.onCancellationRequested(queued.cancel);
    try {
      return await queued.outcome;
    } finally {
      onToken.dispose();
      this.cancels.delete(p.runId);
    }
  }

  /** Runs in a fresh worker thread and resolves with its outcome; `signal` cancels it. */
  private inWorker(run: WorkerRun, send: (e: RunEventParams['event']) => void, signal: AbortSignal): Promise<RunTestsResult> {
    const { connection } = this.ctx;
    const script = this.ctx.workerScript ?? path.join(__dirname, 'runWorker.js');
    try {
      for (const f of unpackNativeLibraries()) connection.console.log(`wabi: unpacked ${path.basename(f)} (first run)`);
    } catch (e) {
      return Promise.resolve({ status: 'refused', reason: `unpacking onnxruntime's library failed: ${e instanceof Error ? e.message : String(e)}` });
    }
    return new Promise((resolve) => {
      // Judges open their onnxruntime sessions on this thread.
      const worker = new Worker(script, { workerData: run, resourceLimits: { stackSizeMb: INFERENCE_THREAD_STACK_MB } });
      const tell = (m: ToWorker) => worker.postMessage(m);
      // Messages wait in the worker's port until it listens, so a cancel that came first still arrives.
      if (signal.aborted) tell({ type: 'cancel' });
      else signal.addEventListener('abort', () => tell({ type: 'cancel' }), { once: true });
      let settled = false;
      const settle = (r: RunTestsResult) => {
        if (settled) return;
        settled = true;
        void worker.terminate();
        resolve(r);
      };
      worker.on('message', (m: FromWorker) => {
        switch (m.type) {
          case 'event':
            send(m.event);
            return;
          case 'log':
            connection.console.log(m.line);
            return;
          case 'secret':
            connection.sendRequest<SecretResult>(SECRET, { name: m.name }).then(
              (r) => tell({ type: 'secret', id: m.id, value: r?.value }),
              () => tell({ type: 'secret', id: m.id }),
            );
            return;
          case 'outcome':
            settle(m.outcome);
            return;
          case 'failed':
            connection.console.error(`wabi: the run failed: ${m.message}`);
            settle({ status: 'refused', reason: `the run failed: ${m.message}` });
            return;
        }
      });
      worker.on('error', (e) => {
        connection.console.error(`wabi: the run's worker crashed: ${e.stack ?? e.message}`);
        settle({ status: 'refused', reason: `the run's worker crashed: ${e.message}` });
      });
      worker.on('exit', (code) => settle({ status: 'refused', reason: `the run's worker stopped (exit ${code})` }));
    });
  }

  private async settings(spec: string | undefined): Promise<RunSettings> {
    const root = this.rootOf(spec) ?? (spec ? path.dirname(spec) : process.cwd());
    let raw: { provider?: unknown; concurrency?: unknown; cacheDirectory?: unknown } = {};
    try {
      const got = (await this.ctx.connection.workspace.getConfiguration({ section: 'wabi.run', scopeUri: spec && `file://${spec}` })) as typeof raw | null;
      raw = got ?? {};
    } catch {
      // A client without workspace/configuration: the defaults.
    }
    return runSettingsFrom(raw, root);
  }

  private rootOf(spec: string | undefined): string | undefined {
    const roots = this.ctx.roots();
    if (!spec) return roots[0];
    const p = path.resolve(spec);
    return roots.find((r) => p === r || p.startsWith(r.endsWith(path.sep) ? r : r + path.sep)) ?? roots[0];
  }

  // ---- results ---------------------------------------------------------------------------------------------

  lastResults(p: LastResultsParams): LastResultsResult {
    const store = this.store(p.files?.[0]);
    if (!store) return { tests: [] };
    const files = p.files ?? this.specFiles();
    const known = new Set(this.discover({ files }).files.flatMap((f) => f.tests.map((t) => t.id)));
    return { tests: store.read(files).filter((t) => known.has(t.id)) };
  }
}
