// The product-wide trait vocabulary. The language server, the CLI, the docs and (later) the scorers all read
// this one table, so a trait's name, meaning and paper categories are said exactly once.

export type TraitName =
  | 'blur'
  | 'motion-blur'
  | 'grain'
  | 'jpeg-artifacts'
  | 'pixelation'
  | 'overexposure'
  | 'underexposure'
  | 'low-contrast'
  | 'desaturation'
  | 'oversaturation'
  | 'color-cast'
  | 'chromatic-aberration'
  | 'tilt'
  | 'vignette'
  | 'posterization'
  | 'clutter'
  | 'polish';

export interface TraitInfo {
  readonly name: TraitName;
  /** One line: what a high score means. */
  readonly meaning: string;
  /** How the raw measure is computed (the published measure it follows). */
  readonly measure: string;
  /** Unit of the raw measure before calibration to 0..1. */
  readonly rawUnit: string;
  /** Paper taxonomy entries (`category.subcategory`) this trait serves. */
  readonly serves: readonly string[];
  /** True for the one composite trait that stands for conventional polish rather than an anti-aesthetic. */
  readonly composite?: boolean;
}

const t = (info: TraitInfo): TraitInfo => info;

export const TRAITS: readonly TraitInfo[] = [
  t({
    name: 'blur',
    meaning: 'The image is soft or out of focus overall.',
    measure: 'Variance of the Laplacian of luminance at a fixed 512 px working resolution, combined with mean edge width.',
    rawUnit: 'Laplacian variance (8-bit luminance units squared)',
    serves: ['clarity_and_focus.intentional_blur', 'clarity_and_focus.bad_or_no_details'],
  }),
  t({
    name: 'motion-blur',
    meaning: 'Detail is smeared along one direction, as by camera or subject motion.',
    measure: 'Anisotropy of gradient energy: 1 - smaller / larger generalised eigenvalue of the fine (512 px) against the coarse (64 px) structure tensor, times how little fine detail is left along the softest direction.',
    rawUnit: 'anisotropy ratio (0..1)',
    serves: ['clarity_and_focus.intentional_blur', 'clarity_and_focus.double_exposure'],
  }),
  t({
    name: 'grain',
    meaning: 'Visible noise or film grain over the frame.',
    measure: "Immerkaer's fast noise-variance estimate: sigma from the absolute response to a Laplacian-difference mask.",
    rawUnit: 'noise sigma (8-bit luminance units)',
    serves: ['clarity_and_focus.film_artifacts', 'clarity_and_focus.analog_degradation'],
  }),
  t({
    name: 'jpeg-artifacts',
    meaning: 'Blocky 8x8 compression artefacts.',
    measure: 'Wang-Sheikh-Bovik blockiness: mean absolute difference across 8-pixel block boundaries against within blocks.',
    rawUnit: 'boundary / interior difference ratio',
    serves: ['clarity_and_focus.digital_artifacts'],
  }),
  t({
    name: 'pixelation',
    meaning: 'The image is made of visibly enlarged square pixels.',
    measure: 'Effective cell size: how much the luma difference profiles concentrate on grid lines, sum(D^2) / sum(D * local mean of D), the smaller of the two axes.',
    rawUnit: 'effective cell size (native pixels; about 1 when not pixelated)',
    serves: ['clarity_and_focus.digital_artifacts', 'clarity_and_focus.analog_degradation', 'clarity_and_focus.bad_or_no_details'],
  }),
  t({
    name: 'overexposure',
    meaning: 'Blown-out highlights; the image is too bright.',
    measure: 'Fraction of clipped highlight areas (4x4 blocks with mean luma >= 245) combined with mean luminance above mid-grey.',
    rawUnit: 'clipped-highlight fraction (0..1)',
    serves: ['lighting_and_exposure.exposure_extremes', 'lighting_and_exposure.harsh_or_insufficient_flash', 'lighting_and_exposure.light_leak'],
  }),
  t({
    name: 'underexposure',
    meaning: 'Crushed shadows; the image is too dark.',
    measure: 'Fraction of clipped shadow areas (4x4 blocks with mean luma <= 10) combined with mean luminance below mid-grey.',
    rawUnit: 'clipped-shadow fraction (0..1)',
    serves: ['lighting_and_exposure.exposure_extremes', 'lighting_and_exposure.harsh_or_insufficient_flash'],
  }),
  t({
    name: 'low-contrast',
    meaning: 'Flat, murky tones with little separation between light and dark.',
    measure: 'RMS contrast: standard deviation of luminance (0..1 scale).',
    rawUnit: 'RMS contrast (0..0.5)',
    serves: ['lighting_and_exposure.low_contrast_oppressive', 'lighting_and_exposure.flat_lighting', 'color_and_tone.muted_faded'],
  }),
  t({
    name: 'desaturation',
    meaning: 'Muted, washed-out or nearly grey colours.',
    measure: 'Mean HSV saturation weighted by value, sum(max - min) / sum(max) over 4x4 block means of RGB.',
    rawUnit: 'mean saturation (0..1)',
    serves: ['color_and_tone.muted_faded'],
  }),
  t({
    name: 'oversaturation',
    meaning: 'Garish, clashing, over-saturated colours.',
    measure: 'Hasler-Suesstrunk colourfulness M = sigma_rgyb + 0.3 mu_rgyb.',
    rawUnit: 'colourfulness M',
    serves: ['color_and_tone.clashing_disharmony'],
  }),
  t({
    name: 'color-cast',
    meaning: 'A sickly overall tint (green, magenta, yellow...).',
    measure: 'Offset of the opponent channels a*/b* in CIELAB from neutral, for the scene white estimated by Shades of Gray (Minkowski p = 6 mean of linear RGB).',
    rawUnit: 'chroma offset (CIELAB units)',
    serves: ['color_and_tone.sickly_cast', 'color_and_tone.color_inconsistency'],
  }),
  t({
    name: 'chromatic-aberration',
    meaning: 'Colour fringes at edges where the red and blue channels are misregistered.',
    measure: 'Misregistration of red and blue edges relative to green, from edge-correlation at sub-pixel shifts.',
    rawUnit: 'misregistration (pixels at 512 px)',
    serves: ['color_and_tone.chromatic_aberration'],
  }),
  t({
    name: 'tilt',
    meaning: 'The horizon or dominant lines are visibly off level.',
    measure: 'Dominant line angle away from level or plumb: the angle of the gradient-energy-weighted sum of (cos 4θ, sin 4θ), gated by how coherent the lines are.',
    rawUnit: 'degrees off level (0..45)',
    serves: ['composition_and_structure.unconventional_framing', 'composition_and_structure.amateur_snapshot_energy'],
  }),
  t({
    name: 'vignette',
    meaning: 'Corners darkened relative to the centre.',
    measure: 'Radial luminance fall-off: geometric mean luma of the centre over that of the brightest corner.',
    rawUnit: 'luminance fall-off ratio',
    serves: ['lighting_and_exposure.light_leak', 'clarity_and_focus.analog_degradation'],
  }),
  t({
    name: 'posterization',
    meaning: 'Banding: too few tone levels, gaps in the histogram.',
    measure: 'Tone levels left: the share of histogram bins between the 1st and 99th percentile of each RGB channel of the native patch that still hold pixels, with isolated histogram peaks as a second cue.',
    rawUnit: 'share of levels occupied (0..1; k levels over the full range read k/256)',
    serves: ['clarity_and_focus.digital_artifacts', 'color_and_tone.clashing_disharmony'],
  }),
  t({
    name: 'clutter',
    meaning: 'A busy, cluttered frame with no clear subject.',
    measure: 'Edge density: share of pixels whose Sobel magnitude on log luma exceeds a fixed contrast ratio, at 256 px after a light Gaussian.',
    rawUnit: 'edge density (0..1)',
    serves: ['composition_and_structure.obstructed_cropping', 'composition_and_structure.amateur_snapshot_energy'],
  }),
  t({
    name: 'polish',
    meaning: 'Conventional polish: sharp, clean, well exposed, contrasty and colourful. The thing anti-aesthetic prompts ask a model not to default to.',
    measure: 'Composite: mean of (1 - blur), (1 - grain), (1 - jpeg-artifacts), exposure balance, (1 - low-contrast) and colourfulness.',
    rawUnit: 'composite score (0..1)',
    serves: [],
    composite: true,
  }),
];

const BY_NAME = new Map<string, TraitInfo>(TRAITS.map((info) => [info.name, info]));

export const TRAIT_NAMES: readonly TraitName[] = TRAITS.map((info) => info.name);

export function traitInfo(name: string): TraitInfo | undefined {
  return BY_NAME.get(name);
}

export function isTraitName(name: string): name is TraitName {
  return BY_NAME.has(name);
}

/** Markdown documentation of one trait, used by hover, completion and the generated docs. */
export function traitMarkdown(info: TraitInfo): string {
  const lines = [
    `**${info.name}** — ${info.meaning}`,
    '',
    `*Measured by:* ${info.measure}`,
    '',
    `*Raw unit:* ${info.rawUnit}. *Score:* 0..1, where 1 means the trait is strongly present.`,
  ];
  if (info.serves.length > 0) lines.push('', `*Paper categories:* ${info.serves.map((s) => '`' + s + '`').join(', ')}`);
  return lines.join('\n');
}
