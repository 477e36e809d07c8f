// `wabi merge-reports DIR|FILE ... [--reporter json,junit,html] [--out DIR] [--quiet]`: joins the blobs of a sharded
// run (`wabi run --shard i/n --reporter blob`) into the reports and the exit code one unsharded run gives. A folder
// is searched (sub-folders too, as CI artifact downloads nest them) for `wabi-blob-*.json`; a file is read whatever
// its name. Exit codes as for `wabi run`: 0 every test passed, 1 some test failed, was beautified against intent,
// could not be decided, or a shard was cancelled part way; 2 usage errors and blobs that do not make one run.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { displayPath } from '../files/paths';
import {
  endpointLines,
  githubAnnotations,
  leaderboard,
  leaderboardLines,
  mergeBlobs,
  MergeError,
  parseMergedReporters,
  readBlob,
  shardLines,
  summaryLine,
  testLine,
  writeReports,
  type BlobFile,
  type MergedReporterName,
} from '../runner/reporters/index';
import { UsageError, parseArgs } from './args';
import { prepareReportFolder } from './run';

const BLOB_NAME = /^wabi-blob-.*\.json$/;
const MAX_DEPTH = 8;

export async function runMergeReports(argv: readonly string[], out: (line: string) => void, err: (line: string) => void): Promise<number> {
  const args = parseArgs(argv, ['--quiet'], ['--reporter', '--out']);
  let reporters: MergedReporterName[];
  try {
    reporters = parseMergedReporters(String(args.flags.get('--reporter') ?? 'json,junit,html'));
  } catch (e) {
    throw new UsageError(`merge-reports: ${(e as Error).message}`);
  }
  if (args.operands.length === 0) throw new UsageError('merge-reports needs the folders (or files) holding the blobs, e.g. wabi merge-reports blobs/');
  const cwd = process.cwd();
  const given = String(args.flags.get('--out') ?? 'wabi-report');
  const outDir = path.resolve(cwd, given);
  if (reporters.length > 0) prepareReportFolder(outDir, given);

  const files: BlobFile[] = [];
  try {
    for (const file of blobFiles(args.operands)) files.push({ name: displayPath(file), blob: readBlob(fs.readFileSync(file, 'utf8'), displayPath(file)) });
  } catch (e) {
    if (!(e instanceof MergeError)) throw e;
    err(`wabi: merge-reports: ${e.message}`);
    return 2;
  }
  let result;
  try {
    result = mergeBlobs(files, cwd);
  } catch (e) {
    if (!(e instanceof MergeError)) throw e;
    err(`wabi: merge-reports: ${e.message}`);
    return 2;
  }

  if (process.env.GITHUB_ACTIONS === 'true') {
    for (const line of githubAnnotations(result, { relativeTo: process.env.GITHUB_WORKSPACE ?? cwd })) out(line);
  }
  if (!args.flags.has('--quiet')) for (const t of result.tests) if (t.verdict !== 'pass') err(testLine(t));
  for (const line of shardLines(result.shards ?? [])) err(line);
  for (const line of endpointLines(result.endpoints ?? [])) err(line);
  err(summaryLine(result));
  if (reporters.length > 0) {
    const written = await writeReports(result, reporters, outDir, { relativeTo: cwd });
    for (const f of written) err(`wrote ${path.relative(cwd, f) || f}`);
  }
  const board = leaderboard(result.tests);
  if (board) for (const line of leaderboardLines(board, result.tests)) out(line);
  if (!result.complete) return 1;
  const s = result.summary;
  return s.failed + s.beautified + s.errors > 0 ? 1 : 0;
}

/** The blob files the operands name, each once, sorted. */
function blobFiles(operands: readonly string[]): string[] {
  const found = new Set<string>();
  for (const operand of operands) {
    const abs = path.resolve(operand);
    let stat: fs.Stats;
    try {
      stat = fs.statSync(abs);
    } catch {
      throw new UsageError(`merge-reports: '${operand}' does not exist`);
    }
    if (stat.isFile()) {
      found.add(abs);
      continue;
    }
    const here = new Set<string>();
    collect(abs, here, MAX_DEPTH);
    if (here.size === 0) throw new UsageError(`merge-reports: no blobs (wabi-blob-*.json) in '${operand}'`);
    for (const f of here) found.add(f);
  }
  return [...found].sort();
}

function collect(dir: string, out: Set<string>, depthLeft: number): void {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, e.name);
    if (e.isDirectory() && depthLeft > 0) collect(full, out, depthLeft - 1);
    else if (e.isFile() && BLOB_NAME.test(e.name)) out.add(full);
  }
}
