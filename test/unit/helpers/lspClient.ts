// A minimal LSP client over stdio (Content-Length framed JSON-RPC) for driving the real bundled server in tests.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';

type Json = unknown;

export class LspClient {
  private readonly child: ChildProcessWithoutNullStreams;
  private buffer = Buffer.alloc(0);
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: Json) => void; reject: (e: Error) => void }>();
  private readonly listeners: Array<(method: string, params: Json) => void> = [];
  /** Answers to server-to-client requests, by method. */
  readonly handlers = new Map<string, (params: Json) => Json>();
  stderr = '';

  constructor(serverModule: string, args: string[] = ['--stdio']) {
    this.child = spawn(process.execPath, [serverModule, ...args], { stdio: 'pipe' });
    this.child.stdout.on('data', (chunk: Buffer) => this.onData(chunk));
    this.child.stderr.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.child.on('exit', (code) => {
      for (const p of this.pending.values()) p.reject(new Error(`server exited with ${code}: ${this.stderr}`));
      this.pending.clear();
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get exited(): boolean {
    return this.child.exitCode !== null;
  }

  private send(message: object): void {
    const body = Buffer.from(JSON.stringify({ jsonrpc: '2.0', ...message }), 'utf8');
    this.child.stdin.write(`Content-Length: ${body.length}\r\n\r\n`);
    this.child.stdin.write(body);
  }

  private onData(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const headerEnd = this.buffer.indexOf('\r\n\r\n');
      if (headerEnd < 0) return;
      const match = /Content-Length: (\d+)/i.exec(this.buffer.subarray(0, headerEnd).toString('ascii'));
      if (!match) throw new Error('bad LSP header');
      const length = Number(match[1]);
      if (this.buffer.length < headerEnd + 4 + length) return;
      const body = JSON.parse(this.buffer.subarray(headerEnd + 4, headerEnd + 4 + length).toString('utf8'));
      this.buffer = this.buffer.subarray(headerEnd + 4 + length);
      this.dispatch(body);
    }
  }

  private dispatch(msg: { id?: number; method?: string; params?: Json; result?: Json; error?: { message: string; code: number } }): void {
    if (msg.method !== undefined && msg.id !== undefined) {
      const handler = this.handlers.get(msg.method);
      this.send({ id: msg.id, result: handler ? handler(msg.params) : null });
    } else if (msg.method !== undefined) {
      for (const l of this.listeners) l(msg.method, msg.params);
    } else if (msg.id !== undefined) {
      const p = this.pending.get(msg.id);
      this.pending.delete(msg.id);
      if (!p) return;
      if (msg.error) p.reject(Object.assign(new Error(msg.error.message), { code: msg.error.code }));
      else p.resolve(msg.result);
    }
  }

  request<T = Json>(method: string, params: Json): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: Json) => void, reject });
      this.send({ id, method, params });
    });
  }

  notify(method: string, params: Json): void {
    this.send({ method, params });
  }

  /** Calls `listener` with the params of every notification `method` from now on. */
  onNotification(method: string, listener: (params: Json) => void): void {
    this.listeners.push((m, params) => {
      if (m === method) listener(params);
    });
  }

  /** Resolves with the params of the next notification `method` that satisfies `accept`. */
  waitFor<T = Json>(method: string, accept: (params: T) => boolean = () => true, timeoutMs = 10_000): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${method}`)), timeoutMs);
      const listener = (m: string, params: Json) => {
        if (m !== method || !accept(params as T)) return;
        clearTimeout(timer);
        this.listeners.splice(this.listeners.indexOf(listener), 1);
        resolve(params as T);
      };
      this.listeners.push(listener);
    });
  }

  async shutdown(): Promise<void> {
    if (this.exited) return;
    try {
      await this.request('shutdown', null);
      this.notify('exit', null);
    } catch {
      // already gone
    }
    await new Promise<void>((resolve) => {
      if (this.exited) return resolve();
      const timer = setTimeout(() => {
        this.child.kill('SIGKILL');
        resolve();
      }, 3000);
      this.child.on('exit', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
