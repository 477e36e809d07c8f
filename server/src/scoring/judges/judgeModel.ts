// Loading a judge's ONNX model and checking, at load, that its inputs and outputs are what the judge's kind
// needs, so a wrong file fails with a message that says what was expected and what was found instead of an
// onnxruntime error at the first image.
//
// Inputs and outputs are found by role (an image input, token ids, a score output...). A role is matched by
// name first (common names: pixel_values / image / input, input_ids / text, image_embeds / embeddings, logits /
// score ...); a model with other names is still accepted when exactly one of its inputs or outputs has the
// role's type and shape. Types and shapes come from onnxruntime's input/output metadata; where a dimension or
// a whole output is unknown there, one dry run with a correctly shaped dummy input tells.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Provider, ProviderSetting } from '../session';
import type { Dim, Signature, TensorInfo } from '../signature';
import { float16ToFloat32, float32ToFloat16 } from '../onnx/float16';
import { WorkerSession, type WireTensor } from '../workerSession';
import { displayPath } from '../../files/paths';
import { Batcher, type BatchStats } from './batcher';

export { sessionSignature, type Dim, type Signature, type TensorInfo } from '../signature';

export interface JudgeOptions {
  /** Execution provider; `auto` tries CUDA, WebGPU, then CPU (see session.ts). Default `auto`. */
  readonly provider?: ProviderSetting;
  /** Receives one line per model loaded saying which provider it runs on (and why not the others). */
  readonly log?: (line: string) => void;
  readonly intraOpThreads?: number;
  /** Most items (images, texts, embeddings) per model run, gathered across callers; default per provider
   *  (defaultJudgeBatch). A model whose batch dimension is fixed at 1 runs one at a time whatever this says. */
  readonly maxBatch?: number;
  /** How long an item waits for others while the model is idle, in ms (default JUDGE_GATHER_MS). */
  readonly gatherMs?: number;
}

/** Items per judge model run when none is asked for. A CPU gains little from batching a transformer and loses
 *  once a batch outgrows its caches: a ViT-B/32 image encoder on 2 cores ran 14.1 / 19.2 / 19.2 / 12.4 img/s at
 *  batch 1 / 4 / 8 / 16 (on a 16-core host 50 / 67 / 74 at 1 / 8 / 32). A GPU gains 5-10x: 99.6 / 578 / 947 img/s
 *  at 1 / 8 / 32 on an H200 with WebGPU. */
export function defaultJudgeBatch(provider: Provider): number {
  return provider === 'cpu' ? 4 : 32;
}

/** The gather window: a few ms, short beside one image's inference (10 ms on a GPU, 50-70 on a CPU). */
export const JUDGE_GATHER_MS = 5;

/** A judge that cannot be loaded or run, naming the judge and the model file. */
export class JudgeError extends Error {
  constructor(
    message: string,
    readonly judge: string,
    readonly file?: string,
  ) {
    super(message);
    this.name = 'JudgeError';
  }
}

// ---- signatures ------------------------------------------------------------------------------------------------

/** Output types and shapes from one run of `feeds` (a dry run with dummy inputs), on an in-thread onnxruntime
 *  session or a WorkerSession alike. */
export async function probeOutputs<F>(
  session: { run(feeds: F): Promise<Readonly<Record<string, unknown>>>; readonly outputNames: readonly string[] },
  feeds: F,
): Promise<TensorInfo[]> {
  const results = await session.run(feeds);
  return session.outputNames.map((name) => {
    const t = results[name] as { type?: string; dims?: readonly number[] } | undefined;
    return t && Array.isArray(t.dims) && typeof t.type === 'string' ? { name, type: t.type, shape: [...t.dims] } : { name, type: 'non-tensor' };
  });
}

export function formatShape(shape: readonly Dim[] | undefined): string {
  if (!shape) return '[?]';
  return `[${shape.map((d) => (typeof d === 'number' ? String(d) : /^[A-Za-z_][A-Za-z0-9_]{0,15}$/.test(d) ? d : '?')).join(',')}]`;
}

export function formatInfo(kind: 'input' | 'output', t: TensorInfo): string {
  return `${kind} '${t.name}' of shape ${formatShape(t.shape)} (${t.type})`;
}

