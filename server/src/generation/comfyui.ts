// The `comfyui` backend: ComfyUI's HTTP + WebSocket API. The spec names an API-format workflow (ComfyUI's
// "Save (API Format)") whose inputs hold placeholders; each request fills them in, uploads the input image for
// image-to-image (POST /upload/image), queues the workflow (POST /prompt with our client id), follows it on
// /ws?clientId= until `executing` with node null (falling back to polling /history when the socket is refused or
// drops), then reads the outputs from /history/{prompt_id} and the image bytes from /view.
//
// Protocol as ComfyUI's server.py and execution.py implement it:
//   POST /prompt {prompt, client_id, prompt_id?} -> {prompt_id, number, node_errors}; 400 {error, node_errors}
//     when the workflow fails validation (nothing is queued then).
//   WS /ws?clientId=ID: JSON text frames {type, data} (status, execution_start, execution_cached, executing,
//     progress, executed, execution_success, execution_error, execution_interrupted) and binary preview frames.
//   GET /history/{id} -> {} until the prompt is done, then {id: {prompt, outputs: {node: {images: [...]}}, status}}.
//   GET /view?filename=&subfolder=&type= -> the file's bytes.
//   POST /upload/image multipart (image, overwrite, type, subfolder) -> {name, subfolder, type}.
//   GET /queue -> {queue_running, queue_pending}; POST /queue {delete: [ids]}; POST /interrupt {prompt_id}.
import { createHash, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import WebSocket from 'ws';
import { GenerationError, type GeneratedImage, type GenerationRequest, type Generator } from './generator';
import { parseJson, redact, request, type RetryPolicy } from './http';
import { EndpointPool, type BackendOptions } from './pool';
import { endpointLabel, endpointsOf } from './endpointSettings';
import type { GeneratorSettings } from './settings';

export interface WorkflowNode {
  class_type: string;
  inputs: Record<string, unknown>;
  _meta?: { title?: string };
}
export type Workflow = Record<string, WorkflowNode>;

/** What a placeholder may be called, and the type an input holding exactly `{{name}}` receives. */
export const PLACEHOLDERS = {
  prompt: 'string',
  negative: 'string',
  seed: 'integer',
  width: 'integer',
  height: 'integer',
  steps: 'integer',
  guidance: 'number',
  input: 'string',
  strength: 'number',
} as const;
export type PlaceholderName = keyof typeof PLACEHOLDERS;

/** Values used when a test leaves them out: ComfyUI's own KSampler defaults (steps 20, cfg 8.0, denoise 1.0). */
const DEFAULT_STEPS = 20;
const DEFAULT_GUIDANCE = 8;
const DEFAULT_STRENGTH = 1;

const DEFAULT_TIMEOUT_MS = 300_000;
const DEFAULT_RETRIES = 2;
/** Polling /history while the WebSocket is down, and as a safety net while it is up. */
const POLL_FAST_MS = 250;
const POLL_MAX_MS = 1000;
const POLL_SAFETY_MS = 5000;
/** Polls of /history in a row that find the server unreachable, each after its own retries, before a prompt is
 *  given up for lost. */
const UNREACHABLE_POLLS = 2;
/** Cancelling a prompt on the server after a timeout or an abort is best effort and quick. */
const CLEANUP_TIMEOUT_MS = 5000;

const PLACEHOLDER_EXACT = /^\{\{\s*([A-Za-z_][\w-]*)\s*\}\}$/;
const PLACEHOLDER_ANY = /\{\{\s*([A-Za-z_][\w-]*)\s*\}\}/g;

export interface LoadedWorkflow {
  readonly workflow: Workflow;
  /** Placeholders the workflow uses. */
  readonly placeholders: ReadonlySet<PlaceholderName>;
  /** The workflow as canonical JSON (keys sorted), for the identity hash. */
  readonly canonical: string;
}

/** Reads and checks an API-format workflow. Throws GenerationError saying what is wrong with the file. */
export function loadWorkflow(file: string, backend: string): LoadedWorkflow {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'does not exist' : code === 'EISDIR' ? 'is a folder, not a file' : `cannot be read (${code ?? String(e)})`;
    throw new GenerationError(backend, `workflow ${file} ${why}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new GenerationError(backend, `workflow ${file} is not JSON: ${(e as Error).message}`);
  }
  const workflow = checkApiFormat(json, file, backend);
  const placeholders = new Set<PlaceholderName>();
  for (const [id, node] of Object.entries(workflow)) {
    visitStrings(node.inputs, (s, where) => {
      for (const m of s.matchAll(PLACEHOLDER_ANY)) {
        const name = m[1];
        if (!(name in PLACEHOLDERS)) {
          throw new GenerationError(
            backend,
            `workflow ${file}: node ${id} (${node.class_type}) input ${where} uses the unknown placeholder {{${name}}}; the placeholders are ${Object.keys(PLACEHOLDERS)
              .map((p) => `{{${p}}}`)
              .join(', ')}`,
          );
        }
        placeholders.add(name as PlaceholderName);
      }
    });
  }
  if (!placeholders.has('prompt')) {
    throw new GenerationError(
      backend,
      `workflow ${file} has no {{prompt}} placeholder: put "{{prompt}}" in the text input of the positive CLIPTextEncode node (and "{{negative}}", "{{seed}}", "{{width}}", "{{height}}", "{{steps}}" where the test's values belong)`,
    );
  }
  return { workflow, placeholders, canonical: canonicalJson(workflow) };
}

function checkApiFormat(json: unknown, file: string, backend: string): Workflow {
  const fail = (why: string) => new GenerationError(backend, `workflow ${file} ${why}`);
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw fail('is not an API-format workflow: expected a JSON object of nodes keyed by id');
  }
  const obj = json as Record<string, unknown>;
  if (Array.isArray(obj.nodes) && Array.isArray(obj.links)) {
    throw fail(`is a UI-format workflow: export it with 'Save (API Format)' (enable the dev mode options in ComfyUI's settings if the menu lacks it)`);
  }
  if (obj.prompt && typeof obj.prompt === 'object' && !('class_type' in obj.prompt)) {
    throw fail('looks like a saved /prompt request ({"prompt": ...}); save the workflow itself with \'Save (API Format)\'');
  }
  const ids = Object.keys(obj);
  if (ids.length === 0) throw fail('is empty: an API-format workflow is an object of nodes keyed by id');
  for (const id of ids) {
    const node = obj[id] as Record<string, unknown> | null;
    if (node === null || typeof node !== 'object' || Array.isArray(node)) {
      throw fail(`is not an API-format workflow: node ${id} is not an object with class_type and inputs`);
    }
    if (typeof node.class_type !== 'string' || node.class_type === '') {
      throw fail(`is not an API-format workflow: node ${id} has no class_type`);
    }
    if (node.inputs === null || typeof node.inputs !== 'object' || Array.isArray(node.inputs)) {
      throw fail(`is not an API-format workflow: node ${id} (${node.class_type}) has no inputs object`);
    }
    for (const [name, value] of Object.entries(node.inputs as Record<string, unknown>)) {
      // A link is [source node id, output index]; one to a missing node would fail ComfyUI's validation later.
      if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && Number.isInteger(value[1]) && !(value[0] in obj)) {
        throw fail(`links node ${id} (${node.class_type}) input ${name} to node ${value[0]}, which the workflow does not have`);
      }
    }
  }
  return obj as unknown as Workflow;
}

