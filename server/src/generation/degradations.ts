// The degradations behind the `degrade` generator: one pure, deterministic function per anti-aesthetic trait, from
// an interleaved 8-bit RGB image, a strength s in 0..1 and a seeded random source to a new image of the same size.
// s = 0 returns the input itself (the identity); s = 1 is a strong, unmistakable case of the trait. Each maps s to
// one physical parameter:
//
// | trait                | operation                                         | parameter from strength s           | at s = 1         |
// | -------------------- | ------------------------------------------------- | ----------------------------------- | ---------------- |
// | tilt                 | rotate (bilinear), crop the largest centred frame | angle = 20 s degrees, clockwise or  | 20 degrees       |
// |                      | of the same aspect ratio, resize back (lanczos3)  | counter-clockwise by the seed       |                  |
// | blur                 | Gaussian blur                                     | sigma = 8 s^1.5 x D / 1024 px       | 8 px at 1024     |
// | motion-blur          | horizontal box smear, fractional end taps         | length = 1 + 40 s^2 x D / 512 px    | 41 px at 512     |
// | chromatic-aberration | red moved right, blue left (bilinear)             | shift = 5 s x D / 512 px each       | 5 px at 512      |
// | vignette             | multiply by 1 - v (r / R)^2, R = half diagonal    | v = 1 - (1 - s)^2                   | corners black    |
// | overexposure         | gain on 8-bit values, clipped                     | gain = 3^s (1.58 s stops up)        | x3               |
// | underexposure        | gain on 8-bit values                              | gain = 0.12^s (3.06 s stops down)   | x0.12            |
// | low-contrast         | blend toward mid-grey: f v + 128 (1 - f)          | contrast kept f = 0.15^s            | 15% kept         |
// | desaturation         | saturation (LCh chroma) multiplied                | factor = (1 - s)^2                  | grey             |
// | oversaturation       | saturation (LCh chroma) multiplied                | factor = 6^s                        | x6               |
// | color-cast           | G x (1 + c), R and B x (1 - c): a sickly green    | c = 0.4 s                           | G x1.4, R,B x0.6 |
// | grain                | Gaussian noise on each channel (seeded Box-Muller)| sigma = 30 s (8-bit levels)         | sigma 30         |
// | posterization        | uniform quantisation of each channel              | levels = round(2^(8 - 6 s))         | 4 levels         |
// | pixelation           | resize down (lanczos3), back up by nearest        | cell = 16^s native px               | 16 px cells      |
// | jpeg-artifacts       | JPEG re-encode (4:2:0) and decode                 | quality = round(95 (5 / 95)^s)      | quality 5        |
//
// D = sqrt(width x height), the side of the square of the same area: blur, smear and fringe sizes are in the
// working image's terms (the trait scorer reads the whole frame at 512 px), so they look, and score, the same at
// any output size. Grain, JPEG and pixelation live on the native pixel grid, where their measures read them, so
// their parameters are in native pixels and 8-bit levels.
//
// The mappings spread s evenly over the scale the eye and the trait measures use, which is mostly logarithmic:
// exposure in stops; saturation, contrast kept, cell size and JPEG quality in equal ratios (each quarter of s
// doubles the pixel cell); blur and smear growing faster than s, because the smallest ones are invisible. So s = 0.5
// is a clearly visible, medium effect on a typical photograph, not already the maximum.
// (The calibration series of the trait tests use the same steps: gain 1, 1.3, 1.7, 2.2, 3; cells 1, 2, 4, 8, 16.)
// The agreement test (test/unit/degrade.test.ts) checks that each trait's score rises with s.
//
// Not degradations: `clutter` (a busy frame needs new content; a filter cannot add objects to a scene, so degrade
// leaves it out and a test asking for it gets the image without it) and `polish` (conventional polish is the
// opposite of what the generator is for, and a composite of the other traits).
//
// When several traits are asked for, they apply in DEGRADATION_ORDER (the table's order, whatever the order of the
// request): a camera's order, optics first (framing, focus, motion, lens fringes and fall-off), then exposure and
// colour processing, then sensor grain on the processed tones (so grain stays visible in an underexposed or
// flattened image), and the digital artefacts last (posterization, pixelation, then JPEG, whose 8x8 blocks must stay
// on the image's grid). A later effect can hide an earlier one, as the trait measures document: pixelation averages
// grain away and JPEG at low quality smooths it.
import sharp, { type Sharp } from 'sharp';
import type { TraitName } from '../catalogue/traits';
import { mulberry32, type Random } from '../statistics/random';

export { mulberry32, type Random } from '../statistics/random';

/** Interleaved 8-bit RGB. */
export interface RawRgb {
  readonly data: Buffer;
  readonly width: number;
  readonly height: number;
}

