// The anti-aesthetic taxonomy of "Universal Aesthetic Alignment Narrows Artistic Expression" (ICML 2026).
// Test tags are validated against it, and hover shows the paper's description.

export interface TaxonomyCategory {
  readonly name: string;
  readonly description: string;
  readonly subcategories: Readonly<Record<string, string>>;
}

export const TAXONOMY: readonly TaxonomyCategory[] = [
  {
    name: 'clarity_and_focus',
    description: 'Deliberate loss of sharpness, detail or technical cleanliness.',
    subcategories: {
      intentional_blur: 'Deliberate softening through motion, shallow depth of field or soft focus.',
      double_exposure: 'Overlapping exposures that blend scenes into ghosted, layered subjects.',
      film_artifacts: 'Heavy grain, noise and surface texture of analog film.',
      analog_degradation: 'VHS-style decay, scanlines, tracking errors and low-resolution retro looks.',
      digital_artifacts: 'Compression errors, datamoshing, aliasing or ghosting as expressive elements.',
      bad_or_no_details: 'Smeared, mushy or absent textures where detail dissolves into ambiguity.',
    },
  },
  {
    name: 'color_and_tone',
    description: 'Colour that refuses harmony: clashing, faded, tinted or inconsistent.',
    subcategories: {
      clashing_disharmony: 'Aggressively conflicting palettes, toxic neon combinations.',
      chromatic_aberration: 'Colour fringing from misaligned channels.',
      muted_faded: 'Washed-out, desaturated, faded colour.',
      sickly_cast: 'An unhealthy overall tint: green, yellow, magenta.',
      color_inconsistency: 'Colour that varies implausibly across the frame.',
    },
  },
  {
    name: 'lighting_and_exposure',
    description: 'Light that is too much, too little, flat or harsh.',
    subcategories: {
      exposure_extremes: 'Blown-out highlights or crushed, underexposed shadows.',
      light_leak: 'Stray light, flares and leaks across the frame.',
      flat_lighting: 'Shadowless, even, dull light.',
      harsh_or_insufficient_flash: 'On-camera flash glare, or too little light.',
      low_contrast_oppressive: 'Murky, low-contrast, oppressive tone.',
    },
  },
  {
    name: 'composition_and_structure',
    description: 'Framing and structure that break conventional composition.',
    subcategories: {
      unconventional_framing: 'Tilted, off-centre or awkward framing.',
      obstructed_cropping: 'Subjects cut off or hidden behind obstructions.',
      scale_inconsistency: 'Objects at implausible relative scales.',
      unconventional_scale: 'Subjects unusually tiny or huge in the frame.',
      amateur_snapshot_energy: 'The careless look of a casual snapshot.',
    },
  },
  {
    name: 'emotion_and_subject',
    description: 'Subjects and moods that are uncomfortable, unfinished or strange.',
    subcategories: {
      negative_personal_emotion: 'Sadness, anger, fear or despair in the subject.',
      atmospheric_distress: 'An unsettling, distressing atmosphere.',
      decay_and_degradation: 'Rot, ruin, rust and decay.',
      disgust_and_aversion: 'Subjects meant to repel.',
      unfinished_raw: 'Sketchy, unfinished, raw execution.',
      abstract_photo: 'Abstraction that withholds a recognisable subject.',
      surrealism: 'Dream logic and impossible scenes.',
    },
  },
];

/** Every valid tag: each category and each `category.subcategory`. */
export const TAXONOMY_TAGS: readonly string[] = TAXONOMY.flatMap((c) => [
  c.name,
  ...Object.keys(c.subcategories).map((s) => `${c.name}.${s}`),
]);

const TAG_SET = new Set(TAXONOMY_TAGS);

export function isTaxonomyTag(tag: string): boolean {
  return TAG_SET.has(tag);
}

export function describeTag(tag: string): string | undefined {
  const [cat, sub] = tag.split('.', 2);
  const category = TAXONOMY.find((c) => c.name === cat);
  if (!category) return undefined;
  if (sub === undefined) return category.description;
  return category.subcategories[sub];
}
