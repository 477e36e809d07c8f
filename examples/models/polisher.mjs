// A stand-in for an aesthetic-aligned image model, for the example: whatever the prompt asks for, it returns the
// input image polished: resized to the requested size, contrast stretched, colours boosted, and sharpened.
// Wabi runs it through the `command` generator: node models/polisher.mjs INPUT OUT WIDTH HEIGHT
import sharp from 'sharp';

const [input, out, width, height] = process.argv.slice(2);
if (!input || !out) {
  process.stderr.write('usage: node polisher.mjs INPUT OUT WIDTH HEIGHT\n');
  process.exit(2);
}
await sharp(input)
  .resize(Number(width) || 512, Number(height) || 512, { fit: 'cover' })
  .normalise()
  .modulate({ saturation: 1.35 })
  .sharpen({ sigma: 1.2 })
  .png()
  .toFile(out);
