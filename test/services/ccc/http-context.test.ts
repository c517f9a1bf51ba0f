import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import type { TestService } from '../../helpers.ts';
import { addTurn, bearer, body, newSession, startCcc, startConversation, testClock, type Json, type Session } from './helpers.ts';

const clock = testClock();
const at = (h: number, m: number, day = 1): void => clock.set(Date.UTC(2024, 0, day, h, m, 0));
let svc: TestService;

beforeAll(async () => {
  svc = await startCcc({ now: clock.now });
});
afterAll(() => svc.stop());

const search = async (s: Session, payload: Json): Promise<Json> => {
  const res = await svc.call('POST', `/api/v2/sessions/${s.id}/context/search`, payload, bearer(s.token));
  expect(res.status).toBe(200);
  return body(res);
};

describe('context search', () => {
  let s: Session;
  let match = { conv: '', turn: '' };

  beforeAll(async () => {
    at(8, 0);
    s = await newSession(svc);
    clock.set(Date.UTC(2023, 11, 31, 22, 0, 0));
    const old = await startConversation(svc, s, 'Older work on python', { use_context: false });
    await addTurn(svc, s, old.conversation_id as string, 'codey', 'Python functions from the day before the range');
    at(10, 15);
    const c = await startConversation(svc, s, 'Discussion about function design patterns', { use_context: false });
    const t = await addTurn(svc, s, c.conversation_id as string, 'codey', "Here's a Python function that demonstrates default arguments, keyword arguments and closures in one small example.");
    match = { conv: c.conversation_id as string, turn: t.turn_id as string };
    at(10, 30);
    await addTurn(svc, s, c.conversation_id as string, 'beatrice', 'Python alone, without the other word.');
    await addTurn(svc, s, c.conversation_id as string, 'beatrice', 'Functions written in python should be small.');
    await addTurn(svc, s, c.conversation_id as string, 'wykeve', 'Is a zebra near the fence? NEAR(a b) AND stars*');
    at(12, 0);
  });

  test('the spec example: results above the threshold inside the time range, best first, with snippet, context and timing', async () => {
    const b = await search(s, { query: 'python functions', max_results: 5, relevance_threshold: 0.6, time_range: { start: '2024-01-01T00:00:00Z', end: '2024-01-01T23:59:59Z' } });
    expect(b.query).toBe('python functions');
    const results = b.results as Json[];
    expect(results.length).toBe(2);
    expect(b.total_matches).toBe(2);
    // Both have every query term (containment 1); the newer one decays less, so it leads.
    expect(results[0]!.snippet).toBe('Functions written in python should be small.');
    expect(results[0]!.relevance_score).toBe(Math.round((1 - 1.5 / 720) * 10_000) / 10_000);
    expect(results[1]).toEqual({
      conversation_id: match.conv,
      turn_id: match.turn,
      // containment 1 × decay of 1.75 h in the 720 h search window
      relevance_score: Math.round((1 - 1.75 / 720) * 10_000) / 10_000,
      snippet: "Here's a Python function that demonstrates default arguments, keyword arguments and closures in one small example.",
      context: 'Discussion about function design patterns',
      timestamp: '2024-01-01T10:15:00Z',
      agent: 'codey',
      turn_number: 2,
    });
    expect(typeof b.search_time_ms).toBe('number');
    expect(b.search_time_ms as number).toBeGreaterThanOrEqual(0);
  });

  test('max_results truncates the results but total_matches counts every match above the threshold', async () => {
    const b = await search(s, { query: 'python functions', max_results: 1, relevance_threshold: 0.6, time_range: { start: '2024-01-01T00:00:00Z' } });
    expect((b.results as Json[]).length).toBe(1);
    expect(b.total_matches).toBe(2);
  });

  test('without a threshold partial matches are returned too, ranked below full ones, and the time range is optional', async () => {
    const b = await search(s, { query: 'python functions' });
    const scores = (b.results as Json[]).map((r) => r.relevance_score as number);
    expect(b.total_matches).toBe(6);
    expect([...scores].sort((x, y) => y - x)).toEqual(scores);
  });

  test('stop words are ignored: "the python" finds what "python" finds', async () => {
    const a = await search(s, { query: 'the python' });
    const b = await search(s, { query: 'python' });
    expect(a.results).toEqual(b.results);
    expect(a.query_terms).toEqual(['python']);
    const only = await search(s, { query: 'the and of' });
    expect([only.results, only.total_matches]).toEqual([[], 0]);
  });

  test('FTS5 syntax in a query is plain text: quotes, stars, NEAR, AND, OR, NOT, colons and brackets never fail', async () => {
    for (const q of ['"', '"python', 'python*', 'NEAR(python functions, 2)', 'python AND functions', 'python OR', 'NOT python', 'terms:python', '^python', '(python', '***', 'python" OR "zebra', "'; DROP TABLE turns; --", '{terms}: python']) {
      const res = await svc.call('POST', `/api/v2/sessions/${s.id}/context/search`, { query: q }, bearer(s.token));
      expect({ q, status: res.status }).toEqual({ q, status: 200 });
      await res.json();
    }
    // "near" is a word like the others: it finds the turn that says it.
    const near = await search(s, { query: 'NEAR' });
    expect((near.results as Json[]).map((r) => r.snippet)).toEqual(['Is a zebra near the fence? NEAR(a b) AND stars*']);
    // A star is not a prefix operator: "python*" matches python, not "pythonic".
    expect((await search(s, { query: 'python*' })).total_matches).toBe((await search(s, { query: 'python' })).total_matches);
    expect((await search(s, { query: 'python' })).total_matches).toBe(5);
  });

  test("a search never sees another session's turns", async () => {
    const other = await newSession(svc);
    const c = await startConversation(svc, other, 'zebrafish genetics', { use_context: false });
    await addTurn(svc, other, c.conversation_id as string, 'codey', 'python zebrafish pipeline');
    expect((await search(s, { query: 'zebrafish' })).total_matches).toBe(0);
    expect((await search(s, { query: 'python" OR "zebrafish' })).results).toSatisfy((r) => (r as Json[]).every((x) => x.conversation_id !== c.conversation_id));
    expect((await search(other, { query: 'zebrafish' })).total_matches).toBe(2);
  });

  test('plural and singular forms match each other', async () => {
    const a = await search(s, { query: 'function' });
    const b = await search(s, { query: 'functions' });
    expect(a.total_matches).toBe(b.total_matches);
    expect(a.total_matches).toBe(4);
  });
});

