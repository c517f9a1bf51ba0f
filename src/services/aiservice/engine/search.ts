// Top-k cosine search over an IndexSnapshot, optionally weighted by importance and recency.
//
// Stored vectors and the query are unit length, so similarity = dot product = cosine.
// Ranking score:
//   recency = 0.5 ^ (max(0, now - timestamp) / halfLifeMs)
//   factor  = 1 - wI - wR + wI * importance + wR * recency        (in [1-wI-wR, 1])
//   score   = similarity * factor   when similarity > 0
//           = similarity            otherwise (a weight never lifts a dissimilar memory)
// With wI = wR = 0 the ranking is plain cosine. Ties: the newer row first.
// Because score <= similarity, rows whose similarity cannot beat the current k-th score
// skip the weighting work entirely. The dot products read only stored non-zero values in
// the query's non-zero dimensions (vector-index.ts).

import { lowerBound, type DenseBlock, type IndexSnapshot, type SparseBlock } from "./vector-index.ts";

export interface RankingWeights {
  readonly importanceWeight: number;
  readonly recencyWeight: number;
  readonly recencyHalfLifeMs: number;
}

export const PLAIN_COSINE: RankingWeights = { importanceWeight: 0, recencyWeight: 0, recencyHalfLifeMs: 1 };

export interface SearchRequest {
  readonly query: Float32Array;
  readonly k: number;
  readonly weights: RankingWeights;
  /** Clock reading for recency, ms since epoch. */
  readonly now: number;
  /** Row range [from, to); defaults to every row. Lets the pool split one scan. */
  readonly from?: number;
  readonly to?: number;
}

export interface SearchHits {
  readonly rows: Int32Array;
  readonly similarities: Float64Array;
  readonly scores: Float64Array;
}

export function validateWeights(w: RankingWeights): string | null {
  if (!(w.importanceWeight >= 0 && w.recencyWeight >= 0)) return "weights must be >= 0";
  if (w.importanceWeight + w.recencyWeight > 1) return "importance + recency weight must be <= 1";
  if (!(w.recencyHalfLifeMs > 0)) return "recency half-life must be > 0";
  return null;
}

/**
 * Work estimate, used to decide inline vs pool: the stored values the query's non-zero
 * dimensions read (every value of a tail row), plus one step per row for the ranking pass.
 */
export function searchCost(snapshot: IndexSnapshot, query: Float32Array): number {
  const dims = nonZeroDims(query, snapshot.dim);
  let cost = snapshot.count + snapshot.tail.rowStart[snapshot.tail.rows]!;
  for (const b of snapshot.blocks) {
    if (b.kind === "dense") cost += b.rows * dims.length;
    else for (let i = 0; i < dims.length; i++) cost += b.colStart[dims[i]! + 1]! - b.colStart[dims[i]!]!;
  }
  return cost;
}

/** The query's non-zero dimensions below `dim`, ascending. */
function nonZeroDims(query: Float32Array, dim: number): Int32Array {
  const len = Math.min(dim, query.length);
  let n = 0;
  for (let j = 0; j < len; j++) if (query[j] !== 0) n++;
  const out = new Int32Array(n);
  n = 0;
  for (let j = 0; j < len; j++) if (query[j] !== 0) out[n++] = j;
  return out;
}

export function search(snapshot: IndexSnapshot, req: SearchRequest): SearchHits {
  const from = Math.max(0, req.from ?? 0);
  const to = Math.min(snapshot.count, req.to ?? snapshot.count);
  const n = Math.max(0, to - from);
  const k = Math.min(Math.max(0, Math.floor(req.k)), n);
  if (k === 0) return { rows: new Int32Array(0), similarities: new Float64Array(0), scores: new Float64Array(0) };

  const sims = accumulate(snapshot, req.query, from, to);
  const heap = new TopK(k);
  const { importanceWeight: wI, recencyWeight: wR, recencyHalfLifeMs } = req.weights;
  const weighted = wI > 0 || wR > 0;
  const base = 1 - wI - wR;
  const decay = Math.LN2 / recencyHalfLifeMs;
  // No row's weighting exceeds the one of the most important and newest values (each term
  // is monotonic, in floating point too), so a row whose similarity times that bound is below
  // the k-th kept score cannot enter; unweighted, the bound is 1.
  const recencyBound = wR > 0 ? Math.exp(-decay * Math.max(0, req.now - snapshot.maxTimestamp)) : 0;
  const bound = weighted ? base + wI * snapshot.maxImportance + wR * recencyBound : 1;
  let floor = -Infinity;
  for (let i = 0; i < n; i++) {
    const sim = sims[i]!;
    if (sim > 0 ? sim * bound < floor : sim < floor) continue;
    let score = sim;
    if (weighted && sim > 0) {
      const row = from + i;
      const age = Math.max(0, req.now - (snapshot.timestamps[row] ?? 0));
      const recency = wR > 0 ? Math.exp(-decay * age) : 0;
      score = sim * (base + wI * (snapshot.importance[row] ?? 0) + wR * recency);
    }
    heap.offer(from + i, sim, score);
    if (heap.full) floor = heap.minScore;
  }
  return heap.sorted();
}

/**
 * Dot products of the query with rows [from, to). Every row's sum runs over dimensions in
 * ascending order whatever its block's layout, so the result does not depend on how the
 * rows are stored or sliced.
 */