function visitStrings(value: unknown, f: (s: string, where: string) => void, where = ''): void {
  if (typeof value === 'string') f(value, where);
  else if (Array.isArray(value)) value.forEach((v, i) => visitStrings(v, f, `${where}[${i}]`));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) visitStrings(v, f, where ? `${where}.${k}` : `'${k}'`);
  }
}

function canonicalJson(value: unknown): string {
  const sort = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sort);
    if (v && typeof v === 'object') {
      return Object.fromEntries(
        Object.keys(v)
          .sort()
          .map((k) => [k, sort((v as Record<string, unknown>)[k])]),
      );
    }
    return v;
  };
  return JSON.stringify(sort(value));
}

/** The workflow with every placeholder filled: an input that is exactly `{{name}}` gets the typed value (numbers
 *  for seed, width, height, steps, guidance, strength), one inside a longer string gets its text. */
export function fillWorkflow(workflow: Workflow, values: Readonly<Record<PlaceholderName, string | number>>): Workflow {
  const fill = (v: unknown): unknown => {
    if (typeof v === 'string') {
      const exact = PLACEHOLDER_EXACT.exec(v);
      if (exact && exact[1] in values) return values[exact[1] as PlaceholderName];
      return v.replace(PLACEHOLDER_ANY, (whole, name: string) => (name in values ? String(values[name as PlaceholderName]) : whole));
    }
    if (Array.isArray(v)) return v.map(fill);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fill(x)]));
    return v;
  };
  const out: Workflow = {};
  for (const [id, node] of Object.entries(workflow)) out[id] = { ...node, inputs: fill(node.inputs) as Record<string, unknown> };
  return out;
}

