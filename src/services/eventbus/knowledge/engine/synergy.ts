/**
 * Pairwise joker synergy from finished games (REFERENCE §4): only with at least
 * `minGames` games that used both; bonus = mean final score of those games − (mean score
 * of games with A without B + mean score of games with B without A) / 2; strength =
 * clamp(bonus / that solo mean, 0, 1); multiplicative when bonus > 0.5 × solo mean,
 * additive when > 0.2 ×, else complementary; confidence = min(1, games / 100); win_rate =
 * share of those games won. Pure.
 */
export interface Tally {
  games: number;
  scoreSum: number;
  wins: number;
}

export interface SynergyParams {
  minGames: number;
  /** confidence = min(1, games / confidenceGames). */
  confidenceGames: number;
  multiplicativeAbove: number;
  additiveAbove: number;
}

export const SYNERGY_DEFAULTS: SynergyParams = { minGames: 20, confidenceGames: 100, multiplicativeAbove: 0.5, additiveAbove: 0.2 };

export type SynergyType = 'multiplicative' | 'additive' | 'complementary';

export interface LearnedSynergy {
  strength: number;
  win_rate: number;
  synergy_type: SynergyType;
  confidence: number;
  games: number;
  bonus: number;
  pair_mean: number;
  solo_mean: number;
}

/**
 * `a` and `b` count every finished game with that joker; `ab` the games with both. A side
 * with no games of its own is left out of the solo mean; with neither there is no
 * baseline and no synergy.
 */
export function pairSynergy(a: Tally, b: Tally, ab: Tally, p: SynergyParams = SYNERGY_DEFAULTS): LearnedSynergy | null {
  if (ab.games < p.minGames) return null;
  const aOnly = { games: a.games - ab.games, scoreSum: a.scoreSum - ab.scoreSum };
  const bOnly = { games: b.games - ab.games, scoreSum: b.scoreSum - ab.scoreSum };
  const means = [aOnly, bOnly].filter((x) => x.games > 0).map((x) => x.scoreSum / x.games);
  if (means.length === 0) return null;
  const solo = means.reduce((s, m) => s + m, 0) / means.length;
  const pair = ab.scoreSum / ab.games;
  const bonus = pair - solo;
  const ratio = solo > 0 ? bonus / solo : bonus > 0 ? Infinity : 0;
  const type: SynergyType = bonus > p.multiplicativeAbove * solo ? 'multiplicative' : bonus > p.additiveAbove * solo ? 'additive' : 'complementary';
  return {
    strength: Math.min(1, Math.max(0, ratio)), win_rate: ab.wins / ab.games, synergy_type: type, confidence: Math.min(1, ab.games / p.confidenceGames),
    games: ab.games, bonus, pair_mean: pair, solo_mean: solo,
  };
}

/** Canonical key of an unordered pair. */
export function pairKey(a: string, b: string): [string, string] {
  return a < b ? [a, b] : [b, a];
}
