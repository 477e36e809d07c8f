// docs/intent-judge.md, generated from the lexicon data (catalogue/intentLexicon.ts) and the rule constants, so
// the document cannot drift from what the judge does. A test keeps the committed file equal to this output.
import {
  CLAUSE_BREAKS,
  COORDINATORS,
  DEFAULT_WEIGHT,
  FUNCTION_WORDS,
  GAP_WORDS,
  INFLECTION,
  INTENSITY,
  INTENSITY_REACH,
  LEXICON,
  NEGATION_SCOPE,
  NEGATORS,
  NON_PIXEL,
  POSTFIX_NEGATORS,
  PROMPT_PHRASES,
  SPELLING,
} from '../../catalogue/intentLexicon';
import { TAXONOMY } from '../../catalogue/taxonomy';
import { TRAITS } from '../../catalogue/traits';
import { INTENT_JUDGE_NAME, lexiconHash } from './judge';
import { INTENT_RULE_VERSION } from './score';

const code = (s: string) => '`' + s + '`';
const list = (xs: readonly string[]) => xs.map(code).join(', ');

export function intentJudgeMarkdown(): string {
  return [...intro(), ...readingRules(), ...scoringRule(), ...lexiconTables(), ...coverage(), ...measured(), ...limits()].join('\n');
}

function intro(): string[] {
  return [
    '# The intent judge `traits`',
    '',
    '<!-- Generated from server/src/catalogue/intentLexicon.ts and server/src/scoring/intent/*.ts by `npm run docs`. Do not edit by hand. -->',
    '',
    `A judge named \`${INTENT_JUDGE_NAME}\` that needs no downloaded weights. It reads an anti-aesthetic prompt, maps its`,
    "wording to Wabi's pixel traits ([traits.md](traits.md)) with the lexicon below, and scores an image by how strongly",
    'it shows the traits the prompt asks for, minus how strongly it shows those the prompt asks against. An audit',
    'uses it like any judge: the faithful image of a pair should score above the polished one.',
    '',
    'Every lexicon entry cites the entry of the paper\'s taxonomy its wording names, and its trait serves that entry in',
    'the trait catalogue. Wording that is anti-aesthetic but that no pixel trait measures (moods, subjects, where the',
    'subject sits) is recognised and reported as *not measured*, with the reason, instead of being ignored.',
    '',
  ];
}

function readingRules(): string[] {
  const tiers = INTENSITY.map((t) => `| ${t.name} | ${t.weight} | ${list(t.words)} |`);
  return [
    '## How a prompt is read',
    '',
    '- **Words.** The prompt is split into words; case is ignored and British spellings are read as American ones',
    `  (${Object.entries(SPELLING).map(([b, a]) => `${code(b)} as ${code(a)}`).join(', ')}: a word starting with the first is read as starting with the second).`,
    '- **Phrases** match whole words. A space in a phrase matches spaces or a hyphen (`washed out` matches',
    '  "washed-out"), never punctuation. `…` in a phrase stands for up to ' + GAP_WORDS + ' words of the same clause, none of which',
    '  starts another phrase, and the phrase may not end on a word that starts a longer one (`no … shadow` matches "no',
    '  light or shadow effects"; "no color cast" is a negated cast, not `no … color`).',
    `- **Inflections.** Each word of a phrase also matches itself plus ${list(INFLECTION.suffixes)}; a final e is dropped`,
    `  before ${list(INFLECTION.dropE)} (fade: faded, fading); a final consonant + y becomes i before ${list(INFLECTION.yToI)}`,
    `  (grainy: grainier, graininess); a final consonant-vowel-consonant doubles before ${list(INFLECTION.double)} (blur:`,
    `  blurred, blurry; dim: dimmed). These words match only as written: ${list(FUNCTION_WORDS)}.`,
    '- **Longest match first.** At each word the longest match wins among a lexicon phrase, a negator and an intensity',
    '  word, so `washed out color` (desaturation) beats `washed out` (overexposure), and `no … shadow` beats the',
    '  negator `no`. When one wording is in two entries of the same length, both apply.',
    `- **Negation.** A negator negates the first phrase that starts within ${NEGATION_SCOPE} words after it in the same clause:`,
    `  ${list(NEGATORS)}. A hyphenated ${list(POSTFIX_NEGATORS.map((p) => '-' + p))} after a phrase negates it ("noise-free").`,
    '  A negated `asks` phrase asks for the trait\'s absence; an `opposes` phrase ("sharp") asks for its absence by',
    '  itself, and a negated one ("not sharp") asks for the trait.',
    `- **Intensity.** The nearest intensity word at most ${INTENSITY_REACH} words before a phrase sets its weight; without one the`,
    `  weight is ${DEFAULT_WEIGHT}.`,
    `- **Coordination.** ${list(COORDINATORS)} right before a phrase passes the previous phrase's negator and intensity on:`,
    '  "heavy blur and noise" is heavy noise too, "no grain or blur" is no blur too.',
    `- **Clauses.** Punctuation (, ; : . ! ? brackets, dashes) and the words ${list(CLAUSE_BREAKS)} end a negation and an`,
    '  intensity: in "without blur, with heavy grain" only blur is negated. So does the comma of a list: "free of',
    '  noise, grain and blur" negates only noise.',
    '- **Per trait.** A trait mentioned several times keeps its largest weight. A trait both asked for and against',
    '  ("sharp subject, blurry background") is a *conflict*, reported and not scored: it is most often about two',
    '  regions, which a whole-frame judge cannot tell apart.',
    '',
    '| intensity | weight | words |',
    '| --- | --- | --- |',
    ...tiers,
    '',
  ];
}

