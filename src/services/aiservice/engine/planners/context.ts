// Reads the loosely typed crew `context` object into the fields the planners use.
// Unknown or malformed fields fall back to defaults and are reported as notes.

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
  readonly performance: PerformanceReport | undefined;
}

export interface PerformanceReport {
  readonly expPerHour: number | undefined;
  readonly hoursPlayed: number | undefined;
  readonly deaths: number | undefined;
  readonly map: string | undefined;
}

type Obj = Readonly<Record<string, unknown>>;

function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function num(v: unknown): number | undefined {
  return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}

function str(v: unknown): string | undefined {
  return typeof v === "string" && v.trim().length > 0 ? v.trim() : undefined;
}

function skillNames(v: unknown): string[] {
  if (!Array.isArray(v)) return [];
  const out: string[] = [];
  for (const s of v) {
    const name = typeof s === "string" ? s : isObj(s) ? str(s["name"]) : undefined;
    if (name) out.push(name);
  }
  return out;
}

/** "Reach level 90", "level 90", "lv90" → 90. */
export function goalLevel(goal: string | undefined): number | undefined {
  const m = goal ? /\b(?:level|lvl|lv)\s*(\d{1,3})\b/i.exec(goal) : null;
  return m?.[1] ? Number(m[1]) : undefined;
}

export function readContext(context: Obj): PlanningContext {
  // The character block may be nested (spec example) or flattened into context.
  const c = isObj(context["character"]) ? context["character"] : context;
  const k = isObj(context["constraints"]) ? context["constraints"] : {};
  const p = isObj(context["performance"]) ? context["performance"] : undefined;
  const level = num(c["level"]) ?? num(c["base_level"]) ?? 1;
  const goal = str(c["current_goal"]) ?? str(context["goal"]);
  return {
    level: Math.min(99, Math.max(1, Math.floor(level))),
    job: str(c["job"]) ?? str(c["job_class"]),
    zeny: Math.max(0, Math.floor(num(c["zeny"]) ?? 0)),
    goal,
    targetLevel: num(c["target_level"]) ?? goalLevel(goal),
    skills: skillNames(c["skills"] ?? c["available_skills"]),
    timeBudgetHours: positive(num(k["time_budget_hours"])),
    consumableBudget: nonNegative(num(k["consumable_budget"])),
    performance: p
      ? {
          expPerHour: nonNegative(num(p["exp_per_hour"])),
          hoursPlayed: positive(num(p["hours_played"])),
          deaths: nonNegative(num(p["deaths"])),
          map: str(p["map"]),
        }
      : undefined,
  };
}

function positive(v: number | undefined): number | undefined {
  return v !== undefined && v > 0 ? v : undefined;
}

function nonNegative(v: number | undefined): number | undefined {
  return v !== undefined && v >= 0 ? v : undefined;
}
