// A small typed builder for ONNX graphs. The trait analysers and the test models are written with it in
// TypeScript, serialised to ModelProto bytes (IR 8, opset 18) and loaded by onnxruntime from memory.
import { float32ToFloat16 } from './float16';
import { ProtoWriter } from './protobuf';

export type DType = 'float32' | 'float16' | 'uint8' | 'int8' | 'int32' | 'int64' | 'bool' | 'float64';
export type Dim = number | string;

const DATA_TYPE: Record<DType, number> = { float32: 1, uint8: 2, int8: 3, int32: 6, int64: 7, bool: 9, float16: 10, float64: 11 };

/** A named value flowing through the graph: an input, an initializer or a node output. */
export interface Value {
  readonly name: string;
}

export interface TensorData {
  readonly dtype: DType;
  readonly dims: readonly number[];
  readonly data: ArrayLike<number> | readonly bigint[];
}

export type Attr =
  | { readonly kind: 'int'; readonly value: number }
  | { readonly kind: 'float'; readonly value: number }
  | { readonly kind: 'ints'; readonly value: readonly number[] }
  | { readonly kind: 'floats'; readonly value: readonly number[] }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'tensor'; readonly value: TensorData };

/** Attribute constructors: ONNX distinguishes int from float attributes, so the caller says which. */
export const attr = {
  int: (value: number): Attr => ({ kind: 'int', value }),
  float: (value: number): Attr => ({ kind: 'float', value }),
  ints: (value: readonly number[]): Attr => ({ kind: 'ints', value }),
  floats: (value: readonly number[]): Attr => ({ kind: 'floats', value }),
  string: (value: string): Attr => ({ kind: 'string', value }),
  tensor: (value: TensorData): Attr => ({ kind: 'tensor', value }),
};

interface NodeDef {
  readonly opType: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attrs: Readonly<Record<string, Attr>>;
  readonly domain: string;
  readonly name: string;
}

interface ValueInfo {
  readonly name: string;
  readonly dtype: DType;
  readonly shape: readonly Dim[];
}

export interface ModelOptions {
  readonly opset?: number;
  readonly irVersion?: number;
  readonly producer?: string;
  readonly docString?: string;
  /** Store the graph in half precision, as a float16 export of a model is: every float32 weight, input, output
   *  and Cast target becomes float16 (what onnxconverter-common's convert_float_to_float16 does with
   *  keep_io_types off). Attributes stay as they are (ONNX attributes are float32 whatever the graph's type). */
  readonly float16?: boolean;
}

export class Graph {
  private readonly nodes: NodeDef[] = [];
  private readonly inputs: ValueInfo[] = [];
  private readonly outputs: ValueInfo[] = [];
  private readonly initializers: Array<{ name: string; tensor: TensorData }> = [];
  private readonly counters = new Map<string, number>();

  constructor(readonly name: string) {}

  private fresh(prefix: string): string {
    const n = this.counters.get(prefix) ?? 0;
    this.counters.set(prefix, n + 1);
    return `${prefix}_${n}`;
  }

  input(name: string, dtype: DType, shape: readonly Dim[]): Value {
    this.inputs.push({ name, dtype, shape });
    return { name };
  }

  /** Marks `value` as a graph output called `name` (an Identity node renames it when needed). */
  output(value: Value, name: string, dtype: DType, shape: readonly Dim[]): void {
    const v = value.name === name ? value : this.node('Identity', [value], {}, name);
    this.outputs.push({ name: v.name, dtype, shape });
  }

  /** A constant tensor stored as an initializer. */
  constant(data: ArrayLike<number>, dims: readonly number[], dtype: DType = 'float32', name?: string): Value {
    const n = name ?? this.fresh('const');
    const count = dims.reduce((a, b) => a * b, 1);
    if (count !== data.length) throw new Error(`constant ${n}: ${data.length} values for dims [${dims.join(',')}]`);
    this.initializers.push({ name: n, tensor: { dtype, dims, data } });
    return { name: n };
  }

  scalar(value: number, dtype: DType = 'float32'): Value {
    return this.constant([value], [], dtype);
  }

  /** A 1-D int64 tensor, as Reshape, Slice and the Reduce ops take their shapes and axes. */
  int64s(values: readonly number[]): Value {
    return this.constant(values, [values.length], 'int64');
  }

  /** Adds a node with one output and returns it. */
  node(opType: string, inputs: readonly (Value | undefined)[], attrs: Readonly<Record<string, Attr>> = {}, outputName?: string, domain = ''): Value {
    return this.nodeN(opType, inputs, 1, attrs, outputName ? [outputName] : undefined, domain)[0];
  }

