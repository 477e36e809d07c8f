// The word level of prompt reading: a prompt split into words with their offsets and what separates them, and
// lexicon phrases compiled into per-word sets of accepted forms (the inflections and spellings of
// catalogue/intentLexicon.ts). reading.ts decides what the matches mean.
import { FUNCTION_WORDS, GAP_WORDS, INFLECTION, SPELLING } from '../../catalogue/intentLexicon';

/** What stands between a word and the one before it. `space`: only spaces or hyphens (a phrase may run across
 *  it); `clause`: punctuation that ends a clause (, ; : . ! ? brackets, dashes); `other`: anything else
 *  (quotes, slashes), which a phrase may not run across but a negation may. */
export type Separator = 'start' | 'space' | 'clause' | 'other';

export interface Word {
  /** Lowercase, apostrophes straightened, British spellings read as American. */
  readonly text: string;
  /** UTF-16 offsets of the word in the prompt. */
  readonly start: number;
  readonly end: number;
  readonly before: Separator;
  /** The separator before it holds a hyphen ("noise-free"). */
  readonly hyphenBefore: boolean;
}

const WORD = /[\p{L}\p{N}]+(?:['\u2019][\p{L}]+)*/gu;
const CLAUSE = /[,;:.!?()[\]{}\u2014\u2013]|--/;
const SPACE_ONLY = /^[\s-]*$/;

export function splitWords(prompt: string): Word[] {
  const words: Word[] = [];
  let last = 0;
  for (const m of prompt.matchAll(WORD)) {
    const start = m.index;
    const between = prompt.slice(last, start);
    const before: Separator = words.length === 0 ? 'start' : CLAUSE.test(between) ? 'clause' : SPACE_ONLY.test(between) ? 'space' : 'other';
    words.push({ text: normalise(m[0]), start, end: start + m[0].length, before, hyphenBefore: between.includes('-') });
    last = start + m[0].length;
  }
  return words;
}

function normalise(word: string): string {
  const w = word.toLowerCase().replace(/\u2019/g, "'");
  for (const [british, american] of Object.entries(SPELLING)) {
    if (w.startsWith(british)) return american + w.slice(british.length);
  }
  return w;
}

const FUNCTION = new Set<string>(FUNCTION_WORDS);

/** Every form a lexicon word matches: itself and its simple inflections (INFLECTION). */
export function inflections(word: string): Set<string> {
  const out = new Set([word]);
  if (FUNCTION.has(word) || word.includes("'") || /\d/.test(word)) return out;
  for (const s of INFLECTION.suffixes) out.add(word + s);
  if (word.endsWith('e')) for (const s of INFLECTION.dropE) out.add(word.slice(0, -1) + s);
  if (/[^aeiou]y$/.test(word)) for (const s of INFLECTION.yToI) out.add(word.slice(0, -1) + 'i' + s);
  if (/[^aeiou][aeiou][^aeiouwxy]$/.test(word)) for (const s of INFLECTION.double) out.add(word + word.at(-1) + s);
  return out;
}

export const GAP = '…';

/** A phrase as a sequence of word matchers; GAP stands for 0..GAP_WORDS words. */
export interface CompiledPhrase<T> {
  readonly text: string;
  readonly parts: ReadonlyArray<ReadonlySet<string> | typeof GAP>;
  readonly hasGap: boolean;
  readonly value: T;
}

/** `inflect` false: each word matches only as written (intensity words, negators). */
export function compilePhrase<T>(text: string, value: T, inflect: boolean): CompiledPhrase<T> {
  const parts = text
    .toLowerCase()
    .split(/[\s-]+/)
    .filter((w) => w.length > 0)
    .map((w) => (w === GAP ? GAP : inflect ? inflections(w) : new Set([w])));
  if (parts.length === 0 || parts[0] === GAP || parts.at(-1) === GAP) throw new Error(`intent lexicon: bad phrase '${text}'`);
  return { text, parts, hasGap: parts.includes(GAP), value };
}

/** Phrases indexed by the forms of their first word, for matching at each position of a prompt. */
export class PhraseIndex<T> {
  private readonly byFirst = new Map<string, CompiledPhrase<T>[]>();

  constructor(phrases: readonly CompiledPhrase<T>[]) {
    for (const p of phrases) {
      for (const form of p.parts[0] as ReadonlySet<string>) {
        const list = this.byFirst.get(form) ?? [];
        list.push(p);
        this.byFirst.set(form, list);
      }
    }
  }

  /** The phrases that start with `word`. */
  candidates(word: string): readonly CompiledPhrase<T>[] {
    return this.byFirst.get(word) ?? [];
  }
}

/**
 * Where `phrase` ends (exclusive word index) when it matches from word `i`, else undefined. Words inside a phrase
 * must be joined by spaces or hyphens only. A gap takes the fewest words that let the rest match, and none of its
 * words may satisfy `gapBlocked` (reading.ts: a word that starts another phrase).
 */
export function matchPhrase<T>(words: readonly Word[], i: number, phrase: CompiledPhrase<T>, gapBlocked: (at: number) => boolean): number | undefined {
  const step = (part: number, at: number): number | undefined => {
    if (part === phrase.parts.length) return at;
    if (at >= words.length || (part > 0 && words[at].before !== 'space')) return undefined;
    const p = phrase.parts[part];
    if (p !== GAP) return p.has(words[at].text) ? step(part + 1, at + 1) : undefined;
    for (let skip = 0; skip <= GAP_WORDS; skip++) {
      if (skip > 0) {
        const gapWord = at + skip - 1;
        if (gapWord >= words.length || words[gapWord].before !== 'space' || gapBlocked(gapWord)) return undefined;
      }
      const end = step(part + 1, at + skip);
      if (end !== undefined) return end;
    }
    return undefined;
  };
  return step(0, i);
}
