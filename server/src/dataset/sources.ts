// The source images of a dataset: every image file under --from (sorted, hidden folders and the output folder
// skipped), each with its caption sidecar (`name.txt` beside `name.jpg`) when there is one, decoded to 8-bit sRGB
// and scaled down to fit --max-side. Files reached through a symbolic link that leads outside --from are skipped
// unless --allow-outside: a dataset reads only the folder it was given.
import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { IMAGE_EXTENSIONS } from '../files/imageFormat';
import { realPathOf } from '../files/host';
import { decodeSpec } from '../files/text';
import type { RawRgb } from '../generation/degradations';

export interface SourceFile {
  /** Absolute path. */
  readonly file: string;
  /** Path relative to --from, with `/`. */
  readonly relative: string;
  /** Unique, file-name-safe name for the dataset's files: the relative path without its extension, `/` as `__`. */
  readonly id: string;
}

export interface SourceListing {
  readonly sources: readonly SourceFile[];
  /** Files passed over, with why (outside --from). */
  readonly skipped: ReadonlyArray<{ readonly file: string; readonly error: string }>;
}

function isInside(file: string, dir: string): boolean {
  const rel = path.relative(dir, file);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** The image files under `from`, in a fixed order (by relative path, code-point order). */
export function listSources(from: string, exclude: string, allowOutside: boolean): SourceListing {
  const root = realPathOf(path.resolve(from));
  const excluded = realPathOf(path.resolve(exclude));
  const found: string[] = [];
  const skipped: Array<{ file: string; error: string }> = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      if (e.name.startsWith('.')) continue;
      const full = path.join(dir, e.name);
      const real = realPathOf(full);
      let stat: fs.Stats;
      try {
        stat = fs.statSync(full);
      } catch {
        continue; // a dangling link: nothing to read
      }
      if (stat.isDirectory()) {
        if (real !== excluded && !isInside(excluded, real)) {
          if (allowOutside || isInside(real, root)) walk(full);
          else skipped.push({ file: full, error: 'a link to a folder outside --from (--allow-outside follows it)' });
        }
        continue;
      }
      if (!stat.isFile() || !IMAGE_EXTENSIONS.has(path.extname(e.name).toLowerCase())) continue;
      if (!allowOutside && !isInside(real, root)) skipped.push({ file: full, error: 'a link to a file outside --from (--allow-outside reads it)' });
      else found.push(full);
    }
  };
  walk(path.resolve(from));
  found.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const taken = new Set<string>();
  const sources = found.map((file) => {
    const relative = path.relative(path.resolve(from), file).split(path.sep).join('/');
    const stem = relative.slice(0, relative.length - path.extname(relative).length).replace(/\//g, '__').replace(/[^A-Za-z0-9._-]/g, '_');
    // Two files that differ only in extension (or in characters made safe) keep apart by their extension.
    let id = stem;
    if (taken.has(id.toLowerCase())) id = `${stem}-${path.extname(relative).slice(1).toLowerCase()}`;
    for (let k = 2; taken.has(id.toLowerCase()); k++) id = `${stem}-${k}`;
    taken.add(id.toLowerCase());
    return { file, relative, id };
  });
  return { sources, skipped };
}

/** The caption beside an image (`photo.txt` for `photo.jpg`), or undefined; a caption that is not UTF-8 text is an
 *  error naming the file. */
export function readCaption(image: string): string | undefined {
  const file = image.slice(0, image.length - path.extname(image).length) + '.txt';
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch {
    return undefined;
  }
  const decoded = decodeSpec(bytes);
  if ('problem' in decoded) throw new Error(`${file}: the caption cannot be read: ${decoded.problem.what}`);
  const text = decoded.text.replace(/\s+/g, ' ').trim();
  return text || undefined;
}

/** Decodes an image to 8-bit sRGB (EXIF orientation applied, alpha flattened onto white), scaled down (lanczos3) to
 *  fit maxSide x maxSide when larger. Throws with sharp's first line of error for a file that is not an image. */
export async function decodeSource(file: string, maxSide: number): Promise<RawRgb> {
  const bytes = await fs.promises.readFile(file);
  try {
    const { data, info } = await sharp(bytes, { failOn: 'error', pages: 1 })
      .rotate()
      .flatten({ background: { r: 255, g: 255, b: 255 } })
      .toColourspace('srgb')
      .removeAlpha()
      .resize(maxSide, maxSide, { fit: 'inside', withoutEnlargement: true, kernel: 'lanczos3' })
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`unexpected ${info.channels} channels`);
    return { data, width: info.width, height: info.height };
  } catch (e) {
    throw new Error(`could not be decoded: ${(e instanceof Error ? e.message : String(e)).split('\n')[0].trim()}`);
  }
}
