// The gallery's pure half: what the page shows, built from TestResults (and a running test's images so far), the
// page's HTML shell with its Content-Security-Policy, and the check that an image lies inside the folders the
// webview may read. No `vscode` import here, so the unit tests run it under plain node; index.ts does the VS Code
// part (the panel, its roots, webview URIs, restore after a reload).
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { ExpectationResult, ImageRole, SeedOutcome, TestResult, Verdict } from '../../../server/src/runner/results';
import { VERDICT_LABEL, fmt, isBeautifiedExpectation, traitsUsed } from '../../../server/src/runner/reporters/common';

/** What a running test has produced so far (GalleryEntry.live). */
export interface LiveImage {
  readonly seed: number;
  readonly role: ImageRole;
  readonly file: string;
  readonly traits?: Readonly<Record<string, number>>;
}

/** The data of one gallery entry, as the results model hands it over (GalleryEntry without `vscode`). */
export interface EntryData {
  readonly id: string;
  readonly last?: TestResult;
  readonly previous?: TestResult;
  readonly live?: { readonly images: ReadonlyArray<LiveImage> };
}

/** Where an image can be loaded from in the page: a webview URI, or why it cannot be shown. */
export type ImageSource = { readonly src: string } | { readonly unavailable: string };

// ------------------------------------------------------------------------------------------------ view model
// Plain JSON, posted to the page. Every string is data: the page puts it in the DOM with textContent only.

/** `ok` met, `no` missed, `bt` missed and moved toward polish (beautified), `none` nothing to judge. */
export type Mark = 'ok' | 'no' | 'bt' | 'none';

export interface ViewImage {
  readonly seed: number;
  readonly role: ImageRole;
  /** "anti-aesthetic prompt", "baseline prompt", "input", or "image" for an `images` test. */
  readonly label: string;
  /** The file's name (the full path is in `title`). */
  readonly name: string;
  readonly path: string;
  readonly src?: string;
  /** Why the image is not shown (outside the allowed folders, missing, not absolute). */
  readonly unavailable?: string;
  readonly cached?: boolean;
  /** The generator's or scorer's error for this image. */
  readonly error?: string;
}

export interface ViewThreshold {
  readonly op: string;
  readonly against: number;
  /** `0.60`, or `baseline + 0.3` when the comparand is not a plain number. */
  readonly comparand: string;
  readonly mark: Mark;
}

export interface ViewBar {
  readonly role: ImageRole;
  readonly value?: number;
}

export interface ViewTrait {
  readonly trait: string;
  readonly mark: Mark;
  readonly bars: readonly ViewBar[];
  /** Thresholds on the prompt's bar, one per expectation on this trait (this seed's `against`). */
  readonly thresholds: readonly ViewThreshold[];
}

export interface ViewJudge {
  readonly key: string;
  readonly values: readonly ViewBar[];
  readonly thresholds: readonly ViewThreshold[];
}

export interface ViewSeed {
  readonly seed: number;
  readonly mark: Mark;
  readonly summary: string;
  readonly images: readonly ViewImage[];
  readonly traits: readonly ViewTrait[];
  /** Roles that have judge values, in column order, and one row per judge measure. */
  readonly judgeRoles: readonly ImageRole[];
  readonly judges: readonly ViewJudge[];
}

export interface ViewExpectation {
  readonly line: number;
  readonly text: string;
  readonly mark: Mark;
  readonly seedsPassed: number;
  readonly seedsTotal: number;
  readonly reason: string;
}

export interface ViewRun {
  /** `result`: a finished result; `live`: images of the running test so far. */
  readonly kind: 'result' | 'live';
  readonly verdict?: Verdict;
  readonly verdictLabel: string;
  readonly reasons: readonly string[];
  readonly passRate?: { readonly passed: number; readonly total: number; readonly required: number };
  readonly generator?: string;
  readonly prompt?: string;
  readonly negative?: string;
  readonly baseline?: string;
  readonly durationMs?: number;
  readonly expectations: readonly ViewExpectation[];
  readonly seeds: readonly ViewSeed[];
}