function accumulate(snapshot: IndexSnapshot, query: Float32Array, from: number, to: number): Float32Array {
  const out = scratch(to - from);
  const dim = Math.min(snapshot.dim, query.length);
  const dims = nonZeroDims(query, dim);
  for (const b of snapshot.blocks) {
    const lo = Math.max(from, b.base);
    const hi = Math.min(to, b.base + b.rows);
    if (lo >= hi) continue;
    if (b.kind === "dense") denseBlock(b, query, dims, lo, hi, from, out);
    else sparseBlock(b, query, dims, lo, hi, from, out);
  }
  const t = snapshot.tail;
  const lo = Math.max(from, t.base);
  const hi = Math.min(to, t.base + t.rows);
  for (let row = lo; row < hi; row++) {
    const r = row - t.base;
    let acc = out[row - from]!;
    for (let e = t.rowStart[r]!; e < t.rowStart[r + 1]!; e++) {
      const d = t.dimOf[e]!;
      if (d >= dim) break;
      const q = query[d]!;
      // Float32 after every step, as the column layouts store it.
      if (q !== 0) acc = Math.fround(acc + q * t.vals[e]!);
    }
    out[row - from] = acc;
  }
  return out;
}

// One accumulator per thread, reused: a fresh 400 KB array per search of 100,000 rows
// was garbage at 50 searches a second. Nothing keeps it past the search that filled it.
let scratchBuf = new Float32Array(0);
function scratch(n: number): Float32Array {
  if (scratchBuf.length < n) scratchBuf = new Float32Array(Math.max(n, scratchBuf.length * 2));
  const out = scratchBuf.subarray(0, n);
  out.fill(0);
  return out;
}

function denseBlock(b: DenseBlock, query: Float32Array, dims: Int32Array, lo: number, hi: number, from: number, out: Float32Array): void {
  for (let d = 0; d < dims.length; d++) {
    const j = dims[d]!;
    const q = query[j]!;
    // A column view keeps the hot loop to one bounds-checked index (about 1.5x faster).
    const col = b.cols.subarray(j * b.rows + (lo - b.base), j * b.rows + (hi - b.base));
    const o = out.subarray(lo - from, hi - from);
    for (let i = 0; i < col.length; i++) o[i]! += q * col[i]!;
  }
}

function sparseBlock(b: SparseBlock, query: Float32Array, dims: Int32Array, lo: number, hi: number, from: number, out: Float32Array): void {
  const whole = lo === b.base && hi === b.base + b.rows;
  const shift = b.base - from;
  const { rowOf, vals } = b;
  for (let d = 0; d < dims.length; d++) {
    const j = dims[d]!;
    const q = query[j]!;
    let e = b.colStart[j]!;
    let end = b.colStart[j + 1]!;
    if (!whole) {
      e = lowerBound(rowOf, e, end, lo - b.base);
      end = lowerBound(rowOf, e, end, hi - b.base);
    }
    for (; e < end; e++) out[rowOf[e]! + shift]! += q * vals[e]!;
  }
}

/** Merge per-slice hits (from pool tasks) into one top-k. */
export function mergeHits(parts: readonly SearchHits[], k: number): SearchHits {
  const heap = new TopK(Math.max(0, k));
  for (const p of parts) {
    for (let i = 0; i < p.rows.length; i++) heap.offer(p.rows[i] ?? 0, p.similarities[i] ?? 0, p.scores[i] ?? 0);
  }
  return heap.sorted();
}

/** Bounded min-heap on (score, row): the root is the worst kept hit. */
class TopK {
  private readonly rows: Int32Array;
  private readonly sims: Float64Array;
  private readonly scores: Float64Array;
  private size = 0;

  constructor(private readonly k: number) {
    this.rows = new Int32Array(k);
    this.sims = new Float64Array(k);
    this.scores = new Float64Array(k);
  }

  get full(): boolean {
    return this.size === this.k;
  }

  get minScore(): number {
    return this.size === 0 ? -Infinity : (this.scores[0] ?? -Infinity);
  }

  offer(row: number, sim: number, score: number): void {
    if (this.k === 0) return;
    if (this.size < this.k) {
      this.set(this.size, row, sim, score);
      this.up(this.size++);
    } else if (this.worse(0, row, score)) {
      this.set(0, row, sim, score);
      this.down(0);
    }
  }

  sorted(): SearchHits {
    const order = Array.from({ length: this.size }, (_, i) => i);
    order.sort((a, b) => (this.scores[b] ?? 0) - (this.scores[a] ?? 0) || (this.rows[b] ?? 0) - (this.rows[a] ?? 0));
    const rows = new Int32Array(this.size);
    const similarities = new Float64Array(this.size);
    const scores = new Float64Array(this.size);
    order.forEach((src, dst) => {
      rows[dst] = this.rows[src] ?? 0;
      similarities[dst] = this.sims[src] ?? 0;
      scores[dst] = this.scores[src] ?? 0;
    });
    return { rows, similarities, scores };
  }

  /** Is heap slot i ranked below the candidate (row, score)? */
  private worse(i: number, row: number, score: number): boolean {
    const s = this.scores[i] ?? 0;
    return s < score || (s === score && (this.rows[i] ?? 0) < row);
  }

  private less(a: number, b: number): boolean {
    return this.worse(a, this.rows[b] ?? 0, this.scores[b] ?? 0);
  }

  private set(i: number, row: number, sim: number, score: number): void {
    this.rows[i] = row;
    this.sims[i] = sim;
    this.scores[i] = score;
  }

  private swap(a: number, b: number): void {
    const r = this.rows[a] ?? 0;
    const m = this.sims[a] ?? 0;
    const s = this.scores[a] ?? 0;
    this.set(a, this.rows[b] ?? 0, this.sims[b] ?? 0, this.scores[b] ?? 0);
    this.set(b, r, m, s);
  }

  private up(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) return;
      this.swap(i, parent);
      i = parent;
    }
  }

  private down(i: number): void {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < this.size && this.less(l, m)) m = l;
      if (r < this.size && this.less(r, m)) m = r;
      if (m === i) return;
      this.swap(i, m);
      i = m;
    }
  }
}
