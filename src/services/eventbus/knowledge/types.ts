/** Nodes and edges of the knowledge graph (REFERENCE §4's schema, as the original Memgraph model had it). */
import type { SynergyType, Tally } from './engine/synergy.ts';

export type Origin = 'seed' | 'asserted' | 'observed' | 'learned';

export interface JokerNode {
  name: string;
  key: string;
  rarity: string | null;
  cost: number | null;
  scaling_type: string;
  effect_type: string;
  effect: string;
  conditions: string[];
  aliases: string[];
  ord: number;
  origin: Origin;
}

/** SYNERGIZES_WITH, undirected: `a` < `b`. */
export interface SynergyEdge {
  a: string;
  b: string;
  strength: number;
  win_rate: number | null;
  synergy_type: SynergyType;
  confidence: number;
  games: number;
  bonus: number | null;
  origin: 'learned' | 'asserted';
  conditions: string[];
  updated_at: number;
}

export interface StrategyNode {
  name: string;
  description: string;
  games_played: number;
  wins: number;
  ante_sum: number;
  origin: Origin;
}

export interface EnablesEdge { joker: string; strategy: string; importance: number; origin: Origin }
export interface CounterEdge { joker: string; countered_by: string; severity: number; origin: Origin }
export interface HandTypeNode { name: string; base_chips: number; base_mult: number; level: number; plays: number }
export interface ArchetypeNode { name: string; description: string; viability_score: number }

export interface JokerTally extends Tally { anteSum: number }

/** One change the graph made, as pushed on /ws/knowledge. */
export type Change =
  | { kind: 'synergy'; source: string; target: string; strength: number; win_rate: number | null; synergy_type: SynergyType; confidence: number; games: number; origin: string }
  | { kind: 'joker'; name: string; rarity: string | null; cost: number | null; origin: string }
  | { kind: 'strategy'; name: string; games_played: number; win_rate: number | null }
  | { kind: 'enables'; joker: string; strategy: string; importance: number }
  | { kind: 'counter'; joker: string; countered_by: string; severity: number }
  | { kind: 'session'; session_id: string; ended: boolean; won: boolean | null; final_ante: number; final_score: number; jokers: string[] }
  | { kind: 'hand_type'; name: string; plays: number };
