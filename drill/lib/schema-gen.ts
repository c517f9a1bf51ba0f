/**
 * Request bodies from a route's JSON Schema (the TypeBox schemas the admin port serves in
 * `/openapi/<service>.json`): valid ones, ones at the edges of every bound, and ones
 * broken in exactly one place. fast-check draws strings for patterns and free JSON; the
 * drill's seeded RNG makes every choice, so a case replays from its seed.
 */
import fc from 'fast-check';
import type { Rng } from './rng.ts';

export type JsonSchema = { [k: string]: unknown };
type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type Hints = Record<string, (rng: Rng) => unknown>;

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);

function draw<T>(arb: fc.Arbitrary<T>, r: Rng): T {
  return fc.sample(arb, { seed: r.seed() | 0, numRuns: 1 })[0] as T;
}

/** The types a schema allows (`type` may be a list; `const` implies its own). */
function typesOf(s: JsonSchema): string[] {
  const vs = s.anyOf ?? s.oneOf;
  if (Array.isArray(vs)) return [...new Set(vs.filter(isObj).flatMap((v) => typesOf(v)))];
  if (Array.isArray(s.type)) return s.type.filter((t): t is string => typeof t === 'string');
  if (typeof s.type === 'string') return [s.type];
  if ('const' in s) return [s.const === null ? 'null' : typeof s.const === 'number' ? 'number' : typeof s.const];
  return [];
}

function variants(s: JsonSchema): JsonSchema[] | null {
  const v = s.anyOf ?? s.oneOf;
  return Array.isArray(v) ? v.filter(isObj) : null;
}

interface Gen {
  rng: Rng;
  hints: Hints;
  /** Bias every bound to its edge (min/max length, min/max value, min/max items). */
  edge: boolean;
  depth: number;
}

