// The result cache: generated images and their scores, content-addressed on disk so a run started again (after a
// crash, a SIGKILL, a closed editor) reuses every image and score that was finished, and never one half-written.
//
// Layout under the root (default `<workspace>/.wabi/cache`):
//   images/ab/<key>.<ext>    the image bytes, as the backend returned them; <key> = imageKey(request), hex sha256
//   images/ab/<key>.json     its metadata {v, key, ext, size, sha256, created, info}: the commit marker
//   scores/ab/<key>.json     {v, key, created, value}; <key> = scoreKey(sha256 of the image bytes, scorer identity)
//   hashes/ab/<key>.json     {v, key, created, value: sha256 of a large file's bytes}; <key> = the file's path and
//                            stat stamp (see fileHash): model weights are not read again to find a judge's identity
// `ab` is the key's first two hex digits, so no folder holds more than 1/256 of the entries. Lookups need no index:
// the key names the file.
//
// Atomicity: every file is written to a temp file in its final folder (`.tmp-<host>-<pid>-<random>`, opened exclusively),
// then moved to its final name in one step (rename, or link for images, below). So a final name only ever names
// complete bytes, whatever moment the process dies at (a killed process's writes stay in the page cache); what a
// kill leaves is a temp file, swept once it is an hour old. An image entry is valid only when its metadata exists
// and the image beside it has the size the metadata records; the image is committed first and the metadata last,
// so metadata presence is the commit marker.
//
// Durability against power loss costs a sync each, so only what needs it gets one: an image's bytes are synced
// before it is linked in (regenerating can take minutes), and the folder is synced after the metadata is renamed
// in, which makes both entries durable. Metadata whose bytes are lost reads as unparseable, and so as a miss.
// Scores are not synced: they are recomputed in milliseconds, and a torn one reads as a miss.
//
// Concurrent writers of one image key (two runs at once, the editor and the CLI): the image is committed with
// link(), which fails if the name exists, so the first complete image wins and a later writer adopts it (hashes
// it and describes it in the metadata) instead of replacing it. Metadata therefore always describes the bytes on
// disk, even for backends that do not give the same bytes twice. Scores are plain last-writer-wins: the same image
// and scorer give the same scores.
//
// Reading never stops a run: a missing, unparseable or inconsistent entry is a miss.
//
// Several machines sharing the cache on a network file system (shards of a CI matrix on NFS or SMB): everything
// above holds there too, as it rests only on exclusive create, link and rename within one folder, which those file
// systems make atomic; temp names carry the host, the pid and 64 random bits, so no two writers anywhere pick the
// same one. No lock is ever needed for correctness, so none can be left behind. To spare the generators work,
// a writer about to generate an image first *claims* its key (claimImage): an exclusive create of
// `images/ab/.tmp-claim-<key>` holding its host, pid and a random token, whose modification time it refreshes every
// CLAIM_TTL_MS / 3 while it works. Another writer that needs the key while the claim is alive waits for the entry
// and uses it instead of generating the image again. A claim is released (removed) when its image is committed or
// its generation failed; a claim whose heartbeat stopped (its machine died, its process was killed) is stale once
// CLAIM_TTL_MS passes, by the waiter's clock against the claim's time or by the waiter watching it not change, and the
// next writer takes it over; stale claims an hour old are swept like temp files. What is guaranteed: no reader ever
// sees a partial file, and a live writer's image is never generated a second time. What is only likely: two writers
// that take over one stale claim at the same moment, or a writer whose clock runs CLAIM_TTL_MS ahead of the file
// server's, may both generate; that is harmless, as the first complete image is committed and the other adopts it.
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Part of every key: bump it when the meaning of a key's parts or the entry format changes, and every older
 *  entry simply stops matching. */
export const CACHE_SCHEMA_VERSION = 1;

/** Temp files younger than this may belong to a writer still running; older ones are debris of a killed one. */
const STALE_TEMP_MS = 60 * 60 * 1000;
const TEMP_PREFIX = '.tmp-';
/** A claim's file name: a temp file's prefix, so stats count it among writers' files and a dead one's is swept. */
const CLAIM_PREFIX = `${TEMP_PREFIX}claim-`;
/** A claim whose heartbeat is older than this is a dead writer's. */
export const CLAIM_TTL_MS = 60_000;
const CLAIM_POLL_MS = 200;
/** This machine, as temp and claim files name it: letters, digits, dots and dashes only. */
const HOST = os.hostname().replace(/[^A-Za-z0-9.-]/g, '_').slice(0, 40) || 'host';
const KEY_RE = /^[0-9a-f]{64}$/;
const EXT_RE = /^[a-z0-9]{1,10}$/;
const SHARD_RE = /^[0-9a-f]{2}$/;
const ENTRY_RE = /^([0-9a-f]{64})\.([a-z0-9]{1,10})$/;