/** The magic bytes of the formats ComfyUI's save nodes write. */
export function imageFormat(bytes: Buffer): 'png' | 'jpeg' | 'webp' | undefined {
  if (bytes.length >= 8 && bytes.readUInt32BE(0) === 0x89504e47 && bytes.readUInt32BE(4) === 0x0d0a1a0a) return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (bytes.length >= 12 && bytes.toString('latin1', 0, 4) === 'RIFF' && bytes.toString('latin1', 8, 12) === 'WEBP') return 'webp';
  return undefined;
}

interface ImageRef {
  filename: string;
  subfolder?: string;
  type?: string;
}
type PickedImage = ImageRef & { node: string; classType: string };
interface HistoryEntry {
  outputs?: Record<string, { images?: ImageRef[] } | undefined>;
  status?: { status_str?: string; completed?: boolean; messages?: Array<[string, Record<string, unknown>]> } | null;
}
interface Message {
  type: string;
  data: Record<string, unknown>;
}

const BACKEND = 'comfyui';
// Like the other backends, errors name the kind; the runner adds the generator, test and seed.
const fail = (reason: string, retryable = false, status?: number) => new GenerationError(BACKEND, reason, retryable, status);

/** The generator block's settings as plain values, read in this one place so the settings API can change here alone. */
interface ComfyUISettings {
  readonly name: string;
  /** One per `url` line, each with its concurrency. */
  readonly endpoints: ReadonlyArray<{ readonly url: string; readonly concurrency: number }>;
  /** Absolute path of the workflow file. */
  readonly workflow: string | undefined;
  readonly timeoutMs: number;
  readonly retries: number;
}

function readSettings(settings: GeneratorSettings): ComfyUISettings {
  return {
    name: settings.name,
    endpoints: endpointsOf(settings),
    workflow: settings.file('workflow'),
    timeoutMs: settings.duration('timeout', DEFAULT_TIMEOUT_MS),
    retries: settings.integer('retries', DEFAULT_RETRIES),
  };
}

export function createComfyUIGenerator(settings: GeneratorSettings, options: BackendOptions = {}): Generator {
  const s = readSettings(settings);
  if (s.endpoints.length === 0) throw fail('the `url` setting is required (the address ComfyUI listens on, e.g. http://127.0.0.1:8188)');
  const bases = s.endpoints.map((e) => ({ ...endpoints(e.url), concurrency: e.concurrency }));
  if (!s.workflow) throw fail('the `workflow` setting is required (an API-format workflow JSON file)');
  const loaded = loadWorkflow(s.workflow, BACKEND);
  const policy: RetryPolicy = { timeoutMs: s.timeoutMs, retries: s.retries, backoffMs: options.backoffMs, maxBackoffMs: options.maxBackoffMs };
  const clients = bases.map((b) => new ComfyUIClient(b.base, b.wsBase, s.workflow!, loaded, policy));
  const pool = new EndpointPool(
    BACKEND,
    bases.map((b, i) => ({ label: endpointLabel(b.base), concurrency: b.concurrency, client: clients[i] })),
    options,
  );
  const workflowHash = createHash('sha256').update(loaded.canonical).digest('hex');
  return {
    name: s.name,
    kind: 'comfyui',
    // A pool's endpoints serve the same models, so its images are the same wherever they are made, and keep their
    // cache entries as endpoints come and go; one server's images are cached under its address.
    identity: pool.size === 1 ? `comfyui:${redact(bases[0].base).replace(/\/+$/, '')}:${workflowHash}` : `comfyui:pool:${workflowHash}`,
    generate(req, outer) {
      // An abort while waiting for a slot rejects at once; once running, the client stops promptly and cancels the
      // prompt on its server before it rejects.
      return pool.run((client, signal) => client.generate(req, signal), outer);
    },
    endpointFigures: () => pool.figures(s.name),
    async close() {
      for (const c of clients) c.close();
    },
  };
}

