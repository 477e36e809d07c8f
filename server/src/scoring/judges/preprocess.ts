// Images to the NCHW float32 tensors judge models read, with the preprocessing the judge declares. For CLIP
// this is what HuggingFace's CLIPImageProcessor does: bicubic resize of the short side to `size` (the long side
// to floor(size * long / short)), centre crop at ((W - size) // 2, (H - size) // 2), then (pixel / 255 - mean) / std
// per channel. `stretch` resizes straight to size x size (BLIP/ImageReward style).
//
// Decoding matches the trait analysers (images.ts): EXIF orientation applied, alpha flattened onto white,
// 16-bit, CMYK and greyscale converted to 8-bit sRGB, first frame of animations. The image is decoded at full
// size and then resized, so no JPEG shrink-on-load changes the result; sharp's `cubic` kernel is Catmull-Rom
// (a = -0.5, PIL's BICUBIC) widened when downsampling, as PIL's antialiased resize is.
import sharp from 'sharp';
import { decodeRgb as decodeImageRgb, ImageError, readImageFile } from '../images';
import { ort } from '../session';
import type { Preprocessing } from './spec';

/** Interleaved 8-bit RGB pixels. */
export interface RawImage {
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
}

/** An image to judge: a file path, encoded bytes (JPEG, PNG, WebP...), or decoded RGB pixels. */
export type ImageInput = string | Uint8Array | RawImage;

export interface ResizePlan {
  /** Size after the resize, before the crop. */
  readonly width: number;
  readonly height: number;
  /** The crop window (the whole resized image when nothing is cropped). */
  readonly left: number;
  readonly top: number;
}

/** Where the resize and crop land for an image of `width` x `height`. */
export function resizePlan(width: number, height: number, p: Preprocessing): ResizePlan {
  if (p.resize === 'stretch') return { width: p.size, height: p.size, left: 0, top: 0 };
  const portrait = width <= height;
  const short = portrait ? width : height;
  const long = portrait ? height : width;
  const newLong = Math.max(p.size, Math.floor((p.size * long) / short));
  const w = portrait ? p.size : newLong;
  const h = portrait ? newLong : p.size;
  return { width: w, height: h, left: Math.floor((w - p.size) / 2), top: Math.floor((h - p.size) / 2) };
}

/** Decodes an image to interleaved 8-bit sRGB at its full size. */
export async function decodeRgb(input: ImageInput, label = describe(input)): Promise<RawImage> {
  if (isRaw(input)) {
    if (input.data.length !== input.width * input.height * 3) {
      throw new ImageError(label, `raw image data holds ${input.data.length} bytes, not ${input.width} x ${input.height} x 3`);
    }
    return input;
  }
  return decodeImageRgb(label, typeof input === 'string' ? await readImageFile(input) : input);
}

/** The resized and cropped size x size pixels, interleaved RGB, before normalisation. */
export async function resizedPixels(input: ImageInput, p: Preprocessing): Promise<RawImage> {
  const rgb = await decodeRgb(input);
  const plan = resizePlan(rgb.width, rgb.height, p);
  let pipeline = sharp(rgb.data, { raw: { width: rgb.width, height: rgb.height, channels: 3 } });
  if (plan.width !== rgb.width || plan.height !== rgb.height) {
    pipeline = pipeline.resize(plan.width, plan.height, { fit: 'fill', kernel: 'cubic' });
  }
  if (plan.width !== p.size || plan.height !== p.size) {
    pipeline = pipeline.extract({ left: plan.left, top: plan.top, width: p.size, height: p.size });
  }
  const data = await pipeline.raw().toBuffer();
  return { data, width: p.size, height: p.size };
}

/** Interleaved RGB pixels to planar, normalised float32 [3, H, W], written into `out` at `offset`. */
export function normalise(pixels: RawImage, p: Preprocessing, out = new Float32Array(3 * pixels.width * pixels.height), offset = 0): Float32Array {
  const n = pixels.width * pixels.height;
  const d = pixels.data;
  for (let c = 0; c < 3; c++) {
    const scale = 1 / (255 * p.std[c]);
    const shift = p.mean[c] / p.std[c];
    const base = offset + c * n;
    for (let i = 0, j = c; i < n; i++, j += 3) out[base + i] = d[j] * scale - shift;
  }
  return out;
}

/** One image as a normalised [3, size, size] float32 array. */
export async function preprocessImage(input: ImageInput, p: Preprocessing): Promise<Float32Array> {
  return normalise(await resizedPixels(input, p), p);
}

/** How many images are decoded at once: sharp runs them on libuv's threads, and each holds a full-size decode. */
const DECODE_CONCURRENCY = 4;

/** A batch of images as one [N, 3, size, size] float32 tensor. */
export async function preprocessImages(inputs: readonly ImageInput[], p: Preprocessing): Promise<ort.Tensor> {
  const per = 3 * p.size * p.size;
  const data = new Float32Array(inputs.length * per);
  let next = 0;
  const worker = async () => {
    while (next < inputs.length) {
      const i = next++;
      normalise(await resizedPixels(inputs[i], p), p, data, i * per);
    }
  };
  await Promise.all(Array.from({ length: Math.min(DECODE_CONCURRENCY, inputs.length) }, worker));
  return new ort.Tensor('float32', data, [inputs.length, 3, p.size, p.size]);
}

/** A tensor, as opposed to an array of images or embeddings. */
export function isTensor<T>(x: ort.Tensor | readonly T[]): x is ort.Tensor {
  return !Array.isArray(x);
}

export function isRaw(input: ImageInput): input is RawImage {
  return typeof input === 'object' && !(input instanceof Uint8Array) && 'width' in input;
}

function describe(input: ImageInput): string {
  return typeof input === 'string' ? input : isRaw(input) ? `raw ${input.width}x${input.height} image` : 'image bytes';
}
