// Scores image files with the trait model in batches. The model runs in worker threads (workerSession.ts) and
// decoding (sharp, on libuv's thread pool) runs ahead of it, so the two overlap: while batches are inferred the
// next wait queued in the workers and the ones after are decoded. On the CPU the model runs as several sessions of
// few threads each (cpuSessionLayout), each taking whole batches. At most two batches wait in each worker and one
// batch more is decoded ahead, so memory stays flat for any number of files. Results come back in input order, a
// file that fails to decode as an error entry.
import { availableParallelism } from 'node:os';
import type { TraitName } from '../catalogue/traits';
import { DecodedImage, decodeImage, ImageError, PATCH_SIZE, WORKING_SIZE } from './images';
import type { Provider, ProviderSetting } from './session';
import type { TraitAnalyser } from './traits/analyser';
import { buildTraitModel, traitInputs } from './traits/traitModel';
import { WorkerSession, type WireTensor } from './workerSession';

export interface TraitResult {
  readonly file: string;
  readonly width: number;
  readonly height: number;
  /** Calibrated 0..1 score per trait. */
  readonly traits: Readonly<Record<string, number>>;
  /** Raw measure per trait, in the trait's own unit. */
  readonly raw: Readonly<Record<string, number>>;
}

export interface TraitFailure {
  readonly file: string;
  readonly error: string;
}

export interface TraitScorerOptions {
  readonly analysers: readonly TraitAnalyser[];
  readonly resolve: (name: TraitName) => TraitAnalyser;
  readonly provider?: ProviderSetting;
  readonly batchSize?: number;
  readonly log?: (line: string) => void;
}

/** The version of the trait analysers' scores: bump when an analyser or its calibration changes. Scores cached under
 *  an older version are not reused (the runner's result cache and the intent judge's identity both carry it). */
export const TRAIT_MODEL_VERSION = 'traits v4';

const BATCHES_IN_WORKER = 2;
const PROBE_BATCH = 8;
/** Most CPU sessions side by side: each holds its own buffers (about 100 MiB more peak RSS per session at batch 2,
 *  bench:memory). */
const MAX_CPU_SESSIONS = 4;

/** How the trait model shares `cores` on the CPU: as many sessions as cores, up to MAX_CPU_SESSIONS, the cores
 *  split between them as intra-op threads. Whole batches in separate sessions need no joining, while one session's
 *  threads split and join each of the model's 650 small nodes: on 2 cores one session of 2 threads spent 17.5 CPU
 *  ms per image against 12.9 for a session of 1 thread (bench/scoring). */
export function cpuSessionLayout(cores: number): { sessions: number; threads: number } {
  const sessions = Math.max(1, Math.min(cores, MAX_CPU_SESSIONS));
  return { sessions, threads: Math.max(1, Math.floor(cores / sessions)) };
}

/** Images per model run when none is asked for. On the CPU small batches are faster: a batch of 8 holds 25 MB per
 *  [N, 3, 512, 512] intermediate, far beyond the caches, and ran at 0.8x the images/s of batches of 1-2
 *  (bench/scoring, 2 cores). A GPU wants larger batches to fill the device. */
export function defaultBatchSize(provider: Provider): number {
  return provider === 'cpu' ? 2 : 16;
}

export class TraitScorer {
  /** Batches in flight per session, to send the next batch to the least busy one. */
  private readonly inFlight: number[];
  private readonly ran: number[];

  private constructor(
    private readonly sessions: readonly WorkerSession[],
    readonly provider: Provider,
    private readonly names: readonly TraitName[],
    readonly batchSize: number,
  ) {
    this.inFlight = sessions.map(() => 0);
    this.ran = sessions.map(() => 0);
  }

