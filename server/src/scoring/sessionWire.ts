// The messages between `WorkerSession` and its worker thread (sessionWorker.ts). Tensors travel as their typed
// arrays, transferred rather than copied.
import type { Provider, SessionOptions } from './session';
import type { Signature } from './signature';

export interface WireTensor {
  /** float16 values travel as their bits (Uint16Array): Node 20 has no Float16Array. */
  readonly type: 'float32' | 'float16' | 'float64' | 'int64' | 'int32' | 'int8' | 'uint8' | 'bool';
  readonly data: Float32Array | Uint16Array | Float64Array | BigInt64Array | Int32Array | Int8Array | Uint8Array;
  readonly dims: readonly number[];
}

export interface SessionWorkerData {
  readonly model: Uint8Array | string;
  /** Everything but `log`, which cannot cross threads: the worker sends its lines back as messages. */
  readonly options: Omit<SessionOptions, 'log'>;
}

/** `fetches`: the outputs wanted (all when absent). */
export type ToSessionWorker = { type: 'run'; id: number; feeds: Record<string, WireTensor>; fetches?: string[] } | { type: 'release' };

export type FromSessionWorker =
  | { type: 'log'; line: string }
  | { type: 'opened'; provider: Provider; why: string; signature: Signature }
  | { type: 'failed'; message: string }
  /** Outputs that are not tensors (sequences, maps) are left out. */
  | { type: 'result'; id: number; outputs: Record<string, WireTensor> }
  | { type: 'error'; id: number; message: string };