// ---- roles -----------------------------------------------------------------------------------------------------

/** Why a tensor does not fit a role. `near`: right kind of tensor with a fixable detail (size, precision, batch);
 *  otherwise it is a different kind of tensor altogether. */
export interface Misfit {
  readonly reason?: string;
  readonly near: boolean;
}

export interface Role {
  /** "an image input", "a score output". */
  readonly what: string;
  /** The expected shape and type, "[N,3,224,224] (float32)". */
  readonly expected: string;
  /** Names that identify the role, lower case. */
  readonly names: readonly string[];
  /** Undefined when `t` fits. Unknown types and shapes (no metadata) fit. */
  readonly check: (t: TensorInfo) => Misfit | undefined;
}

const isDyn = (d: Dim | undefined) => d === undefined || typeof d === 'string';
const FLOAT_HINT = 'Wabi feeds float32 or float16 (converted from float32): export the model in one of them';
/** The float types a judge model may take and give: float16 inputs are converted from float32, and float16
 *  outputs back (a float16 export of a model runs as it is). */
const FLOATS = ['float32', 'float16'];

function floatMisfit(t: TensorInfo, accept: readonly string[] = FLOATS): Misfit | undefined {
  if (t.type === 'unknown' || accept.includes(t.type)) return undefined;
  if (t.type === 'float64' || t.type === 'bfloat16') return { near: true, reason: FLOAT_HINT };
  return { near: false };
}

function batchMisfit(d: Dim | undefined): Misfit | undefined {
  return isDyn(d) || d === 1 ? undefined : { near: true, reason: 'the batch dimension must be dynamic or 1' };
}

export function imageInputRole(size: number): Role {
  return {
    what: 'an image input',
    expected: `[N,3,${size},${size}] (float32 or float16)`,
    names: ['pixel_values', 'image', 'images', 'input', 'input_image', 'img', 'pixel_value'],
    check: (t) => {
      if (!t.shape) return floatMisfit(t);
      const [n, c, h, w] = t.shape;
      if (t.shape.length !== 4 || (!isDyn(c) && c !== 3)) return { near: false };
      const type = floatMisfit(t);
      if (type) return type;
      if (!isDyn(h) && !isDyn(w) && h !== w) return { near: true, reason: 'Wabi feeds square images' };
      const s = !isDyn(h) ? h : !isDyn(w) ? w : undefined;
      if (s !== undefined && s !== size) return { near: true, reason: `declare \`size ${s}\` if the model was trained at that size` };
      return batchMisfit(n);
    },
  };
}

export function idsInputRole(): Role {
  return {
    what: 'a token-ids input',
    expected: '[N,L] (int64 or int32)',
    names: ['input_ids', 'text', 'ids', 'tokens', 'input_text', 'text_input', 'text_ids', 'token_ids'],
    check: intSequence,
  };
}

export function maskInputRole(): Role {
  return { what: 'an attention-mask input', expected: '[N,L] (int64 or int32)', names: ['attention_mask', 'mask', 'text_mask', 'attention_masks'], check: intSequence };
}

function intSequence(t: TensorInfo): Misfit | undefined {
  if (t.type !== 'unknown' && t.type !== 'int64' && t.type !== 'int32') return { near: false };
  if (!t.shape) return undefined;
  if (t.shape.length !== 2) return { near: false };
  return batchMisfit(t.shape[0]);
}

export function embeddingOutputRole(which: 'image' | 'text'): Role {
  return {
    what: `${which === 'image' ? 'an image' : 'a text'} embedding output`,
    expected: '[N,D] (float32 or float16)',
    names: [`${which}_embeds`, `${which}_embeddings`, `${which}_features`, `${which}_embed`, 'embeddings', 'embedding', 'embeds', 'features', 'output', 'out'],
    check: (t) => {
      if (!t.shape) return floatMisfit(t);
      if (t.shape.length !== 2) return { near: false };
      return floatMisfit(t);
    },
  };
}

