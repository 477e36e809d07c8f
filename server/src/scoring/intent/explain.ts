// A reading as lines of text, one per mention and one per unmeasurable wording: what `explain` shows a person.
//   "heavy blur" -> blur x1.5
//   "no grain" -> against grain
//   "eerie": not measured (a mood: ...)
import type { PromptReading } from './reading';

export function formatReading(reading: PromptReading): string[] {
  const lines: string[] = [];
  for (const r of reading.requests) {
    const weight = r.weight === 1 ? '' : ` x${r.weight}`;
    const why = r.negator ? ` (negated by '${r.negator}')` : r.negated ? ' (the wording opposes it)' : '';
    lines.push(`"${r.phrase}" -> ${r.negated ? 'against ' : ''}${r.trait}${weight}${why} [${r.serves}]`);
  }
  for (const u of reading.unmatched) {
    lines.push(`"${u.phrase}": not measured${u.negated ? ' (negated)' : ''}: ${u.why}${u.serves ? ` [${u.serves}]` : ''}`);
  }
  for (const t of reading.conflicts) lines.push(`${t}: asked both for and against, so not scored (a whole-frame judge cannot tell regions apart)`);
  if (reading.traits.length === 0) lines.push('no measurable trait: the judge abstains on this prompt');
  return lines;
}
