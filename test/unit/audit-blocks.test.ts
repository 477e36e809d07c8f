// The three halves of an audit meeting in one command: an `audit` block in a spec (the language), `wabi audit` (the
// audit engine) and the built-in intent judge `traits` (no weights). Run on the bundled example: examples/audits.wabi
// audits `traits` on four paintings made grainy, blurred, dark and faded by sharp (examples/pairs/make.mjs).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';

const REPO = path.resolve(__dirname, '../../..');
const CLI = path.join(REPO, 'dist/cli.js');

function wabi(args: string[], cwd = REPO) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', timeout: 60_000, env: { ...process.env, CI: 'true' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('wabi audit on a spec runs its audit block with the built-in traits judge, and reports what it read', () => {
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'wabi-audit-blocks-'));
  try {
    const r = wabi(['audit', 'examples/audits.wabi', '--json', '--cache', cache]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.audits.length, 1);
    const [audit] = out.audits;
    assert.equal(audit.audit, 'the intent judge on four paintings');
    assert.equal(audit.min_accuracy, 0.75, "the block's `min-accuracy 75%`");
    assert.equal(audit.n_pairs, 4);
    const [judge] = audit.judges;
    assert.equal(judge.judge, 'traits');
    assert.equal(judge.abstained, 0, 'every prompt asks for something it measures');
    // Blur, dark and faded are scored above the painting; the grain pair is a tie, since Van Gogh's brushwork already
    // reads as full grain (a blind spot docs/intent-judge.md names): 3.5 of 4.
    assert.equal(judge.accuracy, 0.875);
    const byId = Object.fromEntries(audit.results.map((p: { id: string; scores: { traits: { gap: number } } }) => [p.id, p.scores.traits.gap]));
    assert.ok(byId['line 2'] > 0.5 && byId['line 3'] > 0.5 && byId['line 4'] > 0.2, JSON.stringify(byId));
    assert.equal(byId['line 1'], 0);
    // What it read in each prompt: "nothing sharp anywhere" asks for blur, it does not oppose it.
    const blur = audit.intent_readings.find((x: { pairs: string[] }) => x.pairs.includes('line 2'));
    assert.deepEqual(blur.traits, [{ trait: 'blur', weight: 2 }]);
    assert.deepEqual(blur.conflicts, []);

    const strict = wabi(['audit', 'examples/audits.wabi', '--min-accuracy', '0.95', '--cache', cache]);
    assert.equal(strict.code, 1, 'under the required accuracy, the audit fails');
    assert.match(strict.stdout, /traits\s+4\s+0\s+0\.88/);

    const explain = wabi(['audit', 'examples/audits.wabi', '--explain', '--cache', cache]);
    assert.equal(explain.code, 0, explain.stderr);
    assert.match(explain.stdout, /"out of focus" -> blur x2/);
    assert.match(explain.stdout, /"faded" -> desaturation/);
    assert.match(explain.stderr, /4 pairs scored \(4 from the cache\)/, 'the second run reads its scores from the cache');
  } finally {
    fs.rmSync(cache, { recursive: true, force: true });
  }
});

test('a spec that holds only audits checks clean, and wabi run says it holds no tests', () => {
  const check = wabi(['check', 'examples/audits.wabi']);
  assert.equal(check.code, 0, check.stdout + check.stderr);
  const run = wabi(['run', 'examples/audits.wabi', '--no-cache']);
  assert.equal(run.code, 2, run.stdout + run.stderr);
  assert.match(run.stdout + run.stderr, /no tests/);
});
