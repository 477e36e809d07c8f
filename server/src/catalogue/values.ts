// What a setting's written value means, by its key's type in the schema: numbers range-checked, durations in
// milliseconds, seed limits. The checker reports what these refuse; the resolver turns what they accept into
// typed values. One reading, so the editor's diagnostics and a run can never disagree on a value.
import type { KeySpec } from './schema';

/** A test runs at most this many seeds, and seeds are 32-bit. Every face (specs, `--seeds`) enforces these
 *  before expanding anything. */
export const MAX_SEEDS = 10_000;
export const MAX_SEED = 2 ** 32 - 1;

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `90s`, `2m`, `500ms`, `1h` in milliseconds; undefined for anything else. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text.trim());
  return m ? Number(m[1]) * UNIT_MS[m[2]] : undefined;
}

export type TypedValue =
  | { readonly ok: true; readonly value: string | number }
  | { readonly ok: false; readonly problem: string; readonly code: 'bad-number' | 'out-of-range' | 'bad-duration' };

/** A single-word value read as its key's type: numbers (integer, number, unit) checked against the key's range,
 *  durations as milliseconds, accuracies (`0.8` or `80%`) as a share 0..1; every other type stays text. */
export function typedValue(spec: KeySpec, text: string): TypedValue {
  switch (spec.type) {
    case 'integer':
    case 'number':
    case 'unit': {
      const n = Number(text);
      if (text.trim() === '' || !Number.isFinite(n)) return { ok: false, problem: `'${text}' is not a number.`, code: 'bad-number' };
      if (spec.type === 'integer' && !Number.isInteger(n)) return { ok: false, problem: `'${spec.key}' must be a whole number.`, code: 'bad-number' };
      if ((spec.min !== undefined && n < spec.min) || (spec.max !== undefined && n > spec.max)) {
        return { ok: false, problem: `'${spec.key}' must be between ${spec.min} and ${spec.max}; got ${text}.`, code: 'out-of-range' };
      }
      return { ok: true, value: n };
    }
    case 'accuracy': {
      const percent = /^(\d+(?:\.\d+)?)[ \t]*%$/.exec(text.trim());
      const n = percent ? Number(percent[1]) / 100 : Number(text);
      if (text.trim() === '' || !Number.isFinite(n)) return { ok: false, problem: `'${text}' is not an accuracy: use a share such as 0.8 or 80%.`, code: 'bad-number' };
      if (n < 0 || n > 1) return { ok: false, problem: `'${spec.key}' must be between 0 and 1 (0% and 100%); got ${text}.`, code: 'out-of-range' };
      return { ok: true, value: n };
    }
    case 'duration': {
      const ms = parseDuration(text);
      if (ms === undefined) return { ok: false, problem: `'${text}' is not a duration: use a number and a unit, e.g. 90s, 2m, 500ms.`, code: 'bad-duration' };
      if (ms <= 0) return { ok: false, problem: `'${spec.key}' must be longer than 0.`, code: 'out-of-range' };
      return { ok: true, value: ms };
    }
    default:
      return { ok: true, value: text };
  }
}

/** How many of `count` seeds must meet every expectation at a pass ratio (at least one, at most all). */
export function requiredSeeds(passRatio: number, count: number): number {
  return Math.min(count, Math.max(1, Math.ceil(passRatio * count - 1e-9)));
}