// ---------------------------------------------------------------------------------------------------------------
// Keys

/** Everything about a generation request that changes the image. */
export interface ImageKeyParts {
  /** The generator's `identity` (kind, URL, workflow hash, model, version...; never secrets). */
  readonly generator: string;
  readonly prompt: string;
  readonly negative?: string;
  readonly seed: number;
  readonly width: number;
  readonly height: number;
  readonly steps?: number;
  readonly guidance?: number;
  readonly strength?: number;
  /** The traits the request asks for; order and repeats do not matter. */
  readonly traits?: readonly string[];
  /** fileHash() of the input image, for image-to-image. */
  readonly inputHash?: string;
  /** fileHash() of each model file the generator reads, by role (`unet`, `vae`, `checkpoint`...). */
  readonly models?: Readonly<Record<string, string>>;
}

/** The cache key of a generated image: hex sha256 over a canonical JSON of the request, so the same request gives
 *  the same key in every process and on every machine, whatever order its fields or traits were written in. */
export function imageKey(parts: ImageKeyParts): string {
  for (const n of ['seed', 'width', 'height'] as const) {
    if (!Number.isFinite(parts[n])) throw new TypeError(`imageKey: ${n} must be a finite number, got ${parts[n]}`);
  }
  return sha256(
    canonicalJson({
      v: CACHE_SCHEMA_VERSION,
      type: 'image',
      generator: parts.generator,
      prompt: parts.prompt,
      negative: parts.negative ?? null,
      seed: parts.seed,
      width: parts.width,
      height: parts.height,
      steps: parts.steps ?? null,
      guidance: parts.guidance ?? null,
      strength: parts.strength ?? null,
      traits: [...new Set(parts.traits ?? [])].sort(),
      input: parts.inputHash ?? null,
      models: parts.models ?? {},
    }),
  );
}

/** What changes the scores of an image: the trait model's version and, per judge, its model files' hashes. */
export interface ScorerIdentity {
  /** e.g. `traits v3`: bump when an analyser or its calibration changes. */
  readonly traits: string;
  /** Judge name or expression → the fileHash() of its model (or a string combining several). */
  readonly judges?: Readonly<Record<string, string>>;
}

/** The cache key of an image's scores: the hex sha256 of the image bytes plus the scorer's identity. */
export function scoreKey(imageHash: string, scorer: ScorerIdentity | string): string {
  if (!KEY_RE.test(imageHash)) throw new TypeError(`scoreKey: image hash must be a hex sha256, got ${JSON.stringify(imageHash)}`);
  const identity = typeof scorer === 'string' ? scorer : { traits: scorer.traits, judges: scorer.judges ?? {} };
  return sha256(canonicalJson({ v: CACHE_SCHEMA_VERSION, type: 'scores', image: imageHash, scorer: identity }));
}

/** JSON with object keys sorted at every depth and undefined members dropped; non-finite numbers are refused
 *  (JSON would write them as null and two different requests would share a key). */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: ${value} has no JSON form`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  if (typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    const members = Object.keys(obj)
      .filter((k) => obj[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`);
    return `{${members.join(',')}}`;
  }
  throw new TypeError(`canonicalJson: a ${typeof value} has no JSON form`);
}

export function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

interface HashMemo {
  readonly stamp: string;
  readonly hash: Promise<string>;
}
const fileHashes = new Map<string, HashMemo>();

/** Where fileHash() keeps the hashes of large files between processes (ResultCache is one), so a run or an audit
 *  whose scores are all cached does not read a judge's gigabytes of weights only to find its identity. */
export interface FileHashRecords {
  /** The hex sha256 recorded under `key`; undefined when there is none or the record is damaged. */
  getFileHash(key: string): Promise<string | undefined>;
  putFileHash(key: string, hash: string): Promise<void>;
}