export type Degradation = (image: RawRgb, strength: number, random: Random) => Promise<RawRgb>;

/** Every trait but the two the header explains: clutter and polish. */
export type DegradableTrait = Exclude<TraitName, 'clutter' | 'polish'>;

/** The order the degradations apply in: the header table's. */
export const DEGRADATION_ORDER: readonly DegradableTrait[] = [
  'tilt',
  'blur',
  'motion-blur',
  'chromatic-aberration',
  'vignette',
  'overexposure',
  'underexposure',
  'low-contrast',
  'desaturation',
  'oversaturation',
  'color-cast',
  'grain',
  'posterization',
  'pixelation',
  'jpeg-artifacts',
];

export function isDegradable(trait: TraitName): trait is DegradableTrait {
  return (DEGRADATION_ORDER as readonly TraitName[]).includes(trait);
}

// ---- parameters (the table, as code) ----

/** Side of the square with the image's area. */
const side = (img: RawRgb) => Math.sqrt(img.width * img.height);

export const parameters = {
  tiltDegrees: (s: number) => 20 * s,
  blurSigma: (s: number, img: RawRgb) => (8 * s ** 1.5 * side(img)) / 1024,
  motionLength: (s: number, img: RawRgb) => 1 + (40 * s * s * side(img)) / 512,
  aberrationShift: (s: number, img: RawRgb) => (5 * s * side(img)) / 512,
  vignette: (s: number) => s * (2 - s),
  overexposureGain: (s: number) => 3 ** s,
  underexposureGain: (s: number) => 0.12 ** s,
  contrastKept: (s: number) => 0.15 ** s,
  desaturation: (s: number) => (1 - s) ** 2,
  oversaturation: (s: number) => 6 ** s,
  cast: (s: number) => 0.4 * s,
  grainSigma: (s: number) => 30 * s,
  posterLevels: (s: number) => Math.round(2 ** (8 - 6 * s)),
  pixelCell: (s: number) => 16 ** s,
  jpegQuality: (s: number) => Math.round(95 * (5 / 95) ** s),
} as const;

/** The physical parameters `trait`'s degradation uses at strength s on `img` with `seed` (the table's last two
 *  columns), as a dataset manifest records them. Rounded to 6 decimals. */
export function degradationParameters(trait: DegradableTrait, s: number, img: { width: number; height: number }, seed: number): Record<string, number | string> {
  const raw = img as RawRgb;
  const r = (x: number) => Math.round(x * 1e6) / 1e6;
  switch (trait) {
    case 'tilt':
      // The degradation's first draw picks the direction (sharp's positive angles turn clockwise).
      return { degrees: r(parameters.tiltDegrees(s)), direction: traitRandom(seed, 'tilt')() < 0.5 ? 'clockwise' : 'counter-clockwise' };
    case 'blur':
      return { sigmaPx: r(parameters.blurSigma(s, raw)) };
    case 'motion-blur':
      return { lengthPx: r(parameters.motionLength(s, raw)), direction: 'horizontal' };
    case 'chromatic-aberration':
      return { shiftPx: r(parameters.aberrationShift(s, raw)) };
    case 'vignette':
      return { cornerDarkening: r(parameters.vignette(s)) };
    case 'overexposure':
      return { gain: r(parameters.overexposureGain(s)) };
    case 'underexposure':
      return { gain: r(parameters.underexposureGain(s)) };
    case 'low-contrast':
      return { contrastKept: r(parameters.contrastKept(s)) };
    case 'desaturation':
      return { saturationFactor: r(parameters.desaturation(s)) };
    case 'oversaturation':
      return { saturationFactor: r(parameters.oversaturation(s)) };
    case 'color-cast':
      return { greenGain: r(1 + parameters.cast(s)), redBlueGain: r(1 - parameters.cast(s)) };
    case 'grain':
      return { sigma: r(parameters.grainSigma(s)) };
    case 'posterization':
      return { levels: parameters.posterLevels(s) };
    case 'pixelation':
      return { cellPx: r(parameters.pixelCell(s)) };
    case 'jpeg-artifacts':
      return { quality: parameters.jpegQuality(s) };
  }
}

// ---- helpers ----

const clampByte = (v: number) => (v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v));

function pipeline(img: RawRgb): Sharp {
  return sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } });
}

/** Runs a sharp pipeline on raw RGB and reads raw RGB back. */
async function viaSharp(img: RawRgb, edit: (s: Sharp) => Sharp): Promise<RawRgb> {
  const { data, info } = await edit(pipeline(img)).toColourspace('srgb').removeAlpha().raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`degrade: expected 3 channels, got ${info.channels}`);
  return { data, width: info.width, height: info.height };
}

