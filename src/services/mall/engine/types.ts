import type { Constants } from "./constants.ts";

export const NPC_STATES = ["idle", "patrol", "alert", "suspicious", "hostile", "contradiction"] as const;
export type NpcState = (typeof NPC_STATES)[number];
export const NpcStateCode = {
  idle: 0,
  patrol: 1,
  alert: 2,
  suspicious: 3,
  hostile: 4,
  contradiction: 5,
} as const satisfies Record<NpcState, number>;

export const MOODS = ["calm", "uneasy", "strained", "critical"] as const;
export type Mood = (typeof MOODS)[number];

export const TRENDS = ["stable", "rising", "falling", "spiking"] as const;
export type Trend = (typeof TRENDS)[number];

export const ENTITY_KINDS = ["artifact", "log", "figure"] as const;
export type EntityKind = (typeof ENTITY_KINDS)[number];

export const PLAYER_EVENT_TYPES = ["move", "interact", "discover", "wait", "run"] as const;
export type PlayerEventType = (typeof PLAYER_EVENT_TYPES)[number];

export interface ZoneDef {
  id: string;
  name: string;
  neighbours: string[];
  turbulence_rate: number;
}

export interface NpcDef {
  id: string;
  name: string;
  home_zone: string;
  allowed_zones: string[];
  initial_state: NpcState;
  never_rules: string[];
  always_rules: string[];
  qbit_power: number;
  qbit_charisma: number;
  behavior_hints: Record<NpcState, string>;
}

export interface EntityMetrics {
  resonance: number;
  grassroots: number;
  audience: number;
  deep_views: number;
  engagement: number;
  refs: number;
  trust: number;
  backing: number;
  pool: number;
  reach: number;
}

export interface EntityDef {
  id: string;
  name: string;
  kind: EntityKind;
  zone: string;
  tier: "Primary" | "Secondary";
  metrics: EntityMetrics;
}

/** A validated world: everything the engine needs, nothing it must re-check. */
export interface WorldDef {
  zones: ZoneDef[];
  npcs: NpcDef[];
  entities: EntityDef[];
  constants: Constants;
}

/** Raw parsed JSON of a world folder, before validation. */
export interface WorldFiles {
  zones: unknown;
  npcs: unknown;
  entities: { file: string; data: unknown }[];
  sim?: unknown;
}

/** Player event with ids resolved to indices; produced by resolvePlayerEvent. */
export type ResolvedEvent =
  | { type: "wait" }
  | { type: "move"; to: number; from: number }
  | { type: "interact"; zone: number; target: string; targetNpc: number; targetEntity: number }
  | { type: "discover"; zone: number; document: string; documentEntity: number }
  | { type: "run"; zone: number };

export interface SimEvent {
  type: "cloud_mood_changed" | "contradiction_triggered" | "zone_entered" | "discovery_made";
  details: Record<string, string | number | null>;
}
