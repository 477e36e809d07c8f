// A fake AUTOMATIC1111 web UI API, faithful to modules/api/api.py and models.py where a client can tell:
//  - POST /sdapi/v1/txt2img and /sdapi/v1/img2img take the processing fields as JSON; every field is optional
//    (a missing prompt is ""), but a value of the wrong type is FastAPI's 422 {"detail": [{loc, msg, type}]};
//  - an unknown sampler_name is 404 {"error": "HTTPException", "detail": "Sampler not found", "body", "errors"};
//  - img2img without init_images is 404 "Init image not found"; an init image that is not one is 500
//    "Invalid encoded image";
//  - an override_settings.sd_model_checkpoint the server does not know is silently dropped and the loaded model
//    is used (processing.py); a known one is loaded and stays loaded;
//  - the answer is {images: [base64 PNG], parameters: the request, info: a JSON string with seed, sampler,
//    sd_model_name...};
//  - GET /sdapi/v1/sd-models lists checkpoints {title, model_name, hash, sha256, filename, config};
//  - with --api-auth, HTTP Basic credentials are required (401 otherwise; with echoAuth the 401 repeats them).
// The image is a solid PNG of the requested size whose colour encodes the seed (txt2img), mixed with the init
// image's mean colour by denoising_strength (img2img), so tests can see what arrived.
import { FakeServer, meanColour, mix, seedColour, solidPng, type Answer, type Fault, type RecordedRequest, type Rgb } from './fakeHttp';

export interface Checkpoint {
  readonly title: string;
  readonly model_name: string;
  readonly hash: string;
  readonly sha256: string;
  readonly filename: string;
  readonly config: null;
}

export function checkpoint(file: string, hash: string): Checkpoint {
  const model_name = file.replace(/\.[^.]+$/, '');
  return { title: `${file} [${hash}]`, model_name, hash, sha256: hash.padEnd(64, '0'), filename: `/webui/models/Stable-diffusion/${file}`, config: null };
}

export interface FakeA1111Options {
  readonly checkpoints?: readonly Checkpoint[];
  readonly samplers?: readonly string[];
  /** `user:password`, as given to --api-auth. */
  readonly auth?: string;
  /** A careless server (or the proxy in front of it) that echoes the credentials it was given in its 401. */
  readonly echoAuth?: boolean;
  /** Answer 404 for /sdapi/v1/sd-models, like a fork without it. */
  readonly noModelList?: boolean;
}

export const DEFAULT_CHECKPOINTS = [checkpoint('v1-5-pruned-emaonly.safetensors', '6ce0161689'), checkpoint('sd_xl_base_1.0.safetensors', '31e35c80fc')];
export const DEFAULT_SAMPLERS = ['Euler a', 'Euler', 'DPM++ 2M', 'DPM++ SDE', 'DDIM'];

const INTEGER_FIELDS = ['seed', 'subseed', 'width', 'height', 'steps', 'batch_size', 'n_iter'];
const FLOAT_FIELDS = ['cfg_scale', 'denoising_strength', 'subseed_strength'];
const STRING_FIELDS = ['prompt', 'negative_prompt', 'sampler_name', 'sampler_index', 'scheduler', 'mask'];
const BOOL_FIELDS = ['send_images', 'save_images', 'override_settings_restore_afterwards'];

export class FakeA1111 extends FakeServer {
  loaded: Checkpoint;
  readonly checkpoints: readonly Checkpoint[];

  constructor(readonly options: FakeA1111Options = {}) {
    super(
      (req, fault) => this.answer(req, fault),
      (method, path) => method === 'POST' && (path === '/sdapi/v1/txt2img' || path === '/sdapi/v1/img2img'),
    );
    this.checkpoints = options.checkpoints ?? DEFAULT_CHECKPOINTS;
    this.loaded = this.checkpoints[0];
  }

