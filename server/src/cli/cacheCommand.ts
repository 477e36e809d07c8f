// `wabi cache stats|clear`: the result cache of generated images and scores (runner/resultCache.ts).
//   --cache DIR   the cache folder (default $WABI_CACHE_DIR, else .wabi/cache in the current folder)
//   --json        print the figures as one JSON object
// Neither command creates a cache that is not there; `clear` removes only files named as the cache names them.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ResultCache, resolveCacheRoot, type CacheStats, type ClearResult } from '../runner/resultCache';
import { UsageError, parseArgs } from './args';
import { displayPath } from './specFiles';

export async function runCache(argv: readonly string[], out: (line: string) => void, err: (line: string) => void): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== 'stats' && sub !== 'clear') {
    throw new UsageError(sub === undefined ? "'wabi cache' needs stats or clear" : `unknown cache command '${sub}' (stats or clear)`);
  }
  const args = parseArgs(rest, ['--json'], ['--cache']);
  if (args.operands.length > 0) throw new UsageError(`'wabi cache ${sub}' takes no operands, got '${args.operands[0]}'`);
  const flag = args.flags.get('--cache');
  const root = resolveCacheRoot(process.cwd(), typeof flag === 'string' ? path.resolve(flag) : undefined);
  const json = args.flags.has('--json');
  const exists = fs.existsSync(root);
  if (exists && !fs.statSync(root).isDirectory()) throw new UsageError(`cache '${displayPath(root)}' is not a folder`);

  if (sub === 'stats') {
    const stats: CacheStats = exists
      ? await (await ResultCache.open(root, { create: false })).stats()
      : { root, images: 0, scores: 0, hashes: 0, bytes: 0, oldest: null, newest: null, orphans: 0, temp: 0, tempRemoved: 0 };
    if (json) {
      out(JSON.stringify(stats));
      return 0;
    }
    out(`cache   ${displayPath(root)}${exists ? '' : ' (does not exist)'}`);
    out(`images  ${stats.images}`);
    out(`scores  ${stats.scores}`);
    if (stats.hashes > 0) out(`hashes  ${stats.hashes} (of model files, so they are not read again)`);
    out(`size    ${formatBytes(stats.bytes)}`);
    if (stats.oldest) out(`oldest  ${stats.oldest}`);
    if (stats.newest) out(`newest  ${stats.newest}`);
    if (stats.orphans > 0) out(`orphans ${stats.orphans} (images whose writer stopped before committing them)`);
    if (stats.temp > 0) out(`writing ${stats.temp} (temp files of writers that may still be running)`);
    if (stats.tempRemoved > 0) err(`Removed ${stats.tempRemoved} stale temp file${plural(stats.tempRemoved)}.`);
    return 0;
  }

  const cleared: ClearResult = exists ? await (await ResultCache.open(root, { create: false })).clear() : { images: 0, scores: 0, hashes: 0, files: 0, bytes: 0 };
  if (json) out(JSON.stringify({ root, ...cleared }));
  else
    out(
      `Removed ${cleared.images} image${plural(cleared.images)} and ${cleared.scores} score entr${cleared.scores === 1 ? 'y' : 'ies'} ` +
        `(${cleared.files} file${plural(cleared.files)}, ${formatBytes(cleared.bytes)}) from ${displayPath(root)}.`,
    );
  return 0;
}

function plural(n: number): string {
  return n === 1 ? '' : 's';
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[u]}`;
}
