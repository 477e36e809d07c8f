// Small helpers the reporters share: report paths, labels, the traits a test's expectations compare (the HTML
// report draws bars for them), and number and duration formats.
export { reportPath } from '../../files/paths';
import type { ExpectationResult, TestResult, Verdict } from '../results';

/** Label of a verdict in plain text and in reports. */
export const VERDICT_LABEL: Readonly<Record<Verdict, string>> = {
  pass: 'pass',
  fail: 'fail',
  beautified: 'beautified against intent',
  error: 'error',
};

/** The traits a test's expectations compare, in the order they first appear. */
export function traitsUsed(test: TestResult): string[] {
  const out: string[] = [];
  for (const e of test.expectations) {
    const m = e.expectation.measure;
    if (m.kind === 'trait' && !out.includes(m.trait)) out.push(m.trait);
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