/** The HTTP base and the WebSocket base of a `url` line. */
function endpoints(rawUrl: string): { base: string; wsBase: string } {
  let parsed: URL;
  try {
    parsed = new URL(rawUrl);
  } catch {
    throw fail(`url ${rawUrl} is not a URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw fail(`url ${rawUrl} must start with http:// or https://`);
  const base = rawUrl.replace(/\/+$/, '');
  return { base, wsBase: base.replace(/^http/, 'ws') };
}

/** One generation's steps against one ComfyUI server and workflow: upload, submit, wait, fetch, and cancel on the
 *  server when a prompt times out or is aborted. */
class ComfyUIClient {
  /** Open sockets, so close() can end those of generations still running. */
  private readonly sockets = new Set<WebSocket>();

  constructor(
    private readonly base: string,
    private readonly wsBase: string,
    private readonly file: string,
    private readonly loaded: LoadedWorkflow,
    private readonly policy: RetryPolicy,
  ) {}

  close(): void {
    for (const s of this.sockets) s.terminate();
    this.sockets.clear();
  }

  private http(route: string, init: RequestInit, signal?: AbortSignal, p: RetryPolicy = this.policy) {
    return request(BACKEND, `${this.base}${route}`, init, p, signal);
  }

  async generate(req: GenerationRequest, signal: AbortSignal): Promise<GeneratedImage> {
    if (signal.aborted) throw fail('cancelled');
    this.checkInput(req);
    const inputName = req.input !== undefined ? await this.upload(req.input, signal) : '';
    const prompt = fillWorkflow(this.loaded.workflow, placeholderValues(req, inputName));

    const clientId = randomUUID().replace(/-/g, '');
    // Opened before the prompt is queued, so no message about it can be missed.
    const socket = await Socket.open(`${this.wsBase}/ws?clientId=${clientId}`, Math.min(this.policy.timeoutMs, 10_000), signal, this.sockets);
    const progress = new Progress(this.loaded.workflow);
    const proposedId = randomUUID();
    let promptId: string | undefined;
    let submitted = false;
    try {
      if (signal.aborted) throw fail('cancelled');
      submitted = true;
      promptId = await this.submit(prompt, clientId, proposedId, signal);
      const started = Date.now();
      const known = await this.waitUntilDone(promptId, socket, signal, progress);
      const entry = await this.finishedEntry(promptId, known, signal, started + this.policy.timeoutMs);
      const { image, bytes } = await this.fetchImage(promptId, entry, signal);
      return { bytes, info: imageInfo(promptId, image, progress, socket) };
    } catch (e) {
      // After a timeout or an abort the prompt may still be queued or running: take it off the server. An abort
      // during POST /prompt may have come after the server queued it, under the id we proposed.
      if (promptId ? !progress.done && !progress.failed : submitted && signal.aborted) await this.cancelOnServer(promptId ?? proposedId);
      if (signal.aborted) throw fail('cancelled');
      throw e;
    } finally {
      socket.close();
    }
  }

  /** A test's input image and the workflow's {{input}} placeholder go together; either alone is a mistake. */
  private checkInput(req: GenerationRequest): void {
    if (req.input !== undefined && !this.loaded.placeholders.has('input')) {
      throw fail(`the test gives an input image, but workflow ${this.file} has no {{input}} placeholder (put "{{input}}" in a LoadImage node's image input)`);
    }
    if (req.input === undefined && this.loaded.placeholders.has('input')) {
      throw fail(`workflow ${this.file} takes an input image ({{input}}), but the test has no \`input\``);
    }
  }

  private async upload(input: string, signal: AbortSignal): Promise<string> {
    let bytes: Buffer;
    try {
      bytes = await fs.promises.readFile(input);
    } catch (e) {
      throw fail(`cannot read the input image ${input}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    }
    const format = imageFormat(bytes);
    const ext = path.extname(input).toLowerCase() || (format ? `.${format === 'jpeg' ? 'jpg' : format}` : '.png');
    // Named by content, so the same input is one file on the server however many seeds and tests use it.
    const name = `wabi-${createHash('sha256').update(bytes).digest('hex').slice(0, 20)}${ext}`;
    const form = new FormData();
    form.append('image', new Blob([bytes], { type: format ? `image/${format}` : 'application/octet-stream' }), name);
    form.append('overwrite', 'true');
    form.append('type', 'input');
    const res = await this.http('/upload/image', { method: 'POST', body: form }, signal);
    const j = parseJson<{ name?: unknown; subfolder?: unknown }>(BACKEND, 'POST /upload/image answer', res.body);
    if (typeof j.name !== 'string' || j.name === '') throw fail(`POST /upload/image answered without a file name: ${res.body.toString('utf8', 0, 200)}`);
    return typeof j.subfolder === 'string' && j.subfolder !== '' ? `${j.subfolder}/${j.name}` : j.name;
  }

  /** Queues the workflow; a validation failure becomes an error naming each failing node and input. */
  private async submit(prompt: Workflow, clientId: string, promptId: string, signal: AbortSignal): Promise<string> {
    // Newer ComfyUI queues the prompt under the id we propose (older ones pick their own and we use the answer's),
    // so a prompt we abort while its POST is in flight can still be found and cancelled.
    const init: RequestInit = {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prompt, client_id: clientId, prompt_id: promptId }),
    };
    let body: Buffer;
    try {
      body = (await this.http('/prompt', init, signal)).body;
    } catch (e) {
      if (!(e instanceof GenerationError) || e.status !== 400 || e.body === undefined) throw e;
      // ComfyUI's node_errors in the 400's body say which node and input are wrong.
      throw fail(rejection(Buffer.from(e.body)) ?? e.reason, false, e.status);
    }
    const j = parseJson<{ prompt_id?: unknown; node_errors?: unknown }>(BACKEND, 'POST /prompt answer', body);
    if (typeof j.prompt_id !== 'string' || j.prompt_id === '') throw fail(`POST /prompt answered without a prompt_id: ${body.toString('utf8', 0, 200)}`);
    return j.prompt_id;
  }

  private async getHistory(promptId: string, signal: AbortSignal): Promise<HistoryEntry | undefined> {
    const res = await this.http(`/history/${encodeURIComponent(promptId)}`, { method: 'GET' }, signal);
    const j = parseJson<Record<string, HistoryEntry>>(BACKEND, `GET /history/${promptId} answer`, res.body);
    if (j === null || typeof j !== 'object') throw fail(`GET /history/${promptId} answered ${res.body.toString('utf8', 0, 120)}`, true);
    return j[promptId];
  }

  /** Cancels our prompt on the server after an abort or a timeout: deleted from the queue if still waiting,
   *  interrupted if running. Best effort; errors are ignored. */
  private async cancelOnServer(promptId: string): Promise<void> {
    const quick: RetryPolicy = { timeoutMs: Math.min(this.policy.timeoutMs, CLEANUP_TIMEOUT_MS), retries: 0 };
    try {
      const res = await this.http('/queue', { method: 'GET' }, undefined, quick);
      const q = JSON.parse(res.body.toString('utf8')) as { queue_running?: unknown[][]; queue_pending?: unknown[][] };
      const has = (items: unknown[][] | undefined) => (items ?? []).some((item) => Array.isArray(item) && item[1] === promptId);
      const json = (value: unknown): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(value) });
      if (has(q.queue_pending)) await this.http('/queue', json({ delete: [promptId] }), undefined, quick);
      // Servers that ignore the prompt_id interrupt whatever runs, so only when it is ours.
      if (has(q.queue_running)) await this.http('/interrupt', json({ prompt_id: promptId }), undefined, quick);
    } catch {
      // the server is gone or busy; nothing more to do
    }
  }

  /** Waits until the prompt is done, on the WebSocket or, when that is down, by polling /history. Returns the
   *  history entry when polling found it. */
  private waitUntilDone(promptId: string, socket: Socket, signal: AbortSignal, progress: Progress): Promise<HistoryEntry | undefined> {
    const { timeoutMs } = this.policy;
    const workflow = this.loaded.workflow;
    return new Promise((resolve, reject) => {
      let settled = false;
      let pollTimer: NodeJS.Timeout | undefined;
      let pollDelay = POLL_FAST_MS;
      const stop = new AbortController();
      const finish = (error?: GenerationError, entry?: HistoryEntry) => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        clearTimeout(pollTimer);
        signal.removeEventListener('abort', onAbort);
        socket.off(onMessage, onClose);
        stop.abort();
        if (error) reject(error);
        else resolve(entry);
      };
      const deadline = setTimeout(() => {
        const why = `timed out after ${timeoutMs} ms waiting for prompt ${promptId} (${progress.describe()}); raise the generator's \`timeout\` for slow workflows or a busy queue`;
        // The server's fault as far as a pool is concerned: another may be free, or alive.
        finish(new GenerationError(BACKEND, why, false, undefined, undefined, true));
      }, timeoutMs);
      // Polls in a row that could not reach the server while the socket was down too: it is gone (killed,
      // restarted, unplugged), and the prompt with it, since ComfyUI keeps its queue in memory.
      let unreachable = 0;
      const onAbort = () => finish(fail('cancelled'));
      signal.addEventListener('abort', onAbort, { once: true });

      const onMessage = (m: Message) => {
        const outcome = followMessage(m, promptId, progress, workflow);
        if (outcome === 'done') finish();
        else if (outcome) finish(fail(outcome.error));
      };
      const onClose = () => {
        // The socket dropped: poll /history from now on.
        if (!settled) schedulePoll(POLL_FAST_MS);
      };

      const schedulePoll = (ms: number) => {
        clearTimeout(pollTimer);
        pollTimer = setTimeout(() => void poll(), ms);
      };
      const poll = async () => {
        if (settled) return;
        try {
          const entry = await this.getHistory(promptId, stop.signal);
          unreachable = 0;
          if (settled) return;
          if (entry) {
            const error = historyError(entry, workflow);
            progress.done = !error;
            progress.failed = !!error;
            return finish(error ? fail(error) : undefined, entry);
          }
        } catch (e) {
          // A failed poll is retried on the next tick until the deadline; a malformed answer likewise.
          if (settled) return;
          progress.lastPollError = e instanceof GenerationError ? e.reason : String(e);
          if (e instanceof GenerationError && e.serverFault && e.status === undefined && !socket.open && ++unreachable >= UNREACHABLE_POLLS) {
            const why = `the server stopped answering while prompt ${promptId} was ${progress.started ? 'running' : 'queued'}: ${e.reason}`;
            return finish(new GenerationError(BACKEND, why, false, undefined, undefined, true));
          }
        }
        if (socket.open) schedulePoll(POLL_SAFETY_MS);
        else {
          pollDelay = Math.min(POLL_MAX_MS, pollDelay * 1.5);
          schedulePoll(pollDelay);
        }
      };

      socket.on(onMessage, onClose);
      // Messages that came before POST /prompt answered, and a socket that is already down.
      for (const m of socket.buffered.splice(0)) {
        onMessage(m);
        if (settled) return;
      }
      schedulePoll(socket.open ? POLL_SAFETY_MS : 0);
    });
  }

  /** Reads the finished prompt's history, waiting briefly if the entry is not written yet. */
  private async finishedEntry(promptId: string, known: HistoryEntry | undefined, signal: AbortSignal, deadline: number): Promise<HistoryEntry> {
    if (known) return known;
    let malformed: GenerationError | undefined;
    for (let attempt = 0; ; attempt++) {
      try {
        const entry = await this.getHistory(promptId, signal);
        if (entry) {
          const error = historyError(entry, this.loaded.workflow);
          if (error) throw fail(error);
          return entry;
        }
      } catch (e) {
        // Malformed JSON is retried like a dropped connection, within the retries setting.
        if (!(e instanceof GenerationError) || !e.retryable || e.status !== undefined || attempt >= this.policy.retries) throw e;
        malformed = e;
      }
      if (Date.now() > deadline) {
        throw malformed ?? fail(`prompt ${promptId} finished but GET /history/${promptId} has no entry for it`);
      }
      await delay(Math.min(POLL_MAX_MS, POLL_FAST_MS * 2 ** Math.min(attempt, 3)), signal, BACKEND);
    }
  }

  /** The output image of the finished prompt, checked to be an image: a proxy's error page is not one. */
  private async fetchImage(promptId: string, entry: HistoryEntry, signal: AbortSignal): Promise<{ image: PickedImage; bytes: Buffer }> {
    const image = pickImage(entry, this.loaded.workflow);
    if (!image) {
      const nodes = Object.keys(entry.outputs ?? {});
      throw fail(
        `prompt ${promptId} finished without an image: ${nodes.length ? `the outputs of nodes ${nodes.join(', ')} hold no images` : 'it has no outputs'}; end the workflow in a SaveImage node`,
      );
    }
    const query = new URLSearchParams({ filename: image.filename, subfolder: image.subfolder ?? '', type: image.type ?? 'output' });
    const res = await this.http(`/view?${query}`, { method: 'GET' }, signal);
    if (!imageFormat(res.body)) {
      const type = res.headers.get('content-type') ?? 'no content type';
      const excerpt = res.body.toString('utf8', 0, 60).replace(/[^\x20-\x7e]+/g, ' ').trim();
      // A proxy's error page where the image should be: the server's fault, not the request's.
      const why = `GET /view for ${image.filename} returned a non-image payload (${type}, ${res.body.length} bytes${excerpt ? `: "${excerpt}"` : ''})`;
      throw new GenerationError(BACKEND, why, false, undefined, undefined, true);
    }
    return { image, bytes: res.body };
  }
}

