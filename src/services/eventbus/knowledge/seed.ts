/**
 * Seed data from `config/jimbot/`: the base game's 150 jokers (jokers.json), hand
 * types, strategies with the joker conditions that enable them, deck archetypes and the
 * boss blinds that counter joker conditions (knowledge.json). ENABLES_STRATEGY and
 * COUNTERS edges are derived here from each joker's conditions.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const DIR = fileURLToPath(new URL('../../../../config/jimbot/', import.meta.url));

export interface SeedJoker {
  order: number;
  key: string;
  name: string;
  rarity: string;
  cost: number;
  scaling_type: string;
  effect_type: string;
  effect: string;
  conditions: string[];
  aliases?: string[];
}

export interface SeedStrategy { name: string; description: string; matches: string[] }
export interface SeedHandType { name: string; base_chips: number; base_mult: number }
export interface SeedArchetype { name: string; description: string; viability_score: number }

export interface Seed {
  jokers: SeedJoker[];
  handTypes: SeedHandType[];
  strategies: SeedStrategy[];
  archetypes: SeedArchetype[];
  enables: { joker: string; strategy: string; importance: number }[];
  counters: { joker: string; countered_by: string; severity: number }[];
}

let cached: Seed | null = null;

export function loadSeed(dir = DIR): Seed {
  if (cached && dir === DIR) return cached;
  const j = JSON.parse(readFileSync(`${dir}jokers.json`, 'utf8')) as { jokers: SeedJoker[] };
  const k = JSON.parse(readFileSync(`${dir}knowledge.json`, 'utf8')) as {
    hand_types: SeedHandType[]; strategies: SeedStrategy[]; deck_archetypes: SeedArchetype[];
    importance_by_effect_type: Record<string, number>; boss_blind_counters: { boss: string; counters: string; severity: number }[];
  };
  const tokens = (x: SeedJoker): Set<string> => new Set([...x.conditions, `effect_type:${x.effect_type}`, `scaling_type:${x.scaling_type}`]);
  const enables: Seed['enables'] = [];
  const counters: Seed['counters'] = [];
  for (const joker of j.jokers) {
    const t = tokens(joker);
    for (const s of k.strategies) if (s.matches.some((m) => t.has(m))) enables.push({ joker: joker.name, strategy: s.name, importance: k.importance_by_effect_type[joker.effect_type] ?? 0.4 });
    for (const c of k.boss_blind_counters) if (t.has(c.counters)) counters.push({ joker: joker.name, countered_by: c.boss, severity: c.severity });
  }
  const seed: Seed = { jokers: j.jokers, handTypes: k.hand_types, strategies: k.strategies, archetypes: k.deck_archetypes, enables, counters };
  if (dir === DIR) cached = seed;
  return seed;
}

const RANKS = ['2', '3', '4', '5', '6', '7', '8', '9', '10', 'J', 'Q', 'K', 'A'];
const SUITS = ['Hearts', 'Diamonds', 'Clubs', 'Spades'];

/** The 52 base playing cards: base chips A 11, J/Q/K 10, else the rank (REFERENCE §4). */
export function playingCards(): { suit: string; rank: string; enhancement: string; seal: string; base_chips: number }[] {
  const out = [];
  for (const suit of SUITS) for (const rank of RANKS) out.push({ suit, rank, enhancement: 'none', seal: 'none', base_chips: rank === 'A' ? 11 : ['J', 'Q', 'K'].includes(rank) ? 10 : Number(rank) });
  return out;
}
