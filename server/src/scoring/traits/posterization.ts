// posterization: too few tone levels. A pixel-value mapping that merges levels leaves peaks and gaps in the
// histogram (the fingerprint contrast-enhancement forensics look for, Stamm & Liu 2010); posterizing to k levels
// leaves k peaks and empty bins between them. Two histogram cues on the native-pixel patch (resampling to the
// working size would interpolate new values into the gaps), one 256-bin histogram per RGB channel (posterizing
// is per channel; luma mixes three quantised channels into up to k^3 values and hides the gaps):
//  - occupied (the raw value): the share of bins inside each channel's occupied range (bins holding mass between
//    the 1st and 99th percentile) that hold at least 5% of the range's mean count, pooled over channels. k levels
//    spread over the whole range leave k of 256 bins occupied, so the score is log-linear in the number of levels
//    (each halving of the levels adds the same step), and 32, 16, 8, 4 and 2 levels read apart;
//  - peaks: the share of pixels sitting in bins that hold more than 4 times the mean of the 17 bins around them
//    (bins 0 and 255 excluded: clipping is not posterization). This keeps banding visible when a light blur,
//    a resize or a JPEG save has sprinkled values into the gaps but left the large flat regions at their levels.
//    Peaks say that levels were merged but not how many, so they count only where the gaps are filled (occupied
//    above 0.3, fully from 0.8) and then for at most PEAK_CAP: "posterized, then smoothed", not "two levels".
import type { TraitAnalyser } from './analyser';
import { applyRamp, describeRamp, rampGraph, type Ramp } from './calibration';
import { attr } from '../onnx/graph';
import { PATCH_SIZE } from '../images';

const BINS = 256;
const LOW_QUANTILE = 0.01;
const HIGH_QUANTILE = 0.99;
/** A bin in the occupied range is a gap below this share of the range's mean count. */
const GAP_SHARE = 0.05;
/** A bin is a peak above this multiple of the mean count of the bins around it (itself included). */
const PEAK_FACTOR = 4;
const PEAK_RADIUS = 8;
// Calibrated on ImageMagick's `-posterize k` (+dither) of the test photographs and two paintings (test/fixtures/graded,
// made by make.sh there): clean images read occupied 0.95..1.00 and peaks 0; k = 64 / 32 / 16 / 8 / 4 / 3 / 2 read
// occupied 0.25 / 0.126 / 0.063 / 0.032 / 0.016 / 0.012 / 0.008 on every image (k/256), so the ramp runs from 64
// levels (barely visible on a photograph: score 0) to 2 (score 1): 32 reads 0.2, 16 0.4, 8 0.6, 4 0.8, 3 0.88.
// The peaks of k = 8..32 read 0.77..0.99, and 8 levels then blurred by sigma 0.7 or resized to 80% read occupied
// 0.8..1.0 with peaks 0.09..0.81. A contrast stretch by 1.2 reads occupied 0.83 (every sixth level missing, invisible).
const OCCUPIED_RAMP: Ramp = { lo: 64 / 256, hi: 2 / 256, scale: 'log' };
const PEAK_RAMP: Ramp = { lo: 0.2, hi: 0.6, scale: 'linear' };
/** Where the peak cue starts to count (gaps mostly filled) and where it counts fully. */
const FILLED_RAMP: Ramp = { lo: 0.3, hi: 0.8, scale: 'linear' };
/** The most the peak cue alone can say. */
const PEAK_CAP = 0.5;

/** Per-channel 256-bin histograms of a planar RGB tensor (values clamped to 0..255, then rounded half up; the
 *  decoded patch holds integers, so this is exact). */
function histograms(planarRgb: Float32Array, size: number): Float64Array[] {
  const n = size * size;
  return [0, 1, 2].map((c) => {
    const h = new Float64Array(BINS);
    for (let i = 0; i < n; i++) h[Math.floor(Math.min(BINS - 1, Math.max(0, planarRgb[c * n + i])) + 0.5)]++;
    return h;
  });
}

/** Occupied share (raw) and peak share, as the reference computes them. */
export function posterizationCues(patch: Float32Array): { occupied: number; peaks: number } {
  const n = PATCH_SIZE * PATCH_SIZE;
  let gaps = 0;
  let width = 0;
  let peaks = 0;
  for (const h of histograms(patch, PATCH_SIZE)) {
    const inRange: boolean[] = [];
    let cum = 0;
    let mass = 0;
    let bins = 0;
    for (let b = 0; b < BINS; b++) {
      const before = cum;
      cum += h[b];
      const m = before < HIGH_QUANTILE * n && cum > LOW_QUANTILE * n;
      inRange.push(m);
      if (m) {
        mass += h[b];
        bins++;
      }
    }
    const tau = (GAP_SHARE * mass) / Math.max(bins, 1);
    for (let b = 0; b < BINS; b++) if (inRange[b] && h[b] < tau) gaps++;
    width += bins;
    for (let b = 1; b < BINS - 1; b++) {
      let local = 0;
      for (let d = -PEAK_RADIUS; d <= PEAK_RADIUS; d++) local += h[Math.min(BINS - 1, Math.max(0, b + d))];
      if (h[b] > (PEAK_FACTOR * local) / (2 * PEAK_RADIUS + 1)) peaks += h[b];
    }
  }
  return { occupied: 1 - gaps / Math.max(width, 1), peaks: peaks / (3 * n) };
}

