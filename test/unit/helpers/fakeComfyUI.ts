// A ComfyUI server for the tests: real HTTP and WebSocket on 127.0.0.1 (a random port) speaking the protocol of
// ComfyUI's server.py and execution.py. POST /prompt validates the workflow like ComfyUI does (missing
// class_type, unknown node types, no output node, missing or mistyped inputs, values not in a list, bad links)
// and answers 400 {error, node_errors}; accepted prompts run one at a time from a queue and send the messages a
// real run sends (status, execution_start, execution_cached, executing, progress, a binary preview frame,
// executed, execution_success, executing with node null), write /history and serve the PNG on /view. The PNG
// is a flat colour derived from the seed and the positive prompt, so a test can see its values arrived.
// Failure modes are scripted per route (status codes with headers, slow answers, dropped connections, bodies
// that are not JSON or not images) and per run (a node raising, the socket closing early, upgrades refused).
import { EventEmitter } from 'node:events';
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { randomUUID } from 'node:crypto';
import sharp from 'sharp';
import { WebSocketServer, type WebSocket } from 'ws';

export type Route = 'POST /prompt' | 'GET /history' | 'GET /view' | 'POST /upload/image' | 'GET /queue' | 'POST /queue' | 'POST /interrupt';

export type Fault =
  /** Answer with this status (and headers, body) instead of handling the request. */
  | { kind: 'status'; status: number; headers?: Record<string, string>; body?: string }
  /** Wait this long, then handle the request normally (if the client is still there). */
  | { kind: 'slow'; delayMs: number }
  /** Send the status line, headers and part of a body, then destroy the socket. */
  | { kind: 'drop' }
  /** Answer 200 with this body instead (malformed JSON, bytes that are not an image). */
  | { kind: 'body'; contentType: string; body: string | Buffer };

export interface ReceivedPrompt {
  readonly body: Record<string, unknown>;
  readonly prompt: Record<string, { class_type: string; inputs: Record<string, unknown> }>;
  readonly clientId: string | undefined;
  readonly promptId: string;
}

export interface Upload {
  readonly name: string;
  readonly subfolder: string;
  readonly type: string;
  readonly overwrite: string | undefined;
  readonly bytes: Buffer;
}

/** Makes a node raise while it runs, as a ComfyUI node does (execution_error). */
export interface NodeFailure {
  readonly classType: string;
  readonly exceptionType: string;
  readonly message: string;
}

type InputSpec = [string | string[], { min?: number; max?: number }?];
interface NodeDef {
  required: Record<string, InputSpec>;
  returns: string[];
  output?: boolean;
}

/** sendTo's target for a broadcast. */
const ALL = Symbol('all');

const SAMPLERS = ['euler', 'euler_ancestral', 'dpmpp_2m', 'dpmpp_2m_sde'];
const SCHEDULERS = ['normal', 'karras', 'exponential', 'simple'];

/** The colour of the image a run produces: red from the seed, green and blue from the positive prompt. */
export function colourFor(seed: number, prompt: string): { r: number; g: number; b: number } {
  let h = 2166136261;
  for (const ch of Buffer.from(prompt, 'utf8')) h = Math.imul(h ^ ch, 16777619) >>> 0;
  return { r: ((seed % 256) + 256) % 256, g: h & 0xff, b: (h >>> 8) & 0xff };
}

interface QueueItem {
  number: number;
  promptId: string;
  prompt: ReceivedPrompt['prompt'];
  extra: { client_id?: string };
  outputs: string[];
}

interface HistoryEntry {
  prompt: unknown[];
  outputs: Record<string, { images: Array<{ filename: string; subfolder: string; type: string }> }>;
  status: { status_str: 'success' | 'error'; completed: boolean; messages: Array<[string, Record<string, unknown>]> };
}

