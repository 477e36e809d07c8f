// The CLI's argument reader: what every command's flags and operands come from, and the usage errors it gives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError, parseArgs } from '../../server/src/cli/args';

const FLAGS = ['--json', '--no-cache'];
const VALUED = ['--out', '--filter'];
const read = (...argv: string[]) => {
  const r = parseArgs(argv, FLAGS, VALUED);
  return { flags: Object.fromEntries(r.flags), operands: [...r.operands] };
};
const usageError = (argv: string[], message: string) =>
  assert.throws(
    () => parseArgs(argv, FLAGS, VALUED),
    (e: unknown) => e instanceof UsageError && e.message === message,
    `${JSON.stringify(argv)} should fail with: ${message}`,
  );

test('flags, values with a space or =, and operands in any order', () => {
  assert.deepEqual(read('a.wabi', '--json', '--out', 'reports', 'b', '--filter=grainy cow', '--no-cache'), {
    flags: { '--json': true, '--out': 'reports', '--filter': 'grainy cow', '--no-cache': true },
    operands: ['a.wabi', 'b'],
  });
  assert.deepEqual(read(), { flags: {}, operands: [] });
});

test('a value may hold = and be empty; the last of a repeated flag wins', () => {
  assert.deepEqual(read('--filter=a=b', '--out='), { flags: { '--filter': 'a=b', '--out': '' }, operands: [] });
  assert.deepEqual(read('--out', 'one', '--out=two'), { flags: { '--out': 'two' }, operands: [] });
});

test('-- ends the options and - is an operand', () => {
  assert.deepEqual(read('a', '--', '--json', '-x', '--frobnicate'), { flags: {}, operands: ['a', '--json', '-x', '--frobnicate'] });
  assert.deepEqual(read('-', '--json'), { flags: { '--json': true }, operands: ['-'] });
});

test('unknown options are usage errors, named as typed', () => {
  usageError(['--frobnicate'], "unknown option '--frobnicate'");
  usageError(['--frobnicate=3'], "unknown option '--frobnicate'");
  usageError(['-j'], "unknown option '-j'");
  usageError(['-abc'], "unknown option '-abc'");
  usageError(['-o=x'], "unknown option '-o'");
  usageError(['--constructor'], "unknown option '--constructor'");
});

test('a missing value, and a value on a flag that takes none', () => {
  usageError(['a', '--out'], "option '--out' needs a value");
  usageError(['--json=yes'], "option '--json' takes no value");
  usageError(['--json='], "option '--json' takes no value");
});

test('a flag after a valued option is a forgotten value, not the value; = passes one starting with -', () => {
  // The hand-written reader took `--out --json` as a folder named --json and dropped the flag.
  usageError(['--out', '--json', 'a'], "option '--out' needs a value, but '--json' looks like an option (write --out=--json if it is the value)");
  usageError(['--filter', '-x'], "option '--filter' needs a value, but '-x' looks like an option (write --filter=-x if it is the value)");
  usageError(['--out', '--'], "option '--out' needs a value, but '--' looks like an option (write --out=-- if it is the value)");
  assert.deepEqual(read('--filter=-x', '--out', '-'), { flags: { '--filter': '-x', '--out': '-' }, operands: [] });
});
