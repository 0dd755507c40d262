// A seeded pseudo-random generator for the randomized tests, so every run (and every failure) repeats.

/** Numbers in [0, 1) from a linear congruential generator started at `seed`. */
export function lcg(seed: number): () => number {
  return () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
}