export class FakeComfyUI extends EventEmitter {
  url = '';
  /** Every prompt POST /prompt accepted, as received. */
  readonly received: ReceivedPrompt[] = [];
  /** Every POST /prompt body, accepted or not. */
  readonly posted: unknown[] = [];
  readonly uploads: Upload[] = [];
  /** Requests per route, faults included. */
  readonly attempts = new Map<Route | 'GET /ws', number>();
  /** Client ids of the WebSocket connections made. */
  readonly wsClients: string[] = [];
  readonly interrupts: Array<{ promptId: string | undefined; interrupted: string | undefined }> = [];
  readonly deleted: string[] = [];
  previewsSent = 0;
  /** Output images GET /view sent in full: the images a client received from this server. */
  outputsServed = 0;
  /** Prompts queued or running at once, and the most there ever were. */
  outstanding = 0;
  maxOutstanding = 0;

  /** Milliseconds per sampler step and per node. */
  stepDelayMs = 5;
  nodeDelayMs = 1;
  checkpoints = ['sd_xl_base_1.0.safetensors', 'v1-5-pruned-emaonly.safetensors'];
  failNode: NodeFailure | undefined;
  /** Close each client's socket right after sending it a message of this type. */
  wsCloseAfter: string | undefined;
  /** Refuse WebSocket upgrades (404), as a proxy that does not pass them on would. */
  wsRefuse = false;

  private readonly server = http.createServer((req, res) => void this.handle(req, res));
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly sockets = new Map<string, WebSocket>();
  private readonly connections = new Set<Socket>();
  private readonly faults = new Map<Route, Fault[]>();
  private readonly queue: QueueItem[] = [];
  private running: QueueItem | undefined;
  private interruptFlag = false;
  private readonly history = new Map<string, HistoryEntry>();
  private readonly files = new Map<string, Buffer>();
  private number = 0;
  private counter = 0;
  private closed = false;

  async start(): Promise<this> {
    this.server.on('connection', (s) => {
      this.connections.add(s);
      s.on('close', () => this.connections.delete(s));
    });
    this.server.on('upgrade', (req, socket, head) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (this.wsRefuse || url.pathname.replace(/^\/api/, '') !== '/ws') {
        this.count('GET /ws');
        socket.end('HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n');
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => this.onSocket(ws, url.searchParams.get('clientId') ?? ''));
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const ws of this.sockets.values()) ws.terminate();
    for (const s of this.connections) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.wss.close();
  }

  /** The next `times` requests to `route` meet `fault`. */
  fail(route: Route, fault: Fault, times = 1): this {
    const list = this.faults.get(route) ?? [];
    for (let i = 0; i < times; i++) list.push(fault);
    this.faults.set(route, list);
    return this;
  }

  /** Forgets the faults scripted for `route` that have not happened yet: the server is healed. */
  heal(route: Route): this {
    this.faults.delete(route);
    return this;
  }

  attemptsOf(route: Route | 'GET /ws'): number {
    return this.attempts.get(route) ?? 0;
  }

  /** The bytes of an output file, as /view serves them. */
  file(type: string, subfolder: string, filename: string): Buffer | undefined {
    return this.files.get(`${type}/${subfolder}/${filename}`);
  }

  /** Interrupts the running prompt, as pressing Cancel in ComfyUI does. */
  interrupt(): void {
    this.interruptFlag = true;
  }

  private count(route: Route | 'GET /ws'): void {
    this.attempts.set(route, (this.attempts.get(route) ?? 0) + 1);
  }

