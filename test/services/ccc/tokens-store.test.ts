import { describe, expect, test } from 'bun:test';
import { openMemoryDatabase } from '../../../src/runtime/db.ts';
import { TokenSigner } from '../../../src/services/ccc/tokens.ts';
import { CccStore } from '../../../src/services/ccc/store/index.ts';
import { MIGRATIONS } from '../../../src/services/ccc/store/schema.ts';
import { indexDocument, phrase } from '../../../src/services/ccc/store/search-index.ts';

describe('session tokens', () => {
  const signer = new TokenSigner('a-test-secret-of-enough-length');

  test('a signed token verifies and carries the spec token format', () => {
    const { token, claims } = signer.sign('sess_00000000000000ab', ['read', 'memory'], Date.UTC(2024, 0, 1, 10), Date.UTC(2024, 0, 1, 12));
    expect(claims).toMatchObject({ session_token: 'sess_00000000000000ab', expires_at: '2024-01-01T12:00:00Z', permissions: ['read', 'memory'] });
    const v = signer.verify(token);
    expect(v).toEqual({ ok: true, claims });
  });

  test('any change to a token, or another secret, fails verification', () => {
    const { token } = signer.sign('sess_00000000000000ab', ['read'], 0, 1000);
    const [h, p, s] = token.split('.') as [string, string, string];
    expect(signer.verify(`${h}.${p}x.${s}`).ok).toBe(false);
    expect(signer.verify(`${h}.${p}.${s.slice(1)}`).ok).toBe(false);
    expect(signer.verify(`${h}.${p}`).ok).toBe(false);
    expect(new TokenSigner('another-secret-of-enough-length').verify(token).ok).toBe(false);
    expect(() => new TokenSigner('short')).toThrow();
  });
});

describe('search index', () => {
  const store = new CccStore(openMemoryDatabase(MIGRATIONS));
  const k1 = '00000000000000a1';
  const k2 = '00000000000000a2';
  store.index.indexTurn(1, k1, ['python', 'function']);
  store.index.indexTurn(2, k1, ['python']);
  store.index.indexTurn(3, k2, ['python', 'function']);

  test('documents glue the session key to each term; a phrase is one quoted literal', () => {
    expect(indexDocument(k1, ['a', 'b'])).toBe(`${k1}a ${k1}b`);
    expect(phrase(k1, 'x"y')).toBe(`"${k1}x""y"`);
  });

  test("a lookup sees only its session's rows and counts the terms each holds", () => {
    const m = store.index.matchTurns(k1, ['python', 'function']);
    expect([...m.keys()].sort()).toEqual([1, 2]);
    expect(m.get(1)!.overlap).toBe(2);
    expect(m.get(2)!.overlap).toBe(1);
    expect(m.get(1)!.bm25).toBeLessThan(0);
    expect(store.index.matchTurns(k2, ['python']).size).toBe(1);
  });

  test('per-term BM25 scores add up to the OR query score', () => {
    const sum = store.index.matchTurns(k1, ['python', 'function']).get(1)!.bm25;
    const or = store.db.query<{ s: number }, [string]>('SELECT bm25(turn_index) AS s FROM turn_index WHERE turn_index MATCH ? AND rowid = 1').get(`${phrase(k1, 'python')} OR ${phrase(k1, 'function')}`)!.s;
    expect(sum).toBeCloseTo(or, 9);
  });

  test('top terms are counted per session', () => {
    expect(store.index.topTerms(k1, 5)).toEqual([{ term: 'python', turns: 2 }, { term: 'function', turns: 1 }]);
  });
});
