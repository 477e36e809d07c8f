// A generator block's settings, typed. The language service has already reported malformed values in the
// editor; these readers apply defaults and turn what is left into numbers, milliseconds and absolute paths.
import * as path from 'node:path';
import type { GeneratorBlock } from '../language/ast';

export interface GeneratorSettings {
  readonly name: string;
  readonly kind: string;
  /** Absolute path of the spec that defines the generator: relative paths are resolved against its folder. */
  readonly specFile: string;
  /** The raw text of a setting, or undefined. */
  text(key: string): string | undefined;
  /** A duration setting in milliseconds (`90s`, `2m`, `500ms`, `1h`). */
  duration(key: string, fallbackMs: number): number;
  integer(key: string, fallback: number): number;
  number(key: string, fallback: number): number;
  /** A path setting resolved against the spec's folder. */
  file(key: string): string | undefined;
}

/** Environment and secrets the backends may read; the runner passes the process's, the editor adds its store. */
export interface GeneratorEnvironment {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The editor's secret storage, when running in the editor; keyed by environment-variable name. */
  readonly secret?: (name: string) => Promise<string | undefined>;
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export function parseDuration(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text.trim());
  return m ? Number(m[1]) * UNIT_MS[m[2]] : undefined;
}

export function generatorSettings(block: GeneratorBlock, specFile: string): GeneratorSettings {
  const values = new Map<string, string>();
  for (const p of block.properties) {
    if (p.value.type === 'word' || p.value.type === 'text') values.set(p.key.text, p.value.text);
  }
  const dir = path.dirname(specFile);
  return fromMap(block.name?.text ?? '', values.get('kind') ?? '', specFile, dir, values);
}

/** Settings from plain values (tests and programmatic use). */
export function settingsFrom(name: string, kind: string, specFile: string, values: Readonly<Record<string, string>>): GeneratorSettings {
  return fromMap(name, kind, specFile, path.dirname(specFile), new Map(Object.entries(values)));
}

function fromMap(name: string, kind: string, specFile: string, dir: string, values: ReadonlyMap<string, string>): GeneratorSettings {
  return {
    name,
    kind,
    specFile,
    text: (key) => values.get(key),
    duration(key, fallbackMs) {
      const v = values.get(key);
      return (v !== undefined ? parseDuration(v) : undefined) ?? fallbackMs;
    },
    integer(key, fallback) {
      const n = Number(values.get(key));
      return values.has(key) && Number.isInteger(n) ? n : fallback;
    },
    number(key, fallback) {
      const n = Number(values.get(key));
      return values.has(key) && Number.isFinite(n) ? n : fallback;
    },
    file(key) {
      const v = values.get(key);
      return v === undefined || v === '' ? undefined : path.resolve(dir, v);
    },
  };
}
