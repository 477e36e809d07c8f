// overexposure: blown-out highlights, an image too bright overall. Two cues on the luma of the 512 px working image:
//  - the clipped-highlight fraction (the raw measure): the share of 4x4 blocks whose mean luma is >= 245, i.e. blown
//    areas (skies, faces), counted in blocks so that grain over a blown area does not un-clip it (see tone.ts);
//  - mean luma above mid-grey: a lifted, washed-out frame with few pixels actually at 255 still reads too bright.
// The score is the larger of the two calibrated cues (as blur combines its two), so either a large blown area or
// an overall bright frame is enough.
import type { TraitAnalyser } from './analyser';
import { applyRamp, describeRamp, rampGraph, type Ramp } from './calibration';
import { clippedFraction, CLIP_HIGH, meanLuma, toneReference } from './tone';

// Calibrated on the test photographs (test/fixtures/photos) brightened with sharp.linear(gain), gain 1..3. Clean
// photos read a clipped fraction of 0..0.85% (astronaut: white flag stripes and helmet glints) and mean luma
// 0.22..0.47 (rocket is a night launch). Gain 1.3 reads 0.05..18% clipped and mean 0.28..0.61; gain 1.7 reads
// 1.1..34% and 0.36..0.77; gain 2.2 reads 1.7..43%; gain 3 reads 7.9..74% and mean 0.59..0.95. The clipped cue is
// log-scaled: a few per cent of blown area is already visible, and it decides the night scene, whose mean stays
// moderate even at gain 3.
// Recalibrated on ImageMagick's `-evaluate multiply k` (test/fixtures/graded, made by make.sh there) so that the
// score keeps rising from a slight to an extreme brightening on a bright photograph too. The ramp used to end at 10%
// clipped, which astronaut.jpg (bright: clean 0.8% clipped, mean 0.45) passed at k = 1.25: every stronger
// brightening read 1.0. Clipped at k = 1.1 / 1.25 / 1.5 / 2 / 3: astronaut 2.4 / 13 / 29 / 39 / 53%, coffee
// 2.8 / 3.8 / 7.8 / 16 / 32%, starry-night 1.1 / 3.9 / 11 / 22 / 35%, chelsea 0 / 0 / 4.7 / 31 / 75% (its mean
// 0.51 / 0.58 / 0.69 / 0.84 / 0.95 carries the milder steps), rocket (a night scene) 0.1 / 0.4 / 0.9 / 1.6 / 8.6%.
export const OVER_CLIP_RAMP: Ramp = { lo: 0.01, hi: 0.6, scale: 'log' };
export const OVER_MEAN_RAMP: Ramp = { lo: 0.55, hi: 0.95, scale: 'linear' };

export const overexposure: TraitAnalyser = {
  name: 'overexposure',
  doc: {
    formula:
      `raw = fraction of 4x4 blocks of the working image (512x512) whose mean luma is >= ${CLIP_HIGH}, Y = 0.299 R + 0.587 G + 0.114 B (8-bit). ` +
      'Second cue: mean luma m = mean(Y) / 255.',
    calibration: `score = max(raw: ${describeRamp(OVER_CLIP_RAMP)}; m: ${describeRamp(OVER_MEAN_RAMP)})`,
    blindSpots:
      'A bright subject correctly exposed (snow, a white studio background, a lit window or lamps in frame) clips or ' +
      'lifts the mean and reads as overexposed. High-key images read as overexposed by design. A highlight blown in one ' +
      'channel only (a saturated or tinted highlight) can stay below the luma threshold: a green cast on a blown white ' +
      'lowers R and B and un-clips it. Clipping also drains ' +
      'colour, so an overexposed image reads more desaturated (chelsea at gain 3: desaturation raw 0.41 to 0.15), ' +
      'and a plain gain raises Hasler-Suesstrunk colourfulness until channels clip (oversaturation). ' +
      'A dark scene brightened reads late: the night launch (rocket.jpg) stays at 0.2 until ImageMagick -evaluate multiply 2 and reads 0.6 at 3.',
    usableRange:
      'ImageMagick -evaluate multiply k on photographs and paintings, k = 1.1 / 1.25 / 1.5 / 2 / 3: a bright photograph (astronaut) 0.21 / 0.63 / 0.83 / 0.89 / 0.97, ' +
      'coffee 0.25 / 0.33 / 0.50 / 0.68 / 0.85, Starry Night 0.02 / 0.33 / 0.58 / 0.75 / 0.87, chelsea 0.00 / 0.08 / 0.38 / 0.84 / 1.00. ' +
      'Clean photographs and paintings read 0.00 (astronaut, 0.8% clipped: 0.00).',
  },
  build(ctx) {
    const g = ctx.g;
    const raw = clippedFraction(ctx, 'high');
    const score = g.max(rampGraph(g, OVER_CLIP_RAMP, raw), rampGraph(g, OVER_MEAN_RAMP, meanLuma(ctx)));
    return { raw, score };
  },
  reference({ working }) {
    const t = toneReference(working);
    return { raw: t.high, score: Math.max(applyRamp(OVER_CLIP_RAMP, t.high), applyRamp(OVER_MEAN_RAMP, t.mean)) };
  },
};
