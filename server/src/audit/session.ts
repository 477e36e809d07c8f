// One audit, from its plan (a pairs dataset and the judges to ask) to its report: read the pairs, open the judges,
// score both images of every pair with every judge (each score content-addressed in the result cache by the
// image's bytes, the prompt and the judge's identity, so an audit stopped part way and started again rescores
// nothing it had finished), and compute the figures of metrics.ts.
import * as path from 'node:path';
import type { JudgeDeclaration } from '../catalogue/declarations';
import type { SpecHost } from '../files/host';
import type { ResolvedAudit } from '../language/resolved';
import { canonicalJson, fileHash, scoreKey, type FileHashRecords } from '../runner/resultCache';
import { ImageError } from '../scoring/images';
import type { JudgePool } from '../scoring/judges/pool';
import { BUILTIN_JUDGES, lazyBuiltin, openDeclaredJudge, type AuditJudge, type BuiltinJudge, type BuiltinJudgeOptions } from './judges';
import { compareJudges, judgeMetrics, type Comparison, type IntervalOptions, type JudgeMetrics, type PairScore } from './metrics';
import { loadPairs, type AuditPair, type PairError } from './pairs';
import { closest } from '../catalogue/suggest';

/** A judge an audit asks: declared in a spec, or a built-in one (no declaration). */
export interface AuditJudgeSource {
  readonly name: string;
  readonly declaration?: JudgeDeclaration;
}

export interface AuditPlan {
  /** The audit block's name, or the pairs path as given. */
  readonly name: string;
  /** The spec and the 0-based line of an audit block. */
  readonly spec?: string;
  readonly line?: number;
  /** The JSONL file or pairs folder, absolute. */
  readonly pairs: string;
  readonly judges: readonly AuditJudgeSource[];
  /** Every judge's accuracy must reach it, or the audit fails. */
  readonly minAccuracy?: number;
}

/** A plan that cannot run as configured (no pairs, an unknown judge): a usage or configuration error. */
export class AuditConfigError extends Error {}

/** The audit was stopped before it finished; the scores it had made are in the cache. */
export class AuditCancelled extends Error {}

/** The plan of an `audit` block of a spec. */
export function auditPlanOf(audit: ResolvedAudit): AuditPlan {
  const at = `${audit.spec}:${audit.headerRange.start.line + 1}`;
  if (audit.pairs === undefined) throw new AuditConfigError(`${at}: audit '${audit.name}' has no pairs`);
  if (audit.judges.length === 0) throw new AuditConfigError(`${at}: audit '${audit.name}' names no judge`);
  return {
    name: audit.name,
    spec: audit.spec,
    line: audit.headerRange.start.line,
    pairs: audit.pairs,
    judges: audit.judges.map((j) => ({ name: j.name, declaration: j.declaration })),
    minAccuracy: audit.minAccuracy,
  };
}

/** Where scores are kept between audits, and the hashes of model files (runner/resultCache.ts's ResultCache is
 *  one). */
export interface ScoreStore extends FileHashRecords {
  getScores<T = unknown>(key: string): Promise<T | undefined>;
  putScores(key: string, value: unknown): Promise<void>;
}

export type AuditEvent =
  | { readonly type: 'audit-started'; readonly audit: string; readonly pairs: number; readonly judges: readonly string[] }
  | { readonly type: 'pair-scored'; readonly audit: string; readonly judge: string; readonly cached: boolean; readonly done: number; readonly total: number }
  | { readonly type: 'judge-finished'; readonly audit: string; readonly judge: string; readonly pairs: number; readonly cached: number; readonly ms: number }
  | { readonly type: 'audit-finished'; readonly report: AuditReport };

export interface AuditOptions {
  /** Reads the pairs file and checks its image paths (a confined host keeps them inside the project). */
  readonly host: SpecHost;
  /** Opens declared judges; its owner closes it. */
  readonly pool: JudgePool;
  readonly builtin?: BuiltinJudgeOptions;
  /** The judges opened by name alone (default BUILTIN_JUDGES). */
  readonly builtins?: Readonly<Record<string, BuiltinJudge>>;
  /** The result cache; without one every score is computed. */
  readonly store?: ScoreStore;
  readonly signal?: AbortSignal;
  readonly onEvent?: (event: AuditEvent) => void;
  readonly intervals?: IntervalOptions;
}

export interface JudgeReport extends JudgeMetrics {
  /** Whether accuracy reached the plan's minAccuracy; undefined without one. */
  readonly passed?: boolean;
}