/** Bilinear sample of channel c at (x, y), borders replicated. */
function bilinear(img: RawRgb, c: number, x: number, y: number): number {
  const { width: w, height: h, data } = img;
  x = Math.min(w - 1, Math.max(0, x));
  y = Math.min(h - 1, Math.max(0, y));
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const x1 = Math.min(w - 1, x0 + 1);
  const y1 = Math.min(h - 1, y0 + 1);
  const fx = x - x0;
  const fy = y - y0;
  const at = (xx: number, yy: number) => data[(yy * w + xx) * 3 + c];
  return (1 - fy) * ((1 - fx) * at(x0, y0) + fx * at(x1, y0)) + fy * ((1 - fx) * at(x0, y1) + fx * at(x1, y1));
}

/** Standard normal samples from a uniform source (Box-Muller, both outputs used). */
function normals(random: Random): () => number {
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const v = spare;
      spare = undefined;
      return v;
    }
    const r = Math.sqrt(-2 * Math.log(1 - random()));
    const a = 2 * Math.PI * random();
    spare = r * Math.sin(a);
    return r * Math.cos(a);
  };
}

/** A random source for one trait of one seed, independent of which other traits are applied (FNV-1a of both). */
export function traitRandom(seed: number, trait: TraitName): Random {
  let h = 0x811c9dc5;
  for (const ch of `${seed}:${trait}`) {
    h ^= ch.charCodeAt(0);
    h = Math.imul(h, 0x01000193);
  }
  return mulberry32(h);
}

// ---- the degradations ----

const tilt: Degradation = async (img, s, random) => {
  const degrees = parameters.tiltDegrees(s);
  if (degrees <= 0) return img;
  const angle = random() < 0.5 ? degrees : -degrees;
  const rotated = await viaSharp(img, (p) => p.rotate(angle, { background: { r: 0, g: 0, b: 0 } }));
  // The largest centred rectangle of the frame's aspect ratio inside the rotated frame, less a 1% margin so that
  // no interpolated background shows at its corners.
  const a = (degrees * Math.PI) / 180;
  const { width: w, height: h } = img;
  const f = Math.min(w / (w * Math.cos(a) + h * Math.sin(a)), h / (w * Math.sin(a) + h * Math.cos(a))) * 0.99;
  const cw = Math.max(1, Math.floor(w * f));
  const ch = Math.max(1, Math.floor(h * f));
  return viaSharp(rotated, (p) =>
    p
      .extract({ left: Math.floor((rotated.width - cw) / 2), top: Math.floor((rotated.height - ch) / 2), width: cw, height: ch })
      .resize(w, h, { fit: 'fill', kernel: 'lanczos3' }),
  );
};

const blur: Degradation = async (img, s) => {
  const sigma = parameters.blurSigma(s, img);
  if (sigma <= 0) return img;
  if (sigma >= 0.3) return viaSharp(img, (p) => p.blur({ sigma, precision: 'float', minAmplitude: 0.001 }));
  // libvips needs sigma >= 0.3: below it, a 3x3 Gaussian of the same sigma.
  const g = Math.exp(-1 / (2 * sigma * sigma));
  const k = [g * g, g, g * g, g, 1, g, g * g, g, g * g];
  const sum = k.reduce((a, b) => a + b, 0);
  return viaSharp(img, (p) => p.convolve({ width: 3, height: 3, kernel: k.map((v) => v / sum) }));
};

const motionBlur: Degradation = async (img, s) => {
  const length = parameters.motionLength(s, img);
  if (length <= 1) return img;
  // Weights w(t) = clamp(length / 2 + 0.5 - |t|, 0, 1): a box `length` wide whose end taps take the fraction.
  const full = Math.floor(length / 2 - 0.5 + 1e-9); // |t| <= full has weight 1
  const edge = length / 2 + 0.5 - (full + 1); // weight of |t| = full + 1, in [0, 1)
  const { width: w, height: h, data } = img;
  const out = Buffer.alloc(data.length);
  const reach = full + 1;
  const row = new Float64Array(w + 2 * reach);
  const prefix = new Float64Array(w + 2 * reach + 1);
  for (let y = 0; y < h; y++) {
    for (let c = 0; c < 3; c++) {
      for (let i = 0; i < row.length; i++) row[i] = data[(y * w + Math.min(w - 1, Math.max(0, i - reach))) * 3 + c];
      for (let i = 0; i < row.length; i++) prefix[i + 1] = prefix[i] + row[i];
      for (let x = 0; x < w; x++) {
        const i = x + reach;
        const box = prefix[i + full + 1] - prefix[i - full];
        out[(y * w + x) * 3 + c] = clampByte((box + edge * (row[i - reach] + row[i + reach])) / length);
      }
    }
  }
  return { data: out, width: w, height: h };
};

