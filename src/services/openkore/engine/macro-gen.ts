// eventMacro text generator (REFERENCE §1): a heal automacro, an SP automacro, a
// combat rotation and, when asked, an MVP escape — all tied to the target map.
import type { MapTable } from "../../../contracts/ro-maps.ts";

export interface MacroRequest {
  purpose: string;
  constraints?: { avoid_mvp?: boolean; max_distance_from_spawn?: number; consumable_budget?: number };
  context?: { character_level?: number; character_job?: string; available_skills?: string[] };
  /** The map the client asked for (named in the purpose), if any: it wins over the planner's. */
  map_id?: string;
  /** Hints from the planner (AI service), all optional. */
  plan?: {
    farming_location?: string;
    map_id?: string;
    skill_rotation?: string[];
    hp_threshold_heal?: number;
    sp_threshold?: number;
    estimated_exp_per_hour?: number;
  };
}

export interface MacroGenConfig {
  maps: MapTable;
  healing_items: string[];
  unit_price: (item: string) => number | undefined;
  /** Potions a budget must afford to count as affordable. */
  budget_units: number;
  mvps: string[];
  offensive_skills: Record<string, number>;
  /** Skills cast on a target before the damage rotation (e.g. Provoke). */
  opener_skills: string[];
}

export interface GeneratedMacro {
  macro_name: string;
  /** Map id of every automacro's `location`, null when no map is known. */
  map: string | null;
  map_name: string | null;
  content: string;
  heal_item: string;
  rotation: string[];
  /** The planner's exp/hour at this map, as text; null when no planner figure applies. */
  estimated_efficiency: string | null;
  estimated_exp_per_hour: number | null;
}

const PURPOSES = ["leveling", "farming", "hunting", "looting", "questing", "grinding"];
const MAX_ROTATION = 8;

export const slug = (s: string): string => s.toLowerCase().replace(/[^a-z0-9]+/g, "_").replace(/^_+|_+$/g, "").slice(0, 48) || "macro";
/** One line of free text for a `#` comment: no line breaks or other control characters. */
const commentText = (s: string): string => s.replace(/[\u0000-\u001f\u007f]+/g, " ").trim();

interface Where { id: string; label: string }

function location(req: MacroRequest, maps: MapTable): Where | null {
  const id = req.map_id ?? req.plan?.map_id;
  if (id === undefined) return null;
  const label = maps.get(id)?.name ?? (req.plan?.map_id === id ? req.plan.farming_location : undefined) ?? id;
  return { id, label };
}

/** The name a macro for this request gets when it is free (e.g. clock_tower_3f_leveling). */
export function macroBaseName(req: MacroRequest, cfg: MacroGenConfig): string {
  const where = location(req, cfg.maps);
  const kind = PURPOSES.find((p) => req.purpose.toLowerCase().includes(p)) ?? "routine";
  return where ? `${slug(where.label)}_${kind}` : slug(req.purpose);
}

/** The planner's rotation, else the character's skills with openers first; only skills the engine can cast. */
export function rotationFor(req: MacroRequest, cfg: MacroGenConfig): string[] {
  const usable = (s: string): boolean => (cfg.offensive_skills[s] ?? 0) > 0 || cfg.opener_skills.includes(s);
  let skills = req.plan?.skill_rotation;
  if (!skills) {
    const have = req.context?.available_skills ?? [];
    skills = [...have.filter((s) => cfg.opener_skills.includes(s)), ...have.filter((s) => !cfg.opener_skills.includes(s))];
  }
  return skills.filter(usable).slice(0, MAX_ROTATION);
}

export function generateMacro(req: MacroRequest, cfg: MacroGenConfig, name: string = macroBaseName(req, cfg)): GeneratedMacro {
  const where = location(req, cfg.maps);
  const budget = req.constraints?.consumable_budget;
  // Strongest potion the budget can buy `budget_units` of; the cheapest when the budget is tiny.
  const affordable = cfg.healing_items.filter((i) => {
    const p = cfg.unit_price(i);
    return budget === undefined || (p !== undefined && p * cfg.budget_units <= budget);
  });
  const heal = affordable[0] ?? cfg.healing_items[cfg.healing_items.length - 1] ?? "Red Potion";
  const rotation = rotationFor(req, cfg);
  const hpPct = Math.round((req.plan?.hp_threshold_heal ?? 0.5) * 100);
  const spPct = Math.round((req.plan?.sp_threshold ?? 0.3) * 100);
  const loc = where ? [`    location ${where.id}`] : [];
  const out: string[] = [
    `# Generated macro: ${name}`,
    `# Purpose: ${commentText(req.purpose)}`,
  ];
  if (where) out.push(`# Map: ${commentText(where.label)} (${where.id})`);
  if (req.context?.character_job || req.context?.character_level) {
    out.push(`# Character: ${commentText(req.context.character_job ?? "?")} level ${req.context.character_level ?? "?"}`);
  }
  if (req.constraints?.max_distance_from_spawn !== undefined) out.push(`# Stay within ${req.constraints.max_distance_from_spawn} cells of spawn`);
  out.push(
    `automacro ${name}_heal {`, ...loc, `    hp < ${hpPct}%`, "    timeout 5", `    call ${name}_heal_do`, "}",
    `macro ${name}_heal_do {`, `    do is "${heal}"`, "    pause 1.0", "}",
    `automacro ${name}_sp {`, ...loc, `    sp < ${spPct}%`, "    timeout 10", `    call ${name}_sp_do`, "}",
    `macro ${name}_sp_do {`, '    do is "Blue Potion"', "    pause 1.0", "}",
  );
  if (rotation.length > 0) {
    out.push(`automacro ${name}_combat {`, ...loc, `    sp > ${spPct}%`, "    timeout 3", `    call ${name}_rotation`, "}",
      `macro ${name}_rotation {`);
    for (const s of rotation) out.push(`    do ss "${s}" $target`, "    pause 0.5");
    out.push("}");
  }
  if (req.constraints?.avoid_mvp && cfg.mvps.length > 0) {
    out.push(`automacro ${name}_avoid_mvp {`, ...loc, `    monster ${cfg.mvps.join(", ")}`, "    timeout 2", `    call ${name}_escape`, "}",
      `macro ${name}_escape {`, '    log MVP nearby, teleporting', "    do tele", "}");
  }
  // Only a figure the planner computed for this very map is reported.
  const exp = where && req.plan?.map_id === where.id && req.plan.estimated_exp_per_hour !== undefined ? req.plan.estimated_exp_per_hour : null;
  return {
    macro_name: name, map: where?.id ?? null, map_name: where?.label ?? null, content: out.join("\n") + "\n", heal_item: heal, rotation,
    estimated_efficiency: exp !== null && where ? `${exp.toLocaleString("en-US")} exp/h at ${where.label} (planner estimate)` : null,
    estimated_exp_per_hour: exp,
  };
}
