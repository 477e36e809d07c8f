// `wabi run`: runs the tests of specs and reports them. Exit codes: 0 every test passed, 1 some test failed, was
// beautified against intent, or could not be decided, 2 spec, configuration or usage errors (nothing ran).
import * as path from 'node:path';
import { startRun } from '../engine/runSession';
import { resolveCacheRoot } from '../runner/resultCache';
import { createProgressReporter, githubAnnotations, parseReporters, summaryLine, writeReports, type ReporterName } from '../runner/reporters/index';
import { PROVIDER_SETTINGS, type ProviderSetting } from '../scoring/session';
import { UsageError, parseArgs } from './args';
import { formatDiagnostic } from './check';
import { findSpecFiles } from './specFiles';

const FLAGS = ['--no-cache', '--quiet'];
const VALUED = ['--filter', '--seeds', '--concurrency', '--reporter', '--out', '--provider', '--cache', '--batch'];

export async function runRun(argv: readonly string[], out: (line: string) => void, err: (line: string) => void): Promise<number> {
  const args = parseArgs(argv, FLAGS, VALUED);
  const provider = (args.flags.get('--provider') ?? 'auto') as ProviderSetting;
  if (!PROVIDER_SETTINGS.includes(provider)) throw new UsageError(`--provider must be one of ${PROVIDER_SETTINGS.join(', ')}`);
  const concurrency = wholeNumber(args.flags.get('--concurrency'), '--concurrency', 2);
  const batchSize = wholeNumber(args.flags.get('--batch'), '--batch', 8);
  const seeds = args.flags.has('--seeds') ? parseSeedList(String(args.flags.get('--seeds'))) : undefined;
  let reporters: ReporterName[];
  try {
    reporters = parseReporters(String(args.flags.get('--reporter') ?? ''));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const cwd = process.cwd();
  const outDir = path.resolve(cwd, String(args.flags.get('--out') ?? 'wabi-report'));

  const noCache = args.flags.has('--no-cache');
  const ci = process.env.CI === 'true' || process.env.CI === '1' || process.env.GITHUB_ACTIONS === 'true' || !process.stderr.isTTY;
  const progress = args.flags.has('--quiet') ? undefined : createProgressReporter(process.stderr, { ci });
  const session = startRun({
    files: findSpecFiles(args.operands),
    filter: args.flags.has('--filter') ? { name: String(args.flags.get('--filter')) } : undefined,
    seeds,
    // --no-cache: a store emptied now and kept beside the reports, so nothing is reused and the reports' image
    // paths stay valid after the run.
    cacheDir: noCache ? path.join(outDir, 'images') : resolveCacheRoot(cwd, args.flags.get('--cache') as string | undefined),
    freshCache: noCache,
    env: { env: process.env },
    provider,
    concurrency,
    batchSize,
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
    if (outcome.status === 'no-tests') {
      err(outcome.filtered ? `wabi: no test matches --filter '${args.flags.get('--filter')}'.` : 'wabi: the specs hold no tests.');
      return 2;
    }
    if (outcome.status === 'cancelled') return 1;
    const result = outcome.result;
    if (process.env.GITHUB_ACTIONS === 'true') {
      for (const line of githubAnnotations(result, { relativeTo: process.env.GITHUB_WORKSPACE ?? cwd })) out(line);
    }
    if (reporters.length > 0) {
      const written = await writeReports(result, reporters, outDir, { relativeTo: cwd });
      for (const f of written) err(`wrote ${path.relative(cwd, f) || f}`);
    }
    if (args.flags.has('--quiet')) err(summaryLine(result));
    if (!result.complete) return 1;
    const s = result.summary;
    return s.failed + s.beautified + s.errors > 0 ? 1 : 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

function wholeNumber(value: string | true | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 256) throw new UsageError(`${flag} must be a whole number from 1 to 256`);
  return n;
}

/** `1..4,7` to [1, 2, 3, 4, 7]. */
export function parseSeedList(text: string): number[] {
  const out: number[] = [];
  for (const part of text.split(/[\s,]+/).filter(Boolean)) {
    const m = /^(\d+)(?:\.\.(\d+))?$/.exec(part);
    if (!m) throw new UsageError(`--seeds: '${part}' is not a seed or a range such as 1..4`);
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    if (to < from) throw new UsageError(`--seeds: the range ${part} runs backwards`);
    if (to - from > 10_000) throw new UsageError(`--seeds: ${part} is more than 10,000 seeds`);
    for (let s = from; s <= to; s++) if (!out.includes(s)) out.push(s);
  }
  if (out.length === 0) throw new UsageError('--seeds needs at least one seed');
  return out;
}