/** The placeholder values of a request; what the test leaves out gets ComfyUI's own defaults. */
function placeholderValues(req: GenerationRequest, inputName: string): Record<PlaceholderName, string | number> {
  return {
    prompt: req.prompt,
    negative: req.negative ?? '',
    seed: req.seed,
    width: req.width,
    height: req.height,
    steps: req.steps ?? DEFAULT_STEPS,
    guidance: req.guidance ?? DEFAULT_GUIDANCE,
    input: inputName,
    strength: req.strength ?? DEFAULT_STRENGTH,
  };
}

/** What the report shows of a generation: where the image came from, how far progress went, and whether the
 *  socket had to be replaced by polling (a slow run's likely reason). */
function imageInfo(promptId: string, image: PickedImage, progress: Progress, socket: Socket): Record<string, unknown> {
  return {
    backend: 'comfyui',
    prompt_id: promptId,
    node: image.node,
    class_type: image.classType,
    filename: image.filename,
    ...(progress.max ? { progress: { value: progress.value, max: progress.max, messages: progress.steps } } : {}),
    ...(progress.cached ? { cached_nodes: progress.cached } : {}),
    ...(socket.everOpen ? {} : { websocket: `unavailable (${socket.failure}); polled /history` }),
  };
}

/** Applies one socket message to `progress`. Says 'done' when the prompt finished, the error when it failed, and
 *  nothing while it runs or when the message is about another client's prompt. */
