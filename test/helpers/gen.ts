// Random choices for seeded differential tests: integers, picks, weighted picks, text and binary
// strings, all drawn from one seeded generator (rng in dataset.ts) so a run and its failures repeat.

/** Random choices from a seeded PRNG (mulberry32, test/helpers/dataset.ts). */
export class Gen {
  constructor(readonly next: () => number) {}
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  one<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)];
  }
  some<T>(n: number, f: () => T): T[] {
    return Array.from({ length: n }, f);
  }
  /** Picks by weight: [[weight, value], ...]. */
  weighted<T>(choices: readonly [number, T][]): T {
    let r = this.next() * choices.reduce((s, [w]) => s + w, 0);
    for (const [w, v] of choices) {
      r -= w;
      if (r < 0) return v;
    }
    return choices[choices.length - 1][1];
  }
  binary(): Buffer {
    return Buffer.from(this.some(this.int(1, 6), () => this.one([0, 255, 1, 127, 128, 10, 13, 32, 97])));
  }
  text(lo: number, hi: number): string {
    return this.some(this.int(lo, hi), () => this.one([...'abcdefghij0123456789-'])).join('');
  }
}
