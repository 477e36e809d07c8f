import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bootstrapMeanInterval, normalQuantile, wilsonInterval } from '../../server/src/statistics/intervals';
import { mulberry32 } from '../../server/src/statistics/random';

test('normalQuantile matches the standard normal table', () => {
  assert.ok(Math.abs(normalQuantile(0.975) - 1.959963985) < 1e-8);
  assert.ok(Math.abs(normalQuantile(0.5)) < 1e-12);
  assert.ok(Math.abs(normalQuantile(0.01) + 2.326347874) < 1e-8);
  assert.throws(() => normalQuantile(1), /0 < p < 1/);
});

test('wilsonInterval: published values, and sane bounds at 0 and n of n', () => {
  // Newcombe (1998), Statistics in Medicine 17:857, table I: 81 of 263 -> 0.2553 to 0.3662; 15 of 148 -> 0.0624 to 0.1605.
  const a = wilsonInterval(81, 263);
  assert.equal(a.low.toFixed(4), '0.2553');
  assert.equal(a.high.toFixed(4), '0.3662');
  const b = wilsonInterval(15, 148);
  assert.equal(b.low.toFixed(4), '0.0624');
  assert.equal(b.high.toFixed(4), '0.1605');
  const none = wilsonInterval(0, 4);
  assert.equal(none.low, 0);
  assert.ok(none.high > 0.4 && none.high < 0.6, `0 of 4: ${none.high}`);
  const all = wilsonInterval(4, 4);
  assert.equal(all.high, 1);
  assert.deepEqual(wilsonInterval(0, 0), { low: 0, high: 1 });
  for (let n = 1; n <= 64; n++) {
    assert.equal(wilsonInterval(n, n).high, 1, `${n} of ${n} reaches 1 (6 of 6 once ended at 0.9999999999999999)`);
    assert.equal(wilsonInterval(0, n).low, 0);
  }
  assert.throws(() => wilsonInterval(5, 4), /successes <= n/);
});

test('bootstrapMeanInterval covers the mean, narrows with n, and repeats for a seed', () => {
  const random = mulberry32(7);
  const draw = (n: number) => Array.from({ length: n }, () => random() * 2 - 1 + 0.3);
  const small = draw(10);
  const large = draw(400);
  const i10 = bootstrapMeanInterval(small);
  const i400 = bootstrapMeanInterval(large);
  const m = large.reduce((s, v) => s + v, 0) / large.length;
  assert.ok(i400.low < m && m < i400.high);
  assert.ok(i400.high - i400.low < (i10.high - i10.low) / 2, 'twenty times the data at least halves the width');
  assert.deepEqual(bootstrapMeanInterval(small, { seed: 3 }), bootstrapMeanInterval(small, { seed: 3 }));
  assert.deepEqual(bootstrapMeanInterval([0.5]), { low: 0.5, high: 0.5 });
  assert.ok(Number.isNaN(bootstrapMeanInterval([]).low));
});
