// Result diagnostics: a collection of the client's own (`wabi-results`), apart from the server's syntax
// diagnostics, so that neither replaces the other. One diagnostic per failing expectation, at its `expect` line.
// A test's diagnostics go when it passes in a later run, or when the text inside the test's block changes (the
// numbers describe text that is no longer there).
import * as vscode from 'vscode';
import type { TestResult } from '../../server/src/runner/results';
import { findings, toRange } from './testMessages';
import { resultSeverity } from './settings';

interface Shown {
  /** The test's block when the result came, moved along with edits above it. */
  block: vscode.Range;
  readonly diagnostics: vscode.Diagnostic[];
}

export class ResultDiagnostics implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('wabi-results');
  /** Per spec file path, per test name. */
  private readonly shown = new Map<string, Map<string, Shown>>();
  private readonly subscriptions: vscode.Disposable[];

  constructor() {
    this.subscriptions = [
      this.collection,
      vscode.workspace.onDidChangeTextDocument((e) => this.edited(e)),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('wabi.results.severity')) this.refreshSeverity();
      }),
    ];
  }

  /** Shows a finished test's result: its failures, or nothing once it passes. `block` is the test's range. */
  set(result: TestResult, block: vscode.Range): void {
    const tests = this.shown.get(result.spec) ?? new Map<string, Shown>();
    this.shown.set(result.spec, tests);
    const uri = vscode.Uri.file(result.spec);
    const severity = resultSeverity(uri);
    const diagnostics = findings(result).map((f) => {
      const d = new vscode.Diagnostic(f.range, f.message, severity);
      d.source = 'wabi';
      d.code = result.verdict;
      return d;
    });
    if (diagnostics.length === 0) tests.delete(result.name);
    else tests.set(result.name, { block, diagnostics });
    this.publish(result.spec);
  }

  /** The block of a test as a stored result knows it: from its header line to the last expectation. */
  static blockOf(result: TestResult): vscode.Range {
    const ends = result.expectations.map((e) => toRange(e.expectation.range).end);
    const end = ends.reduce((a, b) => (b.isAfter(a) ? b : a), new vscode.Position(result.line, Number.MAX_SAFE_INTEGER));
    return new vscode.Range(result.line, 0, end.line, end.character);
  }

  /** The diagnostics shown for a spec now (the e2e test and the Test Explorer's messages read them). */
  get(spec: string): readonly vscode.Diagnostic[] {
    return this.collection.get(vscode.Uri.file(spec)) ?? [];
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
  }

  private edited(e: vscode.TextDocumentChangeEvent): void {
    if (e.document.uri.scheme !== 'file' || e.contentChanges.length === 0) return;
    const tests = this.shown.get(e.document.uri.fsPath);
    if (!tests) return;
    let changed = false;
    for (const [name, s] of tests) {
      if (e.contentChanges.some((c) => c.range.end.isAfterOrEqual(s.block.start) && c.range.start.isBeforeOrEqual(s.block.end))) {
        tests.delete(name);
        changed = true;
        continue;
      }
      // An edit above the block moves it and its diagnostics by the lines it added or removed.
      const shift = e.contentChanges
        .filter((c) => c.range.end.isBefore(s.block.start))
        .reduce((n, c) => n + c.text.split('\n').length - 1 - (c.range.end.line - c.range.start.line), 0);
      if (shift !== 0) {
        s.block = new vscode.Range(s.block.start.translate(shift), s.block.end.translate(shift));
        for (const d of s.diagnostics) d.range = new vscode.Range(d.range.start.translate(shift), d.range.end.translate(shift));
        changed = true;
      }
    }
    if (changed) this.publish(e.document.uri.fsPath);
  }

  private refreshSeverity(): void {
    for (const [spec, tests] of this.shown) {
      const severity = resultSeverity(vscode.Uri.file(spec));
      for (const s of tests.values()) for (const d of s.diagnostics) d.severity = severity;
      this.publish(spec);
    }
  }

  private publish(spec: string): void {
    const tests = this.shown.get(spec);
    const all = tests ? [...tests.values()].flatMap((s) => s.diagnostics) : [];
    this.collection.set(vscode.Uri.file(spec), all);
    if (all.length === 0) this.shown.delete(spec);
  }
}
