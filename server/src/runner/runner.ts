// Runs test plans: generates each seed's images (the anti-aesthetic prompt's and the baseline's) with the test's
// generator, scores them (every trait, plus the judge measures the expectations read), decides the verdicts, and
// reports progress as events. Images and scores go through a content-addressed store, so a run that is stopped
// (cancelled, or killed) and started again redoes only what had not finished.
import { setMaxListeners } from 'node:events';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TRAIT_NAMES } from '../catalogue/traits';
import { createGenerator, generatorSettings, type GeneratorEnvironment } from '../generation/index';
import { GenerationError, type GenerationRequest, type Generator } from '../generation/generator';
import { Limiter } from '../generation/limiter';
import { poolCapacity } from '../generation/endpointSettings';
import type { EndpointFigures } from '../generation/pool';
import { redactSecrets } from '../generation/redact';
import type { GeneratorDeclaration, JudgeDeclaration } from '../catalogue/declarations';
import type { MeasureSpec } from '../language/resolved';
import { displayPath } from '../files/paths';
import { ImageError } from '../scoring/images';
import type { ClipJudge, Judge } from '../scoring/judges/index';
import { JudgePool } from '../scoring/judges/pool';
import type { ProviderSetting } from '../scoring/session';
import { isFailure, TRAIT_MODEL_VERSION, TraitScorer } from '../scoring/traitScorer';
import { TRAIT_ANALYSERS, traitAnalyser } from '../scoring/traits/index';
import { canonicalJson, fileHash, imageKey, scoreKey, type FileHashRecords } from './resultCache';
import { declaredJudgeIdentity } from './judgeIdentity';
import { decide, type Measures, type SeedMeasures } from './evaluate';
import type { TestPlan } from './plan';
import { summarise, testTitle, type ImageRecord, type ImageRole, type RunEvent, type RunResult, type TestResult } from './results';

/** Where images and scores are kept between runs, and the hashes of model files. Lookups that find nothing (or
 *  something unreadable) miss. */
export interface RunStore extends FileHashRecords {
  /** A stored image and the sha256 of its bytes (so a rerun need not read it again to find its scores). */
  getImage(key: string, onDamaged?: (file: string, why: string) => void): Promise<{ readonly file: string; readonly hash: string } | undefined>;
  /** Forgets a stored image that turned out to be damaged. */
  dropImage(key: string): Promise<void>;
  putImageEntry(key: string, bytes: Buffer, ext: string, info: Readonly<Record<string, unknown>>): Promise<{ readonly file: string; readonly hash: string }>;
  /** Before generating an image: the entry another writer (another process or machine sharing the store) commits
   *  meanwhile, or a claim that makes the others wait for this one until released; with `wait: false`, undefined at
   *  once when another live writer holds the key. A store without it never waits: two writers of one image then
   *  both generate it. */
  claimImage?(
    key: string,
    options: { readonly signal?: AbortSignal; readonly onDamaged?: (file: string, why: string) => void; readonly wait?: boolean },
  ): Promise<{ readonly entry: { readonly file: string; readonly hash: string }; readonly release?: undefined } | { readonly entry?: undefined; readonly release: () => Promise<void> } | undefined>;
  getScores(key: string): Promise<Measures | undefined>;
  putScores(key: string, value: Measures): Promise<void>;
}

export interface RunOptions {
  readonly store: RunStore;
  readonly env: GeneratorEnvironment;
  readonly provider?: ProviderSetting;
  /** Images generated at once across the run (each generator also keeps its own limit). By default 2, or the
   *  capacity of the largest generator pool the tests use, so that a pool is kept busy. */
  readonly concurrency?: number;
  readonly batchSize?: number;
  /** Most images per judge model run, gathered across tests and seeds (default per provider). */
  readonly judgeBatch?: number;
  /** How long a judge's first waiting image waits for others, in ms (default judgeModel.ts's JUDGE_GATHER_MS). */
  readonly judgeGatherMs?: number;
  readonly signal?: AbortSignal;
  /** Make every generated image again, replacing the stored one (the store is otherwise read first). */
  readonly regenerate?: boolean;
  readonly onEvent?: (event: RunEvent) => void;
  readonly log?: (line: string) => void;
}

