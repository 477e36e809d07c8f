// One run, from spec files to verdicts, for every face (the CLI's `wabi run`, the language server): check the
// specs, resolve and plan their tests, keep those the filter selects, open the result cache, run, and report
// events and the outcome. Faces only turn their input into a RunRequest and the outcome into output.
//
// Runs go one at a time through a RunEngine (runQueue.ts): a run started while another is in flight waits in line,
// and its `run-queued` event says behind how many. Cancelling a queued run removes it from the line; cancelling a
// running one stops it, keeping the tests that had finished.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { requiredSeeds } from '../catalogue/values';
import type { Range } from '../files/location';
import { reportPath } from '../files/paths';
import type { SpecWorkspace } from '../language/workspace';
import type { GeneratorEnvironment } from '../generation/settings';
import { planTests, type TestPlan } from '../runner/plan';
import type { RunEvent, RunResult, ShardOfRun, ShardSpec } from '../runner/results';
import { ResultCache } from '../runner/resultCache';
import { runTests } from '../runner/runner';
import { selectShard } from '../runner/shards';
import { testId } from './testId';
import { RunQueue } from './runQueue';
import { loadSpecs, type SpecDiagnostic } from './specs';
import { expandCompare, type CompareSetting, type GeneratorProblem } from './compare';
import type { ProviderSetting } from '../catalogue/providers';

/** Which tests of the specs run. Every given criterion must hold. */
export interface TestFilter {
  /** Part of the test's name, any case. */
  readonly name?: string;
  /** Spec files (absolute): only their tests. */
  readonly files?: readonly string[];
  /** A place in a spec: the test whose block holds that line (zero-based), as an editor's gutter or cursor names it. */
  readonly location?: { readonly file: string; readonly line: number };
  /** Any of these (an editor's selection of items): a whole file, a test by name or by a line in it, optionally only
   *  some of its seeds. */
  readonly select?: readonly TestSelection[];
}

export interface TestSelection {
  readonly file: string;
  readonly name?: string;
  readonly line?: number;
  /** Run only these seeds of the selected tests. */
  readonly seeds?: readonly number[];
}

export interface RunRequest {
  /** Spec files, absolute. */
  readonly files: readonly string[];
  readonly filter?: TestFilter;
  /** Replaces every test's seeds. */
  readonly seeds?: readonly number[];
  /** The result cache's folder. */
  readonly cacheDir: string;
  /** Empty the cache folder first, so nothing is reused. */
  readonly freshCache?: boolean;
  /** Make every image again, replacing what the cache holds for it (the cache is kept). */
  readonly regenerate?: boolean;
  readonly env: GeneratorEnvironment;
  readonly provider?: ProviderSetting;
  /** Generators side by side: make each selected generated test once per generator of these names (looked up in
   *  each test's spec), or of its spec's own `compare` list (`spec`), in place of its generator. Undefined: every
   *  test runs once with its own generator (the editor's runs). */
  readonly compare?: CompareSetting;
  readonly concurrency?: number;
  readonly batchSize?: number;
  /** Most images per judge model run, gathered across tests and seeds (default per provider). */
  readonly judgeBatch?: number;
  /** Run only this shard of the selection (after the filter and the compare expansion); runner/shards.ts says how
   *  the split is made. A shard may be empty: it runs nothing and its result has no tests. */
  readonly shard?: ShardSpec;
  /** The workspace to read specs from (the language server's, with its open documents); by default the disk,
   *  read only inside `projects` when given. */
  readonly workspace?: SpecWorkspace;
  /** Folders the specs may read files in (the command line's project folders); anywhere when undefined. */
  readonly projects?: readonly string[];
  readonly onEvent?: (event: SessionEvent) => void;
  readonly log?: (line: string) => void;
}

/** A planned test, as a face lists it before it runs. */
export interface PlannedTest {
  readonly name: string;
  readonly spec: string;
  readonly range: Range;
  readonly seeds: readonly number[];
  readonly requiredSeeds: number;
  /** In a compare run, the generator this run of the test uses. */
  readonly variant?: string;
}

export type SessionEvent =
  | { readonly type: 'run-queued'; readonly ahead: number }
  | { readonly type: 'run-planned'; readonly tests: readonly PlannedTest[] }
  | RunEvent;

export type { SpecDiagnostic } from './specs';

export type RunOutcome =
  /** Specs with errors would run wrongly: nothing ran. */
  | { readonly status: 'spec-errors'; readonly errors: readonly SpecDiagnostic[] }
  /** A compared generator that a spec with tests to run cannot use: nothing ran. */
  | { readonly status: 'bad-generators'; readonly problems: readonly GeneratorProblem[] }
  /** The filter selected nothing, or the specs hold no tests. */
  | { readonly status: 'no-tests'; readonly filtered: boolean }
  /** Cancelled while waiting in line: nothing ran. */
  | { readonly status: 'cancelled' }
  /** It ran; `result.complete` is false when it was cancelled part way. */
  | { readonly status: 'ran'; readonly result: RunResult };

