// Any OpenAI-compatible Images API: POST {url}/images/generations (JSON) for text-to-image, POST {url}/images/edits
// (multipart/form-data with the input image as a file) for image-to-image. Images come back base64 in
// data[0].b64_json. The GPT image models always answer base64 and reject `response_format` with 400
// unknown_parameter; DALL-E models and most compatible servers answer a URL unless asked for `b64_json`. So the
// generator asks for it except for gpt-image models, drops it for good after a 400 that names it, and fetches
// data[0].url when a server sends a URL anyway.
//
// The Images API has no seed, negative prompt, steps, guidance or strength: none of them is sent, results are not
// reproducible from the seed (the runner decides what to cache), and `info.ignored` lists what the request asked
// for that could not be passed on.
//
// The API key comes from the environment variable named by `api-key-env` (default OPENAI_API_KEY) or the editor's
// secret storage, never from the spec. It travels only in the Authorization header of requests to `url`, and is
// removed from any error text (some servers echo it).
import { decodeBase64Image, describeBytes, imageFormat, readInputImage } from './files';
import { GenerationError, withoutSecrets, type GeneratedImage, type GenerationRequest, type Generator } from './generator';
import { endpointLabel, endpointsOf, sharedConcurrency } from './endpointSettings';
import { parseJson, redact, request, type HttpResponse, type RetryPolicy } from './http';
import { EndpointPool, type BackendOptions } from './pool';
import type { GeneratorEnvironment, GeneratorSettings } from './settings';

const BACKEND = 'openai';
export const OPENAI_DEFAULT_URL = 'https://api.openai.com/v1';
const DEFAULT_KEY_ENV = 'OPENAI_API_KEY';

interface ImagesResponse {
  created?: number;
  data?: Array<{ b64_json?: unknown; url?: unknown; revised_prompt?: unknown }>;
  output_format?: unknown;
  size?: unknown;
  quality?: unknown;
  usage?: unknown;
}

/** What every endpoint of the generator sends: the model, the quality and the retry policy. */
interface ImagesOptions {
  readonly model: string;
  readonly quality: string | undefined;
  readonly policy: RetryPolicy;
}

export function createOpenAIGenerator(settings: GeneratorSettings, env: GeneratorEnvironment, options: BackendOptions = {}): Generator {
  const shared: ImagesOptions = {
    model: settings.text('model') ?? '',
    quality: settings.text('quality') || undefined,
    policy: { timeoutMs: settings.duration('timeout', 180_000), retries: settings.integer('retries', 3), backoffMs: options.backoffMs, maxBackoffMs: options.maxBackoffMs },
  };
  const keyEnvSetting = settings.text('api-key-env') || undefined;
  const keyEnv = keyEnvSetting ?? DEFAULT_KEY_ENV;
  const listed = endpointsOf(settings);
  const urls = listed.length > 0 ? listed : [{ url: OPENAI_DEFAULT_URL, concurrency: sharedConcurrency(settings) }];
  const bases = urls.map((e) => ({ base: e.url.replace(/\/+$/, ''), concurrency: e.concurrency }));
  const pool = new EndpointPool(
    BACKEND,
    bases.map((b) => ({ label: endpointLabel(b.base), concurrency: b.concurrency, client: new ImagesApi(b.base, shared) })),
    options,
  );
  let cachedKey: string | undefined;

  const apiKey = async (): Promise<string> => {
    if (cachedKey) return cachedKey;
    let key = env.env[keyEnv]?.trim() || undefined;
    if (!key && env.secret) {
      try {
        key = (await env.secret(keyEnv))?.trim() || undefined;
      } catch (e) {
        throw new GenerationError(BACKEND, `no API key: reading ${keyEnv} from the editor's secret storage failed (${(e as Error).message ?? String(e)})`);
      }
    }
    if (!key) {
      throw new GenerationError(
        BACKEND,
        `no API key: set the environment variable ${keyEnv} (${keyEnvSetting ? 'named by `api-key-env`' : 'or name another with `api-key-env`'}) or store it in the editor's secret storage`,
      );
    }
    cachedKey = key;
    return key;
  };

  const { model, quality } = shared;
  return {
    name: settings.name,
    kind: 'openai',
    // A pool's endpoints serve the same model: its images are cached whichever made them.
    identity: `openai:${pool.size === 1 ? redact(bases[0].base).replace(/\/+$/, '') : 'pool'} model=${model} quality=${quality ?? ''}`,
    async generate(req: GenerationRequest, signal?: AbortSignal): Promise<GeneratedImage> {
      if (signal?.aborted) throw new GenerationError(BACKEND, 'cancelled');
      if (!model) throw new GenerationError(BACKEND, 'no `model`: name the image model, e.g. gpt-image-1');
      const key = await apiKey();
      try {
        return await pool.run((api, s) => api.generate(req, key, s), signal);
      } catch (e) {
        // Every endpoint's errors are masked where they are made; the pool's messages join them, so mask again.
        throw withoutKey(e, key);
      }
    },
    endpointFigures: () => pool.figures(settings.name),
  };
}

/** One Images API endpoint. Whether it takes `response_format` is learnt per endpoint: servers differ. */
class ImagesApi {
  // gpt-image models reject response_format; everything else needs it to answer base64.
  private sendResponseFormat: boolean;

  constructor(
    private readonly base: string,
    private readonly shared: ImagesOptions,
  ) {
    this.sendResponseFormat = !/^gpt-image/i.test(shared.model);
  }

  async generate(req: GenerationRequest, key: string, signal: AbortSignal): Promise<GeneratedImage> {
    try {
      return await this.once(req, key, signal);
    } catch (e) {
      throw withoutKey(e, key);
    }
  }

