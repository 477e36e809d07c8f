// The intent lexicon: the wording of anti-aesthetic prompts that the built-in `traits` judge reads, mapped to the
// pixel traits of traits.ts. Data only; scoring/intent/reading.ts reads prompts with it, docs/intent-judge.md is
// generated from it, and the judge's identity hashes it, so a change here re-scores every cached audit.
//
// Phrase syntax (what reading.ts matches):
// - words are lowercase and match whole prompt words; a space in a phrase matches spaces or a hyphen
//   ("washed out" matches "washed-out"), never punctuation between clauses;
// - each word also matches its simple inflections (INFLECTION below): "blur" matches blurs, blurred, blurring,
//   blurry, blurrier, blurriness; "fade" matches faded, fading; function words (FUNCTION_WORDS) match only as written;
// - British spellings are read as American ones before matching (SPELLING): "colour" is "color";
// - `…` stands for up to GAP_WORDS words of the same clause, none of which starts another lexicon phrase:
//   "no … shadow" matches "no shadows" and "no light or shadow effects" but not "no grain and sharp shadows";
// - the longest match at a position wins, so "washed out colors" (desaturation) beats "washed out" (overexposure)
//   and "no … shadow" (flat light) beats the negator "no".
// Every entry cites the taxonomy entry (taxonomy.ts) its wording names, and the trait must serve it (traits.ts
// `serves`), or, for `polish`, the category whose technical cleanliness polish stands for. A test checks both.
import type { TraitName } from './traits';

/** `asks`: the wording asks for the trait ("grainy"). `opposes`: it asks for the trait's absence ("sharp" is no
 *  blur); a negator before it turns it back into a request ("not sharp"). */
export type Sense = 'asks' | 'opposes';

export interface LexiconEntry {
  readonly trait: TraitName;
  readonly sense: Sense;
  /** The taxonomy tag (`category` or `category.subcategory`) the wording names. */
  readonly serves: string;
  readonly phrases: readonly string[];
}

/** Anti-aesthetic wording that no pixel trait measures: reported as recognised but unmatched, with why. */
export interface NonPixelEntry {
  /** The taxonomy tag the wording names, when one does. */
  readonly serves?: string;
  readonly why: string;
  readonly phrases: readonly string[];
}

export interface IntensityTier {
  readonly name: 'slight' | 'moderate' | 'heavy' | 'extreme';
  readonly weight: number;
  readonly words: readonly string[];
}

const asks = (trait: TraitName, serves: string, phrases: readonly string[]): LexiconEntry => ({ trait, sense: 'asks', serves, phrases });
const opposes = (trait: TraitName, serves: string, phrases: readonly string[]): LexiconEntry => ({ trait, sense: 'opposes', serves, phrases });

