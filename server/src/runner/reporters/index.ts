// The reporters of `wabi run --reporter json,junit,html,blob --out DIR`, and writing them. `blob` is a shard's
// whole result for `wabi merge-reports` (blob.ts), which writes the other three from the merged blobs (merge.ts).
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { RunResult } from '../results';
import { blobFileName, blobReport } from './blob';
import { htmlReport } from './html';
import { jsonReport } from './json';
import { junitReport } from './junit';

export { githubAnnotations, escapeData, escapeProperty } from './annotations';
export { htmlReport, escapeHtml, CSP } from './html';
export { jsonReport, jsonReportObject, JSON_REPORT_SCHEMA, JSON_REPORT_VERSION } from './json';
export type { JsonReport, JsonTest, JsonExpectation, JsonImage, JsonLeaderboard, JsonShard, JsonEndpoint } from './json';
export { junitReport } from './junit';
export { blobReport, blobFileName, BLOB_SCHEMA, BLOB_VERSION, type Blob } from './blob';
export { mergeBlobs, readBlob, MergeError, type BlobFile } from './merge';
export { createProgressReporter, endpointLines, shardLines, summaryLine, testLine } from './progress';
export { leaderboardLines } from './leaderboard';
export { leaderboard, type Leaderboard } from '../leaderboard';

export type ReporterName = 'json' | 'junit' | 'html' | 'blob';
export const REPORTERS: readonly ReporterName[] = ['json', 'junit', 'html', 'blob'];
/** What `wabi merge-reports` writes: every reporter but the blob. */
export type MergedReporterName = Exclude<ReporterName, 'blob'>;
export const MERGED_REPORTERS: readonly MergedReporterName[] = ['json', 'junit', 'html'];

/** The file each reporter writes in the output folder (a blob's is named for its shard: blobFileName). */
export const REPORT_FILES: Readonly<Record<MergedReporterName, string>> = {
  json: 'wabi-report.json',
  junit: 'wabi-junit.xml',
  html: 'wabi-report.html',
};

/** Reads `json,junit,html,blob` (commas, spaces, repeats allowed). Throws with the unknown names listed. */
export function parseReporters(text: string): ReporterName[] {
  return parseReporterNames(text, REPORTERS);
}

/** Reads the reporters of `wabi merge-reports`: `json,junit,html`. */
export function parseMergedReporters(text: string): MergedReporterName[] {
  return parseReporterNames(text, MERGED_REPORTERS);
}

/** Reads a list of reporter names out of `known` (commas, spaces, repeats allowed). Throws with the unknown names
 *  listed. */
export function parseReporterNames<T extends string>(text: string, known: readonly T[]): T[] {
  const names = text
    .split(/[\s,]+/)
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  const unknown = names.filter((n) => !(known as readonly string[]).includes(n));
  if (unknown.length > 0) {
    throw new Error(`unknown reporter${unknown.length > 1 ? 's' : ''} ${unknown.map((u) => `'${u}'`).join(', ')}; expected ${known.join(', ')}`);
  }
  return [...new Set(names)] as T[];
}

export interface WriteReportsOptions {
  /** Folder the reports' paths are relative to (usually the workspace root). */
  readonly relativeTo: string;
  readonly thumbnailSize?: number;
}

/** Writes each asked-for report into `outDir` (created if needed); returns the files written. */
export async function writeReports(result: RunResult, reporters: readonly ReporterName[], outDir: string, opts: WriteReportsOptions): Promise<string[]> {
  await fs.mkdir(outDir, { recursive: true });
  const written: string[] = [];
  for (const r of reporters) {
    if (r === 'blob' && !result.shard) throw new Error('the blob reporter writes a shard of a run (wabi run --shard i/n)');
    const file = path.join(outDir, r === 'blob' ? blobFileName(result.shard!) : REPORT_FILES[r]);
    const text =
      r === 'json'
        ? jsonReport(result, opts)
        : r === 'junit'
          ? junitReport(result, opts)
          : r === 'blob'
            ? blobReport(result, { relativeTo: opts.relativeTo })
            : await htmlReport(result, { relativeTo: opts.relativeTo, thumbnailSize: opts.thumbnailSize });
    await fs.writeFile(file, text, 'utf8');
    written.push(file);
  }
  return written;
}