function scoringRule(): string[] {
  return [
    `## The scoring rule (v${INTENT_RULE_VERSION})`,
    '',
    '```',
    'score = sum(w_i s_i) / sum(w_i) over the traits asked for  -  sum(w_j s_j) / sum(w_j) over the traits asked against',
    '```',
    '',
    "`s` is a trait's calibrated score (0..1) on the image, `w` its weight from the prompt. Each side is a weighted mean",
    'in 0..1, so the score lies in **-1..1**: 0..1 when the prompt only asks for traits, -1..0 when it only asks',
    'against them. A prompt that asks for no measurable trait gets no score (the judge *abstains*; an audit reports',
    'it), and no image is read.',
    '',
    'Why a weighted mean: an image that shows some of what was asked scores above one that shows none of it (a',
    'minimum or a product would call both 0, and a generator that delivers the grain but not the blur deserves',
    'credit); a trait the analysers read poorly on one image moves the score only by its share; means rather than',
    'sums keep a prompt that names six traits on the scale of one that names one; and a negation counts as much as a',
    'request. The judge\'s `identity` (its cache key) holds this rule\'s version, a hash of the lexicon data and the',
    'trait analysers\' version, so changing any of them re-scores cached audits.',
    '',
  ];
}

function lexiconTables(): string[] {
  const rows = LEXICON.map((e) => `| ${code(e.trait)} | ${e.sense} | ${list(e.phrases)} | ${code(e.serves)} |`);
  const other = NON_PIXEL.map((e) => `| ${list(e.phrases)} | ${e.why} | ${e.serves ? code(e.serves) : '-'} |`);
  const prompts = Object.entries(PROMPT_PHRASES).map(([t, p]) => `| ${code(t)} | ${p} |`);
  return [
    '## The lexicon',
    '',
    '| trait | sense | phrases | taxonomy entry |',
    '| --- | --- | --- | --- |',
    ...rows,
    '',
    '`polish` is the composite of conventional polish (sharp, clean, well exposed, contrasty, colourful); "low quality"',
    'names its absence, so it opposes polish, and it cites the `clarity_and_focus` category, whose subject is technical',
    'cleanliness.',
    '',
    '## Recognised wording that no pixel trait measures',
    '',
    'Reported per prompt as *not measured*, with the reason; it does not change the score.',
    '',
    '| phrases | why | taxonomy entry |',
    '| --- | --- | --- |',
    ...other,
    '',
    '## Dataset prompts',
    '',
    '`wabi dataset build` ([datasets.md](datasets.md)) writes each variant\'s prompt as "SUBJECT with INTENSITY PHRASE",',
    'with the phrase below; every one reads back as exactly its trait.',
    '',
    '| trait | phrase |',
    '| --- | --- |',
    ...prompts,
    '',
  ];
}

