// A named generator or judge as plain data: where it was declared and its settings as written, with no syntax
// tree. The language service makes these from spec blocks; generation and scoring read them, so neither knows the
// spec language.
import type { Range } from '../files/location';

/** A setting's value as written: one word (or text), a list of numbers, or nothing after the key. */
export type DeclaredValue =
  | { readonly type: 'word'; readonly text: string }
  | { readonly type: 'numbers'; readonly values: readonly number[] }
  | { readonly type: 'missing' };

export interface DeclaredSetting {
  readonly key: string;
  readonly value: DeclaredValue;
  readonly keyRange: Range;
  /** The value's range (the key's when the value is missing). */
  readonly valueRange: Range;
  /** From the key to the end of the value. */
  readonly range: Range;
}

/** A typed setting: one value, or every value of a key that may be repeated. */
export type SettingValue = string | number | readonly (string | number)[];

export interface Declaration {
  readonly name: string;
  /** The `kind` setting's value (`comfyui`, `clip`...), '' when not given. */
  readonly kind: string;
  /** Absolute path of the spec that declares it: relative paths in its settings are resolved against its folder. */
  readonly file: string;
  readonly headerRange: Range;
  /** Every setting in the order written; a repeated key appears twice and the later one wins. */
  readonly settings: readonly DeclaredSetting[];
}

export interface GeneratorDeclaration extends Declaration {
  /** The effective settings typed by the kind's key schema: numbers and durations (milliseconds) as numbers, files
   *  as absolute paths, the rest as text; a key the schema lets repeat (a pool's `url`) as the list of its values in
   *  the order written. Keys the schema does not know, and values it refuses, are left out (the checker reports
   *  them, and a spec with errors does not run). */
  readonly values: Readonly<Record<string, SettingValue>>;
}

export interface JudgeDeclaration extends Declaration {
  /** For an `aesthetic` judge: its `encoder`, looked up where the judge is declared (that spec and its imports). */
  readonly encoder?: JudgeDeclaration;
}
