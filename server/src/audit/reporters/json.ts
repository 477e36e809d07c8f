// The audit's JSON: what `wabi audit --json` prints and `--reporter json` writes. Keys are snake_case; a figure
// that cannot be computed (no pair scored) is null; paths are relative to the folder the audit ran from.
import { reportPath } from '../../files/paths';
import type { Interval } from '../../statistics/intervals';
import type { Comparison, GroupMetrics } from '../metrics';
import type { AuditReport, JudgeReport } from '../session';
import { intentReadings, readingsJson } from '../intentReadings';

export const AUDIT_JSON_VERSION = 1;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Six decimals, and null for NaN and infinities (JSON has neither). */
const num = (x: number | undefined): number | null => (x === undefined || !Number.isFinite(x) ? null : Math.round(x * 1e6) / 1e6);
const ci = (i: Interval): Json => [num(i.low), num(i.high)];

function group(m: GroupMetrics): { [key: string]: Json } {
  return {
    n: m.n,
    abstained: m.abstained,
    accuracy: num(m.accuracy),
    accuracy_ci: ci(m.accuracyCi),
    f1: num(m.f1),
    f1_ci: ci(m.f1Ci),
    f1_threshold: num(m.threshold),
    auroc: num(m.auroc),
    auroc_ci: ci(m.aurocCi),
    mean_gap: num(m.meanGap),
    mean_gap_ci: ci(m.meanGapCi),
  };
}

const byKey = (groups: Readonly<Record<string, GroupMetrics>>): Json => Object.fromEntries(Object.entries(groups).map(([k, m]) => [k, group(m)]));

function judge(j: JudgeReport): Json {
  return {
    judge: j.judge,
    ...group(j),
    ...(j.passed === undefined ? {} : { passed: j.passed }),
    by_category: byKey(j.byCategory),
    by_subcategory: byKey(j.bySubcategory),
  };
}

function comparison(c: Comparison): Json {
  const w = c.wilcoxon;
  const m = c.mcnemar;
  return {
    a: c.a,
    b: c.b,
    n: c.n,
    accuracy_a: num(c.accuracyA),
    accuracy_b: num(c.accuracyB),
    wilcoxon: { n: w.n, zeros: w.zeros, w_plus: num(w.wPlus), w_minus: num(w.wMinus), z: num(w.z), p: num(w.p), method: w.method },
    mcnemar: { a_only: m.b, b_only: m.c, chi_square: num(m.chiSquare), p: num(m.p), method: m.method },
  };
}

/** One audit as a JSON value. */
export function auditJson(r: AuditReport, relativeTo: string): { [key: string]: Json } {
  const path = (f: string) => reportPath(f, relativeTo);
  return {
    version: AUDIT_JSON_VERSION,
    audit: r.name,
    ...(r.spec ? { spec: path(r.spec), line: (r.line ?? 0) + 1 } : {}),
    pairs: path(r.source),
    n_pairs: r.pairs.length,
    min_accuracy: num(r.minAccuracy),
    passed: r.passed,
    judges: r.judges.map(judge),
    comparisons: r.comparisons.map(comparison),
    errors: r.errors.map((e) => ({ file: path(e.file), line: e.line, column: e.column ?? null, message: e.message })),
    cache: { hits: r.cache.hits, misses: r.cache.misses },
    ...intentPart(r),
    results: r.pairs.map((p, i) => ({
      id: p.id,
      file: path(p.file),
      line: p.line,
      category: p.category ?? null,
      prompt: p.prompt,
      plain: p.plain ?? null,
      faithful: path(p.faithful),
      polished: path(p.polished),
      scores: Object.fromEntries(
        Object.entries(r.scores).map(([name, s]) => [name, s[i] ? { faithful: num(s[i]!.faithful), polished: num(s[i]!.polished), gap: num(s[i]!.faithful - s[i]!.polished) } : null]),
      ),
    })),
  };
}

/** What the built-in `traits` judge read in each prompt, when it took part. */
function intentPart(r: AuditReport): { intent_readings?: Json } {
  const readings = intentReadings(r);
  return readings.length > 0 ? { intent_readings: readingsJson(readings) as Json } : {};
}

/** The JSON text: one audit's object for `--pairs`, `{"audits": [...]}` for a spec's audit blocks. */
export function auditJsonText(reports: readonly AuditReport[], relativeTo: string, single: boolean): string {
  const value = single && reports.length === 1 ? auditJson(reports[0], relativeTo) : { version: AUDIT_JSON_VERSION, audits: reports.map((r) => auditJson(r, relativeTo)) };
  return JSON.stringify(value, null, 2) + '\n';
}
