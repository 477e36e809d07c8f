// From resolved specs to test plans: the work a run will do. Planning lists an `images` test's files and applies a
// run's seed override; it reads no images and runs nothing, so a face can list, filter and count tests before
// starting them.
import { requiredSeeds } from '../catalogue/values';
import { nodeHost, type SpecHost } from '../files/host';
import { listImages } from '../generation/files';
import type { GeneratorDeclaration } from '../catalogue/declarations';
import type { ResolvedSpec, ResolvedTest } from '../language/resolved';

export interface TestPlan extends Omit<ResolvedTest, 'images'> {
  /** Zero-based line of the `test` header. */
  readonly line: number;
  /** Existing images scored instead of generated (an `images` test), absolute paths; its seeds are 1..n. */
  readonly images?: readonly string[];
  /** In a compare run, the name of the generator this plan of the test runs with (it is `generator`); the
   *  test has one plan per compared generator. Undefined for a test that runs once. */
  readonly variant?: string;
}

/** Plans every test of a resolved spec. `seedsOverride` replaces every test's seeds (a run's `--seeds`); `host` is
 *  the file system the spec was read through (the editor's is confined to the workspace), so an `images` glob lists
 *  only what the spec may read. */
export function planTests(spec: ResolvedSpec, seedsOverride?: readonly number[], host: SpecHost = nodeHost): TestPlan[] {
  return spec.tests.map((t) => planTest(t, seedsOverride, host));
}

function planTest(t: ResolvedTest, seedsOverride: readonly number[] | undefined, host: SpecHost): TestPlan {
  const images = t.images === undefined ? undefined : listImages(t.spec, t.images, t.imagesDir, host);
  // An `images` test's "seeds" are its files, numbered from 1: the pass rate is taken over them.
  const seeds = images ? images.map((_, i) => i + 1) : (seedsOverride ?? t.seeds);
  return { ...t, line: t.headerRange.start.line, images, seeds, requiredSeeds: requiredSeeds(t.passRatio, seeds.length) };
}


/** A plan once per generator, in the order given, each labelled with its generator as its `variant`. An `images`
 *  test scores existing files and has no generator to vary: it stays one plan. So does any test when `generators`
 *  is empty. */
export function comparePlans(plan: TestPlan, generators: readonly GeneratorDeclaration[]): TestPlan[] {
  if (plan.images || generators.length === 0) return [plan];
  return generators.map((g) => ({ ...plan, generator: g, variant: g.name }));
}
