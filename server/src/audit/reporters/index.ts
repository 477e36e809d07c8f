// The reporters of `wabi audit --reporter json,csv,html --out DIR`, and writing them.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { parseReporterNames } from '../../runner/reporters/index';
import type { AuditReport } from '../session';
import { auditCsv } from './csv';
import { auditHtml } from './html';
import { auditJsonText } from './json';

export { auditJson, auditJsonText, AUDIT_JSON_VERSION } from './json';
export { auditCsv, AUDIT_CSV_COLUMNS } from './csv';
export { auditHtml } from './html';
export { auditText } from './text';
export { createAuditProgress } from './progress';

export type AuditReporterName = 'json' | 'csv' | 'html';
export const AUDIT_REPORTERS: readonly AuditReporterName[] = ['json', 'csv', 'html'];

export const AUDIT_REPORT_FILES: Readonly<Record<AuditReporterName, string>> = {
  json: 'wabi-audit.json',
  csv: 'wabi-audit.csv',
  html: 'wabi-audit.html',
};

/** Reads `json,csv,html` (commas, spaces, repeats allowed). Throws with the unknown names listed. */
export function parseAuditReporters(text: string): AuditReporterName[] {
  return parseReporterNames(text, AUDIT_REPORTERS);
}

export interface WriteAuditOptions {
  readonly relativeTo: string;
  /** One audit's JSON object (from --pairs) rather than {"audits": [...]}. */
  readonly single: boolean;
}

/** Writes each asked-for report into `outDir`; returns the files written. */
export async function writeAuditReports(reports: readonly AuditReport[], reporters: readonly AuditReporterName[], outDir: string, opts: WriteAuditOptions): Promise<string[]> {
  await fs.mkdir(outDir, { recursive: true });
  const written: string[] = [];
  for (const r of reporters) {
    const file = path.join(outDir, AUDIT_REPORT_FILES[r]);
    const text = r === 'json' ? auditJsonText(reports, opts.relativeTo, opts.single) : r === 'csv' ? auditCsv(reports) : await auditHtml(reports, { relativeTo: opts.relativeTo });
    await fs.writeFile(file, text, 'utf8');
    written.push(file);
  }
  return written;
}
