// The deterministic crew: strategic_planner → combat_tactician → resource_manager,
// sharing one draft. The result has the spec's shape (strategic_plan, combat_strategy,
// resource_plan); task_type "analysis" adds an `analysis` block that compares reported
// performance with the plan.

import type { CrewContext, TaskType } from "../../../../contracts/openkore-ai.ts";
import { findJob, type GameData } from "../gamedata.ts";
import { combatTactician, type CombatStrategy } from "./combat.ts";
import { readContext, type PlanningContext } from "./context.ts";
import { resourceManager, type ResourcePlan } from "./resource.ts";
import { potionKey, round1, strategicPlanner, type StrategicDraft } from "./strategic.ts";

export { TASK_TYPES, type TaskType } from "../../../../contracts/openkore-ai.ts";

export const AGENTS = ["strategic_planner", "combat_tactician", "resource_manager"] as const;

export interface StrategicPlan {
  farming_location: string;
  map_id: string;
  estimated_exp_per_hour: number;
  estimated_time_hours: number;
  target_level: number;
  within_time_budget: boolean;
  equipment_recommendations: string[];
  consumable_requirements: Record<string, number>;
}

export interface Analysis {
  exp_efficiency: number | null;
  deaths_per_hour: number | null;
  findings: string[];
}

export interface CrewResult {
  strategic_plan: StrategicPlan;
  combat_strategy: CombatStrategy;
  resource_plan: ResourcePlan;
  analysis?: Analysis;
  /** One line for logs and clients that show the plan as text. */
  summary: string;
  notes: string[];
}

export function runCrew(data: GameData, taskType: TaskType, context: CrewContext): CrewResult {
  const ctx = readContext(context, data.maxLevel);
  const { job, known } = findJob(data, ctx.job);
  const notes: string[] = [...ctx.notes];
  if (!known) notes.push(`unknown job ${ctx.job ?? "(none)"}: planned as ${job.name}`);

  const draft = strategicPlanner(data, job, ctx);
  if (draft.mapNote) notes.push(draft.mapNote);
  else if (!draft.choice.inRange) notes.push(`no map lists level ${ctx.level}; nearest range chosen`);
  if (!draft.withinTimeBudget) notes.push(`target needs ${draft.estimatedHours} h, over the time budget`);
  const combat = combatTactician(data, job, draft.choice.map, ctx, draft.consumables);
  const resources = resourceManager(data, job, draft.choice.map, ctx.zeny, draft.consumables.cost);

  const plan = strategicPlan(draft, resources.equipment);
  const result: CrewResult = {
    strategic_plan: plan,
    combat_strategy: combat,
    resource_plan: resources.plan,
    summary:
      `Farm ${plan.farming_location} (${plan.estimated_exp_per_hour} exp/h, ${plan.estimated_time_hours} h to level ${plan.target_level}); ` +
      `rotation ${combat.skill_rotation.join(", ")}; heal below ${Math.round(combat.hp_threshold_heal * 100)}% HP`,
    notes,
  };
  if (taskType === "analysis") result.analysis = analyse(ctx, draft);
  return result;
}

function strategicPlan(draft: StrategicDraft, equipment: string[]): StrategicPlan {
  const c = draft.consumables;
  const consumables: Record<string, number> = {};
  if (c.hpPotion) consumables[potionKey(c.hpPotion)] = c.hpCount;
  if (c.spPotion && c.spCount > 0) consumables[potionKey(c.spPotion)] = c.spCount;
  return {
    farming_location: draft.choice.map.name,
    map_id: draft.choice.map.id,
    estimated_exp_per_hour: draft.choice.expPerHour,
    estimated_time_hours: draft.estimatedHours,
    target_level: draft.targetLevel,
    within_time_budget: draft.withinTimeBudget,
    equipment_recommendations: equipment,
    consumable_requirements: consumables,
  };
}

/**
 * Findings when reported exp/hour is under 70% of the estimate, deaths exceed 0.5/h, or
 * the map differs. "matches the plan" only when something was compared and passed.
 */
export function analyse(ctx: PlanningContext, draft: StrategicDraft): Analysis {
  const p = ctx.performance;
  const findings: string[] = [];
  const estimate = draft.choice.expPerHour;
  const efficiency = p?.expPerHour !== undefined && estimate > 0 ? Math.round((p.expPerHour / estimate) * 100) / 100 : null;
  const deathsPerHour = p?.deaths !== undefined && p.hoursPlayed ? round1(p.deaths / p.hoursPlayed) : null;
  const map = draft.choice.map;
  let compared = 0;
  if (efficiency !== null) {
    compared++;
    if (efficiency < 0.7) findings.push(`exp rate is ${Math.round(efficiency * 100)}% of the ${estimate}/h expected at ${map.name}`);
  }
  if (deathsPerHour !== null) {
    compared++;
    if (deathsPerHour > 0.5) findings.push(`${deathsPerHour} deaths per hour: heal earlier or farm a safer map`);
  } else if (p?.deaths !== undefined && p.deaths > 0) {
    findings.push(`${p.deaths} deaths reported without hours_played: the death rate cannot be rated`);
  }
  if (p?.map) {
    compared++;
    if (p.map.toLowerCase() !== map.id && p.map.toLowerCase() !== map.name.toLowerCase()) {
      findings.push(`farming ${p.map}; ${map.name} (${map.id}) fits level ${ctx.level} better`);
    }
  }
  if (!p) findings.push("no performance block in context: nothing to compare");
  else if (compared === 0 && findings.length === 0) findings.push("performance block has nothing to compare: send exp_per_hour, deaths with hours_played, or map");
  else if (findings.length === 0) findings.push("performance matches the plan");
  return { exp_efficiency: efficiency, deaths_per_hour: deathsPerHour, findings };
}
