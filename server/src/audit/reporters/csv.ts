// The audit's CSV: one row per audit x judge x group (every pair, each category, each subcategory), the figures
// with their interval bounds, for spreadsheets and plotting scripts.
import type { Interval } from '../../statistics/intervals';
import type { GroupMetrics } from '../metrics';
import type { AuditReport } from '../session';

export const AUDIT_CSV_COLUMNS = [
  'audit', 'judge', 'scope', 'category', 'n', 'abstained',
  'accuracy', 'accuracy_low', 'accuracy_high', 'f1', 'f1_low', 'f1_high',
  'auroc', 'auroc_low', 'auroc_high', 'mean_gap', 'mean_gap_low', 'mean_gap_high',
] as const;

/** A text cell, quoted as RFC 4180 says; one a spreadsheet would run as a formula (=, +, -, @) gets a leading '. */
export function csvText(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

const num = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? '' : String(Math.round(x * 1e6) / 1e6));
const bounds = (i: Interval) => [num(i.low), num(i.high)];

function row(audit: string, judge: string, scope: string, category: string, m: GroupMetrics): string {
  return [
    csvText(audit), csvText(judge), scope, csvText(category), String(m.n), String(m.abstained),
    num(m.accuracy), ...bounds(m.accuracyCi), num(m.f1), ...bounds(m.f1Ci),
    num(m.auroc), ...bounds(m.aurocCi), num(m.meanGap), ...bounds(m.meanGapCi),
  ].join(',');
}

export function auditCsv(reports: readonly AuditReport[]): string {
  const lines = [AUDIT_CSV_COLUMNS.join(',')];
  for (const r of reports) {
    for (const j of r.judges) {
      lines.push(row(r.name, j.judge, 'all', '', j));
      for (const [c, m] of Object.entries(j.byCategory)) lines.push(row(r.name, j.judge, 'category', c, m));
      for (const [c, m] of Object.entries(j.bySubcategory)) lines.push(row(r.name, j.judge, 'subcategory', c, m));
    }
  }
  return lines.join('\r\n') + '\r\n';
}
