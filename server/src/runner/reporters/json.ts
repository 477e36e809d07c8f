// The JSON report of a run: a stable, versioned schema that CI scripts and dashboards can read.
//
// Schema `wabi-run-report`, version 1. Every key below is always present (absent values are `null`), but for those
// marked "only in a compare run"; keys come in the order listed, `traits` and `judges` keys are sorted, tests keep
// the run's order. Paths are relative to the report's `relativeTo` folder with `/` separators; lines and columns
// are 1-based. Numbers that are not finite (NaN, Infinity) are written as `null`.
//
// {
//   "schema": "wabi-run-report",
//   "version": 1,
//   "startedAt": "2026-05-01T10:00:00.000Z",   ISO 8601
//   "finishedAt": "2026-05-01T10:00:12.300Z",
//   "complete": true,                           false when the run was cancelled (tests = those that finished)
//   "summary": { "tests", "passed", "failed", "beautified", "errors", "images", "cachedImages", "durationMs" },
//   "tests": [{
//     "name": "grainy cow",
//     "spec": "specs/cows.wabi",
//     "line": 5,                                the `test` header
//     "tags": ["clarity_and_focus.film_artifacts"],
//     "generator": "flux-dev" | null,
//     "variant": "flux-dev",                    only in a compare run, on each result of a compared test: the
//                                               generator it is for (the test has one result per generator)
//     "prompt": "..." | null, "negative": "..." | null, "baseline": "..." | null,
//                                               what the prompt's images (prompt, negative) and the baseline's
//                                               (baseline alone) were made from; null for an `images` test
//     "verdict": "pass" | "fail" | "beautified" | "error",
//     "reasons": ["..."],                       empty for a pass
//     "passRate": { "passed": 3, "total": 4, "required": 3 },
//     "durationMs": 8123,
//     "expectations": [{
//       "text": "grain > baseline + 0.3", "line": 9, "column": 3, "passed": false, "reason": "...",
//       "seeds": [{ "seed": 1, "value": 0.12, "against": 0.4, "passed": false, "beautified": true | false | null }]
//     }],
//     "images": [{
//       "seed": 1, "role": "prompt" | "baseline" | "input", "file": ".wabi/cache/ab/abcd.png", "cached": true,
//       "traits": { "blur": 0.1, ... every catalogue trait },
//       "judges": { "clip(\"a rotten fruit\")": 0.27, ... },
//       "error": "..." | null
//     }]
//   }],
//   "leaderboard": {                            only in a compare run (`wabi run --generator a,b`, `compare` lists)
//     "level": 0.95,                            of every interval below
//     "generators": [{                          best first (runner/leaderboard.ts says how figures and ranks are made)
//       "rank": 1, "generator": "tuned",
//       "tests": 4, "passed": 3, "beautified": 1, "errors": 0,
//       "passRate": { "count": 7, "total": 8, "rate": 0.875, "low": 0.53, "high": 0.98 },        seeds, Wilson
//       "beautifiedRate": { "count": 1, "total": 8, "rate": 0.125, "low": 0.02, "high": 0.47 },  seeds, Wilson
//       "meanRise": { "mean": 0.31, "n": 8, "low": 0.22, "high": 0.4 } | null,   requested traits over their
//                                               baseline (or input), bootstrap interval
//       "traits": { "grain": { "mean", "n", "low", "high" }, ... },
//       "categories": { "clarity_and_focus.film_artifacts": { "tests", "passed", "beautified", "errors",
//                       "passRate", "beautifiedRate", "meanRise", "traits" }, ... },   per test tag
//       "worst": [{ "test": "grainy cow", "spec": "specs/cows.wabi", "line": 5, "verdict": "beautified",
//                   "seed": 2 | null, "rise": -0.02 | null }]                     up to three, worst first
//     }],
//     "excluded": [{ "test": "real artworks", "spec": "specs/art.wabi", "line": 12, "reason": "..." }]
//   },                                          tests that ran once (an `images` test has no generator to vary)
//   "shards": [{                                only in a report merged from shards (`wabi merge-reports`)
//     "index": 1, "total": 4, "host": "ci-runner-3", "startedAt": "...", "finishedAt": "...", "complete": true,
//     "tests", "passed", "failed", "beautified", "errors", "images", "cachedImages", "durationMs",
//     "generateMs": 9800 | null, "scoreMs": 1200 | null
//   }],                                         in shard order; the run's startedAt..finishedAt spans them all
//   "endpoints": [{                             only when a server generator (comfyui, a1111, openai) made requests;
//                                               merged: every shard's, joined per generator and endpoint
//     "generator": "sdxl", "endpoint": "http://gpu-2:8188",   its URL without credentials or query
//     "concurrency": 2, "images": 40, "failures": 1,          failures: requests that failed there (most then
//                                                             succeeded on another endpoint)
//     "meanSeconds": 2.1 | null, "medianSeconds": 2.05 | null, per image it made, request to image
//     "outOfRotationMs": 12300                                time it was left out after failing
//   }]
// }
//
// A change that removes or renames a key, or changes a value's meaning, raises `version`; added keys do not.
import type { ExpectationResult, ImageRecord, RunResult, ShardFigures, TestResult, Verdict } from '../results';
import { secondsPerImage, type EndpointFigures } from '../endpoints';
import { leaderboard, type Figures, type Leaderboard, type Mean, type Rate } from '../leaderboard';
import { reportPath } from './common';

