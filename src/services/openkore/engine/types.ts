// Wire-level game state (§3.3) and decision shapes shared by every tier.

export interface Position { x: number; y: number }
export interface MapPosition extends Position { map: string }

export interface PlayerState {
  id: number;
  name: string;
  level: number;
  job: string;
  job_level: number;
  hp: number;
  hp_max: number;
  sp: number;
  sp_max: number;
  position: MapPosition;
  status: string[];
  weight: number;
  weight_max: number;
}

export interface MonsterState {
  id: number;
  name: string;
  level?: number;
  hp_percent?: number;
  position: Position;
  distance: number;
  aggressive: boolean;
}

export interface ItemState { id: number; name: string; quantity: number }
export interface SkillState { id: number; name: string; level: number; sp_cost: number }
export interface PartyMember { id: number; name: string; hp_percent?: number }

export interface GameState {
  session_id?: string;
  timestamp?: number;
  tick_number?: number;
  player: PlayerState;
  monsters: MonsterState[];
  items: ItemState[];
  party: PartyMember[];
  skills: SkillState[];
}

export const TIERS = ["reflex", "rule", "ml", "llm"] as const;
export type Tier = (typeof TIERS)[number];

export const ACTION_TYPES = [
  "attack", "move", "use_item", "command", "teleport", "sit", "idle", "macro",
] as const;
export type ActionType = (typeof ACTION_TYPES)[number];

export type ActionPriority = "critical" | "high" | "normal" | "low";

export interface Action {
  type: ActionType;
  target_id?: number;
  skill_id?: number;
  skill_name?: string;
  item_id?: number;
  item_name?: string;
  command?: string;
  target_position?: Position;
  macro_name?: string;
  priority?: ActionPriority;
  reason: string;
  confidence?: number;
}

export interface Decision {
  tier: Tier;
  action: Action;
  /** Set by the rule tier: which rule fired (for cooldown bookkeeping and logs). */
  rule_id?: string;
}
