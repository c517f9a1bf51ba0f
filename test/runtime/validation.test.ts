import { describe, expect, test } from 'bun:test';
import { Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import fc from 'fast-check';
import { MultiLine, SingleLine } from '../../src/runtime/text-schema.ts';
import { compile, fastCheck, issueMessage, pointerToPath } from '../../src/runtime/validation.ts';

const State = Type.Object({
  character: Type.Object({ hp: Type.Integer({ minimum: 0 }), name: Type.String() }),
  monsters: Type.Array(Type.Object({ distance: Type.Number({ minimum: 0 }) })),
  mode: Type.Optional(Type.String({ default: 'auto' })),
});
const v = compile(State);

describe('validation', () => {
  test('accepts a conforming value', () => {
    expect(v.firstIssue({ character: { hp: 5, name: 'a' }, monsters: [] })).toBeNull();
  });

  test('names a nested field path and what was expected', () => {
    const issue = v.firstIssue({ character: { hp: -1, name: 'a' }, monsters: [] });
    expect(issue?.field).toBe('character.hp');
    expect(issue?.expected).toContain('0');
  });

  test('names array element paths with brackets', () => {
    const issue = v.firstIssue({ character: { hp: 1, name: 'a' }, monsters: [{ distance: 1 }, { distance: 'far' }] });
    expect(issue?.field).toBe('monsters[1].distance');
    expect(issue?.received).toBe('string');
  });

  test('reports a missing required field as missing', () => {
    const issue = v.firstIssue({ monsters: [] });
    expect(issue?.field).toBe('character');
    expect(issue?.received).toBe('missing');
  });

  test('applies schema defaults', () => {
    const out = v.withDefaults({ character: { hp: 1, name: 'a' }, monsters: [] }) as { mode: string };
    expect(out.mode).toBe('auto');
  });

  test('converts JSON pointers to dotted paths', () => {
    expect(pointerToPath('')).toBe('(root)');
    expect(pointerToPath('/a/0/b~1c')).toBe('a[0].b/c');
  });

  test('compiles a schema once and reuses the checker', () => {
    expect(compile(State).check({ character: { hp: 1, name: 'a' }, monsters: [] })).toBe(true);
    expect(compile(State).check({})).toBe(false);
  });
});

describe('validation messages', () => {
  const Mood = Type.Union([Type.Literal('calm'), Type.Literal('uneasy')]);
  const Body = Type.Object({
    mood: Type.Optional(Mood),
    level: Type.Optional(Type.Integer({ minimum: 1, maximum: 99 })),
    dt: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 10 })),
    name: Type.Optional(Type.String({ maxLength: 8 })),
    event: Type.Optional(Type.Union([Type.Null(), Type.Object({ zone: Type.String({ minLength: 1 }) })])),
    where: Type.Optional(Type.Union([Type.String(), Type.Array(Type.Integer())])),
    spec: Type.Optional(Type.Object({ a: Type.Integer() }, { additionalProperties: false })),
  });
  const check = compile(Body);

  test('a literal union lists its allowed values', () => {
    const issue = check.firstIssue({ mood: 'angry' });
    expect(issue).toEqual({ field: 'mood', expected: 'one of "calm", "uneasy"', received: 'string' });
    expect(issueMessage(issue!)).toBe('Invalid field "mood": expected one of "calm", "uneasy", received string');
  });

  test('numbers name their range and show the value received', () => {
    expect(check.firstIssue({ level: 120 })).toEqual({ field: 'level', expected: 'an integer >= 1 and <= 99', received: '120' });
    expect(check.firstIssue({ level: 'x' })).toEqual({ field: 'level', expected: 'an integer >= 1 and <= 99', received: 'string' });
    expect(check.firstIssue({ dt: 0 })?.expected).toBe('a number > 0 and <= 10');
  });

  test('a string that is too long says its limit and its length', () => {
    expect(check.firstIssue({ name: 'abcdefghij' })).toEqual({ field: 'name', expected: 'a string of at most 8 characters', received: 'a string of 10 characters' });
  });

  test('a union of null and an object reports the failure inside the object', () => {
    expect(check.firstIssue({ event: { zone: '' } })).toEqual({ field: 'event.zone', expected: 'a string (non-empty)', received: 'a string of 0 characters' });
    expect(check.firstIssue({ event: 5 })).toEqual({ field: 'event', expected: 'null or an object', received: 'number' });
    expect(check.firstIssue({ mood: 3 })?.received).toBe('3');
    expect(compile(Type.Object({ n: Type.Union([Type.Literal(1), Type.Literal(2)]) })).firstIssue({ n: 3 })).toEqual({ field: 'n', expected: 'one of 1, 2', received: '3' });
  });

  test('a mixed union names each alternative', () => {
    expect(check.firstIssue({ where: true })?.expected).toBe('a string or an array');
  });

  test('an unknown field in a closed object lists the known ones', () => {
    expect(check.firstIssue({ spec: { a: 1, b: 2 } })).toEqual({ field: 'spec.b', expected: 'no such field (known fields: a)', received: 'number' });
  });

  test('a missing field reads as missing and says what it should be', () => {
    const issue = compile(Type.Object({ zone: Type.String() })).firstIssue({});
    expect(issueMessage(issue!)).toBe('Missing required field "zone": expected a string');
  });

  test('no message repeats the word "expected" or says "union value"', () => {
    for (const body of [{ mood: 1 }, { event: [] }, { where: 1 }, { spec: 'x' }, { level: 1.5 }]) {
      const text = issueMessage(check.firstIssue(body)!);
      expect(text).not.toMatch(/expected expected|union value/i);
    }
  });

  test('a schema can carry its own phrase', () => {
    const s = Type.String({ pattern: '^[a-z]+$', 'x-expected': 'lower-case letters' });
    expect(compile(Type.Object({ s })).firstIssue({ s: 'A' })?.expected).toBe('lower-case letters');
  });
});

