import { describe, expect, test } from 'bun:test';
import { features, FEATURE_NAMES } from '../../../../src/services/eventbus/decisions/engine/features.ts';
import { returns, type Point, type Step } from '../../../../src/services/eventbus/decisions/engine/outcomes.ts';
import { fallback, pick } from '../../../../src/services/eventbus/decisions/engine/policy.ts';

describe('decision outcomes', () => {
  const steps: Step[] = [
    { game: 'a', score: 0, ante: 1, seq: 1 }, { game: 'a', score: 300, ante: 1, seq: 3 }, { game: 'a', score: 800, ante: 2, seq: 5 },
    { game: 'b', score: 100, ante: 1, seq: 2 },
  ];
  const latest = new Map<string, Point>([['a', { score: 1000, ante: 2, seq: 9 }], ['b', { score: 100, ante: 1, seq: 2 }]]);
  test('one step: score gained over the scale plus ante gained; the last decision measured against the latest state; none when nothing followed', () => {
    expect(returns(steps, latest, { horizon: 1, gamma: 0.9, score_scale: 1000, ante_weight: 1 })).toEqual([0.3, 0.5 + 1, 0.2, null]);
  });
  test('n steps are discounted by gamma and stop at the game\'s latest state', () => {
    const r = returns(steps, latest, { horizon: 3, gamma: 0.5, score_scale: 100, ante_weight: 10 });
    expect(r).toEqual([3 + 0.5 * (5 + 10) + 0.25 * 2, 5 + 10 + 0.5 * 2, 2, null]);
  });
});

describe('state features', () => {
  test('a BalatroMCP state: hand shape, money, phase and progress, each scaled', () => {
    const f = features({ ante: 4, round: 12, chips: 1000, money: 25, hands_remaining: 2, discards_remaining: 1, game_state: 'SELECTING_HAND', blind: { chips: 2000 },
      hand: [{ rank: 'King', suit: 'Hearts' }, { rank: 'King', suit: 'Spades' }, { rank: 'Queen', suit: 'Hearts' }, { rank: 'J', suit: 'Hearts' }, { rank: '10', suit: 'Hearts' }],
      jokers: [{ name: 'Joker' }, { name: 'Baron' }] }, null);
    const at = (n: (typeof FEATURE_NAMES)[number]): number => f[FEATURE_NAMES.indexOf(n)]!;
    expect([at('ante'), at('money'), at('jokers'), at('max_rank_count'), at('max_suit_count'), at('straight_run'), at('has_pair'), at('has_flush'), at('face_cards'), at('score_progress'), at('phase_hand'), at('phase_shop')])
      .toEqual([0.5, 0.5, 0.4, 0.5, 0.8, 0.8, 1, 0, 0.8, 0.5, 1, 0]);
    expect(features(null, null).every((x) => x === 0)).toBe(true);
  });
});

describe('policy choice', () => {
  test('the highest value wins with a softmax confidence; the fallback follows its priority list', () => {
    const p = pick({ play_hand: 0.2, discard: 0.5 }, ['play_hand', 'discard'], 0.1);
    expect(p.selected).toBe('discard');
    expect(p.confidence).toBeCloseTo(1 / (1 + Math.exp(-3)), 10);
    expect(fallback(['sort_hand', 'discard', 'select_card:1']).selected).toBe('discard');
    expect(fallback(['select_card:1', 'sell_joker']).selected).toBe('select_card:1');
  });
});
