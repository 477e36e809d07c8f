// What a judge is, resolved from where it was declared: a `judge` block of a spec, a JSON manifest beside the
// model, or both (the block's own settings win over the manifest's). Paths become absolute, defaults are filled
// in, and every value is checked here, so the judges themselves only deal with models.
//
// A manifest holds the same settings as a judge block, with the same names:
//   { "kind": "clip", "image-model": "image.onnx", "text-model": "text.onnx", "tokenizer": "tokenizer.json",
//     "size": 224, "mean": [0.481, 0.458, 0.408], "std": [0.269, 0.261, 0.276] }
// Paths in a manifest are relative to the manifest. `description` and `$schema` may document it; any other key
// is reported as unknown, so a typo (`image_model`) is not silently ignored.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { JUDGE_KINDS, type KeySpec } from '../../catalogue/schema';
import type { Declaration, DeclaredSetting } from '../../catalogue/declarations';
import type { Range } from '../../files/location';
import { displayPath } from '../../files/paths';
import { closest } from '../../catalogue/suggest';

export type JudgeKindName = 'clip' | 'aesthetic' | 'reward';
export type ResizeMode = 'shortest' | 'stretch';
export type CropMode = 'center' | 'none';
export type Triple = readonly [number, number, number];

/** How an image becomes the model's input tensor. */
export interface Preprocessing {
  /** Square input resolution. */
  readonly size: number;
  /** `shortest`: bicubic resize of the short side to `size`, then `crop`; `stretch`: bicubic resize to size x size. */
  readonly resize: ResizeMode;
  /** `center`: centre crop to size x size after a `shortest` resize. `none` is only valid with `stretch`. */
  readonly crop: CropMode;
  /** Per-channel (R, G, B) mean and std applied to pixel/255. */
  readonly mean: Triple;
  readonly std: Triple;
}

export const CLIP_MEAN: Triple = [0.48145466, 0.4578275, 0.40821073];
export const CLIP_STD: Triple = [0.26862954, 0.26130258, 0.27577711];
export const CLIP_SIZE = 224;

export const CLIP_PREPROCESSING: Preprocessing = { size: CLIP_SIZE, resize: 'shortest', crop: 'center', mean: CLIP_MEAN, std: CLIP_STD };

interface JudgeSpecBase {
  /** The judge's name in the spec (or the manifest's file name when loaded on its own). */
  readonly name: string;
  /** The file that declared it: the spec, or the manifest when everything came from one. Paths in messages are
   *  shown relative to its folder. */
  readonly source: string;
  /** The manifest it read, if any (absolute). */
  readonly manifest?: string;
}

export interface ClipJudgeSpec extends JudgeSpecBase {
  readonly kind: 'clip';
  readonly imageModel: string;
  readonly textModel: string;
  readonly tokenizer: string;
  readonly preprocess: Preprocessing;
}

export interface AestheticJudgeSpec extends JudgeSpecBase {
  readonly kind: 'aesthetic';
  readonly model: string;
  /** The name of the `clip` judge whose image embeddings the head reads (resolved by whoever opens judges). */
  readonly encoder: string;
}

export interface RewardJudgeSpec extends JudgeSpecBase {
  readonly kind: 'reward';
  readonly model: string;
  /** Present for models that also read the prompt. */
  readonly tokenizer?: string;
  readonly preprocess: Preprocessing;
}

export type JudgeSpec = ClipJudgeSpec | AestheticJudgeSpec | RewardJudgeSpec;

/** A judge declaration that cannot be used, with where it is: the file, and the range in a spec file. A problem
 *  inside a manifest that a spec's judge block reads has the manifest as `file` and the block's `manifest` line
 *  as `via`, so an editor can put the diagnostic on the spec line too. */
export class JudgeSpecError extends Error {
  constructor(
    message: string,
    readonly file: string,
    readonly range?: Range,
    readonly via?: { readonly file: string; readonly range: Range },
  ) {
    super(message);
    this.name = 'JudgeSpecError';
  }
}

// ---- one setting, from either source -------------------------------------------------------------------------

type Raw =
  | { readonly type: 'word'; readonly text: string }
  | { readonly type: 'numbers'; readonly values: readonly number[] }
  | { readonly type: 'json'; readonly value: unknown };