export function embeddingInputRole(dim: number | undefined, encoder: string): Role {
  return {
    what: 'an embedding input',
    expected: `[N,${dim ?? 'D'}] (float32 or float16)${dim ? `, the ${dim}-dimensional image embeddings of '${encoder}'` : ''}`,
    names: ['input', 'embeddings', 'embedding', 'image_embeds', 'image_embedding', 'image_features', 'features', 'x', 'emb', 'embeds'],
    check: (t) => {
      if (!t.shape) return floatMisfit(t);
      if (t.shape.length !== 2) return { near: false };
      const type = floatMisfit(t);
      if (type) return type;
      const d = t.shape[1];
      if (dim !== undefined && !isDyn(d) && d !== dim) {
        return { near: true, reason: `the encoder '${encoder}' gives ${dim}-dimensional embeddings: pair the head with the CLIP model it was trained on` };
      }
      return batchMisfit(t.shape[0]);
    },
  };
}

export function scoreOutputRole(): Role {
  return {
    what: 'a score output',
    expected: '[N] or [N,1] (float32 or float16)',
    names: ['score', 'scores', 'logits', 'reward', 'rewards', 'output', 'logits_per_image', 'out', 'prediction', 'predictions'],
    check: (t) => {
      if (!t.shape) return floatMisfit(t, [...FLOATS, 'float64']);
      const ok = t.shape.length === 0 || t.shape.length === 1 || (t.shape.length === 2 && (t.shape[1] === 1 || isDyn(t.shape[1])));
      if (!ok) return { near: false };
      return floatMisfit(t, [...FLOATS, 'float64']);
    },
  };
}

// ---- a loaded model ----------------------------------------------------------------------------------------

/** One item's value of one input (its row, without the batch dimension), before any float16 conversion. */
export interface ItemInput {
  readonly type: 'float32' | 'int64' | 'int32';
  readonly data: Float32Array | BigInt64Array | Int32Array;
  /** The row's shape, without the batch dimension. */
  readonly dims: readonly number[];
}

/** A judge model, run in its own worker thread (workerSession.ts: onnxruntime-node's `run` blocks the thread that
 *  calls it, which would stall the decoding of the next images) and fed through a Batcher, so that the items of
 *  every caller waiting at the same moment run as one batch. */
export class JudgeModel {
  private taken = new Set<string>();
  private sig: Signature;
  private readonly batchers = new Map<string, Batcher>();
  /** Most items per run. */
  readonly maxBatch: number;
  private readonly gatherMs: number;
  private readonly log: ((line: string) => void) | undefined;

  private constructor(
    private readonly session: WorkerSession,
    readonly file: string,
    /** "judge 'clip-l' (models/image.onnx)", the start of every message about this model. */
    readonly label: string,
    /** "a reward model", "a CLIP image encoder": what the file should have been. */
    readonly kindName: string,
    readonly judge: string,
    options: JudgeOptions,
  ) {
    this.sig = session.signature;
    // A model exported with its batch dimension fixed at 1 can only run one item at a time.
    const fixedAtOne = this.sig.inputs.some((i) => i.shape?.[0] === 1);
    this.maxBatch = fixedAtOne ? 1 : Math.max(1, options.maxBatch ?? defaultJudgeBatch(session.provider));
    this.gatherMs = options.gatherMs ?? JUDGE_GATHER_MS;
    this.log = options.log;
  }

  static async open(file: string, judge: string, source: string, kindName: string, options: JudgeOptions): Promise<JudgeModel> {
    const label = `judge '${judge}' (${displayPath(file, path.dirname(source))})`;
    let stat: fs.Stats;
    try {
      stat = fs.statSync(file);
    } catch {
      throw new JudgeError(`${label}: no such file`, judge, file);
    }
    if (stat.isDirectory()) throw new JudgeError(`${label}: is a folder, not an ONNX model file`, judge, file);
    if (stat.size === 0) throw new JudgeError(`${label}: the file is empty`, judge, file);
    let session: WorkerSession;
    try {
      session = await WorkerSession.open(file, {
        provider: options.provider ?? 'auto',
        optimization: 'all',
        label,
        logChoice: false,
        ...(options.intraOpThreads ? { intraOpThreads: options.intraOpThreads } : {}),
      });
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      throw new JudgeError(message.startsWith(label) ? message : `${label}: ${message}`, judge, file);
    }
    const model = new JudgeModel(session, file, label, kindName, judge, options);
    options.log?.(`${label}: running on ${session.provider}${session.why}; ${model.maxBatch === 1 ? 'one item per run' : `batches of up to ${model.maxBatch}`}`);
    return model;
  }