export const LEXICON: readonly LexiconEntry[] = [
  asks('blur', 'clarity_and_focus.intentional_blur', ['blur', 'blurry', 'out of focus', 'soft focus', 'unfocused', 'defocused', 'fuzzy', 'smudge', 'bokeh']),
  asks('blur', 'clarity_and_focus.bad_or_no_details', ['no … detail', 'lack … detail', 'without … detail', 'low detail', 'mushy', 'detailless']),
  opposes('blur', 'clarity_and_focus.intentional_blur', ['sharp', 'crisp', 'in focus', 'sharply focused', 'tack sharp', 'razor sharp']),
  asks('motion-blur', 'clarity_and_focus.intentional_blur', ['motion blur', 'smear', 'streak', 'camera shake', 'shaky', 'panning blur']),
  asks('motion-blur', 'clarity_and_focus.double_exposure', ['double exposure', 'ghosting', 'ghosted']),
  asks('grain', 'clarity_and_focus.film_artifacts', ['grain', 'grainy', 'film grain', 'noise', 'noisy', 'speckle', 'speckled']),
  opposes('grain', 'clarity_and_focus.film_artifacts', ['noiseless', 'grainless']),
  asks('jpeg-artifacts', 'clarity_and_focus.digital_artifacts', [
    'jpeg',
    'jpg',
    'compressed',
    'compression',
    'compression artifacts',
    'blocky',
    'blockiness',
    'macroblock',
    'macroblocking',
    'blotchy',
  ]),
  asks('pixelation', 'clarity_and_focus.digital_artifacts', ['pixelated', 'pixelation', 'pixelized', 'pixelization', 'pixely', 'jagged', 'jaggies', 'aliasing', 'aliased']),
  asks('pixelation', 'clarity_and_focus.analog_degradation', ['low resolution', 'low res', 'lo res']),
  asks('overexposure', 'lighting_and_exposure.exposure_extremes', [
    'overexposed',
    'overexposure',
    'over exposed',
    'over exposure',
    'blown out',
    'blown highlights',
    'washed out',
    'too bright',
    'bleached',
    'glare',
    'glaring',
  ]),
  asks('overexposure', 'lighting_and_exposure.light_leak', ['light leak']),
  asks('overexposure', 'lighting_and_exposure.harsh_or_insufficient_flash', ['harsh flash', 'direct flash', 'on camera flash', 'flash photography']),
  opposes('overexposure', 'lighting_and_exposure.exposure_extremes', ['well exposed']),
  asks('underexposure', 'lighting_and_exposure.exposure_extremes', [
    'underexposed',
    'underexposure',
    'under exposed',
    'under exposure',
    'dim',
    'dimly lit',
    'dark',
    'darkness',
    'darkened',
    'murky',
    'barely visible',
    'hardly visible',
    'nearly invisible',
    'shadows',
    'shadowy',
    'in shadow',
    'gloom',
    'gloomy',
    'pitch black',
    'unlit',
    'poorly lit',
    'low light',
    'too dark',
    'crushed shadows',
    'crushed blacks',
  ]),
  asks('underexposure', 'lighting_and_exposure.harsh_or_insufficient_flash', ['insufficient flash', 'weak flash']),
  opposes('underexposure', 'lighting_and_exposure.exposure_extremes', ['well exposed', 'well lit', 'brightly lit']),
  asks('low-contrast', 'lighting_and_exposure.low_contrast_oppressive', [
    'low contrast',
    'lack … contrast',
    'no … contrast',
    'without … contrast',
    'muddy',
    'hazy',
    'haze',
    'foggy',
    'fog',
    'milky',
  ]),
  asks('low-contrast', 'lighting_and_exposure.flat_lighting', [
    'flat',
    'flat lighting',
    'dull',
    'shadowless',
    'no … shadow',
    'lack … shadow',
    'without … shadow',
    'no … highlights',
  ]),
  opposes('low-contrast', 'lighting_and_exposure.low_contrast_oppressive', ['high contrast', 'contrasty', 'harsh shadows', 'hard shadows', 'sharp shadows', 'punchy']),
  asks('desaturation', 'color_and_tone.muted_faded', [
    'desaturated',
    'desaturation',
    'faded',
    'fade',
    'muted',
    'washed out color',
    'washed out tones',
    'dull color',
    'drained of color',
    'colorless',
    'no … color',
    'lack … color',
    'without … color',
    'pale',
    'black and white',
    'grayscale',
    'monochrome',
  ]),
  opposes('desaturation', 'color_and_tone.muted_faded', ['vivid', 'vibrant']),
  asks('oversaturation', 'color_and_tone.clashing_disharmony', [
    'garish',
    'oversaturated',
    'over saturated',
    'oversaturation',
    'saturated',
    'neon',
    'clashing',
    'clashing color',
    'gaudy',
    'lurid',
    'toxic color',
    'psychedelic',
  ]),
  asks('color-cast', 'color_and_tone.sickly_cast', [
    'color cast',
    'sickly',
    'sickly green',
    'sickly yellow',
    'green cast',
    'yellow cast',
    'magenta cast',
    'tint',
    'tinted',
    'sodium vapor',
    'sodium light',
  ]),
  asks('color-cast', 'color_and_tone.color_inconsistency', ['wrong white balance', 'bad white balance', 'off white balance']),
  asks('chromatic-aberration', 'color_and_tone.chromatic_aberration', [
    'chromatic aberration',
    'color fringing',
    'color fringe',
    'fringing',
    'purple fringing',
    'rgb split',
    'channel split',
  ]),
  asks('tilt', 'composition_and_structure.unconventional_framing', [
    'tilt',
    'tilted',
    'askew',
    'crooked',
    'off level',
    'off kilter',
    'slanted',
    'skew',
    'skewed',
    'dutch angle',
    'canted',
    'wonky',
  ]),
  opposes('tilt', 'composition_and_structure.unconventional_framing', ['level horizon', 'straight horizon', 'perfectly level']),
  asks('vignette', 'clarity_and_focus.analog_degradation', ['vignette', 'vignetting', 'vignetted', 'dark corners', 'darkened corners', 'dark edges']),
  asks('posterization', 'clarity_and_focus.digital_artifacts', [
    'posterized',
    'posterization',
    'posterize',
    'banding',
    'color banding',
    'banded',
    'quantized',
  ]),
  asks('clutter', 'composition_and_structure.amateur_snapshot_energy', ['cluttered', 'clutter', 'busy composition', 'busy frame', 'busy background', 'crowded frame']),
  // "Low quality" names the absence of conventional polish itself: sharpness, cleanliness, exposure, contrast.
  opposes('polish', 'clarity_and_focus', ['low quality', 'poor quality', 'bad quality', 'lo fi', 'lofi', 'unpolished', 'degraded']),
];

