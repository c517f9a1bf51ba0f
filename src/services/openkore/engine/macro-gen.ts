// eventMacro text generator (REFERENCE §1): a heal automacro, an SP automacro, a
// combat rotation and, when asked, an MVP escape — all tied to the target map.

export interface MacroRequest {
  purpose: string;
  constraints?: { avoid_mvp?: boolean; max_distance_from_spawn?: number; consumable_budget?: number };
  context?: { character_level?: number; character_job?: string; available_skills?: string[] };
  /** Hints from the planner (AI service), all optional. */
  plan?: { farming_location?: string; skill_rotation?: string[]; hp_threshold_heal?: number; sp_threshold?: number };
}

export interface MacroGenConfig {
  /** Display name → map id, e.g. "Clock Tower 3F" → "c_tower3". */
  maps: Record<string, string>;
  healing_items: string[];
  unit_price: (item: string) => number | undefined;
  /** Potions a budget must afford to count as affordable. */
  budget_units: number;
  mvps: string[];
  offensive_skills: Record<string, number>;
}

export interface GeneratedMacro {
  macro_name: string;
  map: string | null;
  content: string;
  heal_item: string;
  rotation: string[];
  estimated_efficiency: string;
}

const PURPOSES = ["leveling", "farming", "hunting", "looting", "questing", "grinding"];

export const slug = (s: string): string => s.toLowerCase().replace(/[^a-z0-9]+/g, "_").replace(/^_+|_+$/g, "").slice(0, 48) || "macro";

function findMap(text: string, maps: Record<string, string>): { label: string; id: string } | null {
  const lower = text.toLowerCase();
  let best: { label: string; id: string } | null = null;
  for (const [label, id] of Object.entries(maps)) {
    const hit = lower.includes(label.toLowerCase()) || new RegExp(`\\b${id}\\b`).test(lower);
    if (hit && (!best || label.length > best.label.length)) best = { label, id };
  }
  return best;
}

export function generateMacro(req: MacroRequest, cfg: MacroGenConfig): GeneratedMacro {
  const where = findMap(req.plan?.farming_location ?? req.purpose, cfg.maps) ?? findMap(req.purpose, cfg.maps);
  const kind = PURPOSES.find((p) => req.purpose.toLowerCase().includes(p)) ?? "routine";
  const name = where ? `${slug(where.label)}_${kind}` : slug(req.purpose);
  const budget = req.constraints?.consumable_budget;
  // Strongest potion the budget can buy `budget_units` of; the cheapest when unconstrained budget is tiny.
  const affordable = cfg.healing_items.filter((i) => {
    const p = cfg.unit_price(i);
    return budget === undefined || (p !== undefined && p * cfg.budget_units <= budget);
  });
  const heal = affordable[0] ?? cfg.healing_items[cfg.healing_items.length - 1] ?? "Red Potion";
  const skills = req.plan?.skill_rotation ?? req.context?.available_skills ?? [];
  const rotation = skills.filter((s) => (cfg.offensive_skills[s] ?? 0) > 0).slice(0, 6);
  const hpPct = Math.round((req.plan?.hp_threshold_heal ?? 0.5) * 100);
  const spPct = Math.round((req.plan?.sp_threshold ?? 0.3) * 100);
  const loc = where ? [`    location ${where.id}`] : [];
  const out: string[] = [
    `# Generated macro: ${name}`,
    `# Purpose: ${req.purpose.replace(/[\r\n]+/g, " ")}`,
  ];
  if (req.context?.character_job || req.context?.character_level) {
    out.push(`# Character: ${req.context.character_job ?? "?"} level ${req.context.character_level ?? "?"}`);
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
  const efficiency = 100 + 10 * Math.min(3, rotation.length) + (where ? 10 : 0);
  return { macro_name: name, map: where?.id ?? null, content: out.join("\n") + "\n", heal_item: heal, rotation, estimated_efficiency: `${efficiency}% vs manual play` };
}
