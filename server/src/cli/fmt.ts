// `wabi fmt`: formats specs in place, or with --check lists the files that are not formatted (exit 1).
import * as fs from 'node:fs';
import { formatText } from '../language/formatter';
import { readSpec } from '../files/text';
import { parseArgs } from './args';
import { displayPath, findSpecFiles } from './specFiles';

export function runFormat(argv: readonly string[], out: (line: string) => void, err: (line: string) => void): number {
  const args = parseArgs(argv, ['--check'], ['--indent']);
  const tabSize = Number(args.flags.get('--indent') ?? 2);
  const files = findSpecFiles(args.operands);
  const unformatted: string[] = [];
  let unreadable = 0;
  for (const file of files) {
    // Only text decoded exactly is formatted and written back: a file that is not UTF-8 would otherwise come back
    // with U+FFFD in place of its bytes, and a binary one inflated.
    const decoded = readSpec(file);
    if (!decoded || 'problem' in decoded) {
      unreadable++;
      const p = decoded?.problem;
      err(`${displayPath(file)}:${(p?.line ?? 0) + 1}:${(p?.character ?? 0) + 1} error The file ${p ? `is ${p.what}` : 'cannot be read'}; left unchanged. [${p?.code ?? 'unreadable'}]`);
      continue;
    }
    const bom = decoded.bom ? '\ufeff' : '';
    const raw = bom + decoded.text;
    const formatted = bom + formatText(decoded.text, { tabSize });
    if (formatted === raw) continue;
    unformatted.push(file);
    if (!args.flags.has('--check')) fs.writeFileSync(file, formatted);
  }
  for (const f of unformatted) out(displayPath(f));
  const skipped = unreadable ? `; ${unreadable} could not be read as UTF-8 text and ${unreadable === 1 ? 'was' : 'were'} left unchanged` : '';
  if (args.flags.has('--check')) {
    err(
      (unformatted.length ? `${unformatted.length} of ${files.length} spec files need formatting (run wabi fmt)` : `${files.length - unreadable} spec files are formatted`) +
        skipped +
        '.',
    );
    return unformatted.length || unreadable ? 1 : 0;
  }
  err(`${unformatted.length} of ${files.length} spec files reformatted${skipped}.`);
  return unreadable ? 1 : 0;
}