export interface ViewCard {
  readonly id: string;
  readonly name: string;
  /** Spec path as the user reads it, and the zero-based line of the test header (when known). */
  readonly spec: string;
  readonly line?: number;
  readonly tags: readonly string[];
  /** `running` while the test has live images. */
  readonly state: Verdict | 'running' | 'none';
  readonly stateLabel: string;
  /** What the card shows: the running test's images, else the last result. */
  readonly main?: ViewRun;
  /** What "compare with the previous run" puts beside it: the last result while running, else the previous one. */
  readonly compare?: ViewRun;
  readonly compareLabel?: string;
}

/** Host → page messages. */
export type ToPage =
  | { readonly type: 'render'; readonly title: string; readonly ids?: readonly string[]; readonly cards: readonly ViewCard[]; readonly filters?: Filters }
  | { readonly type: 'update'; readonly cards: readonly ViewCard[] };

export interface Filters {
  readonly failuresOnly: boolean;
  readonly beautifiedOnly: boolean;
  readonly compare: boolean;
}

/** What the page saves with setState, and the serializer gets back after a reload. */
export interface PageState {
  readonly ids?: readonly string[];
  readonly title?: string;
  readonly filters?: Filters;
}

/** Page → host messages. */
export type FromPage =
  | { readonly type: 'ready'; readonly state?: PageState }
  | { readonly type: 'images'; readonly loaded: number; readonly failed: number; readonly cards: number }
  | { readonly type: 'open'; readonly id: string };

// ------------------------------------------------------------------------------------------------ building

const ROLE_LABEL: Readonly<Record<ImageRole, string>> = { prompt: 'anti-aesthetic prompt', baseline: 'baseline prompt', input: 'input' };
/** Left to right in a seed's row: what went in, what came out, what the plain prompt gave. */
const ROLE_ORDER: readonly ImageRole[] = ['input', 'prompt', 'baseline'];
const OP_TEXT: Readonly<Record<string, string>> = { '<': '<', '<=': '≤', '>': '>', '>=': '≥' };
/** Always drawn: polish is what "beautified" is measured by. */
const POLISH = 'polish';

