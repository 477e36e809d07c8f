// Degradations for the structure traits' tests (motion blur, tilt, vignette, clutter, posterization), written in
// TypeScript on native RGB pixels or with sharp, and the unrelated edits each trait must shrug off.
import sharp from 'sharp';
import type { DecodedImage } from '../../../server/src/scoring/images';
import type { TraitAnalyser } from '../../../server/src/scoring/traits/analyser';
import { encoded, fromRaw, gaussian, photo, photoPath, rawPhoto, rng, runModel } from './traits';

export interface Raw {
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
}

/** Applies `f` to every channel value, rounding and clamping to 0..255. */
export function mapPixels(r: Raw, f: (x: number, y: number, c: number, v: number) => number): Raw {
  const out = new Uint8Array(r.data.length);
  for (let y = 0; y < r.height; y++) {
    for (let x = 0; x < r.width; x++) {
      for (let c = 0; c < 3; c++) {
        const i = (y * r.width + x) * 3 + c;
        out[i] = Math.max(0, Math.min(255, Math.round(f(x, y, c, r.data[i]))));
      }
    }
  }
  return { data: out, width: r.width, height: r.height };
}

/** Linear motion blur: the mean of `length` samples along (dx, dy) (a unit vector), centred, clamped at the border. */
export function motionBlur(r: Raw, length: number, dx = 1, dy = 0): Raw {
  if (length <= 1) return r;
  const half = (length - 1) / 2;
  const offsets: number[] = [];
  for (let t = -half; t <= half; t++) offsets.push(Math.round(t * dx), Math.round(t * dy));
  const out = new Uint8Array(r.data.length);
  for (let y = 0; y < r.height; y++) {
    for (let x = 0; x < r.width; x++) {
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      for (let k = 0; k < offsets.length; k += 2) {
        const sx = Math.min(r.width - 1, Math.max(0, x + offsets[k]));
        const sy = Math.min(r.height - 1, Math.max(0, y + offsets[k + 1]));
        const i = (sy * r.width + sx) * 3;
        s0 += r.data[i];
        s1 += r.data[i + 1];
        s2 += r.data[i + 2];
      }
      const o = (y * r.width + x) * 3;
      out[o] = Math.round(s0 / length);
      out[o + 1] = Math.round(s1 / length);
      out[o + 2] = Math.round(s2 / length);
    }
  }
  return { data: out, width: r.width, height: r.height };
}

/** Multiplies by 1 - s (r/R)^2, r from the centre, R the half-diagonal: s = 1 takes the extreme corners to black. */
export function vignette(r: Raw, s: number): Raw {
  const cx = (r.width - 1) / 2;
  const cy = (r.height - 1) / 2;
  const R2 = cx * cx + cy * cy;
  return mapPixels(r, (x, y, _c, v) => v * (1 - (s * ((x - cx) ** 2 + (y - cy) ** 2)) / R2));
}

/** Linear quantisation to k levels per channel (Photoshop's Posterize). */
export function posterize(r: Raw, k: number): Raw {
  return mapPixels(r, (_x, _y, _c, v) => (Math.round((v / 255) * (k - 1)) * 255) / (k - 1));
}

/** Seeded Gaussian noise of the given sigma on every channel. */
export function addNoise(r: Raw, sigma: number, seed = 1): Raw {
  const g = gaussian(seed);
  return mapPixels(r, (_x, _y, _c, v) => v + sigma * g());
}

/** Rotates a photo by `degrees` (sharp, bilinear) and crops the largest centred frame of the same aspect ratio that
 *  lies inside the rotated one, so no background corner is left. */
export async function rotated(name: string, degrees: number): Promise<Raw> {
  const base = await rawPhoto(name);
  if (degrees === 0) return base;
  const { data, info } = await sharp(photoPath(name)).rotate(degrees, { background: { r: 0, g: 0, b: 0 } }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const a = (Math.abs(degrees) * Math.PI) / 180;
  const { width: w, height: h } = base;
  const f = Math.min(w / (w * Math.cos(a) + h * Math.sin(a)), h / (w * Math.sin(a) + h * Math.cos(a))) * 0.98;
  const cw = Math.floor(w * f);
  const ch = Math.floor(h * f);
  const crop = await sharp(data, { raw: { width: info.width, height: info.height, channels: 3 } })
    .extract({ left: Math.floor((info.width - cw) / 2), top: Math.floor((info.height - ch) / 2), width: cw, height: ch })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data: crop.data, width: crop.info.width, height: crop.info.height };
}

const THUMB_SOURCES = ['astronaut.jpg', 'chelsea.jpg', 'coffee.jpg', 'rocket.jpg'];
let thumbs: Promise<Raw[]> | undefined;

