// What the stored results add to a spec in the editor: a CodeLens above each test (run it, show its images, its
// last pass rate) and, on a test's name, its last verdict, pass rate, reasons and thumbnails in the hover.
import * as lsp from 'vscode-languageserver';
import type { StoredTest } from '../engine/resultStore';
import { testId } from '../engine/testId';
import { containsPosition, type Position, type Range } from '../language/ast';
import type { SpecWorkspace } from '../language/workspace';
import type { TestResult, Verdict } from '../runner/results';
import type { UriMap } from './convert';
import type { RunService } from './runService';

const VERDICT_TEXT: Readonly<Record<Verdict, string>> = {
  pass: 'passed',
  fail: 'failed',
  beautified: 'beautified against intent',
  error: 'error',
};

export function codeLenses(ws: SpecWorkspace, runs: RunService, file: string): lsp.CodeLens[] {
  const analysis = ws.analyze(file);
  if (!analysis) return [];
  const store = runs.store(file);
  const out: lsp.CodeLens[] = [];
  for (const t of analysis.tests) {
    const name = t.name?.text;
    if (name === undefined) continue;
    const range = t.headerRange;
    const args = [{ path: file, name }];
    out.push({ range, command: { title: 'Run', command: 'wabi.runTest', arguments: args } });
    out.push({ range, command: { title: 'Show images', command: 'wabi.showImages', arguments: args } });
    const stored = store?.get(testId(file, name));
    if (stored) out.push({ range, command: { title: summary(stored.last), command: 'wabi.showImages', arguments: args } });
  }
  return out;
}

/** "3/4 passed", "1/4 passed · beautified against intent". */
function summary(r: TestResult): string {
  const rate = `${r.passRate.passed}/${r.passRate.total} passed`;
  return r.verdict === 'pass' || r.verdict === 'fail' ? rate : `${rate} · ${VERDICT_TEXT[r.verdict]}`;
}

/** The last run of the test whose name is under the cursor, as hover markdown. */
export function lastRunHover(ws: SpecWorkspace, runs: RunService, file: string, pos: Position, uris: UriMap): { contents: string; range: Range } | undefined {
  const test = ws.analyze(file)?.tests.find((t) => t.name && containsPosition(t.name.range, pos));
  if (!test?.name) return undefined;
  const stored = runs.store(file)?.get(testId(file, test.name.text));
  if (!stored) return undefined;
  return { contents: lastRunMarkdown(stored, uris), range: test.name.range };
}

function lastRunMarkdown(stored: StoredTest, uris: UriMap): string {
  const r = stored.last;
  const lines = [`**Last run: ${VERDICT_TEXT[r.verdict]}** · ${r.passRate.passed} of ${r.passRate.total} seeds passed (${r.passRate.required} required) · ${stored.finishedAt.replace('T', ' ').slice(0, 16)}`];
  for (const reason of r.reasons) lines.push(`- ${escape(reason)}`);
  const thumbs = r.images
    .filter((i) => i.role !== 'input')
    .slice(0, 8)
    .map((i) => `![${i.role} seed ${i.seed}](${uris.toUri(i.file)}|width=64)`);
  if (thumbs.length > 0) lines.push('', thumbs.join(' '));
  return lines.join('\n');
}

function escape(text: string): string {
  return text.replace(/[\\`*_{}[\]<>#|]/g, (c) => `\\${c}`);
}