function followMessage(m: Message, promptId: string, progress: Progress, workflow: Workflow): 'done' | { error: string } | undefined {
  const d = m.data;
  // Some messages carry no prompt_id; once ours has started, they are about it.
  const ours = d.prompt_id === promptId || (d.prompt_id === undefined && progress.started);
  if (!ours) return undefined;
  switch (m.type) {
    case 'execution_start':
      progress.started = true;
      break;
    case 'execution_cached':
      if (Array.isArray(d.nodes)) progress.cached = d.nodes.length;
      break;
    case 'executing':
      progress.started = true;
      if (d.node === null) {
        // Sent after the history entry is written: the outputs are there to read.
        progress.done = true;
        return 'done';
      }
      progress.node = String(d.node);
      break;
    case 'progress':
      if (typeof d.value === 'number' && typeof d.max === 'number') {
        progress.value = d.value;
        progress.max = d.max;
        progress.steps++;
        if (typeof d.node === 'string') progress.node = d.node;
      }
      break;
    case 'executed':
      progress.executed.push(String(d.node));
      break;
    case 'execution_error':
      progress.failed = true;
      return { error: executionError(d, workflow) };
    case 'execution_interrupted':
      progress.failed = true;
      return { error: interrupted(d, workflow) };
  }
  return undefined;
}

