// What a run produces: per test a verdict with its reasons in words and numbers, per expectation the per-seed
// outcomes, per image its scores and where it came from. Reporters (JSON, JUnit, HTML, annotations) and the editor
// read only these types, so they never depend on how the runner got there.
import type { EndpointFigures } from '../generation/pool';
import type { ExpectationSpec } from '../language/resolved';

/**
 * - `pass`: enough seeds met every expectation.
 * - `fail`: too few seeds met them.
 * - `beautified`: failed, and the failing images moved toward conventional polish instead of the requested
 *   traits (no stronger in the trait than the baseline or input, and at least as polished).
 * - `error`: the test could not be decided (a generator or a model failed); the reasons say which and why.
 */
export type Verdict = 'pass' | 'fail' | 'beautified' | 'error';

/** Which image of a test an image is: the anti-aesthetic prompt's, the plain baseline's, or the edit's input. */
export type ImageRole = 'prompt' | 'baseline' | 'input';

export interface ImageRecord {
  readonly seed: number;
  readonly role: ImageRole;
  /** Absolute path of the image (in the cache, or the user's file for `images` tests and inputs). */
  readonly file: string;
  /** True when the image and its scores came from the cache. */
  readonly cached: boolean;
  /** Calibrated 0..1 trait scores, every catalogue trait. */
  readonly traits: Readonly<Record<string, number>>;
  /** Judge measures by their expression text, e.g. `clip("a rotten fruit")`, `reward(hps)`. */
  readonly judges: Readonly<Record<string, number>>;
  /** Set when this image could not be generated or scored. */
  readonly error?: string;
  /** The image's key in the result cache (runner/resultCache.ts imageKey), for a generated image. */
  readonly key?: string;
}

export interface SeedOutcome {
  readonly seed: number;
  /** The measured value on the prompt's image. */
  readonly value: number;
  /** What it was compared with (the threshold, or the baseline/input value with its margin). */
  readonly against: number;
  readonly passed: boolean;
  /** For a failing anti-aesthetic trait: did this seed move toward polish instead? */
  readonly beautified?: boolean;
}

export interface ExpectationResult {
  /** The expectation, structured, with its text as written and the range of its `expect` line in the spec. */
  readonly expectation: ExpectationSpec;
  readonly seeds: readonly SeedOutcome[];
  readonly passed: boolean;
  /** One sentence with numbers, e.g. "asked for grain >= 0.6; got 0.12 (baseline 0.10); polish 0.81 vs baseline 0.78; seeds 1, 2, 4". */
  readonly reason: string;
}

export interface TestResult {
  readonly name: string;
  /** Absolute path of the spec. */
  readonly spec: string;
  /** Zero-based line of the `test` header. */
  readonly line: number;
  readonly tags: readonly string[];
  readonly generator?: string;
  /** In a compare run (`wabi run --generator a,b`, or a `compare` list), the generator this result is for: the
   *  test has one result per compared generator, shown as `name [variant]`. Absent for a test that ran once. */
  readonly variant?: string;
  /** In a compare run, the traits the test asks to be present (the leaderboard measures their rise). */
  readonly requestedTraits?: readonly string[];
  /** The texts the images were made from: the prompt's images from `prompt` and `negative`, the baseline's from
   *  `baseline` alone. Absent for an `images` test, whose images are files. */
  readonly prompt?: string;
  readonly negative?: string;
  readonly baseline?: string;
  readonly verdict: Verdict;
  /** Why, in words and numbers; empty for a pass. */
  readonly reasons: readonly string[];
  /** Seeds that met every expectation, of how many, and how many were required. */
  readonly passRate: { readonly passed: number; readonly total: number; readonly required: number };
  readonly expectations: readonly ExpectationResult[];
  readonly images: readonly ImageRecord[];
  readonly durationMs: number;
}

