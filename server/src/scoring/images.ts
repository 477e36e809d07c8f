// Image decoding for scoring. Every image becomes two images the trait graphs read:
//  - `working`: the whole image resampled to WORKING_SIZE x WORKING_SIZE, for measures of the overall look
//    (blur, exposure, colour, vignette, tilt...), so a threshold means the same on every image size;
//  - `patch`: PATCH_SIZE x PATCH_SIZE pixels cut from the centre without resampling, aligned to the 8x8 JPEG
//    grid, for measures that live on the pixel grid (grain, JPEG blocking, pixelation, colour fringes), which
//    resampling would erase.
// Both are kept as sharp delivers them, interleaved 8-bit RGB: the model takes those bytes and makes its planar
// floats itself (traitModel.ts), which costs a quarter of what the same loop did in JavaScript and moves a quarter
// of the bytes to the inference thread. The TypeScript references read planar floats, made on first use.
// EXIF orientation is applied, alpha is flattened onto white, 16-bit and CMYK/greyscale inputs are converted to
// 8-bit sRGB, and animated images contribute their first frame.
import * as fs from 'node:fs';
import sharp from 'sharp';

export const WORKING_SIZE = 512;
export const PATCH_SIZE = 256;
const JPEG_BLOCK = 8;

export class DecodedImage {
  private workingPlanar?: Float32Array;
  private patchPlanar?: Float32Array;

  constructor(
    readonly file: string,
    /** Size after EXIF orientation. */
    readonly width: number,
    readonly height: number,
    /** [WORKING_SIZE, WORKING_SIZE, 3] interleaved RGB bytes. */
    readonly workingRgb: Uint8Array,
    /** [PATCH_SIZE, PATCH_SIZE, 3] interleaved RGB bytes, native pixels (reflected at the border of small images). */
    readonly patchRgb: Uint8Array,
  ) {}

  /** [3, WORKING_SIZE, WORKING_SIZE] planar RGB, 0..255, as the references read it. */
  get working(): Float32Array {
    return (this.workingPlanar ??= planar(this.workingRgb, WORKING_SIZE, WORKING_SIZE));
  }

  /** [3, PATCH_SIZE, PATCH_SIZE] planar RGB, 0..255, as the references read it. */
  get patch(): Float32Array {
    return (this.patchPlanar ??= planar(this.patchRgb, PATCH_SIZE, PATCH_SIZE));
  }
}

/** A file that could not be read as an image, with the cause in words a user can act on. */
export class ImageError extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`${file}: ${reason}`);
    this.name = 'ImageError';
  }
}

// Keep libvips from caching decoded files between calls: scoring streams through many images once each.
sharp.cache(false);

export async function decodeImage(file: string): Promise<DecodedImage> {
  return decodeImageBuffer(file, await readImageFile(file));
}

/** Reads an image file's bytes, or throws an ImageError saying why it cannot be read. */
export async function readImageFile(file: string): Promise<Buffer> {
  try {
    return await fs.promises.readFile(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ImageError(file, code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder, not an image' : `cannot be read (${code ?? String(e)})`);
  }
}

/** Decodes encoded image bytes to interleaved 8-bit sRGB at full size: EXIF orientation applied, alpha flattened
 *  onto white, the first frame of an animation. `label` names the image in errors. */
export async function decodeRgb(label: string, bytes: Uint8Array): Promise<{ data: Buffer; width: number; height: number }> {
  if (bytes.length === 0) throw new ImageError(label, 'the file is empty');
  try {
    // failOn 'error' rejects truncated and corrupt data instead of decoding grey filler.
    const { data, info } = await sharp(bytes, { failOn: 'error', pages: 1, limitInputPixels: 268_402_689 })
      .rotate()
      .flatten({ background: { r: 255, g: 255, b: 255 } })
      .toColourspace('srgb')
      .removeAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`unexpected ${info.channels} channels after conversion`);
    return { data, width: info.width, height: info.height };
  } catch (e) {
    throw new ImageError(label, describeSharpError(e));
  }
}

export async function decodeImageBuffer(file: string, bytes: Buffer): Promise<DecodedImage> {
  const rgb = await decodeRgb(file, bytes);
  const working = await resample(file, rgb);
  return new DecodedImage(file, rgb.width, rgb.height, working, centrePatch(rgb.data, rgb.width, rgb.height));
}

async function resample(file: string, rgb: { data: Buffer; width: number; height: number }): Promise<Uint8Array> {
  try {
    return await sharp(rgb.data, { raw: { width: rgb.width, height: rgb.height, channels: 3 } })
      .resize(WORKING_SIZE, WORKING_SIZE, { fit: 'fill', kernel: 'lanczos3' })
      .raw()
      .toBuffer();
  } catch (e) {
    throw new ImageError(file, describeSharpError(e));
  }
}

/** Interleaved RGB bytes to planar float32. */
export function planar(data: Uint8Array, width: number, height: number): Float32Array {
  const n = width * height;
  const out = new Float32Array(3 * n);
  for (let i = 0, j = 0; i < n; i++, j += 3) {
    out[i] = data[j];
    out[n + i] = data[j + 1];
    out[2 * n + i] = data[j + 2];
  }
  return out;
}

/** The PATCH_SIZE square at the centre of interleaved RGB bytes, its origin on a multiple of 8 so JPEG blocks stay
 *  aligned; images smaller than the patch are mirrored at their borders. */
export function centrePatch(data: Uint8Array, width: number, height: number): Uint8Array {
  const out = new Uint8Array(3 * PATCH_SIZE * PATCH_SIZE);
  const x0 = Math.max(0, Math.floor((width - PATCH_SIZE) / 2 / JPEG_BLOCK) * JPEG_BLOCK);
  const y0 = Math.max(0, Math.floor((height - PATCH_SIZE) / 2 / JPEG_BLOCK) * JPEG_BLOCK);
  const inside = width >= x0 + PATCH_SIZE;
  for (let y = 0; y < PATCH_SIZE; y++) {
    const row = mirror(y0 + y, height) * width;
    if (inside) {
      // A whole row of the patch is one run of bytes in the image.
      out.set(data.subarray(3 * (row + x0), 3 * (row + x0 + PATCH_SIZE)), 3 * y * PATCH_SIZE);
      continue;
    }
    for (let x = 0; x < PATCH_SIZE; x++) {
      const s = 3 * (row + mirror(x0 + x, width));
      const d = 3 * (y * PATCH_SIZE + x);
      out[d] = data[s];
      out[d + 1] = data[s + 1];
      out[d + 2] = data[s + 2];
    }
  }
  return out;
}

function mirror(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  const m = i % period;
  return m < n ? m : period - m;
}

function describeSharpError(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  if (/unsupported image format/i.test(message)) return 'not an image (unrecognised format)';
  if (/premature end|truncated|Corrupt|unexpected end|VipsJpeg|read error|invalid|bad seek|not a PNG|IDAT/i.test(message)) {
    return `corrupt or truncated image data (${firstLine(message)})`;
  }
  if (/pixel limit/i.test(message)) return 'too large to decode (more than 268 megapixels)';
  return firstLine(message);
}

function firstLine(s: string): string {
  return s.split('\n')[0].trim();
}
