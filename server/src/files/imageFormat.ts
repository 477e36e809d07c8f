// Image sniffing by magic bytes: the generating backends check that an answer is an image, and spec reading
// tells an image given as a spec from text. Lives with the file helpers so neither needs the other's module.

/** The format an encoded image's first bytes announce, or undefined when they are not an image's. */
export function imageFormat(bytes: Uint8Array): string | undefined {
  const b = bytes;
  const at = (i: number, s: string) => b.length >= i + s.length && [...s].every((c, k) => b[i + k] === c.charCodeAt(0));
  if (b.length >= 8 && b[0] === 0x89 && at(1, 'PNG\r\n\x1a\n')) return 'png';
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (at(0, 'RIFF') && at(8, 'WEBP')) return 'webp';
  if (at(0, 'GIF87a') || at(0, 'GIF89a')) return 'gif';
  if (at(0, 'II*\0') || at(0, 'MM\0*')) return 'tiff';
  if (at(4, 'ftyp')) {
    const brand = String.fromCharCode(...b.subarray(8, 12));
    if (brand === 'avif' || brand === 'avis') return 'avif';
    if (['heic', 'heix', 'hevc', 'hevx', 'mif1', 'msf1'].includes(brand)) return 'heif';
  }
  if (at(0, 'BM') && b.length >= 26) return 'bmp';
  return undefined;
}

/** File extensions of the image formats Wabi reads (sharp's), lowercase with the dot: how folders of images are
 *  searched. */
export const IMAGE_EXTENSIONS: ReadonlySet<string> = new Set(['.png', '.jpg', '.jpeg', '.webp', '.avif', '.tif', '.tiff', '.gif', '.heic', '.heif']);
