// HTTP for generation backends: a timeout per attempt, retries with exponential backoff and jitter on 429, 5xx
// and dropped connections (honouring Retry-After), cancellation, and errors that say what the server did.
import { GenerationError, withoutSecrets } from './generator';
import { requestSecrets } from './redact';

export interface RetryPolicy {
  /** Milliseconds one attempt may take, body included. */
  readonly timeoutMs: number;
  /** Further attempts after the first. */
  readonly retries: number;
  /** First backoff; doubles each retry, with up to 50% jitter, capped at `maxBackoffMs`. */
  readonly backoffMs?: number;
  readonly maxBackoffMs?: number;
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Buffer;
}

const RETRYABLE_STATUS = new Set([408, 425, 429, 500, 502, 503, 504]);
const RETRYABLE_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'EAI_AGAIN']);

/** Performs a request with retries. Non-retryable HTTP errors (400, 401, 404...) throw at once with the
 *  server's message; retryable ones throw after the last retry with how many attempts were made. No error carries
 *  the request's credentials (its Authorization and key headers, the URL's password and key parameters), even
 *  when the server repeats them in its answer: beyond the forms every GenerationError masks, their exact values
 *  are masked too. */
export async function request(backend: string, url: string, init: RequestInit, policy: RetryPolicy, signal?: AbortSignal): Promise<HttpResponse> {
  try {
    return await withRetries(backend, url, init, policy, signal);
  } catch (e) {
    throw withoutSecrets(e, requestSecrets(url, init.headers), backend);
  }
}

async function withRetries(backend: string, url: string, init: RequestInit, policy: RetryPolicy, signal?: AbortSignal): Promise<HttpResponse> {
  const attempts = policy.retries + 1;
  let last: GenerationError | undefined;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    if (signal?.aborted) throw new GenerationError(backend, 'cancelled');
    try {
      const res = await once(backend, url, init, policy.timeoutMs, signal);
      if (res.status < 400) return res;
      const error = new GenerationError(
        backend,
        `${init.method ?? 'GET'} ${redact(url)} answered ${res.status}${serverMessage(res.body)}`,
        RETRYABLE_STATUS.has(res.status),
        res.status,
        res.body.toString('utf8', 0, Math.min(res.body.length, 65_536)),
        // Any 5xx is the server's: another server may answer (501 too, where one lacks what another has).
        RETRYABLE_STATUS.has(res.status) || res.status >= 500,
      );
      if (!error.retryable) throw error;
      last = error;
      if (attempt < attempts) await sleep(backend, backoff(policy, attempt, res.headers.get('retry-after')), signal);
    } catch (e) {
      if (e instanceof GenerationError && (!e.retryable || signal?.aborted)) throw e;
      last = e instanceof GenerationError ? e : new GenerationError(backend, String(e), true);
      if (attempt < attempts) await sleep(backend, backoff(policy, attempt, null), signal);
    }
  }
  // Out of retries: not worth trying again here, but still the server's fault, so a pool tries another one.
  throw new GenerationError(backend, `${last?.reason ?? 'failed'} (after ${attempts} attempt${attempts === 1 ? '' : 's'})`, false, last?.status, last?.body, last?.serverFault ?? true);
}