interface AnyImage {
  readonly seed: number;
  readonly role: ImageRole;
  readonly file: string;
  readonly cached?: boolean;
  readonly traits?: Readonly<Record<string, number>>;
  readonly judges?: Readonly<Record<string, number>>;
  readonly error?: string;
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

function outcomeMark(o: SeedOutcome): Mark {
  return o.passed ? 'ok' : o.beautified ? 'bt' : 'no';
}

function worst(marks: readonly Mark[]): Mark {
  if (marks.length === 0) return 'none';
  if (marks.includes('bt')) return 'bt';
  if (marks.includes('no')) return 'no';
  return 'ok';
}

function threshold(e: ExpectationResult, o: SeedOutcome): ViewThreshold {
  const x = e.expectation;
  const plainNumber = /^\s*-?[\d.]+\s*$/.test(x.comparandText);
  return { op: OP_TEXT[x.op] ?? x.op, against: o.against, comparand: plainNumber ? fmt(o.against) : x.comparandText, mark: outcomeMark(o) };
}

const isImagesTest = (t: TestResult) => t.generator === undefined && t.images.every((i) => i.role === 'prompt');

function seedsOf(images: readonly AnyImage[], expectations: readonly ExpectationResult[]): number[] {
  const seeds = new Set<number>();
  for (const i of images) if (i.role !== 'input') seeds.add(i.seed);
  for (const e of expectations) for (const s of e.seeds) seeds.add(s.seed);
  if (seeds.size === 0) for (const i of images) seeds.add(i.seed);
  return [...seeds].sort((a, b) => a - b);
}

function viewImage(img: AnyImage, label: string, resolve: (file: string) => ImageSource): ViewImage {
  const source = resolve(img.file);
  return {
    seed: img.seed,
    role: img.role,
    label,
    name: path.basename(img.file),
    path: img.file,
    ...('src' in source ? { src: source.src } : { unavailable: source.unavailable }),
    ...(img.cached !== undefined ? { cached: img.cached } : {}),
    ...(img.error ? { error: img.error } : {}),
  };
}

function viewSeed(
  seed: number,
  images: readonly AnyImage[],
  expectations: readonly ExpectationResult[],
  traits: readonly string[],
  imagesTest: boolean,
  resolve: (file: string) => ImageSource,
): ViewSeed {
  const byRole = new Map<ImageRole, AnyImage>();
  for (const img of images) if (img.seed === seed && !byRole.has(img.role)) byRole.set(img.role, img);
  // An edit's input is often recorded once; it belongs beside every seed.
  if (!byRole.has('input')) {
    const input = images.find((i) => i.role === 'input');
    if (input) byRole.set('input', input);
  }
  const roles = ROLE_ORDER.filter((r) => byRole.has(r));
  const viewImages = roles.map((r) => viewImage(byRole.get(r)!, imagesTest ? 'image' : ROLE_LABEL[r], resolve));

  const outcomes = expectations.map((e) => ({ e, o: e.seeds.find((s) => s.seed === seed) }));
  const viewTraits: ViewTrait[] = traits.map((trait) => {
    const thresholds = outcomes
      .filter(({ e, o }) => o && e.expectation.measure.kind === 'trait' && e.expectation.measure.trait === trait)
      .map(({ e, o }) => threshold(e, o!));
    const bars = (['prompt', 'baseline', 'input'] as const)
      .filter((r) => byRole.has(r))
      .map((r) => {
        const v = num(byRole.get(r)!.traits?.[trait]);
        return v === undefined ? { role: r } : { role: r, value: v };
      });
    return { trait, mark: worst(thresholds.map((t) => t.mark)), bars, thresholds };
  });

  const judgeRoles = roles.filter((r) => Object.keys(byRole.get(r)!.judges ?? {}).length > 0);
  const judgeKeys: string[] = [];
  for (const r of judgeRoles) for (const k of Object.keys(byRole.get(r)!.judges ?? {})) if (!judgeKeys.includes(k)) judgeKeys.push(k);
  for (const { e } of outcomes) {
    const m = e.expectation.measure;
    if (m.kind === 'judge' && !judgeKeys.includes(m.key) && judgeRoles.length > 0) judgeKeys.push(m.key);
  }
  const judges: ViewJudge[] = judgeKeys.map((key) => ({
    key,
    values: judgeRoles.map((r) => {
      const v = num(byRole.get(r)!.judges?.[key]);
      return v === undefined ? { role: r } : { role: r, value: v };
    }),
    thresholds: outcomes.filter(({ e, o }) => o && e.expectation.measure.kind === 'judge' && e.expectation.measure.key === key).map(({ e, o }) => threshold(e, o!)),
  }));

  const decided = outcomes.filter((x) => x.o).map((x) => outcomeMark(x.o!));
  let summary: string;
  if (decided.length === 0) summary = expectations.length === 0 ? '' : 'not decided';
  else if (decided.every((m) => m === 'ok')) summary = 'met every expectation';
  else if (decided.includes('bt')) summary = 'beautified against intent';
  else {
    const n = decided.filter((m) => m !== 'ok').length;
    summary = `missed ${n} ${n === 1 ? 'expectation' : 'expectations'}`;
  }
  return { seed, mark: worst(decided), summary, images: viewImages, traits: viewTraits, judgeRoles, judges };
}

/** The traits to draw bars for: those the expectations compare, then polish. */
function barTraits(used: readonly string[], images: readonly AnyImage[]): string[] {
  const out = [...used];
  if (!out.includes(POLISH) && images.some((i) => num(i.traits?.[POLISH]) !== undefined)) out.push(POLISH);
  return out;
}

/** A finished result as the page shows it. */
export function viewResult(test: TestResult, resolve: (file: string) => ImageSource): ViewRun {
  const traits = barTraits(traitsUsed(test), test.images);
  const imagesTest = isImagesTest(test);
  return {
    kind: 'result',
    verdict: test.verdict,
    verdictLabel: VERDICT_LABEL[test.verdict] ?? test.verdict,
    reasons: [...test.reasons],
    passRate: { ...test.passRate },
    ...(test.generator !== undefined ? { generator: test.generator } : {}),
    ...(test.prompt ? { prompt: test.prompt } : {}),
    ...(test.negative ? { negative: test.negative } : {}),
    ...(test.baseline ? { baseline: test.baseline } : {}),
    durationMs: test.durationMs,
    expectations: test.expectations.map((e) => ({
      line: e.expectation.range.start.line,
      text: e.expectation.text,
      mark: e.passed ? 'ok' : isBeautifiedExpectation(test, e) ? 'bt' : 'no',
      seedsPassed: e.seeds.filter((s) => s.passed).length,
      seedsTotal: e.seeds.length,
      reason: e.reason,
    })),
    seeds: seedsOf(test.images, test.expectations).map((s) => viewSeed(s, test.images, test.expectations, traits, imagesTest, resolve)),
  };
}

/** A running test's images so far. Bars for the traits the last result's expectations used (and polish). */
export function viewLive(images: readonly LiveImage[], last: TestResult | undefined, resolve: (file: string) => ImageSource): ViewRun {
  const traits = barTraits(last ? traitsUsed(last) : [], images);
  return {
    kind: 'live',
    verdictLabel: 'running',
    reasons: [],
    expectations: [],
    seeds: seedsOf(images, []).map((s) => viewSeed(s, images, [], traits, false, resolve)),
  };
}

/** The test's name and spec from an id `${specPath}#${testName}` (the name may itself hold `#`). */
export function splitId(id: string): { spec: string; name: string } {
  const i = id.indexOf('#');
  // A spec path holding `#` is possible; a `.wabi#` boundary is the better guess when there is one.
  const w = id.indexOf('.wabi#');
  const at = w >= 0 ? w + 5 : i;
  return at < 0 ? { spec: id, name: id } : { spec: id.slice(0, at), name: id.slice(at + 1) };
}

export interface CardOptions {
  readonly resolve: (file: string) => ImageSource;
  /** How a spec path is shown (relative to the workspace); the path itself when absent. */
  readonly displayPath?: (file: string) => string;
}

/** One card per entry: the running images or the last result, and what to compare them with. */
export function buildCard(entry: EntryData, opts: CardOptions): ViewCard {
  const { last, previous, live } = entry;
  const fromId = splitId(entry.id);
  const spec = last?.spec ?? fromId.spec;
  const shown = opts.displayPath ? opts.displayPath(spec) : spec;
  const base = { id: entry.id, name: last?.name ?? fromId.name, spec: shown, tags: [...(last?.tags ?? [])], ...(last ? { line: last.line } : {}) };
  if (live) {
    return {
      ...base,
      state: 'running',
      stateLabel: 'running',
      main: viewLive(live.images, last, opts.resolve),
      ...(last ? { compare: viewResult(last, opts.resolve), compareLabel: 'last run' } : {}),
    };
  }
  if (last) {
    return {
      ...base,
      state: last.verdict,
      stateLabel: VERDICT_LABEL[last.verdict] ?? last.verdict,
      main: viewResult(last, opts.resolve),
      ...(previous ? { compare: viewResult(previous, opts.resolve), compareLabel: 'previous run' } : {}),
    };
  }
  return { ...base, state: 'none', stateLabel: 'not run' };
}

/** Every image file a set of entries refers to, once each (the host checks them before building cards). */
export function imageFiles(entries: readonly EntryData[]): string[] {
  const out = new Set<string>();
  for (const e of entries) {
    for (const t of [e.last, e.previous]) for (const i of t?.images ?? []) out.add(i.file);
    for (const i of e.live?.images ?? []) out.add(i.file);
  }
  return [...out];
}

/** Whether a card passes the page's filters (the page applies the same rule in gallery.js). */
export function passesFilters(card: Pick<ViewCard, 'state'>, f: Pick<Filters, 'failuresOnly' | 'beautifiedOnly'>): boolean {
  if (f.beautifiedOnly && card.state !== 'beautified') return false;
  if (f.failuresOnly && card.state !== 'fail' && card.state !== 'beautified' && card.state !== 'error') return false;
  return true;
}

// ------------------------------------------------------------------------------------------------ files and roots

/**
 * Whether `file` lies inside one of `roots` (folders). Plain path arithmetic after normalising: `..` segments
 * cannot climb out, a sibling that only shares a prefix (`/cache-old` for `/cache`) is outside, and on Windows the
 * comparison ignores case and separators.
 */
export function isInRoots(file: string, roots: readonly string[], platform: NodeJS.Platform = process.platform): boolean {
  const p = platform === 'win32' ? path.win32 : path.posix;
  if (!p.isAbsolute(file)) return false;
  const norm = (s: string) => {
    const n = p.resolve(s);
    return platform === 'win32' ? n.toLowerCase() : n;
  };
  const f = norm(file);
  return roots.some((root) => {
    if (!p.isAbsolute(root)) return false;
    const rel = p.relative(norm(root), f);
    return rel !== '' && !rel.startsWith('..') && !p.isAbsolute(rel);
  });
}

/** Why an image cannot be shown, or undefined when it can (inside the roots). Existence is checked by the caller. */
export function unavailableReason(file: string, roots: readonly string[], platform: NodeJS.Platform = process.platform): string | undefined {
  const p = platform === 'win32' ? path.win32 : path.posix;
  if (!file) return 'no image file was recorded';
  if (!p.isAbsolute(file)) return `not an absolute path: ${file}`;
  if (!isInRoots(file, roots, platform)) return 'outside the folders the gallery may read (the result cache and the workspace folders)';
  return undefined;
}

// ------------------------------------------------------------------------------------------------ the page

/** A fresh nonce for each render: 128 random bits, base64 without padding. */
export function makeNonce(): string {
  return randomBytes(16).toString('base64').replace(/=+$/, '');
}

/** The page's Content-Security-Policy: nothing but the extension's own files, webview images and one nonced script. */
export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return `default-src 'none'; img-src ${cspSource}; style-src ${cspSource}; script-src 'nonce-${nonce}'`;
}