  /** Adds a node with `count` outputs. Missing optional inputs are passed as undefined. */
  nodeN(
    opType: string,
    inputs: readonly (Value | undefined)[],
    count: number,
    attrs: Readonly<Record<string, Attr>> = {},
    outputNames?: readonly string[],
    domain = '',
  ): Value[] {
    const outputs = outputNames ?? Array.from({ length: count }, () => this.fresh(opType.toLowerCase()));
    this.nodes.push({
      opType,
      inputs: inputs.map((v) => v?.name ?? ''),
      outputs,
      attrs,
      domain,
      name: this.fresh('n_' + opType),
    });
    return outputs.map((name) => ({ name }));
  }

  // ---- sugar for the ops the analysers use ------------------------------------------------------------------

  add = (a: Value, b: Value) => this.node('Add', [a, b]);
  sub = (a: Value, b: Value) => this.node('Sub', [a, b]);
  mul = (a: Value, b: Value) => this.node('Mul', [a, b]);
  div = (a: Value, b: Value) => this.node('Div', [a, b]);
  pow = (a: Value, b: Value) => this.node('Pow', [a, b]);
  max = (...xs: Value[]) => this.node('Max', xs);
  min = (...xs: Value[]) => this.node('Min', xs);
  abs = (a: Value) => this.node('Abs', [a]);
  sqrt = (a: Value) => this.node('Sqrt', [a]);
  exp = (a: Value) => this.node('Exp', [a]);
  log = (a: Value) => this.node('Log', [a]);
  relu = (a: Value) => this.node('Relu', [a]);
  atan = (a: Value) => this.node('Atan', [a]);
  greater = (a: Value, b: Value) => this.node('Greater', [a, b]);
  less = (a: Value, b: Value) => this.node('Less', [a, b]);
  where = (cond: Value, a: Value, b: Value) => this.node('Where', [cond, a, b]);
  matmul = (a: Value, b: Value) => this.node('MatMul', [a, b]);
  cast = (a: Value, to: DType) => this.node('Cast', [a], { to: attr.int(DATA_TYPE[to]) });
  clip = (a: Value, lo?: Value, hi?: Value) => this.node('Clip', [a, lo, hi]);
  reshape = (a: Value, shape: readonly number[]) => this.node('Reshape', [a, this.int64s(shape)]);
  concat = (xs: readonly Value[], axis: number) => this.node('Concat', xs, { axis: attr.int(axis) });
  shape = (a: Value) => this.node('Shape', [a]);
  sum = (...xs: Value[]) => this.node('Sum', xs);

  conv(x: Value, w: Value, opts: { pads?: readonly number[]; strides?: readonly number[]; group?: number; dilations?: readonly number[] } = {}): Value {
    const attrs: Record<string, Attr> = {};
    if (opts.pads) attrs.pads = attr.ints(opts.pads);
    if (opts.strides) attrs.strides = attr.ints(opts.strides);
    if (opts.group) attrs.group = attr.int(opts.group);
    if (opts.dilations) attrs.dilations = attr.ints(opts.dilations);
    return this.node('Conv', [x, w], attrs);
  }

  /** Means over non-overlapping k x k blocks of x, [N, C, H, W] to [N, C, H/k, W/k] (AveragePool with kernel =
   *  stride = k; H and W must divide by k). */
  blockMean(x: Value, k: number): Value {
    return this.node('AveragePool', [x], { kernel_shape: attr.ints([k, k]), strides: attr.ints([k, k]) });
  }

  /** Pads with the given mode (`reflect`, `edge`, `constant`); pads are [begin..., end...] over all axes. */
  pad(x: Value, pads: readonly number[], mode: 'reflect' | 'edge' | 'constant' = 'reflect'): Value {
    return this.node('Pad', [x, this.int64s(pads)], { mode: attr.string(mode) });
  }

  /** Opset 18 Reduce ops take axes as an input. */
  reduce(op: 'ReduceMean' | 'ReduceSum' | 'ReduceMax' | 'ReduceMin' | 'ReduceSumSquare', x: Value, axes: readonly number[], keepdims = true): Value {
    return this.node(op, [x, this.int64s(axes)], { keepdims: attr.int(keepdims ? 1 : 0) });
  }

  mean = (x: Value, axes: readonly number[], keepdims = true) => this.reduce('ReduceMean', x, axes, keepdims);

  slice(x: Value, starts: readonly number[], ends: readonly number[], axes: readonly number[], steps?: readonly number[]): Value {
    return this.node('Slice', [x, this.int64s(starts), this.int64s(ends), this.int64s(axes), steps ? this.int64s(steps) : undefined]);
  }

  // ---- serialisation ---------------------------------------------------------------------------------------