  private async answer(req: RecordedRequest, fault: Fault | undefined): Promise<Answer> {
    if (this.options.auth) {
      const header = req.headers.authorization;
      if (!header) return { status: 401, body: { detail: 'Not authenticated' }, headers: { 'www-authenticate': 'Basic' } };
      const given = Buffer.from(header.replace(/^Basic\s+/i, ''), 'base64').toString('utf8');
      if (given !== this.options.auth) {
        return httpException(401, this.options.echoAuth ? `Incorrect username or password: got '${header}' (${given}) for ${req.path}` : 'Incorrect username or password');
      }
    }
    if (req.method === 'GET' && req.path === '/sdapi/v1/sd-models') {
      if (this.options.noModelList) return { status: 404, body: { detail: 'Not Found' } };
      return { status: 200, body: this.checkpoints };
    }
    if (req.method === 'GET' && req.path === '/sdapi/v1/samplers') {
      return { status: 200, body: (this.options.samplers ?? DEFAULT_SAMPLERS).map((name) => ({ name, aliases: [], options: {} })) };
    }
    const img2img = req.path === '/sdapi/v1/img2img';
    if (req.method !== 'POST' || (!img2img && req.path !== '/sdapi/v1/txt2img')) return { status: 404, body: { detail: 'Not Found' } };
    if (req.json === undefined) {
      return { status: 422, body: { detail: [{ loc: ['body', 0], msg: 'Expecting value: line 1 column 1 (char 0)', type: 'value_error.jsondecode' }] } };
    }
    const body = req.json;
    const errors = validate(body, img2img);
    if (errors.length) return { status: 422, body: { detail: errors } };
    const sampler = (body.sampler_name as string | undefined) ?? (body.sampler_index as string | undefined) ?? 'Euler';
    if (!(this.options.samplers ?? DEFAULT_SAMPLERS).includes(sampler)) return httpException(404, 'Sampler not found');
    let init: Rgb | undefined;
    if (img2img) {
      const images = body.init_images as unknown[] | null | undefined;
      if (!images) return httpException(404, 'Init image not found');
      const decoded = await meanColour(Buffer.from(String(images[0]).replace(/^data:image\/[^;]+;base64,/, ''), 'base64'));
      if (!decoded) return httpException(500, 'Invalid encoded image');
      init = decoded;
    }
    const override = (body.override_settings as Record<string, unknown> | undefined)?.sd_model_checkpoint;
    if (typeof override === 'string') {
      const found = this.checkpoints.find((c) => [c.title, c.model_name, c.hash, c.sha256, c.filename.split('/').pop()].includes(override));
      if (found) this.loaded = found; // an unknown name is dropped without a word, as the web UI does
    }
    const requested = (body.seed as number | undefined) ?? -1;
    const seed = requested === -1 ? Math.floor(Math.random() * 4294967294) : requested;
    const width = (body.width as number | undefined) ?? 512;
    const height = (body.height as number | undefined) ?? 512;
    const strength = (body.denoising_strength as number | undefined) ?? 0.75;
    const colour = init ? mix(init, seedColour(seed), strength) : seedColour(seed);
    const png = await solidPng(width, height, colour);
    const image = fault?.kind === 'notImage' ? Buffer.from('<html><body>Internal error</body></html>').toString('base64') : png.toString('base64');
    const prompt = (body.prompt as string | undefined) ?? '';
    const info = {
      prompt,
      all_prompts: [prompt],
      negative_prompt: body.negative_prompt ?? '',
      seed,
      all_seeds: [seed],
      subseed: 1234,
      width,
      height,
      sampler_name: sampler,
      cfg_scale: body.cfg_scale ?? 7,
      steps: body.steps ?? 50,
      sd_model_name: this.loaded.model_name,
      sd_model_hash: this.loaded.hash,
      denoising_strength: img2img ? strength : null,
      infotexts: [`${prompt}\nSteps: ${body.steps ?? 50}, Sampler: ${sampler}, Seed: ${seed}, Model: ${this.loaded.model_name}`],
    };
    const parameters = { ...body, init_images: null };
    return { status: 200, body: { images: fault?.kind === 'noImage' ? [] : [image], parameters, info: JSON.stringify(info) } };
  }
}

/** The web UI's own error body (api_middleware's handle_exception). */
export function httpException(status: number, detail: string): Answer {
  return { status, body: { error: 'HTTPException', detail, body: '', errors: `${status}: ${detail}` } };
}

function validate(body: Record<string, unknown>, img2img: boolean): object[] {
  const errors: object[] = [];
  const bad = (field: string, msg: string, type: string) => errors.push({ loc: ['body', field], msg, type });
  for (const [k, v] of Object.entries(body)) {
    if (v === null) continue; // every field is Optional
    if (INTEGER_FIELDS.includes(k) && !(typeof v === 'number' && Number.isFinite(v)) && !(typeof v === 'string' && /^-?\d+$/.test(v))) {
      bad(k, 'value is not a valid integer', 'type_error.integer');
    } else if (FLOAT_FIELDS.includes(k) && !(typeof v === 'number' && Number.isFinite(v))) bad(k, 'value is not a valid float', 'type_error.float');
    else if (STRING_FIELDS.includes(k) && typeof v !== 'string') bad(k, 'str type expected', 'type_error.str');
    else if (BOOL_FIELDS.includes(k) && typeof v !== 'boolean') bad(k, 'value could not be parsed to a boolean', 'type_error.bool');
    else if (k === 'override_settings' && (typeof v !== 'object' || Array.isArray(v))) bad(k, 'value is not a valid dict', 'type_error.dict');
    else if (k === 'init_images' && (!img2img || !Array.isArray(v))) {
      if (img2img) bad(k, 'value is not a valid list', 'type_error.list');
    }
  }
  return errors;
}

export async function startFakeA1111(options?: FakeA1111Options): Promise<FakeA1111> {
  return new FakeA1111(options).start();
}
