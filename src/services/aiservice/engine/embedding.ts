// Deterministic local text+feature embedding (signed feature hashing, L2-normalised).
//
// An event or a state is a JSON object. Every leaf becomes a few named features:
//   string  "k=<value>"    the whole normalised value, keyed (categorical match)
//           "t:<token>"    each word token, unkeyed, so text matches across fields
//   number  "k#<bucket>"   log-scale bucket of the value, plus both neighbour buckets at
//                          half weight, so 85 and 90 overlap but 85 and 8500 do not
//   boolean "k=true|false"
// k is the leaf's own key (lower-cased, aliased: map→location, class→job, ...), not its
// full path, so event.location and current_state.location (or character.level and
// level) land on the same features. Array elements take their parent's key.
// Each feature is hashed (FNV-1a + murmur3 finaliser) to one of `dim` buckets with a
// sign from the hash's top bit, its weight added; the vector is then scaled to unit L2
// length, so the cosine of two embeddings is their dot product.

import { featureHash } from "./hash.ts";

export interface EmbeddingOptions {
  /** Vector length. */
  readonly dim: number;
  /** Keys whose values carry no situational meaning (timestamps, ids). */
  readonly ignoreKeys: readonly string[];
  /** Key → canonical key, applied before hashing. */
  readonly keyAliases: Readonly<Record<string, string>>;
  /** Multiplier for every feature of a key (default 1). */
  readonly keyWeights: Readonly<Record<string, number>>;
  /** Words too common to carry meaning. */
  readonly stopwords: readonly string[];
  /** Numeric buckets per doubling of the value. */
  readonly numericResolution: number;
  /** Deepest nesting level that is read (deeper values are ignored). */
  readonly maxDepth: number;
}

export const DEFAULT_EMBEDDING_OPTIONS: EmbeddingOptions = {
  dim: 256,
  ignoreKeys: ["timestamp", "ts", "time", "stored_at", "session_id", "memory_id", "id", "tick_number"],
  keyAliases: { map: "location", map_name: "location", class: "job", job_class: "job", base_level: "level", lv: "level" },
  keyWeights: { type: 1.5, location: 1.5, job: 1.2, outcome: 1.2, situation: 1.2 },
  stopwords: ["a", "an", "the", "of", "to", "in", "on", "at", "and", "or", "with", "for", "is", "by"],
  numericResolution: 4,
  maxDepth: 6,
};

export type Feature = readonly [name: string, weight: number];

interface Walk {
  readonly opts: EmbeddingOptions;
  readonly ignore: ReadonlySet<string>;
  readonly stop: ReadonlySet<string>;
  readonly out: Feature[];
}

/** Named, weighted features of a JSON value (exported so the README's rules are testable). */
export function extractFeatures(value: unknown, opts: EmbeddingOptions = DEFAULT_EMBEDDING_OPTIONS): Feature[] {
  const walk: Walk = { opts, ignore: new Set(opts.ignoreKeys), stop: new Set(opts.stopwords), out: [] };
  visit(walk, "", value, 0);
  return walk.out;
}

function canonicalKey(walk: Walk, raw: string): string {
  const key = raw.toLowerCase();
  return walk.opts.keyAliases[key] ?? key;
}

function visit(walk: Walk, key: string, value: unknown, depth: number): void {
  if (depth > walk.opts.maxDepth || value === null || value === undefined) return;
  const weight = walk.opts.keyWeights[key] ?? 1;
  if (typeof value === "string") addString(walk, key, value, weight);
  else if (typeof value === "number") addNumber(walk, key, value, weight);
  else if (typeof value === "boolean") walk.out.push([`${key}=${value}`, weight]);
  else if (Array.isArray(value)) {
    for (const item of value) visit(walk, key, item, depth + 1);
  } else if (typeof value === "object") {
    for (const [rawKey, child] of Object.entries(value)) {
      const childKey = canonicalKey(walk, rawKey);
      if (!walk.ignore.has(childKey)) visit(walk, childKey, child, depth + 1);
    }
  }
}

function addString(walk: Walk, key: string, raw: string, weight: number): void {
  const norm = raw.toLowerCase().trim().replace(/\s+/g, " ");
  if (norm.length === 0) return;
  // Long free text is not a category; only its words count.
  if (norm.length <= 64) walk.out.push([`${key}=${norm}`, weight]);
  const tokens = tokenize(norm, walk.stop);
  // Scale so that a field's words together weigh about as much as one categorical value.
  const each = tokens.length > 0 ? weight / Math.sqrt(tokens.length) : 0;
  for (const token of tokens) walk.out.push([`t:${token}`, each]);
}

export function tokenize(norm: string, stop: ReadonlySet<string>): string[] {
  const out: string[] = [];
  for (const word of norm.split(/[^a-z0-9]+/)) {
    if (word.length < 2 || stop.has(word)) continue;
    // Plural folding: "monsters" and "monster" should meet.
    out.push(word.length > 3 && word.endsWith("s") && !word.endsWith("ss") ? word.slice(0, -1) : word);
  }
  return out;
}

function addNumber(walk: Walk, key: string, value: number, weight: number): void {
  if (!Number.isFinite(value)) return;
  const sign = value < 0 ? "-" : "";
  const bucket = Math.floor(Math.log2(1 + Math.abs(value)) * walk.opts.numericResolution);
  walk.out.push([`${key}#${sign}${bucket}`, weight]);
  walk.out.push([`${key}#${sign}${bucket - 1}`, weight * 0.5]);
  walk.out.push([`${key}#${sign}${bucket + 1}`, weight * 0.5]);
}

/** Hash features into `out` (length dim), then L2-normalise. Returns the norm before scaling. */
export function hashFeatures(features: readonly Feature[], out: Float32Array): number {
  out.fill(0);
  const dim = out.length;
  for (const [name, weight] of features) {
    const h = featureHash(name);
    const idx = h % dim;
    out[idx] = (out[idx] ?? 0) + (h >>> 31 === 1 ? -weight : weight);
  }
  return normalize(out);
}

/** Scale in place to unit L2 length; a zero vector stays zero. Returns the original norm. */
export function normalize(vec: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < vec.length; i++) {
    const v = vec[i] ?? 0;
    sum += v * v;
  }
  const norm = Math.sqrt(sum);
  if (norm > 0) {
    const inv = 1 / norm;
    for (let i = 0; i < vec.length; i++) vec[i] = (vec[i] ?? 0) * inv;
  }
  return norm;
}

export interface Embedding {
  readonly vector: Float32Array;
  /** False when the value had no usable features (the vector is all zeros). */
  readonly generated: boolean;
}

export function embed(value: unknown, opts: EmbeddingOptions = DEFAULT_EMBEDDING_OPTIONS): Embedding {
  const vector = new Float32Array(opts.dim);
  const norm = hashFeatures(extractFeatures(value, opts), vector);
  return { vector, generated: norm > 0 };
}

export function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : 0;
}
