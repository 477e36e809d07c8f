// `wabi dataset build`: from real images, graded anti-aesthetic variants along every trait the `degrade` reference
// can apply, each with an anti-aesthetic prompt written from the intent lexicon, a manifest, and a pairs file for
// `wabi audit` (faithful: the variant; polished: the source; prompt: the variant's prompt). See docs/datasets.md.
//
// Deterministic: sources in a fixed order, each variant's random stream seeded from (--seed, source id, level), and
// PNGs encoded with every choice fixed, so a rerun with the same seed writes byte-identical files and manifest.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { traitInfo } from '../catalogue/traits';
import { displayPath, reportPath } from '../files/paths';
import { DEGRADE_VERSION, encodePng } from '../generation/degradeGenerator';
import { applyDegradations, DEGRADATION_ORDER, degradationParameters, type DegradableTrait, type RawRgb } from '../generation/degradations';
import { readPrompt } from '../scoring/intent/reading';
import { MANIFEST, PAIRS, prepareOut, SOURCES_DIR, startedManifest, VARIANTS_DIR, type Manifest, type ManifestSource, type ManifestVariant } from './manifest';
import { captionSubject, DEFAULT_SUBJECT, datasetPrompt, intensityFor, levelStrengths } from './prompts';
import { decodeSource, listSources, readCaption, type SourceFile } from './sources';

export interface DatasetOptions {
  readonly from: string;
  readonly out: string;
  /** In any order; built in DEGRADATION_ORDER. Default: every degradable trait. */
  readonly traits?: readonly DegradableTrait[];
  readonly levels: number;
  readonly seed: number;
  readonly maxSide: number;
  readonly allowOutside: boolean;
}

export interface DatasetResult {
  readonly manifest: Manifest;
  readonly pairs: number;
}

/** One line of pairs.jsonl: the pairs format `wabi audit` reads (paths relative to the file). */
interface PairRow {
  readonly faithful: string;
  readonly polished: string;
  readonly prompt: string;
  readonly plain: string;
  readonly category: string;
}

/** Progress and warnings, one line each, for stderr. */
export type DatasetLog = (line: string) => void;

export async function buildDataset(options: DatasetOptions, log: DatasetLog): Promise<DatasetResult> {
  const out = path.resolve(options.out);
  const traits = DEGRADATION_ORDER.filter((t) => !options.traits || options.traits.includes(t));
  const listing = listSources(options.from, out, options.allowOutside);
  if (listing.sources.length === 0) throw new Error(`--from ${displayPath(path.resolve(options.from))}: no images found (${listing.skipped.length} skipped)`);
  prepareOut(out);
  fs.writeFileSync(path.join(out, MANIFEST), JSON.stringify(startedManifest()) + '\n');

  const skipped = listing.skipped.map((s) => ({ file: reportPath(s.file, path.resolve(options.from)), error: s.error }));
  for (const s of listing.skipped) log(`skipped ${displayPath(s.file)}: ${s.error}`);
  const sources: ManifestSource[] = [];
  const variants: ManifestVariant[] = [];
  const rows: PairRow[] = [];
  const strengths = levelStrengths(options.levels);
  log(`building ${listing.sources.length} source${plural(listing.sources.length)} x ${traits.length} trait${plural(traits.length)} x ${options.levels} level${plural(options.levels)} into ${displayPath(out)}`);
  for (const [k, src] of listing.sources.entries()) {
    let loaded: { image: RawRgb; caption: string | undefined; bytes: Buffer };
    try {
      loaded = { caption: readCaption(src.file), image: await decodeSource(src.file, options.maxSide), bytes: fs.readFileSync(src.file) };
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e);
      skipped.push({ file: src.relative, error });
      log(`[${k + 1}/${listing.sources.length}] skipped ${displayPath(src.file)}: ${error}`);
      continue;
    }
    const subject = captionSubject(loaded.caption);
    const captionTraits = readPrompt(subject).traits.map((t) => t.trait);
    if (captionTraits.length > 0) log(`warning: the caption of ${displayPath(src.file)} reads as ${captionTraits.join(', ')}: its prompts ask for that too`);
    const source = await writeSource(out, src, loaded);
    sources.push(source);
    for (const trait of traits) {
      for (const [l, strength] of strengths.entries()) {
        const v = await writeVariant(out, src, loaded.image, { trait, level: l + 1, strength, seed: variantSeed(options.seed, src.id, l + 1), subject });
        variants.push(v);
        rows.push({ faithful: v.image, polished: source.image, prompt: v.prompt, plain: loaded.caption ?? DEFAULT_SUBJECT, category: traitInfo(trait)!.serves[0] });
      }
    }
    log(`[${k + 1}/${listing.sources.length}] ${displayPath(src.file)}: ${traits.length * strengths.length} variants`);
  }
  const manifest: Manifest = {
    ...startedManifest(),
    complete: true,
    degrade: DEGRADE_VERSION,
    seed: options.seed,
    levels: options.levels,
    maxSide: options.maxSide,
    traits,
    from: reportPath(path.resolve(options.from), out),
    sources,
    variants,
    skipped,
  };
  fs.writeFileSync(path.join(out, PAIRS), rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length ? '\n' : ''));
  fs.writeFileSync(path.join(out, MANIFEST), JSON.stringify(manifest, null, 2) + '\n');
  return { manifest, pairs: rows.length };
}

async function writeSource(out: string, src: SourceFile, loaded: { image: RawRgb; caption: string | undefined; bytes: Buffer }): Promise<ManifestSource> {
  const image = `${SOURCES_DIR}/${src.id}.png`;
  const png = await encodePng(loaded.image);
  writeFile(out, image, png);
  return {
    id: src.id,
    file: src.relative,
    sha256: sha256(loaded.bytes),
    caption: loaded.caption ?? null,
    image,
    imageSha256: sha256(png),
    width: loaded.image.width,
    height: loaded.image.height,
  };
}

interface VariantPlan {
  readonly trait: DegradableTrait;
  readonly level: number;
  readonly strength: number;
  readonly seed: number;
  readonly subject: string;
}

async function writeVariant(out: string, src: SourceFile, image: RawRgb, plan: VariantPlan): Promise<ManifestVariant> {
  const degraded = await applyDegradations(image, [plan.trait], plan.strength, plan.seed);
  const png = await encodePng(degraded);
  const file = `${VARIANTS_DIR}/${plan.trait}/${src.id}-L${plan.level}.png`;
  writeFile(out, file, png);
  return {
    source: src.id,
    trait: plan.trait,
    level: plan.level,
    strength: plan.strength,
    intensity: intensityFor(plan.strength).name,
    seed: plan.seed,
    parameters: degradationParameters(plan.trait, plan.strength, image, plan.seed),
    prompt: datasetPrompt(plan.trait, plan.strength, plan.subject),
    image: file,
    sha256: sha256(png),
  };
}

function writeFile(out: string, relative: string, bytes: Buffer): void {
  const file = path.join(out, ...relative.split('/'));
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, bytes);
}

/** A variant's seed: FNV-1a of (dataset seed, source id, level), so each image of each level gets its own grain and
 *  tilt direction, the same on every rerun, whatever other sources or traits the build holds. */
export function variantSeed(seed: number, id: string, level: number): number {
  let h = 0x811c9dc5;
  for (const ch of `${seed}:${id}:${level}`) {
    h ^= ch.charCodeAt(0);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

const plural = (n: number) => (n === 1 ? '' : 's');
