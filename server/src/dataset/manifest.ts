// What a dataset folder holds, as manifest.json records it, and how a folder is recognised as one: the manifest is
// written first (incomplete) and last (complete), so a folder that a killed build left behind is still known as a
// dataset and a rerun may replace it, while any other non-empty folder is refused.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { displayPath } from '../files/paths';

export const MANIFEST = 'manifest.json';
export const PAIRS = 'pairs.jsonl';
export const SOURCES_DIR = 'sources';
export const VARIANTS_DIR = 'variants';
const FORMAT = 'wabi-dataset';
/** Bump when the layout or the manifest's fields change. */
export const DATASET_FORMAT_VERSION = 1;

export interface ManifestSource {
  readonly id: string;
  /** Relative to --from, with `/`. */
  readonly file: string;
  /** sha256 of the source file's bytes. */
  readonly sha256: string;
  readonly caption: string | null;
  /** The source as the dataset holds it (decoded, scaled to fit --max-side, PNG): the pairs' polished image. */
  readonly image: string;
  readonly imageSha256: string;
  readonly width: number;
  readonly height: number;
}

export interface ManifestVariant {
  readonly source: string;
  readonly trait: string;
  readonly level: number;
  readonly strength: number;
  readonly intensity: string;
  readonly seed: number;
  readonly parameters: Readonly<Record<string, number | string>>;
  readonly prompt: string;
  readonly image: string;
  readonly sha256: string;
}

export interface Manifest {
  readonly format: typeof FORMAT;
  readonly version: number;
  readonly complete: boolean;
  /** The `degrade` reference's version (generation/degradeGenerator.ts) the variants were made with. */
  readonly degrade: number;
  readonly seed: number;
  readonly levels: number;
  readonly maxSide: number;
  readonly traits: readonly string[];
  /** --from, relative to the dataset folder, with `/`. */
  readonly from: string;
  readonly sources: readonly ManifestSource[];
  readonly variants: readonly ManifestVariant[];
  readonly skipped: ReadonlyArray<{ readonly file: string; readonly error: string }>;
}

export function startedManifest(): Pick<Manifest, 'format' | 'version' | 'complete'> {
  return { format: FORMAT, version: DATASET_FORMAT_VERSION, complete: false };
}

/** Makes `out` ready for a build: created when missing, emptied of a previous dataset's files when it holds one.
 *  Throws a message naming the folder when it is a file, or a non-empty folder that holds no dataset. */
export function prepareOut(out: string): void {
  let entries: string[];
  try {
    entries = fs.readdirSync(out);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      fs.mkdirSync(out, { recursive: true });
      return;
    }
    throw new Error(`--out ${displayPath(out)}: ${code === 'ENOTDIR' ? 'is a file, not a folder' : `cannot be read (${code})`}`);
  }
  if (entries.length === 0) return;
  if (!isDataset(out)) {
    throw new Error(`--out ${displayPath(out)} is not empty and holds no Wabi dataset (no ${MANIFEST} of one): give an empty or new folder, or a previous dataset to rebuild`);
  }
  for (const name of [MANIFEST, PAIRS, SOURCES_DIR, VARIANTS_DIR]) fs.rmSync(path.join(out, name), { recursive: true, force: true });
}

function isDataset(dir: string): boolean {
  try {
    const m = JSON.parse(fs.readFileSync(path.join(dir, MANIFEST), 'utf8')) as { format?: unknown };
    return m.format === FORMAT;
  } catch {
    return false;
  }
}
