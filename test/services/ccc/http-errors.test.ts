/** The bad-input list: each gets its status and code, and nothing half-stored. */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import type { TestService } from '../../helpers.ts';
import { bearer, body, expectError, newSession, startCcc, startConversation, testClock, type Json, type Session } from './helpers.ts';

const clock = testClock();
let svc: TestService;
let a: Session;
let b: Session;
let conv = '';

beforeAll(async () => {
  svc = await startCcc({ now: clock.now, options: { sessionQuotaBytes: 4000 } });
  a = await newSession(svc);
  b = await newSession(svc);
  conv = (await startConversation(svc, a, 'Session A work', { use_context: false })).conversation_id as string;
});
afterAll(() => svc.stop());

const counts = async (s: Session): Promise<[number, number]> => {
  const x = await body(await svc.call('GET', `/api/v2/sessions/${s.id}`, undefined, bearer(s.token)));
  return [x.conversation_count as number, x.total_turns as number];
};

describe('malformed and mistyped requests', () => {
  test('malformed JSON is 400 INVALID_REQUEST', async () => {
    const before = await counts(a);
    await expectError(await svc.call('POST', `/api/v2/conversations/${conv}/turns`, '{"agent": "codey", "content": ', bearer(a.token)), 400, 'INVALID_REQUEST');
    expect(await counts(a)).toEqual(before);
  });

  test('a missing directive is 400 naming the field, and no conversation is created', async () => {
    const before = await counts(a);
    const e = await expectError(await svc.call('POST', '/api/v2/conversations', { session_id: a.id }, bearer(a.token)), 400, 'INVALID_REQUEST');
    expect((e.details as Json).field).toBe('directive');
    expect(await counts(a)).toEqual(before);
  });

  test('a wrong-typed field is 400 naming the field and what it got', async () => {
    const before = await counts(a);
    const e = await expectError(await svc.call('POST', `/api/v2/conversations/${conv}/turns`, { agent: 'codey', content: 42 }, bearer(a.token)), 400, 'INVALID_REQUEST');
    expect(e.details).toMatchObject({ field: 'content', received: 'number' });
    await expectError(await svc.call('PUT', `/api/v2/sessions/${a.id}/preferences`, { context_depth: '10' }, bearer(a.token)), 400, 'INVALID_REQUEST');
    expect(await counts(a)).toEqual(before);
  });

  test('out-of-range and misspelt preferences are 400 and leave preferences as they were', async () => {
    for (const p of [{ memory_retention_days: 0 }, { memory_retention_days: 99_999 }, { context_depth: 0 }, { context_depth: 2.5 }, { memory_retention_day: 5 }, {}]) {
      await expectError(await svc.call('PUT', `/api/v2/sessions/${a.id}/preferences`, p, bearer(a.token)), 400, 'INVALID_REQUEST');
    }
    await expectError(await svc.call('POST', '/api/v2/sessions', { user_preferences: { memory_retention_days: -1 } }), 400, 'INVALID_REQUEST');
    const x = await body(await svc.call('GET', `/api/v2/sessions/${a.id}`, undefined, bearer(a.token)));
    expect(x.user_preferences).toEqual({ memory_retention_days: 30, context_depth: 10, auto_summarize: true });
  });

  test('a non-JSON content type is 415; an unknown route 404; a wrong method 405, all in the envelope', async () => {
    await expectError(await svc.call('POST', '/api/v2/conversations', 'directive=x', { ...bearer(a.token), 'Content-Type': 'application/x-www-form-urlencoded' }), 415, 'UNSUPPORTED_MEDIA_TYPE');
    await expectError(await svc.call('GET', '/api/v2/nothing-here'), 404, 'NOT_FOUND');
    await expectError(await svc.call('DELETE', `/api/v2/conversations/${conv}`, undefined, bearer(a.token)), 405, 'METHOD_NOT_ALLOWED');
  });
});

