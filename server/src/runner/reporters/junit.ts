// JUnit XML for CI test tabs (GitHub, GitLab, Jenkins, Azure): one <testsuite> per spec file, one <testcase> per
// test (in a compare run, per test and generator, named `test [generator]`). `fail` and `beautified` are <failure type="fail|beautified">, `error` is <error>; a pass has no child but a
// <system-out> line with its pass rate. Text is escaped for XML 1.0, and characters XML 1.0 cannot carry at all
// (control characters other than tab and line breaks, lone surrogates, U+FFFE/U+FFFF) are dropped.
import { testTitle, type RunResult, type TestResult } from '../results';
import { VERDICT_LABEL, isBeautifiedExpectation, oneLine, reportPath, seconds } from './common';

export interface JunitReportOptions {
  /** Folder the spec paths (classname, suite names, `file` attributes) are relative to. */
  readonly relativeTo: string;
}

// Everything outside XML 1.0's Char production: C0 controls but \t \n \r, lone surrogates, U+FFFE and U+FFFF.
// eslint-disable-next-line no-control-regex
const NOT_XML_CHAR = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Drops what XML 1.0 cannot hold. */
export function xmlClean(text: string): string {
  return text.replace(NOT_XML_CHAR, '');
}

/** Escapes character data (element text). `\r` is kept as a reference so parsers do not normalise it away. */
export function xmlText(text: string): string {
  return xmlClean(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#13;');
}

/** Escapes an attribute value for double quotes; tabs and line breaks become references so they survive. */
export function xmlAttr(text: string): string {
  return xmlClean(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\t/g, '&#9;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;');
}

const attrs = (pairs: readonly (readonly [string, string | number])[]): string =>
  pairs.map(([k, v]) => ` ${k}="${xmlAttr(String(v))}"`).join('');

/** The failure's body: the reasons, then each failing expectation with its line and reason, then the pass rate. */
function failureBody(t: TestResult, spec: string): string {
  const lines: string[] = [...t.reasons];
  for (const e of t.expectations) {
    if (e.passed) continue;
    const mark = isBeautifiedExpectation(t, e) ? ' [beautified against intent]' : '';
    lines.push(`${spec}:${e.expectation.range.start.line + 1}: expect ${e.expectation.text}${mark}: ${e.reason}`);
  }
  lines.push(`seeds passing: ${t.passRate.passed}/${t.passRate.total} (required ${t.passRate.required})`);
  return lines.join('\n');
}

function errorBody(t: TestResult, relativeTo: string): string {
  const lines: string[] = [...t.reasons];
  for (const i of t.images) {
    if (i.error) lines.push(`seed ${i.seed} ${i.role} (${reportPath(i.file, relativeTo)}): ${i.error}`);
  }
  return lines.join('\n');
}

function testcase(t: TestResult, relativeTo: string): string {
  const spec = reportPath(t.spec, relativeTo);
  const head = `    <testcase${attrs([
    ['classname', spec],
    ['name', testTitle(t)],
    ['time', seconds(t.durationMs)],
    ['file', spec],
    ['line', t.line + 1],
  ])}`;
  const message = oneLine(t.reasons[0] ?? VERDICT_LABEL[t.verdict]);
  switch (t.verdict) {
    case 'pass': {
      const out = `verdict: pass; seeds passing: ${t.passRate.passed}/${t.passRate.total} (required ${t.passRate.required})`;
      return `${head}>\n      <system-out>${xmlText(out)}</system-out>\n    </testcase>`;
    }
    case 'fail':
    case 'beautified': {
      const type = t.verdict;
      const body = failureBody(t, spec);
      const msg = type === 'beautified' ? `beautified against intent: ${message}` : message;
      return `${head}>\n      <failure${attrs([['message', msg], ['type', type]])}>${xmlText(body)}</failure>\n    </testcase>`;
    }
    case 'error':
      return `${head}>\n      <error${attrs([['message', message], ['type', 'error']])}>${xmlText(errorBody(t, relativeTo))}</error>\n    </testcase>`;
  }
}

interface Counts {
  tests: number;
  failures: number;
  errors: number;
  ms: number;
}

const count = (tests: readonly TestResult[]): Counts => ({
  tests: tests.length,
  failures: tests.filter((t) => t.verdict === 'fail' || t.verdict === 'beautified').length,
  errors: tests.filter((t) => t.verdict === 'error').length,
  ms: tests.reduce((sum, t) => sum + t.durationMs, 0),
});

/** JUnit XML of a run. Suites keep the order in which their spec files first appear in the run. */
export function junitReport(result: RunResult, opts: JunitReportOptions): string {
  const bySpec = new Map<string, TestResult[]>();
  for (const t of result.tests) {
    const list = bySpec.get(t.spec);
    if (list) list.push(t);
    else bySpec.set(t.spec, [t]);
  }
  const all = count(result.tests);
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  out.push(
    `<testsuites${attrs([
      ['name', 'wabi'],
      ['tests', all.tests],
      ['failures', all.failures],
      ['errors', all.errors],
      ['skipped', 0],
      ['time', seconds(result.summary.durationMs)],
      ['timestamp', result.startedAt],
    ])}>`,
  );
  for (const [specFile, tests] of bySpec) {
    const spec = reportPath(specFile, opts.relativeTo);
    const c = count(tests);
    out.push(
      `  <testsuite${attrs([
        ['name', spec],
        ['tests', c.tests],
        ['failures', c.failures],
        ['errors', c.errors],
        ['skipped', 0],
        ['time', seconds(c.ms)],
        ['timestamp', result.startedAt],
        ['file', spec],
      ])}>`,
    );
    for (const t of tests) out.push(testcase(t, opts.relativeTo));
    out.push('  </testsuite>');
  }
  if (!result.complete) {
    out.push('  <!-- run cancelled: only the tests that finished are listed -->');
  }
  out.push('</testsuites>');
  return out.join('\n') + '\n';
}