const chromaticAberration: Degradation = async (img, s) => {
  const d = parameters.aberrationShift(s, img);
  if (d <= 0) return img;
  const { width: w, height: h } = img;
  const data = Buffer.from(img.data);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const o = (y * w + x) * 3;
      data[o] = clampByte(bilinear(img, 0, x - d, y));
      data[o + 2] = clampByte(bilinear(img, 2, x + d, y));
    }
  }
  return { data, width: w, height: h };
};

const vignette: Degradation = async (img, s) => {
  const v = parameters.vignette(s);
  if (v <= 0) return img;
  const { width: w, height: h } = img;
  const cx = (w - 1) / 2;
  const cy = (h - 1) / 2;
  const R2 = cx * cx + cy * cy || 1;
  const data = Buffer.alloc(img.data.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const f = 1 - (v * ((x - cx) ** 2 + (y - cy) ** 2)) / R2;
      const o = (y * w + x) * 3;
      for (let c = 0; c < 3; c++) data[o + c] = clampByte(img.data[o + c] * f);
    }
  }
  return { data, width: w, height: h };
};

const gain =
  (k: (s: number) => number): Degradation =>
  async (img, s) =>
    s <= 0 ? img : viaSharp(img, (p) => p.linear(k(s), 0));

const lowContrast: Degradation = async (img, s) => {
  const f = parameters.contrastKept(s);
  return s <= 0 ? img : viaSharp(img, (p) => p.linear(f, 128 * (1 - f)));
};

const saturate =
  (k: (s: number) => number): Degradation =>
  async (img, s) =>
    s <= 0 ? img : viaSharp(img, (p) => p.modulate({ saturation: k(s) }));

const colorCast: Degradation = async (img, s) => {
  const c = parameters.cast(s);
  return c <= 0 ? img : viaSharp(img, (p) => p.linear([1 - c, 1 + c, 1 - c], [0, 0, 0]));
};

const grain: Degradation = async (img, s, random) => {
  const sigma = parameters.grainSigma(s);
  if (sigma <= 0) return img;
  const n = normals(random);
  const data = Buffer.alloc(img.data.length);
  for (let i = 0; i < data.length; i++) data[i] = clampByte(img.data[i] + sigma * n());
  return { data, width: img.width, height: img.height };
};

const posterization: Degradation = async (img, s) => {
  const levels = parameters.posterLevels(s);
  if (levels >= 256) return img;
  const lut = new Uint8Array(256);
  for (let v = 0; v < 256; v++) lut[v] = clampByte((Math.round((v / 255) * (levels - 1)) * 255) / (levels - 1));
  const data = Buffer.alloc(img.data.length);
  for (let i = 0; i < data.length; i++) data[i] = lut[img.data[i]];
  return { data, width: img.width, height: img.height };
};

const pixelation: Degradation = async (img, s) => {
  const cell = parameters.pixelCell(s);
  if (cell <= 1) return img;
  const { width: w, height: h } = img;
  const small = await viaSharp(img, (p) => p.resize(Math.max(1, Math.round(w / cell)), Math.max(1, Math.round(h / cell)), { fit: 'fill', kernel: 'lanczos3' }));
  return viaSharp(small, (p) => p.resize(w, h, { fit: 'fill', kernel: 'nearest' }));
};

const jpegArtifacts: Degradation = async (img, s) => {
  if (s <= 0) return img;
  const quality = parameters.jpegQuality(s);
  const bytes = await pipeline(img).jpeg({ quality, chromaSubsampling: '4:2:0', mozjpeg: false, optimiseCoding: true }).toBuffer();
  const { data, info } = await sharp(bytes).removeAlpha().raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
};

/** The degradation of each trait degrade can apply. */
export const DEGRADATIONS: Readonly<Record<DegradableTrait, Degradation>> = {
  tilt,
  blur,
  'motion-blur': motionBlur,
  'chromatic-aberration': chromaticAberration,
  vignette,
  overexposure: gain(parameters.overexposureGain),
  underexposure: gain(parameters.underexposureGain),
  'low-contrast': lowContrast,
  desaturation: saturate(parameters.desaturation),
  oversaturation: saturate(parameters.oversaturation),
  'color-cast': colorCast,
  grain,
  posterization,
  pixelation,
  'jpeg-artifacts': jpegArtifacts,
};

/** Applies `traits` (those degrade can apply, in DEGRADATION_ORDER whatever their order here) at `strength`, each with
 *  its own random stream from `seed`. */
export async function applyDegradations(image: RawRgb, traits: readonly TraitName[], strength: number, seed: number, signal?: AbortSignal): Promise<RawRgb> {
  const wanted = new Set(traits);
  let out = image;
  for (const trait of DEGRADATION_ORDER) {
    if (!wanted.has(trait)) continue;
    signal?.throwIfAborted();
    out = await DEGRADATIONS[trait](out, strength, traitRandom(seed, trait));
  }
  return out;
}
