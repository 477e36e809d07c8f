// The registry of trait analysers, one per catalogue trait, in catalogue order.
import { TRAIT_NAMES, type TraitName } from '../../catalogue/traits';
import type { TraitAnalyser } from './analyser';
import { blur } from './blur';
import { chromaticAberration } from './chromaticAberration';
import { clutter } from './clutter';
import { colorCast } from './colorCast';
import { desaturation } from './desaturation';
import { grain } from './grain';
import { jpegArtifacts } from './jpegArtifacts';
import { lowContrast } from './lowContrast';
import { motionBlur } from './motionBlur';
import { overexposure } from './overexposure';
import { oversaturation } from './oversaturation';
import { pixelation } from './pixelation';
import { polish } from './polish';
import { posterization } from './posterization';
import { tilt } from './tilt';
import { underexposure } from './underexposure';
import { vignette } from './vignette';

const BY_NAME: Readonly<Record<TraitName, TraitAnalyser>> = {
  blur,
  'motion-blur': motionBlur,
  grain,
  'jpeg-artifacts': jpegArtifacts,
  pixelation,
  overexposure,
  underexposure,
  'low-contrast': lowContrast,
  desaturation,
  oversaturation,
  'color-cast': colorCast,
  'chromatic-aberration': chromaticAberration,
  tilt,
  vignette,
  posterization,
  clutter,
  polish,
};

export const TRAIT_ANALYSERS: readonly TraitAnalyser[] = TRAIT_NAMES.map((n) => BY_NAME[n]);

export function traitAnalyser(name: TraitName): TraitAnalyser {
  return BY_NAME[name];
}
