// strategic_planner: where to farm, how fast, how long, and what consumables that takes.
//
// Map choice: among maps whose level range holds the character's level and whose
// role_fit for the job's role is > 0, maximise
//   exp_per_hour × role_fit × level_fit × exp_rate
// where level_fit falls linearly from 1 at the range's middle to level_fit_edge at its
// ends. Ties go to the map listed first. With no map in range, the nearest range wins.
// Time: base exp from the level to the target level (goal "Reach level N", else +1) over
// the expected exp/hour. Consumables cover min(time needed, time budget) hours: HP loss
// of the map × the job's hp_factor ÷ the average heal of the best HP potion the level
// allows, then SP likewise; HP is bought first, everything within the consumable budget.

import { expBetween, type FarmingMap, type GameData, type JobData, type Potion } from "../gamedata.ts";
import type { PlanningContext } from "./context.ts";

export interface MapChoice {
  readonly map: FarmingMap;
  readonly expPerHour: number;
  readonly inRange: boolean;
}

export interface ConsumablePlan {
  readonly hpPotion: Potion | undefined;
  readonly spPotion: Potion | undefined;
  readonly hpCount: number;
  readonly spCount: number;
  readonly cost: number;
  readonly hours: number;
}

export interface StrategicDraft {
  readonly choice: MapChoice;
  /** Why the preferred map was or was not used (absent when none was asked for). */
  readonly mapNote: string | undefined;
  readonly targetLevel: number;
  readonly expNeeded: number;
  readonly estimatedHours: number;
  readonly withinTimeBudget: boolean;
  readonly consumables: ConsumablePlan;
}

export function levelFit(map: FarmingMap, level: number, edge: number): number {
  const mid = (map.min_level + map.max_level) / 2;
  const half = (map.max_level - map.min_level) / 2;
  if (half === 0) return 1;
  return 1 - (1 - edge) * Math.min(1, Math.abs(level - mid) / half);
}

export function chooseMap(data: GameData, job: JobData, level: number): MapChoice {
  const { level_fit_edge: edge, exp_rate: rate } = data.planner;
  let best: MapChoice | undefined;
  let bestScore = -1;
  for (const map of data.maps) {
    const fit = map.role_fit[job.role];
    if (level < map.min_level || level > map.max_level || fit <= 0) continue;
    const score = map.exp_per_hour * fit * levelFit(map, level, edge) * rate;
    if (score > bestScore) {
      bestScore = score;
      best = { map, expPerHour: roundTo(score, 1000), inRange: true };
    }
  }
  if (best) return best;
  // Nothing in range: the closest range, at its edge fit.
  let nearest = data.maps[0];
  let gap = Infinity;
  for (const map of data.maps) {
    const d = level < map.min_level ? map.min_level - level : level - map.max_level;
    if (d < gap && map.role_fit[job.role] > 0) {
      gap = d;
      nearest = map;
    }
  }
  const map = nearest ?? (data.maps[0] as FarmingMap);
  return { map, expPerHour: roundTo(map.exp_per_hour * edge * Math.max(0.1, map.role_fit[job.role]) * rate, 1000), inRange: false };
}

/** Best potion of a kind the level allows (highest min_level, then dearest = strongest). */
export function bestPotion(data: GameData, kind: Potion["kind"], level: number): Potion | undefined {
  let best: Potion | undefined;
  for (const p of data.potions) {
    if (p.kind !== kind || p.min_level > level) continue;
    if (!best || p.min_level > best.min_level || (p.min_level === best.min_level && p.price > best.price)) best = p;
  }
  return best;
}