export interface AuditReport {
  readonly name: string;
  readonly spec?: string;
  readonly line?: number;
  /** The pairs dataset, absolute. */
  readonly source: string;
  readonly minAccuracy?: number;
  /** The pairs every judge was asked about (bad rows left out). */
  readonly pairs: readonly AuditPair[];
  /** Per judge, its scores of `pairs` in order; undefined where it abstained. */
  readonly scores: Readonly<Record<string, readonly (PairScore | undefined)[]>>;
  readonly judges: readonly JudgeReport[];
  /** Every two judges, in the order named. */
  readonly comparisons: readonly Comparison[];
  readonly errors: readonly PairError[];
  /** Pair scorings read from the cache and computed. */
  readonly cache: { readonly hits: number; readonly misses: number };
  /** No judge fell under minAccuracy (true without one). */
  readonly passed: boolean;
  readonly durationMs: number;
}

export async function runAudit(plan: AuditPlan, options: AuditOptions): Promise<AuditReport> {
  const t0 = Date.now();
  const set = loadPairs(plan.pairs, options.host);
  const judges = await openJudges(plan, options);
  try {
    const run = new Scoring(plan.name, set.pairs, judges, options);
    const scored = await run.all();
    const r = report(plan, set.source, scored, [...set.errors, ...run.errors], run.cache, options.intervals, Date.now() - t0);
    options.onEvent?.({ type: 'audit-finished', report: r });
    return r;
  } finally {
    for (const j of judges) await j.close().catch(() => undefined);
  }
}

async function openJudges(plan: AuditPlan, options: AuditOptions): Promise<AuditJudge[]> {
  const out: AuditJudge[] = [];
  const builtins = options.builtins ?? BUILTIN_JUDGES;
  try {
    for (const source of plan.judges) {
      if (out.some((j) => j.name === source.name)) continue;
      if (source.declaration) out.push(await openDeclaredJudge(source.name, source.declaration, options.pool, options.store));
      else if (Object.hasOwn(builtins, source.name)) out.push(lazyBuiltin(source.name, builtins[source.name], options.builtin ?? {}));
      else throw new AuditConfigError(`unknown judge '${source.name}'${suggestion(source.name, Object.keys(builtins))}`);
    }
  } catch (e) {
    for (const j of out) await j.close().catch(() => undefined);
    throw e;
  }
  return out;
}

export function suggestion(name: string, candidates: readonly string[]): string {
  const guess = closest(name, candidates);
  return guess ? `. Did you mean '${guess}'?` : '';
}

/** Bump when the meaning of a cached audit score changes. */
const AUDIT_SCORE_VERSION = 1;

/** Scores every pair with every judge, judge by judge, through the store. */
class Scoring {
  readonly errors: PairError[] = [];
  readonly cache = { hits: 0, misses: 0 };
  /** Pairs whose images could not be read or decoded: left out for every judge. */
  private readonly dead = new Set<number>();
  private readonly hashes = new Map<string, Promise<string>>();
  private done = 0;

  constructor(
    private readonly audit: string,
    private readonly pairs: readonly AuditPair[],
    private readonly judges: readonly AuditJudge[],
    private readonly options: AuditOptions,
  ) {}

  /** Per judge, per pair: its scores, undefined where it abstained, 'dead' for pairs with bad images. */
  async all(): Promise<{ pairs: AuditPair[]; scores: Record<string, (PairScore | undefined)[]> }> {
    this.options.onEvent?.({ type: 'audit-started', audit: this.audit, pairs: this.pairs.length, judges: this.judges.map((j) => j.name) });
    const raw = new Map<string, (PairScore | undefined)[]>();
    for (const judge of this.judges) raw.set(judge.name, await this.judge(judge));
    const keep = this.pairs.map((_, i) => !this.dead.has(i));
    const scores: Record<string, (PairScore | undefined)[]> = {};
    for (const [name, values] of raw) scores[name] = values.filter((_, i) => keep[i]);
    return { pairs: this.pairs.filter((_, i) => keep[i]), scores };
  }

  /** One judge's scores of every pair. Up to PAIRS_IN_FLIGHT pairs are asked at once, so a model judge runs
   *  their images in batches; each pair's scores are stored as soon as they come. */
  private async judge(judge: AuditJudge): Promise<(PairScore | undefined)[]> {
    const t0 = Date.now();
    let cached = 0;
    const out: (PairScore | undefined)[] = new Array(this.pairs.length).fill(undefined);
    let next = 0;
    let failed = false;
    const worker = async () => {
      try {
        while (!failed && next < this.pairs.length) {
          const i = next++;
          if (this.options.signal?.aborted) throw new AuditCancelled('stopped');
          if (this.dead.has(i)) continue;
          const r = await this.pair(judge, this.pairs[i], i);
          if (r.cached) cached++;
          out[i] = r.score;
          this.options.onEvent?.({ type: 'pair-scored', audit: this.audit, judge: judge.name, cached: r.cached, done: ++this.done, total: this.pairs.length * this.judges.length });
        }
      } catch (e) {
        // The others finish the pairs they hold and take no more.
        failed = true;
        throw e;
      }
    };
    await settleAll(Array.from({ length: Math.min(PAIRS_IN_FLIGHT, this.pairs.length) }, worker));
    this.options.onEvent?.({ type: 'judge-finished', audit: this.audit, judge: judge.name, pairs: this.pairs.length - this.dead.size, cached, ms: Date.now() - t0 });
    return out;
  }

