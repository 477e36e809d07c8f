// Small helpers the reporters share: report paths, 1-based positions, and reading which measure an expectation
// compares (the HTML report draws bars for the traits the expectations use).
import * as path from 'node:path';
import { parse } from '../../language/parser';
import type { ExpectationResult, TestResult, Verdict } from '../results';

/**
 * `file` relative to `relativeTo`, with `/` separators on every platform so reports compare across machines.
 * A file on another drive (Windows), where no relative path exists, stays absolute.
 */
export function reportPath(file: string, relativeTo: string): string {
  const rel = path.relative(relativeTo, file);
  return rel === '' ? '.' : rel.split(path.sep).join('/');
}

/** Label of a verdict in plain text and in reports. */
export const VERDICT_LABEL: Readonly<Record<Verdict, string>> = {
  pass: 'pass',
  fail: 'fail',
  beautified: 'beautified against intent',
  error: 'error',
};

/** What an expectation measures, read back from its text: a catalogue trait, or a judge call as written. */
export interface ParsedExpectation {
  /** The measure's text: a trait name (`grain`) or a judge call (`clip("a rotten fruit")`). */
  readonly measure: string;
  readonly kind: 'trait' | 'judge';
  readonly op: '<' | '<=' | '>' | '>=';
  /** The right-hand side as written (`0.6`, `baseline + 0.3`, `input - 0.05`). */
  readonly comparand: string;
}

/** Reads `measure op comparand` from an expectation's text with the spec parser itself, so reports and specs
 *  share one grammar. Returns undefined for text that is not a complete comparison (the reporters then show the
 *  text only). */
export function parseExpectationText(text: string): ParsedExpectation | undefined {
  const line = `  expect ${text.trim()}`;
  const prop = parse(`test "t"\n${line}\n`).blocks[0]?.properties[0];
  if (prop?.value.type !== 'expect') return undefined;
  const { measure, op, comparand } = prop.value.expect;
  if (!measure || !op || !comparand) return undefined;
  const slice = (r: { start: { character: number }; end: { character: number } }) => line.slice(r.start.character, r.end.character);
  return { measure: slice(measure.range), kind: measure.type === 'trait' ? 'trait' : 'judge', op: op.text, comparand: slice(comparand.range) };
}

/** The traits a test's expectations compare, in the order they first appear. */
export function traitsUsed(test: TestResult): string[] {
  const out: string[] = [];
  for (const e of test.expectations) {
    const p = parseExpectationText(e.text);
    if (p?.kind === 'trait' && !out.includes(p.measure)) out.push(p.measure);
  }
  return out;
}

/** The expectations a test failed on: those marked failed, or none when only their combination per seed failed. */
export function failedExpectations(test: TestResult): ExpectationResult[] {
  return test.expectations.filter((e) => !e.passed);
}

/**
 * Whether a failing expectation is one where the images moved toward polish: any seed marked beautified, or, in a
 * beautified test whose seeds carry no marks at all, every failing expectation (the verdict speaks for the test).
 */
export function isBeautifiedExpectation(test: TestResult, e: ExpectationResult): boolean {
  if (e.passed) return false;
  if (e.seeds.some((s) => s.beautified === true)) return true;
  if (test.verdict !== 'beautified') return false;
  return !failedExpectations(test).some((f) => f.seeds.some((s) => s.beautified === true));
}

/** One line of text: newlines and other control characters become single spaces. */
export function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').replace(/ {2,}/g, ' ').trim();
}

/** Seconds with up to three decimals, for durations given in milliseconds. */
export function seconds(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '0';
  return (Math.round(ms) / 1000).toFixed(3);
}

/** A human duration: `850ms`, `12.3s`, `4m 05s`. */
export function humanDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '0ms';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const total = Math.round(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return h > 0 ? `${h}h ${String(m).padStart(2, '0')}m` : `${m}m ${String(s).padStart(2, '0')}s`;
}

/** A score to show: two decimals for 0..1-ish values, fewer digits lost on large reward scores. */
export function fmt(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  return Math.abs(n) >= 100 ? n.toFixed(0) : n.toFixed(2);
}
