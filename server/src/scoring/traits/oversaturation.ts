// oversaturation: garish, over-saturated colour. Hasler & Suesstrunk (2003) colourfulness on the 512 px working
// image, 8-bit RGB: rg = R - G, yb = (R + G) / 2 - B, M = sqrt(sd(rg)^2 + sd(yb)^2) + 0.3 sqrt(mean(rg)^2 + mean(yb)^2).
// Their perceptual scale: not colourful 0, slightly 15, moderately 33, averagely 45, quite 59, highly 82,
// extremely 109. The score rises with M beyond the levels of natural photographs.
import type { Value } from '../onnx/graph';
import type { TraitAnalyser } from './analyser';
import { applyRamp, describeRamp, rampGraph, type Ramp } from './calibration';
import type { TraitContext } from './context';
import { WORKING_SIZE } from '../images';

// Calibrated on the test photographs (test/fixtures/photos) saturated with sharp.modulate({ saturation: k }),
// k = 1..6: clean photos read M = 38..76 (coffee, an orange cup on red-brown wood, 76); k = 1.6 reads 59..118,
// k = 2.5 reads 83..148, k = 4 reads 107..160, k = 6 reads 127..169 (coffee saturates at about 160 as channels clip).
// The paper's scale: highly colourful 82, extremely colourful 109.
export const COLOURFULNESS_RAMP: Ramp = { lo: 75, hi: 125, scale: 'linear' };

/** Hasler-Suesstrunk M per image, [N] (shared: polish reads it through the oversaturation trait's raw). */
export function colourfulness(ctx: TraitContext): Value {
  return ctx.shared('colour:hasler-suesstrunk', () => {
    const g = ctx.g;
    // rg and yb as one 1x1 convolution: [N, 2, H, W].
    const opp = g.conv(ctx.working, g.constant([1, -1, 0, 0.5, 0.5, -1], [2, 3, 1, 1]));
    const mu = g.mean(opp, [2, 3], true);
    const d = g.sub(opp, mu);
    const sigma = g.sqrt(g.reduce('ReduceSum', g.mean(g.mul(d, d), [2, 3], true), [1, 2, 3], false));
    const offset = g.sqrt(g.reduce('ReduceSum', g.mul(mu, mu), [1, 2, 3], false));
    return g.add(sigma, g.mul(offset, g.scalar(0.3)));
  });
}

/** The same M in float64. */
export function colourfulnessReference(planarRgb: Float32Array, size: number): number {
  const n = size * size;
  let srg = 0;
  let syb = 0;
  for (let i = 0; i < n; i++) {
    srg += planarRgb[i] - planarRgb[n + i];
    syb += 0.5 * (planarRgb[i] + planarRgb[n + i]) - planarRgb[2 * n + i];
  }
  const mrg = srg / n;
  const myb = syb / n;
  let vrg = 0;
  let vyb = 0;
  for (let i = 0; i < n; i++) {
    vrg += (planarRgb[i] - planarRgb[n + i] - mrg) ** 2;
    vyb += (0.5 * (planarRgb[i] + planarRgb[n + i]) - planarRgb[2 * n + i] - myb) ** 2;
  }
  return Math.sqrt(vrg / n + vyb / n) + 0.3 * Math.sqrt(mrg * mrg + myb * myb);
}

export const oversaturation: TraitAnalyser = {
  name: 'oversaturation',
  doc: {
    formula:
      'raw = M = sqrt(sd(rg)^2 + sd(yb)^2) + 0.3 sqrt(mean(rg)^2 + mean(yb)^2) over the working image (512x512), ' +
      'rg = R - G, yb = (R + G)/2 - B on 8-bit RGB (Hasler & Suesstrunk 2003).',
    calibration: `score = ${describeRamp(COLOURFULNESS_RAMP)}`,
    usableRange:
      'ImageMagick -modulate 100,s, s = 130 / 160 / 200 / 250 / 320%: photographs and Starry Night 0.35..0.47 / 0.66..0.86 / 0.92..1.00 / ' +
      '1.00 / 1.00; a muted painting (Shipwreck) 0.00 / 0.00 / 0.19 / 0.45 / 0.75. Clean images read 0.00..0.02. Like desaturation, the ' +
      'unit is absolute: a muted image needs a stronger boost to read as garish.',
    blindSpots:
      'Naturally vivid scenes (flowers, fruit stalls, neon, tropical water) read as garish: M cannot tell intent or ' +
      'harmony from saturation. M is absolute in 8-bit units, so brightening a colourful image raises it until channels clip ' +
      '(coffee at gain 1.7: 76 to 115) and darkening lowers it; grain adds spread to the opponent channels (astronaut with ' +
      'noise sigma 25: 72 to 85).',
  },
  build(ctx) {
    const raw = colourfulness(ctx);
    return { raw, score: rampGraph(ctx.g, COLOURFULNESS_RAMP, raw) };
  },
  reference({ working }) {
    const raw = colourfulnessReference(working, WORKING_SIZE);
    return { raw, score: applyRamp(COLOURFULNESS_RAMP, raw) };
  },
};
