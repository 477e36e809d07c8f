// What the fake generation servers share: a real node:http server on 127.0.0.1 (random port) that records every
// request, counts how many are in flight at once, and can be told to misbehave on the next requests to its
// generation endpoints: an error status (500, 429 with Retry-After...), a slow answer, a dropped connection before
// or in the middle of the answer, a malformed JSON body, or well-formed JSON whose image is not an image.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';

export type Fault =
  /** Answer this status with this JSON (or text) body and headers. */
  | { readonly kind: 'status'; readonly status: number; readonly body?: unknown; readonly headers?: Readonly<Record<string, string>> }
  /** Wait this long, then answer normally. */
  | { readonly kind: 'slow'; readonly ms: number }
  /** Destroy the socket without answering. */
  | { readonly kind: 'drop' }
  /** Send the status line, headers and half the body, then destroy the socket. */
  | { readonly kind: 'dropMidBody' }
  /** Answer 200 with a JSON body cut short. */
  | { readonly kind: 'malformed' }
  /** Answer 200 with well-formed JSON whose base64 image is not an image. */
  | { readonly kind: 'notImage' }
  /** Answer 200 with well-formed JSON that holds no image at all. */
  | { readonly kind: 'noImage' };

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
  /** The parsed JSON body, when it was JSON. */
  readonly json?: Record<string, unknown>;
}

export interface Answer {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/** The part of a fake that knows its protocol: given a request (and the fault to apply to a success, for
 *  `notImage`/`noImage`), the answer. */
export type Handler = (req: RecordedRequest, fault: Fault | undefined) => Promise<Answer>;

export class FakeServer {
  readonly requests: RecordedRequest[] = [];
  /** Requests in flight now, and the most there ever were. */
  active = 0;
  maxActive = 0;
  /** Added to every generation request, so concurrent requests overlap. */
  delayMs = 0;
  private readonly faults: Fault[] = [];
  private readonly server: http.Server;
  private port = 0;

  constructor(
    private readonly handler: Handler,
    /** Which requests count as generation requests (faults and delay apply to them only). */
    private readonly isGeneration: (method: string, path: string) => boolean,
  ) {
    this.server = http.createServer((req, res) => void this.serve(req, res));
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Generation requests made so far. */
  get generations(): RecordedRequest[] {
    return this.requests.filter((r) => this.isGeneration(r.method, r.path));
  }

  /** The next generation requests meet these faults, one each, in order. */
  fail(...faults: Fault[]): this {
    this.faults.push(...faults);
    return this;
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', 'http://x');
    let json: Record<string, unknown> | undefined;
    if (/json/.test(req.headers['content-type'] ?? '')) {
      try {
        json = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
      } catch {
        json = undefined;
      }
    }
    const recorded: RecordedRequest = { method: req.method ?? 'GET', path: url.pathname, headers: req.headers, body, json };
    this.requests.push(recorded);
    const generation = this.isGeneration(recorded.method, recorded.path);
    const fault = generation ? this.faults.shift() : undefined;
    if (generation) {
      this.active++;
      this.maxActive = Math.max(this.maxActive, this.active);
    }
    try {
      if (generation && this.delayMs > 0) await sleep(this.delayMs);
      if (fault?.kind === 'slow') await sleep(fault.ms);
      if (res.destroyed) return;
      if (fault?.kind === 'drop') {
        req.socket.destroy();
        return;
      }
      if (fault?.kind === 'status') {
        send(res, { status: fault.status, body: fault.body ?? '', headers: fault.headers });
        return;
      }
      if (fault?.kind === 'malformed') {
        const text = '{"images": ["iVBORw0KGgoAAAANSUhEUgAA", "created": 17';
        res.writeHead(200, { 'content-type': 'application/json' }).end(text);
        return;
      }
      const answer = await this.handler(recorded, fault);
      if (fault?.kind === 'dropMidBody') {
        const text = Buffer.from(JSON.stringify(answer.body));
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(text.length) });
        res.write(text.subarray(0, text.length >> 1), () => req.socket.destroy());
        return;
      }
      send(res, answer);
    } catch (e) {
      if (!res.headersSent) send(res, { status: 500, body: { error: 'fake server bug', detail: String(e) } });
    } finally {
      if (generation) this.active--;
    }
  }
}

function send(res: http.ServerResponse, answer: Answer): void {
  if (res.destroyed) return;
  const isBuffer = Buffer.isBuffer(answer.body);
  const text = isBuffer ? (answer.body as Buffer) : Buffer.from(typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body));
  const type = isBuffer ? 'image/png' : typeof answer.body === 'string' ? 'text/plain; charset=utf-8' : 'application/json';
  res.writeHead(answer.status, { 'content-type': type, 'content-length': String(text.length), ...answer.headers });
  res.end(text);
}

/** A wait that does not keep the test process alive (a slow answer nobody waits for any more). */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

export type Rgb = readonly [number, number, number];

/** The colour a fake paints for a seed: tests read it back to see which seed arrived. */
export function seedColour(seed: number): Rgb {
  const s = Math.abs(Math.trunc(seed));
  return [(s * 67 + 13) % 256, (s * 131 + 71) % 256, (s * 29 + 199) % 256];
}

/** The colour a fake paints for a prompt (FNV-1a of its UTF-8 bytes). */
export function promptColour(prompt: string): Rgb {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(prompt, 'utf8')) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return [h & 255, (h >>> 8) & 255, (h >>> 16) & 255];
}

export function mix(a: Rgb, b: Rgb, t: number): Rgb {
  return [0, 1, 2].map((i) => Math.round(a[i] * (1 - t) + b[i] * t)) as unknown as Rgb;
}

export async function solidPng(width: number, height: number, colour: Rgb): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: colour[0], g: colour[1], b: colour[2] } } })
    .png()
    .toBuffer();
}

/** Mean colour of an encoded image, or undefined when it is not one sharp can read. */
export async function meanColour(bytes: Uint8Array): Promise<Rgb | undefined> {
  try {
    const stats = await sharp(bytes).stats();
    return [Math.round(stats.channels[0].mean), Math.round(stats.channels[1].mean), Math.round(stats.channels[2].mean)];
  } catch {
    return undefined;
  }
}

/** Size and mean colour of an image, for assertions. */
export async function describeImage(bytes: Uint8Array): Promise<{ width: number; height: number; colour: Rgb; format: string }> {
  const meta = await sharp(bytes).metadata();
  const colour = await meanColour(bytes);
  return { width: meta.width ?? 0, height: meta.height ?? 0, colour: colour!, format: meta.format ?? '' };
}
