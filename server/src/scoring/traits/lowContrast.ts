// low-contrast: flat, murky tones. RMS contrast (Peli 1990): the standard deviation of luma on a 0..1 scale over the
// 512 px working image. The score rises as the contrast falls.
import type { TraitAnalyser } from './analyser';
import { applyRamp, describeRamp, rampGraph, type Ramp } from './calibration';
import { rmsContrast, toneReference } from './tone';

// Calibrated on the test photographs (test/fixtures/photos) blended toward mid-grey with sharp.linear(1-t, 128 t),
// t = 0..0.85, which multiplies the RMS contrast by 1-t: clean photos read 0.126..0.294 (chelsea and rocket, soft
// light and a night sky, 0.126 and 0.127); t = 0.5 reads 0.063..0.147; t = 0.85 reads 0.019..0.044.
export const RMS_RAMP: Ramp = { lo: 0.16, hi: 0.045, scale: 'log' };

export const lowContrast: TraitAnalyser = {
  name: 'low-contrast',
  doc: {
    formula: 'raw = sqrt(mean((Y - mean(Y))^2)) / 255 over the working image (512x512), Y = 0.299 R + 0.587 G + 0.114 B (8-bit).',
    calibration: `score = ${describeRamp(RMS_RAMP)}`,
    usableRange:
      'ImageMagick +level to a band of c% of the range, c = 80 / 60 / 40 / 25 / 12: 0.00..0.08 / 0.00..0.30 / 0.25..0.62 / 0.62..0.99 / ' +
      '1.00. Clean photographs and paintings read 0.00; an image low in contrast to begin with (Shipwreck) reads higher at every step.',
    blindSpots:
      'RMS contrast is absolute, not relative to the mean, so a dark (underexposed) image reads as low-contrast too ' +
      '(gain 0.25 multiplies it by about 0.25). A large flat area (sky, a plain wall, fog) with a contrasty subject reads ' +
      'flatter than it looks; a busy texture of mid-tones can read as contrasty. Colour contrast between equal-luma hues is not seen.',
  },
  build(ctx) {
    const raw = rmsContrast(ctx);
    return { raw, score: rampGraph(ctx.g, RMS_RAMP, raw) };
  },
  reference({ working }) {
    const raw = toneReference(working).rms;
    return { raw, score: applyRamp(RMS_RAMP, raw) };
  },
};
