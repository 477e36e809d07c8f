// The CLI's argument reader over Node's util.parseArgs, which splits `--out=DIR`, `--`, `-` and short groups. It is
// run non-strict with tokens so that the errors are ours: Node's strict errors are capitalised, carry hints about
// its own API, and do not say which argument the user mistyped as plainly. Strict all the same: an unknown flag is
// a usage error, never ignored.
import { parseArgs as parseTokens } from 'node:util';

export class UsageError extends Error {}

export interface ParsedArgs {
  /** Each flag's value (the last, for a valued flag given more than once). */
  readonly flags: ReadonlyMap<string, string | true>;
  /** Every value of each valued flag, in the order given (`--judge a --judge b`). */
  readonly values: ReadonlyMap<string, readonly string[]>;
  readonly operands: readonly string[];
}

/**
 * `known` and `valued` are long options with their dashes (`--json`, `--out`): `valued` lists those that take a
 * value (`--out DIR` or `--out=DIR`); every other known flag is boolean. A value that starts with `-` must be written
 * `--out=-x`: `--out --quiet` is the user forgetting the value, not a folder named `--quiet`.
 */
export function parseArgs(argv: readonly string[], known: readonly string[], valued: readonly string[] = []): ParsedArgs {
  const options: Record<string, { type: 'boolean' | 'string' }> = {};
  for (const flag of known) options[flag.replace(/^--/, '')] = { type: 'boolean' };
  for (const flag of valued) options[flag.replace(/^--/, '')] = { type: 'string' };
  const { tokens } = parseTokens({ args: [...argv], options, strict: false, allowPositionals: true, tokens: true });

  const flags = new Map<string, string | true>();
  const values = new Map<string, string[]>();
  const operands: string[] = [];
  for (const token of tokens) {
    if (token.kind === 'positional') operands.push(token.value);
    if (token.kind !== 'option') continue;
    // A short group (`-abc`) or `-o=x` becomes one token per letter; name the argument as typed instead.
    const name = token.rawName.startsWith('--') ? token.rawName : argv[token.index].split('=')[0];
    const type = Object.hasOwn(options, token.name) && name.startsWith('--') ? options[token.name].type : undefined;
    if (type === undefined) throw new UsageError(`unknown option '${name}'`);
    if (type === 'boolean') {
      if (token.value !== undefined) throw new UsageError(`option '${name}' takes no value`);
      flags.set(name, true);
      continue;
    }
    if (token.value === undefined) throw new UsageError(`option '${name}' needs a value`);
    if (!token.inlineValue && token.value.length > 1 && token.value.startsWith('-')) {
      throw new UsageError(`option '${name}' needs a value, but '${token.value}' looks like an option (write ${name}=${token.value} if it is the value)`);
    }
    flags.set(name, token.value);
    values.set(name, [...(values.get(name) ?? []), token.value]);
  }
  return { flags, values, operands };
}