describe('session context and summary', () => {
  test('the context example: summary, key topics from the turns, agent states and recent conversations with relevance', async () => {
    at(11, 0);
    const s = await newSession(svc, { initial_context: 'Python practice.' });
    const c1 = await startConversation(svc, s, 'Explain bubble sort algorithm in python', { use_context: false });
    await addTurn(svc, s, c1.conversation_id as string, 'wykeve', 'Please explain it step by step, with comments.');
    await addTurn(svc, s, c1.conversation_id as string, 'codey', 'A python bubble sort algorithm with comments.');
    at(11, 30);
    const c2 = await startConversation(svc, s, 'Recursive python algorithm for permutations', { use_context: false });
    at(12, 0);
    const res = await svc.call('GET', `/api/v2/sessions/${s.id}/context`, undefined, bearer(s.token));
    expect(res.status).toBe(200);
    const b = await body(res);
    expect(Object.keys(b)).toEqual(['session_id', 'context_summary', 'key_topics', 'agent_states', 'recent_conversations']);
    expect(b.session_id).toBe(s.id);
    // python and algorithm are in 3 of the 4 turns each (ties in alphabetical order), then terms in 2.
    expect(b.key_topics).toEqual(['algorithm', 'python', 'bubble', 'comment', 'explain']);
    expect(b.context_summary).toBe(
      'Python practice. 2 conversations and 4 turns so far. Main topics: algorithm, python, bubble, comment, explain. ' +
      'Recent directives: "Recursive python algorithm for permutations"; "Explain bubble sort algorithm in python".',
    );
    const states = b.agent_states as Record<string, Json>;
    expect(states.beatrice).toEqual({
      preferred_analysis_style: 'detailed', focus_areas: ['code_analysis', 'quality_assurance', 'strategic_planning'],
      // "explain" in the directive and in the user's turn: 2 turns (confidence 0.5) ahead of the 1-turn patterns.
      learning_patterns: ['User prefers detailed explanations', 'User prefers step-by-step explanations', 'User appreciates code comments'],
    });
    expect(states.codey).toEqual({
      preferred_implementation_style: 'clean_code', recent_technologies: ['algorithm', 'bubble', 'comment', 'python', 'sort'],
      successful_patterns: ['User prefers detailed explanations', 'User prefers step-by-step explanations', 'User appreciates code comments'],
    });
    const recent = b.recent_conversations as Json[];
    expect(recent.map((r) => r.conversation_id)).toEqual([c2.conversation_id, c1.conversation_id]);
    expect(recent[0]).toEqual({ conversation_id: c2.conversation_id, directive: 'Recursive python algorithm for permutations', relevance_score: recent[0]!.relevance_score, created_at: '2024-01-01T11:30:00Z' });
    // {recursive,python,algorithm,permutation} vs the 5 key topics: overlap 2, union 7; 30 min old.
    expect(recent[0]!.relevance_score).toBe(Math.round((2 / 7) * (1 - 0.5 / 24) * 10_000) / 10_000);
  });

  test('updating the summary archives the previous one; the context then shows the new summary and topics', async () => {
    at(12, 0);
    const s = await newSession(svc);
    const first = await body(await svc.call('PUT', `/api/v2/sessions/${s.id}/context/summary`, { summary: 'First summary', trigger: 'manual_update' }, bearer(s.token)));
    expect(first.previous_summary_archived).toBe(false);
    at(13, 0);
    const res = await svc.call('PUT', `/api/v2/sessions/${s.id}/context/summary`, {
      summary: 'Updated context summary based on recent interactions', key_topics: ['python', 'algorithms', 'web development'], trigger: 'manual_update',
    }, bearer(s.token));
    expect(res.status).toBe(200);
    expect(await body(res)).toEqual({ session_id: s.id, summary_updated: true, updated_at: '2024-01-01T13:00:00Z', previous_summary_archived: true });
    const ctx = await body(await svc.call('GET', `/api/v2/sessions/${s.id}/context`, undefined, bearer(s.token)));
    expect(ctx.context_summary).toBe('Updated context summary based on recent interactions');
    expect(ctx.key_topics).toEqual(['python', 'algorithms', 'web development']);
    const history = await body(await svc.call('GET', `/api/v2/sessions/${s.id}/context/summary/history`, undefined, bearer(s.token)));
    expect(history.current).toEqual({ summary: 'Updated context summary based on recent interactions', key_topics: ['python', 'algorithms', 'web development'], trigger: 'manual_update', updated_at: '2024-01-01T13:00:00Z' });
    expect(history.history).toEqual([{ summary: 'First summary', key_topics: null, trigger: 'manual_update', set_at: '2024-01-01T12:00:00Z', archived_at: '2024-01-01T13:00:00Z' }]);
  });

  test('with auto_summarize off and no stored summary the context summary is the initial context', async () => {
    const s = await newSession(svc, { user_preferences: { auto_summarize: false }, initial_context: 'Only this.' });
    await startConversation(svc, s, 'something', { use_context: false });
    expect((await body(await svc.call('GET', `/api/v2/sessions/${s.id}/context`, undefined, bearer(s.token)))).context_summary).toBe('Only this.');
  });
});
