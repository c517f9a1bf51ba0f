/**
 * TypeBox schemas compiled once (at service construction) into fast checkers.
 * A failure names the field path, what was expected (in words, with the allowed
 * values of literals and unions) and what was received.
 */
import type { Static, TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { Value } from '@sinclair/typebox/value';
import { describeExpected, describeReceived, pickUnionError } from './validation-text.ts';

export { describeSchema } from './validation-text.ts';

export interface ValidationIssue {
  /** Dotted path, e.g. `character.hp` or `monsters[0].distance`; `(root)` for the body itself. */
  field: string;
  /** What the field must be, as a phrase: `an integer >= 1`, `one of "calm", "uneasy"`. */
  expected: string;
  received: string;
}

export interface Validator<T extends TSchema> {
  readonly schema: T;
  check(value: unknown): value is Static<T>;
  /** First problem found, or null when the value conforms. */
  firstIssue(value: unknown): ValidationIssue | null;
  /** Applies schema defaults in place (no-op for schemas without defaults); does not validate. */
  withDefaults(value: unknown): unknown;
}

/** `/a/0/b` (JSON pointer) → `a[0].b`. */
export function pointerToPath(pointer: string): string {
  if (pointer === '' || pointer === '/') return '(root)';
  let out = '';
  for (const raw of pointer.split('/').slice(1)) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (/^\d+$/.test(part)) out += `[${part}]`;
    else out += out === '' ? part : `.${part}`;
  }
  return out;
}

export function describeValue(v: unknown): string {
  if (v === undefined) return 'missing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  return typeof v;
}

/** The sentence services put in their error message: `Invalid field "a.b": expected ..., received ...`. */
export function issueMessage(issue: ValidationIssue): string {
  if (issue.received === 'missing') return `Missing required field "${issue.field}": expected ${issue.expected}`;
  return `Invalid field "${issue.field}": expected ${issue.expected}, received ${issue.received}`;
}

const cache = new WeakMap<TSchema, TypeCheck<TSchema>>();
const fastCache = new WeakMap<TSchema, ((value: unknown) => boolean) | null>();

/** True when `v` has no enumerable key outside `allowed`. */
function onlyKeys(v: object, allowed: ReadonlySet<string>): boolean {
  for (const k in v) if (!allowed.has(k)) return false;
  return true;
}

function keyCount(v: object): number {
  let n = 0;
  for (const _ in v) n++;
  return n;
}

const EVERY_KNOWN = /Object\.getOwnPropertyNames\(([^()]+)\)\.every\(key => \[((?:'[^'\\]*'(?:, )?)*)\]\.includes\(key\)\)/g;
const COUNT_EQUALS = /Object\.getOwnPropertyNames\(([^()]+)\)\.length === (\d+)/g;

/**
 * TypeBox's check of a closed object (additionalProperties: false) builds the object's key
 * array, and with optional keys an array literal per key; request bodies and WS frames are
 * plain JSON objects, so counting and looking up keys with for-in gives the same verdict
 * without allocating. Returns null when the code has nothing to rewrite or needs TypeBox's
 * registries (custom kinds, formats).
 */
function closedObjectsFast(code: string): ((value: unknown) => boolean) | null {
  if (/\b(kind|format|hash)\(/.test(code)) return null;
  const sets: ReadonlySet<string>[] = [];
  const rewritten = code
    .replace(EVERY_KNOWN, (_m, expr: string, list: string) => {
      sets.push(new Set(list === '' ? [] : list.split(', ').map((k) => k.slice(1, -1))));
      return `__onlyKeys(${expr}, __sets[${sets.length - 1}])`;
    })
    .replace(COUNT_EQUALS, (_m, expr: string, n: string) => `__keyCount(${expr}) === ${n}`);
  if (rewritten === code) return null;
  const make = new Function('__onlyKeys', '__keyCount', '__sets', rewritten) as (o: typeof onlyKeys, c: typeof keyCount, s: ReadonlySet<string>[]) => (value: unknown) => boolean;
  return make(onlyKeys, keyCount, sets);
}

/** The allocation-free checker of a schema when one applies (exported for the equivalence tests). */
export function fastCheck(schema: TSchema): ((value: unknown) => boolean) | null {
  if (!fastCache.has(schema)) fastCache.set(schema, closedObjectsFast(TypeCompiler.Code(schema, [], { language: 'javascript' })));
  return fastCache.get(schema) ?? null;
}

export function compile<T extends TSchema>(schema: T): Validator<T> {
  let checker = cache.get(schema) as TypeCheck<T> | undefined;
  if (!checker) {
    checker = TypeCompiler.Compile(schema);
    cache.set(schema, checker);
  }
  const c = checker;
  const fast = fastCheck(schema);
  // Value.Default walks the whole value; skip it when the schema declares no defaults.
  const hasDefaults = JSON.stringify(schema).includes('"default"');
  return {
    schema,
    check: fast ? (value): value is Static<T> => fast(value) : (value): value is Static<T> => c.Check(value),
    firstIssue(value) {
      if (fast ? fast(value) : c.Check(value)) return null;
      const top = c.Errors(value).First();
      if (!top) return { field: '(root)', expected: 'a valid value', received: describeValue(value) };
      const first = pickUnionError(top);
      return { field: pointerToPath(first.path), expected: describeExpected(first), received: describeReceived(first) };
    },
    withDefaults: (value) => (hasDefaults ? Value.Default(schema, value) : value),
  };
}
