// `wabi traits`: the trait catalogue (names, meanings, measures, paper categories) as a table, JSON or the
// Markdown of docs/traits.md.
import { catalogueMarkdown } from '../catalogue/markdown';
import { TRAITS } from '../catalogue/traits';
import { UsageError, parseArgs } from './args';

export function runTraits(argv: readonly string[], out: (line: string) => void): number {
  const args = parseArgs(argv, ['--json', '--markdown', '--list']);
  if (args.operands.length > 0) throw new UsageError(`unexpected argument '${args.operands[0]}'`);
  if (args.flags.has('--markdown')) {
    out(catalogueMarkdown());
  } else if (args.flags.has('--json')) {
    out(JSON.stringify(TRAITS, null, 2));
  } else {
    const width = Math.max(...TRAITS.map((t) => t.name.length));
    for (const t of TRAITS) out(`${t.name.padEnd(width)}  ${t.meaning}`);
  }
  return 0;
}
