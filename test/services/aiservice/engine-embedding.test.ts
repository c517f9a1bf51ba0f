import { describe, expect, test } from "bun:test";
import {
  cosine,
  DEFAULT_EMBEDDING_OPTIONS,
  embed,
  extractFeatures,
  hashFeatures,
} from "../../../src/services/aiservice/engine/index.ts";
import { featureHash } from "../../../src/services/aiservice/engine/hash.ts";

const combat = {
  type: "combat",
  timestamp: 1738744800000,
  location: "prontera",
  actors: ["Player", "Poring"],
  outcome: "success",
  exp_gained: 1250,
  damage_taken: 450,
};

function norm(v: Float32Array): number {
  let s = 0;
  for (const x of v) s += x * x;
  return Math.sqrt(s);
}

describe("local embedding", () => {
  test("the same event always embeds to the same vector", () => {
    const a = embed(combat).vector;
    const b = embed(structuredClone(combat)).vector;
    expect(Array.from(a)).toEqual(Array.from(b));
  });

  test("key order does not change the embedding", () => {
    const reordered = { damage_taken: 450, exp_gained: 1250, outcome: "success", actors: ["Player", "Poring"], location: "prontera", timestamp: 1738744800000, type: "combat" };
    expect(Array.from(embed(reordered).vector)).toEqual(Array.from(embed(combat).vector));
  });

  test("embeddings have the configured dimension and unit length", () => {
    const e = embed(combat);
    expect(e.vector.length).toBe(DEFAULT_EMBEDDING_OPTIONS.dim);
    expect(norm(e.vector)).toBeCloseTo(1, 5);
    const small = embed(combat, { ...DEFAULT_EMBEDDING_OPTIONS, dim: 64 });
    expect(small.vector.length).toBe(64);
    expect(norm(small.vector)).toBeCloseTo(1, 5);
  });

  test("an object with no usable features yields a zero vector and generated=false", () => {
    for (const value of [{}, { timestamp: 5 }, { note: "" }, { nested: { id: 3 } }]) {
      const e = embed(value);
      expect(e.generated).toBe(false);
      expect(norm(e.vector)).toBe(0);
    }
    expect(embed(combat).generated).toBe(true);
  });

  test("timestamps and ids do not affect similarity", () => {
    const later = { ...combat, timestamp: 1999999999999, id: 77 };
    expect(cosine(embed(combat).vector, embed(later).vector)).toBeCloseTo(1, 6);
  });

  test("aliased keys meet: map and location are the same feature", () => {
    expect(cosine(embed({ map: "prontera" }).vector, embed({ location: "prontera" }).vector)).toBeCloseTo(1, 6);
    expect(cosine(embed({ map: "prontera" }).vector, embed({ location: "geffen" }).vector)).toBeLessThan(0.5);
  });

  test("nearby numbers are more similar than distant ones", () => {
    const at85 = embed({ level: 85 }).vector;
    expect(cosine(at85, embed({ level: 88 }).vector)).toBeGreaterThan(cosine(at85, embed({ level: 40 }).vector));
    expect(cosine(at85, embed({ level: 8500 }).vector)).toBeLessThan(0.2);
  });

  test("words match across fields and plurals fold", () => {
    const query = embed({ situation: "multiple monsters nearby" }).vector;
    const related = embed({ note: "fought a group of monster mobs nearby" }).vector;
    const unrelated = embed({ note: "sold loot to the tool dealer" }).vector;
    expect(cosine(query, related)).toBeGreaterThan(cosine(query, unrelated));
    expect(cosine(query, related)).toBeGreaterThan(0.2);
  });

  test("extractFeatures follows the documented rules", () => {
    const names = extractFeatures({ Map: "Prontera", level: 3, ok: true, tags: ["AOE Skills"], timestamp: 9 }).map(([n]) => n);
    expect(names).toContain("location=prontera");
    expect(names).toContain("t:prontera");
    const bucket = Math.floor(Math.log2(4) * DEFAULT_EMBEDDING_OPTIONS.numericResolution);
    expect(names).toContain(`level#${bucket}`);
    expect(names).toContain(`level#${bucket - 1}`);
    expect(names).toContain(`level#${bucket + 1}`);
    expect(names).toContain("ok=true");
    expect(names).toContain("tags=aoe skills");
    expect(names).toContain("t:skill");
    expect(names.some((n) => n.startsWith("timestamp"))).toBe(false);
  });

  test("values nested deeper than maxDepth are ignored", () => {
    const deep = { a: { b: { c: { d: { e: { f: { g: { h: "hidden" } } } } } } } };
    expect(extractFeatures(deep).length).toBe(0);
    expect(extractFeatures(deep, { ...DEFAULT_EMBEDDING_OPTIONS, maxDepth: 10 }).length).toBeGreaterThan(0);
  });

  test("feature signs come from the hash and are roughly balanced", () => {
    let negative = 0;
    for (let i = 0; i < 2000; i++) if (featureHash(`f${i}`) >>> 31 === 1) negative++;
    expect(negative).toBeGreaterThan(850);
    expect(negative).toBeLessThan(1150);
  });

  test("hashFeatures accumulates colliding features before normalising", () => {
    const out = new Float32Array(1);
    hashFeatures([["x", 2], ["x", 2]], out);
    expect(Math.abs(out[0] ?? 0)).toBeCloseTo(1, 6);
    const two = new Float32Array(4096);
    expect(hashFeatures([["x", 3], ["y", 4]], two)).toBeCloseTo(5, 5);
  });
});
