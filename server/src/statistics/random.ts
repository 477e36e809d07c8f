// The one seeded random source: mulberry32, small and fast, the same sequence for a seed on every machine. The
// degradations draw their noise from it, and the bootstrap its resamples, so images and intervals repeat exactly.

/** A uniform source in [0, 1). */
export type Random = () => number;

/** A deterministic uniform source (mulberry32) from a 32-bit seed. */
export function mulberry32(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
