/**
 * Schema failures in words: what a field must be ("an integer >= 1", "one of "calm",
 * "uneasy"", "a string of at most 256 characters") instead of TypeBox's bare
 * "Expected union value". A schema may carry its own phrase in `x-expected`.
 */
import { Kind, type TSchema } from '@sinclair/typebox';
import { ValueErrorType, type ValueError } from '@sinclair/typebox/errors';

type Loose = TSchema & Record<string, unknown>;

const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);

function range(s: Loose): string {
  const parts: string[] = [];
  const min = num(s.minimum);
  const max = num(s.maximum);
  const xmin = num(s.exclusiveMinimum);
  const xmax = num(s.exclusiveMaximum);
  if (min !== undefined) parts.push(`>= ${min}`);
  if (xmin !== undefined) parts.push(`> ${xmin}`);
  if (max !== undefined) parts.push(`<= ${max}`);
  if (xmax !== undefined) parts.push(`< ${xmax}`);
  const mult = num(s.multipleOf);
  if (mult !== undefined) parts.push(`a multiple of ${mult}`);
  return parts.length === 0 ? '' : ` ${parts.join(' and ')}`;
}

function lengths(s: Loose, unit: string): string {
  const min = num(s.minLength) ?? num(s.minItems);
  const max = num(s.maxLength) ?? num(s.maxItems);
  if (min !== undefined && max !== undefined) return min === max ? ` of exactly ${min} ${unit}` : ` of ${min}-${max} ${unit}`;
  if (max !== undefined) return ` of at most ${max} ${unit}`;
  if (min !== undefined) return min === 1 && unit === 'characters' ? ' (non-empty)' : ` of at least ${min} ${unit}`;
  return '';
}

/** What a value must be to satisfy `schema`, as a phrase. */
export function describeSchema(schema: TSchema): string {
  const s = schema as Loose;
  if (typeof s['x-expected'] === 'string') return s['x-expected'];
  switch (s[Kind]) {
    case 'Literal':
      return JSON.stringify(s.const);
    case 'Union': {
      const variants = (s.anyOf as TSchema[] | undefined) ?? [];
      if (variants.length > 0 && variants.every((v) => (v as Loose)[Kind] === 'Literal')) {
        return `one of ${variants.map((v) => JSON.stringify((v as Loose).const)).join(', ')}`;
      }
      return [...new Set(variants.map(describeSchema))].join(' or ');
    }
    case 'String': {
      const pattern = typeof s.pattern === 'string' ? ` matching /${s.pattern}/` : '';
      const format = typeof s.format === 'string' ? ` in ${s.format} format` : '';
      return `a string${lengths(s, 'characters')}${format}${pattern}`;
    }
    case 'Number':
      return `a number${range(s)}`;
    case 'Integer':
      return `an integer${range(s)}`;
    case 'Boolean':
      return 'a boolean';
    case 'Null':
      return 'null';
    case 'Array':
    case 'Tuple':
      return `an array${lengths(s, 'items')}`;
    case 'Object':
    case 'Record':
      return 'an object';
    case 'Never':
      return 'no value';
    default:
      return 'a valid value';
  }
}

/** The phrase for one TypeBox error. */
export function describeExpected(e: ValueError): string {
  if (e.type === ValueErrorType.ObjectAdditionalProperties) {
    const known = Object.keys(((e.schema as Loose).properties as Record<string, unknown> | undefined) ?? {});
    return known.length > 0 ? `no such field (known fields: ${known.join(', ')})` : 'no such field';
  }
  return describeSchema(e.schema);
}

/** Failures where the number itself says more than its type: out of range, not an allowed value. */
const SHOW_NUMBER = new Set<ValueErrorType>([
  ValueErrorType.NumberMinimum, ValueErrorType.NumberMaximum, ValueErrorType.NumberExclusiveMinimum, ValueErrorType.NumberExclusiveMaximum, ValueErrorType.NumberMultipleOf,
  ValueErrorType.IntegerMinimum, ValueErrorType.IntegerMaximum, ValueErrorType.IntegerExclusiveMinimum, ValueErrorType.IntegerExclusiveMaximum, ValueErrorType.IntegerMultipleOf,
  ValueErrorType.Literal,
]);

/** Errors that say the value has the wrong type, as opposed to a right-typed value breaking a constraint. */
const WRONG_TYPE = new Set<ValueErrorType>([
  ValueErrorType.Array, ValueErrorType.BigInt, ValueErrorType.Boolean, ValueErrorType.Integer, ValueErrorType.Literal, ValueErrorType.Null,
  ValueErrorType.Number, ValueErrorType.Object, ValueErrorType.String, ValueErrorType.Tuple, ValueErrorType.Undefined, ValueErrorType.Union,
]);

/** What was received: its type; a string of the wrong length says its length, a number out of range its value. */
export function describeReceived(e: ValueError): string {
  if (e.type === ValueErrorType.Union) {
    // A value of the right type for one variant that breaks its constraint: describe that failure.
    for (const first of variantFirsts(e)) {
      if (first && first.path === e.path && !WRONG_TYPE.has(first.type)) return describeReceived(first);
    }
    const literals = ((e.schema as Loose).anyOf as Loose[] | undefined)?.every((v) => v[Kind] === 'Literal');
    if (literals && (typeof e.value === 'number' || typeof e.value === 'boolean')) return String(e.value);
  }
  const v = e.value;
  if (typeof v === 'string' && (e.type === ValueErrorType.StringMaxLength || e.type === ValueErrorType.StringMinLength)) return `a string of ${v.length} characters`;
  if (typeof v === 'string' && e.type === ValueErrorType.StringPattern) {
    const at = v.search(/[\u0000-\u001f\u007f]/);
    if (at >= 0) return `a string with control character U+${v.charCodeAt(at).toString(16).toUpperCase().padStart(4, '0')} at index ${at}`;
  }
  if (v === undefined) return 'missing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number' && (!Number.isFinite(v) || SHOW_NUMBER.has(e.type))) return String(v);
  return typeof v;
}

/** Each union variant's first error; the iterators are single-use, so the result is kept. */
const firsts = new WeakMap<ValueError, Array<ValueError | undefined>>();
function variantFirsts(e: ValueError): Array<ValueError | undefined> {
  let out = firsts.get(e);
  if (!out) {
    out = e.errors.map((it) => it.First());
    firsts.set(e, out);
  }
  return out;
}

/**
 * A union failure says only that no variant matched. When a variant matched the value's
 * shape and failed deeper inside it (an object variant with a bad field), that deeper
 * failure is the useful one; otherwise the union itself is reported with its variants.
 */
export function pickUnionError(e: ValueError): ValueError {
  if (e.type !== ValueErrorType.Union || e.errors.length === 0) return e;
  let best: ValueError | undefined;
  for (const first of variantFirsts(e)) {
    if (first && first.path.length > e.path.length && (!best || first.path.length > best.path.length)) best = first;
  }
  return best ? pickUnionError(best) : e;
}
