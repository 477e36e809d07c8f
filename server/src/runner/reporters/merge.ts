// Merging shards' blobs (blob.ts) into one run result, which the usual reporters then write: the same tests in the
// same order, the same verdicts and the same exit code as an unsharded run of the selection. Blobs that cannot make
// one run are refused with the files named: unreadable or foreign files, blobs of another format version, shards
// run by different Wabi versions or of different runs (fingerprints), a shard given twice or missing, and tests
// placed twice.
//
// The merged run starts when the first shard started and finishes when the last finished; its duration is that
// span (the wall time of the sharded run, shards running side by side). Generating and scoring times are summed.
// Each shard's own figures are kept in `shards`, for the reports' per-shard timing; the endpoints' figures are
// joined per generator and endpoint, for the per-endpoint timing.
import { joinEndpointFigures, type EndpointFigures } from '../endpoints';
import { summarise, type RunResult, type ShardFigures, type TestResult } from '../results';
import { BLOB_SCHEMA, BLOB_VERSION, blobFileName, blobTests, decodeValues, type Blob } from './blob';

/** Blobs that do not make one run; the message names the files. */
export class MergeError extends Error {}

export interface BlobFile {
  /** The file as the user should read it in messages. */
  readonly name: string;
  readonly blob: Blob;
}

/** Parses a blob file's text, or throws a MergeError that names the file and what is wrong. */
export function readBlob(text: string, name: string): Blob {
  let parsed: unknown;
  try {
    parsed = decodeValues(JSON.parse(text));
  } catch (e) {
    throw new MergeError(`${name}: not JSON (${(e as Error).message})`);
  }
  const b = parsed as Partial<Blob> | null;
  if (!b || typeof b !== 'object' || b.schema !== BLOB_SCHEMA) throw new MergeError(`${name}: not a Wabi blob (no "schema": "${BLOB_SCHEMA}"); write blobs with wabi run --reporter blob`);
  if (b.version !== BLOB_VERSION) {
    const newer = typeof b.version === 'number' && b.version > BLOB_VERSION;
    throw new MergeError(`${name}: blob version ${String(b.version)}${newer ? ', written by a newer Wabi' : ''}; this Wabi reads version ${BLOB_VERSION}`);
  }
  const s = b.shard;
  const shardOk = !!s && Number.isInteger(s.index) && Number.isInteger(s.total) && s.index >= 1 && s.index <= s.total;
  const listsOk =
    Array.isArray(b.tests) &&
    Array.isArray(b.positions) &&
    b.positions.every((p) => Number.isInteger(p) && p >= 0) &&
    (b.endpoints === undefined || (Array.isArray(b.endpoints) && b.endpoints.every(isEndpointFigures)));
  const fieldsOk =
    typeof b.wabi === 'string' &&
    typeof b.fingerprint === 'string' &&
    Number.isInteger(b.selected) &&
    typeof b.host === 'string' &&
    typeof b.startedAt === 'string' &&
    typeof b.finishedAt === 'string' &&
    typeof b.complete === 'boolean' &&
    !!b.summary;
  if (!shardOk || !listsOk || !fieldsOk) throw new MergeError(`${name}: a damaged blob (a field is missing or of the wrong type)`);
  const blob = b as Blob;
  if (blob.tests.length > blob.positions.length || blob.positions.some((p) => p >= blob.selected)) {
    throw new MergeError(`${name}: a damaged blob (its tests do not fit the ${blob.selected} of the selection)`);
  }
  return blob;
}