export const posterization: TraitAnalyser = {
  name: 'posterization',
  doc: {
    formula:
      `Per RGB channel, the 256-bin histogram h of the native ${PATCH_SIZE}x${PATCH_SIZE} centre patch. Occupied range: bins b with ` +
      `H(b-1) < ${HIGH_QUANTILE} n and H(b) > ${LOW_QUANTILE} n (H cumulative, n pixels). raw = occupied = (bins in range with h >= ${GAP_SHARE} x the range's mean count) / ` +
      `(bins in range), pooled over the three channels. peaks = share of pixels in bins 1..254 with h > ${PEAK_FACTOR} x the mean of h over the ${2 * PEAK_RADIUS + 1} bins around (edge-clamped).`,
    calibration: `score = max(O(occupied), min(P(peaks), ${PEAK_CAP}) x F(occupied)); O: ${describeRamp(OCCUPIED_RAMP)}; P: ${describeRamp(PEAK_RAMP)}; F: ${describeRamp(FILLED_RAMP)}`,
    blindSpots:
      'Noise or dithering added after posterizing fills the gaps and flattens the peaks; so does a JPEG save at ordinary quality ' +
      '(ImageMagick -posterize 8 or 16 saved at quality 85 reads occupied 0.98..1.00 and peaks 0, score 0; -posterize 4 at quality 85 reads up to 0.1). ' +
      'A posterized image smoothed afterwards reads at most 0.5 whatever its levels. Posterized looks painted by a generator, with ' +
      'flat-looking regions that still vary by a level or two, do not leave exact gaps. Only the native centre patch is read: ' +
      'banding confined to a sky at the top of a large image is missed. A flat synthetic background at one exact level, or JPEG ' +
      'at very low quality on smooth dark areas (rocket.jpg at quality 20: peaks 0.28), makes peaks; a contrast stretch makes ' +
      'small regular gaps (stretch by 1.2: occupied 0.83), which stay below the ramp.',
    usableRange:
      'ImageMagick -posterize k (+dither) on photographs and paintings: 64 levels read 0.00, 32 0.20, 16 0.40, 8 0.60, 4 0.80, 3 0.88, 2 1.00, the same on every image ' +
      '(occupied = k/256). Clean photographs and paintings read 0.00. After a light blur or resize the score falls to the peak cue, 0.0..0.5.',
  },
  build(ctx) {
    const g = ctx.g;
    const n = PATCH_SIZE * PATCH_SIZE;
    const patch = ctx.patch;
    // Histograms with one ScatterElements: pixel value + 256 x channel indexes a [N, 768] row of counts (the +0.5
    // makes Cast's truncation round half up).
    const levels = g.clip(patch, g.scalar(0), g.scalar(BINS - 1));
    const index = g.cast(g.reshape(g.add(levels, g.constant([0.5, BINS + 0.5, 2 * BINS + 0.5], [1, 3, 1, 1])), [0, -1]), 'int32');
    const ones = g.node('Expand', [g.scalar(1), g.shape(index)]);
    // A [N, 768] row of zeros made from the patch itself: ConstantOfShape would need the batch size computed on the
    // CPU (onnxruntime's WebGPU provider places such shape arithmetic there, and copies the zeros back up).
    const zeros = g.mul(g.slice(g.reshape(patch, [0, -1]), [0], [3 * BINS], [1]), g.scalar(0));
    const counts = g.node('ScatterElements', [zeros, index, ones], { axis: attr.int(1), reduction: attr.string('add') });
    const h = g.reshape(counts, [0, 3, BINS]);

    const cum = g.node('CumSum', [h, g.constant([2], [], 'int64')]);
    const before = g.sub(cum, h);
    const inRange = g.cast(g.node('And', [g.less(before, g.scalar(HIGH_QUANTILE * n)), g.greater(cum, g.scalar(LOW_QUANTILE * n))]), 'float32');
    const mass = g.reduce('ReduceSum', g.mul(inRange, h), [2]);
    const bins = g.reduce('ReduceSum', inRange, [2]);
    const tau = g.div(g.mul(mass, g.scalar(GAP_SHARE)), g.max(bins, g.scalar(1)));
    const gapBins = g.mul(inRange, g.cast(g.less(h, tau), 'float32'));
    const gaps = g.div(g.reduce('ReduceSum', gapBins, [1, 2], false), g.max(g.reduce('ReduceSum', bins, [1, 2], false), g.scalar(1)));
    const raw = g.sub(g.scalar(1), gaps);

    const window = 2 * PEAK_RADIUS + 1;
    const local = g.node('AveragePool', [g.pad(h, [0, 0, PEAK_RADIUS, 0, 0, PEAK_RADIUS], 'edge')], { kernel_shape: attr.ints([window]) });
    const interior = g.constant(Array.from({ length: BINS }, (_, b) => (b === 0 || b === BINS - 1 ? 0 : 1)), [BINS]);
    const peakBins = g.mul(g.cast(g.greater(h, g.mul(local, g.scalar(PEAK_FACTOR))), 'float32'), interior);
    const peaks = g.mul(g.reduce('ReduceSum', g.mul(peakBins, h), [1, 2], false), g.scalar(1 / (3 * n)));

    const peakScore = g.mul(g.min(rampGraph(g, PEAK_RAMP, peaks), g.scalar(PEAK_CAP)), rampGraph(g, FILLED_RAMP, raw));
    return { raw, score: g.max(rampGraph(g, OCCUPIED_RAMP, raw), peakScore) };
  },
  reference({ patch }) {
    const { occupied, peaks } = posterizationCues(patch);
    const peakScore = Math.min(applyRamp(PEAK_RAMP, peaks), PEAK_CAP) * applyRamp(FILLED_RAMP, occupied);
    return { raw: occupied, score: Math.max(applyRamp(OCCUPIED_RAMP, occupied), peakScore) };
  },
};
