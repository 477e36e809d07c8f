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
import { openSession, ort, type Provider, type ProviderSetting } from '../session';
import { displayPath } from '../../files/paths';

export type Dim = number | string;

export interface TensorInfo {
  readonly name: string;
  /** onnxruntime's type name (`float32`, `int64`, `float16`...), `non-tensor`, or `unknown` without metadata. */
  readonly type: string;
  /** Undefined when not known; string entries are symbolic (dynamic) dimensions. */
  readonly shape?: readonly Dim[];
}

export interface Signature {
  readonly inputs: readonly TensorInfo[];
  readonly outputs: readonly TensorInfo[];
}

export interface JudgeOptions {
  /** Execution provider; `auto` tries CUDA, WebGPU, then CPU (see session.ts). Default `auto`. */
  readonly provider?: ProviderSetting;
  /** Receives one line per model loaded saying which provider it runs on (and why not the others). */
  readonly log?: (line: string) => void;
  readonly intraOpThreads?: number;
  /** Most images (or texts) per model run; larger batches are split. Default 16. */
  readonly maxBatch?: number;
}

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

/** Inputs and outputs as onnxruntime's metadata describes them; entries without metadata have unknown type and
 *  shape (onnxruntime-node before 1.22 had no metadata at all). */
export function sessionSignature(session: ort.InferenceSession): Signature {
  const describe = (names: readonly string[], meta: readonly ort.InferenceSession.ValueMetadata[] | undefined): TensorInfo[] =>
    names.map((name, i) => {
      const m = meta?.find((x) => x.name === name) ?? meta?.[i];
      if (!m || m.name !== name) return { name, type: 'unknown' };
      if (!m.isTensor) return { name, type: 'non-tensor' };
      const shape = m.shape.map((d) => (typeof d === 'number' && d < 0 ? '?' : d));
      // onnxruntime reports an unknown shape and a scalar alike (an empty array): call it unknown, and a dry run
      // settles it where it matters.
      return { name, type: m.type, ...(m.shape.length > 0 ? { shape } : {}) };
    });
  const s = session as ort.InferenceSession & { inputMetadata?: ort.InferenceSession.ValueMetadata[]; outputMetadata?: ort.InferenceSession.ValueMetadata[] };
  return { inputs: describe(session.inputNames, s.inputMetadata), outputs: describe(session.outputNames, s.outputMetadata) };
}

/** Output types and shapes from one run of `feeds` (a dry run with dummy inputs). */
export async function probeOutputs(session: ort.InferenceSession, feeds: Record<string, ort.Tensor>): Promise<TensorInfo[]> {
  const results = await session.run(feeds);
  return session.outputNames.map((name) => {
    const t = results[name] as ort.Tensor | undefined;
    return t && typeof t.dims !== 'undefined' ? { name, type: t.type, shape: [...t.dims] } : { name, type: 'non-tensor' };
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
const FLOAT_HINT = 'Wabi feeds and reads float32: export the model in float32';

function floatMisfit(t: TensorInfo, accept: readonly string[] = ['float32']): Misfit | undefined {
  if (t.type === 'unknown' || accept.includes(t.type)) return undefined;
  if (t.type === 'float16' || t.type === 'float64' || t.type === 'bfloat16') return { near: true, reason: FLOAT_HINT };
  return { near: false };
}

function batchMisfit(d: Dim | undefined): Misfit | undefined {
  return isDyn(d) || d === 1 ? undefined : { near: true, reason: 'the batch dimension must be dynamic or 1' };
}

export function imageInputRole(size: number): Role {
  return {
    what: 'an image input',
    expected: `[N,3,${size},${size}] (float32)`,
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
    expected: '[N,D] (float32)',
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
    expected: `[N,${dim ?? 'D'}] (float32)${dim ? `, the ${dim}-dimensional image embeddings of '${encoder}'` : ''}`,
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
    expected: '[N] or [N,1] (float32)',
    names: ['score', 'scores', 'logits', 'reward', 'rewards', 'output', 'logits_per_image', 'out', 'prediction', 'predictions'],
    check: (t) => {
      if (!t.shape) return floatMisfit(t, ['float32', 'float64']);
      const ok = t.shape.length === 0 || t.shape.length === 1 || (t.shape.length === 2 && (t.shape[1] === 1 || isDyn(t.shape[1])));
      if (!ok) return { near: false };
      return floatMisfit(t, ['float32', 'float64']);
    },
  };
}

// ---- a loaded model ----------------------------------------------------------------------------------------

export class JudgeModel {
  private taken = new Set<string>();
  private sig: Signature;

  private constructor(
    readonly session: ort.InferenceSession,
    readonly provider: Provider,
    readonly file: string,
    /** "judge 'clip-l' (models/image.onnx)", the start of every message about this model. */
    readonly label: string,
    /** "a reward model", "a CLIP image encoder": what the file should have been. */
    readonly kindName: string,
    readonly judge: string,
  ) {
    this.sig = sessionSignature(session);
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
    try {
      const { session, provider } = await openSession(file, {
        provider: options.provider ?? 'auto',
        optimization: 'all',
        label,
        ...(options.log ? { log: options.log } : {}),
        ...(options.intraOpThreads ? { intraOpThreads: options.intraOpThreads } : {}),
      });
      return new JudgeModel(session, provider, file, label, kindName, judge);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      throw new JudgeError(message.startsWith(label) ? message : `${label}: ${message}`, judge, file);
    }
  }

  get signature(): Signature {
    return this.sig;
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

  /** Fills in outputs whose shape metadata lacks (one dry run with `feeds`); returns whether it ran. */
  async settleOutputs(feeds: () => Record<string, ort.Tensor>): Promise<boolean> {
    if (this.sig.outputs.every((o) => o.shape && o.type !== 'unknown')) return false;
    let probed: TensorInfo[];
    try {
      probed = await probeOutputs(this.session, feeds());
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

  /** Runs `feeds` and returns the named output, wrapping onnxruntime's errors with the model's label. */
  async run(feeds: Record<string, ort.Tensor>, output: string): Promise<ort.Tensor> {
    let results: ort.InferenceSession.ReturnType;
    try {
      results = await this.session.run(feeds, [output]);
    } catch (e) {
      throw this.error(`the model failed to run: ${firstLine(e)}`);
    }
    return results[output] as ort.Tensor;
  }

  /** Whether the batch dimension of input `t` is fixed at 1 (the model then runs one item at a time). */
  static batchOfOne(t: TensorInfo): boolean {
    return t.shape?.[0] === 1;
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}

export function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0];
}

/** Splits [N, ...] rows of `data` into N arrays of `n / N` values, checking the count. */
export function rows(t: ort.Tensor, count: number, label: () => JudgeError): Float32Array[] {
  const data = t.data as Float32Array;
  if (!(data instanceof Float32Array) || t.dims[0] !== count || data.length % count !== 0) throw label();
  const width = data.length / count;
  return Array.from({ length: count }, (_, i) => data.slice(i * width, (i + 1) * width));
}

/** Runs `run` over `[0, n)` in chunks of at most `max` items. */
export async function chunked<T>(n: number, max: number, run: (start: number, end: number) => Promise<T[]>): Promise<T[]> {
  const out: T[] = [];
  for (let start = 0; start < n; start += max) out.push(...(await run(start, Math.min(n, start + max))));
  return out;
}
