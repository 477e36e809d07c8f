// The audit as a terminal reads it (stdout of `wabi audit` without --json): a table per audit with the verdict
// against the required accuracy, and the comparisons. Bad rows go to stderr, as located errors.
import { oneLine } from '../../runner/reporters/common';
import type { AuditReport } from '../session';

const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '-');
const gap = (x: number) => (Number.isFinite(x) ? `${x >= 0 ? '+' : ''}${Math.abs(x) >= 100 ? x.toFixed(0) : x.toPrecision(3)}` : '-');
const pValue = (x: number) => (x < 0.001 ? '<0.001' : x.toFixed(3));

/** Columns padded to their widest cell. */
function table(rows: readonly string[][]): string[] {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]))).join('  ').trimEnd());
}

export function auditText(r: AuditReport): string[] {
  const lines = [`audit ${oneLine(r.name)}: ${r.pairs.length} pair${r.pairs.length === 1 ? '' : 's'}${r.errors.length ? `, ${r.errors.length} bad row${r.errors.length === 1 ? '' : 's'}` : ''}`];
  const head = ['judge', 'n', 'abstained', 'accuracy [95% CI]', 'F1', 'AUROC', 'mean gap', ...(r.minAccuracy === undefined ? [] : [`>= ${r.minAccuracy}`])];
  const rows = r.judges.map((j) => [
    oneLine(j.judge),
    String(j.n),
    String(j.abstained),
    `${f2(j.accuracy)} [${f2(j.accuracyCi.low)}, ${f2(j.accuracyCi.high)}]`,
    f2(j.f1),
    f2(j.auroc),
    gap(j.meanGap),
    ...(j.passed === undefined ? [] : [j.passed ? 'pass' : 'FAIL']),
  ]);
  lines.push(...table([head, ...rows]).map((l) => `  ${l}`));
  for (const c of r.comparisons) {
    const w = c.wilcoxon;
    const m = c.mcnemar;
    lines.push(`  ${oneLine(c.a)} vs ${oneLine(c.b)} (${c.n} pairs): Wilcoxon p ${pValue(w.p)} (${w.method}), McNemar p ${pValue(m.p)} (${m.b} vs ${m.c}, ${m.method})`);
  }
  return lines;
}
