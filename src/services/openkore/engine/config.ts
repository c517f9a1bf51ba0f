// Tunable engine constants (REFERENCE §1). The shipped config/openkore/engine.json
// mirrors these; the service merges that file over the defaults.

export interface ReflexConfig {
  hp_critical: number;
  hp_low: number;
  sp_low: number;
  weight_critical: number;
  under_attack_distance: number;
  dangerous_statuses: string[];
  confidence: number;
  teleport_hp: number;
  teleport_monster_count: number;
  teleport_range: number;
  teleport_cooldown_ms: number;
  cure_item: string;
  sp_item: string;
  low_hp_item: string;
  critical_hp_item: string;
}

export interface MlConfig {
  confidence_floor: number;
  min_samples: number;
  epochs: number;
  learning_rate: number;
  l2: number;
}

export interface LlmGateConfig {
  level_milestone: number;
  min_interval_ms: number;
  confidence_floor: number;
}

export interface TierBudgets { reflex: number; rule: number; ml: number; llm: number; llm_strategic: number }

export interface EngineConfig {
  reflex: ReflexConfig;
  ml: MlConfig;
  llm: LlmGateConfig;
  rule_confidence_floor: number;
  /** How long a cached decision may stand in when the llm tier cannot run (§6.3). */
  fallback_cache_ms: number;
  budgets_ms: TierBudgets;
  /** Healing items, best first, with the HP they restore (NPC item db values). */
  healing_items: { name: string; heal: number }[];
  /** Offensive skills with a relative power used to pick the best one. */
  offensive_skills: Record<string, number>;
  /** Skills cast on a target before the damage rotation in generated macros (e.g. Provoke). */
  opener_skills: string[];
  max_monsters: number;
}

export const DEFAULT_ENGINE_CONFIG: EngineConfig = {
  reflex: {
    hp_critical: 0.25,
    hp_low: 0.4,
    sp_low: 0.2,
    weight_critical: 0.9,
    under_attack_distance: 5,
    dangerous_statuses: ["Stunned", "Frozen", "Stone Curse", "Sleep", "Blind", "Silence"],
    confidence: 0.95,
    teleport_hp: 0.2,
    teleport_monster_count: 5,
    teleport_range: 7,
    teleport_cooldown_ms: 10_000,
    cure_item: "Green Potion",
    sp_item: "Blue Potion",
    low_hp_item: "Red Potion",
    critical_hp_item: "White Potion",
  },
  ml: { confidence_floor: 0.7, min_samples: 20, epochs: 300, learning_rate: 0.5, l2: 0.001 },
  llm: { level_milestone: 10, min_interval_ms: 60_000, confidence_floor: 0.85 },
  rule_confidence_floor: 0.75,
  fallback_cache_ms: 5_000,
  budgets_ms: { reflex: 1, rule: 10, ml: 100, llm: 30_000, llm_strategic: 300_000 },
  healing_items: [
    { name: "White Potion", heal: 325 },
    { name: "Yellow Potion", heal: 175 },
    { name: "Orange Potion", heal: 105 },
    { name: "Red Potion", heal: 45 },
  ],
  offensive_skills: {
    "Bowling Bash": 9, "Brandish Spear": 8, "Magnum Break": 6, "Bash": 5, "Pierce": 5,
    "Spear Boomerang": 5, "Spear Stab": 5, "Double Strafe": 6, "Arrow Shower": 4,
    "Fire Bolt": 5, "Cold Bolt": 5, "Lightning Bolt": 5, "Soul Strike": 5, "Fire Ball": 4,
    "Jupitel Thunder": 7, "Storm Gust": 9, "Holy Light": 4, "Sonic Blow": 9, "Back Stab": 6,
    "Envenom": 3, "Double Attack": 0,
  },
  opener_skills: ["Provoke", "Lex Aeterna", "Signum Crucis", "Decrease AGI"],
  max_monsters: 32,
};

type Plain = Record<string, unknown>;
function isPlain(v: unknown): v is Plain {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Deep-merge an override object over defaults; arrays and scalars replace. */
export function mergeConfig<T>(base: T, override: unknown): T {
  if (!isPlain(base) || !isPlain(override)) return (override === undefined ? base : override) as T;
  const out: Plain = { ...base };
  for (const [k, v] of Object.entries(override)) {
    out[k] = k in base ? mergeConfig(base[k], v) : v;
  }
  return out as T;
}