interface Setting {
  readonly raw: Raw;
  /** Folder that relative paths in this setting are resolved against. */
  readonly dir: string;
  /** Reports a problem with this setting, located. */
  readonly fail: (problem: string) => never;
}

const DOC_KEYS = new Set(['description', '$schema']);

// ---- from a spec's judge block --------------------------------------------------------------------------------

export interface JudgeSpecOptions {
  /** Reads a manifest (defaults to the file system). */
  readonly readFile?: (file: string) => string;
}

/** Resolves a judge declared in the spec `decl.file` (absolute), reading its manifest if it has one.
 *  Throws JudgeSpecError with the spec's file and the offending range. */
export function judgeSpecFrom(decl: Declaration, options: JudgeSpecOptions = {}): JudgeSpec {
  const { name, file: specFile } = decl;
  const specDir = path.dirname(specFile);
  const shown = displayPath(specFile);
  const at = (r: Range) => `${shown}:${r.start.line + 1}`;
  const failAt = (r: Range, problem: string): never => {
    throw new JudgeSpecError(`judge '${name}' (${at(r)}): ${problem}`, specFile, r);
  };

  const own = new Map<string, Setting>();
  for (const p of decl.settings) {
    const fail = (problem: string) => failAt(p.valueRange, problem);
    own.set(p.key, { raw: rawOf(p, failAt), dir: specDir, fail });
  }

  const manifestProp = decl.settings.find((p) => p.key === 'manifest');
  try {
    return resolveDeclaration(decl, own, failAt, options);
  } catch (e) {
    // Errors located in the manifest alone also point at the line that reads it.
    if (e instanceof JudgeSpecError && !e.range && manifestProp) throw new JudgeSpecError(e.message, e.file, undefined, { file: specFile, range: manifestProp.range });
    throw e;
  }
}

function resolveDeclaration(decl: Declaration, own: Map<string, Setting>, failAt: (r: Range, problem: string) => never, options: JudgeSpecOptions): JudgeSpec {
  const { name, file: specFile } = decl;
  const specDir = path.dirname(specFile);
  let settings = own;
  let manifestFile: string | undefined;
  const manifest = own.get('manifest');
  if (manifest) {
    manifestFile = path.resolve(specDir, wordOf(manifest, 'manifest'));
    const label = `manifest ${displayPath(manifestFile, specDir)} (judge '${name}')`;
    const fromManifest = readManifest(manifestFile, label, options, manifest.fail);
    const ours = own.get('kind');
    const theirs = fromManifest.get('kind');
    if (ours && theirs && wordOf(ours, 'kind') !== wordOf(theirs, 'kind')) {
      manifest.fail(`the manifest declares kind '${wordOf(theirs, 'kind')}' but the judge is a ${wordOf(ours, 'kind')} judge.`);
    }
    // The block's own settings win over the manifest's.
    settings = new Map([...fromManifest, ...own]);
    settings.delete('manifest');
  }
  const kindSetting = settings.get('kind');
  if (!kindSetting) failAt(decl.headerRange, `has no kind: add \`kind\` (${JUDGE_KINDS.map((k) => k.kind).join(', ')}).`);
  const kind = checkKind(wordOf(kindSetting!, 'kind'), kindSetting!);
  const missing = (key: string) => failAt(decl.headerRange, `needs \`${key}\`` + (manifestFile ? ` (in the block or in its manifest ${displayPath(manifestFile, specDir)}).` : '.'));
  return build(kind as JudgeKindName, settings, { name, source: specFile, manifest: manifestFile, missing, allowed: (key) => key === 'manifest' });
}

function rawOf(p: DeclaredSetting, failAt: (r: Range, problem: string) => never): Raw {
  if (p.value.type === 'missing') return failAt(p.keyRange, `'${p.key}' needs a value.`);
  return p.value;
}

// ---- from a manifest ------------------------------------------------------------------------------------------