  get provider(): Provider {
    return this.session.provider;
  }

  get signature(): Signature {
    return this.sig;
  }

  /** Batches run and items in them, over every output. */
  get stats(): BatchStats {
    const total: BatchStats = { batches: 0, items: 0, largest: 0 };
    for (const b of this.batchers.values()) {
      total.batches += b.stats.batches;
      total.items += b.stats.items;
      total.largest = Math.max(total.largest, b.stats.largest);
    }
    return total;
  }

  error(message: string): JudgeError {
    return new JudgeError(`${this.label}: ${message}`, this.judge, this.file);
  }

  /** The input playing `role`; undefined for an optional role the model does not have. */
  input(role: Role, optional = false): TensorInfo | undefined {
    return this.pick('input', this.sig.inputs, role, optional);
  }

  output(role: Role): TensorInfo {
    return this.pick('output', this.sig.outputs, role, false)!;
  }

  /** After every input role is picked: inputs nobody feeds are an error, since the model could not run. */
  noOtherInputs(fed: string): void {
    const rest = this.sig.inputs.filter((i) => !this.taken.has(i.name));
    if (rest.length > 0) {
      throw this.error(`not ${this.kindName}: expected only ${fed}, found also ${rest.map((r) => formatInfo('input', r)).join(', ')}`);
    }
  }

  /** Fills in outputs whose shape metadata lacks (one dry run of one item); returns whether it ran. */
  async settleOutputs(item: () => Record<string, ItemInput>): Promise<boolean> {
    if (this.sig.outputs.every((o) => o.shape && o.type !== 'unknown')) return false;
    let probed: TensorInfo[];
    try {
      probed = await probeOutputs(this.session, this.wire(item()));
    } catch (e) {
      throw this.error(`a dry run with a dummy input failed: ${firstLine(e)}`);
    }
    this.sig = { inputs: this.sig.inputs, outputs: this.sig.outputs.map((o) => (o.shape && o.type !== 'unknown' ? o : (probed.find((p) => p.name === o.name) ?? o))) };
    return true;
  }

  private pick(kind: 'input' | 'output', all: readonly TensorInfo[], role: Role, optional: boolean): TensorInfo | undefined {
    const free = all.filter((t) => kind === 'output' || !this.taken.has(t.name));
    const named = free.find((t) => role.names.includes(t.name.toLowerCase()));
    const take = (t: TensorInfo) => {
      if (kind === 'input') this.taken.add(t.name);
      return t;
    };
    const mismatch = (t: TensorInfo, m: Misfit) =>
      this.error(`${m.near ? '' : `not ${this.kindName}: `}expected ${role.what} of shape ${role.expected}, found ${formatInfo(kind, t)}${m.reason ? `: ${m.reason}` : ''}`);
    if (named) {
      const m = role.check(named);
      if (m) throw mismatch(named, m);
      return take(named);
    }
    const fits = free.filter((t) => !role.check(t));
    if (fits.length === 1) return take(fits[0]);
    if (fits.length > 1) {
      throw this.error(`cannot tell which is ${role.what} (${role.expected}): ${fits.map((t) => formatInfo(kind, t)).join(', ')}; rename one to ${role.names[0]}`);
    }
    if (optional) return undefined;
    const near = free.filter((t) => role.check(t)?.near);
    if (near.length === 1) throw mismatch(near[0], role.check(near[0])!);
    if (free.length === 1) throw mismatch(free[0], role.check(free[0])!);
    const found = free.length === 0 ? `no ${kind === 'input' ? 'other inputs' : 'outputs'}` : free.map((t) => formatInfo(kind, t)).join(', ');
    return this.fail(`not ${this.kindName}: expected ${role.what} of shape ${role.expected}, found ${found}`);
  }

