// underexposure: crushed shadows, an image too dark overall. Two cues on the luma of the 512 px working image:
//  - the clipped-shadow fraction (the raw measure): the share of 4x4 blocks whose mean luma is <= 10 (see tone.ts);
//  - mean luma below mid-grey: a murky dark frame with few pixels actually at 0 still reads too dark.
// The score is the larger of the two calibrated cues.
import type { TraitAnalyser } from './analyser';
import { applyRamp, describeRamp, rampGraph, type Ramp } from './calibration';
import { clippedFraction, CLIP_LOW, meanLuma, toneReference } from './tone';

// Calibrated on the test photographs (test/fixtures/photos) darkened with sharp.linear(gain), gain 1..0.12. Clean
// photos read mean luma 0.22..0.47 (rocket, a night launch, 0.22) and 0.1..15% clipped shadows (astronaut's black
// background 15%); gain 0.45 reads mean 0.10..0.21, gain 0.25 reads 0.05..0.12 with 1.9..35% clipped, gain 0.12
// reads 0.025..0.054 with 14..87% clipped. Mean luma scales with the gain, so its ramp is log-scaled (the score is linear in stops). The
// clipped cue starts above the astronaut's black backdrop, so legitimately black areas alone do not score.
export const UNDER_CLIP_RAMP: Ramp = { lo: 0.2, hi: 0.6, scale: 'linear' };
export const UNDER_MEAN_RAMP: Ramp = { lo: 0.25, hi: 0.08, scale: 'log' };

export const underexposure: TraitAnalyser = {
  name: 'underexposure',
  doc: {
    formula:
      `raw = fraction of 4x4 blocks of the working image (512x512) whose mean luma is <= ${CLIP_LOW}, Y = 0.299 R + 0.587 G + 0.114 B (8-bit). ` +
      'Second cue: mean luma m = mean(Y) / 255.',
    calibration: `score = max(raw: ${describeRamp(UNDER_CLIP_RAMP)}; m: ${describeRamp(UNDER_MEAN_RAMP)})`,
    usableRange:
      'ImageMagick -evaluate multiply k on photographs and paintings, k = 0.8 / 0.6 / 0.4 / 0.25 / 0.12: 0.00 / 0.00..0.25 / 0.28..0.60 / ' +
      '0.69..1.00 / 1.00. Clean images read 0.00; a dark painting (Shipwreck) starts one step earlier than a bright photograph.',
    blindSpots:
      'Night scenes, low-key portraits and dark subjects read as underexposed by their mean (the night launch photograph ' +
      'scores 0.12 as shot). Darkening also lowers RMS contrast, which is absolute, so an underexposed image reads as ' +
      'low-contrast as well, and it lowers Hasler-Suesstrunk colourfulness.',
  },
  build(ctx) {
    const g = ctx.g;
    const raw = clippedFraction(ctx, 'low');
    const score = g.max(rampGraph(g, UNDER_CLIP_RAMP, raw), rampGraph(g, UNDER_MEAN_RAMP, meanLuma(ctx)));
    return { raw, score };
  },
  reference({ working }) {
    const t = toneReference(working);
    return { raw: t.low, score: Math.max(applyRamp(UNDER_CLIP_RAMP, t.low), applyRamp(UNDER_MEAN_RAMP, t.mean)) };
  },
};
