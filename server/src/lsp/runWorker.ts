// A run, in a worker thread of the language server: generation, decoding and inference happen here, so the
// server's main loop keeps answering completion, hover and diagnostics while images are made and scored. The
// main thread sends the run (with the editor's unsaved spec texts) as workerData and `cancel` or secret answers as
// messages; this thread sends back the run's events, log lines, secret questions and its outcome.
import { parentPort, workerData } from 'node:worker_threads';
import { confinedHost, nodeHost } from '../files/host';
import { SpecWorkspace } from '../language/workspace';
import { startRun, type RunOutcome, type RunRequest, type SessionEvent } from '../engine/runSession';

/** What the main thread hands a worker: the run, minus what cannot cross threads (callbacks, the workspace). */
export interface WorkerRun {
  readonly request: Omit<RunRequest, 'env' | 'workspace' | 'onEvent' | 'log'>;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Open documents' texts, which win over the disk. */
  readonly documents: ReadonlyArray<readonly [string, string]>;
  /** The folders specs may read (the workspace folders). */
  readonly roots: readonly string[];
}

export type ToWorker = { readonly type: 'cancel' } | { readonly type: 'secret'; readonly id: number; readonly value?: string };

export type FromWorker =
  | { readonly type: 'event'; readonly event: SessionEvent }
  | { readonly type: 'log'; readonly line: string }
  | { readonly type: 'secret'; readonly id: number; readonly name: string }
  | { readonly type: 'outcome'; readonly outcome: RunOutcome }
  | { readonly type: 'failed'; readonly message: string };

function main(port: NonNullable<typeof parentPort>, run: WorkerRun): void {
  const post = (m: FromWorker) => port.postMessage(m);
  const secrets = new Map<number, (value: string | undefined) => void>();
  let nextSecret = 1;
  const ws = new SpecWorkspace(confinedHost(nodeHost, () => run.roots), { roots: [...run.roots] });
  for (const [file, text] of run.documents) ws.setDocument(file, text);
  const session = startRun({
    ...run.request,
    workspace: ws,
    env: {
      env: run.env,
      secret: (name) =>
        new Promise((resolve) => {
          const id = nextSecret++;
          secrets.set(id, resolve);
          post({ type: 'secret', id, name });
        }),
    },
    onEvent: (event) => post({ type: 'event', event }),
    log: (line) => post({ type: 'log', line }),
  });
  port.on('message', (m: ToWorker) => {
    if (m.type === 'cancel') session.cancel();
    else if (m.type === 'secret') {
      secrets.get(m.id)?.(m.value);
      secrets.delete(m.id);
    }
  });
  session.outcome.then(
    (outcome) => post({ type: 'outcome', outcome }),
    (e: unknown) => post({ type: 'failed', message: e instanceof Error ? e.message : String(e) }),
  );
}

if (parentPort) main(parentPort, workerData as WorkerRun);
