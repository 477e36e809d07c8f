// Scores image files with the trait model in batches. Decoding (sharp, on libuv's thread pool) runs ahead of
// inference so the two overlap; at most `2 x batchSize` decoded images are held at once, so memory stays flat
// for any number of files. Results come back in input order, a file that fails to decode as an error entry.
import type { TraitName } from '../catalogue/traits';
import { decodeImage, ImageError, PATCH_SIZE, WORKING_SIZE, type DecodedImage } from './images';
import { openSession, ort, type Provider, type ProviderSetting } from './session';
import type { TraitAnalyser } from './traits/analyser';
import { buildTraitModel } from './traits/traitModel';

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
export const TRAIT_MODEL_VERSION = 'traits v1';

const DEFAULT_BATCH = 8;

export class TraitScorer {
  private constructor(
    private readonly session: ort.InferenceSession,
    readonly provider: Provider,
    private readonly names: readonly TraitName[],
    readonly batchSize: number,
  ) {}

  static async open(options: TraitScorerOptions): Promise<TraitScorer> {
    const model = buildTraitModel(options.analysers, options.resolve);
    const { session, provider } = await openSession(model, {
      provider: options.provider,
      optimization: 'basic',
      label: 'trait analysers',
      log: options.log,
    });
    return new TraitScorer(session, provider, options.analysers.map((a) => a.name), Math.max(1, options.batchSize ?? DEFAULT_BATCH));
  }

  async close(): Promise<void> {
    await this.session.release();
  }

  /** Scores already-decoded images in one batch. */
  async scoreBatch(images: readonly DecodedImage[]): Promise<TraitResult[]> {
    if (images.length === 0) return [];
    const n = images.length;
    const wLen = 3 * WORKING_SIZE * WORKING_SIZE;
    const pLen = 3 * PATCH_SIZE * PATCH_SIZE;
    const working = new Float32Array(n * wLen);
    const patch = new Float32Array(n * pLen);
    images.forEach((img, i) => {
      working.set(img.working, i * wLen);
      patch.set(img.patch, i * pLen);
    });
    const out = await this.session.run({
      working: new ort.Tensor('float32', working, [n, 3, WORKING_SIZE, WORKING_SIZE]),
      patch: new ort.Tensor('float32', patch, [n, 3, PATCH_SIZE, PATCH_SIZE]),
    });
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
    while (decoding.length > 0) {
      if (signal?.aborted) return;
      const settled = await Promise.all(decoding.splice(0, Math.min(batchSize, decoding.length)));
      fill();
      const images = settled.filter((s): s is DecodedImage => 'working' in s);
      const scored = await this.scoreBatch(images);
      let k = 0;
      for (const s of settled) yield 'working' in s ? scored[k++] : s;
    }
  }
}

/** Six significant decimals keep JSON reports readable without losing anything a threshold can see. */
function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

export function isFailure(r: TraitResult | TraitFailure): r is TraitFailure {
  return 'error' in r;
}
