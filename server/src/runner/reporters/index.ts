// The reporters of `wabi run --reporter json,junit,html --out DIR`, and writing them.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { RunResult } from '../results';
import { htmlReport } from './html';
import { jsonReport } from './json';
import { junitReport } from './junit';

export { githubAnnotations, escapeData, escapeProperty } from './annotations';
export { htmlReport, escapeHtml, CSP } from './html';
export { jsonReport, jsonReportObject, JSON_REPORT_SCHEMA, JSON_REPORT_VERSION } from './json';
export type { JsonReport, JsonTest, JsonExpectation, JsonImage, JsonLeaderboard } from './json';
export { junitReport } from './junit';
export { createProgressReporter, summaryLine, testLine } from './progress';
export { leaderboardLines } from './leaderboard';
export { leaderboard, type Leaderboard } from '../leaderboard';

export type ReporterName = 'json' | 'junit' | 'html';
export const REPORTERS: readonly ReporterName[] = ['json', 'junit', 'html'];

/** The file each reporter writes in the output folder. */
export const REPORT_FILES: Readonly<Record<ReporterName, string>> = {
  json: 'wabi-report.json',
  junit: 'wabi-junit.xml',
  html: 'wabi-report.html',
};

/** Reads `json,junit,html` (commas, spaces, repeats allowed). Throws with the unknown names listed. */
export function parseReporters(text: string): ReporterName[] {
  return parseReporterNames(text, REPORTERS);
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
    const file = path.join(outDir, REPORT_FILES[r]);
    const text =
      r === 'json'
        ? jsonReport(result, opts)
        : r === 'junit'
          ? junitReport(result, opts)
          : await htmlReport(result, { relativeTo: opts.relativeTo, thumbnailSize: opts.thumbnailSize });
    await fs.writeFile(file, text, 'utf8');
    written.push(file);
  }
  return written;
}