export const JSON_REPORT_SCHEMA = 'wabi-run-report';
export const JSON_REPORT_VERSION = 1;

export interface JsonReportOptions {
  /** Folder the report's paths are relative to (usually the workspace root, or the report's own folder). */
  readonly relativeTo: string;
}

export interface JsonReport {
  readonly schema: typeof JSON_REPORT_SCHEMA;
  readonly version: typeof JSON_REPORT_VERSION;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly complete: boolean;
  readonly summary: {
    readonly tests: number;
    readonly passed: number;
    readonly failed: number;
    readonly beautified: number;
    readonly errors: number;
    readonly images: number;
    readonly cachedImages: number;
    readonly durationMs: number;
  };
  readonly tests: readonly JsonTest[];
  /** Only in a compare run. */
  readonly leaderboard?: JsonLeaderboard;
  /** Only in a report merged from shards. */
  readonly shards?: readonly JsonShard[];
  /** Only when a server generator made requests. */
  readonly endpoints?: readonly JsonEndpoint[];
}

export interface JsonEndpoint {
  readonly generator: string;
  readonly endpoint: string;
  readonly concurrency: number;
  readonly images: number;
  readonly failures: number;
  readonly meanSeconds: number | null;
  readonly medianSeconds: number | null;
  readonly outOfRotationMs: number;
}

export interface JsonShard {
  readonly index: number;
  readonly total: number;
  readonly host: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly complete: boolean;
  readonly tests: number;
  readonly passed: number;
  readonly failed: number;
  readonly beautified: number;
  readonly errors: number;
  readonly images: number;
  readonly cachedImages: number;
  readonly durationMs: number;
  readonly generateMs: number | null;
  readonly scoreMs: number | null;
}

export interface JsonRate {
  readonly count: number;
  readonly total: number;
  readonly rate: number;
  readonly low: number;
  readonly high: number;
}

export interface JsonMean {
  readonly mean: number | null;
  readonly n: number;
  readonly low: number | null;
  readonly high: number | null;
}

export interface JsonFigures {
  readonly tests: number;
  readonly passed: number;
  readonly beautified: number;
  readonly errors: number;
  readonly passRate: JsonRate;
  readonly beautifiedRate: JsonRate;
  readonly meanRise: JsonMean | null;
  readonly traits: Readonly<Record<string, JsonMean>>;
}