export interface RunSummary {
  readonly passed: number;
  readonly failed: number;
  readonly beautified: number;
  readonly errors: number;
  readonly images: number;
  readonly cachedImages: number;
  readonly durationMs: number;
}

export interface RunResult {
  readonly startedAt: string;
  readonly finishedAt: string;
  /** False when the run was cancelled; the tests listed are those that finished. */
  readonly complete: boolean;
  readonly tests: readonly TestResult[];
  readonly summary: RunSummary;
  /** Milliseconds spent inside generators and inside scoring, summed over work that ran at the same time. */
  readonly timings?: { readonly generateMs: number; readonly scoreMs: number };
  /** A shard's run (`wabi run --shard i/n`): which part of the selection it ran. */
  readonly shard?: ShardOfRun;
  /** A report merged from shards (`wabi merge-reports`): each shard's figures, in shard order. */
  readonly shards?: readonly ShardFigures[];
  /** What each endpoint of the server generators that made or tried images did (merged: every shard's, joined
   *  per endpoint). Absent when no server generator made a request. */
  readonly endpoints?: readonly EndpointFigures[];
}

/** `i/n`: the i-th of n shards, 1-based. */
export interface ShardSpec {
  readonly index: number;
  readonly total: number;
}

/** A shard's part of a run (runner/shards.ts says how the split is made). */
export interface ShardOfRun extends ShardSpec {
  /** Tests in the whole selection (every shard's). */
  readonly selected: number;
  /** Hex sha256 naming the selection and the shard count: the shards of one run share it. */
  readonly fingerprint: string;
  /** Each of this shard's tests' place in the whole selection (0-based), in the order they run. */
  readonly positions: readonly number[];
}

/** One shard of a merged report: where it ran, when, and what it did. */
export interface ShardFigures extends ShardSpec {
  /** The machine's name, as the shard's blob recorded it. */
  readonly host: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly complete: boolean;
  readonly summary: RunSummary;
  readonly timings?: { readonly generateMs: number; readonly scoreMs: number };
}

/** Live progress, in the order things happen. Counts let a display show "12/40 images". */
export type RunEvent =
  | { readonly type: 'run-started'; readonly tests: number; readonly images: number }
  | { readonly type: 'test-started'; readonly spec: string; readonly test: string; readonly line: number; readonly variant?: string }
  | {
      readonly type: 'image-generated';
      readonly spec: string;
      readonly test: string;
      readonly seed: number;
      readonly role: ImageRole;
      /** The image, in the cache or the user's files: a gallery can show it before the test ends. */
      readonly file: string;
      readonly cached: boolean;
      readonly done: number;
      readonly total: number;
    }
  | {
      readonly type: 'image-scored';
      readonly spec: string;
      readonly test: string;
      readonly seed: number;
      readonly role: ImageRole;
      readonly file: string;
      /** Its trait scores, calibrated 0..1. */
      readonly traits: Readonly<Record<string, number>>;
      readonly done: number;
      readonly total: number;
    }
  | { readonly type: 'expectation-decided'; readonly spec: string; readonly test: string; readonly expectation: ExpectationResult }
  | { readonly type: 'test-finished'; readonly result: TestResult; readonly done: number; readonly total: number }
  | { readonly type: 'run-finished'; readonly result: RunResult };

/** A test's name as reports show it: `grainy cow`, or `grainy cow [tuned]` for one generator's run of it in a
 *  compare run. */
export function testTitle(t: { readonly name: string; readonly variant?: string }): string {
  return t.variant === undefined ? t.name : `${t.name} [${t.variant}]`;
}

export function summarise(tests: readonly TestResult[], durationMs: number): RunSummary {
  const count = (v: Verdict) => tests.filter((t) => t.verdict === v).length;
  const images = tests.flatMap((t) => t.images);
  return {
    passed: count('pass'),
    failed: count('fail'),
    beautified: count('beautified'),
    errors: count('error'),
    images: images.length,
    cachedImages: images.filter((i) => i.cached).length,
    durationMs,
  };
}