  toModel(options: ModelOptions = {}): Uint8Array {
    const half = options.float16 === true;
    const graph = new ProtoWriter();
    for (const n of this.nodes) graph.message(1, encodeNode(half ? halfNode(n) : n));
    graph.string(2, this.name);
    for (const init of this.initializers) graph.message(5, encodeTensor(init.name, half ? halfTensor(init.tensor) : init.tensor));
    for (const i of this.inputs) graph.message(11, encodeValueInfo(half ? halfValue(i) : i));
    for (const o of this.outputs) graph.message(12, encodeValueInfo(half ? halfValue(o) : o));

    const model = new ProtoWriter();
    model.int(1, options.irVersion ?? 8);
    model.string(2, options.producer ?? 'wabi');
    model.string(3, '1');
    if (options.docString) model.string(6, options.docString);
    model.message(7, graph);
    model.message(8, new ProtoWriter().string(1, '').int(2, options.opset ?? 18));
    return model.finish();
  }
}

// ---- float16 storage (ModelOptions.float16) -----------------------------------------------------------------

const halfTensor = (t: TensorData): TensorData => (t.dtype === 'float32' ? { ...t, dtype: 'float16' } : t);
const halfValue = (v: ValueInfo): ValueInfo => (v.dtype === 'float32' ? { ...v, dtype: 'float16' } : v);

function halfNode(n: NodeDef): NodeDef {
  const attrs: Record<string, Attr> = {};
  for (const [name, a] of Object.entries(n.attrs)) {
    if (a.kind === 'tensor') attrs[name] = { kind: 'tensor', value: halfTensor(a.value) };
    else if (n.opType === 'Cast' && name === 'to' && a.kind === 'int' && a.value === DATA_TYPE.float32) attrs[name] = attr.int(DATA_TYPE.float16);
    else attrs[name] = a;
  }
  return { ...n, attrs };
}

function encodeNode(n: NodeDef): ProtoWriter {
  const w = new ProtoWriter();
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  w.string(3, n.name);
  w.string(4, n.opType);
  for (const [name, a] of Object.entries(n.attrs)) w.message(5, encodeAttr(name, a));
  if (n.domain) w.string(7, n.domain);
  return w;
}

// AttributeProto.AttributeType
const ATTR_TYPE = { float: 1, int: 2, string: 3, tensor: 4, floats: 6, ints: 7 } as const;

function encodeAttr(name: string, a: Attr): ProtoWriter {
  const w = new ProtoWriter().string(1, name);
  switch (a.kind) {
    case 'float':
      w.float(2, a.value);
      break;
    case 'int':
      w.int(3, a.value);
      break;
    case 'string':
      w.string(4, a.value);
      break;
    case 'tensor':
      w.message(5, encodeTensor('', a.value));
      break;
    case 'floats':
      for (const v of a.value) w.float(7, v);
      break;
    case 'ints':
      for (const v of a.value) w.int(8, v);
      break;
  }
  w.int(20, ATTR_TYPE[a.kind]);
  return w;
}

function encodeTensor(name: string, t: TensorData): ProtoWriter {
  const w = new ProtoWriter();
  w.packedInts(1, t.dims);
  w.int(2, DATA_TYPE[t.dtype]);
  if (name) w.string(8, name);
  w.bytes(9, rawData(t));
  return w;
}

/** Little-endian raw bytes of a tensor, as TensorProto.raw_data stores them. */
function rawData(t: TensorData): Uint8Array {
  const n = t.data.length;
  const values = t.data as ArrayLike<number | bigint>;
  switch (t.dtype) {
    case 'float32':
      return new Uint8Array(Float32Array.from(values as ArrayLike<number>).buffer);
    case 'float16':
      return new Uint8Array(float32ToFloat16(values as ArrayLike<number>).buffer);
    case 'float64':
      return new Uint8Array(Float64Array.from(values as ArrayLike<number>).buffer);
    case 'int32':
      return new Uint8Array(Int32Array.from(values as ArrayLike<number>).buffer);
    case 'int64': {
      const out = new BigInt64Array(n);
      for (let i = 0; i < n; i++) out[i] = BigInt(values[i]);
      return new Uint8Array(out.buffer);
    }
    case 'uint8':
    case 'bool':
      return Uint8Array.from(values as ArrayLike<number>);
    case 'int8':
      return new Uint8Array(Int8Array.from(values as ArrayLike<number>).buffer);
  }
}

function encodeValueInfo(v: ValueInfo): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of v.shape) shape.message(1, typeof d === 'number' ? new ProtoWriter().int(1, d) : new ProtoWriter().string(2, d));
  const tensorType = new ProtoWriter().int(1, DATA_TYPE[v.dtype]).message(2, shape);
  const type = new ProtoWriter().message(1, tensorType);
  return new ProtoWriter().string(1, v.name).message(2, type);
}
