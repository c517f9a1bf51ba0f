import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import type { TestService } from '../../helpers.ts';
import { addTurn, bearer, body, expectError, newSession, startCcc, startConversation, testClock, ISO_SECONDS, type Json } from './helpers.ts';

const clock = testClock(Date.UTC(2024, 0, 1, 10, 0, 0));
const at = (h: number, m: number, s = 0): void => clock.set(Date.UTC(2024, 0, 1, h, m, s));
let svc: TestService;

beforeAll(async () => {
  svc = await startCcc({ now: clock.now });
});
afterAll(() => svc.stop());

describe('session management, the spec examples in order', () => {
  let id = '';
  let token = '';

  test('create session answers 201 with a sess_ id, the creation time, a signed token and status active', async () => {
    at(10, 0);
    const res = await svc.call('POST', '/api/v2/sessions', {
      user_preferences: { memory_retention_days: 30, context_depth: 10, auto_summarize: true },
      initial_context: 'Optional context string',
    });
    expect(res.status).toBe(201);
    const b = await body(res);
    expect(b.session_id).toMatch(/^sess_[0-9a-f]{16}$/);
    expect(b.created_at).toBe('2024-01-01T10:00:00Z');
    expect(b.status).toBe('active');
    // The spec's token starts with this JWT header ({"typ":"JWT","alg":"HS256"}).
    expect(b.token).toStartWith('eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.');
    expect(b.expires_at).toBe('2024-01-02T10:00:00Z');
    expect(b.permissions).toEqual(['read', 'write', 'memory']);
    const claims = JSON.parse(Buffer.from((b.token as string).split('.')[1]!, 'base64url').toString()) as Json;
    expect(claims.session_token).toBe(b.session_id);
    expect(claims.expires_at).toBe('2024-01-02T10:00:00Z');
    expect(claims.permissions).toEqual(['read', 'write', 'memory']);
    id = b.session_id as string;
    token = b.token as string;
  });

  test('get session details reports counts from stored conversations and turns', async () => {
    const s = { id, token, created: {} };
    for (let c = 0; c < 5; c++) {
      at(11, c);
      const conv = await startConversation(svc, s, `Directive number ${c} about algorithms`, { use_context: false });
      // 5 directives + 42 added turns = the spec's 47.
      for (let t = 0; t < (c < 2 ? 9 : 8); t++) await addTurn(svc, s, conv.conversation_id as string, t % 2 ? 'codey' : 'beatrice', `turn ${t} of ${c}`);
    }
    at(12, 30);
    const res = await svc.call('GET', `/api/v2/sessions/${id}`, undefined, bearer(token));
    expect(res.status).toBe(200);
    expect(await body(res)).toEqual({
      session_id: id,
      created_at: '2024-01-01T10:00:00Z',
      last_active: '2024-01-01T12:30:00Z',
      conversation_count: 5,
      total_turns: 47,
      user_preferences: { memory_retention_days: 30, context_depth: 10, auto_summarize: true },
      status: 'active',
    });
  });

  test('update preferences returns the updated preferences and the update time, and they persist', async () => {
    at(12, 35);
    const res = await svc.call('PUT', `/api/v2/sessions/${id}/preferences`, { memory_retention_days: 60, context_depth: 15, auto_summarize: false }, bearer(token));
    expect(res.status).toBe(200);
    expect(await body(res)).toEqual({
      session_id: id,
      updated_preferences: { memory_retention_days: 60, context_depth: 15, auto_summarize: false },
      updated_at: '2024-01-01T12:35:00Z',
    });
    const partial = await svc.call('PUT', `/api/v2/sessions/${id}/preferences`, { context_depth: 12 }, bearer(token));
    expect(((await body(partial)).updated_preferences as Json)).toEqual({ memory_retention_days: 60, context_depth: 12, auto_summarize: false });
    const got = await body(await svc.call('GET', `/api/v2/sessions/${id}`, undefined, bearer(token)));
    expect(got.user_preferences).toEqual({ memory_retention_days: 60, context_depth: 12, auto_summarize: false });
  });

  test('archive answers the archive time and the number of conversations archived', async () => {
    at(12, 40);
    const res = await svc.call('POST', `/api/v2/sessions/${id}/archive`, undefined, bearer(token));
    expect(res.status).toBe(200);
    expect(await body(res)).toEqual({ session_id: id, status: 'archived', archived_at: '2024-01-01T12:40:00Z', conversations_archived: 5 });
  });

  test('an archived session stays readable but every write answers 409 SESSION_ARCHIVED and stores nothing', async () => {
    const got = await body(await svc.call('GET', `/api/v2/sessions/${id}`, undefined, bearer(token)));
    expect(got.status).toBe('archived');
    expect(got.archived_at).toBe('2024-01-01T12:40:00Z');
    const writes: [string, string, Json | undefined][] = [
      ['PUT', `/api/v2/sessions/${id}/preferences`, { context_depth: 3 }],
      ['POST', '/api/v2/conversations', { session_id: id, directive: 'new work' }],
      ['PUT', `/api/v2/sessions/${id}/context/summary`, { summary: 'x' }],
      ['PUT', `/api/v2/sessions/${id}/agents/beatrice/state`, { state_updates: { expertise_areas: ['x'] } }],
      ['POST', `/api/v2/sessions/${id}/archive`, undefined],
    ];
    for (const [method, path, payload] of writes) {
      const err = await expectError(await svc.call(method, path, payload, bearer(token)), 409, 'SESSION_ARCHIVED');
      expect((err.details as Json).session_id).toBe(id);
    }
    const after = await body(await svc.call('GET', `/api/v2/sessions/${id}`, undefined, bearer(token)));
    expect([after.conversation_count, after.total_turns, (after.user_preferences as Json).context_depth]).toEqual([5, 47, 12]);
  });
});

