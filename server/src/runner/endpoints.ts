// What each endpoint of a run's server generators did (generation/pool.ts counts it): joined across the shards of a
// merged run, and summed up as the reports show it.
import type { EndpointFigures } from '../generation/pool';

export type { EndpointFigures };

/** Mean and median seconds per image; undefined where the endpoint made none. */
export function secondsPerImage(f: EndpointFigures): { readonly mean?: number; readonly median?: number } {
  const n = f.seconds.length;
  if (n === 0) return {};
  const sorted = [...f.seconds].sort((a, b) => a - b);
  const median = n % 2 === 1 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  return { mean: sorted.reduce((a, b) => a + b, 0) / n, median };
}

/** The figures of several runs (the shards of one) per generator and endpoint, in the order first seen: images,
 *  failures and time out of rotation summed, every image's seconds kept, so the median is the whole run's. */
export function joinEndpointFigures(runs: ReadonlyArray<readonly EndpointFigures[] | undefined>): EndpointFigures[] {
  const joined = new Map<string, EndpointFigures>();
  for (const list of runs) {
    for (const f of list ?? []) {
      const key = `${f.generator}\n${f.endpoint}`;
      const seen = joined.get(key);
      joined.set(
        key,
        seen
          ? {
              ...seen,
              concurrency: Math.max(seen.concurrency, f.concurrency),
              images: seen.images + f.images,
              failures: seen.failures + f.failures,
              seconds: [...seen.seconds, ...f.seconds],
              outOfRotationMs: seen.outOfRotationMs + f.outOfRotationMs,
            }
          : { ...f, seconds: [...f.seconds] },
      );
    }
  }
  return [...joined.values()];
}
