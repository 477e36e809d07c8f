// An onnxruntime session that runs in its own worker thread. onnxruntime-node's `run` blocks the calling thread
// for the whole inference (its promise only defers the start: microsoft/onnxruntime#19611, #26968), so a session on
// the main thread stops file reads and sharp's decodes from being started or finished while it runs. Scoring 1024 px
// JPEGs on 2 cores, that left a third of the CPU idle (bench/scoring: 45 img/s in-thread, 60-68 with the session
// in a worker). Inputs are transferred to the worker and outputs back, not copied.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';

import { INFERENCE_THREAD_STACK_MB } from './inferenceThread';
import type { Provider, SessionOptions } from './session';
import type { FromSessionWorker, SessionWorkerData, ToSessionWorker, WireTensor } from './sessionWire';
import type { Signature } from './signature';

export type { WireTensor } from './sessionWire';

const RELEASE_GRACE_MS = 5000;

/** The worker's script, bundled beside every bundle that scores (dist/, and the test and benchmark outputs). */
function workerScript(): string {
  const script = path.join(__dirname, 'sessionWorker.js');
  if (!fs.existsSync(script)) throw new Error(`${script} is missing: the build did not bundle the inference worker beside ${path.basename(__filename)}`);
  return script;
}

export class WorkerSession {
  private readonly pending = new Map<number, { resolve: (o: Record<string, WireTensor>) => void; reject: (e: Error) => void }>();
  private nextId = 0;
  private exited: Error | undefined;
  private releasing = false;

  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];

  private constructor(
    private readonly worker: Worker,
    readonly provider: Provider,
    /** Why this provider (session.ts's OpenSession.why). */
    readonly why: string,
    /** The model's inputs and outputs as onnxruntime's metadata describes them. */
    readonly signature: Signature,
  ) {
    this.inputNames = signature.inputs.map((i) => i.name);
    this.outputNames = signature.outputs.map((o) => o.name);
    worker.on('message', (m: FromSessionWorker) => {
      if (m.type !== 'result' && m.type !== 'error') return;
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      // Once released, the worker stays referenced until it exits: a result that comes back after release() must
      // not let the process's event loop run dry while release() waits for the exit.
      if (this.pending.size === 0 && !this.releasing) worker.unref();
      if (m.type === 'result') p?.resolve(m.outputs);
      else p?.reject(new Error(m.message));
    });
    worker.on('error', (e) => this.fail(e));
    worker.on('exit', (code) => this.fail(new Error(`the inference worker stopped (exit code ${code})`)));
    // An idle worker does not keep the process alive; a pending run does (see run).
    worker.unref();
  }

  static open(model: Uint8Array | string, options: SessionOptions = {}): Promise<WorkerSession> {
    const { log, ...rest } = options;
    const data: SessionWorkerData = { model, options: rest };
    const worker = new Worker(workerScript(), { workerData: data, resourceLimits: { stackSizeMb: INFERENCE_THREAD_STACK_MB } });
    return new Promise((resolve, reject) => {
      const onMessage = (m: FromSessionWorker) => {
        if (m.type === 'log') log?.(m.line);
        else if (m.type === 'opened') {
          done();
          resolve(new WorkerSession(worker, m.provider, m.why, m.signature));
        } else if (m.type === 'failed') {
          done();
          void worker.terminate();
          reject(new Error(m.message));
        }
      };
      const onError = (e: Error) => {
        done();
        reject(e);
      };
      const onExit = (code: number) => {
        done();
        reject(new Error(`the inference worker stopped before its model opened (exit code ${code})`));
      };
      const done = () => {
        worker.off('error', onError);
        worker.off('exit', onExit);
      };
      // Log lines keep coming after the open (none today, but a provider may warn later).
      worker.on('message', onMessage);
      worker.once('error', onError);
      worker.once('exit', onExit);
    });
  }

  /** Runs the model on `feeds`; their arrays are transferred to the worker and unusable afterwards. `fetches`
   *  names the outputs wanted (default all). */
  run(feeds: Record<string, WireTensor>, fetches?: readonly string[]): Promise<Record<string, WireTensor>> {
    if (this.exited) return Promise.reject(this.exited);
    const id = this.nextId++;
    const message: ToSessionWorker = { type: 'run', id, feeds, ...(fetches ? { fetches: [...fetches] } : {}) };
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.ref();
      this.worker.postMessage(
        message,
        Object.values(feeds).map((t) => t.data.buffer as ArrayBuffer),
      );
    });
  }

  /** Releases the session and ends the worker (terminated if it has not ended within a few seconds). */
  async release(): Promise<void> {
    if (this.exited) return;
    const exit = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    // Keeps the process alive until the worker has released its session and ended.
    this.releasing = true;
    this.worker.ref();
    this.worker.postMessage({ type: 'release' } satisfies ToSessionWorker);
    const timer = setTimeout(() => void this.worker.terminate(), RELEASE_GRACE_MS);
    timer.unref();
    await exit;
    clearTimeout(timer);
  }

  private fail(e: Error): void {
    this.exited ??= e;
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }
}
