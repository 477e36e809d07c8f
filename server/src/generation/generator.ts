// The contract every generation backend meets. A generator makes images and never judges them; the runner
// (which knows tests, seeds and expectations) adds that context to errors and decides what to cache.
import type { TraitName } from '../catalogue/traits';
import type { EndpointFigures } from './pool';
import { redactSecrets } from './redact';

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
  /** For the kinds that send requests to servers: what each endpoint did so far. */
  endpointFigures?(): EndpointFigures[];
  close?(): Promise<void>;
}

/** A generation that failed, saying which backend and why, and whether trying again may help. Its reason and body
 *  pass through redactSecrets, so no credential in them reaches a message, a log or a report.
 *
 *  `serverFault` says the failure lies with the server that was asked, not with the request: it could not be
 *  reached, dropped the connection, timed out, was overloaded (429) or failed (5xx), or answered with something
 *  that is not its protocol. Another server of a pool may well succeed (generation/pool.ts). A request's own fault
 *  (a 400 for a bad workflow, a missing input, an error a node raised) would fail on every server alike. By default
 *  a failure worth retrying on the same server is a server fault. */
export class GenerationError extends Error {
  readonly reason: string;
  /** The body of an HTTP error answer (up to 64 KiB), for backends whose servers explain errors there. */
  readonly body?: string;

  constructor(
    readonly backend: string,
    reason: string,
    readonly retryable = false,
    readonly status?: number,
    body?: string,
    readonly serverFault = retryable,
  ) {
    const safe = redactSecrets(reason);
    super(`${backend}: ${safe}`);
    this.name = 'GenerationError';
    this.reason = safe;
    if (body !== undefined) this.body = redactSecrets(body);
  }
}

/** The error `e` (a GenerationError or anything thrown) as a GenerationError of `backend` (when it names none
 *  itself) with the `known` secrets masked too: for code that knows a key, a password or a request's headers. */
export function withoutSecrets(e: unknown, known: readonly string[], backend: string): GenerationError {
  if (e instanceof GenerationError) {
    const reason = redactSecrets(e.reason, known);
    const body = e.body === undefined ? undefined : redactSecrets(e.body, known);
    return reason === e.reason && body === e.body ? e : new GenerationError(e.backend, reason, e.retryable, e.status, body, e.serverFault);
  }
  return new GenerationError(backend, redactSecrets(e instanceof Error ? e.message : String(e), known));
}