describe('unknown ids', () => {
  test('an unknown session id is 404 SESSION_NOT_FOUND', async () => {
    const e = await expectError(await svc.call('GET', '/api/v2/sessions/sess_0000000000000000', undefined, bearer(a.token)), 404, 'SESSION_NOT_FOUND');
    expect((e.details as Json).session_id).toBe('sess_0000000000000000');
    await expectError(await svc.call('POST', '/api/v2/conversations', { session_id: 'sess_0000000000000000', directive: 'x' }, bearer(a.token)), 404, 'SESSION_NOT_FOUND');
  });

  test('an unknown conversation id is 404 CONVERSATION_NOT_FOUND for reads, turns and chat', async () => {
    const before = await counts(a);
    await expectError(await svc.call('GET', '/api/v2/conversations/conv_0000000000000000', undefined, bearer(a.token)), 404, 'CONVERSATION_NOT_FOUND');
    await expectError(await svc.call('POST', '/api/v2/conversations/conv_0000000000000000/turns', { agent: 'codey', content: 'x' }, bearer(a.token)), 404, 'CONVERSATION_NOT_FOUND');
    await expectError(await svc.call('POST', '/v2/chat/completions', { conversation_id: 'conv_0000000000000000', messages: [{ role: 'user', content: 'x' }] }, bearer(a.token)), 404, 'CONVERSATION_NOT_FOUND');
    expect(await counts(a)).toEqual(before);
  });

  test('an unknown export id is 404 EXPORT_NOT_FOUND', async () => {
    await expectError(await svc.call('GET', '/api/v2/exports/export_0000000000000000', undefined, bearer(a.token)), 404, 'EXPORT_NOT_FOUND');
  });
});

describe('tokens', () => {
  test('a missing, malformed or non-bearer Authorization is 401 INVALID_SESSION_TOKEN', async () => {
    await expectError(await svc.call('GET', `/api/v2/sessions/${a.id}`), 401, 'INVALID_SESSION_TOKEN');
    await expectError(await svc.call('GET', `/api/v2/sessions/${a.id}`, undefined, { Authorization: `Basic ${a.token}` }), 401, 'INVALID_SESSION_TOKEN');
    await expectError(await svc.call('GET', `/api/v2/sessions/${a.id}`, undefined, bearer('sess_1234567890abcdef')), 401, 'INVALID_SESSION_TOKEN');
  });

  test('a tampered token (payload or signature) is 401 INVALID_SESSION_TOKEN', async () => {
    const [h, p, sig] = a.token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Json;
    const forged = Buffer.from(JSON.stringify({ ...claims, session_token: b.id })).toString('base64url');
    await expectError(await svc.call('GET', `/api/v2/sessions/${b.id}`, undefined, bearer(`${h}.${forged}.${sig}`)), 401, 'INVALID_SESSION_TOKEN');
    const flipped = sig.slice(0, -2) + (sig.at(-2) === 'A' ? 'B' : 'A') + sig.at(-1);
    await expectError(await svc.call('GET', `/api/v2/sessions/${a.id}`, undefined, bearer(`${h}.${p}.${flipped}`)), 401, 'INVALID_SESSION_TOKEN');
    const none = Buffer.from('{"typ":"JWT","alg":"none"}').toString('base64url');
    await expectError(await svc.call('GET', `/api/v2/sessions/${a.id}`, undefined, bearer(`${none}.${p}.`)), 401, 'INVALID_SESSION_TOKEN');
  });

  test('a token signed by another server (another secret) is 401 INVALID_SESSION_TOKEN', async () => {
    const other = await startCcc();
    try {
      const foreign = await newSession(other);
      await expectError(await svc.call('GET', `/api/v2/sessions/${foreign.id}`, undefined, bearer(foreign.token)), 401, 'INVALID_SESSION_TOKEN');
    } finally {
      await other.stop();
    }
  });

  test('an expired token is 401 SESSION_EXPIRED with the expiry time, and its writes store nothing', async () => {
    const s = await newSession(svc, { token_ttl_seconds: 60 });
    const c = await startConversation(svc, s, 'short-lived', { use_context: false });
    clock.advance(61_000);
    const e = await expectError(await svc.call('POST', `/api/v2/conversations/${c.conversation_id}/turns`, { agent: 'codey', content: 'late' }, bearer(s.token)), 401, 'SESSION_EXPIRED');
    expect((e.details as Json).session_id).toBe(s.id);
    expect((e.details as Json).expired_at).toMatch(/Z$/);
    const fresh = (await body(await svc.call('POST', `/api/v2/sessions/${a.id}/tokens`, {}, bearer(a.token)))).token as string;
    expect(fresh).not.toBe(a.token);
    clock.advance(-61_000);
    expect((await body(await svc.call('GET', `/api/v2/conversations/${c.conversation_id}`, undefined, bearer(s.token)))).turn_count).toBe(1);
  });

  test("another session's token never opens this session's data, and writes through it store nothing", async () => {
    const before = await counts(a);
    const x = bearer(b.token);
    await expectError(await svc.call('GET', `/api/v2/sessions/${a.id}`, undefined, x), 401, 'INVALID_SESSION_TOKEN');
    await expectError(await svc.call('GET', `/api/v2/sessions/${a.id}/context`, undefined, x), 401, 'INVALID_SESSION_TOKEN');
    await expectError(await svc.call('POST', `/api/v2/sessions/${a.id}/context/search`, { query: 'work' }, x), 401, 'INVALID_SESSION_TOKEN');
    await expectError(await svc.call('GET', `/api/v2/sessions/${a.id}/analytics`, undefined, x), 401, 'INVALID_SESSION_TOKEN');
    await expectError(await svc.call('GET', `/api/v2/sessions/${a.id}/agents/beatrice/state`, undefined, x), 401, 'INVALID_SESSION_TOKEN');
    await expectError(await svc.call('PUT', `/api/v2/sessions/${a.id}/context/summary`, { summary: 'hijacked' }, x), 401, 'INVALID_SESSION_TOKEN');
    await expectError(await svc.call('POST', `/api/v2/sessions/${a.id}/export`, {}, x), 401, 'INVALID_SESSION_TOKEN');
    await expectError(await svc.call('POST', `/api/v2/sessions/${a.id}/archive`, undefined, x), 401, 'INVALID_SESSION_TOKEN');
    // A's conversation does not exist as far as B's token is concerned.
    await expectError(await svc.call('GET', `/api/v2/conversations/${conv}`, undefined, x), 404, 'CONVERSATION_NOT_FOUND');
    await expectError(await svc.call('POST', `/api/v2/conversations/${conv}/turns`, { agent: 'codey', content: 'intrusion' }, x), 404, 'CONVERSATION_NOT_FOUND');
    await expectError(await svc.call('POST', '/v2/chat/completions', { session_id: a.id, messages: [{ role: 'user', content: 'intrusion' }] }, x), 401, 'INVALID_SESSION_TOKEN');
    await expectError(await svc.call('POST', '/v2/chat/completions', { conversation_id: conv, messages: [{ role: 'user', content: 'intrusion' }] }, x), 404, 'CONVERSATION_NOT_FOUND');
    expect(await counts(a)).toEqual(before);
    expect(await counts(b)).toEqual([0, 0]);
    const ctx = await body(await svc.call('GET', `/api/v2/sessions/${a.id}/context`, undefined, bearer(a.token)));
    expect(ctx.context_summary).not.toBe('hijacked');
  });
});

