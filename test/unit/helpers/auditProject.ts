// A small audit project on disk: a spec declaring two real ONNX judges (a reward model that prefers darker images,
// and a small random CLIP), and pairs made from the test photos with sharp: faithful images darkened (the darkness
// judge is right on those) or brightened (it is wrong on those), polished images the photos themselves.
import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { buildDarknessReward, buildImageEncoder, buildTextEncoder, clipTokenizerJson, writeFiles } from './judgeModels';
import { PHOTOS, photoPath } from './traits';

export const AUDIT_SPEC = `# judges for the audit tests
judge dark
  kind    reward
  model   models/dark.onnx
  size    64
  resize  stretch
  mean    0.5 0.5 0.5
  std     0.5 0.5 0.5

judge clip-s
  kind         clip
  image-model  models/image.onnx
  text-model   models/text.onnx
  tokenizer    models/tokenizer.json
  size         64
`;

export interface AuditRow {
  readonly line: number;
  /** Darkened faithful images: the darkness judge picks them; brightened ones it does not. */
  readonly kind: 'dark' | 'bright';
  readonly faithful: string;
  readonly polished: string;
  readonly prompt: string;
  readonly category: string;
}

export interface AuditProject {
  readonly dir: string;
  readonly pairsFile: string;
  readonly rows: readonly AuditRow[];
}

/** Writes the spec, the models, the images and `pairs.jsonl` under `dir`: per photo one pair per darkening level
 *  (category lighting_and_exposure.exposure_extremes, or color_and_tone.muted_faded for the odd levels) and one
 *  per brightening level (lighting_and_exposure.exposure_extremes). */
export async function writeAuditProject(dir: string, dark: readonly number[] = [0.6, 0.4, 0.25], bright: readonly number[] = [1.8]): Promise<AuditProject> {
  fs.mkdirSync(path.join(dir, '.wabi'), { recursive: true });
  writeFiles(dir, {
    'judges.wabi': AUDIT_SPEC,
    'models/dark.onnx': buildDarknessReward(64),
    'models/image.onnx': buildImageEncoder({ size: 64 }).bytes,
    'models/text.onnx': buildTextEncoder().bytes,
    'models/tokenizer.json': clipTokenizerJson(),
  });
  fs.mkdirSync(path.join(dir, 'img'), { recursive: true });
  const rows: AuditRow[] = [];
  for (const name of PHOTOS) {
    const base = path.basename(name, '.jpg');
    const polished = `img/${base}.jpg`;
    await sharp(photoPath(name)).resize(96).jpeg({ quality: 90 }).toFile(path.join(dir, polished));
    const levels = [...dark.map((b) => ({ b, kind: 'dark' as const })), ...bright.map((b) => ({ b, kind: 'bright' as const }))];
    for (const [k, { b, kind }] of levels.entries()) {
      const faithful = `img/${base}-${kind}-${k}.jpg`;
      await sharp(photoPath(name)).resize(96).modulate({ brightness: b }).jpeg({ quality: 90 }).toFile(path.join(dir, faithful));
      const category = kind === 'dark' && k % 2 === 1 ? 'color_and_tone.muted_faded' : 'lighting_and_exposure.exposure_extremes';
      const prompt = kind === 'dark' ? `A ${base} lost in murky darkness, level ${k}` : `A blown-out, washed-out ${base}, level ${k}`;
      rows.push({ line: rows.length + 1, kind, faithful, polished, prompt, category });
    }
  }
  const pairsFile = path.join(dir, 'pairs.jsonl');
  fs.writeFileSync(pairsFile, rows.map((r) => JSON.stringify({ faithful: r.faithful, polished: r.polished, prompt: r.prompt, category: r.category })).join('\n') + '\n');
  return { dir, pairsFile, rows };
}
