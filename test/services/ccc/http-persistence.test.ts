import { Database } from 'bun:sqlite';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'bun:test';
import { addTurn, bearer, body, expectError, newSession, startCcc, startConversation, testClock, type Json } from './helpers.ts';

describe('storage survives a restart', () => {
  test('sessions, tokens, conversations, search, summaries and agent state are all there after a restart', async () => {
    const first = await startCcc();
    const s = await newSession(first);
    const c = await startConversation(first, s, 'Persist the python notes', { use_context: false });
    await addTurn(first, s, c.conversation_id as string, 'codey', 'Notes about python generators');
    await first.call('PUT', `/api/v2/sessions/${s.id}/context/summary`, { summary: 'kept', key_topics: ['python'] }, bearer(s.token));
    await first.call('PUT', `/api/v2/sessions/${s.id}/agents/codey/state`, { state_updates: { personality_traits: { pragmatism: 0.3 } } }, bearer(s.token));
    const read = async (svc: typeof first) => ({
      session: await body(await svc.call('GET', `/api/v2/sessions/${s.id}`, undefined, bearer(s.token))),
      conv: await body(await svc.call('GET', `/api/v2/conversations/${c.conversation_id}`, undefined, bearer(s.token))),
      search: ((await body(await svc.call('POST', `/api/v2/sessions/${s.id}/context/search`, { query: 'python generators' }, bearer(s.token)))).results as Json[]).map((r) => r.turn_id),
      ctx: await body(await svc.call('GET', `/api/v2/sessions/${s.id}/context`, undefined, bearer(s.token))),
      state: await body(await svc.call('GET', `/api/v2/sessions/${s.id}/agents/codey/state`, undefined, bearer(s.token))),
    });
    const before = await read(first);
    const mode = statSync(join(first.dataDir, 'ccc', 'token-secret')).mode & 0o777;
    await first.stop({ keepData: true });
    const second = await startCcc({ dataDir: first.dataDir });
    try {
      const after = await read(second);
      expect({ ...after, session: { ...after.session, last_active: null } }).toEqual({ ...before, session: { ...before.session, last_active: null } });
      expect(after.search.length).toBe(2);
      expect(mode).toBe(0o600);
    } finally {
      await second.stop();
    }
  });

  test('CCC_TOKEN_SECRET signs tokens instead of the file; a different secret refuses them', async () => {
    const a = await startCcc({ env: { CCC_TOKEN_SECRET: 'one-secret-that-is-long-enough' } });
    const s = await newSession(a);
    await a.stop({ keepData: true });
    const b = await startCcc({ dataDir: a.dataDir, env: { CCC_TOKEN_SECRET: 'another-secret-long-enough-too' } });
    try {
      await expectError(await b.call('GET', `/api/v2/sessions/${s.id}`, undefined, bearer(s.token)), 401, 'INVALID_SESSION_TOKEN');
    } finally {
      await b.stop({ keepData: true });
    }
    const c = await startCcc({ dataDir: a.dataDir, env: { CCC_TOKEN_SECRET: 'one-secret-that-is-long-enough' } });
    try {
      expect((await c.call('GET', `/api/v2/sessions/${s.id}`, undefined, bearer(s.token))).status).toBe(200);
    } finally {
      await c.stop();
    }
  });

  test('an export a restart interrupted is run again on start', async () => {
    const first = await startCcc();
    const s = await newSession(first);
    await startConversation(first, s, 'exported after restart', { use_context: false });
    await first.stop({ keepData: true });
    const db = new Database(join(first.dataDir, 'ccc.sqlite'));
    db.run(`INSERT INTO exports (id, session_id, format, options, status, created_at, estimated_completion, expires_at)
            VALUES ('export_00000000000000bb', ?, 'jsonl', '{"include_metadata":true,"include_agent_states":false,"start":0,"end":9007199254740991,"time_range":null}', 'processing', 0, 0, 4102444800000)`, [s.id]);
    db.close();
    const second = await startCcc({ dataDir: first.dataDir });
    try {
      let status = '';
      for (let i = 0; i < 100 && status !== 'completed'; i++) {
        status = (await body(await second.call('GET', '/api/v2/exports/export_00000000000000bb', undefined, bearer(s.token)))).status as string;
        if (status !== 'completed') await Bun.sleep(5);
      }
      expect(status).toBe('completed');
      const text = await (await second.call('GET', '/api/v2/exports/export_00000000000000bb/download', undefined, bearer(s.token))).text();
      expect(text).toContain('exported after restart');
    } finally {
      await second.stop();
    }
  });
});

describe('retention', () => {
  test('conversations idle past memory_retention_days are purged in the background, with their turns, index entries and counts', async () => {
    const clock = testClock(Date.UTC(2024, 0, 1, 0, 0, 0));
    // purgeBatch 2: the 5-turn conversation goes in three slices.
    const svc = await startCcc({ now: clock.now, options: { purgeIntervalMs: 10, purgeBatch: 2, tokenTtlSeconds: 30 * 86_400 } });
    try {
      const s = await newSession(svc, { user_preferences: { memory_retention_days: 2 } });
      const keep = await newSession(svc, { user_preferences: { memory_retention_days: 30 } });
      const old = await startConversation(svc, s, 'old topic about quasars', { use_context: false });
      await addTurn(svc, s, old.conversation_id as string, 'codey', 'quasars are bright');
      for (let i = 0; i < 3; i++) await addTurn(svc, s, old.conversation_id as string, 'beatrice', `more on quasars ${i}`);
      const kept = await startConversation(svc, keep, 'quasars kept for a month', { use_context: false });
      clock.advance(2 * 86_400_000 - 60_000);
      const recent = await startConversation(svc, s, 'recent topic about quasars', { use_context: false });
      clock.advance(120_000); // the old conversation is now 2 days and 1 minute idle
      let gone = false;
      for (let i = 0; i < 100 && !gone; i++) {
        await Bun.sleep(10);
        gone = (await svc.call('GET', `/api/v2/conversations/${old.conversation_id}`, undefined, bearer(s.token))).status === 404;
      }
      expect(gone).toBe(true);
      expect((await svc.call('GET', `/api/v2/conversations/${recent.conversation_id}`, undefined, bearer(s.token))).status).toBe(200);
      expect((await svc.call('GET', `/api/v2/conversations/${kept.conversation_id}`, undefined, bearer(keep.token))).status).toBe(200);
      const session = await body(await svc.call('GET', `/api/v2/sessions/${s.id}`, undefined, bearer(s.token)));
      expect([session.conversation_count, session.total_turns]).toEqual([1, 1]);
      const analytics = await body(await svc.call('GET', `/api/v2/sessions/${s.id}/analytics`, undefined, bearer(s.token)));
      // What is left is exactly the recent conversation: its directive, stored twice (conversation and turn 1 with its metadata).
      const left = 2 * Buffer.byteLength('recent topic about quasars') + Buffer.byteLength(JSON.stringify({ user_input: true }));
      expect(((analytics.analytics as Json).basis as Json).storage_bytes).toBe(left);
      const found = await body(await svc.call('POST', `/api/v2/sessions/${s.id}/context/search`, { query: 'quasars' }, bearer(s.token)));
      expect((found.results as Json[]).map((r) => r.conversation_id)).toEqual([recent.conversation_id]);
      const db = new Database(join(svc.dataDir, 'ccc.sqlite'), { readonly: true });
      const leftovers = db.query<{ n: number }, []>("SELECT count(*) AS n FROM turns WHERE content LIKE '%bright%'").get()!.n;
      db.close();
      expect(leftovers).toBe(0);
    } finally {
      await svc.stop();
    }
  });
});
