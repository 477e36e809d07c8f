// The `files` kind: tests score images that already exist, matched by their `images` glob. Nothing is generated.
// Also home to the image checks the generating backends share: a backend's answer counts only when its bytes
// start like an image file (imageFormat, from files/imageFormat, which spec reading uses too).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { glob } from '../files/glob';
import { nodeHost, type SpecHost } from '../files/host';
import { imageFormat } from '../files/imageFormat';
import { GenerationError, type Generator } from './generator';
import type { GeneratorSettings } from './settings';

export { imageFormat };

/** Extensions the scorer decodes (sharp/libvips without ImageMagick). */
export const IMAGE_EXTENSIONS: ReadonlySet<string> = new Set(['.png', '.jpg', '.jpeg', '.webp', '.avif', '.tif', '.tiff', '.gif', '.heic', '.heif']);

/** Sorted absolute paths of the image files `pattern` matches, relative to `dir` (itself relative to the spec's
 *  folder) or to the spec's folder. Files of other types are left out. */
export function listImages(specFile: string, pattern: string, dir?: string, host: SpecHost = nodeHost): string[] {
  const base = path.resolve(path.dirname(specFile), dir ?? '.');
  const pat = pattern.replace(/\\/g, '/');
  return glob(host, base, pat)
    .filter((f) => IMAGE_EXTENSIONS.has(path.extname(f).toLowerCase()))
    .map((f) => path.resolve(f))
    .sort();
}

export interface FilesGenerator extends Generator {
  /** The images a test's `images` glob matches under this generator's `dir`. */
  list(pattern: string): string[];
}

export function createFilesGenerator(settings: GeneratorSettings): FilesGenerator {
  const dir = settings.file('dir');
  return {
    name: settings.name,
    kind: 'files',
    identity: `files:${dir ?? path.dirname(settings.specFile)}`,
    list: (pattern) => listImages(settings.specFile, pattern, dir),
    async generate() {
      throw new GenerationError('files', 'this generator does not generate: give the test `images` (a glob of existing images) to score instead');
    },
  };
}

/** What the start of some bytes looks like, for an error message about a payload that is not an image. */
export function describeBytes(bytes: Uint8Array): string {
  if (bytes.length === 0) return 'nothing (0 bytes)';
  const head = Buffer.from(bytes.subarray(0, 24));
  const printable = /^[\t\n\r\x20-\x7e]*$/.test(head.toString('latin1'));
  const shown = printable ? JSON.stringify(head.toString('latin1')) : head.toString('hex').replace(/(..)/g, '$1 ').trim();
  return `${bytes.length} bytes starting ${shown}${bytes.length > 24 ? '...' : ''}`;
}

/** Decodes a base64 image from a JSON payload (a bare string or a `data:image/...;base64,` URL) and checks that it
 *  is an image, or throws a GenerationError saying what came instead. */
export function decodeBase64Image(backend: string, what: string, text: unknown): Buffer {
  if (typeof text !== 'string' || text.length === 0) throw new GenerationError(backend, `${what} is missing or not a string`);
  const b64 = text.replace(/^data:[^,]*;base64,/, '').replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(b64)) throw new GenerationError(backend, `${what} is not base64: ${JSON.stringify(text.slice(0, 40))}`);
  const bytes = Buffer.from(b64, 'base64');
  if (!imageFormat(bytes)) throw new GenerationError(backend, `${what} is not an image: ${describeBytes(bytes)}`);
  return bytes;
}

/** An input image for an HTTP backend: PNG, JPEG and WebP as they are, any other image format converted to PNG
 *  (web UIs and image APIs accept those three). Unreadable and non-image files are errors naming the backend. */
export async function readInputImage(backend: string, file: string): Promise<{ bytes: Buffer; format: 'png' | 'jpeg' | 'webp' }> {
  let bytes: Buffer;
  try {
    bytes = await fs.promises.readFile(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new GenerationError(backend, `cannot read the input image ${file}: ${code === 'ENOENT' ? 'no such file' : (code ?? String(e))}`);
  }
  const format = imageFormat(bytes);
  if (!format) throw new GenerationError(backend, `the input image ${file} is not an image: ${describeBytes(bytes)}`);
  if (format === 'png' || format === 'jpeg' || format === 'webp') return { bytes, format };
  const { default: sharp } = await import('sharp');
  return { bytes: await sharp(bytes).png().toBuffer(), format: 'png' };
}
