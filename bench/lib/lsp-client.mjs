// A minimal LSP client over stdio: Content-Length framing, JSON-RPC requests/notifications, answers to the
// server's own requests (workspace/configuration and friends), and waiting for publishDiagnostics. No vscode
// dependency, so both servers are driven by the same code path.
import { spawn } from 'node:child_process';
import { readFileSync, createWriteStream } from 'node:fs';
import { performance } from 'node:perf_hooks';

const HEADER_END = Buffer.from('\r\n\r\n');

export class LspClient {
  /**
   * @param {object} o
   * @param {string} o.name label used in errors
   * @param {string} o.command executable (spawned directly, no shell, so `pid` is the server process)
   * @param {string[]} o.args
   * @param {string} o.cwd
   * @param {Record<string, string>} [o.env] added to this process's environment
   * @param {string} o.stderrLog file that receives the server's stderr
   * @param {(section: string|undefined, scopeUri: string|undefined) => unknown} o.configuration
   */
  constructor({ name, command, args, cwd, env = {}, stderrLog, configuration }) {
    this.name = name;
    this.configuration = configuration;
    this.nextId = 1;
    this.pending = new Map();
    this.diagnosticWaiters = [];
    this.lastDiagnostics = new Map();
    this.requestsFromServer = new Map();
    this.buffer = Buffer.alloc(0);
    this.exited = false;
    this.child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    this.pid = this.child.pid;
    const log = createWriteStream(stderrLog);
    this.child.stderr.pipe(log);
    this.child.stdout.on('data', (chunk) => this.onData(chunk));
    this.child.stdin.on('error', () => {}); // EPIPE when the server dies; reported through 'exit'
    this.child.on('exit', (code, signal) => {
      this.exited = true;
      const err = new Error(`${this.name} exited (code ${code}, signal ${signal}); see ${stderrLog}`);
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
      for (const w of this.diagnosticWaiters) w.reject(err);
      this.diagnosticWaiters = [];
    });
  }

  onData(chunk) {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const headerEnd = this.buffer.indexOf(HEADER_END);
      if (headerEnd < 0) return;
      const header = this.buffer.subarray(0, headerEnd).toString('ascii');
      const m = /Content-Length:\s*(\d+)/i.exec(header);
      if (!m) throw new Error(`${this.name}: bad header ${JSON.stringify(header)}`);
      const length = Number(m[1]);
      const start = headerEnd + HEADER_END.length;
      if (this.buffer.length < start + length) return;
      const body = this.buffer.subarray(start, start + length).toString('utf8');
      this.buffer = this.buffer.subarray(start + length);
      const at = performance.now();
      this.onMessage(JSON.parse(body), at);
    }
  }

  onMessage(msg, at) {
    if (msg.id !== undefined && msg.method === undefined) {
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      if (msg.error) p.reject(new Error(`${this.name}: ${p.method} failed: ${msg.error.message}`));
      else p.resolve({ result: msg.result, at });
      return;
    }
    if (msg.id !== undefined) {
      this.requestsFromServer.set(msg.method, (this.requestsFromServer.get(msg.method) ?? 0) + 1);
      this.answerServerRequest(msg);
      return;
    }
    if (msg.method === 'textDocument/publishDiagnostics') {
      const p = msg.params;
      this.lastDiagnostics.set(p.uri, p);
      const remaining = [];
      for (const w of this.diagnosticWaiters) {
        if (w.accept(p)) w.resolve({ params: p, at });
        else remaining.push(w);
      }
      this.diagnosticWaiters = remaining;
    }
  }

  answerServerRequest(msg) {
    let result = null;
    if (msg.method === 'workspace/configuration') {
      result = (msg.params?.items ?? []).map((item) => this.configuration(item.section, item.scopeUri) ?? null);
    }
    this.write({ jsonrpc: '2.0', id: msg.id, result });
  }

  /** Frames a message. Framing is done before timing starts, so the clock covers transport and server only. */
  static frame(msg) {
    const body = Buffer.from(JSON.stringify(msg), 'utf8');
    return Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`, 'ascii'), body]);
  }

  write(msgOrFrame) {
    if (this.exited) throw new Error(`${this.name} has exited`);
    this.child.stdin.write(Buffer.isBuffer(msgOrFrame) ? msgOrFrame : LspClient.frame(msgOrFrame));
  }

  /** Sends a request; resolves with { result, at, sentAt }. */
  request(method, params, timeoutMs = 60_000) {
    const id = this.nextId++;
    const frame = LspClient.frame({ jsonrpc: '2.0', id, method, params });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${this.name}: ${method} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, {
        method,
        resolve: (v) => {
          clearTimeout(timer);
          resolve({ ...v, sentAt });
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      const sentAt = performance.now();
      this.write(frame);
    });
  }

  notify(method, params) {
    this.write({ jsonrpc: '2.0', method, params });
  }

  /**
   * Registers a waiter for the next publishDiagnostics that `accept` takes, before anything is sent, so a fast
   * server cannot answer before we listen. Returns { promise, cancel }.
   */
  waitForDiagnostics(accept, timeoutMs = 60_000) {
    let waiter;
    const promise = new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.diagnosticWaiters = this.diagnosticWaiters.filter((w) => w !== waiter);
        reject(new Error(`${this.name}: no matching publishDiagnostics within ${timeoutMs} ms`));
      }, timeoutMs);
      waiter = {
        accept,
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      this.diagnosticWaiters.push(waiter);
    });
    return promise;
  }

  /** CPU time (user + system, all threads) the server process has used so far, in ms (Linux; 10 ms ticks). */
  cpuMs() {
    try {
      const stat = readFileSync(`/proc/${this.pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return (Number(fields[11]) + Number(fields[12])) * 10; // utime, stime in USER_HZ (100 on Linux)
    } catch {
      return NaN;
    }
  }

  /** VmRSS and VmHWM of the server process, in MiB (Linux). */
  memory() {
    try {
      const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
      const kb = (key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
      return { rssMiB: kb('VmRSS') / 1024, hwmMiB: kb('VmHWM') / 1024 };
    } catch {
      return { rssMiB: NaN, hwmMiB: NaN };
    }
  }

  async shutdown(timeoutMs = 5_000) {
    if (this.exited) return;
    try {
      await this.request('shutdown', null, timeoutMs);
      this.notify('exit');
      await new Promise((resolve) => {
        const t = setTimeout(resolve, timeoutMs);
        this.child.once('exit', () => {
          clearTimeout(t);
          resolve();
        });
      });
    } catch {
      // fall through to kill
    }
    this.kill();
  }

  kill() {
    if (!this.exited) {
      try {
        this.child.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}
