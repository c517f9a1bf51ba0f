import { describe, expect, test } from "bun:test";
import {
  mergeHits,
  normalize,
  PLAIN_COSINE,
  search,
  searchCost,
  validateWeights,
  VectorIndex,
  type RankingWeights,
} from "../../../src/services/aiservice/engine/index.ts";
import { rng } from "./fixtures.ts";

const HOUR = 3_600_000;

function randomUnit(r: () => number, dim: number, density = 1): Float32Array {
  const v = new Float32Array(dim);
  for (let j = 0; j < dim; j++) if (r() < density) v[j] = r() * 2 - 1;
  normalize(v);
  return v;
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] ?? 0) * (b[i] ?? 0);
  return s;
}

function unitAxis(dim: number, axis: number, other = -1, mix = 0): Float32Array {
  const v = new Float32Array(dim);
  v[axis] = 1;
  if (other >= 0) v[other] = mix;
  normalize(v);
  return v;
}

describe("vector index", () => {
  test("grows past its initial capacity and keeps every vector intact", () => {
    const r = rng(1);
    const idx = new VectorIndex(16, { initialCapacity: 2 });
    const stored: Float32Array[] = [];
    for (let i = 0; i < 37; i++) {
      const v = randomUnit(r, 16);
      stored.push(v);
      expect(idx.add(v, i / 37, 1000 + i, 500 + i)).toBe(i);
    }
    expect(idx.count).toBe(37);
    stored.forEach((v, i) => {
      expect(Array.from(idx.vectorAt(i))).toEqual(Array.from(v));
      expect(idx.idAt(i)).toBe(500 + i);
    });
    expect(idx.snapshot().count).toBe(37);
  });

  test("rows sealed into sparse and dense blocks and rows still in the tail read back exactly", () => {
    const r = rng(5);
    const idx = new VectorIndex(24, { initialCapacity: 4, blockRows: 8 });
    const stored: Float32Array[] = [];
    // Blocks 0 and 2 sparse (few non-zeros), block 1 dense, then 5 tail rows.
    for (let i = 0; i < 29; i++) {
      const v = randomUnit(r, 24, i >= 8 && i < 16 ? 0.9 : 0.15);
      stored.push(v);
      idx.add(v, 0.5, i, 100 + i);
    }
    const snap = idx.snapshot();
    expect(snap.blocks.map((b) => b.kind)).toEqual(["sparse", "dense", "sparse"]);
    expect(snap.tail).toMatchObject({ base: 24, rows: 5 });
    stored.forEach((v, i) => expect(Array.from(idx.vectorAt(i))).toEqual(Array.from(v)));
  });

  test("a snapshot keeps answering the same while rows are added and blocks sealed", () => {
    const r = rng(9);
    const idx = new VectorIndex(16, { blockRows: 4 });
    for (let i = 0; i < 6; i++) idx.add(randomUnit(r, 16, 0.3), 0.5, i, i);
    const query = randomUnit(r, 16, 0.5);
    const snap = idx.snapshot();
    const before = search(snap, { query, k: 6, weights: PLAIN_COSINE, now: 0 });
    for (let i = 6; i < 40; i++) idx.add(randomUnit(r, 16, 0.9), 0.5, i, i);
    const after = search(snap, { query, k: 6, weights: PLAIN_COSINE, now: 0 });
    expect(Array.from(after.rows)).toEqual(Array.from(before.rows));
    expect(Array.from(after.similarities)).toEqual(Array.from(before.similarities));
  });

  test("shared indexes are backed by SharedArrayBuffer", () => {
    const idx = new VectorIndex(8, { shared: true, initialCapacity: 1, blockRows: 2 });
    for (let i = 0; i < 3; i++) idx.add(unitAxis(8, i), 1, 0, i);
    const snap = idx.snapshot();
    const sealed = snap.blocks[0]!;
    expect(sealed.kind === "sparse" ? sealed.vals.buffer : sealed.cols.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(snap.tail.vals.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(snap.timestamps.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(new VectorIndex(8).snapshot().tail.vals.buffer).toBeInstanceOf(ArrayBuffer);
  });

  test("rejects vectors of the wrong length and bad dimensions", () => {
    const idx = new VectorIndex(4);
    expect(() => idx.add(new Float32Array(3), 0, 0, 0)).toThrow(RangeError);
    expect(() => new VectorIndex(0)).toThrow(RangeError);
    expect(() => idx.idAt(0)).toThrow(RangeError);
  });
});

describe("top-k search", () => {
  test("plain cosine top-k matches a brute-force ranking", () => {
    const r = rng(7);
    const dim = 32;
    const idx = new VectorIndex(dim, { initialCapacity: 8 });
    const vecs: Float32Array[] = [];
    for (let i = 0; i < 500; i++) {
      const v = randomUnit(r, dim, 0.3);
      vecs.push(v);
      idx.add(v, r(), r() * 1e6, i);
    }
    const query = randomUnit(r, dim, 0.3);
    const hits = search(idx.snapshot(), { query, k: 10, weights: PLAIN_COSINE, now: 0 });
    const brute = vecs.map((v, i) => ({ i, s: dot(v, query) })).sort((a, b) => b.s - a.s || b.i - a.i).slice(0, 10);
    expect(Array.from(hits.rows)).toEqual(brute.map((b) => b.i));
    brute.forEach((b, n) => expect(hits.similarities[n] ?? 0).toBeCloseTo(b.s, 5));
    expect(Array.from(hits.scores)).toEqual(Array.from(hits.similarities));
  });

  test("k above the number of memories returns them all, and k=0 or an empty index returns none", () => {
    const idx = new VectorIndex(4);
    expect(search(idx.snapshot(), { query: unitAxis(4, 0), k: 5, weights: PLAIN_COSINE, now: 0 }).rows.length).toBe(0);
    idx.add(unitAxis(4, 0), 0.5, 0, 1);
    idx.add(unitAxis(4, 1), 0.5, 0, 2);
    expect(search(idx.snapshot(), { query: unitAxis(4, 0), k: 5, weights: PLAIN_COSINE, now: 0 }).rows.length).toBe(2);
    expect(search(idx.snapshot(), { query: unitAxis(4, 0), k: 0, weights: PLAIN_COSINE, now: 0 }).rows.length).toBe(0);
  });

  test("equal similarity ranks the newer memory first", () => {
    const idx = new VectorIndex(4);
    for (let i = 0; i < 3; i++) idx.add(unitAxis(4, 2), 0.5, 0, i);
    const hits = search(idx.snapshot(), { query: unitAxis(4, 2), k: 3, weights: PLAIN_COSINE, now: 0 });
    expect(Array.from(hits.rows)).toEqual([2, 1, 0]);
  });

  test("importance weighting lifts the important memory among equally similar ones", () => {
    const idx = new VectorIndex(4);
    idx.add(unitAxis(4, 0), 0.9, 0, 1);
    idx.add(unitAxis(4, 0), 0.1, 0, 2);
    const weights: RankingWeights = { importanceWeight: 0.3, recencyWeight: 0, recencyHalfLifeMs: HOUR };
    const hits = search(idx.snapshot(), { query: unitAxis(4, 0), k: 2, weights, now: 0 });
    expect(Array.from(hits.rows)).toEqual([0, 1]);
    expect(hits.scores[0] ?? 0).toBeCloseTo(1 - 0.3 + 0.3 * 0.9, 5);
    expect(hits.similarities[0] ?? 0).toBeCloseTo(1, 5);
  });

  test("recency weighting halves per half-life and prefers the recent memory", () => {
    const idx = new VectorIndex(4);
    idx.add(unitAxis(4, 0), 0.5, 10 * HOUR, 1); // recent
    idx.add(unitAxis(4, 0), 0.5, 0, 2); // 10 h old
    idx.add(unitAxis(4, 0, 1, 0.2), 0.5, 10 * HOUR, 3); // recent, a little less similar
    const weights: RankingWeights = { importanceWeight: 0, recencyWeight: 0.5, recencyHalfLifeMs: 10 * HOUR };
    const hits = search(idx.snapshot(), { query: unitAxis(4, 0), k: 3, weights, now: 10 * HOUR });
    expect(hits.rows[0]).toBe(0);
    const oldScore = hits.scores[Array.from(hits.rows).indexOf(1)] ?? 0;
    expect(oldScore).toBeCloseTo(0.5 + 0.5 * 0.5, 5);
    // The recent, slightly less similar memory beats the stale exact one.
    expect(Array.from(hits.rows)).toEqual([0, 2, 1]);
  });

  test("weights never lift a dissimilar memory above a similar one", () => {
    const idx = new VectorIndex(4);
    idx.add(unitAxis(4, 1, 0, -1), 1, 100, 1); // negative similarity, important and fresh
    idx.add(unitAxis(4, 0, 1, 2), 0, 0, 2); // weakly similar, unimportant and old
    const weights: RankingWeights = { importanceWeight: 0.5, recencyWeight: 0.5, recencyHalfLifeMs: 1 };
    const hits = search(idx.snapshot(), { query: unitAxis(4, 0), k: 2, weights, now: 100 });
    expect(Array.from(hits.rows)).toEqual([1, 0]);
    expect(hits.scores[1] ?? 0).toBeCloseTo(hits.similarities[1] ?? 0, 6);
  });

  test("searching row slices and merging equals one full search", () => {
    const r = rng(11);
    const idx = new VectorIndex(24, { initialCapacity: 4 });
    for (let i = 0; i < 301; i++) idx.add(randomUnit(r, 24, 0.4), r(), r() * 1e7, i);
    const query = randomUnit(r, 24, 0.4);
    const weights: RankingWeights = { importanceWeight: 0.2, recencyWeight: 0.2, recencyHalfLifeMs: 1e6 };
    const snap = idx.snapshot();
    const full = search(snap, { query, k: 7, weights, now: 1e7 });
    const parts = [0, 100, 200].map((from) => search(snap, { query, k: 7, weights, now: 1e7, from, to: from + 100 }));
    parts.push(search(snap, { query, k: 7, weights, now: 1e7, from: 300 }));
    const merged = mergeHits(parts, 7);
    expect(Array.from(merged.rows)).toEqual(Array.from(full.rows));
    expect(Array.from(merged.scores)).toEqual(Array.from(full.scores));
  });

  test("validateWeights rejects negative weights, sums above 1 and a zero half-life", () => {
    expect(validateWeights({ importanceWeight: 0.2, recencyWeight: 0.1, recencyHalfLifeMs: 1 })).toBeNull();
    expect(validateWeights({ importanceWeight: -0.1, recencyWeight: 0, recencyHalfLifeMs: 1 })).not.toBeNull();
    expect(validateWeights({ importanceWeight: 0.6, recencyWeight: 0.5, recencyHalfLifeMs: 1 })).not.toBeNull();
    expect(validateWeights({ importanceWeight: 0, recencyWeight: 0, recencyHalfLifeMs: 0 })).not.toBeNull();
  });

  test("search cost counts the stored values the query's non-zero dimensions read, plus one per row", () => {
    const idx = new VectorIndex(16, { blockRows: 8 });
    // Rows 0..7 sealed (row i has a value in dimension i % 4 only), rows 8..9 in the tail.
    for (let i = 0; i < 10; i++) idx.add(unitAxis(16, i % 4), 0, 0, i);
    // Dimension 3 holds rows 3 and 7 of the block; the tail's two values are read either way.
    expect(searchCost(idx.snapshot(), unitAxis(16, 3))).toBe(10 + 2 + 2);
    expect(searchCost(idx.snapshot(), unitAxis(16, 3, 1, 1))).toBe(10 + 4 + 2);
    expect(searchCost(idx.snapshot(), unitAxis(16, 9))).toBe(10 + 0 + 2);
  });

  test("every layout and every slicing ranks exactly like a brute-force dot product", () => {
    const r = rng(23);
    const dim = 40;
    const blocked = new VectorIndex(dim, { blockRows: 32 });
    const flat = new VectorIndex(dim, { blockRows: 65_536 });
    const vecs: Float32Array[] = [];
    const meta: { imp: number; ts: number }[] = [];
    for (let i = 0; i < 203; i++) {
      const v = randomUnit(r, dim, Math.floor(i / 32) % 2 === 0 ? 0.1 : 0.8);
      const imp = Math.fround(r());
      const ts = r() * 1e7;
      vecs.push(v);
      meta.push({ imp, ts });
      blocked.add(v, imp, ts, i);
      flat.add(v, imp, ts, i);
    }
    const weights: RankingWeights = { importanceWeight: 0.2, recencyWeight: 0.2, recencyHalfLifeMs: 1e6 };
    const weightedScore = (i: number, sim: number): number =>
      sim > 0 ? sim * (0.6 + 0.2 * meta[i]!.imp + 0.2 * Math.exp((-Math.LN2 / 1e6) * Math.max(0, 1e7 - meta[i]!.ts))) : sim;
    for (let t = 0; t < 5; t++) {
      const query = randomUnit(r, dim, 0.3);
      const a = search(blocked.snapshot(), { query, k: 9, weights, now: 1e7 });
      const b = search(flat.snapshot(), { query, k: 9, weights, now: 1e7 });
      expect(Array.from(a.rows)).toEqual(Array.from(b.rows));
      expect(Array.from(a.scores)).toEqual(Array.from(b.scores));
      const cuts = [0, 17, 32, 90, 150, 203];
      const parts = cuts.slice(1).map((to, i) => search(blocked.snapshot(), { query, k: 9, weights, now: 1e7, from: cuts[i], to }));
      expect(Array.from(mergeHits(parts, 9).scores)).toEqual(Array.from(a.scores));
      const plain = search(blocked.snapshot(), { query, k: 9, weights: PLAIN_COSINE, now: 0 });
      const brute = vecs.map((v, i) => ({ i, s: dot(v, query) })).sort((x, y) => y.s - x.s || y.i - x.i).slice(0, 9);
      expect(Array.from(plain.rows)).toEqual(brute.map((x) => x.i));
      // The weighting bound prunes rows, never a row that belongs in the top k.
      const bruteWeighted = vecs.map((v, i) => ({ i, s: weightedScore(i, dot(v, query)) })).sort((x, y) => y.s - x.s || y.i - x.i).slice(0, 9);
      expect(Array.from(a.rows)).toEqual(bruteWeighted.map((x) => x.i));
    }
  });
});
