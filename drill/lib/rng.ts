/**
 * Seeded randomness for drills: every kill point, fuzz case and payload comes from a
 * seed, so a failure replays with the same seed (and, for fuzz, the same case number).
 */

export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Integer in [min, max]. */
  int(min: number, max: number): number;
  pick<T>(xs: readonly T[]): T;
  chance(p: number): boolean;
  /** A 32-bit seed for a derived stream (fast-check, nested generators). */
  seed(): number;
}

/** mulberry32: small, fast, and good enough to spread kill points and cases. */
export function rng(seed: number): Rng {
  let s = seed >>> 0;
  const next = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(xs: readonly T[]): T => {
      if (xs.length === 0) throw new Error('pick from an empty list');
      return xs[Math.floor(next() * xs.length)] as T;
    },
    chance: (p) => next() < p,
    seed: () => Math.floor(next() * 4294967296) >>> 0,
  };
}

/** FNV-1a of the parts: a stable seed for (run seed, service, case) so one case replays alone. */
export function deriveSeed(...parts: (string | number)[]): number {
  let h = 0x811c9dc5;
  for (const p of parts) {
    const s = `${p}\u0000`;
    for (let i = 0; i < s.length; i++) {
      h ^= s.charCodeAt(i);
      h = Math.imul(h, 0x01000193) >>> 0;
    }
  }
  return h >>> 0;
}
