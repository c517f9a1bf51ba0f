import { describe, expect, test } from 'bun:test';
import { applyFeedback, applyUpdates, confidenceFrom, contextView, defaultState, learnFromUser, promptSection, recordOwnTurn, responseLength, stateView } from '../../../src/services/ccc/engine/agents.ts';

describe('agent state engine', () => {
  test('confidence grows with supporting turns as n/(n+2)', () => {
    expect([1, 2, 12, 98].map(confidenceFrom)).toEqual([0.33, 0.5, 0.86, 0.98]);
  });

  test('user turns teach every pattern they show, once per turn', () => {
    const s = defaultState('beatrice');
    expect(learnFromUser(s, 'Explain step by step and add tests')).toEqual(['User prefers step-by-step explanations', 'User prefers detailed explanations', 'User asks for tests']);
    learnFromUser(s, 'more tests please');
    expect(stateView(s).learned_patterns[0]).toEqual({ pattern: 'User asks for tests', confidence: 0.5, learned_from: 2 });
    expect(learnFromUser(s, 'hello')).toEqual([]);
  });

  test("the agent's own turns count interactions, length bands and topics", () => {
    const s = defaultState('codey');
    expect(responseLength(s)).toBeNull();
    recordOwnTurn(s, 'x'.repeat(100), ['rust', 'async']);
    expect(responseLength(s)).toBe('brief');
    recordOwnTurn(s, 'x'.repeat(2000), ['rust']); // mean 1050 characters
    expect(responseLength(s)).toBe('moderate');
    expect(stateView(s).interaction_history).toEqual({ total_interactions: 2, successful_outcomes: 0, preferred_response_length: 'moderate' });
    expect(stateView(s).recent_topics).toEqual(['rust', 'async']);
  });

  test('topic counts stay bounded', () => {
    const s = defaultState('codey');
    for (let i = 0; i < 500; i++) recordOwnTurn(s, 'x', [`term${i}`, 'always']);
    expect(Object.keys(s.topics).length).toBeLessThanOrEqual(75);
    expect(stateView(s).recent_topics[0]).toBe('always');
  });

  test('updates clamp traits, add or reinforce patterns and name the fields they touched', () => {
    const s = defaultState('beatrice');
    expect(applyUpdates(s, { personality_traits: { analytical_depth: 2, x: -1 } })).toEqual(['personality_traits']);
    expect(s.traits).toEqual({ analytical_depth: 1, detail_orientation: 0.9, supportive_tone: 0.7, x: 0 });
    expect(applyUpdates(s, { new_learned_pattern: { pattern: 'P' }, expertise_areas: [' a ', 'a', ''] })).toEqual(['learned_patterns', 'expertise_areas']);
    expect(s.patterns).toEqual([{ pattern: 'P', confidence: 0.5, learned_from: 1, source: 'update' }]);
    expect(s.expertise).toEqual(['a']);
    expect(applyUpdates(s, {})).toEqual([]);
  });

  test('feedback at or above 0.5 counts as a success', () => {
    const s = defaultState('codey');
    applyFeedback(s, 0.5);
    applyFeedback(s, 0.49);
    expect(s.successes).toBe(1);
  });

  test("the context view uses each persona's field names and its strongest trait's style", () => {
    const b = defaultState('beatrice');
    expect(contextView('beatrice', b)).toEqual({ preferred_analysis_style: 'detailed', focus_areas: ['code_analysis', 'quality_assurance', 'strategic_planning'], learning_patterns: [] });
    b.traits.analytical_depth = 0.95;
    expect(contextView('beatrice', b).preferred_analysis_style).toBe('analytical');
    expect(Object.keys(contextView('codey', defaultState('codey')))).toEqual(['preferred_implementation_style', 'recent_technologies', 'successful_patterns']);
  });

  test('the prompt section states traits, what was learned and the expertise', () => {
    const s = defaultState('codey');
    learnFromUser(s, 'show me examples');
    const text = promptSection('codey', s);
    expect(text).toContain('traits code_clarity 0.85, pragmatism 0.75, thoroughness 0.70');
    expect(text).toContain('Learned about the user: User wants examples (confidence 0.33)');
    expect(text).toContain('Expertise: implementation, debugging, refactoring.');
  });
});
