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

  test('a changed token, or another secret, fails verification', () => {
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
  store.db.exec('PRAGMA foreign_keys = ON'); // as openDatabase sets it on files
  const k1 = '00000000000000a1';
  const k2 = '00000000000000a2';
  const turn = (key: string, terms: string[], at: number): number => {
    const sessionId = `sess_${key}`;
    if (!store.sessions.get(sessionId)) {
      store.sessions.create({ id: sessionId, key, now: 0, prefs: { memory_retention_days: 1, context_depth: 1, auto_summarize: false }, initialContext: '' }, { hash: key, issuedAt: 0, expiresAt: 1, permissions: ['read'] });
    }
    const c = store.conversations.insertConversation({ id: `conv_${key}${at}`, sessionId, directive: 'd', termCount: 1, now: at, bytes: 1 });
    const { seq } = store.conversations.insertTurn({ id: `turn_${key}${at}`, conversationSeq: c, sessionId, agent: 'codey', content: terms.join(' '), metadata: '{}', now: at, termCount: terms.length, bytes: 1 });
    store.index.indexTurn(seq, key, terms);
    return seq;
  };
  const a = turn(k1, ['python', 'function'], 100);
  const b = turn(k1, ['python'], 200);
  turn(k2, ['python', 'function'], 300);

  test('documents glue the session key to each term; a phrase is one quoted literal', () => {
    expect(indexDocument(k1, ['a', 'b'])).toBe(`${k1}a ${k1}b`);
    expect(phrase(k1, 'x"y')).toBe(`"${k1}x""y"`);
  });

  test("a lookup sees only its session's rows, counts the terms each holds and carries its ranking data", () => {
    const hits = store.index.turns(k1, ['python', 'function'], 0, 1000).sort((x, y) => x.seq - y.seq);
    expect(hits.map((h) => [h.seq, h.overlap, h.at, h.termCount])).toEqual([[a, 2, 100, 2], [b, 1, 200, 1]]);
    expect(hits[0]!.bm25).toBeLessThan(hits[1]!.bm25);
    expect(store.index.turns(k2, ['python'], 0, 1000).length).toBe(1);
    expect(store.index.turns(k1, ['python'], 150, 1000).map((h) => h.seq)).toEqual([b]);
    expect(store.index.turns(k1, [], 0, 1000)).toEqual([]);
  });

  test("the lookup's BM25 equals FTS5's own bm25() for the OR of the query terms", () => {
    const q = `${phrase(k1, 'python')} OR ${phrase(k1, 'function')}`;
    const fts = new Map(store.db.query<{ rowid: number; s: number }, [string]>('SELECT rowid, bm25(turn_index) AS s FROM turn_index WHERE turn_index MATCH ?').all(q).map((r) => [r.rowid, r.s]));
    const ours = store.index.turns(k1, ['python', 'function'], 0, 1000);
    expect(ours.length).toBe(fts.size);
    for (const h of ours) expect(h.bm25).toBeCloseTo(fts.get(h.seq)!, 9);
  });

  test('deleting a conversation removes its turns from the index (cascade and trigger)', () => {
    const seq = turn(k1, ['ephemeral'], 400);
    expect(store.index.turns(k1, ['ephemeral'], 0, 1000).map((h) => h.seq)).toEqual([seq]);
    store.conversations.deleteConversation(store.conversations.get(`conv_${k1}400`)!.seq);
    expect(store.index.turns(k1, ['ephemeral'], 0, 1000)).toEqual([]);
    expect(store.index.topTerms(k1, 10).map((t) => t.term)).not.toContain('ephemeral');
  });

  test('a lookup with a minimum overlap returns exactly the rows of the full lookup that hold that many terms', () => {
    const k3 = '00000000000000a3';
    const words = ['alpha', 'beta', 'gamma', 'delta', 'omega', 'sigma'];
    let seed = 7;
    const rnd = () => ((seed = (seed * 1_103_515_245 + 12_345) & 0x7fffffff) / 0x7fffffff);
    for (let i = 0; i < 300; i++) turn(k3, words.filter((_, j) => rnd() < 0.15 + j * 0.12), 1000 + i);
    for (const q of [words, words.slice(0, 3), ['alpha', 'omega', 'sigma', 'beta']]) {
      for (let m = 1; m <= q.length; m++) {
        const full = store.index.turns(k3, q, 0, 1e9).filter((h) => h.overlap >= m).sort((x, y) => x.seq - y.seq);
        const pruned = store.index.turns(k3, q, 0, 1e9, m).sort((x, y) => x.seq - y.seq);
        expect(pruned).toEqual(full);
      }
    }
  });

  test('top terms are counted per session', () => {
    expect(store.index.topTerms(k1, 5)).toEqual([{ term: 'python', turns: 2 }, { term: 'function', turns: 1 }]);
  });

  test('index totals follow inserts and deletes (they are BM25 inputs)', () => {
    const totals = () => store.db.query<{ rows: number; tokens: number }, []>("SELECT rows, tokens FROM index_stats WHERE name = 'turn'").get();
    const recount = () => store.db.query<{ rows: number; tokens: number }, []>('SELECT count(*) AS rows, sum(term_count) AS tokens FROM turns WHERE term_count > 0').get();
    expect(totals()).toEqual(recount());
    store.conversations.deleteConversation(store.conversations.get(`conv_${k1}100`)!.seq);
    expect(totals()).toEqual(recount());
    expect(totals()!.rows).toBeGreaterThan(0);
  });
});
