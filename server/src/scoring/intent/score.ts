// The intent judge's scoring rule, pure: a prompt's reading and one image's trait scores (0..1 each, as the trait
// scorer gives them) to one number.
//
//   score = sum(w_i s_i) / sum(w_i) over the traits asked for  -  sum(w_j s_j) / sum(w_j) over the traits asked against
//
// Each side is a weighted mean, so each lies in 0..1 and the score in -1..1: 0..1 when the prompt only asks for
// traits, -1..0 when it only asks against them. Why a weighted mean:
// - an image that shows some of what was asked scores above one that shows none of it, so a generator that
//   delivers the grain but not the blur still beats the polished image (a minimum or a product would call both 0);
// - one trait the analysers read poorly on a given image moves the score by its share only;
// - saying a trait twice does not count it twice (the reading keeps the largest weight per trait), and intensity
//   words only shift the shares: "heavy grain, slight blur" is mostly about grain;
// - the two sides are means, not sums, so a prompt that names six traits is on the same scale as one that names one,
//   and a negation ("no blur") counts as much as a request.
// Intensity is a weight, not a target level: under "slight grain" a heavily grainy image still scores higher.
import type { PromptReading } from './reading';

/** Bump when the rule above or the reading rules of reading.ts change (the lexicon's data is hashed separately): it
 *  is part of the judge's identity, so cached audit scores are not reused. */
export const INTENT_RULE_VERSION = 1;

/** The score of one image, or undefined when the reading asks nothing measurable of it. */
export function intentScore(reading: Pick<PromptReading, 'traits'>, traitScores: Readonly<Record<string, number>>): number | undefined {
  let asked = 0;
  let askedWeight = 0;
  let against = 0;
  let againstWeight = 0;
  for (const t of reading.traits) {
    const s = traitScores[t.trait];
    if (typeof s !== 'number' || !Number.isFinite(s)) throw new Error(`intent score: no score for trait '${t.trait}'`);
    if (t.negated) {
      against += t.weight * s;
      againstWeight += t.weight;
    } else {
      asked += t.weight * s;
      askedWeight += t.weight;
    }
  }
  if (askedWeight === 0 && againstWeight === 0) return undefined;
  const score = (askedWeight ? asked / askedWeight : 0) - (againstWeight ? against / againstWeight : 0);
  return Math.round(score * 1e6) / 1e6;
}