describe('turn content', () => {
  test('an unknown agent name is 400 naming the agents; v2 chat answers only as beatrice or codey', async () => {
    const before = await counts(a);
    const e = await expectError(await svc.call('POST', `/api/v2/conversations/${conv}/turns`, { agent: 'gandalf', content: 'x' }, bearer(a.token)), 400, 'INVALID_REQUEST');
    expect(e.details).toMatchObject({ field: 'agent', allowed: ['wykeve', 'beatrice', 'codey'] });
    const v2 = await expectError(await svc.call('POST', '/v2/chat/completions', { agent: 'wykeve', messages: [{ role: 'user', content: 'x' }] }, bearer(a.token)), 400, 'INVALID_REQUEST');
    expect((v2.details as Json).allowed).toEqual(['beatrice', 'codey']);
    expect(await counts(a)).toEqual(before);
  });

  test('an empty or blank turn is 400', async () => {
    const before = await counts(a);
    await expectError(await svc.call('POST', `/api/v2/conversations/${conv}/turns`, { agent: 'codey', content: '' }, bearer(a.token)), 400, 'INVALID_REQUEST');
    await expectError(await svc.call('POST', `/api/v2/conversations/${conv}/turns`, { agent: 'codey', content: ' \n\t ' }, bearer(a.token)), 400, 'INVALID_REQUEST');
    await expectError(await svc.call('POST', '/api/v2/conversations', { directive: '   ' }, bearer(a.token)), 400, 'INVALID_REQUEST');
    expect(await counts(a)).toEqual(before);
  });

  test('a 1 MB turn is 413 PAYLOAD_TOO_LARGE, whether it fits the body limit or not, and is not stored', async () => {
    const big = await newSession(svc);
    const c = await startConversation(svc, big, 'big turns', { use_context: false });
    const before = await counts(big);
    const e = await expectError(await svc.call('POST', `/api/v2/conversations/${c.conversation_id}/turns`, { agent: 'codey', content: 'x'.repeat(1_000_000) }, bearer(big.token)), 413, 'PAYLOAD_TOO_LARGE');
    expect((e.details as Json).limit_bytes).toBe(262_144);
    await expectError(await svc.call('POST', `/api/v2/conversations/${c.conversation_id}/turns`, { agent: 'codey', content: 'x'.repeat(1_100_000) }, bearer(big.token)), 413, 'PAYLOAD_TOO_LARGE');
    expect(await counts(big)).toEqual(before);
  });
});

