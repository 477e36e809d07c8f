// The `degrade` generator: the built-in, deterministic image-to-image reference. It applies the traits a test asks
// for to an input image at a strength (degradations.ts), so it shows what honouring an anti-aesthetic prompt looks
// like: the faithful oracle that the bundled example runs on and that audit datasets are built from. It reads no
// prompt; it never judges.
//
// The input (the request's `input`, else the generator's `input` setting) is first fitted to the requested size:
// scaled to cover width x height (lanczos3) and cropped at the centre, so the output always has the requested size
// and keeps the input's aspect. With no degradable traits (a baseline prompt) that fitted input is the output.
// The same input, traits, strength and seed give byte-identical PNG bytes; different seeds change the seeded parts
// (grain, tilt direction).
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import sharp from 'sharp';
import type { GeneratedImage, GenerationRequest, Generator } from './generator';
import { GenerationError } from './generator';
import type { GeneratorSettings } from './settings';
import { applyDegradations, DEGRADATION_ORDER, isDegradable, type RawRgb } from './degradations';

/** Bump when a degradation or its strength mapping changes: it is part of the identity, so cached images made by
 *  older code are not reused. */
export const DEGRADE_VERSION = 1;

const BACKEND = 'degrade';

export function createDegradeGenerator(settings: GeneratorSettings): Generator {
  const defaultStrength = settings.number('strength', 1);
  const defaultInput = settings.file('input');
  // A test's own input is hashed into the cache key by the runner. The default input is named here by its content,
  // never its path: the same spec and photo in another checkout or on another machine must find the same images.
  const identity = `degrade v${DEGRADE_VERSION} strength=${defaultStrength}${defaultInput ? ` input=${contentName(defaultInput)}` : ''}`;
  return {
    name: settings.name,
    kind: 'degrade',
    identity,
    async generate(request: GenerationRequest, signal?: AbortSignal): Promise<GeneratedImage> {
      const input = request.input ?? defaultInput;
      if (!input) throw new GenerationError(BACKEND, 'needs an input image: set `input` in the test or the generator');
      const strength = request.strength ?? defaultStrength;
      if (!Number.isFinite(strength) || strength < 0 || strength > 1) {
        throw new GenerationError(BACKEND, `strength must be between 0 and 1, got ${strength}`);
      }
      const { width, height } = request;
      if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
        throw new GenerationError(BACKEND, `size must be whole numbers of pixels, got ${width}x${height}`);
      }
      signal?.throwIfAborted();
      const fitted = await readFitted(input, width, height);
      const traits = request.traits ?? [];
      const applied = DEGRADATION_ORDER.filter((t) => traits.includes(t));
      const skipped = [...new Set(traits.filter((t) => !isDegradable(t)))];
      const out = await applyDegradations(fitted, applied, strength, request.seed, signal);
      signal?.throwIfAborted();
      return {
        bytes: await encodePng(out),
        info: { generator: 'degrade', version: DEGRADE_VERSION, input, strength, seed: request.seed, applied, ...(skipped.length ? { skipped } : {}) },
      };
    },
  };
}

/** `sha256:<hex>` of a file's bytes; `unreadable` when it cannot be read (generating then fails, saying why, so no
 *  image is ever stored under that name). */
function contentName(file: string): string {
  try {
    return `sha256:${createHash('sha256').update(fs.readFileSync(file)).digest('hex')}`;
  } catch {
    return 'unreadable';
  }
}

/** Decodes `file` to 8-bit sRGB (EXIF orientation applied, alpha flattened onto white), scaled to cover
 *  width x height and cropped at the centre. */
async function readFitted(file: string, width: number, height: number): Promise<RawRgb> {
  let bytes: Buffer;
  try {
    bytes = await fs.promises.readFile(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder, not an image' : `cannot be read (${code ?? String(e)})`;
    throw new GenerationError(BACKEND, `input image ${file}: ${why}`);
  }
  try {
    const { data, info } = await sharp(bytes, { failOn: 'error', pages: 1 })
      .rotate()
      .flatten({ background: { r: 255, g: 255, b: 255 } })
      .toColourspace('srgb')
      .removeAlpha()
      .resize(width, height, { fit: 'cover', position: 'centre', kernel: 'lanczos3' })
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`unexpected ${info.channels} channels`);
    return { data, width: info.width, height: info.height };
  } catch (e) {
    const message = (e instanceof Error ? e.message : String(e)).split('\n')[0].trim();
    throw new GenerationError(BACKEND, `input image ${file} could not be decoded: ${message}`);
  }
}

/** PNG with every encoder choice fixed and no metadata, so the same pixels always give the same bytes. */
export function encodePng(img: RawRgb): Promise<Buffer> {
  return sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
    .png({ compressionLevel: 6, adaptiveFiltering: false, palette: false, progressive: false, effort: 7 })
    .toBuffer();
}
