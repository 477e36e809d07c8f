// The `command` kind: any executable that makes one image per run. The `run` setting is split into arguments with
// shell-like quoting (no shell runs it, so nothing in a prompt is ever interpreted), placeholders are substituted
// inside each argument, and the program must write an image to {out}: a fresh temporary path the generator
// creates and removes.
//
// Quoting: whitespace separates arguments; '...' is literal; "..." keeps spaces, and inside it \" and \\ are a
// quote and a backslash; outside quotes a backslash escapes whitespace, quotes, backslashes and braces (any other
// backslash is kept, so Windows paths need no doubling); \{ and \} are literal braces, never placeholders.
// Placeholders: {prompt} {negative} {seed} {width} {height} {steps} {guidance} {input} {strength} {out}; a value
// the test does not give is the empty string ({strength} is 0.75 when there is an input and no strength).
//
// The program runs in `cwd` (default: the spec's folder), in its own process group on POSIX so a timeout or a
// cancellation kills it and everything it started; on Windows `taskkill /T` does the same.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { BackendOptions } from './pool';
import { describeBytes, imageFormat } from './files';
import { GenerationError, withoutSecrets, type GeneratedImage, type GenerationRequest, type Generator } from './generator';
import { Limiter } from './limiter';
import { commandLineSecrets, environmentSecrets } from './redact';
import type { GeneratorSettings } from './settings';

const BACKEND = 'command';
const PLACEHOLDERS = ['prompt', 'negative', 'seed', 'width', 'height', 'steps', 'guidance', 'input', 'strength', 'out'] as const;
type Placeholder = (typeof PLACEHOLDERS)[number];
const PLACEHOLDER_RE = new RegExp(`\\{(${PLACEHOLDERS.join('|')})\\}`, 'g');
// Escaped braces travel through substitution as private-use characters.
const OPEN = '\uE000';
const CLOSE = '\uE001';
const STDERR_LINES = 8;
const TAIL_BYTES = 16_384;
const KILL_GRACE_MS = 1000;

export class CommandLineError extends Error {}

function tokenize(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inToken = false;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i];
    if (/\s/.test(c)) {
      if (inToken) out.push(cur);
      cur = '';
      inToken = false;
      i++;
      continue;
    }
    inToken = true;
    if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) throw new CommandLineError(`unterminated ' quote at column ${i + 1}`);
      cur += text.slice(i + 1, end);
      i = end + 1;
    } else if (c === '"') {
      i++;
      for (;;) {
        if (i >= n) throw new CommandLineError(`unterminated " quote`);
        const d = text[i];
        if (d === '"') break;
        if (d === '\\' && (text[i + 1] === '"' || text[i + 1] === '\\')) {
          cur += text[i + 1];
          i += 2;
        } else if (d === '\\' && (text[i + 1] === '{' || text[i + 1] === '}')) {
          cur += text[i + 1] === '{' ? OPEN : CLOSE;
          i += 2;
        } else {
          cur += d;
          i++;
        }
      }
      i++;
    } else if (c === '\\' && i + 1 < n && /[\s'"\\{}]/.test(text[i + 1])) {
      const e = text[i + 1];
      cur += e === '{' ? OPEN : e === '}' ? CLOSE : e;
      i += 2;
    } else {
      cur += c;
      i++;
    }
  }
  if (inToken) out.push(cur);
  return out;
}

const unescapeBraces = (s: string) => s.replace(/\uE000/g, '{').replace(/\uE001/g, '}');

/** `text` split by the rules above, placeholders left as written. */
function splitCommandLine(text: string): string[] {
  return tokenize(text).map(unescapeBraces);
}

/** The argument vector for one run: `run` split by the rules above (CommandLineError on an unterminated quote),
 *  then each placeholder replaced within its argument. */
export function expandCommandLine(run: string, values: Readonly<Record<Placeholder, string>>): string[] {
  return tokenize(run).map((arg) => unescapeBraces(arg.replace(PLACEHOLDER_RE, (_, name: Placeholder) => values[name])));
}

