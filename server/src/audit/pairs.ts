// Pairs datasets for `wabi audit`: each pair is a faithful anti-aesthetic image, a polished image of the same
// subject and the anti-aesthetic prompt. Two forms are read:
//
// - a JSONL file, one object per line: `faithful`, `polished`, `prompt` (required), `plain`, `category` (the
//   paper's taxonomy, `category` or `category.subcategory`) and `id` (optional); image paths are relative to the
//   file. Other keys are ignored, except one a letter or two from a known key, which is reported as a typo.
// - a folder in the paper's layout: `N_dist.*` (made from the anti-aesthetic prompt: faithful), `N_orig.*` (made
//   from the plain prompt: polished) and `_meta.json`, an array of {idx, prompt_original, prompt_distorted,
//   selected_dims}.
//
// A bad row (bad JSON, a missing key, a missing or non-image file, a path outside the project, an unknown
// category) is a located error, `pairs.jsonl:7:12: ...`, and every other row is still read. Only a dataset that
// cannot be read at all throws (PairsError).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { closest } from '../catalogue/suggest';
import { isTaxonomyTag, TAXONOMY_TAGS } from '../catalogue/taxonomy';
import type { SpecHost } from '../files/host';
import { imageFormat } from '../files/imageFormat';
import { displayPath } from '../files/paths';

export interface AuditPair {
  /** Unique within the dataset: the row's `id`, else `line N` (JSONL) or the `_meta.json` idx (folder). */
  readonly id: string;
  /** Where the pair was read: the JSONL line, or its `_meta.json` entry (1-based). */
  readonly file: string;
  readonly line: number;
  /** Absolute paths of the images. */
  readonly faithful: string;
  readonly polished: string;
  /** The anti-aesthetic prompt both images are judged under. */
  readonly prompt: string;
  readonly plain?: string;
  readonly category?: string;
  /** The paper's `selected_dims` of a folder dataset (informational). */
  readonly dims?: readonly string[];
}

/** A row that could not be used, located in its file (1-based line and column). */
export interface PairError {
  readonly file: string;
  readonly line: number;
  readonly column?: number;
  readonly message: string;
}

export interface PairsSet {
  /** The JSONL file or the folder, absolute. */
  readonly source: string;
  readonly pairs: readonly AuditPair[];
  readonly errors: readonly PairError[];
}

/** A dataset that cannot be read at all (missing, not UTF-8, a folder without `_meta.json`). */
export class PairsError extends Error {}

/** `pairs.jsonl:7:12: message`, the path shown relative to `base` (or the working folder). */
export function formatPairError(e: PairError, base?: string): string {
  return `${displayPath(e.file, base)}:${e.line}${e.column !== undefined ? `:${e.column}` : ''}: ${e.message}`;
}

const REQUIRED = ['faithful', 'polished', 'prompt'] as const;
const KNOWN = [...REQUIRED, 'plain', 'category', 'id'];

/** Reads a pairs dataset through `host` (a confined host keeps image paths inside the project). */
export function loadPairs(target: string, host: SpecHost): PairsSet {
  const abs = path.resolve(target);
  const kind = host.stat(abs);
  if (kind === undefined) throw new PairsError(`${displayPath(abs)} does not exist${host.allows && !host.allows(abs) ? ' inside the project (--allow-outside reads it)' : ''}`);
  return kind === 'dir' ? loadFolder(abs, host) : loadJsonl(abs, host);
}

function readText(file: string, host: SpecHost): string {
  const text = host.readFile(file);
  if (text !== undefined) return text;
  const problem = host.problem?.(file);
  throw new PairsError(`${displayPath(file)}${problem ? `:${problem.line + 1}:${problem.character + 1}: ${problem.what}` : ': cannot be read'}`);
}

// ---- JSONL ------------------------------------------------------------------------------------------------------

function loadJsonl(file: string, host: SpecHost): PairsSet {
  const lines = readText(file, host).split(/\r\n|\r|\n/);
  const pairs: AuditPair[] = [];
  const errors: PairError[] = [];
  const ids = new Map<string, number>();
  lines.forEach((text, i) => {
    if (text.trim() === '') return;
    const row = jsonlRow(file, i + 1, text, host);
    if ('message' in row) {
      errors.push(row);
      return;
    }
    const first = ids.get(row.id);
    if (first !== undefined) {
      errors.push({ file, line: i + 1, column: columnOfKey(text, 'id'), message: `id '${row.id}' is already used on line ${first}` });
      return;
    }
    ids.set(row.id, i + 1);
    pairs.push(row);
  });
  return { source: file, pairs, errors };
}

