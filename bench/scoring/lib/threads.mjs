// Imported first by the scoring benchmarks: libuv's thread pool sized as the product sizes it
// (server/src/threadPool.ts), so decoding, on Wabi's side and in the decode-only reference, may use every core.
import { availableParallelism } from 'node:os';

process.env.UV_THREADPOOL_SIZE ??= String(Math.max(4, Math.min(64, availableParallelism())));
export const POOL_THREADS = Number(process.env.UV_THREADPOOL_SIZE);