function stringOf(s: JsonSchema, g: Gen): string {
  const min = num(s.minLength) ?? 0;
  const max = num(s.maxLength) ?? Math.max(min, 40);
  const fits = (x: string): boolean => x.length >= min && x.length <= max && (typeof s.pattern !== 'string' || new RegExp(s.pattern).test(x));
  const len = g.edge ? (g.rng.chance(0.5) ? min : max) : g.rng.int(min, Math.min(max, min + 24));
  if (typeof s.pattern === 'string' && !/^\^\[\^/.test(s.pattern)) {
    // Positive patterns (ids like `^sess_[0-9a-f]{16}$`): let fast-check build a match.
    for (let i = 0; i < 4; i++) {
      const x = draw(fc.stringMatching(new RegExp(s.pattern)), g.rng);
      if (fits(x)) return x;
    }
  }
  const alphabet = g.rng.chance(0.7) ? 'abcdefghijklmnopqrstuvwxyz0123456789 _-' : 'aé中😀\u00a0ÿ';
  let out = '';
  while (out.length < len) out += alphabet[g.rng.int(0, alphabet.length - 1)];
  out = out.slice(0, len);
  return fits(out) || min === 0 ? out : 'x'.repeat(Math.max(min, 1));
}

function numberOf(s: JsonSchema, integer: boolean, g: Gen): number {
  const exMin = num(s.exclusiveMinimum);
  const exMax = num(s.exclusiveMaximum);
  const step = integer ? 1 : 1e-6;
  let lo = num(s.minimum) ?? (exMin !== undefined ? exMin + step : -1e6);
  let hi = num(s.maximum) ?? (exMax !== undefined ? exMax - step : 1e6);
  if (hi < lo) [lo, hi] = [hi, lo];
  if (g.edge) return g.rng.chance(0.5) ? lo : hi;
  // Most draws stay small, like real clients' values; some range over the whole interval.
  const span = g.rng.chance(0.8) ? Math.min(hi, lo + 100) : hi;
  const v = lo + g.rng.next() * (span - lo);
  return integer ? Math.min(hi, Math.max(lo, Math.round(v))) : v;
}

/** A value `s` accepts (hints for fields the schema cannot describe usefully, e.g. real session ids). */
export function valid(s: JsonSchema, g: Gen, key = ''): unknown {
  const hint = g.hints[key];
  if (hint && g.rng.chance(0.75)) return hint(g.rng);
  if ('const' in s) return s.const;
  if (Array.isArray(s.enum) && s.enum.length) return g.rng.pick(s.enum);
  const vs = variants(s);
  if (vs) return valid(g.rng.pick(vs), g, key);
  const types = typesOf(s);
  if (types.length === 0) return g.depth > 3 ? null : draw(fc.jsonValue({ maxDepth: 2 }), g.rng);
  const t = g.rng.pick(types);
  const deeper: Gen = { ...g, depth: g.depth + 1 };
  switch (t) {
    case 'null': return null;
    case 'boolean': return g.rng.chance(0.5);
    case 'integer': return numberOf(s, true, g);
    case 'number': return numberOf(s, false, g);
    case 'string': return stringOf(s, g);
    case 'array': {
      const min = num(s.minItems) ?? 0;
      const max = Math.min(num(s.maxItems) ?? min + 4, g.depth > 3 ? min : 1e9);
      const n = g.edge ? (g.rng.chance(0.5) ? min : Math.min(max, min + 200)) : g.rng.int(min, Math.min(max, min + 4));
      const items = isObj(s.items) ? s.items : {};
      const out: unknown[] = [];
      for (let i = 0; i < n; i++) out.push(valid(items, deeper, key));
      return s.uniqueItems ? [...new Map(out.map((x) => [JSON.stringify(x), x])).values()] : out;
    }
    case 'object': {
      const out: Record<string, unknown> = {};
      const props = isObj(s.properties) ? s.properties : {};
      const required = new Set(Array.isArray(s.required) ? s.required : []);
      const allOptional = g.edge && g.rng.chance(0.5);
      for (const [k, ps] of Object.entries(props)) {
        if (!isObj(ps)) continue;
        if (required.has(k) || (!allOptional && g.rng.chance(g.edge ? 1 : 0.6))) out[k] = valid(ps, deeper, k);
      }
      const free = isObj(s.patternProperties) ? Object.values(s.patternProperties).find(isObj) : isObj(s.additionalProperties) ? s.additionalProperties : undefined;
      if (free) {
        const n = Math.max(num(s.minProperties) ?? 0, g.rng.int(0, Math.min(3, num(s.maxProperties) ?? 3)));
        for (let i = 0; i < n; i++) out[`k${i}`] = valid(free, deeper, `k${i}`);
      }
      return out;
    }
    default: return null;
  }
}

export function generator(rng: Rng, hints: Hints, edge = false): Gen {
  return { rng, hints, edge, depth: 0 };
}

interface Site {
  /** Path of keys/indices from the root. */
  path: (string | number)[];
  schema: JsonSchema;
}

/** Every place in `value` with the schema that governs it. */
function sites(s: JsonSchema, value: unknown, path: (string | number)[] = [], out: Site[] = []): Site[] {
  out.push({ path, schema: s });
  const vs = variants(s);
  if (vs) {
    const fitting = vs.find((v) => typesOf(v).includes(value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value === 'number' ? (Number.isInteger(value) && typesOf(v).includes('integer') ? 'integer' : 'number') : typeof value));
    // The variant the value was generated from governs what is below it.
    if (fitting) out.push(...sites(fitting, value, path).slice(1));
    return out;
  }
  if (Array.isArray(value) && isObj(s.items)) value.slice(0, 5).forEach((v, i) => sites(s.items as JsonSchema, v, [...path, i], out));
  if (isObj(value) && isObj(s.properties)) {
    for (const [k, v] of Object.entries(value)) {
      const ps = (s.properties as Record<string, unknown>)[k];
      if (isObj(ps)) sites(ps, v, [...path, k], out);
    }
  }
  return out;
}

function setAt(root: unknown, path: (string | number)[], f: (old: unknown, parent: Record<string | number, unknown> | null, key: string | number | undefined) => unknown): unknown {
  if (path.length === 0) return f(root, null, undefined);
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let cur = copy;
  for (const p of path.slice(0, -1)) cur = cur[p] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  const v = f(cur[last], cur, last);
  if (v === REMOVE) delete cur[last];
  else cur[last] = v;
  return copy;
}

const REMOVE = Symbol('remove');

/** Values of the wrong kind for a schema. */
function wrongType(s: JsonSchema, r: Rng): unknown {
  const types = typesOf(s);
  // An unconstrained schema (`{}`, TypeBox's Unknown) takes any value: nothing is the wrong type.
  if (types.length === 0 && !('enum' in s)) return Symbol.for('none');
  const pool: unknown[] = [];
  if (!types.includes('string')) pool.push('not a number', '', '12');
  if (!types.includes('number') && !types.includes('integer')) pool.push(0, -1, 1.5, 1e308);
  if (!types.includes('boolean')) pool.push(true, false);
  if (!types.includes('null')) pool.push(null);
  if (!types.includes('array')) pool.push([], [1, 2]);
  if (!types.includes('object')) pool.push({}, { nested: { deeper: true } });
  return pool.length ? r.pick(pool) : Symbol.for('none');
}

export interface Mutation {
  body: unknown;
  what: string;
}

/** A valid body broken in one place: a missing required field, a wrong type, a bound crossed, an extra key. */
export function invalid(s: JsonSchema, r: Rng, hints: Hints): Mutation {
  const base = valid(s, generator(r, hints));
  const all = sites(s, base);
  const site = r.pick(all);
  const where = site.path.length ? site.path.join('.') : '(root)';
  const ss = site.schema;
  const options: (() => Mutation | null)[] = [
    () => ({ body: setAt(base, site.path, () => wrongType(ss, r)), what: `wrong type at ${where}` }),
    () => {
      if (!isObj(ss.properties) || !Array.isArray(ss.required) || ss.required.length === 0) return null;
      const k = String(r.pick(ss.required));
      return { body: setAt(base, [...site.path, k], () => REMOVE), what: `missing required ${[...site.path, k].join('.')}` };
    },
    () => (ss.additionalProperties === false ? { body: setAt(base, [...site.path, 'unexpected_field'], () => r.pick([1, 'x', null, {}])), what: `unknown field under ${where}` } : null),
    () => {
      const types = typesOf(ss);
      if (!types.includes('number') && !types.includes('integer')) return null;
      const pick: number[] = [];
      if (num(ss.minimum) !== undefined) pick.push(num(ss.minimum)! - (types.includes('integer') ? 1 : 0.5));
      if (num(ss.maximum) !== undefined) pick.push(num(ss.maximum)! + (types.includes('integer') ? 1 : 0.5));
      if (num(ss.exclusiveMinimum) !== undefined) pick.push(num(ss.exclusiveMinimum)!);
      if (num(ss.exclusiveMaximum) !== undefined) pick.push(num(ss.exclusiveMaximum)!);
      if (types.includes('integer') && !types.includes('number')) pick.push(1.5, 0.1);
      if (num(ss.maximum) !== undefined) pick.push(1e308);
      if (num(ss.minimum) !== undefined) pick.push(-1e308);
      return pick.length ? { body: setAt(base, site.path, () => r.pick(pick)), what: `number out of range at ${where}` } : null;
    },
    () => {
      if (!typesOf(ss).includes('string')) return null;
      const max = num(ss.maxLength);
      const choices: string[] = [];
      if (max !== undefined) choices.push('y'.repeat(Math.min(max + 1, 2_000_000)));
      if ((num(ss.minLength) ?? 0) > 0) choices.push('');
      return choices.length ? { body: setAt(base, site.path, () => r.pick(choices)), what: `string out of bounds at ${where}` } : null;
    },
    // Characters that break naive handling (NUL, line breaks, lone surrogates, bidi): refused or stored intact, never a 500.
    () => (typesOf(ss).includes('string') ? { body: setAt(base, site.path, () => r.pick(['\u0000nul', 'line\nbreak', '\ud800', '\u202e right-to-left', '%00', '../../etc/passwd'])), what: `odd string at ${where}` } : null),
    () => {
      if (!typesOf(ss).includes('array')) return null;
      const max = num(ss.maxItems);
      if (max === undefined) return null;
      return { body: setAt(base, site.path, (o) => Array.from({ length: max + 1 }, (_, i) => (Array.isArray(o) && o.length ? o[i % o.length] : 1))), what: `array over maxItems at ${where}` };
    },
    () => ({ body: setAt(base, site.path, () => r.pick<unknown>(['__proto__', JSON.parse('{"constructor":{"prototype":1}}'), JSON.parse('{"toString":1,"valueOf":"x"}')])), what: `prototype-like keys at ${where}` }),
  ];
  for (let tries = 0; tries < 12; tries++) {
    const m = r.pick(options)();
    if (m && !JSON.stringify(m.body, (_, v: unknown) => (typeof v === 'symbol' ? '\u0000symbol' : v))?.includes('\\u0000symbol')) return m;
  }
  return { body: wrongType(s, r), what: 'wrong type at (root)' };
}

/** Deterministic `Json` from fast-check, for free-form bodies and frames. */
export function anyJson(r: Rng, maxDepth = 3): Json {
  return draw(fc.jsonValue({ maxDepth }), r) as Json;
}
