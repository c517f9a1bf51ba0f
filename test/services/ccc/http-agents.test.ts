import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import type { TestService } from '../../helpers.ts';
import { addTurn, bearer, body, expectError, newSession, startCcc, startConversation, testClock, type Json, type Session } from './helpers.ts';

const clock = testClock();
const at = (h: number, m: number): void => clock.set(Date.UTC(2024, 0, 1, h, m, 0));
let svc: TestService;

beforeAll(async () => {
  svc = await startCcc({ now: clock.now });
});
afterAll(() => svc.stop());

const state = async (s: Session, agent: string): Promise<Json> => {
  const res = await svc.call('GET', `/api/v2/sessions/${s.id}/agents/${agent}/state`, undefined, bearer(s.token));
  expect(res.status).toBe(200);
  return body(res);
};

describe('agent state', () => {
  test('the get example: state learned from stored turns and feedback', async () => {
    at(12, 0);
    const s = await newSession(svc);
    const c = await startConversation(svc, s, 'Build a parser', { use_context: false });
    const cid = c.conversation_id as string;
    // 12 user turns asking for step-by-step work, 47 long replies by beatrice, 42 good and 5 poor ratings.
    for (let i = 0; i < 12; i++) await addTurn(svc, s, cid, 'wykeve', `Walk me through part ${i} step by step`);
    const replies: string[] = [];
    for (let i = 0; i < 47; i++) replies.push((await addTurn(svc, s, cid, 'beatrice', `Analysis ${i}: ${'the grammar needs careful review '.repeat(60)}`)).turn_id as string);
    for (let i = 0; i < 47; i++) {
      const res = await svc.call('POST', `/api/v2/sessions/${s.id}/agents/beatrice/feedback`, { rating: i < 42 ? 0.9 : 0.2, turn_id: replies[i] }, bearer(s.token));
      expect(res.status).toBe(201);
    }
    at(12, 55);
    await addTurn(svc, s, cid, 'wykeve', 'thanks'); // user turns update agent state too (no pattern here: beatrice unchanged)
    const b = await state(s, 'beatrice');
    expect(b.session_id).toBe(s.id);
    expect(b.agent).toBe('beatrice');
    const st = b.state as Json;
    expect(st.personality_traits).toEqual({ analytical_depth: 0.8, detail_orientation: 0.9, supportive_tone: 0.7 });
    // confidence after n supporting turns is n/(n+2): 12 → 0.86
    expect(st.learned_patterns).toEqual([{ pattern: 'User prefers step-by-step explanations', confidence: 0.86, learned_from: 12 }]);
    expect(st.expertise_areas).toEqual(['code_analysis', 'quality_assurance', 'strategic_planning']);
    expect(st.interaction_history).toEqual({ total_interactions: 47, successful_outcomes: 42, preferred_response_length: 'detailed' });
    expect(st.recent_topics).toEqual(['analysis', 'careful', 'grammar', 'review']);
    expect(b.last_updated).toBe('2024-01-01T12:00:00Z');
  });

  test('the update example: traits merged, a pattern learned; updated_fields names both', async () => {
    const s = await newSession(svc);
    at(13, 5);
    const res = await svc.call('PUT', `/api/v2/sessions/${s.id}/agents/beatrice/state`, {
      state_updates: { personality_traits: { analytical_depth: 0.85 }, new_learned_pattern: { pattern: 'User appreciates code comments', confidence: 0.75 } },
      update_reason: 'positive_feedback_received',
    }, bearer(s.token));
    expect(res.status).toBe(200);
    expect(await body(res)).toEqual({
      session_id: s.id, agent: 'beatrice', state_updated: true, updated_fields: ['personality_traits', 'learned_patterns'], updated_at: '2024-01-01T13:05:00Z', update_reason: 'positive_feedback_received',
    });
    const st = (await state(s, 'beatrice')).state as Json;
    expect(st.personality_traits).toEqual({ analytical_depth: 0.85, detail_orientation: 0.9, supportive_tone: 0.7 });
    expect(st.learned_patterns).toEqual([{ pattern: 'User appreciates code comments', confidence: 0.75, learned_from: 1 }]);
  });

  test('traits and confidences outside 0..1 are clamped; new traits may be added; expertise is replaced', async () => {
    const s = await newSession(svc);
    await svc.call('PUT', `/api/v2/sessions/${s.id}/agents/codey/state`, {
      state_updates: { personality_traits: { code_clarity: 1.7, pragmatism: -0.3, humour: 0.42 }, new_learned_pattern: { pattern: 'Prefers TypeScript', confidence: 3 }, expertise_areas: ['typescript', 'bun', 'typescript'] },
    }, bearer(s.token));
    const st = (await state(s, 'codey')).state as Json;
    expect(st.personality_traits).toEqual({ code_clarity: 1, pragmatism: 0, thoroughness: 0.7, humour: 0.42 });
    expect(st.learned_patterns).toEqual([{ pattern: 'Prefers TypeScript', confidence: 1, learned_from: 1 }]);
    expect(st.expertise_areas).toEqual(['typescript', 'bun']);
  });

  test('the same pattern again reinforces it instead of adding a copy', async () => {
    const s = await newSession(svc);
    const put = (confidence: number) => svc.call('PUT', `/api/v2/sessions/${s.id}/agents/beatrice/state`, { state_updates: { new_learned_pattern: { pattern: 'Likes tables', confidence } } }, bearer(s.token));
    await put(0.5);
    await put(0.6);
    expect(((await state(s, 'beatrice')).state as Json).learned_patterns).toEqual([{ pattern: 'Likes tables', confidence: 0.6, learned_from: 2 }]);
  });

  test('feedback with a pattern teaches it at the rating as confidence; a turn of another agent is 404 TURN_NOT_FOUND', async () => {
    const s = await newSession(svc);
    const c = await startConversation(svc, s, 'x', { use_context: false });
    const t = await addTurn(svc, s, c.conversation_id as string, 'codey', 'code');
    const ok = await svc.call('POST', `/api/v2/sessions/${s.id}/agents/codey/feedback`, { rating: 0.8, turn_id: t.turn_id, pattern: 'User likes short functions', comment: 'nice' }, bearer(s.token));
    expect(ok.status).toBe(201);
    expect(await body(ok)).toMatchObject({ agent: 'codey', rating: 0.8, recorded: true, updated_fields: ['interaction_history', 'learned_patterns'] });
    const st = (await state(s, 'codey')).state as Json;
    expect(st.learned_patterns).toEqual([{ pattern: 'User likes short functions', confidence: 0.8, learned_from: 1 }]);
    expect((st.interaction_history as Json).successful_outcomes).toBe(1);
    await expectError(await svc.call('POST', `/api/v2/sessions/${s.id}/agents/beatrice/feedback`, { rating: 0.8, turn_id: t.turn_id }, bearer(s.token)), 404, 'TURN_NOT_FOUND');
  });

  test('wykeve has a state too; an unknown agent is 404 AGENT_NOT_FOUND naming the agents', async () => {
    const s = await newSession(svc);
    expect((await state(s, 'wykeve')).agent).toBe('wykeve');
    const e = await expectError(await svc.call('GET', `/api/v2/sessions/${s.id}/agents/gandalf/state`, undefined, bearer(s.token)), 404, 'AGENT_NOT_FOUND');
    expect((e.details as Json).allowed).toEqual(['wykeve', 'beatrice', 'codey']);
    await expectError(await svc.call('PUT', `/api/v2/sessions/${s.id}/agents/gandalf/state`, { state_updates: { expertise_areas: [] } }, bearer(s.token)), 404, 'AGENT_NOT_FOUND');
  });

  test('an empty or unknown update is 400 and changes nothing', async () => {
    const s = await newSession(svc);
    const before = await state(s, 'beatrice');
    await expectError(await svc.call('PUT', `/api/v2/sessions/${s.id}/agents/beatrice/state`, { state_updates: {} }, bearer(s.token)), 400, 'INVALID_REQUEST');
    await expectError(await svc.call('PUT', `/api/v2/sessions/${s.id}/agents/beatrice/state`, { state_updates: { mood: 'happy' } }, bearer(s.token)), 400, 'INVALID_REQUEST');
    await expectError(await svc.call('PUT', `/api/v2/sessions/${s.id}/agents/beatrice/state`, { state_updates: { personality_traits: { x: 'high' } } }, bearer(s.token)), 400, 'INVALID_REQUEST');
    expect(await state(s, 'beatrice')).toEqual(before);
  });
});
