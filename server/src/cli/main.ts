// The `wabi` command line: the same engine as the editor, for CI and terminals.
// Exit codes: 0 success, 1 tests failed (or, for check, the specs have errors), 2 usage or configuration errors.
import '../threadPool';
import { VERSION } from '../version';
import { UsageError } from './args';
import { runAuditCommand } from './audit';
import { runCache } from './cacheCommand';
import { runCheck } from './check';
import { runDataset } from './dataset';
import { runFormat } from './fmt';
import { runMergeReports } from './mergeReports';
import { runRun } from './run';
import { runTraits } from './traits';

const HELP = `wabi ${VERSION}: tests that image models honour anti-aesthetic intent

Usage:
  wabi run [SPEC|DIR ...] [--filter NAME] [--seeds 1..4] [--generator A,B,...] [--concurrency N] [--no-cache]
           [--reporter json,junit,html,blob] [--out DIR] [--provider P] [--cache DIR] [--allow-outside]
           [--shard i/n] [--judge-batch N]       generate, score and judge the tests (exit 1 if any fails);
                                                 --generator runs each test once per generator named and prints
                                                 a leaderboard (as does a \`compare\` list in a spec's defaults);
                                                 --shard runs the i-th of n parts of the tests, the same part on
                                                 every machine, balanced by images; blob writes its result;
                                                 --judge-batch: most images per judge model run, gathered across
                                                 tests and seeds (an audit's pairs, for audit); default 4 on the
                                                 CPU, 32 on a GPU
  wabi merge-reports DIR|FILE ... [--reporter json,junit,html] [--out DIR] [--quiet]
                                                 join the shards' blobs into one run's reports and exit code
  wabi audit [SPEC|DIR ...] --pairs FILE|DIR --judge NAME [--judge NAME ...] [--min-accuracy X] [--json]
           [--reporter json,csv,html] [--out DIR] [--cache DIR] [--no-cache] [--provider P] [--allow-outside]
           [--quiet] [--explain] [--judge-batch N]
                                                 does each judge score the faithful image of every pair above the
                                                 polished one? accuracy, F1, AUROC, mean gap by category, tests
                                                 between judges (exit 1 if one is under --min-accuracy); without
                                                 --pairs, every audit block of the specs. The judge 'traits' is
                                                 built in (no weights); --explain shows what it read in each prompt
  wabi check [--json] [--quiet] [--allow-outside] [SPEC|DIR ...]
                                                 report spec errors and warnings (exit 1 on errors)
  wabi fmt [--check] [--indent N] [SPEC|DIR ...] format specs in place, or list unformatted ones
  wabi traits [--json] [--provider P] [--batch N] IMAGE|DIR ...
                                                 score every trait on images (exit 1 if any cannot be read)
  wabi traits [--json | --markdown]              list the trait catalogue
  wabi traits --lexicon [--json | --markdown]    list the intent judge's lexicon (wording -> traits)
  wabi cache stats|clear [--cache DIR] [--json]  show or empty the cache of images and scores
  wabi dataset build --from DIR --out DIR [--traits t1,t2] [--levels N] [--seed S] [--max-side PX]
                     [--allow-outside]           graded anti-aesthetic variants of real images, with prompts,
                                                 a manifest and pairs.jsonl for audits (exit 1 if any is skipped)

A spec reads files only inside its project: the nearest folder above it holding .git or .wabi, else the folder
given (--allow-outside lifts that).
  wabi lsp --stdio                               run the language server (Neovim, Helix, Emacs...)
  wabi --version | help

Without SPEC|DIR, the current folder is searched for *.wabi files.`;

async function main(argv: readonly string[]): Promise<number | 'server'> {
  const out = (line: string) => process.stdout.write(line + '\n');
  const err = (line: string) => process.stderr.write(line + '\n');
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'check':
        return runCheck(rest, out, err);
      case 'fmt':
      case 'format':
        return runFormat(rest, out, err);
      case 'run':
        return await runRun(rest, out, err);
      case 'merge-reports':
        return await runMergeReports(rest, out, err);
      case 'audit':
        return await runAuditCommand(rest, out, err);
      case 'traits':
        return await runTraits(rest, out, err);
      case 'cache':
        return await runCache(rest, out, err);
      case 'dataset':
        return await runDataset(rest, out, err);
      case 'lsp':
        // The server reads its transport (--stdio, --node-ipc, --socket=N) from process.argv itself.
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        require('../lsp/main');
        return 'server';
      case '--version':
      case '-v':
      case 'version':
        out(VERSION);
        return 0;
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        out(HELP);
        return 0;
      default:
        throw new UsageError(`unknown command '${command}'`);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      err(`wabi: ${e.message}\n\n${HELP}`);
      return 2;
    }
    err(`wabi: ${e instanceof Error ? e.message : String(e)}`);
    return 2;
  }
}

void main(process.argv.slice(2)).then((code) => {
  if (code !== 'server') process.exitCode = code;
});
