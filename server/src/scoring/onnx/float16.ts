// IEEE 754 half precision (binary16) as the Uint16 bit patterns onnxruntime reads and writes for `float16`
// tensors: Node 20 has no Float16Array, so a float16 model's inputs are written as bits and its outputs read back
// from bits. Conversion rounds to nearest, ties to even, as a hardware cast does (and as onnxruntime's Cast does):
// values past the largest half (65504, rounding included) become infinity, values under half the smallest subnormal
// (2^-25) become zero, subnormals keep what precision they have, NaN stays NaN and the sign of zero is kept.

const scratch = new Float32Array(1);
const scratchBits = new Uint32Array(scratch.buffer);

/** The binary16 bits nearest to a float32 given as its bits. */
function halfFromFloatBits(b: number): number {
  const sign = (b >>> 16) & 0x8000;
  const exponent = (b >>> 23) & 0xff;
  const mantissa = b & 0x7fffff;
  // NaN keeps its quiet bit and the top of its payload; infinity stays infinity.
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa !== 0 ? 0x200 | (mantissa >>> 13) : 0);
  const e = exponent - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    // A half subnormal (or zero): the float's full significand shifted right by the bits the half lacks.
    if (e < -10) return sign;
    const significand = mantissa | 0x800000;
    const shift = 14 - e;
    const kept = significand >>> shift;
    const rest = significand & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    // Rounding up the largest subnormal gives 0x400, the smallest normal: the encoding carries over by itself.
    return sign | (rest > halfway || (rest === halfway && (kept & 1) === 1) ? kept + 1 : kept);
  }
  const h = (e << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  // A carry out of the mantissa steps the exponent, and past 65504 lands on 0x7c00, infinity: both right.
  return sign | (rest > 0x1000 || (rest === 0x1000 && (h & 1) === 1) ? h + 1 : h);
}

/** The binary16 bits nearest to `x` (first rounded to float32, as a float32 tensor holds it). */
export function toFloat16Bits(x: number): number {
  scratch[0] = x;
  return halfFromFloatBits(scratchBits[0]);
}

/** The value of binary16 bits `h`. */
export function fromFloat16Bits(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >>> 10) & 0x1f;
  const mantissa = h & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa !== 0 ? NaN : sign * Infinity;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

/** Every half's float32 value, by its bits: decoding a tensor is then one lookup per value. */
let decodeTable: Float32Array | undefined;

function table(): Float32Array {
  if (!decodeTable) {
    decodeTable = new Float32Array(0x10000);
    for (let h = 0; h < 0x10000; h++) decodeTable[h] = fromFloat16Bits(h);
  }
  return decodeTable;
}

/** float32 values to binary16 bits. Reads a Float32Array's bits in place (no rounding through a double). */
export function float32ToFloat16(values: Float32Array | ArrayLike<number>): Uint16Array {
  const out = new Uint16Array(values.length);
  if (values instanceof Float32Array) {
    const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
    for (let i = 0; i < bits.length; i++) out[i] = halfFromFloatBits(bits[i]);
  } else {
    for (let i = 0; i < values.length; i++) out[i] = toFloat16Bits(values[i]);
  }
  return out;
}

/** binary16 bits to float32 values (exact: every half is a float32). */
export function float16ToFloat32(bits: Uint16Array): Float32Array {
  const t = table();
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = t[bits[i]];
  return out;
}
