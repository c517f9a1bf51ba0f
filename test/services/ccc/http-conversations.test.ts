import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import type { TestService } from '../../helpers.ts';
import { addTurn, bearer, body, newSession, startCcc, startConversation, testClock, type Json, type Session } from './helpers.ts';

const clock = testClock();
const at = (h: number, m: number, s = 0, day = 1): void => clock.set(Date.UTC(2024, 0, day, h, m, s));
let svc: TestService;
let s: Session;

beforeAll(async () => {
  svc = await startCcc({ now: clock.now });
  at(9, 0);
  s = await newSession(svc);
});
afterAll(() => svc.stop());

describe('start conversation', () => {
  let previous = '';

  test('the spec example returns the conversation with relevant context from an earlier, similar conversation', async () => {
    // Older than the 24 h decay window: identical words, but no longer relevant.
    clock.set(Date.UTC(2023, 11, 30, 12, 0, 0));
    await startConversation(svc, s, 'Create a Python function to calculate Fibonacci numbers', { use_context: false });
    at(11, 30);
    await startConversation(svc, s, 'Explain bubble sort algorithm', { use_context: false });
    at(12, 0);
    previous = (await startConversation(svc, s, 'Create a Python function for Fibonacci numbers', { use_context: false })).conversation_id as string;
    await addTurn(svc, s, previous, 'codey', 'def fib(n): return n if n < 2 else fib(n - 1) + fib(n - 2)');
    at(12, 45);
    const res = await svc.call('POST', '/api/v2/conversations', {
      session_id: s.id, directive: 'Create a Python function to calculate Fibonacci numbers', use_context: true, context_depth: 5,
    }, bearer(s.token));
    expect(res.status).toBe(201);
    const b = await body(res);
    expect(b.conversation_id).toMatch(/^conv_[0-9a-f]{16}$/);
    expect(b.session_id).toBe(s.id);
    expect(b.directive).toBe('Create a Python function to calculate Fibonacci numbers');
    expect(b.created_at).toBe('2024-01-01T12:45:00Z');
    const ctx = b.relevant_context as Json[];
    expect(ctx.length).toBe(1);
    expect(ctx[0]!.conversation_id).toBe(previous);
    // Jaccard {create,python,function,calculate,fibonacci,number} vs {create,python,function,fibonacci,number} = 5/6,
    // times the decay of 45 minutes since the previous conversation's last turn at 12:00.
    expect(ctx[0]!.relevance_score).toBe(Math.round((5 / 6) * (1 - 0.75 / 24) * 10_000) / 10_000);
    expect(ctx[0]!.summary).toBe('Discussion of "Create a Python function for Fibonacci numbers" (2 turns with wykeve, codey); last, codey: def fib(n): return n if n < 2 else fib(n - 1) + fib(n - 2)');
  });

  test('use_context false returns no relevant context', async () => {
    const b = await startConversation(svc, s, 'Create a Python function to calculate Fibonacci numbers', { use_context: false });
    expect(b.relevant_context).toEqual([]);
  });

  test('a relevance threshold above every score returns nothing; context_depth bounds the list', async () => {
    expect((await startConversation(svc, s, 'Create a Python function for Fibonacci numbers', { relevance_threshold: 0.99 })).relevant_context).toEqual([]);
    const two = (await startConversation(svc, s, 'Create a Python function for Fibonacci numbers', { context_depth: 2 })).relevant_context as Json[];
    expect(two.length).toBe(2);
    expect((two[0]!.relevance_score as number) >= (two[1]!.relevance_score as number)).toBe(true);
  });
});