  private post(target: string, key: string, body: string | FormData, signal?: AbortSignal): Promise<HttpResponse> {
    const headers: Record<string, string> = { authorization: `Bearer ${key}`, accept: 'application/json' };
    if (typeof body === 'string') headers['content-type'] = 'application/json';
    return request(BACKEND, target, { method: 'POST', headers, body }, this.shared.policy, signal);
  }

  private generations(req: GenerationRequest, key: string, signal?: AbortSignal): Promise<HttpResponse> {
    const { model, quality } = this.shared;
    const body: Record<string, unknown> = { model, prompt: req.prompt, n: 1, size: `${Math.round(req.width)}x${Math.round(req.height)}` };
    if (quality) body.quality = quality;
    if (this.sendResponseFormat) body.response_format = 'b64_json';
    return this.post(`${this.base}/images/generations`, key, JSON.stringify(body), signal);
  }

  private async edits(req: GenerationRequest, key: string, signal?: AbortSignal): Promise<HttpResponse> {
    const { model, quality } = this.shared;
    const image = await readInput(req.input!);
    const form = new FormData();
    form.append('image', new Blob([new Uint8Array(image.bytes)], { type: image.type }), image.name);
    form.append('prompt', req.prompt);
    form.append('model', model);
    form.append('n', '1');
    form.append('size', `${Math.round(req.width)}x${Math.round(req.height)}`);
    if (quality) form.append('quality', quality);
    if (this.sendResponseFormat) form.append('response_format', 'b64_json');
    return this.post(`${this.base}/images/edits`, key, form, signal);
  }

  private async once(req: GenerationRequest, key: string, signal?: AbortSignal): Promise<GeneratedImage> {
    const edit = req.input !== undefined;
    const where = `POST ${redact(`${this.base}/images/${edit ? 'edits' : 'generations'}`)}`;
    let res: HttpResponse;
    try {
      res = edit ? await this.edits(req, key, signal) : await this.generations(req, key, signal);
    } catch (e) {
      if (!(this.sendResponseFormat && e instanceof GenerationError && e.status === 400 && /response_format/.test(e.reason))) throw e;
      // A model or server that takes no response_format (it answers base64 anyway): ask again without it.
      this.sendResponseFormat = false;
      res = edit ? await this.edits(req, key, signal) : await this.generations(req, key, signal);
    }
    const answer = parseJson<ImagesResponse>(BACKEND, `${where} answer`, res.body);
    const item = answer && typeof answer === 'object' && Array.isArray(answer.data) ? answer.data[0] : undefined;
    if (!item || typeof item !== 'object') throw new GenerationError(BACKEND, `${where} answered without an image in \`data\`: ${describeBytes(res.body)}`);
    let bytes: Buffer;
    if (item.b64_json !== undefined && item.b64_json !== null) bytes = decodeBase64Image(BACKEND, `data[0].b64_json from ${where}`, item.b64_json);
    else if (typeof item.url === 'string') bytes = await this.download(item.url, signal);
    else throw new GenerationError(BACKEND, `${where} answered with neither \`b64_json\` nor \`url\` in data[0]`);
    return { bytes, info: imageInfo(this.shared.model, answer, item, req) };
  }

  /** data[0].url: a plain GET with no credentials (the URL is signed, and may be on another host). */
  private async download(url: string, signal?: AbortSignal): Promise<Buffer> {
    let target: string;
    try {
      target = new URL(url, this.base + '/').toString();
    } catch {
      throw new GenerationError(BACKEND, `data[0].url is not a URL: ${JSON.stringify(url.slice(0, 80))}`);
    }
    const res = await request(BACKEND, target, { method: 'GET' }, this.shared.policy, signal);
    if (!imageFormat(res.body)) throw new GenerationError(BACKEND, `GET ${redact(target)} (data[0].url) is not an image: ${describeBytes(res.body)}`);
    return res.body;
  }
}

/** What the report shows of an image: the model, what the server said of it, and what the request asked for that
 *  the Images API cannot take. */
function imageInfo(model: string, answer: ImagesResponse, item: NonNullable<ImagesResponse['data']>[number], req: GenerationRequest): Record<string, unknown> {
  const info: Record<string, unknown> = { model };
  if (typeof item.revised_prompt === 'string') info.revised_prompt = item.revised_prompt;
  for (const k of ['created', 'size', 'quality', 'output_format', 'usage'] as const) if (answer[k] !== undefined) info[k] = answer[k];
  const ignored = ['seed'];
  if (req.negative) ignored.push('negative');
  if (req.steps !== undefined) ignored.push('steps');
  if (req.guidance !== undefined) ignored.push('guidance');
  if (req.input !== undefined && req.strength !== undefined) ignored.push('strength');
  info.ignored = ignored;
  return info;
}

/** The same error with every occurrence of the key masked (and every credential form, as in any GenerationError). */
function withoutKey(e: unknown, key: string): GenerationError {
  const safe = withoutSecrets(e, [key], BACKEND);
  return safe.backend === BACKEND ? safe : new GenerationError(BACKEND, safe.reason, safe.retryable, safe.status, safe.body, safe.serverFault);
}

async function readInput(file: string): Promise<{ bytes: Buffer; type: string; name: string }> {
  // The edits endpoint takes PNG, JPEG and WebP; other formats arrive converted to PNG.
  const { bytes, format } = await readInputImage(BACKEND, file);
  return { bytes, type: `image/${format}`, name: `input.${format === 'jpeg' ? 'jpg' : format}` };
}