  private fail(message: string): never {
    throw this.error(message);
  }

  /**
   * `output`'s values for each item, in order: each item is one row of every input. Items from every caller
   * waiting at the same moment run together in batches of up to maxBatch. float16 inputs are converted from the
   * float32 given, and a float16 output comes back as float32. Rejects with BatchCancelled when `signal` aborts.
   */
  async runItems(items: ReadonlyArray<Record<string, ItemInput>>, output: string, signal?: AbortSignal): Promise<Array<{ data: Float32Array | Float64Array; dims: readonly number[] }>> {
    const batcher = this.batcherFor(output);
    const rows = await batcher.runAll(items.map((item) => this.wire(item)), signal);
    return rows.map((r) => r[output] as { data: Float32Array | Float64Array; dims: readonly number[] });
  }

  private batcherFor(output: string): Batcher {
    let b = this.batchers.get(output);
    if (!b) {
      const info = this.sig.outputs.find((o) => o.name === output);
      b = new Batcher({
        maxBatch: this.maxBatch,
        gatherMs: this.gatherMs,
        run: async (feeds) => {
          let out: Record<string, WireTensor>;
          try {
            out = await this.session.run(feeds, [output]);
          } catch (e) {
            throw this.error(`the model failed to run: ${firstLine(e)}`);
          }
          const t = out[output];
          if (!t) throw this.error(`output '${output}' is not a tensor${info ? ` (${info.type})` : ''}`);
          return { [output]: fromModelType(t) };
        },
      });
      this.batchers.set(output, b);
    }
    return b;
  }

  /** An item as the model's inputs take it, batch dimension 1: float32 rows become float16 where the model
   *  reads float16. Fresh arrays, as they are transferred to the worker. */
  private wire(item: Record<string, ItemInput>): Record<string, WireTensor> {
    const out: Record<string, WireTensor> = {};
    for (const [name, v] of Object.entries(item)) {
      const half = v.type === 'float32' && this.sig.inputs.find((i) => i.name === name)?.type === 'float16';
      out[name] = half ? { type: 'float16', data: float32ToFloat16(v.data as Float32Array), dims: [1, ...v.dims] } : { type: v.type, data: v.data, dims: [1, ...v.dims] };
    }
    return out;
  }

  async dispose(): Promise<void> {
    for (const b of this.batchers.values()) b.close(this.error('the model was released'));
    const s = this.stats;
    // How well items met in batches, once the model's work is over: the figure that says whether batching paid.
    if (s.batches > 0) this.log?.(`${this.label}: ${s.items} item${s.items === 1 ? '' : 's'} in ${s.batches} run${s.batches === 1 ? '' : 's'} (${(s.items / s.batches).toFixed(1)} a run, largest ${s.largest})`);
    await this.session.release();
  }
}

/** A float16 output as float32 (the values are exact); other types as they come. */
function fromModelType(t: WireTensor): WireTensor {
  if (t.type !== 'float16') return t;
  const data = t.data instanceof Uint16Array ? float16ToFloat32(t.data) : Float32Array.from(t.data as ArrayLike<number>);
  return { type: 'float32', data, dims: t.dims };
}

export function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0];
}

/** Each item's values as a Float32Array, checking that every item got one float32 row ([1,D]) as wide as the
 *  first item's. */
export function floatRows(items: ReadonlyArray<{ data: Float32Array | Float64Array; dims: readonly number[] }>, error: (dims: readonly number[]) => JudgeError): Float32Array[] {
  const width = items[0]?.data.length;
  return items.map((r) => {
    if (!(r.data instanceof Float32Array) || r.dims.length !== 2 || r.data.length !== width) throw error(r.dims);
    return r.data;
  });
}

/** An [N,3,S,S] tensor's images as items of `name` (rows share its buffer until wire() copies them). */
export function imageItems(name: string, data: Float32Array, n: number, size: number): Array<Record<string, ItemInput>> {
  const per = 3 * size * size;
  return Array.from({ length: n }, (_, i) => ({ [name]: { type: 'float32' as const, data: data.subarray(i * per, (i + 1) * per), dims: [3, size, size] } }));
}