function coverage(): string[] {
  const lines = ['## Taxonomy coverage', '', 'Which taxonomy entries the lexicon can measure, and which need a model judge.', ''];
  for (const c of TAXONOMY) {
    for (const sub of Object.keys(c.subcategories)) {
      const tag = `${c.name}.${sub}`;
      const traits = [...new Set(LEXICON.filter((e) => e.serves === tag).map((e) => e.trait))];
      const catalogue = TRAITS.filter((t) => t.serves.includes(tag)).map((t) => t.name);
      const text = traits.length
        ? `measured by ${list(traits)}`
        : catalogue.length
          ? `no wording mapped yet; traits serving it: ${list(catalogue)}`
          : 'needs a model judge (no pixel trait serves it)';
      lines.push(`- ${code(tag)}: ${text}`);
    }
  }
  lines.push('');
  return lines;
}

/** What bench/audit/intent-paper-pairs.mjs measured, and at which lexicon: rerun it and update this after changing
 *  the lexicon or the rule (the generated doc says so while the hash differs). */
const MEASURED = { lexicon: '93b1d3f062bfe5ac', rule: 1, right: 11, n: 12, abstained: 0, ties: 1, blindRight: 8, low: 65, high: 99 };

function measured(): string[] {
  const m = MEASURED;
  const pct = (k: number) => `${Math.round((100 * k) / m.n)}%`;
  const stale = m.lexicon !== lexiconHash() || m.rule !== INTENT_RULE_VERSION;
  return [
    "## Accuracy on the paper's pairs",
    '',
    "On the paper's 12 generated pairs (faithful: the image made from the anti-aesthetic prompt; polished: the one made",
    'from the plain prompt; prompt: the anti-aesthetic one), `npm run bench:intent` measured, with rule',
    `v${m.rule} and lexicon \`${m.lexicon}\`${stale ? ' (**the lexicon or the rule has changed since: rerun it**)' : ''}:`,
    '',
    '| judge | accuracy | source |',
    '| --- | --- | --- |',
    ...PAPER_FIGURES.map(([judge, accuracy]) => `| ${judge} | ${accuracy}% | the paper |`),
    `| \`traits\` | ${pct(m.right)} (${m.right} of ${m.n}; ${m.abstained} abstained, ${m.ties} tied) | this judge |`,
    `| 1 - polish, prompt-blind | ${pct(m.blindRight)} (${m.blindRight} of ${m.n}) | the same trait scores, ignoring the prompt |`,
    '',
    `Twelve pairs make a wide interval (Wilson 95%: ${m.low}% to ${m.high}%), and several wins are by small margins (0.03`,
    'against 0). The lexicon was written with these twelve prompts in view, so they are not a held-out test of it; a',
    'dataset that `wabi dataset build` makes from other photographs is ([datasets.md](datasets.md)).',
    '',
  ];
}

/** The paper's accuracy (%) of each reward model and encoder at picking the anti-aesthetic image. */
const PAPER_FIGURES: ReadonlyArray<readonly [string, number]> = [
  ['HPSv3', 38],
  ['HPSv2.1', 57],
  ['ImageReward', 76],
  ['PickScore', 85],
  ['CLIP-L', 91],
  ['BLIP', 97],
];

function limits(): string[] {
  return [
    '## Limits',
    '',
    '- **Emotion and subject need a model judge.** Moods ("eerie"), emotions, decay, disgust, surrealism, abstraction',
    '  and the unfinished are about what is shown, not how the pixels behave; so are the subject\'s size and place in',
    '  the frame ("tiny, peripheral", "awkward cropping") and semantic distortion ("warped", "mismatched proportions").',
    '  The judge reports such wording and abstains on a prompt that has nothing else; a clip judge can score it.',
    '- **It judges the whole frame.** "A blurry background" asks for blur in one region; the trait analysers read the',
    '  whole image, so a sharp subject on a blurred background scores as partly blurred, and "sharp subject, blurry',
    '  background" is a conflict that is not scored.',
    '- **Intensity is a weight, not a target.** Under "slight grain" a heavily grainy image still scores higher than a',
    '  slightly grainy one; the judge ranks by how much of the asked traits an image shows.',
    '- **Words, not grammar.** The reader knows phrases, negators, intensity words and clause punctuation, not syntax:',
    '  "dark" in "a dark coat" reads as underexposure, a negation does not reach past a comma, and wording outside the',
    '  lexicon is silently part of the subject. `explain` shows what was read.',
    '- **A trait score of 0 on both images is a tie**, counted as a miss by an audit: several analysers stay at 0 until',
    '  an effect is clearly visible, so subtle differences between two images can go unseen.',
    '',
  ];
}