  // ---- HTTP ----

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const pathname = url.pathname.replace(/^\/api(?=\/)/, '');
    const body = await readBody(req);
    const route = routeOf(req.method ?? 'GET', pathname);
    if (!route) return send(res, 404, 'text/plain', '404: Not Found');
    this.count(route);
    const fault = this.faults.get(route)?.shift();
    if (fault) {
      switch (fault.kind) {
        case 'status':
          res.writeHead(fault.status, { 'content-type': 'application/json', ...fault.headers });
          res.end(fault.body ?? JSON.stringify({ error: `scripted ${fault.status}` }));
          return;
        case 'drop':
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': '4096' });
          res.write('{"prompt_id": "');
          setTimeout(() => res.socket?.destroy(), 5);
          return;
        case 'body':
          return send(res, 200, fault.contentType, fault.body);
        case 'slow':
          await sleep(fault.delayMs);
          if (res.socket?.destroyed || this.closed) return;
          break;
      }
    }
    try {
      switch (route) {
        case 'POST /prompt':
          return await this.postPrompt(res, body);
        case 'GET /history': {
          const id = decodeURIComponent(pathname.slice('/history/'.length));
          if (!id) return json(res, 200, Object.fromEntries(this.history));
          const entry = this.history.get(id);
          return json(res, 200, entry ? { [id]: entry } : {});
        }
        case 'GET /view':
          return this.view(res, url.searchParams);
        case 'POST /upload/image':
          return await this.upload(req, res, body);
        case 'GET /queue':
          return json(res, 200, {
            queue_running: this.running ? [queueTuple(this.running)] : [],
            queue_pending: this.queue.map(queueTuple),
          });
        case 'POST /queue': {
          const j = parseOr(body, {}) as { delete?: string[]; clear?: boolean };
          if (j.clear) this.queue.splice(0).forEach(() => this.release());
          for (const id of j.delete ?? []) {
            const i = this.queue.findIndex((q) => q.promptId === id);
            if (i >= 0) {
              this.queue.splice(i, 1);
              this.deleted.push(id);
              this.release();
            }
          }
          return send(res, 200, 'text/plain', '');
        }
        case 'POST /interrupt': {
          // Newer ComfyUI takes an optional prompt_id and interrupts only if that prompt is the one running.
          const j = parseOr(body, {}) as { prompt_id?: string };
          const target = j.prompt_id;
          const current = this.running?.promptId;
          if (current && (target === undefined || target === current)) this.interruptFlag = true;
          this.interrupts.push({ promptId: target, interrupted: this.interruptFlag ? current : undefined });
          return send(res, 200, 'text/plain', '');
        }
      }
    } catch (e) {
      return send(res, 500, 'text/plain', `500 Internal Server Error\n\nServer got itself in trouble: ${(e as Error).message}`);
    }
  }

  private async postPrompt(res: http.ServerResponse, body: Buffer): Promise<void> {
    let j: Record<string, unknown>;
    try {
      j = JSON.parse(body.toString('utf8'));
    } catch {
      // aiohttp's request.json() raises, and the server answers 500.
      return send(res, 500, 'text/plain', '500 Internal Server Error\n\nServer got itself in trouble');
    }
    this.posted.push(j);
    const number = typeof j.number === 'number' ? j.number : this.number++;
    if (!('prompt' in j)) {
      return json(res, 400, { error: { type: 'no_prompt', message: 'No prompt provided', details: 'No prompt provided', extra_info: {} }, node_errors: {} });
    }
    const prompt = j.prompt as ReceivedPrompt['prompt'];
    const promptId = typeof j.prompt_id === 'string' ? j.prompt_id : randomUUID();
    const valid = this.validate(prompt);
    if (!valid.ok) return json(res, 400, { error: valid.error, node_errors: valid.nodeErrors });
    const clientId = typeof j.client_id === 'string' ? j.client_id : undefined;
    const extra = { ...((j.extra_data as object) ?? {}), ...(clientId ? { client_id: clientId } : {}) };
    this.received.push({ body: j, prompt, clientId, promptId });
    this.queue.push({ number, promptId, prompt: structuredClone(prompt), extra, outputs: valid.outputs });
    this.queue.sort((a, b) => a.number - b.number);
    this.outstanding++;
    this.maxOutstanding = Math.max(this.maxOutstanding, this.outstanding);
    this.broadcastStatus();
    json(res, 200, { prompt_id: promptId, number, node_errors: {} });
    setImmediate(() => void this.work());
  }

  private view(res: http.ServerResponse, q: URLSearchParams): void {
    const filename = q.get('filename');
    if (!filename) return send(res, 404, 'text/plain', '404: Not Found');
    if (filename.startsWith('/') || filename.includes('..')) return send(res, 400, 'text/plain', '');
    const type = q.get('type') ?? 'output';
    if (!['output', 'input', 'temp'].includes(type)) return send(res, 400, 'text/plain', '');
    const subfolder = q.get('subfolder') ?? '';
    if (subfolder.includes('..')) return send(res, 403, 'text/plain', '');
    const bytes = this.files.get(`${type}/${subfolder}/${filename}`);
    if (!bytes) return send(res, 404, 'text/plain', '404: Not Found');
    res.writeHead(200, { 'content-type': 'image/png', 'content-disposition': `filename="${filename}"`, 'content-length': String(bytes.length) });
    // Counted once the bytes are handed to the connection, not when asked for: a kill before that delivers nothing.
    if (type === 'output') res.once('finish', () => this.outputsServed++);
    res.end(bytes);
  }

  private async upload(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): Promise<void> {
    const type = req.headers['content-type'] ?? '';
    if (!type.startsWith('multipart/form-data')) return send(res, 400, 'text/plain', '');
    const form = await new Response(body, { headers: { 'content-type': type } }).formData();
    const image = form.get('image');
    if (!image || typeof image === 'string' || !image.name) return send(res, 400, 'text/plain', '');
    const dirType = String(form.get('type') ?? 'input');
    if (!['input', 'temp', 'output'].includes(dirType)) return send(res, 400, 'text/plain', '');
    const subfolder = String(form.get('subfolder') ?? '');
    const overwrite = form.get('overwrite') === null ? undefined : String(form.get('overwrite'));
    const bytes = Buffer.from(await image.arrayBuffer());
    let name = image.name;
    if (name.includes('/') || name.includes('..') || subfolder.includes('..')) return send(res, 400, 'text/plain', '');
    if (overwrite !== 'true' && overwrite !== '1') {
      // Like ComfyUI: an identical file keeps its name, a different one with the same name becomes "name (1).ext".
      const dot = name.lastIndexOf('.');
      const [stem, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
      for (let i = 1; ; i++) {
        const existing = this.files.get(`${dirType}/${subfolder}/${name}`);
        if (!existing || existing.equals(bytes)) break;
        name = `${stem} (${i})${ext}`;
      }
    }
    this.files.set(`${dirType}/${subfolder}/${name}`, bytes);
    this.uploads.push({ name, subfolder, type: dirType, overwrite, bytes });
    json(res, 200, { name, subfolder, type: dirType });
  }

  // ---- validation, after execution.validate_prompt ----

  private nodeDefs(): Record<string, NodeDef> {
    const inputs = [...this.files.keys()].filter((k) => k.startsWith('input//')).map((k) => k.slice('input//'.length));
    return {
      CheckpointLoaderSimple: { required: { ckpt_name: [this.checkpoints] }, returns: ['MODEL', 'CLIP', 'VAE'] },
      CLIPTextEncode: { required: { text: ['STRING'], clip: ['CLIP'] }, returns: ['CONDITIONING'] },
      EmptyLatentImage: {
        required: { width: ['INT', { min: 16, max: 16384 }], height: ['INT', { min: 16, max: 16384 }], batch_size: ['INT', { min: 1, max: 4096 }] },
        returns: ['LATENT'],
      },
      KSampler: {
        required: {
          model: ['MODEL'],
          seed: ['INT', { min: 0, max: Number(0xffffffffffffffffn) }], // ComfyUI's 2^64 - 1, as JSON.parse reads it
          steps: ['INT', { min: 1, max: 10000 }],
          cfg: ['FLOAT', { min: 0, max: 100 }],
          sampler_name: [SAMPLERS],
          scheduler: [SCHEDULERS],
          positive: ['CONDITIONING'],
          negative: ['CONDITIONING'],
          latent_image: ['LATENT'],
          denoise: ['FLOAT', { min: 0, max: 1 }],
        },
        returns: ['LATENT'],
      },
      VAEDecode: { required: { samples: ['LATENT'], vae: ['VAE'] }, returns: ['IMAGE'] },
      VAEEncode: { required: { pixels: ['IMAGE'], vae: ['VAE'] }, returns: ['LATENT'] },
      LoadImage: { required: { image: [inputs] }, returns: ['IMAGE', 'MASK'] },
      SaveImage: { required: { images: ['IMAGE'], filename_prefix: ['STRING'] }, returns: [], output: true },
      PreviewImage: { required: { images: ['IMAGE'] }, returns: [], output: true },
    };
  }

  private validate(prompt: unknown): { ok: true; outputs: string[] } | { ok: false; error: object; nodeErrors: object } {
    const bad = (type: string, message: string, details = '') => ({ ok: false as const, error: { type, message, details, extra_info: {} }, nodeErrors: {} });
    if (!prompt || typeof prompt !== 'object' || Array.isArray(prompt)) return bad('invalid_prompt', 'Cannot execute because the prompt is not an object of nodes.');
    const nodes = prompt as Record<string, { class_type?: unknown; inputs?: Record<string, unknown> }>;
    const defs = this.nodeDefs();
    const outputs: string[] = [];
    for (const [id, node] of Object.entries(nodes)) {
      if (!node || typeof node !== 'object' || !('class_type' in node)) {
        return bad('invalid_prompt', 'Cannot execute because a node is missing the class_type property.', `Node ID '#${id}'`);
      }
      const def = defs[String(node.class_type)];
      if (!def) return bad('invalid_prompt', `Cannot execute because node ${String(node.class_type)} does not exist.`, `Node ID '#${id}'`);
      if (def.output) outputs.push(id);
    }
    if (outputs.length === 0) return bad('prompt_no_outputs', 'Prompt has no outputs');

    const errors = new Map<string, Array<{ type: string; message: string; details: string; extra_info: object }>>();
    const validated = new Set<string>();
    const check = (id: string): boolean => {
      if (validated.has(id)) return !errors.has(id);
      validated.add(id);
      const node = nodes[id] as { class_type: string; inputs?: Record<string, unknown> };
      const def = defs[node.class_type];
      const inputs = node.inputs ?? {};
      const list: Array<{ type: string; message: string; details: string; extra_info: object }> = [];
      let upstreamOk = true;
      for (const [name, [type, opts]] of Object.entries(def.required)) {
        const add = (t: string, message: string, details: string) => list.push({ type: t, message, details, extra_info: { input_name: name } });
        if (!(name in inputs)) {
          add('required_input_missing', 'Required input is missing', name);
          continue;
        }
        const val = inputs[name];
        if (Array.isArray(val) && !Array.isArray(type)) {
          if (val.length !== 2) {
            add('bad_linked_input', 'Bad linked input, must be a length-2 list of [node_id, slot_index]', name);
            continue;
          }
          const src = nodes[String(val[0])] as { class_type: string } | undefined;
          const returned = src ? defs[src.class_type]?.returns[Number(val[1])] : undefined;
          if (returned !== type) {
            add('return_type_mismatch', 'Return type mismatch between linked nodes', `${name}, ${returned} != ${type}`);
            continue;
          }
          if (!check(String(val[0]))) upstreamOk = false;
          continue;
        }
        if (type === 'INT' || type === 'FLOAT') {
          // Python's int()/float() accept numbers and numeric strings; "{{seed}}" fails.
          const n = typeof val === 'number' ? val : typeof val === 'string' && val.trim() !== '' && Number.isFinite(Number(val)) ? Number(val) : NaN;
          if (!Number.isFinite(n) || (type === 'INT' && typeof val === 'string' && !/^\s*[+-]?\d+\s*$/.test(val))) {
            add('invalid_input_type', `Failed to convert an input value to a ${type} value`, `${name}, ${String(val)}, invalid literal for ${type === 'INT' ? 'int() with base 10' : 'float()'}: '${String(val)}'`);
            continue;
          }
          if (opts?.min !== undefined && n < opts.min) {
            add('value_smaller_than_min', `Value ${n} smaller than min of ${opts.min}`, name);
            continue;
          }
          if (opts?.max !== undefined && n > opts.max) {
            add('value_bigger_than_max', `Value ${n} bigger than max of ${opts.max}`, name);
            continue;
          }
        } else if (type === 'STRING') {
          if (typeof val === 'object' && val !== null) add('invalid_input_type', 'Failed to convert an input value to a STRING value', `${name}, ${JSON.stringify(val)}`);
        } else if (Array.isArray(type)) {
          if (node.class_type === 'LoadImage') {
            // LoadImage validates with VALIDATE_INPUTS: the file must exist in the input folder.
            if (!type.includes(String(val))) add('custom_validation_failed', 'Custom validation failed for node', `image - Invalid image file: ${String(val)}`);
          } else if (!type.includes(val as string)) {
            add('value_not_in_list', 'Value not in list', `${name}: '${String(val)}' not in ${type.length > 20 ? `(list of length ${type.length})` : `['${type.join("', '")}']`}`);
          }
        }
      }
      if (list.length) errors.set(id, list);
      return list.length === 0 && upstreamOk;
    };
    const good = outputs.filter((o) => check(o));
    if (good.length > 0) return { ok: true, outputs: good };
    const nodeErrors: Record<string, object> = {};
    for (const [id, list] of errors) nodeErrors[id] = { errors: list, dependent_outputs: outputs, class_type: nodes[id].class_type };
    const details = [...errors.values()].flat().map((e) => `${e.message}: ${e.details}`).join('\n');
    return { ok: false, error: { type: 'prompt_outputs_failed_validation', message: 'Prompt outputs failed validation', details, extra_info: {} }, nodeErrors };
  }

  // ---- WebSocket and execution ----

  private onSocket(ws: WebSocket, clientId: string): void {
    this.count('GET /ws');
    const sid = clientId || randomUUID().replace(/-/g, '');
    this.sockets.get(sid)?.terminate();
    this.sockets.set(sid, ws);
    this.wsClients.push(sid);
    ws.on('close', () => {
      if (this.sockets.get(sid) === ws) this.sockets.delete(sid);
    });
    ws.on('error', () => undefined);
    this.sendTo(sid, 'status', { status: this.queueInfo(), sid });
    // On reconnect, the executing client is told the current node.
    if (this.running?.extra.client_id === sid && this.currentNode) this.sendTo(sid, 'executing', { node: this.currentNode });
  }

  private currentNode: string | undefined;

  private queueInfo() {
    return { exec_info: { queue_remaining: this.queue.length + (this.running ? 1 : 0) } };
  }

  private broadcastStatus(): void {
    this.sendTo(ALL, 'status', { status: this.queueInfo() });
  }

  /** Sends a JSON message to one client, to all (ALL), or to none: a prompt queued without a client id gets
   *  only broadcasts, as in ComfyUI. Every message is also emitted as 'sent' (type, data) for the tests. */
  private sendTo(target: string | typeof ALL | undefined, type: string, data: Record<string, unknown>): void {
    this.emit('sent', type, data, target);
    const targets = target === ALL ? [...this.sockets.values()] : target === undefined ? [] : [this.sockets.get(target)].filter((w): w is WebSocket => !!w);
    for (const ws of targets) {
      if (ws.readyState !== ws.OPEN) continue;
      ws.send(JSON.stringify({ type, data }));
      if (this.wsCloseAfter === type) ws.terminate();
    }
  }

  private sendPreview(sid: string | undefined, jpeg: Buffer): void {
    const ws = sid === undefined ? undefined : this.sockets.get(sid);
    if (!ws || ws.readyState !== ws.OPEN) return;
    // server.py: a 4-byte big-endian event type (1, PREVIEW_IMAGE), then a 4-byte image type (1 JPEG, 2 PNG).
    const header = Buffer.alloc(8);
    header.writeUInt32BE(1, 0);
    header.writeUInt32BE(1, 4);
    ws.send(Buffer.concat([header, jpeg]), { binary: true });
    this.previewsSent++;
  }

  private release(): void {
    this.outstanding--;
  }

  private async work(): Promise<void> {
    if (this.running || this.closed) return;
    const item = this.queue.shift();
    if (!item) return;
    this.running = item;
    this.interruptFlag = false;
    try {
      await this.execute(item);
    } finally {
      this.running = undefined;
      this.currentNode = undefined;
      this.release();
      this.broadcastStatus();
      setImmediate(() => void this.work());
    }
  }

  private async execute(item: QueueItem): Promise<void> {
    const { promptId, prompt } = item;
    const sid = item.extra.client_id;
    const messages: Array<[string, Record<string, unknown>]> = [];
    const message = (type: string, data: Record<string, unknown>, broadcast = false) => {
      messages.push([type, data]);
      this.sendTo(broadcast && !sid ? ALL : sid, type, data);
    };
    message('execution_start', { prompt_id: promptId, timestamp: Date.now() });
    message('execution_cached', { nodes: [], prompt_id: promptId, timestamp: Date.now() });
    const values = new Map<string, Record<string, unknown>>();
    const executed: string[] = [];
    const outputs: HistoryEntry['outputs'] = {};
    const order = topological(prompt, item.outputs);
    let status: 'success' | 'error' = 'success';
    for (const id of order) {
      if (this.closed) return;
      const node = prompt[id];
      const interrupted = () => {
        message('execution_interrupted', { prompt_id: promptId, node_id: id, node_type: node.class_type, executed: [...executed], timestamp: Date.now() }, true);
        status = 'error';
      };
      if (this.interruptFlag) {
        interrupted();
        break;
      }
      this.currentNode = id;
      this.sendTo(sid, 'executing', { node: id, display_node: id, prompt_id: promptId });
      await sleep(this.nodeDelayMs);
      if (this.failNode?.classType === node.class_type) {
        message('execution_error', {
          prompt_id: promptId,
          node_id: id,
          node_type: node.class_type,
          executed: [...executed],
          exception_message: this.failNode.message,
          exception_type: this.failNode.exceptionType,
          traceback: ['  File "execution.py", line 1, in execute\n'],
          current_inputs: {},
          current_outputs: {},
          timestamp: Date.now(),
        });
        status = 'error';
        break;
      }
      const input = (name: string) => {
        const v = node.inputs[name];
        return Array.isArray(v) ? values.get(String(v[0])) : v;
      };
      let stop = false;
      switch (node.class_type) {
        case 'CLIPTextEncode':
          values.set(id, { text: String(node.inputs.text) });
          break;
        case 'EmptyLatentImage':
          values.set(id, { width: Number(node.inputs.width), height: Number(node.inputs.height) });
          break;
        case 'LoadImage': {
          const bytes = this.files.get(`input//${String(node.inputs.image)}`)!;
          const meta = await sharp(bytes).metadata();
          values.set(id, { width: meta.width, height: meta.height, source: String(node.inputs.image) });
          break;
        }
        case 'VAEEncode':
        case 'VAEDecode':
          values.set(id, { ...(input(node.class_type === 'VAEEncode' ? 'pixels' : 'samples') as object) });
          break;
        case 'KSampler': {
          const latent = input('latent_image') as { width: number; height: number; source?: string };
          const steps = Number(node.inputs.steps);
          for (let step = 1; step <= steps; step++) {
            if (this.interruptFlag) {
              interrupted();
              stop = true;
              break;
            }
            await sleep(this.stepDelayMs);
            this.sendTo(sid, 'progress', { value: step, max: steps, prompt_id: promptId, node: id });
            if (step === 1) this.sendPreview(sid, await sharp({ create: { width: 8, height: 8, channels: 3, background: '#808080' } }).jpeg().toBuffer());
          }
          const positive = input('positive') as { text: string };
          values.set(id, { ...latent, seed: Number(node.inputs.seed), text: positive.text });
          break;
        }
        case 'SaveImage':
        case 'PreviewImage': {
          const image = input('images') as { width: number; height: number; seed: number; text: string };
          const { r, g, b } = colourFor(image.seed, image.text);
          const png = await sharp({ create: { width: image.width, height: image.height, channels: 3, background: { r, g, b } } }).png().toBuffer();
          const type = node.class_type === 'SaveImage' ? 'output' : 'temp';
          const prefix = node.class_type === 'SaveImage' ? String(node.inputs.filename_prefix) : 'ComfyUI_temp';
          const filename = `${prefix}_${String(++this.counter).padStart(5, '0')}_.png`;
          this.files.set(`${type}//${filename}`, png);
          const ui = { images: [{ filename, subfolder: '', type }] };
          outputs[id] = ui;
          this.sendTo(sid, 'executed', { node: id, display_node: id, output: ui, prompt_id: promptId });
          break;
        }
      }
      if (stop) break;
      executed.push(id);
    }
    // Newer ComfyUI sends execution_success from the executor, then writes the history, then `executing` null.
    if (status === 'success') message('execution_success', { prompt_id: promptId, timestamp: Date.now() });
    this.history.set(promptId, {
      prompt: queueTuple(item),
      outputs,
      status: { status_str: status, completed: status === 'success', messages },
    });
    this.sendTo(sid, 'executing', { node: null, prompt_id: promptId });
  }
}

