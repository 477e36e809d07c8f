// AUTOMATIC1111 / Forge / SD.Next web UI API: POST /sdapi/v1/txt2img, or /sdapi/v1/img2img when the test has an
// input image. The answer is {images: [base64], parameters, info}, where `info` is a JSON string the UI made from
// its Processed object (seed, sampler, model name...). Errors come as FastAPI's {"detail": ...} or the UI's own
// {"error", "detail", "body", "errors"}.
//
// A checkpoint named in `override_settings.sd_model_checkpoint` that the server does not know is silently dropped by
// the web UI, which then generates with whatever model is loaded; so when `model` is set, the generator first asks
// /sdapi/v1/sd-models whether the server has it and fails with the list if it does not.
// A server started with --api-auth takes HTTP Basic credentials: give them in the URL (`http://user:pass@host:7860`);
// they are sent in the Authorization header and left out of messages (even when the server repeats them) and the
// identity.
import * as path from 'node:path';
import { decodeBase64Image, describeBytes, readInputImage } from './files';
import { GenerationError, withoutSecrets, type GeneratedImage, type GenerationRequest, type Generator } from './generator';
import { endpointLabel, endpointsOf, sharedConcurrency } from './endpointSettings';
import { parseJson, redact, request, type RetryPolicy } from './http';
import { EndpointPool, type BackendOptions } from './pool';
import { urlSecrets } from './redact';
import type { GeneratorSettings } from './settings';

const BACKEND = 'a1111';

interface Endpoint {
  readonly base: string;
  readonly headers: Record<string, string>;
}

interface SdModel {
  title?: string;
  model_name?: string;
  hash?: string | null;
  sha256?: string | null;
  filename?: string;
}

/** What every endpoint of the generator sends: the checkpoint, the sampler and the retry policy. */
interface WebUIOptions {
  readonly model: string | undefined;
  readonly sampler: string | undefined;
  readonly policy: RetryPolicy;
}

export function createA1111Generator(settings: GeneratorSettings, options: BackendOptions = {}): Generator {
  const shared: WebUIOptions = {
    model: settings.text('model') || undefined,
    sampler: settings.text('sampler') || undefined,
    policy: { timeoutMs: settings.duration('timeout', 300_000), retries: settings.integer('retries', 2), backoffMs: options.backoffMs, maxBackoffMs: options.maxBackoffMs },
  };
  const listed = endpointsOf(settings);
  const urls = listed.length > 0 ? listed : [{ url: '', concurrency: sharedConcurrency(settings) }];
  const pool = new EndpointPool(
    BACKEND,
    urls.map((e) => ({ label: endpointLabel(e.url), concurrency: e.concurrency, client: new WebUI(e.url, shared) })),
    options,
  );
  const secrets = urls.flatMap((e) => urlSecrets(e.url));
  const { model, sampler } = shared;
  return {
    name: settings.name,
    kind: 'a1111',
    // A pool's endpoints serve the same checkpoints: its images are cached whichever made them.
    identity: `a1111:${pool.size === 1 ? safeUrl(urls[0].url) : 'pool'} model=${model ?? ''} sampler=${sampler ?? ''}`,
    generate(req: GenerationRequest, signal?: AbortSignal): Promise<GeneratedImage> {
      // The request layer masks what it sent; this also covers errors made here from an answer's text, and the
      // pool's messages, which name every endpoint's failure.
      return pool.run((webUI, s) => webUI.generate(req, s), signal).catch((e: unknown) => Promise.reject(withoutSecrets(asBackendError(e), secrets, BACKEND)));
    },
    endpointFigures: () => pool.figures(settings.name),
  };
}

/** One web UI server: its address and credentials, and whether it has the checkpoint. */
class WebUI {
  private checkpoint: Promise<void> | undefined;

  constructor(
    private readonly url: string,
    private readonly shared: WebUIOptions,
  ) {}

  private endpoint(): Endpoint {
    const url = this.url;
    if (!url) throw new GenerationError(BACKEND, 'no `url`: give the base URL of the web UI, e.g. http://127.0.0.1:7860');
    let u: URL | undefined;
    try {
      u = new URL(url);
    } catch {
      u = undefined;
    }
    if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:'))
      throw new GenerationError(BACKEND, `\`url\` is not an http:// or https:// URL: ${JSON.stringify(redact(url))}`);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (u.username || u.password) {
      const user = decodeURIComponent(u.username);
      const pass = decodeURIComponent(u.password);
      headers.authorization = 'Basic ' + Buffer.from(`${user}:${pass}`).toString('base64');
      u.username = '';
      u.password = '';
    }
    return { base: u.toString().replace(/\/+$/, ''), headers };
  }