/** Images generated at once across a run when neither the caller nor a pool says otherwise. */
const DEFAULT_CONCURRENCY = 2;

export async function runTests(plans: readonly TestPlan[], options: RunOptions): Promise<RunResult> {
  return new Run(plans, options).execute();
}

/** A job's image: its file, whether it came from the store, its hash when known, and its store key when stored. */
interface Acquired {
  readonly file: string;
  readonly cached: boolean;
  readonly hash?: string;
  readonly key?: string;
}

interface ImageJob {
  readonly role: ImageRole;
  readonly seed: number;
  readonly request?: GenerationRequest;
  /** For images that are not generated: the user's file (an input, or an `images` test's file). */
  readonly file?: string;
}

class Run {
  private readonly started = Date.now();
  private readonly generators = new Map<string, Generator>();
  private readonly judges: JudgePool;
  private readonly limiter: Limiter;
  private scorer: Promise<TraitScorer> | undefined;
  private readonly judgeIdentities = new Map<JudgeDeclaration, Promise<string>>();
  private readonly totalImages: number;
  private generated = 0;
  private scored = 0;
  /** Time spent inside generators and inside scoring (summed over concurrent work). */
  private generateMs = 0;
  private scoreMs = 0;
  /** The tail of the lookups in flight (inOrder). */
  private lookups: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly plans: readonly TestPlan[],
    private readonly options: RunOptions,
  ) {
    this.limiter = new Limiter(Math.max(1, options.concurrency ?? defaultConcurrency(plans)));
    this.judges = new JudgePool({
      provider: options.provider,
      log: options.log,
      ...(options.judgeBatch ? { maxBatch: options.judgeBatch } : {}),
      ...(options.judgeGatherMs !== undefined ? { gatherMs: options.judgeGatherMs } : {}),
    });
    // Every queued image and request listens for cancellation on the one signal.
    if (options.signal) setMaxListeners(0, options.signal);
    this.totalImages = plans.reduce((n, p) => n + this.jobs(p).length, 0);
  }

  private emit(e: RunEvent): void {
    this.options.onEvent?.(e);
  }

  async execute(): Promise<RunResult> {
    this.emit({ type: 'run-started', tests: this.plans.length, images: this.totalImages });
    let results: TestResult[];
    let endpoints: EndpointFigures[] = [];
    try {
      results = await this.runAll();
    } finally {
      endpoints = this.endpointFigures();
      await this.close();
    }
    const complete = results.length === this.plans.length;
    const result: RunResult = {
      startedAt: new Date(this.started).toISOString(),
      finishedAt: new Date().toISOString(),
      complete,
      tests: results,
      summary: summarise(results, Date.now() - this.started),
      timings: { generateMs: Math.round(this.generateMs), scoreMs: Math.round(this.scoreMs) },
      ...(endpoints.length > 0 ? { endpoints } : {}),
    };
    this.emit({ type: 'run-finished', result });
    return result;
  }

  /** Per endpoint of each server generator that sent a request, what it did. */
  private endpointFigures(): EndpointFigures[] {
    return [...this.generators.values()].flatMap((g) => {
      const figures = g.endpointFigures?.() ?? [];
      return figures.some((f) => f.images + f.failures > 0) ? figures : [];
    });
  }

  private async close(): Promise<void> {
    for (const g of this.generators.values()) await g.close?.().catch(() => undefined);
    if (this.scorer) await (await this.scorer.catch(() => undefined))?.close();
    await this.judges.close();
  }

  /**
   * Every test, each result in plan order; tests cancelled or never started are left out. Tests run one after
   * another, unless some ask model judges: then tests start while those running hold fewer than
   * IMAGES_IN_FLIGHT images, so that their judge calls meet in batches across tests (a GPU runs 32 images in
   * little more time than one). Generation keeps its own order and limit (the Limiter is first come, first
   * served), and `test-finished` events come in plan order.
   */
  private async runAll(): Promise<TestResult[]> {
    const window = new TestWindow(this.plans.some(asksModelJudges) ? IMAGES_IN_FLIGHT : 0);
    const outcomes: Array<TestResult | 'cancelled' | undefined> = [];
    let reported = 0;
    let done = 0;
    const report = () => {
      for (; reported < this.plans.length && outcomes[reported] !== undefined; reported++) {
        const result = outcomes[reported];
        if (result !== 'cancelled') this.emit({ type: 'test-finished', result: result!, done: ++done, total: this.plans.length });
      }
    };
    const running: Array<Promise<void>> = [];
    for (let i = 0; i < this.plans.length; i++) {
      const images = this.jobs(this.plans[i]).length;
      await window.enter(images);
      if (this.options.signal?.aborted) {
        window.leave(images);
        break;
      }
      running.push(
        this.runTest(this.plans[i]).then((outcome) => {
          outcomes[i] = outcome;
          window.leave(images);
          report();
        }),
      );
    }
    await Promise.all(running);
    return outcomes.filter((o): o is TestResult => o !== undefined && o !== 'cancelled');
  }

  /** The images a test needs: per seed the prompt's image and, with a baseline prompt, the baseline's; the input
   *  image once for edits; each file of an `images` test. */
  private jobs(plan: TestPlan): ImageJob[] {
    if (plan.images) return plan.images.map((file, i) => ({ role: 'prompt' as const, seed: plan.seeds[i], file }));
    const base = { width: plan.width, height: plan.height, steps: plan.steps, guidance: plan.guidance, input: plan.input, strength: plan.strength };
    const jobs: ImageJob[] = [];
    for (const seed of plan.seeds) {
      jobs.push({ role: 'prompt', seed, request: { ...base, prompt: plan.prompt, negative: plan.negative, seed, traits: plan.requestedTraits } });
      // The baseline is the plain prompt as a user would run it: the test's negative prompt steers away from polish
      // (`bright, well lit`), which would make the baseline less of the convention it stands for.
      if (plan.baseline !== undefined) jobs.push({ role: 'baseline', seed, request: { ...base, prompt: plan.baseline, seed, traits: [] } });
    }
    if (plan.input) jobs.push({ role: 'input', seed: 0, file: plan.input });
    return jobs;
  }

  private async runTest(plan: TestPlan): Promise<TestResult | 'cancelled'> {
    const t0 = Date.now();
    this.emit({ type: 'test-started', spec: plan.spec, test: plan.name, line: plan.line, ...(plan.variant !== undefined ? { variant: plan.variant } : {}) });
    const base = {
      name: plan.name,
      spec: plan.spec,
      line: plan.line,
      tags: plan.tags,
      generator: plan.generator?.name,
      ...(plan.variant !== undefined ? { variant: plan.variant, requestedTraits: plan.requestedTraits } : {}),
      ...(plan.images ? {} : { prompt: plan.prompt, negative: plan.negative, baseline: plan.baseline }),
    };
    const jobs = this.jobs(plan);
    let images: ImageRecord[] = [];
    // The test's own stop: the run's cancel, or the test ending (an image failed, or it was decided). Aborting it
    // stops the test's queued and in-flight generations (requests, retry waits, child processes) at once.
    const stop = new AbortController();
    setMaxListeners(0, stop.signal);
    const stopWithRun = () => stop.abort();
    this.options.signal?.addEventListener('abort', stopWithRun, { once: true });
    if (this.options.signal?.aborted) stop.abort();
    try {
      const { files, measures } = await this.measuredImages(plan, jobs, stop.signal);
      images = jobs.map((job, i) => ({
        seed: job.seed,
        role: job.role,
        file: files[i].file,
        cached: files[i].cached,
        traits: measures[i].traits,
        judges: measures[i].judges,
        ...(files[i].key !== undefined ? { key: files[i].key } : {}),
      }));
      const at = (role: ImageRole, seed: number) => {
        const i = jobs.findIndex((j) => j.role === role && j.seed === seed);
        return i < 0 ? undefined : measures[i];
      };
      const seeds: SeedMeasures[] = jobs.filter((j) => j.role === 'prompt').map((j) => ({ seed: j.seed, prompt: at('prompt', j.seed)!, baseline: at('baseline', j.seed) }));
      const polishKey = plan.aestheticJudge ? { kind: 'judge' as const, key: aestheticKey(plan.aestheticJudge) } : undefined;
      const imageNames = plan.images && new Map(plan.images.map((file, i) => [i + 1, displayPath(file, path.dirname(plan.spec))]));
      const decision = decide(plan.expectations, seeds, { passRatio: plan.passRatio, input: at('input', 0), polishKey, imageNames });
      for (const expectation of decision.expectations) this.emit({ type: 'expectation-decided', spec: plan.spec, test: plan.name, expectation });
      return { ...base, verdict: decision.verdict, reasons: decision.reasons, passRate: decision.passRate, expectations: decision.expectations, images, durationMs: Date.now() - t0 };
    } catch (e) {
      if (this.options.signal?.aborted) return 'cancelled';
      // Generation errors are redacted where they are made; judges' and scoring's errors pass here too.
      const reason = redactSecrets(e instanceof Error ? e.message : String(e));
      return { ...base, verdict: 'error', reasons: [reason], passRate: { passed: 0, total: plan.seeds.length, required: 0 }, expectations: [], images, durationMs: Date.now() - t0 };
    } finally {
      stop.abort();
      this.options.signal?.removeEventListener('abort', stopWithRun);
    }
  }

  /** Every job's image and its measures. A stored image that cannot be decoded is dropped from the store and made
   *  again (each at most once), with a warning: a damaged cache must not fail a test for good. */
  private async measuredImages(plan: TestPlan, jobs: readonly ImageJob[], signal: AbortSignal): Promise<{ files: Acquired[]; measures: Measures[] }> {
    const acquire = (job: ImageJob) => this.limiter.run(() => this.acquire(plan, job, signal), signal, () => new GenerationError('run', 'cancelled'));
    // The first failure ends the test: the others' work is stopped rather than left running behind it.
    const files = await Promise.all(jobs.map(acquire));
    const remade = new Set<number>();
    for (;;) {
      try {
        return { files, measures: await this.measure(plan, jobs, files, signal) };
      } catch (e) {
        const i = e instanceof ImageError ? files.findIndex((f) => f.key !== undefined && f.file === e.file) : -1;
        if (i < 0 || remade.has(i)) throw e;
        remade.add(i);
        this.damaged(plan, jobs[i], files[i].file, (e as ImageError).reason);
        await this.options.store.dropImage(files[i].key!);
        files[i] = await acquire(jobs[i]);
      }
    }
  }

  private damaged(plan: TestPlan, job: ImageJob, file: string, why: string): void {
    this.options.log?.(`warning: the stored ${job.role} image of '${testTitle(plan)}' seed ${job.seed} (${displayPath(file)}) is damaged (${why}); it was dropped and is made again`);
  }

  /** The image file for a job: the user's file, a stored image, or a freshly generated and stored one. */
  private async acquire(plan: TestPlan, job: ImageJob, signal: AbortSignal): Promise<Acquired> {
    if (job.file) {
      await fs.promises.access(job.file).catch(() => {
        throw new Error(`${job.role === 'input' ? 'input image' : 'image'} ${job.file} cannot be read`);
      });
      this.generated++;
      this.emit({ type: 'image-generated', spec: plan.spec, test: plan.name, seed: job.seed, role: job.role, file: job.file, cached: false, done: this.generated, total: this.totalImages });
      return { file: job.file, cached: false };
    }
    const def = plan.generator;
    if (!def) throw new Error(`test '${testTitle(plan)}' has no generator`);
    const generator = this.generator(def);
    const request = job.request!;
    const onDamaged = (file: string, why: string) => this.damaged(plan, job, file, why);
    const found = await this.inOrder(() => this.lookUp(generator, request, signal, onDamaged));
    let { entry, release } = found;
    if (found.busy) {
      // Another shard or process is making this image now: wait for it rather than make it twice.
      const claim = await this.options.store.claimImage?.(found.key, { signal, onDamaged });
      ({ entry, release } = claim ?? {});
    }
    const hit = entry !== undefined;
    try {
      entry ??= await this.generateAndStore(generator, def, job, request, found.key, signal);
    } finally {
      await release?.();
    }
    this.generated++;
    this.emit({ type: 'image-generated', spec: plan.spec, test: plan.name, seed: job.seed, role: job.role, file: entry.file, cached: hit, done: this.generated, total: this.totalImages });
    return { file: entry.file, cached: hit, hash: entry.hash, key: found.key };
  }

  /** Runs lookups one at a time, in the order the jobs start, so a test's images reach their generator in seed
   *  order however long each lookup takes (a generator with one slot makes seed 1 first). */
  private inOrder<T>(step: () => Promise<T>): Promise<T> {
    const next = this.lookups.then(step);
    this.lookups = next.catch(() => undefined);
    return next;
  }

  /** An image's key, and its stored entry, or this run's claim on it, or that another writer holds it (`busy`). */
  private async lookUp(
    generator: Generator,
    request: GenerationRequest,
    signal: AbortSignal,
    onDamaged: (file: string, why: string) => void,
  ): Promise<{ key: string; entry?: { file: string; hash: string }; release?: () => Promise<void>; busy?: boolean }> {
    const key = imageKey({
      generator: generator.identity,
      prompt: request.prompt,
      negative: request.negative,
      seed: request.seed,
      width: request.width,
      height: request.height,
      steps: request.steps,
      guidance: request.guidance,
      strength: request.strength,
      traits: request.traits,
      inputHash: request.input ? await readableHash(request.input, 'input image', this.options.store) : undefined,
    });
    const store = this.options.store;
    if (this.options.regenerate) {
      await store.dropImage(key);
      return { key };
    }
    if (!store.claimImage) return { key, entry: await store.getImage(key, onDamaged) };
    const claim = await store.claimImage(key, { signal, onDamaged, wait: false });
    return claim ? { key, ...claim } : { key, busy: true };
  }

  private async generateAndStore(generator: Generator, def: GeneratorDeclaration, job: ImageJob, request: GenerationRequest, key: string, signal: AbortSignal): Promise<{ file: string; hash: string }> {
    let made;
    const t0 = performance.now();
    try {
      made = await generator.generate(request, signal);
    } catch (e) {
      const why = e instanceof GenerationError ? e.message : e instanceof Error ? e.message : String(e);
      throw new Error(`generator '${def.name}' failed for seed ${job.seed} (${job.role} image): ${why}`);
    } finally {
      this.generateMs += performance.now() - t0;
    }
    return this.options.store.putImageEntry(key, made.bytes, extensionOf(made.bytes), made.info ?? {});
  }

  private generator(def: GeneratorDeclaration): Generator {
    const id = `${def.file}#${def.name}`;
    let g = this.generators.get(id);
    if (!g) {
      g = createGenerator(generatorSettings(def), this.options.env);
      this.generators.set(id, g);
    }
    return g;
  }

  /** Trait scores of every image (stored by content), and the judge measures the test reads. */
  private async measure(plan: TestPlan, jobs: readonly ImageJob[], files: readonly { file: string; hash?: string }[], signal: AbortSignal): Promise<Measures[]> {
    const hashes = await Promise.all(files.map((f) => f.hash ?? readableHash(f.file, 'image', this.options.store)));
    const keys = hashes.map((h) => scoreKey(h, { traits: TRAIT_MODEL_VERSION }));
    const stored = await Promise.all(keys.map((k) => this.options.store.getScores(k)));
    const missing = stored.map((s, i) => (s ? -1 : i)).filter((i) => i >= 0);
    const traits: Array<Readonly<Record<string, number>>> = stored.map((s) => s?.traits ?? {});
    if (missing.length > 0) {
      const scorer = await this.traitScorer();
      const t0 = performance.now();
      try {
        let k = 0;
        for await (const r of scorer.scoreFiles(missing.map((i) => files[i].file), signal)) {
          const i = missing[k++];
          if (isFailure(r)) throw new ImageError(r.file, r.error);
          traits[i] = r.traits;
          await this.options.store.putScores(keys[i], { traits: r.traits, judges: {} });
        }
      } finally {
        this.scoreMs += performance.now() - t0;
      }
    }
    for (let i = 0; i < jobs.length; i++) {
      this.scored++;
      this.emit({ type: 'image-scored', spec: plan.spec, test: plan.name, seed: jobs[i].seed, role: jobs[i].role, file: files[i].file, traits: completeTraits(traits[i]), done: this.scored, total: this.totalImages });
    }
    const t1 = performance.now();
    const judges = await this.judgeMeasures(plan, files.map((f) => f.file), hashes, signal);
    this.scoreMs += performance.now() - t1;
    return traits.map((t, i) => ({ traits: completeTraits(t), judges: judges[i] }));
  }

  private traitScorer(): Promise<TraitScorer> {
    this.scorer ??= TraitScorer.open({ analysers: TRAIT_ANALYSERS, resolve: traitAnalyser, provider: this.options.provider, batchSize: this.options.batchSize, log: this.options.log });
    return this.scorer;
  }

  /** The judge measures the test reads, per image. Every measure is asked at once, so different judges' models
   *  run side by side; each clip judge embeds the test's images once for all its measures and for the aesthetic
   *  heads that read it. A measure whose values are all in the cache loads no model. */
  private async judgeMeasures(plan: TestPlan, files: readonly string[], hashes: readonly string[], signal: AbortSignal): Promise<Array<Record<string, number>>> {
    const embedded = new Map<ClipJudge, Promise<Float32Array[]>>();
    const embeddings = (clip: ClipJudge) => {
      let e = embedded.get(clip);
      if (!e) {
        e = clip.imageEmbeddings(files, signal);
        // Awaited by every measure that reads it; a failure is reported there.
        e.catch(() => undefined);
        embedded.set(clip, e);
      }
      return e;
    };
    const asked: Array<{ key: string; values: Promise<number[]> }> = plan.judgeMeasures.map((m) => {
      const def = plan.judges.get(m.judge ?? `${m.fn}:default`);
      if (!def) return { key: m.key, values: Promise.reject(new Error(`${m.key}: no ${m.fn} judge is defined`)) };
      // A clip similarity reads the measure's own text (in its key); every other judge value may read the prompt.
      const prompt = m.fn === 'clip' ? undefined : plan.prompt;
      return { key: m.key, values: this.cachedJudgeValues(def, m.key, prompt, hashes, () => this.judgeValues(def, m, files, plan.prompt, embeddings, signal)) };
    });
    const aesthetic = plan.aestheticJudge;
    if (aesthetic) {
      const key = aestheticKey(aesthetic);
      asked.push({ key, values: this.cachedJudgeValues(aesthetic, key, plan.prompt, hashes, async () => this.scoreWith(await this.judge(aesthetic), files, plan.prompt, key, embeddings, signal)) });
    }
    for (const a of asked) a.values.catch(() => undefined);
    const out: Array<Record<string, number>> = files.map(() => ({}));
    for (const a of asked) (await a.values).forEach((v, i) => (out[i][a.key] = v));
    return out;
  }

  /** A judge measure's values for the test's images: from the result cache (keyed by each image's bytes, the judge's
   *  identity, the measure and the prompt it may read), or made by `compute` for all the images at once and
   *  stored. */
  private async cachedJudgeValues(def: JudgeDeclaration, measure: string, prompt: string | undefined, hashes: readonly string[], compute: () => Promise<number[]>): Promise<number[]> {
    const store = this.options.store;
    let identity = this.judgeIdentities.get(def);
    if (!identity) {
      identity = declaredJudgeIdentity(def, store);
      this.judgeIdentities.set(def, identity);
    }
    const judge = await identity;
    const keys = hashes.map((h) => scoreKey(h, canonicalJson({ v: JUDGE_SCORE_VERSION, judge, measure, prompt: prompt ?? null })));
    const stored = await Promise.all(keys.map(async (k) => (await store.getScores(k))?.judges?.[measure]));
    if (stored.every((v) => typeof v === 'number')) return stored as number[];
    const values = await compute();
    await Promise.all(values.map((v, i) => (Number.isFinite(v) ? store.putScores(keys[i], { traits: {}, judges: { [measure]: v } }) : undefined)));
    return values;
  }

  private async judgeValues(
    def: JudgeDeclaration,
    m: Extract<MeasureSpec, { kind: 'judge' }>,
    files: readonly string[],
    prompt: string,
    embeddings: (clip: ClipJudge) => Promise<Float32Array[]>,
    signal: AbortSignal,
  ): Promise<number[]> {
    const judge = await this.judge(def);
    if (m.fn === 'clip') {
      if (judge.kind !== 'clip') throw new Error(`${m.key}: '${def.name}' is a ${judge.kind} judge, not a clip judge`);
      return judge.similarity(await embeddings(judge), m.text ?? '', signal);
    }
    return this.scoreWith(judge, files, prompt, m.key, embeddings, signal);
  }

  /** A scalar per image from an aesthetic or reward judge. */
  private async scoreWith(judge: Judge, files: readonly string[], prompt: string, key: string, embeddings: (clip: ClipJudge) => Promise<Float32Array[]>, signal: AbortSignal): Promise<number[]> {
    if (judge.kind === 'clip') throw new Error(`${key}: a clip judge gives similarities, not scores`);
    if (judge.kind === 'aesthetic') return judge.score(await embeddings(judge.encoder), signal);
    return judge.score(files, prompt, signal);
  }

  private judge(def: JudgeDeclaration): Promise<Judge> {
    return this.judges.open(def);
  }
}

