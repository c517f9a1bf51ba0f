/** The knowledge graph's GraphQL schema (SDL). Field names keep the graph model's snake_case (REFERENCE §4). */
import { buildSchema, type GraphQLSchema } from 'graphql';

export const SDL = /* GraphQL */ `
"""Reads of the knowledge graph. Lists take limit (default shown; at most 500)."""
type Query {
  "A joker by name (case-insensitive), its game key (j_blueprint) or alias."
  joker(name: String!): Joker
  jokers(rarity: String, scaling_type: String, effect_type: String, limit: Int = 50, offset: Int = 0): [Joker!]!
  synergies(min_strength: Float = 0, min_games: Int = 0, synergy_type: String, origin: String, limit: Int = 50): [Synergy!]!
  strategy(name: String!): Strategy
  strategies: [Strategy!]!
  hand_types: [HandType!]!
  playing_cards(suit: String, rank: String): [PlayingCard!]!
  deck_archetypes: [DeckArchetype!]!
  game_session(session_id: String!): GameSession
  game_sessions(ended: Boolean, limit: Int = 20): [GameSession!]!
  stats: KnowledgeStats!
}

type Mutation {
  "Published on the bus as a KNOWLEDGE_UPDATE event; answered once the graph has applied it (mutation timeout)."
  update_knowledge(input: KnowledgeUpdateInput!): UpdateResult!
}

type Joker {
  name: String!
  key: String
  rarity: String
  cost: Int
  scaling_type: String
  effect_type: String
  effect: String
  conditions: [String!]!
  aliases: [String!]!
  origin: String!
  "SYNERGIZES_WITH edges, strongest first."
  synergies(min_strength: Float = 0, min_games: Int = 0, limit: Int = 20): [Synergy!]!
  enables_strategies: [StrategyLink!]!
  countered_by: [Counter!]!
  "Finished games that used this joker, their win rate and mean final score."
  games: Int!
  win_rate: Float
  mean_score: Float
}

"SYNERGIZES_WITH {strength, win_rate, synergy_type, confidence, games}: seen from the joker it was reached through (source)."
type Synergy {
  source: Joker!
  target: Joker!
  strength: Float!
  win_rate: Float
  synergy_type: String!
  confidence: Float!
  games: Int!
  bonus: Float
  "Conditions the two jokers need (hand types, suits, ranks, enhancements), and any asserted with the edge."
  conditions: [String!]!
  "learned (from finished games) or asserted (UpdateKnowledge)."
  origin: String!
  updated_at: Float!
}

type StrategyLink { strategy: Strategy! importance: Float! }
type JokerLink { joker: Joker! importance: Float! }
type Counter { countered_by: String! severity: Float! }

type Strategy {
  name: String!
  description: String
  games_played: Int!
  win_rate: Float
  "Mean final ante of the games played with it."
  ante_reached: Float
  jokers(limit: Int = 20): [JokerLink!]!
}

type HandType { name: String! base_chips: Int! base_mult: Int! level: Int! plays: Int! }
type PlayingCard { suit: String! rank: String! enhancement: String! seal: String! base_chips: Int! }
type DeckArchetype { name: String! description: String viability_score: Float! }

type GameSession {
  session_id: String!
  source: String
  started_at: Float!
  last_event_at: Float!
  final_ante: Int!
  final_score: Float!
  won: Boolean
  ended: Boolean!
  rounds: Int!
  strategy: String
  jokers: [Joker!]!
}

type KnowledgeStats {
  version: Float!
  jokers: Int!
  synergies: Int!
  learned_synergies: Int!
  sessions: Int!
  ended_sessions: Int!
  active_sessions: Int!
  "Last bus sequence the graph has applied, and how many committed events it has not."
  position: Float!
  lag: Float!
}

type UpdateResult {
  update_id: String!
  accepted: Boolean!
  sequence: Float!
  applied: Boolean!
  version: Float!
  changes: Int!
  message: String!
}

input KnowledgeUpdateInput {
  update_id: String
  source: String
  jokers: [JokerInput!]
  synergies: [SynergyInput!]
  strategies: [StrategyInput!]
  enables: [EnablesInput!]
  counters: [CounterInput!]
  games: [GameOutcomeInput!]
}
input JokerInput { name: String! rarity: String cost: Int scaling_type: String effect: String }
input SynergyInput { source: String! target: String! strength: Float! synergy_type: String win_rate: Float confidence: Float conditions: [String!] }
input StrategyInput { name: String! description: String }
input EnablesInput { joker: String! strategy: String! importance: Float }
input CounterInput { joker: String! countered_by: String! severity: Float }
input GameOutcomeInput { session_id: String! jokers: [String!]! final_score: Float! final_ante: Int won: Boolean strategy: String }
`;

let schema: GraphQLSchema | null = null;

export function knowledgeSchema(): GraphQLSchema {
  schema ??= buildSchema(SDL);
  return schema;
}