async function once(backend: string, url: string, init: RequestInit, timeoutMs: number, signal?: AbortSignal): Promise<HttpResponse> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error('timeout')), timeoutMs);
  const onAbort = () => controller.abort(new Error('cancelled'));
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const res = await fetch(url, { ...init, signal: controller.signal });
    const body = Buffer.from(await res.arrayBuffer());
    return { status: res.status, headers: res.headers, body };
  } catch (e) {
    if (signal?.aborted) throw new GenerationError(backend, 'cancelled');
    if (controller.signal.aborted) throw new GenerationError(backend, `${init.method ?? 'GET'} ${redact(url)} timed out after ${timeoutMs} ms`, true);
    const code = errorCode(e);
    // fetch wraps network failures as TypeError('fetch failed') with the errno code on `cause`; a TypeError
    // without one is a request that can never succeed (a malformed URL, credentials in the URL): no retry.
    const network = code !== undefined || /fetch failed|socket|other side closed|terminated/i.test(String((e as Error).message));
    const what =
      code === 'ECONNREFUSED' ? 'connection refused (is the server running?)' : code ? `connection failed (${code})` : scrub(String((e as Error).message ?? e), url);
    // An unreachable host (refused, reset, not found) is the server's fault even where retrying it is pointless.
    throw new GenerationError(backend, `${init.method ?? 'GET'} ${redact(url)}: ${what}`, network && (code === undefined || RETRYABLE_CODES.has(code)), undefined, undefined, network);
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}

/** The errno-style code under fetch's "fetch failed" wrapper. */
function errorCode(e: unknown): string | undefined {
  let cur: unknown = e;
  for (let depth = 0; cur && depth < 5; depth++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

function backoff(policy: RetryPolicy, attempt: number, retryAfter: string | null): number {
  const max = policy.maxBackoffMs ?? 30_000;
  if (retryAfter) {
    const seconds = Number(retryAfter);
    const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(retryAfter) - Date.now();
    if (Number.isFinite(ms) && ms >= 0) return Math.min(ms, max);
  }
  const base = (policy.backoffMs ?? 500) * 2 ** (attempt - 1);
  return Math.min(max, base * (1 + Math.random() * 0.5));
}

function sleep(backend: string, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new GenerationError(backend, 'cancelled'));
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(new GenerationError(backend, 'cancelled'));
      },
      { once: true },
    );
  });
}

/** A short excerpt of what the server said, for the error message. FastAPI servers (A1111, ComfyUI's API
 *  wrappers) put the useful text in `detail` (a string, or a list of {loc, msg} for 422s); OpenAI-style servers in
 *  `error.message`. */
function serverMessage(body: Buffer): string {
  const text = body.toString('utf8', 0, Math.min(body.length, 4000)).trim();
  if (!text) return '';
  try {
    const j = JSON.parse(text) as { error?: { message?: string } | string; detail?: unknown; message?: string; errors?: unknown };
    const detail = describeDetail(j.detail);
    const error = typeof j.error === 'string' ? j.error : j.error?.message;
    const m = detail ?? error ?? j.message;
    if (m) return `: ${String(m).slice(0, 300)}`;
  } catch {
    // not JSON
  }
  return `: ${text.replace(/\s+/g, ' ').slice(0, 200)}`;
}

function describeDetail(detail: unknown): string | undefined {
  if (typeof detail === 'string') return detail;
  if (Array.isArray(detail)) {
    const parts = detail.map((d: { loc?: unknown[]; msg?: string }) =>
      d && typeof d === 'object' ? `${Array.isArray(d.loc) ? d.loc.filter((x) => x !== 'body').join('.') + ': ' : ''}${d.msg ?? JSON.stringify(d)}` : String(d),
    );
    return parts.join('; ');
  }
  return undefined;
}

/** Removes the raw URL (and so any credentials in it) from an error text. */
function scrub(message: string, url: string): string {
  return message.split(url).join(redact(url));
}

/** A URL as messages and identities show it: without credentials and query string (keys sometimes travel there).
 *  Free text goes through redactSecrets instead (every GenerationError does), which keeps what is not a secret. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    u.search = '';
    return u.toString();
  } catch {
    return url;
  }
}

/** Parses JSON from a response body, or says which backend sent something else. */
export function parseJson<T>(backend: string, what: string, body: Buffer): T {
  try {
    return JSON.parse(body.toString('utf8')) as T;
  } catch {
    throw new GenerationError(backend, `${what} is not JSON: ${body.toString('utf8', 0, 120).replace(/\s+/g, ' ')}`, true);
  }
}