/** 2 images at once, or as many as the largest pool of endpoints among the tests' generators can make. */
function defaultConcurrency(plans: readonly TestPlan[]): number {
  const pools = new Set(plans.map((p) => p.generator).filter((g): g is GeneratorDeclaration => g !== undefined));
  return Math.max(DEFAULT_CONCURRENCY, ...[...pools].map((g) => poolCapacity(generatorSettings(g)) ?? 0));
}

/** In the cache key of every judge value a run stores: bump when a judge measure changes meaning. */
const JUDGE_SCORE_VERSION = 'run-judge v1';

/** Images of the tests in flight when tests overlap (runAll): two GPU judge batches' worth. */
const IMAGES_IN_FLIGHT = 64;

/** Whether a test asks a model judge (a declared clip, aesthetic or reward judge). */
function asksModelJudges(plan: TestPlan): boolean {
  return plan.judgeMeasures.length > 0 || plan.aestheticJudge !== undefined;
}

/** Admits tests while those in flight hold at most `limit` images; one test is always admitted. */
class TestWindow {
  private images = 0;
  private tests = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly limit: number) {}

  async enter(images: number): Promise<void> {
    while (this.tests > 0 && this.images + images > this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.tests++;
    this.images += images;
  }

  leave(images: number): void {
    this.tests--;
    this.images -= images;
    for (const wake of this.waiting.splice(0)) wake();
  }
}

function aestheticKey(def: JudgeDeclaration): string {
  return `${def.kind === 'reward' ? 'reward' : 'aesthetic'}(${def.name})`;
}

/** Every catalogue trait, so reports always list the same columns. */
function completeTraits(t: Readonly<Record<string, number>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const n of TRAIT_NAMES) out[n] = t[n];
  return out;
}

async function readableHash(file: string, what: string, records: FileHashRecords): Promise<string> {
  try {
    return await fileHash(file, records);
  } catch {
    throw new Error(`${what} ${file} cannot be read`);
  }
}

function extensionOf(bytes: Buffer): string {
  if (bytes[0] === 0x89 && bytes[1] === 0x50) return 'png';
  if (bytes[0] === 0xff && bytes[1] === 0xd8) return 'jpg';
  if (bytes.subarray(0, 4).toString('ascii') === 'RIFF' && bytes.subarray(8, 12).toString('ascii') === 'WEBP') return 'webp';
  return 'img';
}