const MODEL_JUDGE = 'a model judge (clip) can judge it';

export const NON_PIXEL: readonly NonPixelEntry[] = [
  {
    serves: 'emotion_and_subject.atmospheric_distress',
    why: `a mood: no pixel statistic measures it; ${MODEL_JUDGE}`,
    phrases: ['unsettling', 'eerie', 'creepy', 'ominous', 'dread', 'menacing', 'uneasy', 'unease', 'disturbing', 'haunting', 'oppressive', 'bleak', 'melancholy', 'melancholic', 'depressing', 'foreboding'],
  },
  {
    serves: 'emotion_and_subject.negative_personal_emotion',
    why: `an emotion of the subject: no pixel statistic measures it; ${MODEL_JUDGE}`,
    phrases: ['sad', 'sadness', 'angry', 'anger', 'fear', 'fearful', 'afraid', 'crying', 'tears', 'distressed', 'despair', 'grief', 'anguish', 'screaming', 'frowning'],
  },
  {
    serves: 'emotion_and_subject.decay_and_degradation',
    why: `subject matter (what is shown, not how it is rendered); ${MODEL_JUDGE}`,
    phrases: ['decay', 'decayed', 'decaying', 'rusty', 'rusted', 'ruined', 'ruins', 'dilapidated', 'abandoned', 'crumbling', 'dirty', 'grimy', 'neglected', 'weathered', 'peeling', 'stained'],
  },
  {
    serves: 'emotion_and_subject.disgust_and_aversion',
    why: `subject matter meant to repel; ${MODEL_JUDGE}`,
    phrases: ['rot', 'rotten', 'rotting', 'filth', 'filthy', 'repulsive', 'disgusting', 'gross', 'moldy', 'slimy', 'grotesque'],
  },
  {
    serves: 'emotion_and_subject.unfinished_raw',
    why: `a way of making (sketchy, incomplete): no single pixel trait measures it; ${MODEL_JUDGE}`,
    phrases: ['unfinished', 'sketchy', 'rough', 'raw', 'incomplete', 'fragmented', 'half finished', 'crude', 'broken'],
  },
  {
    serves: 'emotion_and_subject.abstract_photo',
    why: `abstraction withholds a recognisable subject, which only a model can tell; ${MODEL_JUDGE}`,
    phrases: ['abstract', 'unrecognizable', 'formless'],
  },
  {
    serves: 'emotion_and_subject.surrealism',
    why: `dream logic is about content; ${MODEL_JUDGE}`,
    phrases: ['surreal', 'dreamlike', 'uncanny', 'bizarre', 'irrational'],
  },
  {
    serves: 'composition_and_structure.obstructed_cropping',
    why: 'where the subject sits or what hides it: the pixel traits read the whole frame, not the subject',
    phrases: ['cropped', 'awkward cropping', 'cut off', 'obstructed', 'partially hidden', 'hidden', 'obscured', 'off center', 'awkward framing'],
  },
  {
    serves: 'composition_and_structure.unconventional_scale',
    why: "the subject's size in the frame: the pixel traits do not find the subject",
    phrases: ['tiny', 'peripheral', 'unnoticeable', 'barely noticeable', 'miniature', 'miniaturized', 'far away'],
  },
  {
    serves: 'composition_and_structure.scale_inconsistency',
    why: 'relative sizes of objects: needs to know what the objects are',
    phrases: ['mismatched proportions', 'distorted proportions', 'wrong proportions', 'odd proportions', 'out of scale', 'misaligned'],
  },
  {
    serves: 'composition_and_structure.amateur_snapshot_energy',
    why: 'a style mixing tilt, cropping and timing; tilt and clutter each measure only a part of it',
    phrases: ['amateur', 'amateurish', 'snapshot', 'careless', 'awkward timing'],
  },
  {
    serves: 'clarity_and_focus.analog_degradation',
    why: 'a mixture (scan lines, tracking errors, colour bleed); grain, pixelation and vignette each measure only a part of it',
    phrases: ['vhs', 'scanlines', 'scan lines', 'tracking errors', 'retro'],
  },
  {
    serves: 'clarity_and_focus.digital_artifacts',
    why: 'a glitch takes many forms (datamoshing, pixel sorting, tearing); no one trait measures them all',
    phrases: ['glitch', 'glitchy', 'datamosh', 'datamoshing'],
  },
  {
    why: 'geometric or semantic distortion (warping, broken forms): no pixel trait measures it',
    phrases: ['distorted', 'distortion', 'warped', 'twisted', 'deformed'],
  },
  {
    why: 'says that detail is lost, not how (blur, darkness, noise or a small subject)',
    phrases: ['indistinct', 'indiscernible', 'undefined', 'invisible', 'unclear', 'illegible', 'vague'],
  },
  {
    why: 'names a lighting fault without saying which (dark, flat or harsh)',
    phrases: ['poor lighting', 'bad lighting', 'unnatural lighting', 'harsh lighting', 'strange lighting'],
  },
  {
    why: `a judgement of taste or realism, not a property of pixels; ${MODEL_JUDGE}, or a reward model`,
    phrases: ['ugly', 'unattractive', 'unappealing', 'unpleasant', 'disharmonious', 'discord', 'poorly rendered', 'inauthentic', 'unrealistic', 'unreal', 'unnatural', 'chaotic', 'messy', 'mess'],
  },
];