describe('bounded text schemas', () => {
  const S = compile(Type.Object({ id: SingleLine(8, { minLength: 1 }), note: Type.Optional(MultiLine(20)) }));

  test('an id refuses control characters and says where the first one is', () => {
    expect(S.firstIssue({ id: 'ab\u0000c' })).toEqual({ field: 'id', expected: 'a string of 1-8 characters without control characters', received: 'a string with control character U+0000 at index 2' });
    expect(S.firstIssue({ id: 'a\tb' })?.field).toBe('id');
    expect(S.firstIssue({ id: 'a\u007fb' })?.field).toBe('id');
    expect(S.firstIssue({ id: 'ok-Ü' })).toBeNull();
  });

  test('multi-line text allows tab and newlines but not NUL or escape', () => {
    expect(S.firstIssue({ id: 'a', note: 'line 1\n\tline 2\r\n' })).toBeNull();
    expect(S.firstIssue({ id: 'a', note: 'bell\u0007' })?.received).toBe('a string with control character U+0007 at index 4');
    expect(S.firstIssue({ id: 'a', note: 'esc\u001b[31m' })?.field).toBe('note');
  });

  test('the maximum is enforced and named', () => {
    expect(S.firstIssue({ id: 'a'.repeat(9) })).toEqual({ field: 'id', expected: 'a string of 1-8 characters without control characters', received: 'a string of 9 characters' });
    expect(S.firstIssue({ id: 'a', note: 'x'.repeat(21) })?.expected).toBe('a string of at most 20 characters without control characters other than tab and newline');
  });
});

describe('closed objects without key arrays', () => {
  const Point = Type.Object({ x: Type.Number(), y: Type.Number() }, { additionalProperties: false });
  const Closed = Type.Object({
    id: Type.Integer(),
    name: Type.Optional(Type.String()),
    at: Point,
    tags: Type.Array(Type.Object({ k: Type.String(), v: Type.Optional(Type.Number()) }, { additionalProperties: false })),
  }, { additionalProperties: false });
  const reference = TypeCompiler.Compile(Closed);
  const fast = fastCheck(Closed);
  // Values near the schema: conforming ones and ones with an extra, missing or mistyped key at any depth.
  const key = fc.constantFrom('id', 'name', 'at', 'tags', 'x', 'y', 'k', 'v', 'extra', '__proto__', 'constructor');
  const leaf = fc.oneof(fc.integer(), fc.string({ maxLength: 3 }), fc.constant(null), fc.double());
  const point = fc.oneof(fc.record({ x: fc.integer(), y: fc.integer() }), fc.dictionary(key, leaf, { maxKeys: 3 }));
  const tag = fc.oneof(fc.record({ k: fc.string(), v: fc.integer() }, { requiredKeys: ['k'] }), fc.dictionary(key, leaf, { maxKeys: 3 }));
  const value = fc.tuple(
    fc.record({ id: fc.integer(), name: fc.string(), at: point, tags: fc.array(tag, { maxLength: 3 }) }, { requiredKeys: ['id', 'at', 'tags'] }),
    fc.dictionary(key, leaf, { maxKeys: 2 }),
  ).map(([base, extra]) => ({ ...base, ...extra }));

  test('the rewritten checker is used for closed objects', () => {
    expect(fast).not.toBeNull();
  });

  test('gives the same verdict as TypeBox on JSON values near the schema', () => {
    const verdicts = { true: 0, false: 0 };
    fc.assert(fc.property(value, (v) => {
      const json: unknown = JSON.parse(JSON.stringify(v));
      const want = reference.Check(json);
      verdicts[`${want}`]++;
      expect(fast!(json)).toBe(want);
    }), { numRuns: 1000 });
    // Both verdicts must have been exercised for the comparison to mean anything.
    expect(verdicts.true).toBeGreaterThan(50);
    expect(verdicts.false).toBeGreaterThan(50);
  });

  test('an extra key at any depth fails and a conforming value passes', () => {
    const ok = { id: 1, at: { x: 1, y: 2 }, tags: [{ k: 'a' }, { k: 'b', v: 2 }] };
    expect(fast!(ok)).toBe(true);
    expect(fast!({ ...ok, more: 1 })).toBe(false);
    expect(fast!({ ...ok, at: { x: 1, y: 2, z: 3 } })).toBe(false);
    expect(fast!({ ...ok, tags: [{ k: 'a', w: 1 }] })).toBe(false);
    expect(compile(Closed).firstIssue({ ...ok, tags: [{ k: 'a', w: 1 }] })?.field).toBe('tags[0].w');
  });
});