/** Pastes `count` seeded items over the image, a quarter flat rectangles of random colour, the rest squeezed thumbnails of
 *  the test photos, each 2..10% of the shorter side by 2..10%: a busier frame for every extra item. A series with
 *  growing `count` and the same seed adds items to the same layout. */
export async function busy(r: Raw, count: number, seed = 7): Promise<Raw> {
  thumbs ??= Promise.all(
    THUMB_SOURCES.map(async (n) => {
      const { data, info } = await sharp(photoPath(n)).resize(64, 48, { fit: 'fill' }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
      return { data, width: info.width, height: info.height };
    }),
  );
  const pictures = await thumbs;
  const out = Uint8Array.from(r.data);
  const u = rng(seed);
  const side = Math.min(r.width, r.height);
  for (let k = 0; k < count; k++) {
    const w = Math.max(3, Math.round(side * (0.02 + 0.08 * u())));
    const h = Math.max(3, Math.round(side * (0.02 + 0.08 * u())));
    const x0 = Math.floor(u() * (r.width - w));
    const y0 = Math.floor(u() * (r.height - h));
    const flat = u() < 0.25;
    const colour = [u() * 255, u() * 255, u() * 255];
    const t = pictures[Math.floor(u() * pictures.length)];
    for (let y = y0; y < y0 + h; y++) {
      for (let x = x0; x < x0 + w; x++) {
        const ty = Math.floor(((y - y0) * t.height) / h);
        const tx = Math.floor(((x - x0) * t.width) / w);
        for (let c = 0; c < 3; c++) out[(y * r.width + x) * 3 + c] = flat ? colour[c] : t.data[(ty * t.width + tx) * 3 + c];
      }
    }
  }
  return { data: out, width: r.width, height: r.height };
}

/** The unrelated edits a trait should shrug off, each applied to the native photo. */
export const UNRELATED: ReadonlyArray<{ label: string; image: (name: string) => Promise<DecodedImage> }> = [
  { label: 'noise 10', image: async (name) => fromRaw(name, addNoise(await rawPhoto(name), 10)) },
  { label: 'jpeg 20', image: async (name) => encoded(name, await sharp(photoPath(name)).jpeg({ quality: 20 }).toBuffer()) },
  { label: 'blur 1.5', image: (name) => photo(name, (s) => s.blur(1.5)) },
  { label: 'bright 1.3', image: (name) => photo(name, (s) => s.modulate({ brightness: 1.3 })) },
  { label: 'bright 0.7', image: (name) => photo(name, (s) => s.modulate({ brightness: 0.7 })) },
  { label: 'sat 0.3', image: (name) => photo(name, (s) => s.modulate({ saturation: 0.3 })) },
  { label: 'sat 1.8', image: (name) => photo(name, (s) => s.modulate({ saturation: 1.8 })) },
];

/** One trait's raw values and scores on `images`, in one batch. */
export async function traitValues(analyser: TraitAnalyser, images: readonly DecodedImage[]): Promise<{ raw: number[]; score: number[] }> {
  const run = await runModel([analyser], () => analyser, images);
  return { raw: run.raw.map((r) => r[0]), score: run.score.map((r) => r[0]) };
}

export const fmt = (values: readonly number[], digits = 2): string => values.map((v) => v.toFixed(digits)).join(' ');

/** Runs the unrelated edits on each photo, prints the scores and their change from the unedited photo, and
 *  returns the changes larger than `limit` for photos not in `exempt` (photo name -> why it is not held to it). */
export async function unrelatedShifts(
  analyser: TraitAnalyser,
  photos: readonly string[],
  limit: number,
  exempt: Readonly<Record<string, string>> = {},
): Promise<string[]> {
  const failures: string[] = [];
  for (const name of photos) {
    const images = [await photo(name), ...(await Promise.all(UNRELATED.map((u) => u.image(name))))];
    const { score } = await traitValues(analyser, images);
    const parts = UNRELATED.map((u, i) => `${u.label} ${score[i + 1].toFixed(2)} (${score[i + 1] - score[0] >= 0 ? '+' : ''}${(score[i + 1] - score[0]).toFixed(2)})`);
    console.log(`${analyser.name} ${name}: clean ${score[0].toFixed(2)} | ${parts.join(', ')}${exempt[name] ? ` [not held to ${limit}: ${exempt[name]}]` : ''}`);
    if (exempt[name]) continue;
    UNRELATED.forEach((u, i) => {
      if (Math.abs(score[i + 1] - score[0]) >= limit) failures.push(`${name} ${u.label}: ${score[0].toFixed(3)} -> ${score[i + 1].toFixed(3)}`);
    });
  }
  return failures;
}
