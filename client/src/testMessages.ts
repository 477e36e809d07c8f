// What a finished test says, in the words of the spec: per failing expectation what was asked and what came back,
// prefixed by the verdict, at the `expect` line. The Test Explorer's messages and the result diagnostics are both
// made from these, so the two never disagree.
import * as vscode from 'vscode';
import type { ExpectationResult, TestResult, Verdict } from '../../server/src/runner/results';
import type { Range } from '../../server/src/files/location';

export const VERDICT_WORDS: Readonly<Record<Verdict, string>> = {
  pass: 'passed',
  fail: 'failed',
  beautified: 'beautified against intent',
  error: 'error',
};

/** One failing expectation of a test, located in its spec. */
export interface Finding {
  readonly range: vscode.Range;
  /** "beautified against intent: asked for grain >= 0.6; got 0.12 …" */
  readonly message: string;
  readonly expectation?: ExpectationResult;
}

export function toRange(r: Range): vscode.Range {
  return new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character);
}

/**
 * The findings of a result that did not pass: one per failing expectation; for an error (no expectation decided)
 * one per reason at the test's header line. A test that beautified names that verdict on the expectations whose
 * seeds moved toward polish, and "failed" on the others.
 */
export function findings(result: TestResult): Finding[] {
  if (result.verdict === 'pass') return [];
  const failing = result.expectations.filter((e) => !e.passed);
  if (result.verdict === 'error' || failing.length === 0) {
    const header = new vscode.Range(result.line, 0, result.line, 0);
    const reasons = result.reasons.length > 0 ? result.reasons : [`${VERDICT_WORDS[result.verdict]} (${result.passRate.passed}/${result.passRate.total} seeds passed, ${result.passRate.required} required)`];
    return reasons.map((reason) => ({ range: header, message: `${VERDICT_WORDS[result.verdict]}: ${reason}` }));
  }
  return failing.map((e) => {
    const beautified = result.verdict === 'beautified' && e.seeds.some((s) => s.beautified);
    const verdict = beautified ? VERDICT_WORDS.beautified : VERDICT_WORDS.fail;
    return { range: toRange(e.expectation.range), message: `${verdict}: ${e.reason}`, expectation: e };
  });
}

/**
 * Test Explorer messages for a result, each at its expectation's line in `uri`. For one seed, a failing
 * expectation also comes as a diff: what it was compared with against what was measured. The test's own messages
 * stay sentences (they sum up several seeds, where a diff would be a list of numbers).
 */
export function testMessages(result: TestResult, uri: vscode.Uri, seed?: number): vscode.TestMessage[] {
  return findings(result)
    .filter((f) => seed === undefined || !f.expectation || f.expectation.seeds.some((s) => s.seed === seed && !s.passed))
    .map((f) => {
      const outcome = seed === undefined ? undefined : f.expectation?.seeds.find((s) => s.seed === seed);
      const message = outcome && f.expectation
        ? vscode.TestMessage.diff(f.message, `${f.expectation.expectation.op} ${fmt(outcome.against)}`, fmt(outcome.value))
        : new vscode.TestMessage(f.message);
      message.location = new vscode.Location(uri, f.range);
      return message;
    });
}

function fmt(n: number): string {
  return Number.isFinite(n) ? n.toFixed(3) : String(n);
}

/** Did this seed of the result meet every expectation? Undefined when the result holds no outcome for it. */
export function seedPassed(result: TestResult, seed: number): boolean | undefined {
  const outcomes = result.expectations.flatMap((e) => e.seeds.filter((s) => s.seed === seed));
  if (outcomes.length === 0) return undefined;
  return outcomes.every((s) => s.passed);
}