export interface JsonLeaderboardRow extends JsonFigures {
  readonly rank: number;
  readonly generator: string;
  readonly categories: Readonly<Record<string, JsonFigures>>;
  readonly worst: readonly { readonly test: string; readonly spec: string; readonly line: number; readonly verdict: Verdict; readonly seed: number | null; readonly rise: number | null }[];
}

export interface JsonLeaderboard {
  readonly level: number;
  readonly generators: readonly JsonLeaderboardRow[];
  readonly excluded: readonly { readonly test: string; readonly spec: string; readonly line: number; readonly reason: string }[];
}

export interface JsonTest {
  readonly name: string;
  readonly spec: string;
  readonly line: number;
  readonly tags: readonly string[];
  readonly generator: string | null;
  /** Only on a compared test's results. */
  readonly variant?: string;
  readonly prompt: string | null;
  readonly negative: string | null;
  readonly baseline: string | null;
  readonly verdict: Verdict;
  readonly reasons: readonly string[];
  readonly passRate: { readonly passed: number; readonly total: number; readonly required: number };
  readonly durationMs: number;
  readonly expectations: readonly JsonExpectation[];
  readonly images: readonly JsonImage[];
}

export interface JsonExpectation {
  readonly text: string;
  readonly line: number;
  readonly column: number;
  readonly passed: boolean;
  readonly reason: string;
  readonly seeds: readonly {
    readonly seed: number;
    readonly value: number | null;
    readonly against: number | null;
    readonly passed: boolean;
    readonly beautified: boolean | null;
  }[];
}

export interface JsonImage {
  readonly seed: number;
  readonly role: 'prompt' | 'baseline' | 'input';
  readonly file: string;
  readonly cached: boolean;
  readonly traits: Readonly<Record<string, number | null>>;
  readonly judges: Readonly<Record<string, number | null>>;
  readonly error: string | null;
}

const num = (n: number): number | null => (Number.isFinite(n) ? n : null);

function sortedScores(scores: Readonly<Record<string, number>>): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const key of Object.keys(scores).sort()) out[key] = num(scores[key]);
  return out;
}

function expectation(e: ExpectationResult): JsonExpectation {
  return {
    text: e.expectation.text,
    line: e.expectation.range.start.line + 1,
    column: e.expectation.range.start.character + 1,
    passed: e.passed,
    reason: e.reason,
    seeds: e.seeds.map((s) => ({
      seed: s.seed,
      value: num(s.value),
      against: num(s.against),
      passed: s.passed,
      beautified: s.beautified ?? null,
    })),
  };
}

function image(i: ImageRecord, relativeTo: string): JsonImage {
  return {
    seed: i.seed,
    role: i.role,
    file: reportPath(i.file, relativeTo),
    cached: i.cached,
    traits: sortedScores(i.traits),
    judges: sortedScores(i.judges),
    error: i.error ?? null,
  };
}

function test(t: TestResult, relativeTo: string): JsonTest {
  return {
    name: t.name,
    spec: reportPath(t.spec, relativeTo),
    line: t.line + 1,
    tags: [...t.tags],
    generator: t.generator ?? null,
    ...(t.variant !== undefined ? { variant: t.variant } : {}),
    prompt: t.prompt ?? null,
    negative: t.negative ?? null,
    baseline: t.baseline ?? null,
    verdict: t.verdict,
    reasons: [...t.reasons],
    passRate: { passed: t.passRate.passed, total: t.passRate.total, required: t.passRate.required },
    durationMs: t.durationMs,
    expectations: t.expectations.map(expectation),
    images: t.images.map((i) => image(i, relativeTo)),
  };
}