export function planConsumables(
  data: GameData,
  job: JobData,
  map: FarmingMap,
  level: number,
  hours: number,
  budget: number,
): ConsumablePlan {
  const hpPotion = bestPotion(data, "hp", level);
  const spPotion = bestPotion(data, "sp", level);
  const need = (perHour: number, factor: number, p: Potion | undefined): number => {
    const avg = p ? (p.heal_min + p.heal_max) / 2 : 0;
    return avg > 0 ? Math.ceil((perHour * factor * hours) / avg) : 0;
  };
  const afford = (count: number, p: Potion | undefined, left: number): number =>
    !p ? 0 : p.price > 0 ? Math.min(count, Math.floor(left / p.price)) : count;
  const hpCount = afford(need(map.hp_loss_per_hour, job.hp_factor, hpPotion), hpPotion, budget);
  const hpCost = hpCount * (hpPotion?.price ?? 0);
  const spCount = afford(need(map.sp_use_per_hour, job.sp_factor, spPotion), spPotion, budget - hpCost);
  const cost = hpCost + spCount * (spPotion?.price ?? 0);
  return { hpPotion, spPotion, hpCount, spCount, cost, hours };
}

export function consumableBudget(data: GameData, ctx: PlanningContext): number {
  const cap = Math.floor(ctx.zeny * data.planner.max_consumable_fraction);
  return ctx.consumableBudget === undefined ? cap : Math.min(cap, Math.floor(ctx.consumableBudget));
}

/**
 * The map the client asked for, when the planner has data for it and the job can farm
 * there; its exp/hour follows the same formula (edge fit outside the level range).
 */
export function preferredMap(data: GameData, job: JobData, ctx: PlanningContext): { choice: MapChoice | null; note: string | undefined } {
  const id = ctx.preferredMap;
  if (id === undefined) return { choice: null, note: undefined };
  const map = data.maps.find((m) => m.id === id);
  if (!map) return { choice: null, note: `preferred map ${id} has no farming data: planner's choice used` };
  const fit = map.role_fit[job.role];
  if (fit <= 0) return { choice: null, note: `preferred map ${map.name} does not suit a ${job.role} job: planner's choice used` };
  const inRange = ctx.level >= map.min_level && ctx.level <= map.max_level;
  const { level_fit_edge: edge, exp_rate: rate } = data.planner;
  const expPerHour = roundTo(map.exp_per_hour * fit * (inRange ? levelFit(map, ctx.level, edge) : edge) * rate, 1000);
  const note = inRange ? `planned at the preferred map ${map.name}` : `preferred map ${map.name} is for levels ${map.min_level}-${map.max_level}; planned there as asked`;
  return { choice: { map, expPerHour, inRange }, note };
}

export function strategicPlanner(data: GameData, job: JobData, ctx: PlanningContext): StrategicDraft {
  const preferred = preferredMap(data, job, ctx);
  const choice = preferred.choice ?? chooseMap(data, job, ctx.level);
  const wanted = ctx.targetLevel ?? ctx.level + 1;
  const targetLevel = Math.min(data.maxLevel, Math.max(ctx.level, Math.floor(wanted)));
  const expNeeded = expBetween(data, ctx.job, ctx.level, targetLevel);
  const estimatedHours = choice.expPerHour > 0 ? round1(expNeeded / choice.expPerHour) : 0;
  const budgetHours = ctx.timeBudgetHours ?? data.planner.default_time_budget_hours;
  const hours = Math.min(estimatedHours, budgetHours);
  const consumables = planConsumables(data, job, choice.map, ctx.level, hours, consumableBudget(data, ctx));
  return {
    choice,
    mapNote: preferred.note,
    targetLevel,
    expNeeded,
    estimatedHours,
    withinTimeBudget: ctx.timeBudgetHours === undefined || estimatedHours <= ctx.timeBudgetHours,
    consumables,
  };
}

/** "White Potion" → "white_potions" (the spec's consumable_requirements keys). */
export function potionKey(p: Potion): string {
  return `${p.name.toLowerCase().replace(/[^a-z0-9]+/g, "_")}s`;
}

export function roundTo(value: number, step: number): number {
  return Math.round(value / step) * step;
}

export function round1(value: number): number {
  return Math.round(value * 10) / 10;
}
