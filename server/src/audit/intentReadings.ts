// What the built-in `traits` judge read in each prompt of an audit: the traits it scored (for and against) and the
// wording it could not measure, per prompt with the pairs that use it. Reported whenever `traits` takes part, so
// wording it ignores is never silent; `wabi audit --explain` prints it in full.
import { formatReading, INTENT_JUDGE_NAME, readPrompt, type PromptReading } from '../scoring/intent/index';
import type { AuditReport } from './session';

export interface PromptExplanation {
  readonly prompt: string;
  /** The pairs that use this prompt (their ids), in dataset order. */
  readonly pairs: readonly string[];
  readonly reading: PromptReading;
}

/** One explanation per distinct prompt of the report's pairs, in order of first use; [] when `traits` did not judge. */
export function intentReadings(report: AuditReport): PromptExplanation[] {
  if (!report.judges.some((j) => j.judge === INTENT_JUDGE_NAME)) return [];
  const byPrompt = new Map<string, string[]>();
  for (const p of report.pairs) {
    const ids = byPrompt.get(p.prompt);
    if (ids) ids.push(p.id);
    else byPrompt.set(p.prompt, [p.id]);
  }
  return [...byPrompt].map(([prompt, pairs]) => ({ prompt, pairs, reading: readPrompt(prompt) }));
}

/** `--explain`: each prompt, then what each phrase became. */
export function explanationText(readings: readonly PromptExplanation[]): string[] {
  const lines: string[] = [];
  for (const r of readings) {
    lines.push(`${INTENT_JUDGE_NAME} read (pairs ${r.pairs.join(', ')}): ${JSON.stringify(r.prompt)}`);
    for (const l of formatReading(r.reading)) lines.push(`  ${l}`);
  }
  return lines;
}

/** Without `--explain`: one line when some prompts hold wording the judge did not measure. */
export function unmatchedSummary(readings: readonly PromptExplanation[]): string | undefined {
  const withUnmatched = readings.filter((r) => r.reading.unmatched.length > 0 || r.reading.conflicts.length > 0);
  const abstained = readings.filter((r) => r.reading.traits.length === 0);
  if (withUnmatched.length === 0 && abstained.length === 0) return undefined;
  const parts = [];
  if (withUnmatched.length > 0) parts.push(`${withUnmatched.length} of ${readings.length} prompts hold wording it does not measure`);
  if (abstained.length > 0) parts.push(`it abstains on ${abstained.length} (no measurable trait)`);
  return `${INTENT_JUDGE_NAME}: ${parts.join('; ')}; --explain lists the words`;
}

/** The JSON form: per prompt, the traits scored and the wording left out, with why. */
export function readingsJson(readings: readonly PromptExplanation[]) {
  return readings.map((r) => ({
    prompt: r.prompt,
    pairs: [...r.pairs],
    traits: r.reading.traits.filter((t) => !t.negated).map((t) => ({ trait: t.trait, weight: t.weight })),
    against: r.reading.traits.filter((t) => t.negated).map((t) => ({ trait: t.trait, weight: t.weight })),
    conflicts: [...r.reading.conflicts],
    unmatched: r.reading.unmatched.map((u) => ({ phrase: u.phrase, why: u.why, ...(u.serves ? { serves: u.serves } : {}) })),
  }));
}
