// A fake OpenAI Images API, faithful to the API reference where a client can tell:
//  - every request needs `Authorization: Bearer KEY`: none is 401 with code null, a wrong one 401
//    invalid_api_key whose message shows the key masked (sk-ab****wxyz), as the real API does;
//  - POST /v1/images/generations takes JSON {model, prompt, n, size "WxH", quality, response_format...}; an
//    unknown parameter (a `seed`, say) is 400 unknown_parameter; gpt-image models reject `response_format`
//    (400 unknown_parameter, param response_format) and always answer base64; DALL-E answers a URL unless
//    asked for b64_json; sizes and qualities are checked per model (400 invalid_value, param size/quality);
//  - POST /v1/images/edits takes multipart/form-data with the image as a file (`image`, or `image[]` for gpt-image
//    models), prompt, model, n, size, quality...; JSON there is 400 (wrong Content-Type); an image part that is
//    not PNG/JPEG/WebP is 400 invalid_image_format;
//  - answers are {created, data: [{b64_json | url, revised_prompt?}], (gpt-image:) size, quality, output_format,
//    usage}; errors are {"error": {message, type, param, code}}.
// The image is a solid PNG of the requested size whose colour encodes the prompt (edits: mixed half and half with
// the input image's mean colour), so tests can see what arrived.
import { FakeServer, meanColour, mix, promptColour, solidPng, type Answer, type Fault, type RecordedRequest } from './fakeHttp';

export interface FakeOpenAIOptions {
  /** The key the server accepts. */
  readonly apiKey: string;
  /** A careless server that echoes the full key it was given in its 401 message. */
  readonly echoKey?: boolean;
  /** A compatible server (LocalAI-like) that accepts any WxH size. */
  readonly anySize?: boolean;
  /** A compatible server that ignores response_format and always answers a URL. */
  readonly alwaysUrl?: boolean;
  /** A compatible server that, like the gpt-image models, rejects response_format for every model. */
  readonly noResponseFormat?: boolean;
}

const SIZES: Record<string, readonly string[]> = {
  'gpt-image-1': ['1024x1024', '1536x1024', '1024x1536', 'auto'],
  'dall-e-3': ['1024x1024', '1792x1024', '1024x1792'],
  'dall-e-2': ['256x256', '512x512', '1024x1024'],
};
const QUALITIES: Record<string, readonly string[]> = {
  'gpt-image-1': ['low', 'medium', 'high', 'auto'],
  'dall-e-3': ['standard', 'hd', 'auto'],
  'dall-e-2': ['standard', 'auto'],
};
const GENERATION_PARAMS = [
  'model',
  'prompt',
  'n',
  'size',
  'quality',
  'response_format',
  'style',
  'user',
  'background',
  'moderation',
  'output_format',
  'output_compression',
];
const EDIT_PARAMS = [
  'image',
  'image[]',
  'mask',
  'model',
  'prompt',
  'n',
  'size',
  'quality',
  'response_format',
  'user',
  'background',
  'output_format',
  'input_fidelity',
];

export function openaiError(status: number, message: string, param: string | null = null, code: string | null = null, type = 'invalid_request_error'): Answer {
  return { status, body: { error: { message, type, param, code } } };
}

const isGptImage = (model: string) => /^gpt-image/.test(model);

export class FakeOpenAI extends FakeServer {
  private readonly files = new Map<string, Buffer>();

  constructor(readonly options: FakeOpenAIOptions) {
    super(
      (req, fault) => this.answer(req, fault),
      (method, path) => method === 'POST' && (path === '/v1/images/generations' || path === '/v1/images/edits'),
    );
  }

  private async answer(req: RecordedRequest, fault: Fault | undefined): Promise<Answer> {
    if (req.method === 'GET' && req.path.startsWith('/files/')) {
      const file = this.files.get(req.path.slice('/files/'.length));
      return file ? { status: 200, body: file } : { status: 404, body: 'not found' };
    }
    const auth = req.headers.authorization;
    if (!auth || !/^Bearer\s+\S/.test(auth)) {
      return openaiError(401, 'No API key was given. Send it in an Authorization header using Bearer auth (Authorization: Bearer YOUR_KEY).');
    }
    const key = auth.replace(/^Bearer\s+/, '');
    if (key !== this.options.apiKey) {
      const shown = this.options.echoKey ? key : `${key.slice(0, 5)}${'*'.repeat(Math.max(0, key.length - 9))}${key.slice(-4)}`;
      return openaiError(
        401,
        `Incorrect API key provided: ${shown}. You can find your API key at https://platform.openai.com/account/api-keys.`,
        null,
        'invalid_api_key',
      );
    }
    if (req.method === 'POST' && req.path === '/v1/images/generations') return this.generate(req, fault);
    if (req.method === 'POST' && req.path === '/v1/images/edits') return this.edits(req, fault);
    return openaiError(404, `Invalid URL (${req.method} ${req.path})`);
  }

  private async generate(req: RecordedRequest, fault: Fault | undefined): Promise<Answer> {
    if (!req.json || typeof req.json !== 'object') return openaiError(400, 'The body of the request is not valid JSON.');
    const p = req.json;
    const checked = this.check(p, GENERATION_PARAMS, 'dall-e-2');
    if ('status' in checked) return checked;
    return this.image(checked.model, String(p.prompt), checked.size, p, undefined, fault);
  }