function routeOf(method: string, pathname: string): Route | undefined {
  if (method === 'POST' && pathname === '/prompt') return 'POST /prompt';
  if (method === 'GET' && (pathname === '/history' || pathname.startsWith('/history/'))) return 'GET /history';
  if (method === 'GET' && pathname === '/view') return 'GET /view';
  if (method === 'POST' && pathname === '/upload/image') return 'POST /upload/image';
  if (pathname === '/queue') return method === 'POST' ? 'POST /queue' : method === 'GET' ? 'GET /queue' : undefined;
  if (method === 'POST' && pathname === '/interrupt') return 'POST /interrupt';
  return undefined;
}

/** Nodes in the order ComfyUI runs them: each output's inputs first. */
function topological(prompt: QueueItem['prompt'], outputs: string[]): string[] {
  const order: string[] = [];
  const seen = new Set<string>();
  const visit = (id: string) => {
    if (seen.has(id)) return;
    seen.add(id);
    for (const v of Object.values(prompt[id].inputs)) if (Array.isArray(v) && v.length === 2 && String(v[0]) in prompt) visit(String(v[0]));
    order.push(id);
  };
  for (const o of outputs) visit(o);
  return order;
}

function queueTuple(item: QueueItem): unknown[] {
  return [item.number, item.promptId, item.prompt, item.extra, item.outputs];
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', () => resolve(Buffer.concat(chunks)));
  });
}

function send(res: http.ServerResponse, status: number, contentType: string, body: string | Buffer): void {
  if (res.socket?.destroyed) return;
  res.writeHead(status, { 'content-type': contentType });
  res.end(body);
}

function json(res: http.ServerResponse, status: number, value: unknown): void {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(value));
}

function parseOr(body: Buffer, fallback: unknown): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return fallback;
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
