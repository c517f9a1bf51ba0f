import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import type { TestService } from '../../helpers.ts';
import { addTurn, bearer, body, newSession, startCcc, startConversation, testClock, type Json, type Session } from './helpers.ts';

const clock = testClock();
let svc: TestService;

beforeAll(async () => {
  svc = await startCcc({ now: clock.now });
});
afterAll(() => svc.stop());

const analytics = async (s: Session): Promise<Json> => {
  const res = await svc.call('GET', `/api/v2/sessions/${s.id}/analytics`, undefined, bearer(s.token));
  expect(res.status).toBe(200);
  const b = await body(res);
  expect(b.session_id).toBe(s.id);
  return b.analytics as Json;
};

describe('memory analytics', () => {
  test('a new session has zero counts and null for every rate that has nothing to be computed from', async () => {
    const s = await newSession(svc);
    expect(await analytics(s)).toEqual({
      memory_usage: { total_conversations: 0, total_turns: 0, storage_size_mb: 0, oldest_conversation: null },
      interaction_patterns: { average_conversation_length: null, most_active_agent: null, preferred_topics: [], response_satisfaction: null },
      context_effectiveness: { context_utilization_rate: null, relevance_accuracy: null, context_hit_rate: null },
      basis: { storage_bytes: 0, turns_by_agent: {}, feedback_count: 0, context_lookups: 0, context_items_served: 0, chat_completions: 0 },
    });
  });

  test('every figure follows from what was stored and asked', async () => {
    clock.set(Date.UTC(2024, 0, 1, 8, 0, 0));
    const s = await newSession(svc);
    const sent: { text: string; meta?: Json }[] = [];
    const start = async (directive: string, extra: Json = {}) => {
      sent.push({ text: directive, meta: { user_input: true } }, { text: directive }); // the directive is stored twice: conversation and turn 1
      return (await startConversation(svc, s, directive, extra)).conversation_id as string;
    };
    const turn = async (c: string, agent: string, text: string) => {
      sent.push({ text, meta: {} });
      return (await addTurn(svc, s, c, agent, text)).turn_id as string;
    };
    const c1 = await start('Optimise the python sorting algorithm', { use_context: false }); // lookups: none
    clock.set(Date.UTC(2024, 0, 1, 9, 0, 0));
    await turn(c1, 'beatrice', 'Profile the python sorting first');
    const t = await turn(c1, 'codey', 'Here is a faster python sorting routine');
    await turn(c1, 'codey', 'And a benchmark for it');
    const c2 = await start('Optimise the python sorting algorithm again'); // lookup 1: finds c1
    await start('Unrelated question about gardening'); // lookup 2: finds nothing
    const search = await body(await svc.call('POST', `/api/v2/sessions/${s.id}/context/search`, { query: 'python sorting' }, bearer(s.token))); // lookup 3
    for (const r of [1, 0.5, 0]) await svc.call('POST', `/api/v2/sessions/${s.id}/agents/codey/feedback`, { rating: r, turn_id: t }, bearer(s.token));
    await turn(c2, 'beatrice', 'Noted');

    const a = await analytics(s);
    const bytes = sent.reduce((n, x) => n + Buffer.byteLength(x.text) + (x.meta ? Buffer.byteLength(JSON.stringify(x.meta)) : 0), 0);
    const mu = a.memory_usage as Json;
    expect(mu).toEqual({ total_conversations: 3, total_turns: 7, storage_size_mb: Math.round((bytes / 1_048_576) * 1e6) / 1e6, oldest_conversation: '2024-01-01T08:00:00Z' });
    expect((a.basis as Json).storage_bytes).toBe(bytes);
    const ip = a.interaction_patterns as Json;
    expect(ip.average_conversation_length).toBe(2.33); // 7 turns over 3 conversations
    expect(ip.most_active_agent).toBe('wykeve'); // 3 directives; beatrice 2, codey 2
    expect((ip.preferred_topics as string[]).slice(0, 2)).toEqual(['python', 'sorting']);
    expect(ip.response_satisfaction).toBe(0.5);
    const ce = a.context_effectiveness as Json;
    // "again" is a stop word, so c2's directive has exactly c1's terms (Jaccard 1), and c1 was last active at 9:00 (decay 1).
    const firstScore = 1;
    const searchScores = (search.results as Json[]).map((r) => r.relevance_score as number);
    expect(ce.context_hit_rate).toBe(Math.round((2 / 3) * 10_000) / 10_000);
    expect(ce.relevance_accuracy).toBe(Math.round(((firstScore + searchScores.reduce((x, y) => x + y, 0)) / (1 + searchScores.length)) * 10_000) / 10_000);
    expect(ce.context_utilization_rate).toBeNull(); // no chat completions yet
    expect(a.basis).toEqual({ storage_bytes: bytes, turns_by_agent: { wykeve: 3, beatrice: 2, codey: 2 }, feedback_count: 3, context_lookups: 3, context_items_served: 1 + searchScores.length, chat_completions: 0 });
  });

  test('context utilisation is the share of chat completions whose prompt carried stored memory', async () => {
    const s = await newSession(svc);
    const chat = (content: string, useContext: boolean) => svc.call('POST', '/v2/chat/completions', { messages: [{ role: 'user', content }], memory_options: { use_context: useContext } }, bearer(s.token));
    expect((await chat('first question about rust lifetimes', true)).status).toBe(200); // nothing stored yet: no context
    expect((await chat('second question about rust lifetimes', true)).status).toBe(200); // finds the first
    expect((await chat('third, without memory', false)).status).toBe(200);
    const ce = (await analytics(s)).context_effectiveness as Json;
    expect(ce.context_utilization_rate).toBe(Math.round((1 / 3) * 10_000) / 10_000);
  });
});
