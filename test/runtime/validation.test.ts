import { describe, expect, test } from 'bun:test';
import { Type } from '@sinclair/typebox';
import { compile, pointerToPath } from '../../src/runtime/validation.ts';

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
