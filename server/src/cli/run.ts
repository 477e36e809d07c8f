// `wabi run`: runs the tests of specs and reports them. Exit codes: 0 every test passed, 1 some test failed, was
// beautified against intent, or could not be decided, 2 spec, configuration or usage errors (nothing ran).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MAX_SEED, MAX_SEEDS } from '../catalogue/values';
import type { GeneratorProblem } from '../engine/compare';
import { startRun } from '../engine/runSession';
import { displayPath } from '../files/paths';
import { resolveCacheRoot } from '../runner/resultCache';
import { parseShard } from '../runner/shards';
import type { ShardOfRun, ShardSpec } from '../runner/results';
import { createProgressReporter, endpointLines, githubAnnotations, leaderboard, leaderboardLines, parseReporters, summaryLine, writeReports, type ReporterName } from '../runner/reporters/index';
import { PROVIDER_SETTINGS, type ProviderSetting } from '../catalogue/providers';
import { UsageError, parseArgs } from './args';
import { formatDiagnostic } from './check';
import { findSpecs } from './specFiles';

const FLAGS = ['--no-cache', '--quiet', '--allow-outside'];
const VALUED = ['--filter', '--seeds', '--concurrency', '--reporter', '--out', '--provider', '--cache', '--batch', '--judge-batch', '--generator', '--shard'];