/** Files below this are hashed again in each process: reading and hashing them costs about what reading a record
 *  does, and images would leave a record each. */
export const PERSISTED_HASH_MIN_BYTES = 1 << 20;
/** A file changed less than this before it was hashed is not recorded: file systems stamp times by a coarse clock
 *  tick, so a second write within the same tick could leave the stamp as it was ("racy git"). Older than this, any
 *  write changes mtime or ctime. */
const RACY_MS = 2000;

function statStamp(s: fs.BigIntStats): string {
  return `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
}

/** The key of a file's hash record: its path and stat stamp, so any change to the file is a new key. */
function fileHashKey(abs: string, stamp: string): string {
  return sha256(canonicalJson({ v: CACHE_SCHEMA_VERSION, type: 'file-hash', file: abs, stamp }));
}

/** The hex sha256 of a file's bytes, memoised by path, device, inode, size, mtime and ctime (to the nanosecond
 *  where the file system keeps them), so a run hashes each input image and model file once however many requests
 *  use it, and a file edited between runs, or during one, is hashed again. With `records`, files of 1 MiB and more
 *  are also remembered between processes under the same stamp. */
export async function fileHash(file: string, records?: FileHashRecords): Promise<string> {
  const abs = path.resolve(file);
  const st = await fs.promises.stat(abs, { bigint: true });
  const stamp = statStamp(st);
  const memo = fileHashes.get(abs);
  if (memo && memo.stamp === stamp) return memo.hash;
  const hash = recordedHash(abs, st, stamp, records);
  fileHashes.set(abs, { stamp, hash });
  hash.catch(() => {
    if (fileHashes.get(abs)?.hash === hash) fileHashes.delete(abs);
  });
  return hash;
}

async function recordedHash(abs: string, st: fs.BigIntStats, stamp: string, records: FileHashRecords | undefined): Promise<string> {
  if (!records || st.size < BigInt(PERSISTED_HASH_MIN_BYTES)) return (await hashStable(abs, stamp)).hash;
  const recorded = await records.getFileHash(fileHashKey(abs, stamp)).catch(() => undefined);
  if (recorded !== undefined) return recorded;
  const started = Date.now();
  const fresh = await hashStable(abs, stamp);
  const changedMs = Number((fresh.stats.mtimeNs > fresh.stats.ctimeNs ? fresh.stats.mtimeNs : fresh.stats.ctimeNs) / 1_000_000n);
  // A record is only a shortcut: failing to write one loses nothing.
  if (started - changedMs >= RACY_MS) await records.putFileHash(fileHashKey(abs, statStamp(fresh.stats)), fresh.hash).catch(() => undefined);
  return fresh.hash;
}

/** Hashes a file, again if it changed while being read (a model still being copied in), up to three times; gives
 *  the hash with the stat it holds for. */
async function hashStable(abs: string, stamp: string): Promise<{ hash: string; stats: fs.BigIntStats }> {
  for (let attempt = 0; ; attempt++) {
    const hash = await new Promise<string>((resolve, reject) => {
      const h = createHash('sha256');
      fs.createReadStream(abs)
        .on('error', reject)
        .on('data', (chunk) => h.update(chunk))
        .on('end', () => resolve(h.digest('hex')));
    });
    const stats = await fs.promises.stat(abs, { bigint: true });
    const after = statStamp(stats);
    if (after === stamp) return { hash, stats };
    if (attempt === 2) throw new Error(`${abs} keeps changing while it is read`);
    stamp = after;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Where the cache lives

/** The cache folder: `override` (the CLI's `--cache DIR`, an editor setting), else `$WABI_CACHE_DIR`, else
 *  `<workspace>/.wabi/cache`. Relative paths are taken from the workspace folder. */
export function resolveCacheRoot(
  workspaceDir: string,
  override?: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): string {
  const chosen = override?.trim() || env.WABI_CACHE_DIR?.trim() || path.join('.wabi', 'cache');
  return path.resolve(workspaceDir, chosen);
}

// ---------------------------------------------------------------------------------------------------------------
// The store

export interface CachedImage {
  readonly key: string;
  /** Absolute path of the image in the cache. */
  readonly file: string;
  readonly ext: string;
  readonly size: number;
  /** Hex sha256 of the image bytes: what scoreKey() takes. */
  readonly hash: string;
  /** What the backend reported when it made the image. */
  readonly info: Readonly<Record<string, unknown>>;
  /** ISO time the entry was committed. */
  readonly created: string;
}

export interface CacheStats {
  readonly root: string;
  /** Complete image entries (image + metadata). */
  readonly images: number;
  readonly scores: number;
  /** Recorded hashes of large files (model weights), which spare reading them again. */
  readonly hashes: number;
  /** Bytes of every file in the cache's folders, temp files included. */
  readonly bytes: number;
  /** ISO times of the oldest and newest committed entry; null for an empty cache. */
  readonly oldest: string | null;
  readonly newest: string | null;
  /** Images without metadata (a writer killed between the two); a later put of the same key adopts them. */
  readonly orphans: number;
  /** Temp files of writers that may still be running (younger than an hour). */
  readonly temp: number;
  /** Stale temp files this call removed. */
  readonly tempRemoved: number;
}

/** What claimImage() gives: the entry another writer made, or this writer's claim on the key. */
export type ImageClaim = { readonly entry: CachedImage; readonly release?: undefined } | { readonly entry?: undefined; readonly release: () => Promise<void> };

export interface ClearResult {
  readonly images: number;
  readonly scores: number;
  readonly hashes: number;
  /** Every file removed, orphans and stale temp files included. */
  readonly files: number;
  readonly bytes: number;
}

interface ImageMeta {
  readonly v: number;
  readonly key: string;
  readonly ext: string;
  readonly size: number;
  readonly sha256: string;
  readonly created: string;
  readonly info: Record<string, unknown>;
}

interface ValueEntry {
  readonly v: number;
  readonly key: string;
  readonly created: string;
  readonly value: unknown;
}

type Area = 'images' | 'scores' | 'hashes';

const CACHEDIR_NOTE = `Wabi's cache of generated images and their scores. Safe to delete at any time: \`wabi cache clear\`.\n`;

export class ResultCache implements FileHashRecords {
  /** Cleared when link() turns out unsupported on this file system; images then commit with rename(). */
  private canLink = true;

  private constructor(
    readonly root: string,
    private readonly claimTtlMs: number,
    private readonly claimPollMs: number,
  ) {}

  /** Opens the cache at `root`, creating it unless `create` is false (for commands that only look or remove),
   *  and sweeps temp files over an hour old. `claimTtlMs` and `claimPollMs` (tests) replace CLAIM_TTL_MS and how
   *  often a waiting writer looks for the entry it waits for. */
  static async open(root: string, options: { readonly create?: boolean; readonly claimTtlMs?: number; readonly claimPollMs?: number } = {}): Promise<ResultCache> {
    const abs = path.resolve(root);
    const cache = new ResultCache(abs, options.claimTtlMs ?? CLAIM_TTL_MS, options.claimPollMs ?? CLAIM_POLL_MS);
    if (options.create === false) {
      await cache.walk(() => undefined);
      return cache;
    }
    await fs.promises.mkdir(path.join(abs, 'images'), { recursive: true });
    await fs.promises.mkdir(path.join(abs, 'scores'), { recursive: true });
    // Keeps the cache out of commits and backups; written once, atomically, and never needed for correctness.
    for (const [name, text] of [
      ['.gitignore', '*\n'],
      ['CACHEDIR.TAG', `Signature: 8a477f597d28d172789f06886806bc55\n# ${CACHEDIR_NOTE}`],
    ]) {
      if (!fs.existsSync(path.join(abs, name))) await writeAtomic(abs, path.join(abs, name), text, false).catch(() => undefined);
    }
    await cache.walk(() => undefined);
    return cache;
  }

  imagePath(key: string, ext: string): string {
    return path.join(this.shard('images', key), `${key}.${ext}`);
  }

  /** The committed image entry for `key`, or undefined (missing, half-made or unreadable entries are misses). */
  async getImage(key: string, onDamaged?: (file: string, why: string) => void): Promise<CachedImage | undefined> {
    checkKey(key);
    const meta = await readJson(path.join(this.shard('images', key), `${key}.json`));
    if (!isImageMeta(meta, key)) return undefined;
    const file = this.imagePath(key, meta.ext);
    try {
      const st = await fs.promises.stat(file);
      if (!st.isFile() || st.size !== meta.size) {
        // Committed, then damaged (cut short, replaced): drop it, or a new image for the key could never commit.
        await this.dropImage(key);
        onDamaged?.(file, st.isFile() ? `${st.size} bytes where ${meta.size} were stored` : 'not a file');
        return undefined;
      }
    } catch {
      return undefined;
    }
    return { key, file, ext: meta.ext, size: meta.size, hash: meta.sha256, info: meta.info, created: meta.created };
  }

  /** Removes the image entry for `key` (metadata first, so no reader sees an entry without its image). */
  async dropImage(key: string): Promise<void> {
    checkKey(key);
    const dir = this.shard('images', key);
    const meta = await readJson(path.join(dir, `${key}.json`));
    await fs.promises.rm(path.join(dir, `${key}.json`), { force: true });
    const exts = isImageMeta(meta, key) ? [meta.ext] : [];
    for (const name of await fs.promises.readdir(dir).catch(() => [] as string[])) {
      const m = /^([0-9a-f]+)\.([a-z0-9]+)$/.exec(name);
      if (m && m[1] === key && m[2] !== 'json' && !exts.includes(m[2])) exts.push(m[2]);
    }
    for (const ext of exts) await fs.promises.rm(this.imagePath(key, ext), { force: true });
  }

  /** Stores an image, commits its entry and returns the image's path in the cache. When another writer committed
   *  an image for this key first, that image is kept (same request, complete bytes) and its path returned. */
  async putImage(key: string, bytes: Uint8Array, ext: string, info: Readonly<Record<string, unknown>> = {}): Promise<string> {
    return (await this.putImageEntry(key, bytes, ext, info)).file;
  }

  /** putImage(), returning the committed entry (with the sha256 of the bytes actually stored). */
  async putImageEntry(key: string, bytes: Uint8Array, ext: string, info: Readonly<Record<string, unknown>> = {}): Promise<CachedImage> {
    checkKey(key);
    const e = ext.replace(/^\./, '').toLowerCase();
    if (!EXT_RE.test(e)) throw new TypeError(`ResultCache: bad image extension ${JSON.stringify(ext)}`);
    const infoCopy = JSON.parse(JSON.stringify(info ?? {})) as Record<string, unknown>; // fails before any write
    const dir = await this.ensureShard('images', key);
    const file = this.imagePath(key, e);
    let size = bytes.byteLength;
    let hash = sha256(bytes);
    const written = await this.commitImage(dir, file, bytes);
    if (!written) {
      const existing = await fs.promises.readFile(file);
      size = existing.byteLength;
      hash = sha256(existing);
    }
    const meta: ImageMeta = { v: CACHE_SCHEMA_VERSION, key, ext: e, size, sha256: hash, created: new Date().toISOString(), info: infoCopy };
    await writeAtomic(dir, path.join(dir, `${key}.json`), JSON.stringify(meta, null, 1), true);
    return { key, file, ext: e, size, hash, info: infoCopy, created: meta.created };
  }

  /**
   * Before generating the image for `key`: its entry, when one is committed or another live writer commits it while
   * this one waits; else a claim on the key, which makes other writers wait for this one until `release()` (call it
   * once the image is committed, or its generation failed). Stale claims are taken over (see the top of this file).
   * With `wait: false`, a key another live writer holds gives undefined at once instead of a wait.
   */
  async claimImage(
    key: string,
    options: { readonly signal?: AbortSignal; readonly onDamaged?: (file: string, why: string) => void; readonly wait?: boolean } = {},
  ): Promise<ImageClaim | undefined> {
    checkKey(key);
    const file = path.join(await this.ensureShard('images', key), `${CLAIM_PREFIX}${key}`);
    const token = `${HOST} ${process.pid} ${randomBytes(8).toString('hex')}\n`;
    let watched: { stamp: string; since: number } | undefined;
    for (;;) {
      options.signal?.throwIfAborted();
      const entry = await this.getImage(key, options.onDamaged);
      if (entry) return { entry };
      if (await createClaim(file, token)) {
        const release = this.holdClaim(file, token);
        // Another writer may have committed the image and let its claim go between the look above and this claim:
        // it commits before it releases, so looking again once the claim is ours finds what it made.
        const committed = await this.getImage(key, options.onDamaged).catch(async (e: unknown) => {
          await release();
          throw e;
        });
        if (!committed) return { release };
        await release();
        return { entry: committed };
      }
      const st = await fs.promises.stat(file).catch(() => undefined);
      if (!st) continue; // released meanwhile: look for the entry again
      const now = Date.now();
      const stamp = `${st.ino}:${st.mtimeMs}`;
      if (watched?.stamp !== stamp) watched = { stamp, since: now };
      if (now - st.mtimeMs > this.claimTtlMs || now - watched.since > this.claimTtlMs) {
        await fs.promises.unlink(file).catch(() => undefined); // a dead writer's: take it over
        watched = undefined;
        continue;
      }
      if (options.wait === false) return undefined;
      await sleep(this.claimPollMs, options.signal);
    }
  }

  /** Keeps a claim alive until released; releasing removes it unless another writer has taken it over. */
  private holdClaim(file: string, token: string): () => Promise<void> {
    const beat = setInterval(() => {
      const now = new Date();
      fs.promises.utimes(file, now, now).catch(() => undefined);
    }, Math.max(1, Math.floor(this.claimTtlMs / 3)));
    beat.unref();
    let released = false;
    return async () => {
      if (released) return;
      released = true;
      clearInterval(beat);
      const held = await fs.promises.readFile(file, 'utf8').catch(() => undefined);
      if (held === token) await fs.promises.unlink(file).catch(() => undefined);
    };
  }

  /** The stored scores for `key` (see scoreKey), or undefined. */
  async getScores<T = unknown>(key: string): Promise<T | undefined> {
    return (await this.getValue('scores', key)) as T | undefined;
  }

  async putScores(key: string, value: unknown): Promise<void> {
    await this.putValue('scores', key, value);
  }

  /** A file's hash recorded by fileHash() (its key names the file's path and stat stamp), or undefined. */
  async getFileHash(key: string): Promise<string | undefined> {
    const hash = await this.getValue('hashes', key);
    return typeof hash === 'string' && KEY_RE.test(hash) ? hash : undefined;
  }

  async putFileHash(key: string, hash: string): Promise<void> {
    await this.putValue('hashes', key, hash);
  }

  /** Counts entries and bytes, and removes temp files over an hour old. Reads no entry's contents. */
  async stats(): Promise<CacheStats> {
    let images = 0;
    let scores = 0;
    let hashes = 0;
    let bytes = 0;
    let orphans = 0;
    let temp = 0;
    let oldest = Infinity;
    let newest = -Infinity;
    const stamp = (ms: number) => {
      oldest = Math.min(oldest, ms);
      newest = Math.max(newest, ms);
    };
    const swept = await this.walk((area, _dir, names, statOf) => {
      const metas = new Set<string>();
      const pictures = new Set<string>();
      for (const name of names) {
        const st = statOf(name);
        if (!st) continue;
        bytes += st.size;
        if (name.startsWith(TEMP_PREFIX)) {
          temp++;
          continue;
        }
        const m = ENTRY_RE.exec(name);
        if (!m) continue;
        if (area === 'hashes') {
          if (m[2] === 'json') hashes++;
        } else if (area === 'scores') {
          if (m[2] === 'json') {
            scores++;
            stamp(st.mtimeMs);
          }
        } else if (m[2] === 'json') {
          metas.add(m[1]);
        } else {
          pictures.add(m[1]);
        }
      }
      for (const key of metas) {
        if (pictures.has(key)) {
          images++;
          stamp(statOf(`${key}.json`)!.mtimeMs);
        }
      }
      for (const key of pictures) if (!metas.has(key)) orphans++;
    });
    const iso = (ms: number) => (Number.isFinite(ms) ? new Date(ms).toISOString() : null);
    return { root: this.root, images, scores, hashes, bytes, oldest: iso(oldest), newest: iso(newest), orphans, temp, tempRemoved: swept.count };
  }

  /** Removes every entry (metadata first, so no reader sees an entry whose image is gone), orphan images and stale
   *  temp files. Only files named as the cache names them are touched; temp files of a writer that may still be
   *  running are left to it. */
  async clear(): Promise<ClearResult> {
    let images = 0;
    let scores = 0;
    let hashes = 0;
    let files = 0;
    let bytes = 0;
    const swept = await this.walk(async (area, dir, names, statOf) => {
      const entries = names.filter((n) => ENTRY_RE.test(n));
      // Metadata (the commit markers) before the images they commit.
      entries.sort((a, b) => Number(b.endsWith('.json')) - Number(a.endsWith('.json')));
      for (const name of entries) {
        const size = statOf(name)?.size ?? 0;
        try {
          await fs.promises.unlink(path.join(dir, name));
        } catch {
          continue; // removed meanwhile
        }
        files++;
        bytes += size;
        if (name.endsWith('.json')) {
          if (area === 'images') images++;
          else if (area === 'scores') scores++;
          else hashes++;
        }
      }
      await fs.promises.rmdir(dir).catch(() => undefined); // only if empty
    });
    return { images, scores, hashes, files: files + swept.count, bytes: bytes + swept.bytes };
  }

  // -------------------------------------------------------------------------------------------------------------

  /** The value of a small JSON entry (a score, a file hash), or undefined when it is missing or unreadable. */
  private async getValue(area: Exclude<Area, 'images'>, key: string): Promise<unknown> {
    checkKey(key);
    const entry = await readJson(path.join(this.shard(area, key), `${key}.json`));
    return isValueEntry(entry, key) ? entry.value : undefined;
  }

  private async putValue(area: Exclude<Area, 'images'>, key: string, value: unknown): Promise<void> {
    checkKey(key);
    const entry: ValueEntry = { v: CACHE_SCHEMA_VERSION, key, created: new Date().toISOString(), value };
    const dir = await this.ensureShard(area, key);
    await writeAtomic(dir, path.join(dir, `${key}.json`), JSON.stringify(entry), false);
  }

  private shard(area: Area, key: string): string {
    return path.join(this.root, area, key.slice(0, 2));
  }

  private async ensureShard(area: Area, key: string): Promise<string> {
    const dir = this.shard(area, key);
    const made = await fs.promises.mkdir(dir, { recursive: true });
    if (made !== undefined) await fsyncDir(path.dirname(dir)); // the new folder's own entry
    return dir;
  }

  /** Commits image bytes under `file` unless a complete image is already there. True when these bytes were
   *  written; false when an existing image was kept. */
  private async commitImage(dir: string, file: string, bytes: Uint8Array): Promise<boolean> {
    const tmp = await writeTemp(dir, bytes);
    try {
      if (this.canLink) {
        try {
          // The folder is synced once the metadata is renamed in beside it.
          await fs.promises.link(tmp, file);
          return true;
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          if (code === 'EEXIST') return false;
          if (!['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV', 'EMLINK'].includes(code ?? '')) throw e;
          this.canLink = false;
        }
      }
      await renameRetrying(tmp, file);
      return true;
    } finally {
      await fs.promises.unlink(tmp).catch(() => undefined); // after link(), or a failed rename
    }
  }

  /** Visits each shard folder of both areas with its file names and their stats, after deleting the stale temp
   *  files in it. Returns how many stale temp files were removed, and their bytes. */
  private async walk(
    visit: (area: Area, dir: string, names: string[], statOf: (name: string) => fs.Stats | undefined) => void | Promise<void>,
  ): Promise<{ count: number; bytes: number }> {
    let count = 0;
    let bytes = 0;
    const now = Date.now();
    for (const area of ['images', 'scores', 'hashes'] as const) {
      const areaDir = path.join(this.root, area);
      let shards: string[];
      try {
        shards = (await fs.promises.readdir(areaDir)).filter((s) => SHARD_RE.test(s));
      } catch {
        continue;
      }
      await Promise.all(
        shards.map(async (s) => {
          const dir = path.join(areaDir, s);
          let names: string[];
          try {
            names = await fs.promises.readdir(dir);
          } catch {
            return; // not a folder, or removed meanwhile
          }
          const stats = new Map<string, fs.Stats>();
          await Promise.all(
            names.map(async (name) => {
              try {
                const st = await fs.promises.lstat(path.join(dir, name));
                if (!st.isFile()) return;
                if (name.startsWith(TEMP_PREFIX) && now - st.mtimeMs > STALE_TEMP_MS) {
                  await fs.promises.unlink(path.join(dir, name));
                  count++;
                  bytes += st.size;
                  return;
                }
                stats.set(name, st);
              } catch {
                // vanished meanwhile
              }
            }),
          );
          await visit(area, dir, [...stats.keys()].sort(), (name) => stats.get(name));
        }),
      );
    }
    return { count, bytes };
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Files

function checkKey(key: string): void {
  // Keys are hex, so no key can name a path outside the root.
  if (typeof key !== 'string' || !KEY_RE.test(key)) throw new TypeError(`ResultCache: a key is 64 hex digits, got ${JSON.stringify(key)}`);
}

async function readJson(file: string): Promise<unknown> {
  try {
    return JSON.parse(await fs.promises.readFile(file, 'utf8'));
  } catch {
    return undefined;
  }
}

function isImageMeta(x: unknown, key: string): x is ImageMeta {
  const m = x as ImageMeta;
  return (
    typeof m === 'object' &&
    m !== null &&
    m.v === CACHE_SCHEMA_VERSION &&
    m.key === key &&
    typeof m.ext === 'string' &&
    EXT_RE.test(m.ext) &&
    Number.isInteger(m.size) &&
    m.size >= 0 &&
    typeof m.sha256 === 'string' &&
    KEY_RE.test(m.sha256) &&
    typeof m.created === 'string' &&
    typeof m.info === 'object' &&
    m.info !== null
  );
}

function isValueEntry(x: unknown, key: string): x is ValueEntry {
  const e = x as ValueEntry;
  return typeof e === 'object' && e !== null && e.v === CACHE_SCHEMA_VERSION && e.key === key && 'value' in e;
}

/** Creates a claim file holding `token`; false when one exists. */
async function createClaim(file: string, token: string, again = true): Promise<boolean> {
  let fh: fs.promises.FileHandle;
  try {
    fh = await fs.promises.open(file, 'wx', 0o644);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'ENOENT' || !again) throw e;
    // The folder went away (a `wabi cache clear` meanwhile): make it again, once.
    await fs.promises.mkdir(path.dirname(file), { recursive: true });
    return createClaim(file, token, false);
  }
  try {
    await fh.writeFile(token);
  } finally {
    await fh.close();
  }
  return true;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = () => {
      signal?.removeEventListener('abort', stop);
      resolve();
    };
    const timer = setTimeout(done, ms);
    const stop = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', stop, { once: true });
  });
}

