// Generators side by side: which generators a compare run makes each selected test with. Either the names a face
// gives (`wabi run --generator a,b,c`), looked up where each test's spec can see them (its own generators and its
// imports'), or each spec's own `compare` list. A name that a spec with a generated test cannot use is a problem
// the face reports, with the closest name the spec can use; nothing runs then.
import type { GeneratorDeclaration } from '../catalogue/declarations';
import { closest } from '../catalogue/suggest';
import type { ResolvedSpec } from '../language/resolved';
import { comparePlans, type TestPlan } from '../runner/plan';

/** The generators to compare: these names in every spec, or `spec` for each spec's own `compare` list. */
export type CompareSetting = 'spec' | readonly string[];

export interface GeneratorProblem {
  readonly name: string;
  /** The spec (absolute) whose tests cannot run with it. */
  readonly spec: string;
  /** `unknown`: no generator of that name is visible from the spec; `files`: a `files` generator, which scores
   *  existing images and makes none. */
  readonly reason: 'unknown' | 'files';
  /** The closest name the spec can use, for a did-you-mean. */
  readonly suggestion?: string;
  /** The generators the spec can compare. */
  readonly known: readonly string[];
}

export type CompareExpansion = { readonly plans: TestPlan[] } | { readonly problems: readonly GeneratorProblem[] };

/** The plans of a compare run: each generated test once per compared generator, in the order given. */
export function expandCompare(plans: readonly TestPlan[], compare: CompareSetting, specs: ReadonlyMap<string, ResolvedSpec>): CompareExpansion {
  if (compare === 'spec') return { plans: plans.flatMap((p) => comparePlans(p, p.compare ?? [])) };
  const problems: GeneratorProblem[] = [];
  const bySpec = new Map<string, GeneratorDeclaration[]>();
  for (const p of plans) {
    if (p.images || bySpec.has(p.spec)) continue;
    const visible = specs.get(p.spec)?.generators ?? new Map<string, GeneratorDeclaration>();
    const known = [...visible.values()].filter((g) => g.kind !== 'files').map((g) => g.name);
    const found: GeneratorDeclaration[] = [];
    for (const name of compare) {
      const g = visible.get(name);
      if (g && g.kind !== 'files') found.push(g);
      else {
        const suggestion = g ? undefined : closest(name, known);
        problems.push({ name, spec: p.spec, reason: g ? 'files' : 'unknown', ...(suggestion ? { suggestion } : {}), known });
      }
    }
    bySpec.set(p.spec, found);
  }
  if (problems.length > 0) return { problems };
  return { plans: plans.flatMap((p) => comparePlans(p, bySpec.get(p.spec) ?? [])) };
}
