// `wabi traits`: without files, the trait catalogue; with files, every trait scored on each image.
//   --lexicon    without files: the intent judge's lexicon instead of the catalogue (--json: its data;
//                --markdown: docs/intent-judge.md)
//   --json       one object per file: {file, traits: {name: score}, raw: {name: value}} or {file, error}
//   --provider   auto | cuda | webgpu | cpu (default auto)
//   --batch N    images per inference batch (default 2 on the CPU, 16 on a GPU)
// Exit 1 when any file could not be scored; the others are still scored and printed.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LEXICON, LEXICON_DATA } from '../catalogue/intentLexicon';
import { TRAITS } from '../catalogue/traits';
import { IMAGE_EXTENSIONS } from '../files/imageFormat';
import { PROVIDER_SETTINGS, type ProviderSetting } from '../catalogue/providers';
import { isFailure, TraitScorer, type TraitFailure, type TraitResult } from '../scoring/traitScorer';
import { intentJudgeMarkdown } from '../scoring/intent/docs';
import { traitsMarkdown } from '../scoring/traits/docs';
import { TRAIT_ANALYSERS, traitAnalyser } from '../scoring/traits/index';
import { UsageError, parseArgs } from './args';
import { displayPath } from './specFiles';


export async function runTraits(argv: readonly string[], out: (line: string) => void, err: (line: string) => void): Promise<number> {
  const args = parseArgs(argv, ['--json', '--markdown', '--list', '--lexicon'], ['--provider', '--batch']);
  if (args.operands.length === 0) {
    if (args.flags.has('--lexicon')) listLexicon(args.flags, out);
    else listCatalogue(args.flags, out);
    return 0;
  }
  if (args.flags.has('--lexicon')) throw new UsageError('--lexicon lists the lexicon and takes no files');
  const provider = (args.flags.get('--provider') ?? 'auto') as ProviderSetting;
  if (!PROVIDER_SETTINGS.includes(provider)) throw new UsageError(`--provider must be one of ${PROVIDER_SETTINGS.join(', ')}`);
  // Without --batch the scorer sizes batches for where it runs (2 on the CPU, 16 on a GPU).
  const batch = args.flags.has('--batch') ? Number(args.flags.get('--batch')) : undefined;
  if (batch !== undefined && (!Number.isInteger(batch) || batch < 1 || batch > 256)) throw new UsageError('--batch must be a whole number from 1 to 256');

  const files = expandImages(args.operands);
  const scorer = await TraitScorer.open({ analysers: TRAIT_ANALYSERS, resolve: traitAnalyser, provider, batchSize: batch, log: err });
  const json = args.flags.has('--json');
  let failures = 0;
  try {
    if (json) out('[');
    let first = true;
    const names = TRAIT_ANALYSERS.map((a) => a.name);
    if (!json) out(['file', ...names].join('\t'));
    for await (const r of scorer.scoreFiles(files)) {
      if (isFailure(r)) failures++;
      if (json) {
        out((first ? '' : ',') + JSON.stringify(toJson(r)));
        first = false;
      } else if (isFailure(r)) {
        out(`${displayPath(r.file)}\terror: ${r.error}`);
      } else {
        out([displayPath(r.file), ...names.map((n) => r.traits[n].toFixed(2))].join('\t'));
      }
    }
    if (json) out(']');
  } finally {
    await scorer.close();
  }
  if (failures > 0) err(`${failures} of ${files.length} file${files.length === 1 ? '' : 's'} could not be scored.`);
  return failures > 0 ? 1 : 0;
}

function toJson(r: TraitResult | TraitFailure): object {
  if (isFailure(r)) return { file: displayPath(r.file), error: r.error };
  return { file: displayPath(r.file), width: r.width, height: r.height, traits: r.traits, raw: r.raw };
}

/** Files as given (a missing one is reported as a failure by the scorer), folders searched for images. */
function expandImages(operands: readonly string[]): string[] {
  const out: string[] = [];
  for (const op of operands) {
    let isDir = false;
    try {
      isDir = fs.statSync(op).isDirectory();
    } catch {
      // not there: the scorer reports it in place
    }
    if (!isDir) {
      out.push(path.resolve(op));
      continue;
    }
    const walk = (dir: string) => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
        if (e.name.startsWith('.')) continue;
        const full = path.join(dir, e.name);
        if (e.isDirectory()) walk(full);
        else if (IMAGE_EXTENSIONS.has(path.extname(e.name).toLowerCase())) out.push(full);
      }
    };
    walk(path.resolve(op));
  }
  return out;
}

function listCatalogue(flags: ReadonlyMap<string, string | true>, out: (line: string) => void): void {
  if (flags.has('--markdown')) {
    out(traitsMarkdown());
  } else if (flags.has('--json')) {
    out(JSON.stringify(TRAITS, null, 2));
  } else {
    const width = Math.max(...TRAITS.map((t) => t.name.length));
    for (const t of TRAITS) out(`${t.name.padEnd(width)}  ${t.meaning}`);
  }
}

function listLexicon(flags: ReadonlyMap<string, string | true>, out: (line: string) => void): void {
  if (flags.has('--markdown')) {
    out(intentJudgeMarkdown());
  } else if (flags.has('--json')) {
    out(JSON.stringify(LEXICON_DATA, null, 2));
  } else {
    const width = Math.max(...LEXICON.map((e) => e.trait.length + e.sense.length + 1));
    for (const e of LEXICON) out(`${`${e.trait} ${e.sense}`.padEnd(width)}  ${e.phrases.join(', ')}`);
  }
}
