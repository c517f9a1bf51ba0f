/**
 * Game-state features for the learned policy: a fixed vector of numbers, each scaled to
 * about 0..1, from a GameStateEvent payload (BalatroMCP's, or the spec's) and the
 * request's DecisionContext. Pure.
 */
import { isJsonObject, type Json, type JsonObject } from '../../wire/struct.ts';
import { list, num, str } from '../../engine/typed.ts';

export const FEATURE_NAMES = [
  'ante', 'round', 'hand_number', 'chips_log', 'mult', 'money', 'hand_size', 'hands_remaining', 'discards_remaining', 'jokers',
  'hand_cards', 'max_rank_count', 'max_suit_count', 'straight_run', 'pairs', 'has_pair', 'has_three', 'has_flush', 'has_straight', 'face_cards',
  'score_progress', 'phase_shop', 'phase_blind_select', 'phase_hand', 'recent_discards',
] as const;

export const FEATURES = FEATURE_NAMES.length;

const RANK: Record<string, number> = { a: 14, ace: 14, k: 13, king: 13, q: 12, queen: 12, j: 11, jack: 11, t: 10, '10': 10 };

function rankOf(v: Json | undefined): number | null {
  const s = str(v)?.trim().toLowerCase();
  if (!s) return null;
  if (RANK[s] !== undefined) return RANK[s]!;
  const n = Number(s);
  return Number.isInteger(n) && n >= 2 && n <= 10 ? n : null;
}

const clamp = (x: number, lo = 0, hi = 2): number => (Number.isFinite(x) ? Math.min(hi, Math.max(lo, x)) : 0);

/** Longest run of consecutive ranks (an Ace also counts low). */
function straightRun(ranks: number[]): number {
  const set = new Set(ranks);
  if (set.has(14)) set.add(1);
  let best = 0;
  for (const r of set) {
    if (set.has(r - 1)) continue;
    let n = 1;
    while (set.has(r + n)) n++;
    best = Math.max(best, n);
  }
  return best;
}

export function features(state: JsonObject | null, context: JsonObject | null): Float64Array {
  const s = state ?? {};
  const f = new Float64Array(FEATURES);
  const n = (k: string): number => num(s[k]) ?? 0;
  const cards = list(s.hand).filter(isJsonObject);
  const ranks = cards.map((c) => rankOf(c.rank)).filter((r): r is number => r !== null);
  const rankCounts = new Map<number, number>();
  for (const r of ranks) rankCounts.set(r, (rankCounts.get(r) ?? 0) + 1);
  const suitCounts = new Map<string, number>();
  for (const c of cards) {
    const suit = str(c.suit);
    if (suit) suitCounts.set(suit, (suitCounts.get(suit) ?? 0) + 1);
  }
  const maxRank = Math.max(0, ...rankCounts.values());
  const maxSuit = Math.max(0, ...suitCounts.values());
  const pairs = [...rankCounts.values()].filter((c) => c >= 2).length;
  const run = straightRun(ranks);
  const phase = `${str(s.game_state) ?? ''} ${str(s.phase) ?? ''}`.toUpperCase();
  const ctx = context ?? {};
  const current = num(ctx.current_score) ?? n('chips');
  const blind = isJsonObject(s.blind) ? num(s.blind.chips) : undefined;
  const target = num(ctx.target_score) ?? blind ?? 0;
  const recent = list(ctx.recent_actions).map((a) => str(a) ?? '');
  const values = [
    n('ante') / 8, n('round') / 24, n('hand_number') / 10, Math.log1p(Math.max(0, n('chips'))) / 10, n('mult') / 20, n('money') / 50, n('hand_size') / 10,
    n('hands_remaining') / 5, n('discards_remaining') / 5, list(s.jokers).length / 5,
    cards.length / 10, maxRank / 4, maxSuit / 5, run / 5, pairs / 2, maxRank >= 2 ? 1 : 0, maxRank >= 3 ? 1 : 0, maxSuit >= 5 ? 1 : 0, run >= 5 ? 1 : 0,
    ranks.filter((r) => r >= 11 && r <= 13).length / 5,
    target > 0 ? current / target : 0,
    /SHOP/.test(phase) ? 1 : 0, /BLIND_SELECT|SELECTING_BLIND/.test(phase) ? 1 : 0, /SELECTING_HAND|HAND_PLAYED|DRAW/.test(phase) ? 1 : 0,
    recent.filter((a) => a.startsWith('discard')).length / 5,
  ];
  for (let i = 0; i < FEATURES; i++) f[i] = clamp(values[i]!);
  return f;
}

/** The action's type: `select_card:2` → `select_card`. */
export function actionType(a: string): string {
  const i = a.indexOf(':');
  return (i < 0 ? a : a.slice(0, i)).trim();
}
