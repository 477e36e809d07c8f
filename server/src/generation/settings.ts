// A generator's settings as its backend reads them. They arrive typed and range-checked: the language service read
// them by the catalogue's key schema (catalogue/values.ts), and the checker refused what was out of range before
// any run, so backends apply defaults and nothing else.
import * as path from 'node:path';
import type { GeneratorDeclaration, SettingValue } from '../catalogue/declarations';
import { generatorKind, GENERATOR_KIND_KEY } from '../catalogue/schema';
import { typedValue } from '../catalogue/values';

export interface GeneratorSettings {
  readonly name: string;
  readonly kind: string;
  /** Absolute path of the spec that defines the generator: relative paths are resolved against its folder. */
  readonly specFile: string;
  /** A text setting, or undefined (of a repeated key, the last value). */
  text(key: string): string | undefined;
  /** Every value of a key that may be repeated (a pool's `url` lines), in the order written; [] when none. */
  texts(key: string): readonly string[];
  /** A duration setting in milliseconds. */
  duration(key: string, fallbackMs: number): number;
  integer(key: string, fallback: number): number;
  number(key: string, fallback: number): number;
  /** A path setting, absolute. */
  file(key: string): string | undefined;
}

/** Environment and secrets the backends may read; the runner passes the process's, the editor adds its store. */
export interface GeneratorEnvironment {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The editor's secret storage, when running in the editor; keyed by environment-variable name. */
  readonly secret?: (name: string) => Promise<string | undefined>;
}

export function generatorSettings(decl: GeneratorDeclaration): GeneratorSettings {
  return fromValues(decl.name, decl.kind, decl.file, decl.values);
}

/** Settings from values as a spec would write them (tests and programmatic use), read by the same schema as a
 *  spec's: a value the schema refuses throws, as the checker would have reported it. A list stands for a key written
 *  on several lines (a pool's `url`s). */
export function settingsFrom(name: string, kind: string, specFile: string, written: Readonly<Record<string, string | readonly string[]>>): GeneratorSettings {
  const keys = [GENERATOR_KIND_KEY, ...(generatorKind(kind)?.settings ?? [])];
  const values: Record<string, SettingValue> = {};
  for (const [key, given] of Object.entries(written)) {
    const spec = keys.find((k) => k.key === key);
    const read = (text: string) => {
      const typed = spec ? typedValue(spec, text) : { ok: true as const, value: text };
      if (!typed.ok) throw new Error(`generator '${name}': ${typed.problem}`);
      return spec?.type === 'file' && text !== '' ? path.resolve(path.dirname(specFile), text) : typed.value;
    };
    values[key] = typeof given === 'string' ? (spec?.repeatable ? [read(given)] : read(given)) : given.map(read);
  }
  return fromValues(name, kind, specFile, values);
}

function fromValues(name: string, kind: string, specFile: string, values: Readonly<Record<string, SettingValue>>): GeneratorSettings {
  const one = (key: string) => {
    const v = values[key];
    return Array.isArray(v) ? v[v.length - 1] : (v as string | number | undefined);
  };
  const num = (key: string) => (typeof one(key) === 'number' ? (one(key) as number) : undefined);
  return {
    name,
    kind,
    specFile,
    text: (key) => (one(key) === undefined ? undefined : String(one(key))),
    texts: (key) => {
      const v = values[key];
      return v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)];
    },
    duration: (key, fallbackMs) => num(key) ?? fallbackMs,
    integer: (key, fallback) => num(key) ?? fallback,
    number: (key, fallback) => num(key) ?? fallback,
    file: (key) => (typeof one(key) === 'string' && one(key) !== '' ? (one(key) as string) : undefined),
  };
}
