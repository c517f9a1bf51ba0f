import { describe, expect, test } from 'bun:test';
import { pairSynergy, type Tally } from '../../../../src/services/eventbus/knowledge/engine/synergy.ts';

const t = (games: number, mean: number, wins = 0): Tally => ({ games, scoreSum: games * mean, wins });

describe('pairwise synergy (REFERENCE §4)', () => {
  test('bonus over the mean of the solo means; strength clamped to 1; multiplicative above half the solo mean', () => {
    // A: 10 games alone at 100 + 20 with B at 300; B: 10 alone at 200 + the same 20.
    const a: Tally = { games: 30, scoreSum: 10 * 100 + 20 * 300, wins: 15 };
    const b: Tally = { games: 30, scoreSum: 10 * 200 + 20 * 300, wins: 14 };
    const s = pairSynergy(a, b, t(20, 300, 12))!;
    expect(s).toEqual({ strength: 1, win_rate: 0.6, synergy_type: 'multiplicative', confidence: 0.2, games: 20, bonus: 150, pair_mean: 300, solo_mean: 150 });
  });

  test('additive between 0.2 and 0.5 of the solo mean, complementary below, anti-synergy has strength 0', () => {
    const solo = (pair: number) => pairSynergy({ games: 30, scoreSum: 1000 + 20 * pair, wins: 0 }, { games: 30, scoreSum: 2000 + 20 * pair, wins: 0 }, t(20, pair))!;
    expect([solo(200).synergy_type, solo(200).strength]).toEqual(['additive', 50 / 150]);
    expect([solo(160).synergy_type, solo(160).strength]).toEqual(['complementary', 10 / 150]);
    expect([solo(100).synergy_type, solo(100).strength, solo(100).bonus]).toEqual(['complementary', 0, -50]);
  });

  test('fewer than 20 shared games give no synergy; confidence grows to 1 at 100 games', () => {
    expect(pairSynergy(t(29, 100), t(29, 100), t(19, 200))).toBeNull();
    expect(pairSynergy(t(150, 100), t(150, 100), t(120, 200))!.confidence).toBe(1);
    expect(pairSynergy(t(60, 100), t(60, 100), t(50, 200))!.confidence).toBe(0.5);
  });

  test('a joker never seen without the other leaves only the other side as the baseline; with neither there is none', () => {
    // B never appears without A: solo mean = A-without-B's mean (100).
    const s = pairSynergy({ games: 30, scoreSum: 1000 + 20 * 250, wins: 0 }, t(20, 250), t(20, 250))!;
    expect([s.solo_mean, s.bonus, s.strength, s.synergy_type]).toEqual([100, 150, 1, 'multiplicative']);
    expect(pairSynergy(t(20, 250), t(20, 250), t(20, 250))).toBeNull();
  });
});