describe('search input', () => {
  test('a relevance threshold outside 0..1 or max_results out of range is 400', async () => {
    const bad = [{ relevance_threshold: 1.5 }, { relevance_threshold: -0.1 }, { max_results: 0 }, { max_results: 101 }, { query: '' }, { query: undefined }];
    for (const p of bad) {
      await expectError(await svc.call('POST', `/api/v2/sessions/${a.id}/context/search`, { query: 'work', ...p }, bearer(a.token)), 400, 'INVALID_REQUEST');
    }
  });

  test('an inverted or unparsable time range is 400 naming the field', async () => {
    const inverted = await expectError(await svc.call('POST', `/api/v2/sessions/${a.id}/context/search`, { query: 'work', time_range: { start: '2024-01-02T00:00:00Z', end: '2024-01-01T00:00:00Z' } }, bearer(a.token)), 400, 'INVALID_REQUEST');
    expect((inverted.details as Json).field).toBe('time_range');
    const bad = await expectError(await svc.call('POST', `/api/v2/sessions/${a.id}/context/search`, { query: 'work', time_range: { start: 'yesterday' } }, bearer(a.token)), 400, 'INVALID_REQUEST');
    expect((bad.details as Json).field).toBe('time_range.start');
  });
});

describe('storage quota', () => {
  test('a write past the session quota is 413 STORAGE_QUOTA_EXCEEDED and nothing of it is stored', async () => {
    const s = await newSession(svc);
    const c = await startConversation(svc, s, 'quota', { use_context: false });
    let res: Response;
    let stored = 0;
    for (;;) {
      res = await svc.call('POST', `/api/v2/conversations/${c.conversation_id}/turns`, { agent: 'codey', content: 'y'.repeat(900) }, bearer(s.token));
      if (res.status !== 201) break;
      stored++;
    }
    const e = await expectError(res, 413, 'STORAGE_QUOTA_EXCEEDED');
    expect(e.details).toMatchObject({ session_id: s.id, quota_bytes: 4000 });
    expect(stored).toBe(4);
    const before = await counts(s);
    await expectError(await svc.call('POST', '/api/v2/conversations', { directive: 'z'.repeat(600) }, bearer(s.token)), 413, 'STORAGE_QUOTA_EXCEEDED');
    await expectError(await svc.call('POST', '/v2/chat/completions', { conversation_id: c.conversation_id, messages: [{ role: 'user', content: 'w'.repeat(700) }] }, bearer(s.token)), 413, 'STORAGE_QUOTA_EXCEEDED');
    expect(await counts(s)).toEqual(before);
    // Smaller writes that still fit are accepted.
    expect((await svc.call('POST', `/api/v2/conversations/${c.conversation_id}/turns`, { agent: 'codey', content: 'ok' }, bearer(s.token))).status).toBe(201);
  });
});

describe('language model failures', () => {
  test('an unreachable provider is 502 LLM_PROVIDER_ERROR and the chat stores nothing', async () => {
    const down = await startCcc({ configure: (cfg) => void Object.assign(cfg.llm, { provider: 'openai', baseUrl: 'http://127.0.0.1:9/v1', timeoutMs: 2000 }) });
    try {
      const s = await newSession(down);
      const c = await startConversation(down, s, 'will fail', { use_context: false });
      const e = await expectError(await down.call('POST', '/v2/chat/completions', { conversation_id: c.conversation_id, messages: [{ role: 'user', content: 'new message' }] }, bearer(s.token)), 502, 'LLM_PROVIDER_ERROR');
      expect((e.details as Json).provider).toBe('openai');
      await expectError(await down.call('POST', '/v2/chat/completions', { conversation_id: c.conversation_id, stream: true, messages: [{ role: 'user', content: 'new message' }] }, bearer(s.token)), 502, 'LLM_PROVIDER_ERROR');
      await expectError(await down.call('POST', '/v1/chat/completions', { messages: [{ role: 'user', content: 'x' }] }), 502, 'LLM_PROVIDER_ERROR');
      const turns = (await body(await down.call('GET', `/api/v2/conversations/${c.conversation_id}`, undefined, bearer(s.token)))).turns as Json[];
      expect(turns.length).toBe(1);
    } finally {
      await down.stop();
    }
  });
});

