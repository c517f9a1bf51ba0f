// combat_tactician: skill rotation, heal threshold and SP policy for the chosen map.
//
// Rotation: the job's AoE rotation on maps whose density is listed in
// dense_maps_use_aoe (mobs come in groups), its single-target rotation elsewhere;
// when the character's skills are given, skills it lacks are dropped ("Attack" always
// stays), the job's opener skills it has (e.g. Provoke) go first, and an empty result
// becomes ["Attack"].
// Heal threshold: the job's base + (map danger − 0.5) × heal_threshold_danger_gain,
// clamped to [heal_threshold_min, heal_threshold_max], two decimals.

import type { FarmingMap, GameData, JobData } from "../gamedata.ts";
import type { PlanningContext } from "./context.ts";
import type { ConsumablePlan } from "./strategic.ts";

export interface CombatStrategy {
  readonly skill_rotation: string[];
  readonly hp_threshold_heal: number;
  /** SP fraction below which SP is restored (the number behind sp_management). */
  readonly sp_threshold: number;
  readonly sp_management: string;
}

export function combatTactician(
  data: GameData,
  job: JobData,
  map: FarmingMap,
  ctx: PlanningContext,
  consumables: ConsumablePlan,
): CombatStrategy {
  const p = data.planner;
  const aoe = p.dense_maps_use_aoe.includes(map.density);
  const base = aoe ? job.rotation_aoe : job.rotation_single;
  const known = new Set(ctx.skills.map((s) => s.toLowerCase()));
  const openers = known.size === 0 ? [] : (job.opener ?? []).filter((s) => known.has(s.toLowerCase()));
  const damage = known.size === 0 ? [...base] : base.filter((s) => s === "Attack" || known.has(s.toLowerCase()));
  const rotation = [...openers, ...(damage.length > 0 ? damage : ["Attack"])];
  const heal = job.hp_threshold_heal + (map.danger - 0.5) * p.heal_threshold_danger_gain;
  const hp = Math.round(Math.min(p.heal_threshold_max, Math.max(p.heal_threshold_min, heal)) * 100) / 100;
  const spPct = Math.round(job.sp_threshold * 100);
  let sp: string;
  if (job.sp_factor === 0) sp = "No SP skills in rotation; SP is not managed";
  else if (consumables.spPotion && consumables.spCount > 0) sp = `Use ${consumables.spPotion.name.toLowerCase()} at ${spPct}% SP`;
  else sp = `Sit to regenerate SP at ${spPct}% SP`;
  return { skill_rotation: rotation, hp_threshold_heal: hp, sp_threshold: job.sp_threshold, sp_management: sp };
}
