// `wabi fmt`: formats specs in place, or with --check lists the files that are not formatted (exit 1).
import * as fs from 'node:fs';
import { formatText } from '../language/formatter';
import { stripBom } from '../files/host';
import { parseArgs } from './args';
import { displayPath, findSpecFiles } from './specFiles';

export function runFormat(argv: readonly string[], out: (line: string) => void, err: (line: string) => void): number {
  const args = parseArgs(argv, ['--check'], ['--indent']);
  const tabSize = Number(args.flags.get('--indent') ?? 2);
  const files = findSpecFiles(args.operands);
  const unformatted: string[] = [];
  for (const file of files) {
    const raw = fs.readFileSync(file, 'utf8');
    const text = stripBom(raw);
    const formatted = (raw === text ? '' : '\ufeff') + formatText(text, { tabSize });
    if (formatted === raw) continue;
    unformatted.push(file);
    if (!args.flags.has('--check')) fs.writeFileSync(file, formatted);
  }
  for (const f of unformatted) out(displayPath(f));
  if (args.flags.has('--check')) {
    err(unformatted.length ? `${unformatted.length} of ${files.length} spec files need formatting (run wabi fmt).` : `${files.length} spec files are formatted.`);
    return unformatted.length ? 1 : 0;
  }
  err(`${unformatted.length} of ${files.length} spec files reformatted.`);
  return 0;
}
