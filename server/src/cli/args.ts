// A small argument reader: flags (`--json`, `--out DIR`, `--out=DIR`) and positional operands. Enough for the
// CLI's few commands without a dependency, and strict: an unknown flag is a usage error, never ignored.

export class UsageError extends Error {}

export interface ParsedArgs {
  readonly flags: ReadonlyMap<string, string | true>;
  readonly operands: readonly string[];
}

/** `valued` lists the flags that take a value; every other known flag is boolean. */
export function parseArgs(argv: readonly string[], known: readonly string[], valued: readonly string[] = []): ParsedArgs {
  const flags = new Map<string, string | true>();
  const operands: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      operands.push(...argv.slice(i + 1));
      break;
    }
    if (!a.startsWith('-') || a === '-') {
      operands.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = eq >= 0 ? a.slice(0, eq) : a;
    if (!known.includes(name) && !valued.includes(name)) throw new UsageError(`unknown option '${name}'`);
    if (valued.includes(name)) {
      const value = eq >= 0 ? a.slice(eq + 1) : argv[++i];
      if (value === undefined) throw new UsageError(`option '${name}' needs a value`);
      flags.set(name, value);
    } else {
      if (eq >= 0) throw new UsageError(`option '${name}' takes no value`);
      flags.set(name, true);
    }
  }
  return { flags, operands };
}