function jsonlRow(file: string, line: number, text: string, host: SpecHost): AuditPair | PairError {
  const fail = (message: string, key?: string): PairError => ({ file, line, column: key === undefined ? undefined : columnOfKey(text, key), message });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    const message = (e as Error).message;
    const at = /position (\d+)/.exec(message);
    return { file, line, column: at ? Number(at[1]) + 1 : undefined, message: `not valid JSON (${message.replace(/ in JSON at position \d+.*$/, '')})` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail('a pair must be a JSON object {"faithful": ..., "polished": ..., "prompt": ...}');
  const row = value as Record<string, unknown>;
  for (const key of Object.keys(row)) {
    if (KNOWN.includes(key)) continue;
    const guess = closest(key, KNOWN);
    if (guess) return fail(`unknown key '${key}'. Did you mean '${guess}'?`, key);
  }
  for (const key of REQUIRED) {
    if (!(key in row)) return fail(`missing "${key}"${key === 'prompt' ? ' (the anti-aesthetic prompt)' : ' (an image path, relative to this file)'}`);
  }
  for (const key of KNOWN) {
    if (key in row && (typeof row[key] !== 'string' || (row[key] as string).trim() === '')) return fail(`"${key}" must be a non-empty string`, key);
  }
  const str = (key: string) => row[key] as string | undefined;
  const category = str('category');
  if (category !== undefined) {
    const bad = categoryProblem(category);
    if (bad) return fail(bad, 'category');
  }
  const dir = path.dirname(file);
  const images: Record<'faithful' | 'polished', string> = { faithful: '', polished: '' };
  for (const key of ['faithful', 'polished'] as const) {
    const abs = path.resolve(dir, str(key)!);
    const bad = imageProblem(abs, host, dir);
    if (bad) return fail(`${key} image ${bad}`, key);
    images[key] = abs;
  }
  return { id: str('id') ?? `line ${line}`, file, line, ...images, prompt: str('prompt')!, plain: str('plain'), category };
}

/** 1-based column of `"key"` in a JSONL line (where an editor puts the cursor), or undefined. */
function columnOfKey(text: string, key: string): number | undefined {
  const at = text.indexOf(JSON.stringify(key));
  return at < 0 ? undefined : at + 1;
}

function categoryProblem(category: string): string | undefined {
  if (isTaxonomyTag(category)) return undefined;
  const guess = closest(category, TAXONOMY_TAGS);
  return `unknown category '${category}'.${guess ? ` Did you mean '${guess}'?` : ' Categories are the paper\'s taxonomy: clarity_and_focus.film_artifacts, color_and_tone, ... (see wabi traits).'}`;
}

/** Why `file` cannot be one of a pair's images, or undefined when it is an image inside the project. */
function imageProblem(file: string, host: SpecHost, base: string): string | undefined {
  const shown = displayPath(file, base);
  if (host.allows && !host.allows(file)) return `${shown} is outside the project (--allow-outside reads it)`;
  const kind = host.stat(file);
  if (kind === undefined) return `${shown} does not exist`;
  if (kind === 'dir') return `${shown} is a folder, not an image`;
  const head = Buffer.alloc(64);
  let read = 0;
  try {
    const fd = fs.openSync(host.realPath ? host.realPath(file) : file, 'r');
    try {
      read = fs.readSync(fd, head, 0, head.length, 0);
    } finally {
      fs.closeSync(fd);
    }
  } catch (e) {
    return `${shown} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`;
  }
  if (read === 0) return `${shown} is empty`;
  return imageFormat(head.subarray(0, read)) ? undefined : `${shown} is not an image (not PNG, JPEG, WebP, GIF, TIFF, AVIF, HEIF or BMP)`;
}

// ---- the paper's folder -----------------------------------------------------------------------------------------

const META = '_meta.json';
const IMAGE_NAME = /^(\d+)_(orig|dist)\.([A-Za-z0-9]+)$/;

function loadFolder(dir: string, host: SpecHost): PairsSet {
  const metaFile = path.join(dir, META);
  if (host.stat(metaFile) !== 'file') {
    throw new PairsError(`${displayPath(dir)} has no ${META}: a pairs folder holds N_dist.* (faithful) and N_orig.* (polished) images and ${META}; or give a .jsonl file`);
  }
  const text = readText(metaFile, host);
  let meta: unknown;
  try {
    meta = JSON.parse(text);
  } catch (e) {
    throw new PairsError(`${displayPath(metaFile)}: not valid JSON (${(e as Error).message})`);
  }
  if (!Array.isArray(meta)) throw new PairsError(`${displayPath(metaFile)}: must be a JSON array of {"idx", "prompt_original", "prompt_distorted", "selected_dims"}`);
  const images = folderImages(dir, host);
  const pairs: AuditPair[] = [];
  const errors: PairError[] = [];
  const seen = new Set<string>();
  meta.forEach((entry: unknown, k) => {
    const r = metaEntry(metaFile, text, entry, k, images, host);
    if ('message' in r) errors.push(r);
    else if (seen.has(r.id)) errors.push({ file: metaFile, line: r.line, message: `idx ${r.id} is listed twice` });
    else {
      seen.add(r.id);
      pairs.push(r);
    }
  });
  for (const [idx, files] of images) {
    if (seen.has(idx) || errors.some((e) => e.message.startsWith(`idx ${idx}:`))) continue;
    const file = files.dist ?? files.orig!;
    errors.push({ file, line: 1, message: `idx ${idx} has no entry in ${META}, so it has no prompt` });
  }
  return { source: dir, pairs, errors };
}

/** The `N_orig.*` and `N_dist.*` images of a folder, by N. */
function folderImages(dir: string, host: SpecHost): Map<string, { orig?: string; dist?: string }> {
  const out = new Map<string, { orig?: string; dist?: string }>();
  for (const e of host.readDir(dir)) {
    const m = e.kind === 'file' ? IMAGE_NAME.exec(e.name) : null;
    if (!m) continue;
    const slot = out.get(m[1]) ?? {};
    slot[m[2] as 'orig' | 'dist'] = path.join(dir, e.name);
    out.set(m[1], slot);
  }
  return out;
}

function metaEntry(
  metaFile: string,
  text: string,
  entry: unknown,
  k: number,
  images: Map<string, { orig?: string; dist?: string }>,
  host: SpecHost,
): AuditPair | PairError {
  const obj = typeof entry === 'object' && entry !== null && !Array.isArray(entry) ? (entry as Record<string, unknown>) : undefined;
  const idx = obj && (typeof obj.idx === 'number' || typeof obj.idx === 'string') ? String(obj.idx) : undefined;
  const where = idx !== undefined ? locateIdx(text, idx) : { line: 1 };
  const fail = (message: string): PairError => ({ file: metaFile, ...where, message: `${idx !== undefined ? `idx ${idx}` : `entry ${k + 1}`}: ${message}` });
  if (!obj) return fail('must be an object {"idx", "prompt_original", "prompt_distorted", "selected_dims"}');
  if (idx === undefined) return fail('has no "idx"');
  if (typeof obj.prompt_distorted !== 'string' || obj.prompt_distorted.trim() === '') return fail('needs "prompt_distorted" (the anti-aesthetic prompt)');
  if (obj.prompt_original !== undefined && typeof obj.prompt_original !== 'string') return fail('"prompt_original" must be a string');
  const files = images.get(idx);
  if (!files?.dist) return fail(`no ${idx}_dist image (the faithful one) in the folder`);
  if (!files.orig) return fail(`no ${idx}_orig image (the polished one) in the folder`);
  for (const f of [files.dist, files.orig]) {
    const bad = imageProblem(f, host, path.dirname(metaFile));
    if (bad) return fail(bad);
  }
  const dims = Array.isArray(obj.selected_dims) ? obj.selected_dims.filter((d): d is string => typeof d === 'string') : undefined;
  return {
    id: idx,
    file: metaFile,
    line: where.line,
    faithful: files.dist,
    polished: files.orig,
    prompt: obj.prompt_distorted,
    plain: obj.prompt_original as string | undefined,
    ...(dims && dims.length > 0 ? { dims } : {}),
  };
}

/** The line and column of an entry's `"idx": N` in `_meta.json`. */
function locateIdx(text: string, idx: string): { line: number; column?: number } {
  const m = new RegExp(`"idx"\\s*:\\s*"?${idx}\\b`).exec(text);
  if (!m) return { line: 1 };
  const before = text.slice(0, m.index);
  const line = before.split('\n').length;
  return { line, column: m.index - before.lastIndexOf('\n') };
}
