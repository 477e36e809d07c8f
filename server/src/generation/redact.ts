// Credentials never reach a message, a log or a report. Every GenerationError passes its reason and body through
// redactSecrets, which masks credentials by their form; the code that knows a secret (the HTTP layer its request's
// headers and URL, the openai backend its key, the command backend its environment and command line) also masks
// that exact value, wherever and however a server or tool repeats it.

export const MASK = '[redacted]';

/** Secrets shorter than this are not masked by value: masking "ab" everywhere would garble the message. */
const MIN_KNOWN = 4;

/** Names under which a credential travels in a query string, a header, a JSON field or a command-line flag. */
const NAME = String.raw`(?:api[-_]?key|apikey|key|token|access[-_]?token|auth[-_]?token|client[-_]?secret|secret|password|passwd|sig|signature)`;

const USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@"'<>]+@/gi;
const BASIC = /\b(Basic\s+)([A-Za-z0-9+/]{4,}={0,2})(?![A-Za-z0-9+/=])/g;
const BEARER = /\b(Bearer\s+)([A-Za-z0-9._~+/-]+=*)/gi;
const HEADER = /\b((?:proxy-)?authorization|x-api-key|api-key|x-auth-token)(["']?\s*[:=]\s*["']?)(?!(?:Basic|Bearer)\s)((?:Token|Digest|ApiKey|Key|Bot)\s+)?([^\s"',;&]+)/gi;
const QUERY = new RegExp(String.raw`([?&;]${NAME}=)[^&#\s"'<>]*`, 'gi');
const JSON_FIELD = new RegExp(String.raw`("${NAME}"\s*:\s*")(?:[^"\\]|\\.)*"`, 'gi');
const FLAG = new RegExp(String.raw`((?:^|\s)--?${NAME}(?:=|\s+))("[^"]*"|'[^']*'|[^\s"']+)`, 'gi');
/** Key shapes that are credentials wherever they appear: OpenAI/Anthropic/Stability `sk-`, Hugging Face `hf_`,
 *  Replicate `r8_`. */
const KEY_SHAPES = /\b(?:sk-[A-Za-z0-9_-]{16,}|hf_[A-Za-z0-9]{20,}|r8_[A-Za-z0-9]{20,})/g;

/** `text` with every credential masked: the `known` secrets wherever they appear, and by form userinfo in URLs,
 *  Basic and Bearer authorization, credential headers, key/token/password query parameters, JSON fields and
 *  command-line flags, and the well-known key shapes. Masking twice changes nothing. */
export function redactSecrets(text: string, known: readonly string[] = []): string {
  let out = text;
  const values = [...new Set(known)].filter((s) => s.length >= MIN_KNOWN && s !== MASK).sort((a, b) => b.length - a.length);
  for (const s of values) out = out.split(s).join(MASK);
  return out
    .replace(USERINFO, `$1${MASK}@`)
    .replace(BASIC, (m, scheme: string, token: string) => (isBasicCredential(token) ? scheme + MASK : m))
    .replace(BEARER, (m, scheme: string, token: string) => (looksLikeToken(token) ? scheme + MASK : m))
    .replace(HEADER, (m, name: string, sep: string, scheme: string | undefined, value: string) =>
      value === MASK || value.length < MIN_KNOWN ? m : name + sep + (scheme ?? '') + MASK,
    )
    .replace(QUERY, `$1${MASK}`)
    .replace(JSON_FIELD, `$1${MASK}"`)
    .replace(FLAG, `$1${MASK}`)
    .replace(KEY_SHAPES, MASK);
}

/** Base64 of `user:password`, as a Basic Authorization header carries; "Basic settings" is prose. */
function isBasicCredential(token: string): boolean {
  const decoded = Buffer.from(token, 'base64').toString('utf8');
  return decoded.includes(':') && /^[\x20-\x7e\u00a0-\uffff]+$/.test(decoded) && !decoded.includes('\ufffd');
}

/** A bearer token rather than a word ("Bearer auth", "Bearer YOUR_KEY"): long, or with a digit in it. */
function looksLikeToken(token: string): boolean {
  return token.length >= 20 || (token.length >= 8 && /\d/.test(token));
}

/** The secrets a request carries, to mask by value in what comes back: the Authorization header's credentials
 *  (for Basic also `user:password` and the password decoded), other credential headers, the URL's password and
 *  credential query values. */
export function requestSecrets(url: string, headers?: RequestInit['headers']): string[] {
  const out: string[] = [];
  let h: Headers;
  try {
    h = new Headers(headers ?? {});
  } catch {
    // headers fetch itself refused: nothing was sent
    h = new Headers();
  }
  for (const [name, value] of h) {
    if (!/^(?:(?:proxy-)?authorization|x-api-key|api-key|x-auth-token|cookie)$/i.test(name)) continue;
    const m = /^(\w+)\s+(.+)$/.exec(value.trim());
    if (!m || name === 'cookie') {
      out.push(value.trim());
      continue;
    }
    out.push(m[2]);
    if (m[1].toLowerCase() === 'basic') {
      const decoded = Buffer.from(m[2], 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon >= 0) out.push(decoded, decoded.slice(colon + 1));
    }
  }
  out.push(...urlSecrets(url));
  return out;
}

/** The password of a URL's userinfo (as written and decoded) and the values of its credential query parameters. */
export function urlSecrets(url: string): string[] {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return [];
  }
  const out: string[] = [];
  if (u.password) out.push(u.password, safeDecode(u.password));
  if (u.username && u.password) out.push(`${u.username}:${u.password}`, `${safeDecode(u.username)}:${safeDecode(u.password)}`);
  if (u.username || u.password) out.push(Buffer.from(`${safeDecode(u.username)}:${safeDecode(u.password)}`).toString('base64'));
  const name = new RegExp(`^${NAME}$`, 'i');
  for (const [k, v] of u.searchParams) if (name.test(k) && v) out.push(v);
  return out;
}

/** Values of the environment's variables whose names say they hold a credential (`OPENAI_API_KEY`, `HF_TOKEN`,
 *  `DB_PASSWORD`...), for a backend whose tools inherit the environment. */
export function environmentSecrets(env: NodeJS.ProcessEnv): string[] {
  const out: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (value && value.length >= 8 && /(?:^|_)(?:API_?KEY|KEY|TOKEN|SECRET|PASSWORD|PASSWD|PASS|CREDENTIALS?|AUTH)(?:_|$)/i.test(name)) out.push(value);
  }
  return out;
}

/** The credentials on a command line: values of `--api-key X`, `--token=X`... flags and URLs' passwords. */
export function commandLineSecrets(argv: readonly string[]): string[] {
  const flag = new RegExp(`^--?${NAME}$`, 'i');
  const flagValue = new RegExp(`^--?${NAME}=(.+)$`, 'i');
  const out: string[] = [];
  argv.forEach((arg, i) => {
    const m = flagValue.exec(arg);
    if (m) out.push(m[1]);
    else if (flag.test(arg) && i + 1 < argv.length) out.push(argv[i + 1]);
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(arg)) out.push(...urlSecrets(arg));
  });
  return out;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