/** Intensity words set a request's weight. The nearest one within INTENSITY_REACH words before the phrase counts. */
export const INTENSITY: readonly IntensityTier[] = [
  {
    name: 'slight',
    weight: 0.5,
    words: ['slight', 'slightly', 'subtle', 'subtly', 'faint', 'faintly', 'mild', 'mildly', 'gentle', 'gently', 'a bit of', 'a little', 'somewhat', 'minor', 'hint of', 'barely'],
  },
  { name: 'moderate', weight: 1, words: ['moderate', 'moderately', 'medium', 'noticeable', 'noticeably'] },
  {
    name: 'heavy',
    weight: 1.5,
    words: ['heavy', 'heavily', 'strong', 'strongly', 'very', 'intense', 'intensely', 'severe', 'severely', 'thick', 'deep', 'deeply', 'pronounced', 'significant', 'considerable', 'lots of', 'obvious', 'harsh'],
  },
  {
    name: 'extreme',
    weight: 2,
    words: ['extreme', 'extremely', 'completely', 'totally', 'utterly', 'entirely', 'overwhelming', 'overwhelmingly', 'massive', 'maximum', 'maximal'],
  },
];

/** The weight of a phrase with no intensity word: the moderate tier's. */
export const DEFAULT_WEIGHT = 1;

/** Words that negate the first lexicon phrase that starts within NEGATION_SCOPE words after them in the same
 *  clause, and the phrases joined to it by a coordinator ("no grain or blur"). */
export const NEGATORS: readonly string[] = [
  'no',
  'not',
  'neither',
  'without',
  'free of',
  'never',
  'lack',
  'lacking',
  'lacks',
  'zero',
  'nor',
  'none',
  'nothing',
  'avoid',
  'avoiding',
  "isn't",
  "aren't",
  "wasn't",
  "doesn't",
  "don't",
  'non',
];

