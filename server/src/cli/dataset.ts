// `wabi dataset build --from DIR --out DIR [--traits t1,t2] [--levels N] [--seed S] [--max-side PX] [--allow-outside]`:
// graded anti-aesthetic variants of real images with prompts, a manifest and a pairs file for `wabi audit`
// (dataset/build.ts; docs/datasets.md). Progress goes to stderr, the summary to stdout.
// Exit 0 when every source was used, 1 when some were skipped (the dataset is still written), 2 on usage errors.
import * as path from 'node:path';
import { closest } from '../catalogue/suggest';
import { isTraitName } from '../catalogue/traits';
import { DEGRADATION_ORDER, isDegradable, type DegradableTrait } from '../generation/degradations';
import { buildDataset } from '../dataset/build';
import { MANIFEST, PAIRS } from '../dataset/manifest';
import { UsageError, parseArgs } from './args';
import { displayPath } from './specFiles';

const DEFAULT_LEVELS = 4;
const DEFAULT_SEED = 1;
const DEFAULT_MAX_SIDE = 1024;

export async function runDataset(argv: readonly string[], out: (line: string) => void, err: (line: string) => void): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== 'build') throw new UsageError(sub === undefined ? "'wabi dataset' needs build" : `unknown dataset command '${sub}' (build)`);
  const args = parseArgs(rest, ['--allow-outside'], ['--from', '--out', '--traits', '--levels', '--seed', '--max-side']);
  if (args.operands.length > 0) throw new UsageError(`'wabi dataset build' takes no operands, got '${args.operands[0]}'`);
  const from = args.flags.get('--from');
  const outDir = args.flags.get('--out');
  if (typeof from !== 'string') throw new UsageError("'wabi dataset build' needs --from DIR (the source images)");
  if (typeof outDir !== 'string') throw new UsageError("'wabi dataset build' needs --out DIR (where the dataset goes)");
  const options = {
    from: path.resolve(from),
    out: path.resolve(outDir),
    traits: parseTraits(args.flags.get('--traits')),
    levels: wholeNumber(args.flags.get('--levels'), '--levels', DEFAULT_LEVELS, 1, 20),
    seed: wholeNumber(args.flags.get('--seed'), '--seed', DEFAULT_SEED, 0, 2 ** 32 - 1),
    maxSide: wholeNumber(args.flags.get('--max-side'), '--max-side', DEFAULT_MAX_SIDE, 16, 8192),
    allowOutside: args.flags.has('--allow-outside'),
  };
  const result = await buildDataset(options, err);
  const m = result.manifest;
  out(`${result.pairs} pairs from ${m.sources.length} source${m.sources.length === 1 ? '' : 's'} (${m.traits.length} traits x ${m.levels} levels): ${displayPath(path.join(options.out, PAIRS))}, ${displayPath(path.join(options.out, MANIFEST))}`);
  if (m.skipped.length > 0) err(`${m.skipped.length} file${m.skipped.length === 1 ? '' : 's'} skipped (listed in the manifest).`);
  return m.skipped.length > 0 ? 1 : 0;
}

function parseTraits(value: string | true | undefined): DegradableTrait[] | undefined {
  if (value === undefined) return undefined;
  if (value === true) throw new UsageError('--traits needs a comma-separated list');
  const names = value.split(',').map((t) => t.trim()).filter((t) => t.length > 0);
  if (names.length === 0) throw new UsageError('--traits needs at least one trait');
  return names.map((name) => {
    if (!isTraitName(name)) {
      const guess = closest(name, DEGRADATION_ORDER);
      throw new UsageError(`unknown trait '${name}'${guess ? ` (did you mean '${guess}'?)` : ''}; the dataset traits are ${DEGRADATION_ORDER.join(', ')}`);
    }
    if (!isDegradable(name)) throw new UsageError(`'${name}' cannot be made by degrading an image (see docs/datasets.md); the dataset traits are ${DEGRADATION_ORDER.join(', ')}`);
    return name;
  });
}

function wholeNumber(value: string | true | undefined, flag: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value === true || !Number.isInteger(n) || n < min || n > max) throw new UsageError(`${flag} must be a whole number from ${min} to ${max}`);
  return n;
}
