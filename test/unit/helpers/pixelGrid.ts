// Progressive degradations of the test photographs for the pixel-grid traits (grain, jpeg-artifacts,
// pixelation, chromatic-aberration), each written so its strength is exact: noise added in TypeScript with a
// seeded generator, JPEG re-encoded by sharp and decoded from its own bytes, pixelation as exact k x k cells
// anchored at the image origin, channel shifts by whole pixels with replicated borders.
import sharp from 'sharp';
import type { DecodedImage } from '../../../server/src/scoring/images';
import { encoded, fromRaw, gaussian, photo, photoPath, rawPhoto } from './traits';

export interface RawImage {
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
}

const clampByte = (v: number) => (v < 0 ? 0 : v > 255 ? 255 : Math.round(v));

/** Independent Gaussian noise of standard deviation `sigma` added to each RGB channel. Luma noise is then
 *  sigma * sqrt(0.299^2 + 0.587^2 + 0.114^2) = 0.668 sigma, before clipping to 0..255. */
export function addNoise(img: RawImage, sigma: number, seed = 1): RawImage {
  const n = gaussian(seed);
  const data = new Uint8Array(img.data.length);
  for (let i = 0; i < data.length; i++) data[i] = clampByte(img.data[i] + sigma * n());
  return { ...img, data };
}

/** Downscales by `k` (box mean over k x k cells from the top-left corner) and upscales by nearest neighbour. */
export function pixelate(img: RawImage, k: number): RawImage {
  if (k <= 1) return img;
  const { width: w, height: h } = img;
  const data = new Uint8Array(img.data.length);
  for (let cy = 0; cy < h; cy += k) {
    for (let cx = 0; cx < w; cx += k) {
      const y1 = Math.min(h, cy + k);
      const x1 = Math.min(w, cx + k);
      for (let c = 0; c < 3; c++) {
        let s = 0;
        for (let y = cy; y < y1; y++) for (let x = cx; x < x1; x++) s += img.data[(y * w + x) * 3 + c];
        const v = clampByte(s / ((y1 - cy) * (x1 - cx)));
        for (let y = cy; y < y1; y++) for (let x = cx; x < x1; x++) data[(y * w + x) * 3 + c] = v;
      }
    }
  }
  return { ...img, data };
}

/** Pixelation as an image editor does it: sharp downscales to round(size / k) and upscales back to the original
 *  size by nearest neighbour, so cells are k +- a fraction wide (a non-integer period). */
export async function sharpPixelate(name: string, k: number): Promise<DecodedImage> {
  const m = await sharp(photoPath(name)).metadata();
  const w = m.width!;
  const h = m.height!;
  const small = await sharp(photoPath(name)).resize(Math.max(1, Math.round(w / k)), Math.max(1, Math.round(h / k)), { fit: 'fill' }).png().toBuffer();
  return encoded(name, await sharp(small).resize(w, h, { fit: 'fill', kernel: 'nearest' }).png().toBuffer());
}

/** Lateral misregistration: red moved right by `d` pixels and blue left by `d` (borders replicated). */
export function shiftRedBlue(img: RawImage, d: number): RawImage {
  const { width: w, height: h } = img;
  const data = Uint8Array.from(img.data);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const o = (y * w + x) * 3;
      data[o] = img.data[(y * w + Math.min(w - 1, Math.max(0, x - d))) * 3];
      data[o + 2] = img.data[(y * w + Math.min(w - 1, Math.max(0, x + d))) * 3 + 2];
    }
  }
  return { ...img, data };
}

/** Radial (lens-like) chromatic aberration: red magnified and blue shrunk about the centre so that each is
 *  displaced by `d` pixels at the corners and proportionally less toward the centre, resampled bilinearly. */
export function radialRedBlue(img: RawImage, d: number): RawImage {
  const { width: w, height: h } = img;
  const cx = (w - 1) / 2;
  const cy = (h - 1) / 2;
  const rMax = Math.hypot(cx, cy);
  const data = Uint8Array.from(img.data);
  const sample = (c: number, x: number, y: number) => {
    x = Math.min(w - 1, Math.max(0, x));
    y = Math.min(h - 1, Math.max(0, y));
    const x0 = Math.floor(x);
    const y0 = Math.floor(y);
    const x1 = Math.min(w - 1, x0 + 1);
    const y1 = Math.min(h - 1, y0 + 1);
    const fx = x - x0;
    const fy = y - y0;
    const at = (xx: number, yy: number) => img.data[(yy * w + xx) * 3 + c];
    return (1 - fy) * ((1 - fx) * at(x0, y0) + fx * at(x1, y0)) + fy * ((1 - fx) * at(x0, y1) + fx * at(x1, y1));
  };
  for (const [c, sign] of [
    [0, 1],
    [2, -1],
  ] as const) {
    const s = 1 + (sign * d) / rMax;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) data[(y * w + x) * 3 + c] = clampByte(sample(c, cx + (x - cx) / s, cy + (y - cy) / s));
    }
  }
  return { ...img, data };
}

/** The photo's RGB bytes at native size. */
export const raw = (name: string): Promise<RawImage> => rawPhoto(name);

/** Raw RGB bytes encoded losslessly (PNG) and decoded as the scorer would. */
export const decodeRaw = (name: string, img: RawImage): Promise<DecodedImage> => fromRaw(name, img);

/** The photo re-encoded by sharp as JPEG at `quality` (4:2:0 chroma, sharp's default), decoded from those bytes. */
export async function jpeg(name: string, quality: number): Promise<DecodedImage> {
  return encoded(name, await sharp(photoPath(name)).jpeg({ quality }).toBuffer());
}

/** The photo after sharp's Gaussian blur. */
export const blurred = (name: string, sigma: number): Promise<DecodedImage> => photo(name, (s) => s.blur(sigma));

/** The photo with brightness and saturation multiplied (sharp.modulate). */
export const modulated = (name: string, brightness: number, saturation: number): Promise<DecodedImage> => photo(name, (s) => s.modulate({ brightness, saturation }));
