// A dataset variant's anti-aesthetic prompt, written from the intent lexicon: "SUBJECT with INTENSITY PHRASE",
// e.g. "a photo with slight film grain". The intensity word follows the strength (the lexicon's tiers in order,
// each a quarter of 0..1), and the phrase is the lexicon's PROMPT_PHRASES entry, which reads back as exactly its trait.
import { INTENSITY, PROMPT_PHRASES, type IntensityTier } from '../catalogue/intentLexicon';
import type { DegradableTrait } from '../generation/degradations';

/** The subject when a source has no caption, and the pair's plain prompt then. */
export const DEFAULT_SUBJECT = 'a photo';

/** The intensity tier of a strength in 0..1: (0, 0.25] slight, (0.25, 0.5] moderate, (0.5, 0.75] heavy, above extreme. */
export function intensityFor(strength: number): IntensityTier {
  const k = Math.min(INTENSITY.length - 1, Math.max(0, Math.ceil(strength * INTENSITY.length) - 1));
  return INTENSITY[k];
}

/** The strengths of levels 1..n, spread evenly up to 1: n = 4 gives 0.25, 0.5, 0.75, 1. */
export function levelStrengths(levels: number): number[] {
  return Array.from({ length: levels }, (_, k) => Math.round(((k + 1) / levels) * 1e6) / 1e6);
}

/** The subject a caption gives: its text on one line, without a final full stop. */
export function captionSubject(caption: string | undefined): string {
  const one = (caption ?? '').replace(/\s+/g, ' ').trim().replace(/[.\s]+$/, '');
  return one || DEFAULT_SUBJECT;
}

export function datasetPrompt(trait: DegradableTrait, strength: number, subject: string): string {
  const phrase = PROMPT_PHRASES[trait];
  if (!phrase) throw new Error(`dataset: the lexicon has no prompt phrase for '${trait}'`);
  return `${subject} with ${intensityFor(strength).words[0]} ${phrase}`;
}