/** A word after a phrase, joined by a hyphen, that negates it: "noise-free". */
export const POSTFIX_NEGATORS: readonly string[] = ['free'];

/** Words that end a clause as punctuation does: a negation or intensity does not reach past them. */
export const CLAUSE_BREAKS: readonly string[] = ['but', 'yet', 'while', 'though', 'although', 'with', 'instead', 'except', 'whereas'];

/** Words that join two phrases under one negation or intensity word: "heavy blur and noise" is heavy noise too,
 *  "no grain or blur" is no blur too. Only a phrase right after the coordinator is joined, and a negation passes
 *  only to an `asks` phrase: in "no grain and sharp edges" the edges are meant sharp. */
export const COORDINATORS: readonly string[] = ['and', 'or'];

/** How many words after a negator its negation reaches. */
export const NEGATION_SCOPE = 4;
/** How many words before a phrase an intensity word may stand ("heavy film grain": 1 word between). */
export const INTENSITY_REACH = 2;
/** How many words the `…` of a phrase stands for at most. */
export const GAP_WORDS = 3;

/** Words that match only as written, never inflected. */
export const FUNCTION_WORDS: readonly string[] = ['a', 'and', 'any', 'in', 'no', 'not', 'of', 'off', 'on', 'or', 'out', 'the', 'to', 'too', 'with', 'without', 'over', 'under', 'lo', 'low', 'high', 'well', 'black', 'white'];

/** British spellings read as American before matching: a prompt word starting with the key starts with the value. */
export const SPELLING: Readonly<Record<string, string>> = {
  colour: 'color',
  grey: 'gray',
  centre: 'center',
  artefact: 'artifact',
  posteris: 'posteriz',
  pixellat: 'pixelat',
  pixelis: 'pixeliz',
  quantis: 'quantiz',
  recognis: 'recogniz',
  miniaturis: 'miniaturiz',
  mould: 'mold',
  vapour: 'vapor',
  defocuss: 'defocus',
  unfocuss: 'unfocus',
};

/** Suffixes every content word may take, and the rules for the stem (documented in docs/intent-judge.md). */
export const INFLECTION = {
  suffixes: ['s', 'es', 'ed', 'ing', 'y', 'ly', 'er', 'est', 'ness'],
  /** A final e is dropped before a vowel suffix: fade -> faded, fading. */
  dropE: ['ed', 'ing', 'y', 'er', 'est'],
  /** A final consonant-y becomes i before these: grainy -> grainier, graininess. */
  yToI: ['es', 'ed', 'er', 'est', 'ly', 'ness'],
  /** A final consonant-vowel-consonant doubles before these: blur -> blurred, blurry; dim -> dimmed. */
  double: ['ed', 'ing', 'y', 'er', 'est'],
} as const;

/** What a dataset prompt calls each trait, after an intensity word: "a photo with heavy film grain". Every phrase
 *  here reads back as exactly its trait (a test checks it). */
export const PROMPT_PHRASES: Readonly<Partial<Record<TraitName, string>>> = {
  tilt: 'tilt',
  blur: 'blur',
  'motion-blur': 'motion blur',
  'chromatic-aberration': 'chromatic aberration',
  vignette: 'vignetting',
  overexposure: 'overexposure',
  underexposure: 'underexposure',
  'low-contrast': 'low contrast',
  desaturation: 'desaturation',
  oversaturation: 'oversaturation',
  'color-cast': 'sickly green color cast',
  grain: 'film grain',
  posterization: 'posterization',
  pixelation: 'pixelation',
  'jpeg-artifacts': 'JPEG compression artifacts',
};

/** Everything above in one value: the judge's identity hashes it, so any change here changes the identity. */
export const LEXICON_DATA = {
  LEXICON,
  NON_PIXEL,
  INTENSITY,
  DEFAULT_WEIGHT,
  NEGATORS,
  POSTFIX_NEGATORS,
  CLAUSE_BREAKS,
  COORDINATORS,
  NEGATION_SCOPE,
  INTENSITY_REACH,
  GAP_WORDS,
  FUNCTION_WORDS,
  SPELLING,
  INFLECTION,
} as const;