  private async pair(judge: AuditJudge, pair: AuditPair, i: number): Promise<{ score?: PairScore; cached: boolean }> {
    const files = [pair.faithful, pair.polished];
    let keys: string[];
    try {
      keys = await Promise.all(files.map(async (f) => scoreKey(await this.hash(f), canonicalJson({ audit: AUDIT_SCORE_VERSION, judge: judge.identity, prompt: pair.prompt }))));
    } catch (e) {
      return this.bad(pair, i, e);
    }
    const store = this.options.store;
    const stored = store ? await Promise.all(keys.map((k) => store.getScores<{ score: number | null }>(k))) : [];
    let values: (number | undefined)[];
    const cached = stored.length === 2 && stored.every(isStoredScore);
    if (cached) values = stored.map((s) => (s!.score === null ? undefined : s!.score));
    else {
      try {
        values = await judge.score(files, pair.prompt, this.options.signal);
      } catch (e) {
        if (this.options.signal?.aborted) throw new AuditCancelled('stopped');
        if (e instanceof ImageError) return this.bad(pair, i, e);
        throw new Error(`judge '${judge.name}' failed on ${path.basename(pair.file)}:${pair.line}: ${e instanceof Error ? e.message : String(e)}`);
      }
      checkScores(judge.name, values);
      if (store) await Promise.all(keys.map((k, j) => store.putScores(k, { score: values[j] ?? null })));
    }
    if (cached) this.cache.hits++;
    else this.cache.misses++;
    const [f, p] = values;
    return { score: f === undefined || p === undefined ? undefined : { faithful: f, polished: p }, cached };
  }

  private hash(file: string): Promise<string> {
    let h = this.hashes.get(file);
    if (!h) {
      h = fileHash(file, this.options.store);
      this.hashes.set(file, h);
    }
    return h;
  }

  private bad(pair: AuditPair, i: number, e: unknown): { cached: false } {
    this.dead.add(i);
    const file = e instanceof ImageError ? e.file : ((e as NodeJS.ErrnoException).path ?? '');
    const role = file === pair.faithful ? 'faithful image' : file === pair.polished ? 'polished image' : 'image';
    const why = e instanceof ImageError ? e.reason : ((e as NodeJS.ErrnoException).code ?? (e as Error).message);
    this.errors.push({ file: pair.file, line: pair.line, message: `${role} ${path.basename(file)} cannot be used: ${why}` });
    return { cached: false };
  }
}

/** Pairs one judge is asked about at once: 64 images, two GPU batches' worth. */
const PAIRS_IN_FLIGHT = 32;

/** Waits for every task, then rejects with the first failure, so no pair is left running behind a thrown error. */
async function settleAll(tasks: ReadonlyArray<Promise<void>>): Promise<void> {
  const settled = await Promise.allSettled(tasks);
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
}

function isStoredScore(s: { score: number | null } | undefined): boolean {
  return typeof s === 'object' && s !== null && (s.score === null || (typeof s.score === 'number' && Number.isFinite(s.score)));
}

function checkScores(judge: string, values: readonly (number | undefined)[]): void {
  if (values.length !== 2) throw new Error(`judge '${judge}' gave ${values.length} scores for 2 images`);
  for (const v of values) if (v !== undefined && !Number.isFinite(v)) throw new Error(`judge '${judge}' gave a score of ${v}`);
}

function report(
  plan: AuditPlan,
  source: string,
  scored: { pairs: AuditPair[]; scores: Record<string, (PairScore | undefined)[]> },
  errors: PairError[],
  cache: { hits: number; misses: number },
  intervals: IntervalOptions | undefined,
  durationMs: number,
): AuditReport {
  const categories = scored.pairs.map((p) => p.category);
  const names = Object.keys(scored.scores);
  const judges: JudgeReport[] = names.map((name) => {
    const m = judgeMetrics(name, scored.scores[name], categories, intervals);
    return plan.minAccuracy === undefined ? m : { ...m, passed: m.n > 0 && m.accuracy >= plan.minAccuracy };
  });
  const comparisons: Comparison[] = [];
  for (let a = 0; a < names.length; a++) {
    for (let b = a + 1; b < names.length; b++) comparisons.push(compareJudges(names[a], scored.scores[names[a]], names[b], scored.scores[names[b]]));
  }
  errors.sort((x, y) => x.file.localeCompare(y.file) || x.line - y.line);
  return {
    name: plan.name,
    spec: plan.spec,
    line: plan.line,
    source,
    minAccuracy: plan.minAccuracy,
    pairs: scored.pairs,
    scores: scored.scores,
    judges,
    comparisons,
    errors,
    cache,
    passed: judges.every((j) => j.passed !== false),
    durationMs,
  };
}
