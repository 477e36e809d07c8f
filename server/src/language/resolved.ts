// A spec as plain data: each test with its effective settings (a test's own over the file's `defaults`; of a
// repeated key, the later line, as the checker says), expanded seeds, its generator and judges as declarations,
// and its expectations as structured comparisons with their source locations. No syntax nodes: hover, the plan,
// the runner, generation, scoring and the reporters read these, never the tree.
import type { GeneratorDeclaration, JudgeDeclaration } from '../catalogue/declarations';
import type { TraitName } from '../catalogue/traits';
import type { Range } from '../files/location';

export type CompareOp = '<' | '<=' | '>' | '>=';

/** What an expectation measures: a catalogue trait, or a judge call. `key` is its identity as text (`grain`,
 *  `clip(clip-l, "a rotten fruit")`, `reward(hps)`): judge scores are stored and reported under it. */
export type MeasureSpec =
  | { readonly kind: 'trait'; readonly trait: string; readonly key: string }
  | {
      readonly kind: 'judge';
      /** `clip`, `aesthetic` or `reward`. */
      readonly fn: string;
      /** The judge named in the call; undefined for `clip("text")`, which uses the one clip judge in scope. */
      readonly judge?: string;
      /** The quoted text of a `clip` call. */
      readonly text?: string;
      readonly key: string;
    };

export type ComparandSpec =
  | { readonly kind: 'number'; readonly value: number }
  /** The same measure on the baseline's (or the input's) image, plus a signed margin. */
  | { readonly kind: 'relative'; readonly ref: 'baseline' | 'input'; readonly margin: number }
  | { readonly kind: 'measure'; readonly measure: MeasureSpec };

export interface ExpectationSpec {
  readonly measure: MeasureSpec;
  readonly op: CompareOp;
  readonly comparand: ComparandSpec;
  /** As written, e.g. `grain > baseline + 0.3`; `comparandText` is its right-hand side, `baseline + 0.3`. */
  readonly text: string;
  readonly comparandText: string;
  /** The `expect` line: from the key to the end of the expectation. */
  readonly range: Range;
}

export interface ResolvedTest {
  readonly name: string;
  /** Absolute path of the spec. */
  readonly spec: string;
  /** The `test` header line, and the whole block. */
  readonly headerRange: Range;
  readonly range: Range;
  readonly tags: readonly string[];
  /** The test's generator for a single run: its `generator` setting, else the first of the `compare` list;
   *  undefined for an `images` test (and when none is set, which the checker reports). */
  readonly generator?: GeneratorDeclaration;
  /** The generators the file's `defaults` compare (`compare a, b`): a compare run makes this test once with each,
   *  in place of `generator`. Undefined for an `images` test and when the file compares none. */
  readonly compare?: readonly GeneratorDeclaration[];
  readonly prompt: string;
  readonly negative?: string;
  readonly baseline?: string;
  /** Absolute path of the input image of an edit. */
  readonly input?: string;
  readonly strength?: number;
  /** The `images` glob: existing images scored instead of generated, relative to `imagesDir`. */
  readonly images?: string;
  /** Where the `images` glob is matched: the test's `files` generator's `dir`, else the spec's folder. */
  readonly imagesDir?: string;
  readonly seeds: readonly number[];
  /** Share of seeds that must meet every expectation, and how many of `seeds` that is. */
  readonly passRatio: number;
  readonly requiredSeeds: number;
  readonly width: number;
  readonly height: number;
  readonly steps?: number;
  readonly guidance?: number;
  /** An `aesthetic` or `reward` judge that replaces the `polish` trait in deciding *beautified*. */
  readonly aestheticJudge?: JudgeDeclaration;
  readonly expectations: readonly ExpectationSpec[];
  /** Traits the test asks to be present (`grain >= 0.6`, `blur > baseline`): what `degrade` applies. */
  readonly requestedTraits: readonly TraitName[];
  /** The judge measures the expectations read, each once. */
  readonly judgeMeasures: readonly Extract<MeasureSpec, { kind: 'judge' }>[];
  /** The judges this spec can name (its own and its imports'); `clip:default` is the clip judge when there is
   *  exactly one. */
  readonly judges: ReadonlyMap<string, JudgeDeclaration>;
}

/** A judge an `audit` names: one the spec can see, or the built-in `traits` intent judge (no declaration). */
export interface AuditJudgeRef {
  readonly name: string;
  /** The `judge` line's value. */
  readonly range: Range;
  /** Undefined for the built-in `traits` judge (and for a name the checker reports as unknown). */
  readonly declaration?: JudgeDeclaration;
}

/** An `audit` block: does each judge score the faithful image of every pair above the polished one? */
export interface ResolvedAudit {
  readonly name: string;
  /** Absolute path of the spec. */
  readonly spec: string;
  readonly headerRange: Range;
  readonly range: Range;
  readonly tags: readonly string[];
  /** Absolute path of the pairs: a JSONL file or a folder of `N_orig.*` / `N_dist.*` images with `_meta.json`.
   *  Undefined when not set (the checker reports it). */
  readonly pairs?: string;
  /** Each judge the audit names, once, in the order first written (a repeat is a warning, not a second score). */
  readonly judges: readonly AuditJudgeRef[];
  /** The accuracy (0..1) every judge must reach, or the audit fails; `80%` in the spec is 0.8 here. Undefined when
   *  not set (or not a valid accuracy, which the checker reports). */
  readonly minAccuracy?: number;
}

export interface ResolvedSpec {
  readonly path: string;
  readonly tests: readonly ResolvedTest[];
  readonly audits: readonly ResolvedAudit[];
  /** The judges this spec can name (its own and its imports'), as tests see them. */
  readonly judges: ReadonlyMap<string, JudgeDeclaration>;
  /** The generators this spec can name (its own and its imports'): what `wabi run --generator` looks names up in. */
  readonly generators: ReadonlyMap<string, GeneratorDeclaration>;
}
