// resource_manager: splits the character's zeny into consumables, equipment and reserve.
//
// consumables = the strategic plan's potion cost (already within the consumable budget).
// equipment   = the map's equipment list, in listed order, for the job's role, each item
//               taken while the running total stays within
//               (zeny − consumables) × equipment_fraction.
// reserve     = the rest. The three always sum to the character's zeny.

import type { FarmingMap, GameData, JobData } from "../gamedata.ts";

export interface ResourcePlan {
  readonly zeny_allocation: { consumables: number; equipment: number; reserve: number };
}

export interface ResourceDecision {
  readonly plan: ResourcePlan;
  readonly equipment: string[];
}

export function resourceManager(
  data: GameData,
  job: JobData,
  map: FarmingMap,
  zeny: number,
  consumablesCost: number,
): ResourceDecision {
  const consumables = Math.min(zeny, consumablesCost);
  const cap = Math.floor((zeny - consumables) * data.planner.equipment_fraction);
  const chosen: string[] = [];
  let equipment = 0;
  for (const item of map.equipment) {
    if (item.roles && !item.roles.includes(job.role)) continue;
    if (equipment + item.cost > cap) continue;
    equipment += item.cost;
    chosen.push(item.name);
  }
  return {
    plan: { zeny_allocation: { consumables, equipment, reserve: zeny - consumables - equipment } },
    equipment: chosen,
  };
}
