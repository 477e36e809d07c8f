// float32 <-> float16 bits (scoring/onnx/float16.ts), checked bit for bit against onnxruntime's own Cast on the
// cases that go wrong in hand-written conversions: ties (to even), carries into the exponent, overflow to
// infinity, subnormals and the flush to zero under them, signed zero, NaN; and every one of the 65,536 halves.
import { before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { Graph } from '../../server/src/scoring/onnx/graph';
import { float16ToFloat32, float32ToFloat16, fromFloat16Bits, toFloat16Bits } from '../../server/src/scoring/onnx/float16';
import { ort } from '../../server/src/scoring/session';
import { prng } from './helpers/judgeModels';

let toHalf: ort.InferenceSession;
let fromHalf: ort.InferenceSession;

/** onnxruntime's Cast as the reference: float32 -> float16 and float16 -> float32. */
before(async () => {
  const down = new Graph('to_half');
  down.output(down.cast(down.input('x', 'float32', ['N']), 'float16'), 'y', 'float16', ['N']);
  const up = new Graph('from_half');
  up.output(up.cast(up.input('x', 'float16', ['N']), 'float32'), 'y', 'float32', ['N']);
  toHalf = await ort.InferenceSession.create(down.toModel(), { executionProviders: ['cpu'] });
  fromHalf = await ort.InferenceSession.create(up.toModel(), { executionProviders: ['cpu'] });
});

after(async () => {
  await toHalf?.release();
  await fromHalf?.release();
});

const ALL_HALVES = Uint16Array.from({ length: 0x10000 }, (_, h) => h);

async function ortToHalf(values: Float32Array): Promise<Uint16Array> {
  const out = await toHalf.run({ x: new ort.Tensor('float32', values, [values.length]) });
  return out.y.data as Uint16Array;
}

test('decoding every half agrees with onnxruntime, and every half survives the way back unchanged', async () => {
  const ours = float16ToFloat32(ALL_HALVES);
  const theirs = (await fromHalf.run({ x: new ort.Tensor('float16', ALL_HALVES.slice(), [0x10000]) })).y.data as Float32Array;
  for (let h = 0; h < 0x10000; h++) {
    if (Number.isNaN(theirs[h])) assert.ok(Number.isNaN(ours[h]), `0x${h.toString(16)} is NaN`);
    else assert.ok(Object.is(ours[h], theirs[h]), `0x${h.toString(16)}: ${ours[h]} vs ${theirs[h]}`);
    assert.ok(Object.is(fromFloat16Bits(h), ours[h]) || Number.isNaN(ours[h]));
  }
  const back = float32ToFloat16(ours);
  for (let h = 0; h < 0x10000; h++) {
    if (Number.isNaN(ours[h])) assert.ok(Number.isNaN(fromFloat16Bits(back[h])), `NaN 0x${h.toString(16)} stays NaN`);
    else assert.equal(back[h], h, `0x${h.toString(16)} round trips`);
  }
});

test('rounding matches onnxruntime bit for bit: ties to even, carries, overflow, subnormals, zeros, random values', async () => {
  const halves = float16ToFloat32(ALL_HALVES.subarray(0, 0x7c00));
  const cases: number[] = [];
  for (let h = 0; h + 1 < halves.length; h++) {
    // The exact midpoint (a tie) and the floats either side of it, for every pair of neighbouring halves.
    const mid = (halves[h] + halves[h + 1]) / 2;
    cases.push(mid, -mid, Math.fround(mid * (1 + 2 ** -22)), Math.fround(mid * (1 - 2 ** -22)));
  }
  cases.push(0, -0, 65504, 65519.99, 65520, -65520, 1e6, Infinity, -Infinity, 2 ** -24, 2 ** -25, Math.fround(2 ** -25 * (1 + 2 ** -20)), 2 ** -26, 1e-30, -1e-30);
  const rand = prng(5);
  // Random floats over the whole exponent range, by their bits.
  const bits = new Uint32Array(20000).map(() => Math.floor(rand() * 2 ** 32) >>> 0);
  const values = Float32Array.from([...cases, ...new Float32Array(bits.buffer).filter((x) => !Number.isNaN(x))]);
  const theirs = await ortToHalf(values);
  const ours = float32ToFloat16(values);
  let differ = 0;
  for (let i = 0; i < values.length; i++) if (ours[i] !== theirs[i]) differ++;
  assert.equal(differ, 0, `${differ} of ${values.length} values round differently from onnxruntime`);
  // The scalar path (plain numbers, first rounded to float32) gives the same bits.
  for (let i = 0; i < 2000; i++) assert.equal(toFloat16Bits(values[i]), ours[i]);
  // Spot checks of the rules, readable on their own.
  assert.equal(toFloat16Bits(65519.99), 0x7bff, 'just under the overflow threshold rounds to 65504');
  assert.equal(toFloat16Bits(65520), 0x7c00, 'the tie at 65520 rounds to even: infinity');
  assert.equal(toFloat16Bits(2 ** -25), 0x0000, 'half the smallest subnormal ties to even: zero');
  assert.equal(toFloat16Bits(Math.fround(2 ** -25 * (1 + 2 ** -20))), 0x0001, 'just over it: the smallest subnormal');
  assert.equal(toFloat16Bits(1 + 2 ** -11), 0x3c00, '1 + half an ulp ties to even (down)');
  assert.equal(toFloat16Bits(1 + 3 * 2 ** -11), 0x3c02, '1 + 1.5 ulp ties to even (up)');
  assert.equal(toFloat16Bits(-0), 0x8000, 'negative zero keeps its sign');
  assert.ok(Number.isNaN(fromFloat16Bits(toFloat16Bits(NaN))));
});

test('graphs store float16 weights: a float16 model adds a float16 constant as onnxruntime reads it', async () => {
  const g = new Graph('half_add');
  const x = g.input('x', 'float32', ['N']);
  g.output(g.add(x, g.constant([0.1, 1000.3, -2.5e-6], [3])), 'y', 'float32', ['N']);
  const session = await ort.InferenceSession.create(g.toModel({ float16: true }), { executionProviders: ['cpu'] });
  try {
    assert.equal(session.inputNames[0], 'x');
    const input = float32ToFloat16(Float32Array.of(1, 2, 3));
    const y = (await session.run({ x: new ort.Tensor('float16', input, [3]) })).y;
    assert.equal(y.type, 'float16', 'inputs, outputs and weights became float16');
    const got = float16ToFloat32(y.data as Uint16Array);
    // Each weight is stored rounded to half precision, and the sum rounded again.
    const expected = [1, 2, 3].map((v, i) => fromFloat16Bits(toFloat16Bits(v + fromFloat16Bits(toFloat16Bits([0.1, 1000.3, -2.5e-6][i])))));
    assert.deepEqual(Array.from(got), expected);
  } finally {
    await session.release();
  }
});