/** Resolves a judge from a manifest alone. `name` defaults to the manifest's file name without `.json`. */
export function judgeSpecFromManifest(manifestFile: string, options: JudgeSpecOptions & { readonly name?: string } = {}): JudgeSpec {
  const file = path.resolve(manifestFile);
  const shown = `manifest ${displayPath(file)}`;
  const fail = (problem: string): never => {
    throw new JudgeSpecError(`${shown}: ${problem}`, file);
  };
  const settings = readManifest(file, shown, options, fail);
  const kindSetting = settings.get('kind');
  if (!kindSetting) fail(`has no "kind" (${JUDGE_KINDS.map((k) => k.kind).join(', ')}).`);
  const kind = checkKind(wordOf(kindSetting!, 'kind'), kindSetting!);
  const name = options.name ?? path.basename(file).replace(/\.json$/i, '');
  return build(kind as JudgeKindName, settings, { name, source: file, manifest: file, missing: (key) => fail(`needs "${key}".`), allowed: () => false });
}

/** Reads a manifest's settings; `shown` names it in messages. */
function readManifest(file: string, shown: string, options: JudgeSpecOptions, failOpen: (problem: string) => never): Map<string, Setting> {
  let text: string;
  try {
    text = (options.readFile ?? ((f: string) => fs.readFileSync(f, 'utf8')))(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return failOpen(`cannot read ${shown.replace(/ \(judge .*\)$/, '')}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : (e as Error).message}.`);
  }
  text = text.replace(/^\uFEFF/, '');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    const message = (e as Error).message;
    const pos = /position (\d+)/.exec(message);
    const where = pos ? `:${lineCol(text, Number(pos[1]))}` : '';
    throw new JudgeSpecError(`${shown}${where}: not valid JSON (${message.replace(/ in JSON at position \d+.*$/, '')}).`, file);
  }
  const fail = (problem: string): never => {
    throw new JudgeSpecError(`${shown}: ${problem}`, file);
  };
  if (typeof json !== 'object' || json === null || Array.isArray(json)) fail('must be a JSON object of judge settings ({"kind": "clip", ...}).');
  const dir = path.dirname(file);
  const out = new Map<string, Setting>();
  for (const [key, value] of Object.entries(json as Record<string, unknown>)) {
    if (DOC_KEYS.has(key)) continue;
    out.set(key, { raw: { type: 'json', value }, dir, fail: (problem) => fail(problem) });
  }
  return out;
}

function lineCol(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const col = offset - before.lastIndexOf('\n');
  return `${line}:${col}`;
}

// ---- settings to a spec ---------------------------------------------------------------------------------------

function checkKind(kind: string, s: Setting): string {
  if (!JUDGE_KINDS.some((k) => k.kind === kind)) {
    const guess = closest(kind, JUDGE_KINDS.map((k) => k.kind));
    s.fail(`unknown judge kind '${kind}'; expected ${JUDGE_KINDS.map((k) => k.kind).join(', ')}.` + (guess ? ` Did you mean '${guess}'?` : ''));
  }
  return kind;
}

interface BuildContext {
  readonly name: string;
  readonly source: string;
  readonly manifest?: string;
  readonly missing: (key: string) => never;
  /** Keys accepted besides `kind` and the kind's settings. */
  readonly allowed: (key: string) => boolean;
}

