// One endpoint of a generator: a `url` line, `url http://gpu-2:8188` or `url http://gpu-2:8188 concurrency 2`. A
// generator with several `url` lines is a pool (generation/pool.ts spreads its requests). One reading, so the
// checker's located errors, hover, completion and the backends agree on what a line means.
/** The word that gives one endpoint its own concurrency after its URL. */
export const ENDPOINT_CONCURRENCY = 'concurrency';

/** How many images one endpoint may make at once, wherever it is written. */
export const CONCURRENCY_RANGE = { min: 1, max: 64 } as const;

export interface Endpoint {
  readonly url: string;
  /** Its own `concurrency N`, when the line gives one (else the generator's `concurrency` applies). */
  readonly concurrency?: number;
}

/** A part of the line, by character offsets into the text. */
export interface Span {
  readonly start: number;
  readonly end: number;
}

export type EndpointReading =
  | { readonly ok: true; readonly endpoint: Endpoint; readonly urlSpan: Span; readonly concurrencySpan?: Span }
  | { readonly ok: false; readonly problem: string; readonly code: 'bad-url' | 'bad-number' | 'out-of-range' | 'trailing-text'; readonly span: Span };

/** Reads a `url` line's value strictly: an http:// or https:// URL with a host, then optionally `concurrency N`
 *  (a whole number in CONCURRENCY_RANGE), and nothing else. A problem says which part is wrong, by offsets. */
export function readEndpoint(text: string): EndpointReading {
  const words = [...text.matchAll(/\S+/g)].map((m) => ({ text: m[0], start: m.index, end: m.index + m[0].length }));
  if (words.length === 0) return { ok: false, problem: 'Expected a URL.', code: 'bad-url', span: { start: 0, end: text.length } };
  const [url, keyword, count, ...rest] = words;
  if (!isHttpUrl(url.text)) return { ok: false, problem: `'${url.text}' is not an http:// or https:// URL.`, code: 'bad-url', span: url };
  const urlSpan = { start: url.start, end: url.end };
  if (!keyword) return { ok: true, endpoint: { url: url.text }, urlSpan };
  if (keyword.text !== ENDPOINT_CONCURRENCY) {
    return {
      ok: false,
      problem: `Unexpected '${keyword.text}' after the URL: a \`url\` line is a URL, then optionally \`${ENDPOINT_CONCURRENCY} N\` (how many images this endpoint makes at once).`,
      code: 'trailing-text',
      span: { start: keyword.start, end: words[words.length - 1].end },
    };
  }
  if (!count) return { ok: false, problem: `'${ENDPOINT_CONCURRENCY}' needs a whole number: how many images this endpoint makes at once.`, code: 'bad-number', span: keyword };
  const n = Number(count.text);
  if (!/^\d+$/.test(count.text)) return { ok: false, problem: `'${count.text}' is not a whole number.`, code: 'bad-number', span: count };
  if (n < CONCURRENCY_RANGE.min || n > CONCURRENCY_RANGE.max) {
    return { ok: false, problem: `'${ENDPOINT_CONCURRENCY}' must be between ${CONCURRENCY_RANGE.min} and ${CONCURRENCY_RANGE.max}; got ${count.text}.`, code: 'out-of-range', span: count };
  }
  if (rest.length > 0) {
    return { ok: false, problem: `Unexpected '${text.slice(rest[0].start).trim()}' at the end of the line.`, code: 'trailing-text', span: { start: rest[0].start, end: rest[rest.length - 1].end } };
  }
  return { ok: true, endpoint: { url: url.text, concurrency: n }, urlSpan, concurrencySpan: { start: keyword.start, end: count.end } };
}

/** A `url` line as a backend reads it: strictly when it can be, else the whole text as the URL, so the backend's
 *  own check says what is wrong with it (specs with errors never run; programmatic settings may). */
export function endpointOf(text: string): Endpoint {
  const r = readEndpoint(text);
  return r.ok ? r.endpoint : { url: text.trim() };
}

/** The same endpoint written twice (case of the scheme and host, a trailing slash and default ports aside). */
export function endpointKey(url: string): string {
  try {
    return new URL(url).href.replace(/\/+$/, '');
  } catch {
    return url;
  }
}

function isHttpUrl(text: string): boolean {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    return false;
  }
  return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
}