export function placeholderValues(req: GenerationRequest, out: string): Record<Placeholder, string> {
  const num = (v: number | undefined) => (v === undefined ? '' : String(v));
  return {
    prompt: req.prompt,
    negative: req.negative ?? '',
    seed: String(req.seed),
    width: String(req.width),
    height: String(req.height),
    steps: num(req.steps),
    guidance: num(req.guidance),
    input: req.input ?? '',
    strength: req.strength !== undefined ? String(req.strength) : req.input !== undefined ? '0.75' : '',
    out,
  };
}

export function createCommandGenerator(settings: GeneratorSettings, options: BackendOptions = {}): Generator {
  const run = settings.text('run') ?? '';
  const cwd = settings.file('cwd') ?? path.dirname(settings.specFile);
  const timeoutMs = settings.duration('timeout', 600_000);
  const retries = settings.integer('retries', 0);
  const limiter = new Limiter(settings.integer('concurrency', 1));
  const backoffMs = options.backoffMs ?? 500;
  const maxBackoffMs = options.maxBackoffMs ?? 30_000;

  const attempt = async (req: GenerationRequest, signal?: AbortSignal): Promise<GeneratedImage> => {
    const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'wabi-command-'));
    const out = path.join(dir, 'out.png');
    try {
      let argv: string[];
      try {
        argv = expandCommandLine(run, placeholderValues(req, out));
      } catch (e) {
        throw new GenerationError(BACKEND, `\`run\` cannot be split into arguments: ${(e as Error).message}`);
      }
      if (argv.length === 0 || argv[0] === '') throw new GenerationError(BACKEND, '`run` names no program');
      const program = argv[0];
      const result = await runProcess(argv, cwd, timeoutMs, signal);
      const tail = lastLines(result.stderr) || lastLines(result.stdout);
      const said = tail ? `; it said:\n${tail}` : ' and printed nothing';
      if (result.cancelled) throw new GenerationError(BACKEND, 'cancelled');
      if (result.timedOut)
        throw new GenerationError(BACKEND, `${program} took longer than ${timeoutMs} ms and was killed with the processes it started${said}`, true);
      if (result.signal) throw new GenerationError(BACKEND, `${program} was killed by ${result.signal}${said}`, true);
      if (result.code !== 0) throw new GenerationError(BACKEND, `${program} exited with code ${result.code}${said}`, true);
      let bytes: Buffer;
      try {
        bytes = await fs.promises.readFile(out);
      } catch {
        throw new GenerationError(BACKEND, `${program} exited with code 0 but wrote no file at {out} (${out})${said}`, true);
      }
      if (!imageFormat(bytes)) throw new GenerationError(BACKEND, `${program} wrote something that is not an image at {out}: ${describeBytes(bytes)}`, true);
      return { bytes, info: { program } };
    } finally {
      await fs.promises.rm(dir, { recursive: true, force: true }).catch(() => undefined);
    }
  };

  /** The credentials the program gets, in its environment and on its command line: what it prints when it fails
   *  is shown with them masked (every credential form is masked anyway, as in any GenerationError). */
  const secrets = (): string[] => {
    let argv: string[] = [];
    try {
      argv = splitCommandLine(run);
    } catch {
      // an unsplittable `run` is its own error
    }
    return [...environmentSecrets(process.env), ...commandLineSecrets(argv)];
  };

  return {
    name: settings.name,
    kind: 'command',
    identity: `command:${run} cwd=${cwd}`,
    generate(req: GenerationRequest, signal?: AbortSignal): Promise<GeneratedImage> {
      return limiter
        .run(async () => {
          if (!run.trim()) throw new GenerationError(BACKEND, 'no `run`: give the command line that makes one image');
          const stat = await fs.promises.stat(cwd).catch(() => undefined);
          if (!stat?.isDirectory()) throw new GenerationError(BACKEND, `the working folder ${cwd} (\`cwd\`) does not exist or is not a folder`);
          const attempts = retries + 1;
          for (let n = 1; ; n++) {
            if (signal?.aborted) throw new GenerationError(BACKEND, 'cancelled');
            try {
              return await attempt(req, signal);
            } catch (e) {
              if (!(e instanceof GenerationError)) throw new GenerationError(BACKEND, e instanceof Error ? e.message : String(e));
              if (!e.retryable || n >= attempts || signal?.aborted) {
                throw n > 1 ? new GenerationError(BACKEND, `${e.reason} (after ${n} attempts)`, false, e.status) : e;
              }
              await sleep(Math.min(maxBackoffMs, backoffMs * 2 ** (n - 1)), signal);
            }
          }
        })
        .catch((e: unknown) => Promise.reject(withoutSecrets(e, secrets(), BACKEND)));
    },
  };
}

