// Reads the crew `context` (already validated against the shared contract,
// contracts/openkore-ai.ts) into the fields the planners use. Absent fields get
// defaults, and every default that changes the plan is reported as a note.

import type { CrewContext } from "../../../../contracts/openkore-ai.ts";

export interface PlanningContext {
  readonly level: number;
  readonly job: string | undefined;
  readonly zeny: number;
  readonly goal: string | undefined;
  readonly targetLevel: number | undefined;
  /** Skill names the character has; empty when not given (no filtering). */
  readonly skills: readonly string[];
  readonly timeBudgetHours: number | undefined;
  readonly consumableBudget: number | undefined;
  readonly preferredMap: string | undefined;
  readonly performance: PerformanceReport | undefined;
  /** What was assumed because the context did not say (or said more than the tables hold). */
  readonly notes: readonly string[];
}

export interface PerformanceReport {
  readonly expPerHour: number | undefined;
  readonly hoursPlayed: number | undefined;
  readonly deaths: number | undefined;
  readonly map: string | undefined;
}

/** "Reach level 90", "level 90", "lv90" → 90. */
export function goalLevel(goal: string | undefined): number | undefined {
  const m = goal ? /\b(?:level|lvl|lv)\s*(\d{1,3})\b/i.exec(goal) : null;
  return m?.[1] ? Number(m[1]) : undefined;
}

const trimmed = (s: string | undefined): string | undefined => (s !== undefined && s.trim().length > 0 ? s.trim() : undefined);

export function readContext(context: CrewContext, maxLevel = 99): PlanningContext {
  const c = context.character ?? {};
  const k = context.constraints ?? {};
  const p = context.performance;
  const notes: string[] = [];
  let level = c.level ?? 1;
  if (c.level === undefined) notes.push("no character.level given: planned for level 1");
  if (level > maxLevel) {
    notes.push(`level ${level} is above the planner's table (${maxLevel}): planned as level ${maxLevel}`);
    level = maxLevel;
  }
  const goal = trimmed(c.current_goal);
  return {
    level,
    job: trimmed(c.job),
    zeny: c.zeny ?? 0,
    goal,
    targetLevel: c.target_level ?? goalLevel(goal),
    skills: c.skills ?? [],
    timeBudgetHours: k.time_budget_hours,
    consumableBudget: k.consumable_budget,
    preferredMap: context.preferred_map,
    performance: p
      ? { expPerHour: p.exp_per_hour, hoursPlayed: p.hours_played, deaths: p.deaths, map: trimmed(p.map) }
      : undefined,
    notes,
  };
}
