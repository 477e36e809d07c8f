// A model's inputs and outputs as onnxruntime's metadata describes them: names, element types and shapes. Read
// where the session lives (the inference worker, for judges) and sent to whoever checks them.
import type * as ort from 'onnxruntime-node';

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
