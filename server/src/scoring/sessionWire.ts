// The messages between `WorkerSession` and its worker thread (sessionWorker.ts). Tensors travel as their typed
// arrays, transferred rather than copied.
import type { Provider, SessionOptions } from './session';

export interface WireTensor {
  readonly type: 'float32' | 'float16' | 'int64' | 'int32' | 'uint8' | 'bool';
  readonly data: Float32Array | Uint16Array | BigInt64Array | Int32Array | Uint8Array;
  readonly dims: readonly number[];
}

export interface SessionWorkerData {
  readonly model: Uint8Array | string;
  /** Everything but `log`, which cannot cross threads: the worker sends its lines back as messages. */
  readonly options: Omit<SessionOptions, 'log'>;
}

export type ToSessionWorker = { type: 'run'; id: number; feeds: Record<string, WireTensor> } | { type: 'release' };

export type FromSessionWorker =
  | { type: 'log'; line: string }
  | { type: 'opened'; provider: Provider; inputNames: string[]; outputNames: string[] }
  | { type: 'failed'; message: string }
  | { type: 'result'; id: number; outputs: Record<string, WireTensor> }
  | { type: 'error'; id: number; message: string };