interface ProcessResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
  readonly cancelled: boolean;
}

function runProcess(argv: string[], cwd: string, timeoutMs: number, signal?: AbortSignal): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const posix = process.platform !== 'win32';
    let child: ChildProcess;
    try {
      child = spawn(argv[0], argv.slice(1), { cwd, detached: posix, stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
    } catch (e) {
      reject(spawnError(argv[0], e));
      return;
    }
    const stdout = new Tail();
    const stderr = new Tail();
    child.stdout?.on('data', (d: Buffer) => stdout.push(d));
    child.stderr?.on('data', (d: Buffer) => stderr.push(d));
    let timedOut = false;
    let cancelled = false;
    let settled = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killTree(child);
    }, timeoutMs);
    const onAbort = () => {
      cancelled = true;
      killTree(child);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const cleanup = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    child.once('error', (e) => {
      if (settled) return;
      settled = true;
      cleanup();
      reject(spawnError(argv[0], e));
    });
    child.once('exit', (code, sig) => {
      cleanup();
      // Output still in the pipes arrives before 'close'; a grandchild holding them open must not hold us up.
      const finish = () => {
        if (settled) return;
        settled = true;
        child.stdout?.destroy();
        child.stderr?.destroy();
        resolve({ code, signal: sig, stdout: stdout.text(), stderr: stderr.text(), timedOut, cancelled });
      };
      const grace = setTimeout(finish, 500);
      child.once('close', () => {
        clearTimeout(grace);
        finish();
      });
    });
  });
}

/** Ends the process and everything it started: its process group on POSIX, its tree on Windows. */
function killTree(child: ChildProcess): void {
  const pid = child.pid;
  if (pid === undefined) return;
  if (process.platform === 'win32') {
    spawn('taskkill', ['/pid', String(pid), '/T', '/F'], { stdio: 'ignore', windowsHide: true }).on('error', () => child.kill('SIGKILL'));
    return;
  }
  const signalGroup = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pid, sig);
    } catch {
      // the group is gone
    }
  };
  signalGroup('SIGTERM');
  setTimeout(() => signalGroup('SIGKILL'), KILL_GRACE_MS).unref();
}

function spawnError(program: string, e: unknown): GenerationError {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new GenerationError(BACKEND, `cannot run ${program}: no such program (give a path, or put it on PATH)`);
  if (code === 'EACCES') return new GenerationError(BACKEND, `cannot run ${program}: permission denied (is it executable?)`);
  return new GenerationError(BACKEND, `cannot run ${program}: ${(e as Error).message ?? String(e)}`);
}

/** Keeps the last few kilobytes of a stream. */
class Tail {
  private chunks: Buffer[] = [];
  private size = 0;
  push(d: Buffer): void {
    this.chunks.push(d);
    this.size += d.length;
    while (this.size - this.chunks[0].length >= TAIL_BYTES) this.size -= this.chunks.shift()!.length;
  }
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

function lastLines(text: string): string {
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trimEnd())
    .filter((l) => l.trim() !== '');
  return lines
    .slice(-STDERR_LINES)
    .map((l) => (l.length > 300 ? l.slice(0, 300) + '...' : l))
    .join('\n');
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new GenerationError(BACKEND, 'cancelled'));
    const onAbort = () => {
      clearTimeout(timer);
      reject(new GenerationError(BACKEND, 'cancelled'));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
