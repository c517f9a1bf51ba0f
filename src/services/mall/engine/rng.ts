// mulberry32: 32 bits of state, so the whole generator fits in one slot of the world's
// scalar array and is copied, reset and shipped to a worker with the rest of the state.

export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
}

export function mulberry32Step(state: number): { state: number; value: number } {
  const s = (state + 0x6d2b79f5) >>> 0;
  let t = s;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return { state: s, value: ((t ^ (t >>> 14)) >>> 0) / 4294967296 };
}

/** RNG whose state lives in `arr[index]` (a uint32 stored in a float slot). */
export class SlotRng implements Rng {
  constructor(
    private readonly arr: Float64Array,
    private readonly index: number,
  ) {}

  next(): number {
    const s = ((this.arr[this.index] ?? 0) + 0x6d2b79f5) >>> 0;
    this.arr[this.index] = s;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
}

/** mulberry32's state only ever grows by this constant: N draws later it is `state + N·INC` (mod 2^32). */
const INC = 0x6d2b79f5;

/** The state `draws` draws after `state`, without drawing (lets zone ranges draw in parallel, in order). */
export function skipAhead(state: number, draws: number): number {
  return (state + Math.imul(draws, INC)) >>> 0;
}

/** RNG whose state is a local variable (a worker stepping a range of zones owns its own). */
export class StateRng implements Rng {
  constructor(public state: number) {}

  next(): number {
    const s = (this.state + INC) >>> 0;
    this.state = s;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
}

export function uniform(rng: Rng, min: number, max: number): number {
  return min + (max - min) * rng.next();
}

/** FNV-1a over the seed and a string: per-entity streams independent of load order. */
export function hashSeed(seed: number, key: string): number {
  let h = (0x811c9dc5 ^ (seed >>> 0)) >>> 0;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export function seedToState(seed: number): number {
  return hashSeed(seed, "world") >>> 0;
}
