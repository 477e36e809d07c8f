// Generator pools: one generator, several endpoints (servers of one kind that serve the same models), written as
// one `url` line each. The kinds (comfyui, a1111, openai) only say how to run one request on one endpoint; this
// module decides where each request goes and what happens when an endpoint fails.
//
// - Requests wait in one line, first come first served, and each goes to the endpoint with the most free slots
//   (its `concurrency` less the requests it has in flight; ties to the one least loaded for its size, then the one
//   sent a request longest ago, so processes that each keep fewer requests in flight than the pool holds still use
//   every endpoint). A concurrency-2 endpoint so takes about twice the work of a concurrency-1 one.
// - A failure that is the server's (GenerationError.serverFault: refused, dropped, timed out, 429, 5xx, an answer
//   that is not its protocol) takes the endpoint out of rotation for OUT_MS, doubling up to MAX_OUT_MS with each
//   failure in a row; then one request probes it, and success puts it back. The failed request moves to another
//   endpoint. Requests already in flight there finish or fail on their own.
// - A failure that is the request's own (a 400 for a bad workflow, an error a node raised) is thrown at once: it
//   would fail on every endpoint alike.
// - A request gives up, with every endpoint's reason, once it has failed on every endpoint; or when every endpoint
//   is out and has failed again when probed (the pool is down): then no request waits for the next probe, so a run
//   against dead servers ends instead of hanging. A request that comes once a pause is over still probes.
// - A pool of one endpoint is the plain generator: its errors are thrown as they are, and it is never taken out.
import { GenerationError } from './generator';

/** How long an endpoint is first left out of rotation after failing, and the longest it is left out. */
export const OUT_MS = 5_000;
export const MAX_OUT_MS = 60_000;

/** Knobs tests turn down; a spec cannot set them. */
export interface BackendOptions {
  /** First backoff of an HTTP retry on one endpoint (http.ts). */
  readonly backoffMs?: number;
  readonly maxBackoffMs?: number;
  /** First time out of rotation, and its cap. */
  readonly outMs?: number;
  readonly maxOutMs?: number;
}

export interface PoolEndpoint<C> {
  /** The endpoint as messages and reports show it: its URL without credentials or query. */
  readonly label: string;
  readonly concurrency: number;
  /** What the kind needs to run a request there. */
  readonly client: C;
}

/** What one endpoint did in a run, for the run summary and the reports. */
export interface EndpointFigures {
  /** The generator's name in the spec. */
  readonly generator: string;
  /** The endpoint's URL, without credentials or query. */
  readonly endpoint: string;
  readonly concurrency: number;
  /** Images it made. */
  readonly images: number;
  /** Requests that failed there, whether they then succeeded elsewhere or not (cancelled ones aside). */
  readonly failures: number;
  /** Seconds each of its images took, request sent to image received, in the order they came. */
  readonly seconds: readonly number[];
  /** Milliseconds it spent out of rotation. */
  readonly outOfRotationMs: number;
}

interface State<C> extends PoolEndpoint<C> {
  active: number;
  /** Out of rotation since (epoch ms), or undefined while in rotation. */
  outSince?: number;
  /** When it may be probed. */
  retryAt: number;
  /** Failures in a row: 1 when taken out, one more per failed probe. */
  strikes: number;
  probing: boolean;
  /** When it was last sent a request, as a count of dispatches. */
  lastSent: number;
  lastReason: string;
  images: number;
  failures: number;
  seconds: number[];
  outMs: number;
}

interface Waiter<C> {
  /** The endpoints this request failed on, with why. */
  readonly failed: Map<State<C>, string>;
  readonly start: (endpoint: State<C>, probe: boolean) => void;
  readonly reject: (e: GenerationError) => void;
}

export class EndpointPool<C> {
  private readonly endpoints: State<C>[];
  private readonly waiting: Waiter<C>[] = [];
  private timer: NodeJS.Timeout | undefined;
  private dispatched = 0;
  private readonly outMs: number;
  private readonly maxOutMs: number;

  constructor(
    private readonly backend: string,
    endpoints: readonly PoolEndpoint<C>[],
    options: BackendOptions = {},
  ) {
    if (endpoints.length === 0) throw new GenerationError(backend, 'a pool needs at least one endpoint');
    this.endpoints = endpoints.map((e) => ({
      ...e,
      active: 0,
      retryAt: 0,
      strikes: 0,
      probing: false,
      lastSent: 0,
      lastReason: '',
      images: 0,
      failures: 0,
      seconds: [],
      outMs: 0,
    }));
    this.outMs = options.outMs ?? OUT_MS;
    this.maxOutMs = options.maxOutMs ?? MAX_OUT_MS;
  }

  get size(): number {
    return this.endpoints.length;
  }

  /** Runs `task` on an endpoint, and on others while the failures are the servers'. Rejects with the kind's
   *  'cancelled' as soon as `signal` aborts, wherever the request is. */
  async run<T>(task: (client: C, signal: AbortSignal) => Promise<T>, outer?: AbortSignal): Promise<T> {
    const signal = outer ?? new AbortController().signal;
    const failed = new Map<State<C>, string>();
    for (;;) {
      const { endpoint, probe } = await this.acquire(failed, signal);
      const t0 = performance.now();
      try {
        const out = await task(endpoint.client, signal);
        endpoint.images++;
        endpoint.seconds.push((performance.now() - t0) / 1000);
        if (probe) this.restore(endpoint);
        return out;
      } catch (e) {
        if (signal.aborted) throw new GenerationError(this.backend, 'cancelled');
        const error = e instanceof GenerationError ? e : new GenerationError(this.backend, e instanceof Error ? e.message : String(e));
        endpoint.failures++;
        if (!error.serverFault || this.endpoints.length === 1) {
          if (probe) this.restore(endpoint); // it answered: the fault was the request's
          throw error;
        }
        this.takeOut(endpoint, error.reason, probe);
        failed.set(endpoint, error.reason);
      } finally {
        endpoint.active--;
        if (probe) endpoint.probing = false;
        this.dispatch();
      }
    }
  }

