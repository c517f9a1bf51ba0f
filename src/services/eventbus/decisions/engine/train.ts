/**
 * Training and evaluation of the policy (run in the worker pool). Each logged decision
 * gives a target for the action taken: its return (score and ante gained, see
 * outcomes.ts). Weights minimise the squared error of Q(s, a_taken) by mini-batch SGD
 * with L2, in shuffled epochs from a seeded RNG. Pure and deterministic.
 */
import { FEATURES } from './features.ts';
import { fallback, pick } from './policy.ts';

export interface Dataset {
  /** n × FEATURES, row-major. */
  x: Float32Array;
  /** Index into `actions` of the action taken. */
  action: Int32Array;
  ret: Float32Array;
  /** n × actions.length: 1 where the action was available. */
  avail: Uint8Array;
  /** Indexes of the training rows (the rest is held out). */
  train: Int32Array;
  heldout: Int32Array;
  actions: string[];
}

export interface Hyper {
  learning_rate: number;
  l2: number;
  batch_size: number;
  seed: number;
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function initWeights(actions: number): number[][] {
  return Array.from({ length: actions }, () => new Array(FEATURES + 1).fill(0));
}

function q(w: number[], x: Float32Array, row: number): number {
  let v = w[0]!;
  const o = row * FEATURES;
  for (let k = 0; k < FEATURES; k++) v += w[k + 1]! * x[o + k]!;
  return v;
}

/** Mean squared error of Q(s, a_taken) against the return over `rows`. */
export function loss(d: Dataset, weights: number[][], rows: Int32Array): number {
  if (rows.length === 0) return 0;
  let s = 0;
  for (const r of rows) {
    const e = q(weights[d.action[r]!]!, d.x, r) - d.ret[r]!;
    s += e * e;
  }
  return s / rows.length;
}

/** `epochs` more epochs from `weights`; `epochOffset` keeps the shuffles of a resumed run the same as one long run. */
export function trainEpochs(d: Dataset, weights: number[][], h: Hyper, epochs: number, epochOffset: number): { weights: number[][]; losses: number[] } {
  const w = weights.map((row) => [...row]);
  const rows = Array.from(d.train);
  const losses: number[] = [];
  for (let e = 0; e < epochs; e++) {
    const rand = mulberry32(h.seed * 7919 + epochOffset + e);
    for (let i = rows.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [rows[i], rows[j]] = [rows[j]!, rows[i]!];
    }
    for (let b = 0; b < rows.length; b += h.batch_size) {
      const end = Math.min(rows.length, b + h.batch_size);
      const grads = new Map<number, number[]>();
      for (let i = b; i < end; i++) {
        const r = rows[i]!;
        const a = d.action[r]!;
        const err = q(w[a]!, d.x, r) - d.ret[r]!;
        let g = grads.get(a);
        if (!g) {
          g = new Array(FEATURES + 1).fill(0);
          grads.set(a, g);
        }
        g[0]! += err;
        const o = r * FEATURES;
        for (let k = 0; k < FEATURES; k++) g[k + 1]! += err * d.x[o + k]!;
      }
      const scale = (2 * h.learning_rate) / (end - b);
      for (const [a, g] of grads) {
        const row = w[a]!;
        for (let k = 0; k <= FEATURES; k++) row[k] = row[k]! - scale * g[k]! - (k > 0 ? h.learning_rate * h.l2 * row[k]! : 0);
      }
    }
    losses.push(loss(d, w, d.train));
  }
  return { weights: w, losses };
}

export interface Evaluation {
  accuracy: number;
  fallback_accuracy: number;
  loss: number;
  /** Rows that could be judged (at least two actions available). */
  judged: number;
  baseline: number;
}

/**
 * Held-out accuracy: a decision whose return is at least the training mean (`baseline`)
 * was a good one, the others bad; a policy is right when it picks the taken action for a
 * good decision and another action for a bad one. The fallback heuristic is scored the
 * same way on the same rows.
 */
export function evaluate(d: Dataset, weights: number[][], rows: Int32Array): Evaluation {
  let baseline = 0;
  for (const r of d.train) baseline += d.ret[r]!;
  baseline = d.train.length ? baseline / d.train.length : 0;
  const A = d.actions.length;
  const x = new Float64Array(FEATURES);
  let right = 0;
  let fbRight = 0;
  let judged = 0;
  for (const r of rows) {
    const available: string[] = [];
    for (let a = 0; a < A; a++) if (d.avail[r * A + a]) available.push(d.actions[a]!);
    if (available.length < 2) continue;
    judged++;
    for (let k = 0; k < FEATURES; k++) x[k] = d.x[r * FEATURES + k]!;
    const values: Record<string, number> = {};
    for (const a of available) {
      const i = d.actions.indexOf(a);
      let v = weights[i]![0]!;
      for (let k = 0; k < FEATURES; k++) v += weights[i]![k + 1]! * x[k]!;
      values[a] = v;
    }
    const taken = d.actions[d.action[r]!]!;
    const good = d.ret[r]! >= baseline;
    const mine = pick(values, available, 1).selected;
    const fb = fallback(available).selected;
    if ((mine === taken) === good) right++;
    if ((fb === taken) === good) fbRight++;
  }
  return { accuracy: judged ? right / judged : 0, fallback_accuracy: judged ? fbRight / judged : 0, loss: loss(d, weights, rows), judged, baseline };
}
