// A generator's settings as its backend reads them. They arrive typed and range-checked: the language service read
// them by the catalogue's key schema (catalogue/values.ts), and the checker refused what was out of range before
// any run, so backends apply defaults and nothing else.
import * as path from 'node:path';
import type { GeneratorDeclaration } from '../catalogue/declarations';
import { generatorKind, GENERATOR_KIND_KEY } from '../catalogue/schema';
import { typedValue } from '../catalogue/values';

export interface GeneratorSettings {
  readonly name: string;
  readonly kind: string;
  /** Absolute path of the spec that defines the generator: relative paths are resolved against its folder. */
  readonly specFile: string;
  /** A text setting, or undefined. */
  text(key: string): string | undefined;
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
 *  spec's: a value the schema refuses throws, as the checker would have reported it. */
export function settingsFrom(name: string, kind: string, specFile: string, written: Readonly<Record<string, string>>): GeneratorSettings {
  const keys = [GENERATOR_KIND_KEY, ...(generatorKind(kind)?.settings ?? [])];
  const values: Record<string, string | number> = {};
  for (const [key, text] of Object.entries(written)) {
    const spec = keys.find((k) => k.key === key);
    const typed = spec ? typedValue(spec, text) : { ok: true as const, value: text };
    if (!typed.ok) throw new Error(`generator '${name}': ${typed.problem}`);
    values[key] = spec?.type === 'file' && text !== '' ? path.resolve(path.dirname(specFile), text) : typed.value;
  }
  return fromValues(name, kind, specFile, values);
}

function fromValues(name: string, kind: string, specFile: string, values: Readonly<Record<string, string | number>>): GeneratorSettings {
  const num = (key: string) => (typeof values[key] === 'number' ? (values[key] as number) : undefined);
  return {
    name,
    kind,
    specFile,
    text: (key) => (values[key] === undefined ? undefined : String(values[key])),
    duration: (key, fallbackMs) => num(key) ?? fallbackMs,
    integer: (key, fallback) => num(key) ?? fallback,
    number: (key, fallback) => num(key) ?? fallback,
    file: (key) => (typeof values[key] === 'string' && values[key] !== '' ? (values[key] as string) : undefined),
  };
}