  /** Each endpoint's figures so far (time out of rotation counted up to now). */
  figures(generator: string): EndpointFigures[] {
    const now = Date.now();
    return this.endpoints.map((e) => ({
      generator,
      endpoint: e.label,
      concurrency: e.concurrency,
      images: e.images,
      failures: e.failures,
      seconds: [...e.seconds],
      outOfRotationMs: e.outMs + (e.outSince === undefined ? 0 : now - e.outSince),
    }));
  }

  private acquire(failed: Map<State<C>, string>, signal: AbortSignal): Promise<{ endpoint: State<C>; probe: boolean }> {
    return new Promise((resolve, reject) => {
      if (signal.aborted) return reject(new GenerationError(this.backend, 'cancelled'));
      const onAbort = () => {
        const i = this.waiting.indexOf(waiter);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(new GenerationError(this.backend, 'cancelled'));
      };
      const waiter: Waiter<C> = {
        failed,
        start: (endpoint, probe) => {
          signal.removeEventListener('abort', onAbort);
          resolve({ endpoint, probe });
        },
        reject: (e) => {
          signal.removeEventListener('abort', onAbort);
          reject(e);
        },
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(waiter);
      this.dispatch();
    });
  }

  /** Starts every waiting request that can start, in order, and gives up those that have nowhere left to go. */
  private dispatch(): void {
    const now = Date.now();
    for (const w of [...this.waiting]) {
      const why = this.hopeless(w, now);
      const endpoint = why === undefined ? this.pick(w, now) : undefined;
      if (why === undefined && !endpoint) continue;
      this.waiting.splice(this.waiting.indexOf(w), 1);
      if (why !== undefined) {
        w.reject(new GenerationError(this.backend, why, false, undefined, undefined, true));
        continue;
      }
      const probe = endpoint!.outSince !== undefined;
      endpoint!.active++;
      endpoint!.lastSent = ++this.dispatched;
      if (probe) endpoint!.probing = true;
      w.start(endpoint!, probe);
    }
    this.scheduleProbe(now);
  }

  /** The free endpoint this request has not failed on with the most free slots, else one due for a probe. */
  private pick(w: Waiter<C>, now: number): State<C> | undefined {
    let best: State<C> | undefined;
    for (const e of this.endpoints) {
      if (w.failed.has(e) || e.outSince !== undefined || e.active >= e.concurrency) continue;
      if (!best || better(e, best)) best = e;
    }
    return best ?? this.endpoints.find((e) => !w.failed.has(e) && this.probeDue(e, now));
  }

  private probeDue(e: State<C>, now: number): boolean {
    return e.outSince !== undefined && !e.probing && e.retryAt <= now && e.active < e.concurrency;
  }

  /** Why a waiting request should give up now, or undefined while some endpoint may still take it. */
  private hopeless(w: Waiter<C>, now: number): string | undefined {
    if (w.failed.size === this.endpoints.length) {
      return `every endpoint failed: ${this.endpoints.map((e) => `${e.label} (${w.failed.get(e)})`).join('; ')}`;
    }
    // Down: every endpoint is out, has failed again when probed, and none is being or may be probed now.
    const down = this.endpoints.every((e) => e.outSince !== undefined && e.strikes >= 2 && !e.probing && e.retryAt > now);
    if (!down) return undefined;
    const reasons = this.endpoints.map((e) => `${e.label} (${w.failed.get(e) ?? e.lastReason})`).join('; ');
    return `all ${this.endpoints.length} endpoints are down, each failing again when tried after a pause: ${reasons}`;
  }

  private takeOut(e: State<C>, reason: string, probe: boolean): void {
    e.lastReason = reason;
    const now = Date.now();
    if (e.outSince === undefined) {
      e.outSince = now;
      e.strikes = 1;
    } else if (probe) e.strikes++;
    // A request that was already in flight when the endpoint went out does not lengthen its pause.
    else return;
    e.retryAt = now + Math.min(this.maxOutMs, this.outMs * 2 ** (e.strikes - 1));
  }

  private restore(e: State<C>): void {
    if (e.outSince !== undefined) e.outMs += Date.now() - e.outSince;
    e.outSince = undefined;
    e.strikes = 0;
  }

  /** Wakes the line when the next endpoint is due for a probe, while requests wait. */
  private scheduleProbe(now: number): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.waiting.length === 0) return;
    const due = this.endpoints.filter((e) => e.outSince !== undefined && !e.probing && e.retryAt > now).map((e) => e.retryAt);
    if (due.length === 0) return;
    this.timer = setTimeout(() => this.dispatch(), Math.min(...due) - now + 1);
  }
}

/** More free slots; then less loaded for its size; then sent a request longer ago. */
function better<C>(a: State<C>, b: State<C>): boolean {
  const free = a.concurrency - a.active - (b.concurrency - b.active);
  if (free !== 0) return free > 0;
  const load = a.active / a.concurrency - b.active / b.concurrency;
  if (load !== 0) return load < 0;
  return a.lastSent < b.lastSent;
}