/** How far the prompt got, for timeouts and the report. */
class Progress {
  started = false;
  done = false;
  /** The server reported the prompt failed (nothing left to cancel). */
  failed = false;
  node: string | undefined;
  value = 0;
  max = 0;
  steps = 0;
  cached = 0;
  executed: string[] = [];
  lastPollError: string | undefined;
  constructor(private readonly workflow: Workflow) {}
  describe(): string {
    if (!this.started) return `still queued${this.lastPollError ? `; last /history poll: ${this.lastPollError}` : ''}`;
    const node = this.node ? `node ${this.node} (${this.workflow[this.node]?.class_type ?? 'unknown'})` : 'started';
    return `running ${node}${this.max ? `, step ${this.value}/${this.max}` : ''}`;
  }
}

/** One WebSocket to /ws for one prompt. Binary frames (previews) are ignored; JSON frames are buffered until a
 *  listener takes them. A socket that cannot open leaves `open` false and the caller polls. */
class Socket {
  readonly buffered: Message[] = [];
  open = false;
  everOpen = false;
  failure = '';
  private listener: ((m: Message) => void) | undefined;
  private onClose: (() => void) | undefined;

  private constructor(private readonly ws: WebSocket | undefined) {}

  static open(url: string, timeoutMs: number, signal: AbortSignal, registry: Set<WebSocket>): Promise<Socket> {
    return new Promise((resolve) => {
      let ws: WebSocket;
      try {
        ws = new WebSocket(url, { handshakeTimeout: timeoutMs });
      } catch (e) {
        const s = new Socket(undefined);
        s.failure = String((e as Error).message ?? e);
        return resolve(s);
      }
      registry.add(ws);
      const s = new Socket(ws);
      let pending = true;
      const settle = () => {
        if (!pending) return;
        pending = false;
        signal.removeEventListener('abort', onAbort);
        resolve(s);
      };
      const onAbort = () => {
        s.failure = 'cancelled';
        ws.terminate();
        settle();
      };
      signal.addEventListener('abort', onAbort, { once: true });
      ws.on('open', () => {
        s.open = s.everOpen = true;
        settle();
      });
      ws.on('error', (e) => {
        s.failure ||= e.message;
      });
      ws.on('unexpected-response', (_req, res) => {
        s.failure = `GET /ws answered ${res.statusCode}`;
        ws.terminate();
      });
      ws.on('close', (code) => {
        s.open = false;
        registry.delete(ws);
        s.failure ||= `closed (${code})`;
        settle();
        s.onClose?.();
      });
      ws.on('message', (data, isBinary) => {
        if (isBinary) return; // preview frames: a 4-byte event type, a 4-byte image type, then JPEG/PNG bytes
        let m: unknown;
        try {
          m = JSON.parse(data.toString());
        } catch {
          return;
        }
        if (!m || typeof m !== 'object') return;
        const { type, data: payload } = m as { type?: unknown; data?: unknown };
        if (typeof type !== 'string' || !payload || typeof payload !== 'object') return;
        const message = { type, data: payload as Record<string, unknown> };
        if (s.listener) s.listener(message);
        else s.buffered.push(message);
      });
    });
  }