describe('session tokens', () => {
  test('created sessions get ids of sess_ and 16 hex digits, all distinct', async () => {
    const ids = new Set<string>();
    for (let i = 0; i < 5; i++) ids.add((await newSession(svc)).id);
    expect(ids.size).toBe(5);
    for (const x of ids) expect(x).toMatch(/^sess_[0-9a-f]{16}$/);
  });

  test('defaults fill missing preferences and an empty body is accepted', async () => {
    const res = await svc.call('POST', '/api/v2/sessions', '');
    expect(res.status).toBe(201);
    expect((await body(res)).user_preferences).toEqual({ memory_retention_days: 30, context_depth: 10, auto_summarize: true });
  });

  test('a token with read only can read but gets 403 INSUFFICIENT_PERMISSIONS on writes and memory', async () => {
    const s = await newSession(svc);
    const res = await svc.call('POST', `/api/v2/sessions/${s.id}/tokens`, { permissions: ['read'] }, bearer(s.token));
    expect(res.status).toBe(201);
    const issued = await body(res);
    expect(issued.permissions).toEqual(['read']);
    const ro = issued.token as string;
    expect((await svc.call('GET', `/api/v2/sessions/${s.id}`, undefined, bearer(ro))).status).toBe(200);
    const w = await expectError(await svc.call('PUT', `/api/v2/sessions/${s.id}/preferences`, { context_depth: 2 }, bearer(ro)), 403, 'INSUFFICIENT_PERMISSIONS');
    expect((w.details as Json).required).toBe('write');
    await expectError(await svc.call('GET', `/api/v2/sessions/${s.id}/context`, undefined, bearer(ro)), 403, 'INSUFFICIENT_PERMISSIONS');
    // and cannot mint itself a broader one
    await expectError(await svc.call('POST', `/api/v2/sessions/${s.id}/tokens`, { permissions: ['read', 'write'] }, bearer(ro)), 403, 'INSUFFICIENT_PERMISSIONS');
  });

  test('a revoked token is refused with 401 INVALID_SESSION_TOKEN while other tokens keep working', async () => {
    const s = await newSession(svc);
    const second = (await body(await svc.call('POST', `/api/v2/sessions/${s.id}/tokens`, {}, bearer(s.token)))).token as string;
    const res = await svc.call('DELETE', `/api/v2/sessions/${s.id}/tokens/current`, undefined, bearer(second));
    expect(res.status).toBe(200);
    expect((await body(res)).revoked).toBe(true);
    await expectError(await svc.call('GET', `/api/v2/sessions/${s.id}`, undefined, bearer(second)), 401, 'INVALID_SESSION_TOKEN');
    expect((await svc.call('GET', `/api/v2/sessions/${s.id}`, undefined, bearer(s.token))).status).toBe(200);
  });

  test('archiving withdraws write from the stored tokens: a new token minted afterwards cannot write either', async () => {
    const s = await newSession(svc);
    await svc.call('POST', `/api/v2/sessions/${s.id}/archive`, undefined, bearer(s.token));
    const minted = await body(await svc.call('POST', `/api/v2/sessions/${s.id}/tokens`, {}, bearer(s.token)));
    expect(minted.permissions).toEqual(['read', 'memory']);
  });

  test('every session time is ISO 8601 in whole seconds', async () => {
    const s = await newSession(svc);
    const got = await body(await svc.call('GET', `/api/v2/sessions/${s.id}`, undefined, bearer(s.token)));
    expect(got.created_at).toMatch(ISO_SECONDS);
    expect(got.last_active).toMatch(ISO_SECONDS);
  });
});
