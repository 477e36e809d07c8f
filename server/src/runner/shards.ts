// Splitting a run's tests across machines (`wabi run --shard i/n`), the way CI runners split a job matrix.
//
// The guarantee: every machine that runs the same selection (the same specs, filter, seeds and compared generators)
// computes the same split, whatever its file system's order, its clock or its speed, because the split reads only
// each test's id and its image count. A test's id is its spec's path relative to the deepest folder that holds every
// selected spec, with `/` separators, its name and, in a compare run, its generator: the same wherever the checkout
// lies and whichever folder the command runs from. Each test is in exactly one shard; together the shards hold the
// selection.
//
// Balance: tests are taken heaviest first (most images), ties broken by a hash of the id (so equal tests do not all
// land on the first shards in spec order), and each goes to the shard with the fewest images so far (the lowest
// shard number on a tie): greedy longest-processing-time. The fullest shard then holds at most the average plus
// one test's images, and at most 4/3 of what the best possible split's fullest shard holds, so the shards finish
// together. A shard runs its tests in the selection's order, and a merged report lists them in that order too.
//
// The fingerprint names the selection: a hash of the shard count and, per selected test in order, its id, seeds,
// image count, prompts, generator, size and expectations. Shards of one run share it; `wabi merge-reports` refuses
// to merge shards whose fingerprints differ (different commits, filters or seeds on different machines).
import type { TestPlan } from './plan';
import { canonicalJson, sha256 } from './resultCache';
import type { ShardOfRun, ShardSpec } from './results';

export type { ShardOfRun, ShardSpec } from './results';

export const MAX_SHARDS = 10_000;

/** Reads `2/4`. Throws with a message that says what was expected. */
export function parseShard(text: string): ShardSpec {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!m) throw new Error(`--shard must be i/n with whole numbers, such as 2/4 (the 2nd of 4 shards); got '${text}'`);
  const index = Number(m[1]);
  const total = Number(m[2]);
  if (total < 1 || total > MAX_SHARDS) throw new Error(`--shard ${text}: the number of shards must be from 1 to ${MAX_SHARDS}`);
  if (index < 1 || index > total) throw new Error(`--shard ${text}: shards are numbered from 1 to ${total}`);
  return { index, total };
}

/** The images a test makes or scores: per seed its prompt's image and, with a baseline, the baseline's; an
 *  `images` test's files. (An edit's input is read, not made, and costs next to nothing.) */
export function planImages(plan: TestPlan): number {
  if (plan.images) return plan.images.length;
  return plan.seeds.length * (plan.baseline !== undefined ? 2 : 1);
}

export interface Weighted {
  readonly id: string;
  readonly weight: number;
}

/** The shard (0-based) of each item, in the items' order. Depends only on the ids and weights, not their order. */
export function assignShards(items: readonly Weighted[], total: number): number[] {
  if (!Number.isInteger(total) || total < 1) throw new RangeError(`assignShards: total must be a whole number >= 1, got ${total}`);
  const tieBreak = items.map((item) => sha256(item.id));
  const order = items.map((_, i) => i);
  order.sort((a, b) => items[b].weight - items[a].weight || compare(tieBreak[a], tieBreak[b]) || compare(items[a].id, items[b].id));
  const loads = new Array<number>(total).fill(0);
  const out = new Array<number>(items.length);
  for (const i of order) {
    let best = 0;
    for (let s = 1; s < total; s++) if (loads[s] < loads[best]) best = s;
    out[i] = best;
    loads[best] += items[i].weight;
  }
  return out;
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The plans of shard `spec` of `plans` (the whole selection, in order), with what its blob records. `idOf` gives
 *  a test's machine-independent id (above). */
export function selectShard(plans: readonly TestPlan[], spec: ShardSpec, idOf: (plan: TestPlan) => string): { plans: TestPlan[]; shard: ShardOfRun } {
  const ids = plans.map(idOf);
  const weights = plans.map(planImages);
  const assigned = assignShards(
    ids.map((id, i) => ({ id, weight: weights[i] })),
    spec.total,
  );
  const positions = assigned.flatMap((s, i) => (s === spec.index - 1 ? [i] : []));
  const fingerprint = sha256(
    canonicalJson({
      shards: spec.total,
      tests: plans.map((p, i) => ({
        id: ids[i],
        seeds: p.seeds,
        images: weights[i],
        prompt: p.images ? null : p.prompt,
        negative: p.negative ?? null,
        baseline: p.baseline ?? null,
        generator: p.generator ? `${p.generator.kind} ${p.generator.name}` : null,
        size: [p.width, p.height, p.steps ?? null, p.guidance ?? null, p.strength ?? null],
        pass: p.requiredSeeds,
        expect: p.expectations.map((e) => e.text),
      })),
    }),
  );
  return { plans: positions.map((i) => plans[i]), shard: { ...spec, selected: plans.length, fingerprint, positions } };
}