/** The run the blobs make together, with paths made absolute from `from` (the folder the merge runs in). */
export function mergeBlobs(files: readonly BlobFile[], from: string): RunResult {
  if (files.length === 0) throw new MergeError('no blobs to merge');
  sameAcross(files, (b) => b.wabi, 'were run by different Wabi versions', (v) => `wabi ${v}`);
  sameAcross(files, (b) => String(b.shard.total), 'split the run into different numbers of shards', (v) => `${v} shards`);
  sameAcross(files, (b) => b.fingerprint, 'are from different runs (their specs, filter, seeds or generators differ)', (v) => `fingerprint ${v.slice(0, 12)}`);
  const total = files[0].blob.shard.total;
  const byIndex = new Map<number, BlobFile>();
  for (const f of files) {
    const other = byIndex.get(f.blob.shard.index);
    if (other) throw new MergeError(`shard ${f.blob.shard.index}/${total} is given twice: ${other.name} and ${f.name}`);
    byIndex.set(f.blob.shard.index, f);
  }
  const missing = Array.from({ length: total }, (_, i) => i + 1).filter((i) => !byIndex.has(i));
  if (missing.length > 0) {
    const found = [...byIndex.values()].map((f) => `${f.blob.shard.index}/${total} in ${f.name}`).join(', ');
    const names = missing.map((i) => `${i}/${total} (${blobFileName({ index: i, total })})`).join(', ');
    throw new MergeError(`missing shard${missing.length > 1 ? 's' : ''} ${names}; found ${found}`);
  }
  const ordered = [...byIndex.keys()].sort((a, b) => a - b).map((i) => byIndex.get(i)!);
  const { tests, complete } = joinTests(ordered, from);
  const { durationMs, ...times } = joinTimes(ordered);
  const endpoints = joinEndpointFigures(ordered.map((f) => f.blob.endpoints));
  return { ...times, complete, tests, summary: summarise(tests, durationMs), ...(endpoints.length > 0 ? { endpoints } : {}) };
}

function isEndpointFigures(f: unknown): boolean {
  const e = f as Partial<EndpointFigures> | null;
  return (
    !!e &&
    typeof e.generator === 'string' &&
    typeof e.endpoint === 'string' &&
    [e.concurrency, e.images, e.failures, e.outOfRotationMs].every((n) => typeof n === 'number' && Number.isFinite(n)) &&
    Array.isArray(e.seconds) &&
    e.seconds.every((x) => typeof x === 'number' && Number.isFinite(x))
  );
}

/** Throws unless `key` is the same in every blob, listing the files per value. */
function sameAcross(files: readonly BlobFile[], key: (b: Blob) => string, what: string, label: (value: string) => string): void {
  const groups = new Map<string, string[]>();
  for (const f of files) groups.set(key(f.blob), [...(groups.get(key(f.blob)) ?? []), f.name]);
  if (groups.size <= 1) return;
  const list = [...groups].map(([v, names]) => `${label(v)}: ${names.join(', ')}`).join('; ');
  throw new MergeError(`the blobs ${what}: ${list}`);
}

function joinTests(ordered: readonly BlobFile[], from: string): Pick<RunResult, 'tests' | 'complete'> {
  const selected = ordered[0].blob.selected;
  const placed = new Map<number, { test: TestResult; name: string }>();
  const planned = new Map<number, string>();
  let complete = true;
  for (const f of ordered) {
    for (const p of f.blob.positions) {
      const other = planned.get(p);
      if (other !== undefined) throw new MergeError(`test ${p + 1} of the selection is in two shards: ${other} and ${f.name}`);
      planned.set(p, f.name);
    }
    const tests = blobTests(f.blob, from);
    tests.forEach((t, k) => placed.set(f.blob.positions[k], { test: t, name: f.name }));
    if (!f.blob.complete || tests.length < f.blob.positions.length) complete = false;
  }
  if (planned.size !== selected) throw new MergeError(`the shards plan ${planned.size} of the ${selected} tests selected; a blob is damaged`);
  const tests = [...placed.keys()].sort((a, b) => a - b).map((p) => placed.get(p)!.test);
  return { tests, complete };
}

function joinTimes(ordered: readonly BlobFile[]): Pick<RunResult, 'startedAt' | 'finishedAt' | 'timings' | 'shards'> & { durationMs: number } {
  const started = Math.min(...ordered.map((f) => Date.parse(f.blob.startedAt)));
  const finished = Math.max(...ordered.map((f) => Date.parse(f.blob.finishedAt)));
  const timed = ordered.filter((f) => f.blob.timings);
  const shards: ShardFigures[] = ordered.map((f) => ({
    index: f.blob.shard.index,
    total: f.blob.shard.total,
    host: f.blob.host,
    startedAt: f.blob.startedAt,
    finishedAt: f.blob.finishedAt,
    complete: f.blob.complete,
    summary: f.blob.summary,
    ...(f.blob.timings ? { timings: f.blob.timings } : {}),
  }));
  return {
    startedAt: new Date(started).toISOString(),
    finishedAt: new Date(finished).toISOString(),
    durationMs: Math.max(0, finished - started),
    ...(timed.length > 0
      ? { timings: { generateMs: sum(timed.map((f) => f.blob.timings!.generateMs)), scoreMs: sum(timed.map((f) => f.blob.timings!.scoreMs)) } }
      : {}),
    shards,
  };
}

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
