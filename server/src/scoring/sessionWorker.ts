// The worker-thread side of `WorkerSession` (workerSession.ts): opens one onnxruntime session with the options it
// was started with and runs it on request. onnxruntime-node's `run` is synchronous underneath its promise (it
// blocks the thread that calls it for the whole inference), so it runs here, where blocking costs nothing, and the
// main thread stays free to read and decode the next images.
import { parentPort, workerData } from 'node:worker_threads';

import { openSession, ort } from './session';
import type { FromSessionWorker, SessionWorkerData, ToSessionWorker, WireTensor } from './sessionWire';
import { sessionSignature } from './signature';

const port = parentPort;
if (!port) throw new Error('sessionWorker.js runs only as a worker thread');
const data = workerData as SessionWorkerData;

/** Outputs as wire tensors; anything that is not a tensor (a sequence, a map) is left out. */
function toWire(out: ort.InferenceSession.OnnxValueMapType): Record<string, WireTensor> {
  const outputs: Record<string, WireTensor> = {};
  for (const [name, t] of Object.entries(out)) {
    if (!(t instanceof ort.Tensor) || !ArrayBuffer.isView(t.data)) continue;
    outputs[name] = { type: t.type as WireTensor['type'], data: t.data as WireTensor['data'], dims: [...t.dims] };
  }
  return outputs;
}

async function main(): Promise<void> {
  const send = (m: FromSessionWorker, transfer: ArrayBuffer[] = []) => port!.postMessage(m, transfer);
  let session: ort.InferenceSession;
  try {
    const opened = await openSession(data.model, { ...data.options, log: (line) => send({ type: 'log', line }) });
    session = opened.session;
    send({ type: 'opened', provider: opened.provider, why: opened.why, signature: sessionSignature(session) });
  } catch (e) {
    send({ type: 'failed', message: e instanceof Error ? e.message : String(e) });
    return;
  }
  port!.on('message', (m: ToSessionWorker) => {
    if (m.type === 'release') {
      void session.release().finally(() => port!.close());
      return;
    }
    const feeds: Record<string, ort.Tensor> = {};
    for (const [name, t] of Object.entries(m.feeds)) feeds[name] = new ort.Tensor(t.type, t.data, t.dims);
    (m.fetches ? session.run(feeds, m.fetches) : session.run(feeds)).then(
      (out) => {
        const outputs = toWire(out);
        send({ type: 'result', id: m.id, outputs }, Object.values(outputs).map((t) => t.data.buffer as ArrayBuffer));
      },
      (e: unknown) => send({ type: 'error', id: m.id, message: e instanceof Error ? e.message : String(e) }),
    );
  });
}

void main();