describe('conversation history and turns', () => {
  test('the history example: the directive is turn 1 by wykeve, added turns follow with their metadata', async () => {
    at(12, 45);
    const c = await startConversation(svc, s, 'Create a Python function to calculate Fibonacci numbers', { use_context: false });
    at(12, 45, 15);
    await addTurn(svc, s, c.conversation_id as string, 'beatrice', "I'll analyze this directive for creating a Fibonacci function...", { model: 'gpt-4', temperature: 0.7, response_time_ms: 1240 });
    const res = await svc.call('GET', `/api/v2/conversations/${c.conversation_id}`, undefined, bearer(s.token));
    expect(res.status).toBe(200);
    const b = await body(res);
    const turns = b.turns as Json[];
    expect({ ...b, turns: undefined } as Json).toEqual({
      conversation_id: c.conversation_id, session_id: s.id, directive: 'Create a Python function to calculate Fibonacci numbers',
      created_at: '2024-01-01T12:45:00Z', updated_at: '2024-01-01T12:45:15Z', status: 'active', turn_count: 2, turns: undefined,
    });
    expect(turns.map((t) => ({ ...t, turn_id: typeof t.turn_id }) as Json)).toEqual([
      { turn_id: 'string', turn_number: 1, agent: 'wykeve', content: 'Create a Python function to calculate Fibonacci numbers', timestamp: '2024-01-01T12:45:00Z', metadata: { user_input: true } },
      { turn_id: 'string', turn_number: 2, agent: 'beatrice', content: "I'll analyze this directive for creating a Fibonacci function...", timestamp: '2024-01-01T12:45:15Z', metadata: { model: 'gpt-4', temperature: 0.7, response_time_ms: 1240 } },
    ]);
    expect(turns[0]!.turn_id).toBe(c.turn_id as string);
    for (const t of turns) expect(t.turn_id).toMatch(/^turn_[0-9a-f]{16}$/);
  });

  test('the add-turn example answers the stored turn with its number and stored: true', async () => {
    const c = await startConversation(svc, s, 'Create a Python function to calculate Fibonacci numbers', { use_context: false });
    await addTurn(svc, s, c.conversation_id as string, 'beatrice', 'analysis');
    at(12, 46);
    const res = await svc.call('POST', `/api/v2/conversations/${c.conversation_id}/turns`, {
      agent: 'beatrice', content: 'Based on the directive, I recommend...', metadata: { model: 'gpt-4', temperature: 0.7, max_tokens: 1000 },
    }, bearer(s.token));
    expect(res.status).toBe(201);
    const b = await body(res);
    expect(b.turn_id).toMatch(/^turn_[0-9a-f]{16}$/);
    expect({ ...b, turn_id: undefined } as Json).toEqual({
      turn_id: undefined, conversation_id: c.conversation_id, turn_number: 3, agent: 'beatrice', content: 'Based on the directive, I recommend...', timestamp: '2024-01-01T12:46:00Z', stored: true,
    });
  });

  test('turns added concurrently get distinct numbers in order of arrival, all stored', async () => {
    const c = await startConversation(svc, s, 'parallel work', { use_context: false });
    const replies = await Promise.all(Array.from({ length: 20 }, (_, i) => addTurn(svc, s, c.conversation_id as string, i % 2 ? 'codey' : 'beatrice', `turn ${i}`)));
    const numbers = replies.map((r) => r.turn_number as number).sort((a, b) => a - b);
    expect(numbers).toEqual(Array.from({ length: 20 }, (_, i) => i + 2));
    const history = await body(await svc.call('GET', `/api/v2/conversations/${c.conversation_id}`, undefined, bearer(s.token)));
    expect((history.turns as Json[]).map((t) => t.turn_number)).toEqual(Array.from({ length: 21 }, (_, i) => i + 1));
    expect(history.turn_count).toBe(21);
  });

  test('history pages with from_turn and limit', async () => {
    const c = await startConversation(svc, s, 'paging', { use_context: false });
    for (let i = 0; i < 5; i++) await addTurn(svc, s, c.conversation_id as string, 'codey', `t${i}`);
    const page = await body(await svc.call('GET', `/api/v2/conversations/${c.conversation_id}?from_turn=3&limit=2`, undefined, bearer(s.token)));
    expect((page.turns as Json[]).map((t) => [t.turn_number, t.content])).toEqual([[3, 't1'], [4, 't2']]);
    expect(page.turn_count).toBe(6);
  });

  test('session_id may be left out of a start: the token names the session', async () => {
    const res = await svc.call('POST', '/api/v2/conversations', { directive: 'no session id given' }, bearer(s.token));
    expect(res.status).toBe(201);
    expect((await body(res)).session_id).toBe(s.id);
  });
});