/** Writes `data` to a new temp file in `dir`, fsynced when `sync`; returns its path. */
async function writeTemp(dir: string, data: string | Uint8Array, sync = true): Promise<string> {
  const tmp = path.join(dir, `${TEMP_PREFIX}${HOST}-${process.pid}-${randomBytes(8).toString('hex')}`);
  let fh: fs.promises.FileHandle;
  try {
    fh = await fs.promises.open(tmp, 'wx', 0o644);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    // The folder went away (a `wabi cache clear` meanwhile): make it again, once.
    await fs.promises.mkdir(dir, { recursive: true });
    fh = await fs.promises.open(tmp, 'wx', 0o644);
  }
  try {
    await fh.writeFile(data);
    if (sync) await fh.sync();
  } catch (e) {
    await fh.close().catch(() => undefined);
    await fs.promises.unlink(tmp).catch(() => undefined);
    throw e;
  }
  await fh.close();
  return tmp;
}

/** Replaces `file` with `data` in one step: temp file, rename; then, when `syncFolder`, fsync the folder. */
async function writeAtomic(dir: string, file: string, data: string | Uint8Array, syncFolder: boolean): Promise<void> {
  const tmp = await writeTemp(dir, data, false);
  try {
    await renameRetrying(tmp, file);
  } catch (e) {
    await fs.promises.unlink(tmp).catch(() => undefined);
    throw e;
  }
  if (syncFolder) await fsyncDir(dir);
}

/** rename(), retried briefly where Windows refuses to replace a file another process has open. */
async function renameRetrying(from: string, to: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fs.promises.rename(from, to);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (process.platform !== 'win32' || attempt >= 8 || !['EPERM', 'EACCES', 'EBUSY'].includes(code ?? '')) throw e;
      await new Promise((r) => setTimeout(r, 10 * 2 ** attempt));
    }
  }
}

/** Makes a folder's entries durable. Best effort: Windows, and some file systems, cannot open or sync a folder. */
async function fsyncDir(dir: string): Promise<void> {
  let fh: fs.promises.FileHandle | undefined;
  try {
    fh = await fs.promises.open(dir, 'r');
    await fh.sync();
  } catch {
    // not supported here
  } finally {
    await fh?.close().catch(() => undefined);
  }
}