export interface RunSession {
  readonly outcome: Promise<RunOutcome>;
  /** Stops the run (or takes it out of the line); finished tests are kept in the outcome. */
  cancel(): void;
}

export class RunEngine {
  private readonly queue = new RunQueue();

  /** Starts a run now, or after the runs already started. */
  start(request: RunRequest): RunSession {
    return this.queue.enqueue<RunOutcome>(
      (signal) => execute(request, signal),
      { status: 'cancelled' },
      (ahead) => request.onEvent?.({ type: 'run-queued', ahead }),
    );
  }
}

/** Starts a run on its own, in no line (the CLI runs one per process). */
export function startRun(request: RunRequest): RunSession {
  return new RunEngine().start(request);
}

async function execute(request: RunRequest, signal: AbortSignal): Promise<RunOutcome> {
  const { errors, specs, host } = loadSpecs(request.files, request);
  if (errors.length > 0) return { status: 'spec-errors', errors };
  const plans = specs.flatMap((spec) => planTests(spec, request.seeds, host));
  let selected = select(plans, request.filter);
  if (selected.length === 0) return { status: 'no-tests', filtered: plans.length > 0 };
  if (request.compare) {
    const expanded = expandCompare(selected, request.compare, new Map(specs.map((s) => [s.path, s])));
    if ('problems' in expanded) return { status: 'bad-generators', problems: expanded.problems };
    selected = expanded.plans;
  }
  let shard: ShardOfRun | undefined;
  if (request.shard) {
    const split = selectShard(selected, request.shard, portableIds(selected));
    selected = split.plans;
    shard = split.shard;
  }
  request.onEvent?.({
    type: 'run-planned',
    tests: selected.map((p) => ({
      name: p.name,
      spec: p.spec,
      range: p.range,
      seeds: p.seeds,
      requiredSeeds: p.requiredSeeds,
      ...(p.variant !== undefined ? { variant: p.variant } : {}),
    })),
  });

  if (request.freshCache) fs.rmSync(request.cacheDir, { recursive: true, force: true });
  const store = await ResultCache.open(request.cacheDir);
  const result = await runTests(selected, {
    store,
    env: request.env,
    provider: request.provider,
    concurrency: request.concurrency,
    batchSize: request.batchSize,
    ...(request.judgeBatch ? { judgeBatch: request.judgeBatch } : {}),
    signal,
    regenerate: request.regenerate,
    onEvent: request.onEvent,
    log: request.log,
  });
  return { status: 'ran', result: shard ? { ...result, shard } : result };
}

/** A test's id that is the same on every machine and in every folder: its spec's path relative to the deepest
 *  folder holding every selected spec, its name and its variant. (Not the project folder: a run that makes the
 *  `.wabi` folder would move it between one shard and the next.) */
function portableIds(plans: readonly TestPlan[]): (plan: TestPlan) => string {
  const dirs = [...new Set(plans.map((p) => path.dirname(p.spec)))];
  let base = dirs[0] ?? '';
  for (const dir of dirs) {
    while (path.relative(base, dir).startsWith('..') || path.isAbsolute(path.relative(base, dir))) {
      if (path.dirname(base) === base) break;
      base = path.dirname(base);
    }
  }
  return (plan) => testId(reportPath(plan.spec, base), plan.name, plan.variant);
}

/** The plans the filter keeps, with the seeds a selection narrows them to. */
function select(plans: readonly TestPlan[], filter: TestFilter | undefined): TestPlan[] {
  if (!filter) return [...plans];
  const name = filter.name?.toLowerCase();
  const files = filter.files && new Set(filter.files.map((f) => path.resolve(f)));
  const within = (p: TestPlan, file: string, line: number) => p.spec === path.resolve(file) && p.range.start.line <= line && line <= p.range.end.line;
  const out: TestPlan[] = [];
  for (const p of plans) {
    if (name !== undefined && !p.name.toLowerCase().includes(name)) continue;
    if (files !== undefined && !files.has(p.spec)) continue;
    if (filter.location && !within(p, filter.location.file, filter.location.line)) continue;
    if (!filter.select) {
      out.push(p);
      continue;
    }
    const chosen = filter.select.filter(
      (s) => p.spec === path.resolve(s.file) && (s.name === undefined || s.name === p.name) && (s.line === undefined || within(p, s.file, s.line)),
    );
    if (chosen.length === 0) continue;
    // A selection of the whole test wins over selections of some of its seeds.
    if (chosen.some((s) => !s.seeds) || p.images) out.push(p);
    else {
      const seeds = p.seeds.filter((seed) => chosen.some((s) => s.seeds!.includes(seed)));
      if (seeds.length > 0) out.push({ ...p, seeds, requiredSeeds: requiredSeeds(p.passRatio, seeds.length) });
    }
  }
  return out;
}
