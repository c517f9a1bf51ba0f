// Situation features derived from a game state: the vocabulary shared by the rule
// file's condition fields and the ml tier's input vector.
import type { EngineConfig } from "./config.ts";
import type { GameState, ItemState, MonsterState, SkillState } from "./types.ts";

const frac = (v: number, max: number): number => (max > 0 ? Math.min(1, Math.max(0, v / max)) : 0);

export const hpFraction = (s: GameState): number => frac(s.player.hp, s.player.hp_max);
export const spFraction = (s: GameState): number => frac(s.player.sp, s.player.sp_max);
export const weightFraction = (s: GameState): number => frac(s.player.weight, s.player.weight_max);

export function countWithin(s: GameState, range: number, aggressiveOnly: boolean): number {
  let n = 0;
  for (const m of s.monsters) if (m.distance <= range && (!aggressiveOnly || m.aggressive)) n++;
  return n;
}

export function nearest(s: GameState, aggressiveOnly: boolean): MonsterState | undefined {
  let best: MonsterState | undefined;
  for (const m of s.monsters) {
    if (aggressiveOnly && !m.aggressive) continue;
    if (!best || m.distance < best.distance) best = m;
  }
  return best;
}

export function heldItem(s: GameState, name: string): ItemState | undefined {
  const lower = name.toLowerCase();
  return s.items.find((i) => i.quantity > 0 && i.name.toLowerCase() === lower);
}

/** The best healing item held, by the configured order (strongest first). */
export function bestHealingItem(s: GameState, cfg: EngineConfig): ItemState | undefined {
  for (const h of cfg.healing_items) {
    const it = heldItem(s, h.name);
    if (it) return it;
  }
  return undefined;
}

/** Strongest known offensive skill the player can afford right now. */
export function bestOffensiveSkill(s: GameState, cfg: EngineConfig): SkillState | undefined {
  let best: SkillState | undefined;
  let bestScore = 0;
  for (const sk of s.skills) {
    const power = cfg.offensive_skills[sk.name];
    if (power === undefined || power <= 0 || sk.sp_cost > s.player.sp) continue;
    const score = power * Math.max(1, sk.level);
    if (score > bestScore) { best = sk; bestScore = score; }
  }
  return best;
}

/** Lower-cased sets of configured name lists, built once per list (config lists are replaced, never edited, on reload). */
const lowerSets = new WeakMap<readonly string[], ReadonlySet<string>>();

export function hasStatus(s: GameState, names: readonly string[]): string | undefined {
  let want = lowerSets.get(names);
  if (!want) {
    want = new Set(names.map((n) => n.toLowerCase()));
    lowerSets.set(names, want);
  }
  const status = s.player.status;
  for (let i = 0; i < status.length; i++) if (want.has(status[i]!.toLowerCase())) return status[i];
  return undefined;
}

export const underAttack = (s: GameState, cfg: EngineConfig): boolean =>
  countWithin(s, cfg.reflex.under_attack_distance, true) > 0;

/** Names of the ml feature vector, in order; the model is only valid for this layout. */
export const ML_FEATURES = [
  "bias", "hp", "sp", "weight", "monsters_15", "aggressive_8", "nearest_distance",
  "in_combat", "level", "has_healing", "has_skill",
] as const;
export const ML_FEATURE_COUNT = ML_FEATURES.length;

/** Situation → ml input, each feature scaled into [0, 1]. */
export function mlFeatures(s: GameState, cfg: EngineConfig, out = new Float64Array(ML_FEATURE_COUNT)): Float64Array {
  const near = nearest(s, false);
  out[0] = 1;
  out[1] = hpFraction(s);
  out[2] = spFraction(s);
  out[3] = weightFraction(s);
  out[4] = Math.min(1, countWithin(s, 15, false) / 10);
  out[5] = Math.min(1, countWithin(s, 8, true) / 5);
  out[6] = near ? Math.min(1, near.distance / 15) : 1;
  out[7] = underAttack(s, cfg) ? 1 : 0;
  out[8] = Math.min(1, s.player.level / 99);
  out[9] = bestHealingItem(s, cfg) ? 1 : 0;
  out[10] = bestOffensiveSkill(s, cfg) ? 1 : 0;
  return out;
}
