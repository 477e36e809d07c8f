// The blob: one shard's whole result in one self-describing file (`wabi run --shard i/n --reporter blob`), for
// `wabi merge-reports` to join into the reports an unsharded run writes. Unlike the JSON report it is not for
// people or dashboards: it keeps every field of every test result (verdicts, reasons, per-seed outcomes, scores,
// image cache keys, timings) exactly, so the merged reports equal an unsharded run's.
//
// Schema `wabi-run-blob`, version 1:
// {
//   "schema": "wabi-run-blob", "version": 1,
//   "wabi": "0.1.0",                           the version that ran the shard; a merge needs every shard's equal
//   "shard": { "index": 2, "total": 4 },
//   "fingerprint": "<hex sha256>",             the selection and shard count (runner/shards.ts); shared by the
//                                              shards of one run
//   "selected": 120,                           tests in the whole selection, every shard's
//   "host": "runner-7", "startedAt": "...", "finishedAt": "...", "complete": true,
//   "summary": { ...RunSummary }, "timings": { "generateMs", "scoreMs" } | null,
//   "positions": [0, 5, 9, ...],               the shard's tests' places in the selection, in the order they run
//   "tests": [ TestResult ],                   those that finished (all, when complete), in that order
//   "endpoints": [ EndpointFigures ]           only when a server generator made requests: per endpoint its images,
//                                              failures, every image's seconds and time out of rotation
// }
// Paths (a test's `spec`, an image's `file`) are relative to the folder the shard ran in, with `/` separators: a
// merge run from the same folder of another checkout finds the same files. Numbers that JSON cannot hold and
// members whose value is undefined are written as {"$": "NaN" | "Infinity" | "-Infinity" | "undefined"}, so a
// result reads back exactly as it was.
import * as os from 'node:os';
import * as path from 'node:path';
import { VERSION } from '../../version';
import type { EndpointFigures } from '../endpoints';
import type { ImageRecord, RunResult, RunSummary, ShardSpec, TestResult } from '../results';
import { reportPath } from './common';

export const BLOB_SCHEMA = 'wabi-run-blob';
export const BLOB_VERSION = 1;

export interface Blob {
  readonly schema: typeof BLOB_SCHEMA;
  readonly version: number;
  readonly wabi: string;
  readonly shard: ShardSpec;
  readonly fingerprint: string;
  readonly selected: number;
  readonly host: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly complete: boolean;
  readonly summary: RunSummary;
  readonly timings: { readonly generateMs: number; readonly scoreMs: number } | null;
  readonly positions: readonly number[];
  readonly tests: readonly TestResult[];
  readonly endpoints?: readonly EndpointFigures[];
}

export interface BlobOptions {
  /** Folder the blob's paths are relative to: where the shard ran. */
  readonly relativeTo: string;
  /** The running Wabi's version (by default this one's). */
  readonly wabi?: string;
  /** The machine's name (by default os.hostname()). */
  readonly host?: string;
}

/** `wabi-blob-2-of-4.json`. */
export function blobFileName(shard: ShardSpec): string {
  return `wabi-blob-${shard.index}-of-${shard.total}.json`;
}

/** The blob of a shard's run. Throws when the result is not a shard's (the CLI makes every blob run a shard, 1/1
 *  without --shard). */
export function blobReport(result: RunResult, opts: BlobOptions): string {
  const shard = result.shard;
  if (!shard) throw new Error('a blob is written for a shard of a run (wabi run --shard i/n)');
  const rel = (file: string) => reportPath(file, opts.relativeTo);
  const blob: Blob = {
    schema: BLOB_SCHEMA,
    version: BLOB_VERSION,
    wabi: opts.wabi ?? VERSION,
    shard: { index: shard.index, total: shard.total },
    fingerprint: shard.fingerprint,
    selected: shard.selected,
    host: opts.host ?? os.hostname(),
    startedAt: result.startedAt,
    finishedAt: result.finishedAt,
    complete: result.complete,
    summary: result.summary,
    timings: result.timings ?? null,
    positions: shard.positions,
    tests: result.tests.map((t) => ({ ...t, spec: rel(t.spec), images: t.images.map((i) => ({ ...i, file: rel(i.file) })) })),
    ...(result.endpoints ? { endpoints: result.endpoints } : {}),
  };
  return JSON.stringify(encodeValues(blob)) + '\n';
}

/** A blob's tests with their paths made absolute again, from the folder the merge runs in. */
export function blobTests(blob: Blob, from: string): TestResult[] {
  const abs = (file: string) => path.resolve(from, file);
  return blob.tests.map((t) => ({ ...t, spec: abs(t.spec), images: t.images.map((i: ImageRecord) => ({ ...i, file: abs(i.file) })) }));
}

// ---- values JSON cannot hold -----------------------------------------------------------------------------------

const SPECIAL = new Set(['NaN', 'Infinity', '-Infinity', 'undefined']);

function encodeValues(value: unknown): unknown {
  if (value === undefined) return { $: 'undefined' };
  if (typeof value === 'number') return Number.isFinite(value) ? value : { $: String(value) };
  if (Array.isArray(value)) return value.map(encodeValues);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = encodeValues(v);
    return out;
  }
  return value;
}

/** Reverses encodeValues on parsed JSON. */
export function decodeValues(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(decodeValues);
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value);
    if (entries.length === 1 && entries[0][0] === '$' && typeof entries[0][1] === 'string' && SPECIAL.has(entries[0][1])) {
      return entries[0][1] === 'undefined' ? undefined : Number(entries[0][1]);
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of entries) out[k] = decodeValues(v);
    return out;
  }
  return value;
}