const attr = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The page shell: CSP, the stylesheet and the script. No data in it: the data comes by postMessage. */
export function pageHtml(o: { cspSource: string; nonce: string; scriptUri: string; styleUri: string }): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${attr(contentSecurityPolicy(o.cspSource, o.nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="${attr(o.styleUri)}">
<title>Wabi images</title>
</head>
<body>
<header class="bar">
<h1 id="title">Wabi images</h1>
<div class="filters" role="group" aria-label="Filters">
<label><input type="checkbox" id="f-failures"> Failures only</label>
<label><input type="checkbox" id="f-beautified"> Beautified only</label>
<label><input type="checkbox" id="f-compare"> Compare with previous run</label>
</div>
<p id="count" class="count" aria-live="polite"></p>
</header>
<main id="cards" aria-label="Tests"><p class="empty">Loading…</p></main>
<div id="zoom" class="zoom" role="dialog" aria-modal="true" aria-label="Image" hidden>
<button type="button" id="zoom-close" class="zoom-close" aria-label="Close (Escape)">×</button>
<figure><img id="zoom-img" alt=""><figcaption id="zoom-caption"></figcaption></figure>
</div>
<script nonce="${attr(o.nonce)}" src="${attr(o.scriptUri)}"></script>
</body>
</html>
`;
}

/** The page's saved state as the serializer hands it back: anything can be in there, keep only what is well formed. */
export function sanitizeState(state: unknown): PageState {
  if (!state || typeof state !== 'object') return {};
  const s = state as Record<string, unknown>;
  const out: { ids?: string[]; title?: string; filters?: Filters } = {};
  if (Array.isArray(s.ids) && s.ids.every((i) => typeof i === 'string')) out.ids = [...(s.ids as string[])];
  if (typeof s.title === 'string' && s.title.length > 0) out.title = s.title.slice(0, 200);
  const f = s.filters;
  if (f && typeof f === 'object') {
    const r = f as Record<string, unknown>;
    out.filters = { failuresOnly: r.failuresOnly === true, beautifiedOnly: r.beautifiedOnly === true, compare: r.compare === true };
  }
  return out;
}