function build(kind: JudgeKindName, settings: Map<string, Setting>, ctx: BuildContext): JudgeSpec {
  const kindSpec = JUDGE_KINDS.find((k) => k.kind === kind)!;
  for (const [key, s] of settings) {
    if (key === 'kind' || ctx.allowed(key) || kindSpec.settings.some((k) => k.key === key)) continue;
    const guess = closest(key, kindSpec.settings.map((k) => k.key));
    s.fail(
      `'${key}' is not a setting of a ${kind} judge.` +
        (guess ? ` Did you mean '${guess}'?` : ` Expected: ${['kind', ...kindSpec.settings.map((k) => k.key)].join(', ')}.`),
    );
  }
  const get = (key: string): Setting | undefined => settings.get(key);
  const req = (key: string): Setting => get(key) ?? ctx.missing(key);
  const keySpec = (key: string): KeySpec => kindSpec.settings.find((k) => k.key === key)!;
  const file = (key: string): string => filePath(req(key), key);
  const optFile = (key: string): string | undefined => (get(key) ? filePath(get(key)!, key) : undefined);
  const base = { name: ctx.name, source: ctx.source, ...(ctx.manifest ? { manifest: ctx.manifest } : {}) };

  const preprocess = (defaults: Preprocessing): Preprocessing => {
    const size = get('size') ? integerOf(get('size')!, 'size', keySpec('size')) : defaults.size;
    const resize = get('resize') ? (enumOf(get('resize')!, 'resize', keySpec('resize')) as ResizeMode) : defaults.resize;
    const cropSetting = get('crop');
    const crop = cropSetting ? (enumOf(cropSetting, 'crop', keySpec('crop')) as CropMode) : resize === 'stretch' ? 'none' : defaults.crop;
    if (resize === 'shortest' && crop === 'none') {
      (cropSetting ?? get('resize')!).fail("'crop none' needs 'resize stretch': after a shortest-side resize the image is not square, and the model takes a square one.");
    }
    const mean = get('mean') ? tripleOf(get('mean')!, 'mean', false) : defaults.mean;
    const std = get('std') ? tripleOf(get('std')!, 'std', true) : defaults.std;
    return { size, resize, crop, mean, std };
  };

  switch (kind) {
    case 'clip':
      return {
        ...base,
        kind,
        imageModel: file('image-model'),
        textModel: file('text-model'),
        tokenizer: file('tokenizer'),
        preprocess: preprocess(CLIP_PREPROCESSING),
      };
    case 'aesthetic':
      return { ...base, kind, model: file('model'), encoder: judgeRef(req('encoder'), 'encoder') };
    case 'reward': {
      const tokenizer = optFile('tokenizer');
      return { ...base, kind, model: file('model'), ...(tokenizer ? { tokenizer } : {}), preprocess: preprocess(CLIP_PREPROCESSING) };
    }
  }
}

function wordOf(s: Setting, key: string): string {
  if (s.raw.type === 'word') return s.raw.text;
  if (s.raw.type === 'json' && typeof s.raw.value === 'string') return s.raw.value;
  return s.fail(`'${key}' must be a string.`);
}

function filePath(s: Setting, key: string): string {
  const text = wordOf(s, key).trim();
  if (!text) s.fail(`'${key}' must be a file path.`);
  return path.resolve(s.dir, text);
}

function judgeRef(s: Setting, key: string): string {
  const text = wordOf(s, key);
  if (!/^[A-Za-z][A-Za-z0-9_.-]*$/.test(text)) s.fail(`'${key}' must be a judge name (a letter, then letters, digits, _ - .); got '${text}'.`);
  return text;
}

function numberOf(s: Setting, key: string): number {
  if (s.raw.type === 'json') {
    if (typeof s.raw.value === 'number' && Number.isFinite(s.raw.value)) return s.raw.value;
    return s.fail(`'${key}' must be a number; got ${JSON.stringify(s.raw.value)}.`);
  }
  const text = s.raw.type === 'word' ? s.raw.text : '';
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n)) s.fail(`'${key}' must be a number; got '${text}'.`);
  return n;
}

function integerOf(s: Setting, key: string, spec: KeySpec): number {
  const n = numberOf(s, key);
  if (!Number.isInteger(n)) s.fail(`'${key}' must be a whole number; got ${n}.`);
  if ((spec.min !== undefined && n < spec.min) || (spec.max !== undefined && n > spec.max)) s.fail(`'${key}' must be between ${spec.min} and ${spec.max}; got ${n}.`);
  return n;
}

function enumOf(s: Setting, key: string, spec: KeySpec): string {
  const text = wordOf(s, key);
  const values = spec.values ?? [];
  if (!values.includes(text)) {
    const guess = closest(text, values);
    s.fail(`'${key}' must be one of ${values.join(', ')}; got '${text}'.` + (guess ? ` Did you mean '${guess}'?` : ''));
  }
  return text;
}

function tripleOf(s: Setting, key: string, positive: boolean): Triple {
  let values: unknown[];
  if (s.raw.type === 'numbers') values = [...s.raw.values];
  else if (s.raw.type === 'json' && Array.isArray(s.raw.value)) values = s.raw.value;
  else values = [];
  if (values.length !== 3 || !values.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    s.fail(`'${key}' must be three numbers (R, G, B)` + (s.raw.type === 'json' ? `; got ${JSON.stringify(s.raw.value)}.` : '.'));
  }
  const t = values as number[];
  if (positive && t.some((v) => v <= 0)) s.fail(`'${key}' must be three positive numbers: a standard deviation cannot be ${t.find((v) => v <= 0)}.`);
  return [t[0], t[1], t[2]];
}