  private async verifyCheckpoint(ep: Endpoint, model: string): Promise<void> {
    const listUrl = `${ep.base}/sdapi/v1/sd-models`;
    let res;
    try {
      res = await request(BACKEND, listUrl, { method: 'GET', headers: ep.headers }, this.shared.policy);
    } catch (e) {
      // A fork without the listing cannot be checked; anything else (down, 401...) is the real error.
      if (e instanceof GenerationError && e.status === 404) return;
      throw e;
    }
    const list = parseJson<unknown>(BACKEND, `GET ${redact(listUrl)} answer`, res.body);
    if (!Array.isArray(list)) throw new GenerationError(BACKEND, `GET ${redact(listUrl)} answered something other than a list of checkpoints`);
    if (!(list as SdModel[]).some((m) => checkpointNames(m).includes(model))) {
      const names = (list as SdModel[]).map((m) => m.title ?? m.model_name).filter((n): n is string => typeof n === 'string');
      const shown =
        names
          .slice(0, 12)
          .map((n) => JSON.stringify(n))
          .join(', ') + (names.length > 12 ? `, and ${names.length - 12} more` : '');
      // This server lacks what another of a pool may have: its fault, not the request's.
      throw new GenerationError(
        BACKEND,
        `the server has no checkpoint ${JSON.stringify(model)} (the web UI would silently use the loaded model instead); ${names.length ? `it has ${shown}` : 'it lists none'}`,
        false,
        undefined,
        undefined,
        true,
      );
    }
  }

  async generate(req: GenerationRequest, signal?: AbortSignal): Promise<GeneratedImage> {
    if (signal?.aborted) throw new GenerationError(BACKEND, 'cancelled');
    const { model, sampler, policy } = this.shared;
    const ep = this.endpoint();
    if (model) {
      // One check shared by concurrent callers, so no caller's cancellation cancels it for the others; a failed
      // check is asked again next time (the server may have been down, or been given the model since).
      this.checkpoint ??= this.verifyCheckpoint(ep, model).catch((e: unknown) => {
        this.checkpoint = undefined;
        throw e;
      });
      await untilAborted(this.checkpoint, signal);
    }
    const img2img = req.input !== undefined;
    const body: Record<string, unknown> = {
      prompt: req.prompt,
      negative_prompt: req.negative ?? '',
      seed: Math.trunc(req.seed),
      width: Math.round(req.width),
      height: Math.round(req.height),
      batch_size: 1,
      n_iter: 1,
      send_images: true,
      save_images: false,
    };
    if (req.steps !== undefined) body.steps = Math.round(req.steps);
    if (req.guidance !== undefined) body.cfg_scale = req.guidance;
    if (sampler) body.sampler_name = sampler;
    if (model) body.override_settings = { sd_model_checkpoint: model };
    if (img2img) {
      body.init_images = [(await readInput(req.input!)).toString('base64')];
      body.denoising_strength = req.strength ?? 0.75;
    }
    const target = `${ep.base}/sdapi/v1/${img2img ? 'img2img' : 'txt2img'}`;
    const init = { method: 'POST', headers: { ...ep.headers, 'content-type': 'application/json' }, body: JSON.stringify(body) };
    const res = await request(BACKEND, target, init, policy, signal);
    const where = `POST ${redact(target)}`;
    const answer = parseJson<{ images?: unknown; info?: unknown }>(BACKEND, `${where} answer`, res.body);
    if (!answer || typeof answer !== 'object' || !Array.isArray(answer.images)) {
      throw new GenerationError(BACKEND, `${where} answered without an \`images\` list: ${describeBytes(res.body)}`, false, undefined, undefined, true);
    }
    if (answer.images.length === 0) throw new GenerationError(BACKEND, `${where} answered with no images`, false, undefined, undefined, true);
    const bytes = decodeBase64Image(BACKEND, `images[0] from ${where}`, answer.images[0]);
    return { bytes, info: parseInfo(answer.info) };
  }
}

/** Errors from the shared HTTP layer that name no backend (a cancelled backoff) get this one's name. */
function asBackendError(e: unknown): GenerationError {
  if (e instanceof GenerationError) return e.backend === BACKEND ? e : new GenerationError(BACKEND, e.reason, e.retryable, e.status, e.body, e.serverFault);
  return new GenerationError(BACKEND, e instanceof Error ? e.message : String(e));
}

/** Waits for `promise`, or throws 'cancelled' as soon as `signal` aborts. */
function untilAborted<T>(promise: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new GenerationError(BACKEND, 'cancelled'));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

/** Every name the web UI accepts for a checkpoint in sd_model_checkpoint (its checkpoint_aliases). */
function checkpointNames(m: SdModel): string[] {
  const names: string[] = [];
  for (const v of [m.title, m.model_name, m.hash, m.sha256]) if (typeof v === 'string' && v) names.push(v);
  if (typeof m.title === 'string') names.push(m.title.replace(/\s*\[[0-9a-f]+\]$/i, ''));
  if (typeof m.filename === 'string' && m.filename) {
    const base = path.basename(m.filename.replace(/\\/g, '/'));
    names.push(base, base.replace(/\.[^.]+$/, ''));
  }
  return names;
}

async function readInput(file: string): Promise<Buffer> {
  // The web UI decodes init images with PIL, which may lack AVIF/HEIF/TIFF variants: those are sent as PNG.
  return (await readInputImage(BACKEND, file)).bytes;
}

/** `info` is a JSON string; a server that sends something else still produced an image, so keep what there is. */
function parseInfo(info: unknown): Record<string, unknown> | undefined {
  if (info && typeof info === 'object' && !Array.isArray(info)) return info as Record<string, unknown>;
  if (typeof info !== 'string' || info === '') return undefined;
  try {
    const parsed = JSON.parse(info) as unknown;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // fall through
  }
  return { info };
}

function safeUrl(url: string): string {
  return redact(url).replace(/\/+$/, '');
}
