// Gathers single items from any number of callers into batches for one model. A judge model is asked about a few
// images at a time (one test's seeds, one audit pair), by many callers at once (the tests and pairs in flight);
// a GPU runs a batch of 32 images in little more time than one, so items waiting at the same moment run together.
//
// An item is one row of every input (batch dimension 1). Items queue in arrival order; a batch takes up to
// `maxBatch` of them. While the model is idle the first item waits at most `gatherMs` for others (a lone image is
// not held back longer); while it is busy items simply queue, and the next batch leaves as soon as it is free.
// Each item gets back its own row of the outputs, in the order the items were given: stacking rows and splitting
// outputs is all the batcher does, so an item's values are what a batch of one gives it (up to the last bits the
// kernels' summation order may change).
//
// An item whose signal aborts leaves the queue at once and its caller's promise rejects; one already in a running
// batch rejects at once too, and its row is dropped when the batch ends.
import type { WireTensor } from '../workerSession';

/** One item's inputs: per input name its row, dims [1, ...]. */
export type ItemFeeds = Readonly<Record<string, WireTensor>>;

export interface BatcherOptions {
  readonly maxBatch: number;
  readonly gatherMs: number;
  /** Runs one batch (inputs stacked along the first dimension); every output's first dimension must be `size`. */
  readonly run: (feeds: Record<string, WireTensor>, size: number) => Promise<Record<string, WireTensor>>;
}

/** What a batcher has run: for benchmarks and tests (how well items met). */
export interface BatchStats {
  batches: number;
  items: number;
  largest: number;
}

/** The item's caller stopped waiting (its signal aborted) or the model was released. */
export class BatchCancelled extends Error {
  constructor(message = 'cancelled') {
    super(message);
    this.name = 'BatchCancelled';
  }
}

interface Waiting {
  readonly feeds: ItemFeeds;
  readonly resolve: (outputs: Record<string, WireTensor>) => void;
  readonly reject: (e: Error) => void;
}

export class Batcher {
  private readonly queue: Waiting[] = [];
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  private closed: Error | undefined;
  readonly stats: BatchStats = { batches: 0, items: 0, largest: 0 };

  constructor(private readonly options: BatcherOptions) {
    if (!(options.maxBatch >= 1)) throw new RangeError('maxBatch must be at least 1');
  }

  /** Each item's outputs (dims [1, ...]), in order. Rejects with BatchCancelled when `signal` aborts first. */
  runAll(items: readonly ItemFeeds[], signal?: AbortSignal): Promise<Array<Record<string, WireTensor>>> {
    return Promise.all(items.map((feeds) => this.submit(feeds, signal)));
  }

  submit(feeds: ItemFeeds, signal?: AbortSignal): Promise<Record<string, WireTensor>> {
    if (this.closed) return Promise.reject(this.closed);
    if (signal?.aborted) return Promise.reject(new BatchCancelled());
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        const i = this.queue.indexOf(item);
        if (i >= 0) this.queue.splice(i, 1);
        reject(new BatchCancelled());
      };
      const item: Waiting = {
        feeds,
        resolve: (o) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(o);
        },
        reject: (e) => {
          signal?.removeEventListener('abort', onAbort);
          reject(e);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(item);
      this.schedule();
    });
  }

  /** Refuses new items and rejects the waiting ones with `reason`; a running batch finishes. */
  close(reason: Error): void {
    this.closed = reason;
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const w of this.queue.splice(0)) w.reject(reason);
  }

  private schedule(): void {
    if (this.running || this.queue.length === 0) return;
    if (this.queue.length >= this.options.maxBatch) {
      clearTimeout(this.timer);
      this.timer = undefined;
      void this.dispatch();
    } else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        if (!this.running && this.queue.length > 0) void this.dispatch();
      }, this.options.gatherMs);
    }
  }

  private async dispatch(): Promise<void> {
    const batch = this.queue.splice(0, this.options.maxBatch);
    this.running = true;
    this.stats.batches++;
    this.stats.items += batch.length;
    this.stats.largest = Math.max(this.stats.largest, batch.length);
    try {
      const outputs = await this.options.run(stack(batch.map((w) => w.feeds)), batch.length);
      const rows = split(outputs, batch.length);
      batch.forEach((w, i) => w.resolve(rows[i]));
    } catch (e) {
      const error = e instanceof Error ? e : new Error(String(e));
      for (const w of batch) w.reject(error);
    } finally {
      this.running = false;
      // Whatever queued while the batch ran has waited long enough: it leaves now, without a gather window.
      if (this.queue.length > 0) void this.dispatch();
    }
  }
}

type Data = WireTensor['data'];

function allocate(like: Data, length: number): Data {
  const Ctor = like.constructor as new (n: number) => Data;
  return new Ctor(length);
}

/** Per input, the items' rows one after another: [n, ...]. Fresh arrays, so they can be transferred. */
export function stack(items: readonly ItemFeeds[]): Record<string, WireTensor> {
  const out: Record<string, WireTensor> = {};
  for (const name of Object.keys(items[0])) {
    const first = items[0][name];
    const width = first.data.length;
    const data = allocate(first.data, items.length * width);
    items.forEach((item, i) => {
      const row = item[name];
      if (!row || row.type !== first.type || row.data.length !== width || !sameRowShape(row.dims, first.dims)) {
        throw new Error(`input '${name}': item ${i} has ${row ? `shape [${row.dims.join(',')}] (${row.type})` : 'no row'}, item 0 [${first.dims.join(',')}] (${first.type})`);
      }
      (data as Float32Array).set(row.data as Float32Array, i * width);
    });
    out[name] = { type: first.type, data, dims: [items.length, ...first.dims.slice(1)] };
  }
  return out;
}

function sameRowShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => i === 0 || d === b[i]);
}

/** Each output's rows, one per item, dims [1, ...]. */
export function split(outputs: Record<string, WireTensor>, n: number): Array<Record<string, WireTensor>> {
  const rows: Array<Record<string, WireTensor>> = Array.from({ length: n }, () => ({}));
  for (const [name, t] of Object.entries(outputs)) {
    if (t.dims[0] !== n || t.data.length % n !== 0) {
      throw new Error(`output '${name}' has shape [${t.dims.join(',')}] for a batch of ${n}: its first dimension is not the batch`);
    }
    const width = t.data.length / n;
    for (let i = 0; i < n; i++) rows[i][name] = { type: t.type, data: t.data.slice(i * width, (i + 1) * width), dims: [1, ...t.dims.slice(1)] };
  }
  return rows;
}