export async function runRun(argv: readonly string[], out: (line: string) => void, err: (line: string) => void): Promise<number> {
  const args = parseArgs(argv, FLAGS, VALUED);
  const provider = (args.flags.get('--provider') ?? 'auto') as ProviderSetting;
  if (!PROVIDER_SETTINGS.includes(provider)) throw new UsageError(`--provider must be one of ${PROVIDER_SETTINGS.join(', ')}`);
  // Without --concurrency the runner makes 2 images at once, or as many as the largest generator pool can.
  const concurrency = args.flags.has('--concurrency') ? wholeNumber(args.flags.get('--concurrency'), '--concurrency', 2) : undefined;
  // Without --batch the scorer sizes batches for where it runs (2 on the CPU, 16 on a GPU).
  const batchSize = args.flags.has('--batch') ? wholeNumber(args.flags.get('--batch'), '--batch', 1) : undefined;
  const judgeBatch = args.flags.has('--judge-batch') ? wholeNumber(args.flags.get('--judge-batch'), '--judge-batch', 1) : undefined;
  const seeds = args.flags.has('--seeds') ? parseSeedList(String(args.flags.get('--seeds'))) : undefined;
  const generators = args.flags.has('--generator') ? parseGeneratorList(String(args.flags.get('--generator'))) : undefined;
  let reporters: ReporterName[];
  try {
    reporters = parseReporters(String(args.flags.get('--reporter') ?? ''));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  // A blob is a shard's result: without --shard the run is the one shard of one.
  const shard = args.flags.has('--shard') ? readShard(String(args.flags.get('--shard'))) : reporters.includes('blob') ? { index: 1, total: 1 } : undefined;
  const cwd = process.cwd();
  const outDir = path.resolve(cwd, String(args.flags.get('--out') ?? 'wabi-report'));

  const noCache = args.flags.has('--no-cache');
  if (reporters.length > 0) prepareReportFolder(outDir, String(args.flags.get('--out') ?? 'wabi-report'));
  // --no-cache: a store emptied now, so nothing is reused. With reports it is kept beside them, so their image paths
  // stay valid; without, it is a temporary folder removed after the run.
  const scratch = noCache && reporters.length === 0 ? fs.mkdtempSync(path.join(os.tmpdir(), 'wabi-run-')) : undefined;
  const ci = process.env.CI === 'true' || process.env.CI === '1' || process.env.GITHUB_ACTIONS === 'true' || !process.stderr.isTTY;
  const progress = args.flags.has('--quiet') ? undefined : createProgressReporter(process.stderr, { ci });
  const specs = findSpecs(args.operands);
  const session = startRun({
    files: specs.files,
    // Specs read files only inside their projects, as `wabi check` says, unless the user opts out.
    projects: args.flags.has('--allow-outside') ? undefined : specs.roots,
    filter: args.flags.has('--filter') ? { name: String(args.flags.get('--filter')) } : undefined,
    seeds,
    // `--generator a,b` compares those generators; without it, specs whose defaults hold a `compare` list compare theirs.
    compare: generators ?? 'spec',
    cacheDir: scratch ?? (noCache ? path.join(outDir, 'images') : resolveCacheRoot(cwd, args.flags.get('--cache') as string | undefined)),
    freshCache: noCache,
    env: { env: process.env },
    provider,
    concurrency,
    batchSize,
    ...(judgeBatch ? { judgeBatch } : {}),
    shard,
    onEvent: (e) => {
      if (progress && e.type !== 'run-queued' && e.type !== 'run-planned') progress(e);
    },
    log: (line) => err(line),
  });
  let stopping = false;
  const onSignal = () => {
    if (stopping) process.exit(130);
    stopping = true;
    err('\nwabi: stopping; finished results are kept (press Ctrl+C again to quit now).');
    session.cancel();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const outcome = await session.outcome;
    if (outcome.status === 'spec-errors') {
      for (const { file, diagnostic } of outcome.errors) err(formatDiagnostic(file, diagnostic));
      const n = outcome.errors.length;
      err(`wabi: ${n} error${n === 1 ? '' : 's'} in the specs; nothing was run (see wabi check).`);
      return 2;
    }
    if (outcome.status === 'bad-generators') {
      for (const problem of outcome.problems) err(`wabi: ${generatorProblem(problem)}`);
      return 2;
    }
    if (outcome.status === 'no-tests') {
      err(outcome.filtered ? `wabi: no test matches --filter '${args.flags.get('--filter')}'.` : 'wabi: the specs hold no tests.');
      return 2;
    }
    if (outcome.status === 'cancelled') return 1;
    const result = outcome.result;
    if (result.shard && result.shard.total > 1) err(shardLine(result.shard));
    for (const line of endpointLines(result.endpoints ?? [])) err(line);
    // A shard that writes a blob leaves the annotations to `wabi merge-reports`, which would repeat them.
    if (process.env.GITHUB_ACTIONS === 'true' && !reporters.includes('blob')) {
      for (const line of githubAnnotations(result, { relativeTo: process.env.GITHUB_WORKSPACE ?? cwd })) out(line);
    }
    if (reporters.length > 0) {
      const written = await writeReports(result, reporters, outDir, { relativeTo: cwd });
      for (const f of written) err(`wrote ${path.relative(cwd, f) || f}`);
    }
    if (args.flags.has('--quiet')) err(summaryLine(result));
    const board = leaderboard(result.tests);
    if (board) for (const line of leaderboardLines(board, result.tests)) out(line);
    if (!result.complete) return 1;
    const s = result.summary;
    return s.failed + s.beautified + s.errors > 0 ? 1 : 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
  }
}

function readShard(text: string): ShardSpec {
  try {
    return parseShard(text);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** `shard 2/4: 5 of the 20 tests selected`, or that it held none. */
function shardLine(s: ShardOfRun): string {
  const tests = (n: number) => `${n} test${n === 1 ? '' : 's'}`;
  if (s.positions.length === 0) return `shard ${s.index}/${s.total}: none of the ${tests(s.selected)} selected fell to this shard; nothing ran`;
  return `shard ${s.index}/${s.total}: ${s.positions.length} of the ${tests(s.selected)} selected`;
}

function wholeNumber(value: string | true | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 256) throw new UsageError(`${flag} must be a whole number from 1 to 256`);
  return n;
}

/** `1..4,7` to [1, 2, 3, 4, 7]. The limits a spec's `seeds` has are checked before anything is expanded. */
export function parseSeedList(text: string): number[] {
  const ranges: Array<[number, number]> = [];
  let count = 0;
  for (const part of text.split(/[\s,]+/).filter(Boolean)) {
    const m = /^(\d+)(?:\.\.(\d+))?$/.exec(part);
    if (!m) throw new UsageError(`--seeds: '${part}' is not a seed or a range such as 1..4`);
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    if (to > MAX_SEED) throw new UsageError(`--seeds: seeds are whole numbers from 0 to ${MAX_SEED}; got ${part}`);
    if (to < from) throw new UsageError(`--seeds: the range ${part} runs backwards`);
    ranges.push([from, to]);
    count += to - from + 1;
  }
  if (count > MAX_SEEDS) throw new UsageError(`--seeds: ${count} seeds is more than the ${MAX_SEEDS} a run may use`);
  const out = new Set<number>();
  for (const [from, to] of ranges) for (let s = from; s <= to; s++) out.add(s);
  if (out.size === 0) throw new UsageError('--seeds needs at least one seed');
  return [...out];
}

/** `a,b, c` to ['a', 'b', 'c'], each once, in the order given. */
export function parseGeneratorList(text: string): string[] {
  const names = text.split(/[\s,]+/).filter(Boolean);
  if (names.length === 0) throw new UsageError('--generator needs at least one generator name, e.g. --generator base,tuned');
  return [...new Set(names)];
}

/** `--generator: unknown generator 'tunde' in specs/a.wabi; did you mean 'tuned'?` */
function generatorProblem(p: GeneratorProblem): string {
  const spec = displayPath(p.spec);
  if (p.reason === 'files') return `--generator: '${p.name}' is a files generator in ${spec}: it scores existing images and makes none, so there is nothing to compare.`;
  const hint = p.suggestion ? `; did you mean '${p.suggestion}'?` : p.known.length > 0 ? `; it can use ${p.known.join(', ')}.` : '; it defines and imports no generator.';
  return `--generator: unknown generator '${p.name}' in ${spec}${hint}`;
}

/** Makes the report folder before the run, one level at a time, so a folder that cannot be made is a usage error
 *  at once (recursive mkdir can spin on paths such as /proc/x) and no finished run is lost to it. */
export function prepareReportFolder(dir: string, given: string): void {
  const missing: string[] = [];
  let at = dir;
  for (;;) {
    let stat: fs.Stats | undefined;
    try {
      stat = fs.statSync(at);
    } catch {
      stat = undefined;
    }
    if (stat) {
      if (!stat.isDirectory()) throw new UsageError(at === dir ? `--out ${given} is a file, not a folder` : `--out ${given}: ${at} is a file, not a folder`);
      break;
    }
    const parent = path.dirname(at);
    if (parent === at) break;
    missing.unshift(at);
    at = parent;
  }
  for (const level of missing) {
    try {
      fs.mkdirSync(level);
    } catch (e) {
      throw new UsageError(`--out ${given}: cannot create the report folder (${(e as NodeJS.ErrnoException).code ?? (e as Error).message} at ${level})`);
    }
  }
}