/** The report as an object (what `jsonReport` serialises). */
export function jsonReportObject(result: RunResult, opts: JsonReportOptions): JsonReport {
  const s = result.summary;
  return {
    schema: JSON_REPORT_SCHEMA,
    version: JSON_REPORT_VERSION,
    startedAt: result.startedAt,
    finishedAt: result.finishedAt,
    complete: result.complete,
    summary: {
      tests: result.tests.length,
      passed: s.passed,
      failed: s.failed,
      beautified: s.beautified,
      errors: s.errors,
      images: s.images,
      cachedImages: s.cachedImages,
      durationMs: s.durationMs,
    },
    tests: result.tests.map((t) => test(t, opts.relativeTo)),
    ...leaderboardSection(result.tests, opts.relativeTo),
    ...(result.shards ? { shards: result.shards.map(shardOf) } : {}),
    ...(result.endpoints ? { endpoints: result.endpoints.map(endpointOf) } : {}),
  };
}

function endpointOf(f: EndpointFigures): JsonEndpoint {
  const { mean, median } = secondsPerImage(f);
  return {
    generator: f.generator,
    endpoint: f.endpoint,
    concurrency: f.concurrency,
    images: f.images,
    failures: f.failures,
    meanSeconds: mean ?? null,
    medianSeconds: median ?? null,
    outOfRotationMs: Math.round(f.outOfRotationMs),
  };
}

function shardOf(sh: ShardFigures): JsonShard {
  const s = sh.summary;
  return {
    index: sh.index,
    total: sh.total,
    host: sh.host,
    startedAt: sh.startedAt,
    finishedAt: sh.finishedAt,
    complete: sh.complete,
    tests: s.passed + s.failed + s.beautified + s.errors,
    passed: s.passed,
    failed: s.failed,
    beautified: s.beautified,
    errors: s.errors,
    images: s.images,
    cachedImages: s.cachedImages,
    durationMs: s.durationMs,
    generateMs: sh.timings?.generateMs ?? null,
    scoreMs: sh.timings?.scoreMs ?? null,
  };
}

function rateOf(r: Rate): JsonRate {
  return { count: r.count, total: r.total, rate: r.rate, low: r.interval.low, high: r.interval.high };
}

function meanOf(m: Mean): JsonMean {
  return { mean: num(m.mean), n: m.n, low: num(m.interval.low), high: num(m.interval.high) };
}

function figuresOf(f: Figures): JsonFigures {
  const traits: Record<string, JsonMean> = {};
  for (const [trait, m] of Object.entries(f.traits)) traits[trait] = meanOf(m);
  return {
    tests: f.tests,
    passed: f.passed,
    beautified: f.beautified,
    errors: f.errors,
    passRate: rateOf(f.passRate),
    beautifiedRate: rateOf(f.beautifiedRate),
    meanRise: f.rise ? meanOf(f.rise) : null,
    traits,
  };
}

/** `{ leaderboard }` in a compare run, else nothing (the key is left out). */
function leaderboardSection(tests: readonly TestResult[], relativeTo: string): { leaderboard?: JsonLeaderboard } {
  const board: Leaderboard | undefined = leaderboard(tests);
  if (!board) return {};
  const where = (index: number) => ({ test: tests[index].name, spec: reportPath(tests[index].spec, relativeTo), line: tests[index].line + 1 });
  return {
    leaderboard: {
      level: board.level,
      generators: board.rows.map((r) => ({
        rank: r.rank,
        generator: r.generator,
        ...figuresOf(r),
        categories: Object.fromEntries(Object.entries(r.categories).map(([tag, f]) => [tag, figuresOf(f)])),
        worst: r.worst.map((w) => ({ ...where(w.index), verdict: tests[w.index].verdict, seed: w.seed ?? null, rise: w.rise === undefined ? null : num(w.rise) })),
      })),
      excluded: board.excluded.map((x) => ({ ...where(x.index), reason: x.reason })),
    },
  };
}

/** The JSON report, pretty-printed with two spaces and a final newline. */
export function jsonReport(result: RunResult, opts: JsonReportOptions): string {
  return JSON.stringify(jsonReportObject(result, opts), null, 2) + '\n';
}