  private async edits(req: RecordedRequest, fault: Fault | undefined): Promise<Answer> {
    const type = String(req.headers['content-type'] ?? '');
    if (!type.startsWith('multipart/form-data')) {
      return openaiError(400, `Invalid Content-Type header (${type.split(';')[0] || 'none'}), expected multipart/form-data.`);
    }
    let form: FormData;
    try {
      form = await new Response(new Uint8Array(req.body), { headers: { 'content-type': type } }).formData();
    } catch {
      return openaiError(400, 'The multipart body could not be parsed.');
    }
    const fields: Record<string, unknown> = {};
    for (const [k, v] of form.entries()) if (typeof v === 'string') fields[k] = v;
    const image = form.get('image') ?? form.get('image[]');
    const checked = this.check(
      { ...fields, ...(image ? { image: true } : {}), n: fields.n === undefined ? undefined : Number(fields.n) },
      EDIT_PARAMS,
      'dall-e-2',
    );
    if ('status' in checked) return checked;
    if (!image) return openaiError(400, "Missing required parameter: 'image'.", 'image', 'missing_required_parameter');
    if (typeof image === 'string') return openaiError(400, "Invalid type for 'image': expected a file, but got a string instead.", 'image', 'invalid_type');
    const bytes = Buffer.from(await image.arrayBuffer());
    const mean = ['image/png', 'image/jpeg', 'image/webp'].includes(image.type) ? await meanColour(bytes) : undefined;
    if (!mean) {
      return openaiError(
        400,
        `Invalid file 'image': unsupported mimetype ('${image.type}'). Supported file formats are 'image/jpeg', 'image/png', and 'image/webp'.`,
        'image',
        'invalid_image_format',
      );
    }
    return this.image(checked.model, String(fields.prompt), checked.size, fields, mean, fault);
  }

  /** The checks both endpoints make, in the API's order: unknown parameters, prompt, model, n, size, quality. */
  private check(p: Record<string, unknown>, allowed: readonly string[], defaultModel: string): Answer | { model: string; size: string } {
    for (const k of Object.keys(p)) {
      if (p[k] === undefined) continue;
      if (!allowed.includes(k)) return openaiError(400, `Unknown parameter: '${k}'.`, k, 'unknown_parameter');
    }
    const model = typeof p.model === 'string' ? p.model : defaultModel;
    if (!(model in SIZES))
      return openaiError(400, `Invalid value: '${model}'. Supported values are: 'gpt-image-1', 'dall-e-2', and 'dall-e-3'.`, 'model', 'invalid_value');
    if ((isGptImage(model) || this.options.noResponseFormat) && p.response_format !== undefined)
      return openaiError(400, "Unknown parameter: 'response_format'.", 'response_format', 'unknown_parameter');
    if (typeof p.prompt !== 'string' || p.prompt === '')
      return openaiError(400, "Missing required parameter: 'prompt'.", 'prompt', 'missing_required_parameter');
    if (p.n !== undefined && !(Number.isInteger(p.n) && (p.n as number) >= 1 && (p.n as number) <= (model === 'dall-e-3' ? 1 : 10))) {
      return openaiError(400, `Invalid 'n': integer out of range.`, 'n', 'integer_above_max_value');
    }
    const size = typeof p.size === 'string' ? p.size : model === 'dall-e-2' ? '1024x1024' : 'auto';
    const sizeOk = this.options.anySize ? /^\d+x\d+$/.test(size) || size === 'auto' : SIZES[model].includes(size);
    if (!sizeOk) {
      return openaiError(400, `Invalid value: '${size}'. Supported values are: ${SIZES[model].map((s) => `'${s}'`).join(', ')}.`, 'size', 'invalid_value');
    }
    if (p.quality !== undefined && !QUALITIES[model].includes(String(p.quality))) {
      return openaiError(
        400,
        `Invalid value: '${String(p.quality)}'. Supported values are: ${QUALITIES[model].map((s) => `'${s}'`).join(', ')}.`,
        'quality',
        'invalid_value',
      );
    }
    if (p.response_format !== undefined && p.response_format !== 'url' && p.response_format !== 'b64_json') {
      return openaiError(400, `Invalid value: '${String(p.response_format)}'. Supported values are: 'url' and 'b64_json'.`, 'response_format', 'invalid_value');
    }
    return { model, size };
  }

  private async image(
    model: string,
    prompt: string,
    size: string,
    p: Record<string, unknown>,
    input: readonly [number, number, number] | undefined,
    fault: Fault | undefined,
  ): Promise<Answer> {
    const [w, h] = size === 'auto' ? [1024, 1024] : size.split('x').map(Number);
    const colour = input ? mix(input, promptColour(prompt), 0.5) : promptColour(prompt);
    const png = fault?.kind === 'notImage' ? Buffer.from('{"status":"queued"}') : await solidPng(w, h, colour);
    const created = Math.floor(Date.now() / 1000);
    if (fault?.kind === 'noImage') return { status: 200, body: { created, data: [] } };
    const item: Record<string, unknown> = {};
    const wantsUrl = this.options.alwaysUrl || (!isGptImage(model) && !this.options.noResponseFormat && p.response_format !== 'b64_json');
    if (wantsUrl) {
      const id = `img-${this.files.size + 1}.png`;
      this.files.set(id, png);
      item.url = `${this.url}/files/${id}`;
    } else item.b64_json = png.toString('base64');
    if (model === 'dall-e-3') item.revised_prompt = `A picture of ${prompt}`;
    const body: Record<string, unknown> = { created, data: [item] };
    if (isGptImage(model)) {
      Object.assign(body, { size, quality: p.quality ?? 'auto', output_format: 'png', usage: { input_tokens: 12, output_tokens: 272, total_tokens: 284 } });
    }
    return { status: 200, body };
  }
}

export async function startFakeOpenAI(options: FakeOpenAIOptions): Promise<FakeOpenAI> {
  return new FakeOpenAI(options).start();
}
