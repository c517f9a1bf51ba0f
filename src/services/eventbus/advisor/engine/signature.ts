/**
 * The cache key of a strategy request: what about the game state a strategy depends on —
 * ante, phase, money in $5 steps, the jokers held (sorted), the hand's shape (largest
 * same-rank and same-suit groups), hands and discards left — plus the question asked.
 * Two requests with the same signature get the same advice. Pure.
 */
import { createHash } from 'node:crypto';
import { isJsonObject, type JsonObject } from '../../wire/struct.ts';
import { list, num, str } from '../../engine/typed.ts';

export interface SignatureParts {
  ante: number;
  phase: string;
  money_bucket: number;
  jokers: string[];
  hand_shape: [number, number];
  hands_remaining: number;
  discards_remaining: number;
  question: string;
}

export function signatureParts(state: JsonObject | null, question: string): SignatureParts {
  const s = state ?? {};
  const jokers = list(s.jokers).map((j) => (isJsonObject(j) ? str(j.name) : str(j)) ?? '').filter((n) => n !== '').map((n) => n.toLowerCase()).sort();
  const ranks = new Map<string, number>();
  const suits = new Map<string, number>();
  for (const c of list(s.hand)) {
    if (!isJsonObject(c)) continue;
    const r = str(c.rank);
    const su = str(c.suit);
    if (r) ranks.set(r, (ranks.get(r) ?? 0) + 1);
    if (su) suits.set(su, (suits.get(su) ?? 0) + 1);
  }
  return {
    ante: Math.trunc(num(s.ante) ?? 0), phase: (str(s.game_state) ?? str(s.phase) ?? '').toUpperCase(), money_bucket: Math.floor((num(s.money) ?? 0) / 5), jokers,
    hand_shape: [Math.max(0, ...ranks.values()), Math.max(0, ...suits.values())], hands_remaining: Math.trunc(num(s.hands_remaining) ?? 0),
    discards_remaining: Math.trunc(num(s.discards_remaining) ?? 0), question: question.trim().toLowerCase(),
  };
}

export function signature(state: JsonObject | null, question: string): string {
  return createHash('sha256').update(JSON.stringify(signatureParts(state, question))).digest('hex').slice(0, 32);
}
