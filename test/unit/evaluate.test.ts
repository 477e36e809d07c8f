// Verdicts from measures: expectations per seed, pass rates, and the beautified-against-intent rule, on plans
// made from real spec text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { memoryHost } from '../../server/src/files/host';
import { SpecWorkspace } from '../../server/src/language/workspace';
import { decide, type Measures } from '../../server/src/runner/evaluate';
import { planTests } from '../../server/src/runner/plan';
import { resolveSpec } from '../../server/src/language/resolve';

const ROOT = path.resolve('/ws');
const SPEC = `generator ref
  kind   degrade
  input  a.jpg

defaults
  generator  ref
  seeds      1..4
  size       512x768
  pass       3/4

test "grainy"  [clarity_and_focus.film_artifacts]
  prompt    a grainy cow
  baseline  a cow
  expect    grain >= 0.6
  expect    grain > baseline + 0.3
  expect    polish < baseline

test "edit"
  input     a.jpg
  strength  0.5
  prompt    keep the blur
  seeds     7
  pass      all
  expect    blur >= input - 0.05
`;

function plans() {
  const ws = new SpecWorkspace(memoryHost({ [path.join(ROOT, 'spec.wabi')]: SPEC, [path.join(ROOT, 'a.jpg')]: 'x' }), { roots: [ROOT] });
  const a = ws.analyze(path.join(ROOT, 'spec.wabi'))!;
  assert.deepEqual(a.diagnostics, []);
  return planTests(resolveSpec(a));
}

const m = (traits: Record<string, number>): Measures => ({ traits, judges: {} });

test('plans carry effective settings, expanded seeds and requested traits', () => {
  const [grainy, edit] = plans();
  assert.equal(grainy.generator?.name, 'ref');
  assert.deepEqual(grainy.seeds, [1, 2, 3, 4]);
  assert.deepEqual([grainy.width, grainy.height, grainy.passRatio], [512, 768, 0.75]);
  assert.deepEqual(grainy.requestedTraits, ['grain']);
  assert.deepEqual(
    grainy.expectations.map((e) => [e.text, e.range.start.line]),
    [
      ['grain >= 0.6', 13],
      ['grain > baseline + 0.3', 14],
      ['polish < baseline', 15],
    ],
  );
  assert.equal(edit.input, path.join(ROOT, 'a.jpg'));
  assert.deepEqual([edit.seeds, edit.strength, edit.passRatio], [[7], 0.5, 1]);
});

test('a test passes when enough seeds meet every expectation', () => {
  const [grainy] = plans();
  const seeds = [1, 2, 3, 4].map((seed) => ({
    seed,
    prompt: m({ grain: seed === 4 ? 0.5 : 0.8, polish: 0.4 }),
    baseline: m({ grain: 0.1, polish: 0.9 }),
  }));
  const d = decide(grainy.expectations, seeds, { passRatio: grainy.passRatio });
  assert.equal(d.verdict, 'pass');
  assert.deepEqual(d.passRate, { passed: 3, total: 4, required: 3 });
  assert.deepEqual(
    d.expectations[0].seeds.map((s) => s.passed),
    [true, true, true, false],
  );
});

test('a failure that moved toward polish is beautified against intent, with reasons in numbers', () => {
  const [grainy] = plans();
  const seeds = [1, 2, 3, 4].map((seed) => ({
    seed,
    prompt: m({ grain: seed === 3 ? 0.7 : 0.12, polish: seed === 3 ? 0.5 : 0.81 }),
    baseline: m({ grain: 0.1 + (seed === 2 ? 0.05 : 0), polish: 0.78 }),
  }));
  const d = decide(grainy.expectations, seeds, { passRatio: grainy.passRatio });
  assert.equal(d.verdict, 'beautified');
  assert.equal(d.reasons[0], '1 of 4 seeds met every expectation; 3 required; 3 of the 3 failing seeds moved toward conventional polish instead');
  assert.equal(d.reasons[1], 'asked for grain >= 0.6; got 0.12 (baseline 0.12); polish 0.81 vs baseline 0.78; seeds 1, 2, 4');
  assert.equal(d.expectations[0].seeds[1].beautified, true);
});

test('a failure that did not move toward polish is a plain fail', () => {
  const [grainy] = plans();
  const seeds = [1, 2, 3, 4].map((seed) => ({ seed, prompt: m({ grain: 0.3, polish: 0.2 }), baseline: m({ grain: 0.1, polish: 0.8 }) }));
  const d = decide(grainy.expectations, seeds, { passRatio: grainy.passRatio });
  assert.equal(d.verdict, 'fail');
  assert.equal(d.expectations[0].seeds[0].beautified, false);
  assert.match(d.reasons[1], /^asked for grain >= 0.6; got 0.30 \(baseline 0.10\); polish 0.20 vs baseline 0.80; seeds 1, 2, 3, 4$/);
});

test('edits compare with the input image, margins included', () => {
  const [, edit] = plans();
  const input = m({ blur: 0.8, polish: 0.3 });
  const ok = decide(edit.expectations, [{ seed: 7, prompt: m({ blur: 0.76, polish: 0.3 }) }], { passRatio: 1, input });
  assert.equal(ok.verdict, 'pass');
  assert.equal(ok.expectations[0].seeds[0].against, 0.8 - 0.05);
  const restored = decide(edit.expectations, [{ seed: 7, prompt: m({ blur: 0.2, polish: 0.9 }) }], { passRatio: 1, input });
  assert.equal(restored.verdict, 'beautified');
  assert.match(restored.reasons[1], /asked for blur >= input - 0.05; got 0.20 \(input 0.80\); polish 0.90 vs input 0.30; seed 7/);
});

test('a missing measure is an error, not a silent pass', () => {
  const [grainy] = plans();
  assert.throws(() => decide(grainy.expectations, [{ seed: 1, prompt: m({ grain: 0.9, polish: 0.1 }) }], { passRatio: 1 }), /no baseline image was measured/);
});

test('beautified means moved toward polish against the baseline or input: with nothing to compare, a failure is a plain fail', () => {
  const ws = new SpecWorkspace(memoryHost({ [path.join(ROOT, 'spec.wabi')]: 'test "t"\n  images a.jpg\n  expect polish < 0.5\n', [path.join(ROOT, 'a.jpg')]: 'x' }), { roots: [ROOT] });
  const [t] = planTests(resolveSpec(ws.analyze(path.join(ROOT, 'spec.wabi'))!));
  const alone = decide(t.expectations, [{ seed: 1, prompt: m({ polish: 0.9 }) }], { passRatio: 1 });
  assert.equal(alone.verdict, 'fail');
  assert.equal(alone.expectations[0].seeds[0].beautified, false);
  // The same absolute expectation with a baseline: beautified only when the image is at least as polished as it.
  const more = decide(t.expectations, [{ seed: 1, prompt: m({ polish: 0.9 }), baseline: m({ polish: 0.6 }) }], { passRatio: 1 });
  assert.equal(more.verdict, 'beautified');
  const less = decide(t.expectations, [{ seed: 1, prompt: m({ polish: 0.7 }), baseline: m({ polish: 0.95 }) }], { passRatio: 1 });
  assert.equal(less.verdict, 'fail');
});
