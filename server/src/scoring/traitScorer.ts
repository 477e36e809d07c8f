// Scores image files with the trait model in batches. The model runs in a worker thread (workerSession.ts) and
// decoding (sharp, on libuv's thread pool) runs ahead of it, so the two overlap: while one batch is inferred the
// next waits queued in the worker and the ones after are decoded. At most `2 x batchSize` decoded images wait and
// two batches are in the worker at once, so memory stays flat for any number of files. Results come back in input
// order, a file that fails to decode as an error entry.
import type { TraitName } from '../catalogue/traits';
import { decodeImage, ImageError, PATCH_SIZE, WORKING_SIZE, type DecodedImage } from './images';
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
export const TRAIT_MODEL_VERSION = 'traits v3';

const BATCHES_IN_WORKER = 2;
const PROBE_BATCH = 8;

/** Images per model run when none is asked for. On the CPU small batches are faster: a batch of 8 holds 25 MB per
 *  [N, 3, 512, 512] intermediate, far beyond the caches, and ran at 0.8x the images/s of batches of 1-2
 *  (bench/scoring, 2 cores). A GPU wants larger batches to fill the device. */
export function defaultBatchSize(provider: Provider): number {
  return provider === 'cpu' ? 2 : 16;
}

export class TraitScorer {
  private constructor(
    private readonly session: WorkerSession,
    readonly provider: Provider,
    private readonly names: readonly TraitName[],
    readonly batchSize: number,
  ) {}

  static async open(options: TraitScorerOptions): Promise<TraitScorer> {
    const model = buildTraitModel(options.analysers, options.resolve);
    // The line saying where the model runs also says the batch size, which depends on where it runs.
    const lines: string[] = [];
    const session = await WorkerSession.open(model, {
      provider: options.provider,
      optimization: 'basic',
      label: 'trait analysers',
      log: (line) => lines.push(line),
      // Per-pixel graphs are not always faster on a GPU (see session.ts): `auto` times a batch on each provider.
      probe: { working: [PROBE_BATCH, 3, WORKING_SIZE, WORKING_SIZE], patch: [PROBE_BATCH, 3, PATCH_SIZE, PATCH_SIZE], aspect: [PROBE_BATCH] },
    });
    const batchSize = Math.max(1, options.batchSize ?? defaultBatchSize(session.provider));
    for (const line of lines) options.log?.(/: running on /.test(line) ? `${line}; batches of ${batchSize}` : line);
    return new TraitScorer(session, session.provider, options.analysers.map((a) => a.name), batchSize);
  }

  async close(): Promise<void> {
    await this.session.release();
  }

  /** Scores already-decoded images in one batch. */
  async scoreBatch(images: readonly DecodedImage[]): Promise<TraitResult[]> {
    if (images.length === 0) return [];
    const inputs = traitInputs(images);
    const feeds: Record<string, WireTensor> = {};
    for (const name of this.session.inputNames) {
      const t = inputs[name as keyof typeof inputs];
      feeds[name] = { type: 'float32', data: t.data, dims: t.dims };
    }
    const out = await this.session.run(feeds);
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
    // Decodes run ahead of inference by up to two batches; each promise settles to an image or a failure.
    const decoding: Array<Promise<DecodedImage | TraitFailure>> = [];
    let next = 0;
    const fill = () => {
      while (next < files.length && decoding.length < 2 * batchSize) {
        const file = files[next++];
        decoding.push(
          decodeImage(file).catch((e: unknown) => ({ file, error: e instanceof ImageError ? e.reason : e instanceof Error ? e.message : String(e) })),
        );
      }
    };
    fill();
    // Two batches in the worker: the next is queued there while one runs, so inference never waits on a message.
    const inWorker: Array<Promise<Array<TraitResult | TraitFailure>>> = [];
    while (decoding.length > 0 || inWorker.length > 0) {
      if (signal?.aborted) return;
      while (decoding.length > 0 && inWorker.length < BATCHES_IN_WORKER) {
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
    const scored = await this.scoreBatch(settled.filter((s): s is DecodedImage => 'working' in s));
    let k = 0;
    return settled.map((s) => ('working' in s ? scored[k++] : s));
  }
}

/** Six significant decimals keep JSON reports readable without losing anything a threshold can see. */
function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

export function isFailure(r: TraitResult | TraitFailure): r is TraitFailure {
  return 'error' in r;
}