  static async open(options: TraitScorerOptions): Promise<TraitScorer> {
    const model = buildTraitModel(options.analysers, options.resolve);
    const layout = cpuSessionLayout(availableParallelism());
    const sessionOptions = { optimization: 'basic', label: 'trait analysers', intraOpThreads: layout.threads } as const;
    // The line saying where the model runs also says the batch size, which depends on where it runs.
    const lines: string[] = [];
    const first = await WorkerSession.open(model, {
      ...sessionOptions,
      provider: options.provider,
      log: (line) => lines.push(line),
      // Per-pixel graphs are not always faster on a GPU (see session.ts): `auto` times a batch on each provider,
      // the CPU's time divided among the sessions it would run.
      probe: {
        working: { type: 'uint8', dims: [PROBE_BATCH, WORKING_SIZE, WORKING_SIZE, 3] },
        patch: { type: 'uint8', dims: [PROBE_BATCH, PATCH_SIZE, PATCH_SIZE, 3] },
        aspect: { type: 'float32', dims: [PROBE_BATCH] },
      },
      cpuSessions: layout.sessions,
    });
    const sessions = [first];
    try {
      if (first.provider === 'cpu') {
        const more = Array.from({ length: layout.sessions - 1 }, () => WorkerSession.open(model, { ...sessionOptions, provider: 'cpu' }));
        const opened = await Promise.allSettled(more);
        for (const o of opened) if (o.status === 'fulfilled') sessions.push(o.value);
        const failed = opened.find((o) => o.status === 'rejected');
        if (failed) throw failed.reason;
      }
    } catch (e) {
      await Promise.all(sessions.map((s) => s.release()));
      throw e;
    }
    const batchSize = Math.max(1, options.batchSize ?? defaultBatchSize(first.provider));
    const where = first.provider === 'cpu' ? ` in ${plural(sessions.length, 'session')} of ${plural(layout.threads, 'thread')}` : '';
    for (const line of lines) options.log?.(/: running on /.test(line) ? `${line}; batches of ${batchSize}${where}` : line);
    return new TraitScorer(sessions, first.provider, options.analysers.map((a) => a.name), batchSize);
  }

  /** Batches each session has run: one entry per session the model runs in (several on the CPU, see
   *  cpuSessionLayout). */
  get batchesPerSession(): readonly number[] {
    return [...this.ran];
  }

  async close(): Promise<void> {
    await Promise.all(this.sessions.map((s) => s.release()));
  }

  /** Scores already-decoded images in one batch, in the least busy session. */
  async scoreBatch(images: readonly DecodedImage[]): Promise<TraitResult[]> {
    if (images.length === 0) return [];
    const inputs = traitInputs(images);
    const k = this.inFlight.indexOf(Math.min(...this.inFlight));
    const session = this.sessions[k];
    const feeds: Record<string, WireTensor> = {};
    for (const name of session.inputNames) feeds[name] = inputs[name as keyof typeof inputs];
    this.inFlight[k]++;
    this.ran[k]++;
    let out: Record<string, WireTensor>;
    try {
      out = await session.run(feeds);
    } finally {
      this.inFlight[k]--;
    }
    const raw = out.raw.data as Float32Array;
    const score = out.score.data as Float32Array;
    const T = this.names.length;
    return images.map((img, i) => {
      const traits: Record<string, number> = {};
      const raws: Record<string, number> = {};
      this.names.forEach((name, t) => {
        traits[name] = round(score[i * T + t]);
        raws[name] = round(raw[i * T + t]);
      });
      return { file: img.file, width: img.width, height: img.height, traits, raw: raws };
    });
  }

  /** Scores files, yielding one entry per file in input order. */
  async *scoreFiles(files: readonly string[], signal?: AbortSignal): AsyncGenerator<TraitResult | TraitFailure> {
    const batchSize = this.batchSize;
    const batchesInWorkers = BATCHES_IN_WORKER * this.sessions.length;
    // Decodes run ahead of inference by up to one batch per session and one more; each promise settles to an
    // image or a failure.
    const decoding: Array<Promise<DecodedImage | TraitFailure>> = [];
    let next = 0;
    const fill = () => {
      while (next < files.length && decoding.length < (this.sessions.length + 1) * batchSize) {
        const file = files[next++];
        decoding.push(
          decodeImage(file).catch((e: unknown) => ({ file, error: e instanceof ImageError ? e.reason : e instanceof Error ? e.message : String(e) })),
        );
      }
    };
    fill();
    // Two batches per worker: the next is queued there while one runs, so inference never waits on a message.
    const inWorker: Array<Promise<Array<TraitResult | TraitFailure>>> = [];
    while (decoding.length > 0 || inWorker.length > 0) {
      if (signal?.aborted) return;
      while (decoding.length > 0 && inWorker.length < batchesInWorkers) {
        const settled = await Promise.all(decoding.splice(0, Math.min(batchSize, decoding.length)));
        fill();
        const scored = this.scoreSettled(settled);
        // Awaited in order below; until then a failure must not count as unhandled.
        scored.catch(() => undefined);
        inWorker.push(scored);
      }
      for (const r of await inWorker.shift()!) yield r;
    }
  }

  private async scoreSettled(settled: ReadonlyArray<DecodedImage | TraitFailure>): Promise<Array<TraitResult | TraitFailure>> {
    const scored = await this.scoreBatch(settled.filter((s): s is DecodedImage => s instanceof DecodedImage));
    let k = 0;
    return settled.map((s) => (s instanceof DecodedImage ? scored[k++] : s));
  }
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** Six significant decimals keep JSON reports readable without losing anything a threshold can see. */
function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

export function isFailure(r: TraitResult | TraitFailure): r is TraitFailure {
  return 'error' in r;
}
