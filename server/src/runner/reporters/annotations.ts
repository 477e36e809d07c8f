// GitHub Actions annotations: `::error` workflow commands that GitHub shows at the failing `expect` lines of a pull
// request's diff. Printed by `wabi run` when GITHUB_ACTIONS=true.
//
// Escaping follows the runner's rules (as @actions/core does it): in the message `%`, `\r`, `\n` become `%25`,
// `%0D`, `%0A`; in property values `:` and `,` also become `%3A` and `%2C`.
import { testTitle, type ExpectationResult, type RunResult, type TestResult } from '../results';
import { VERDICT_LABEL, isBeautifiedExpectation, reportPath } from './common';

export interface AnnotationOptions {
  /** The repository root (GITHUB_WORKSPACE): GitHub matches `file=` against paths relative to it. */
  readonly relativeTo: string;
}

/** Escapes a workflow command's message (the data after `::`). */
export function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** Escapes a workflow command's property value. */
export function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

export const BEAUTIFIED_TITLE = 'beautified against intent';
export const FAILED_TITLE = 'expectation failed';
export const ERROR_TITLE = 'test error';

// Control characters other than line breaks and tabs would garble the log line; they are dropped.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;

function command(file: string, line: number, col: number, title: string, message: string): string {
  const clean = (s: string) => s.replace(CONTROL, '');
  const props = [`file=${escapeProperty(clean(file))}`, `line=${line}`, `col=${col}`, `title=${escapeProperty(clean(title))}`];
  return `::error ${props.join(',')}::${escapeData(clean(message))}`;
}

function expectationAnnotation(t: TestResult, e: ExpectationResult, file: string): string {
  const title = isBeautifiedExpectation(t, e) ? BEAUTIFIED_TITLE : FAILED_TITLE;
  const at = e.expectation.range.start;
  return command(file, at.line + 1, at.character + 1, title, `expect ${e.expectation.text} (test "${testTitle(t)}")\n${e.reason}`);
}

/**
 * One `::error` per failing expectation of each failed or beautified test (beautified ones titled
 * "beautified against intent"). A test that failed though each expectation passed on its own (no seed met all of
 * them together) and a test that ended in an error get one annotation at their `test` line with the reasons.
 */
export function githubAnnotations(result: RunResult, opts: AnnotationOptions): string[] {
  const out: string[] = [];
  for (const t of result.tests) {
    if (t.verdict === 'pass') continue;
    const file = reportPath(t.spec, opts.relativeTo);
    const failing = t.verdict === 'error' ? [] : t.expectations.filter((e) => !e.passed);
    if (failing.length > 0) {
      for (const e of failing) out.push(expectationAnnotation(t, e, file));
      continue;
    }
    const title = t.verdict === 'error' ? ERROR_TITLE : t.verdict === 'beautified' ? BEAUTIFIED_TITLE : FAILED_TITLE;
    const reasons = t.reasons.length > 0 ? t.reasons.join('\n') : VERDICT_LABEL[t.verdict];
    out.push(command(file, t.line + 1, 1, title, `test "${testTitle(t)}"\n${reasons}`));
  }
  return out;
}