  on(listener: (m: Message) => void, onClose: () => void): void {
    this.listener = listener;
    this.onClose = onClose;
  }

  off(listener: (m: Message) => void, onClose: () => void): void {
    if (this.listener === listener) this.listener = undefined;
    if (this.onClose === onClose) this.onClose = undefined;
  }

  close(): void {
    this.open = false;
    this.ws?.terminate();
  }
}

/** The output image to return: images of type "output" before temp previews, SaveImage nodes before others,
 *  then in node-id order. */
function pickImage(entry: HistoryEntry, workflow: Workflow): PickedImage | undefined {
  const found: PickedImage[] = [];
  for (const [node, out] of Object.entries(entry.outputs ?? {})) {
    for (const img of out?.images ?? []) {
      if (img && typeof img.filename === 'string' && img.filename !== '') found.push({ ...img, node, classType: workflow[node]?.class_type ?? 'unknown' });
    }
  }
  const rank = (i: (typeof found)[number]) => ((i.type ?? 'output') === 'output' ? 0 : 2) + (i.classType === 'SaveImage' ? 0 : 1);
  const byId = (a: string, b: string) => a.localeCompare(b, undefined, { numeric: true });
  return found.sort((a, b) => rank(a) - rank(b) || byId(a.node, b.node))[0];
}

function nodeLabel(d: Record<string, unknown>, workflow: Workflow): string {
  const id = d.node_id === undefined ? '?' : String(d.node_id);
  const type = typeof d.node_type === 'string' ? d.node_type : (workflow[id]?.class_type ?? 'unknown');
  const title = workflow[id]?._meta?.title;
  return `node ${id} (${type}${title && title !== type ? `, "${title}"` : ''})`;
}

function executionError(d: Record<string, unknown>, workflow: Workflow): string {
  const type = typeof d.exception_type === 'string' ? d.exception_type : 'error';
  const message = typeof d.exception_message === 'string' ? d.exception_message.trim() : '';
  return `ComfyUI failed at ${nodeLabel(d, workflow)}: ${type}${message ? `: ${message}` : ''}`;
}

function interrupted(d: Record<string, unknown>, workflow: Workflow): string {
  return `the prompt was interrupted on the server at ${nodeLabel(d, workflow)} (the queue was cancelled or /interrupt was called)`;
}

/** The failure recorded in a history entry's status, if any. */
function historyError(entry: HistoryEntry, workflow: Workflow): string | undefined {
  const status = entry.status;
  if (!status || status.status_str !== 'error') return undefined;
  for (const m of status.messages ?? []) {
    if (Array.isArray(m) && m[0] === 'execution_error' && m[1]) return executionError(m[1], workflow);
    if (Array.isArray(m) && m[0] === 'execution_interrupted' && m[1]) return interrupted(m[1], workflow);
  }
  return 'ComfyUI reports the prompt failed (history status "error", no message)';
}

/** ComfyUI's 400 answer to POST /prompt, as one line: the error, then each failing node and what is wrong. */
export function rejection(body: Buffer): string | undefined {
  let j: { error?: unknown; node_errors?: unknown };
  try {
    j = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  if (!j || typeof j !== 'object') return undefined;
  const error = j.error as { message?: string; details?: string } | string | undefined;
  const head = typeof error === 'string' ? error : (error?.message ?? 'invalid workflow');
  const nodes: string[] = [];
  if (j.node_errors && typeof j.node_errors === 'object') {
    for (const [id, info] of Object.entries(j.node_errors as Record<string, { class_type?: string; errors?: Array<{ message?: string; details?: string }> }>)) {
      const problems = (info?.errors ?? []).map((e) => [e.message, e.details].filter(Boolean).join(': ')).filter(Boolean);
      nodes.push(`node ${id} (${info?.class_type ?? 'unknown'}): ${problems.join('; ') || 'invalid'}`);
    }
  }
  const details = typeof error === 'object' && error?.details ? String(error.details).replace(/\s+/g, ' ').trim() : '';
  return `ComfyUI rejected the workflow: ${head}${nodes.length ? ` - ${nodes.join(' | ')}` : details ? ` - ${details}` : ''}`;
}

function delay(ms: number, signal: AbortSignal, backend: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new GenerationError(backend, 'cancelled'));
    const onAbort = () => {
      clearTimeout(timer);
      reject(new GenerationError(backend, 'cancelled'));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
