// The contract every generation backend meets. A generator makes images and never judges them; the runner
// (which knows tests, seeds and expectations) adds that context to errors and decides what to cache.
import type { TraitName } from '../catalogue/traits';

export interface GenerationRequest {
  readonly prompt: string;
  readonly negative?: string;
  readonly seed: number;
  readonly width: number;
  readonly height: number;
  readonly steps?: number;
  readonly guidance?: number;
  /** Absolute path of the input image, for image-to-image. */
  readonly input?: string;
  /** Image-to-image denoising strength, 0..1. */
  readonly strength?: number;
  /** The anti-aesthetic traits the test asks for (the `degrade` reference applies them; others ignore it). */
  readonly traits?: readonly TraitName[];
}

export interface GeneratedImage {
  /** Encoded image bytes (PNG, JPEG, WebP...), as the backend returned them. */
  readonly bytes: Buffer;
  /** What the backend reported, for the report (model, sampler, revised prompt...). */
  readonly info?: Readonly<Record<string, unknown>>;
}

export interface Generator {
  /** The name the spec gave it. */
  readonly name: string;
  readonly kind: string;
  /** Everything about the generator that changes its output (kind, URL, workflow hash, model...), stable across
   *  runs: part of the cache key. Never includes secrets. */
  readonly identity: string;
  generate(request: GenerationRequest, signal?: AbortSignal): Promise<GeneratedImage>;
  close?(): Promise<void>;
}

/** A generation that failed, saying which backend and why, and whether trying again may help. */
export class GenerationError extends Error {
  constructor(
    readonly backend: string,
    readonly reason: string,
    readonly retryable = false,
    readonly status?: number,
    /** The body of an HTTP error answer (up to 64 KiB), for backends whose servers explain errors there. */
    readonly body?: string,
  ) {
    super(`${backend}: ${reason}`);
    this.name = 'GenerationError';
  }
}
