import { describe, expect, test } from "bun:test";
import { readFileSync, readdirSync } from "node:fs";
import { loadMapTable } from "../../../src/contracts/ro-maps.ts";
import { DEFAULT_ENGINE_CONFIG as cfg } from "../../../src/services/openkore/engine/config.ts";
import { generateMacro, macroBaseName, type MacroGenConfig, type MacroRequest } from "../../../src/services/openkore/engine/macro-gen.ts";
import { parseMacros } from "../../../src/services/openkore/engine/macro-parser.ts";

const dir = new URL("../../../config/openkore/", import.meta.url);
const maps = loadMapTable();
const PRICES: Record<string, number> = { "White Potion": 1200, "Yellow Potion": 550, "Orange Potion": 200, "Red Potion": 50 };
const gen: MacroGenConfig = {
  maps, healing_items: cfg.healing_items.map((h) => h.name), unit_price: (n) => PRICES[n], budget_units: 50,
  mvps: ["Osiris", "Baphomet"], offensive_skills: cfg.offensive_skills, opener_skills: cfg.opener_skills,
};
const specRequest: MacroRequest = {
  purpose: "Efficient leveling at Clock Tower 3F",
  constraints: { avoid_mvp: true, max_distance_from_spawn: 50, consumable_budget: 10000 },
  context: { character_level: 85, character_job: "Knight", available_skills: ["Bash", "Provoke", "Magnum Break"] },
  map_id: "c_tower3",
};

describe("macro generator", () => {
  test("the spec's request yields clock_tower_3f_leveling on c_tower3 and parses cleanly", () => {
    const m = generateMacro(specRequest, gen);
    expect(m.macro_name).toBe("clock_tower_3f_leveling");
    expect(m.map).toBe("c_tower3");
    expect(m.map_name).toBe("Clock Tower 3F");
    // Provoke opens (it is an opener, not a damage skill), then the damage skills in the order given.
    expect(m.rotation).toEqual(["Provoke", "Bash", "Magnum Break"]);
    expect(m.estimated_efficiency).toBeNull();
    expect(m.heal_item).toBe("Orange Potion");
    const p = parseMacros(m.content);
    expect(p.errors).toEqual([]);
    expect(p.automacros.map((a) => a.name)).toEqual([
      "clock_tower_3f_leveling_heal", "clock_tower_3f_leveling_sp", "clock_tower_3f_leveling_combat", "clock_tower_3f_leveling_avoid_mvp",
    ]);
    expect(m.content).toContain("location c_tower3");
    expect(m.content).toContain('do ss "Provoke" $target\n    pause 0.5\n    do ss "Bash" $target\n    pause 0.5\n    do ss "Magnum Break" $target');
  });

  test("the planner's map and exp figure are used when the request names no map", () => {
    const plan = { map_id: "abyss_01", farming_location: "Abyss Lake Underground Cave 1F", estimated_exp_per_hour: 1_200_000, skill_rotation: ["Bash", "Attack", "Magnum Break"] };
    const req: MacroRequest = { purpose: "Strategic leveling plan for a level 90 Knight", plan };
    expect(macroBaseName(req, gen)).toBe("abyss_lake_underground_cave_1f_leveling");
    const m = generateMacro(req, gen);
    expect(m.map).toBe("abyss_01");
    expect(m.content).toContain("    location abyss_01\n");
    expect(m.content).not.toContain("prontera");
    expect(m.rotation).toEqual(["Bash", "Magnum Break"]);
    expect(m.estimated_exp_per_hour).toBe(1_200_000);
    expect(m.estimated_efficiency).toBe("1,200,000 exp/h at Abyss Lake Underground Cave 1F (planner estimate)");
    // A map the client asked for wins; the planner's figure is for another map, so none is reported.
    const asked = generateMacro({ ...req, map_id: "c_tower3" }, gen);
    expect(asked.map).toBe("c_tower3");
    expect(asked.estimated_efficiency).toBeNull();
  });

  test("a name given by the caller is used for the macro and every automacro in it", () => {
    const m = generateMacro(specRequest, gen, "clock_tower_3f_leveling_2");
    expect(m.macro_name).toBe("clock_tower_3f_leveling_2");
    expect(parseMacros(m.content).automacros.map((a) => a.name)[0]).toBe("clock_tower_3f_leveling_2_heal");
    expect(m.content).not.toMatch(/clock_tower_3f_leveling_(heal|sp|combat)/);
  });

  test("control characters in the purpose stay inside its comment line", () => {
    const m = generateMacro({ purpose: "farm\nautomacro evil {\u0000 }" }, gen);
    expect(m.content.split("\n")[1]).toBe("# Purpose: farm automacro evil {  }");
    expect(parseMacros(m.content).automacros.map((a) => a.name)).not.toContain("evil");
  });

  test("planner hints set the heal threshold and rotation", () => {
    const m = generateMacro({ ...specRequest, plan: { hp_threshold_heal: 0.35, skill_rotation: ["Bowling Bash", "Bash"] } }, gen);
    expect(m.content).toContain("hp < 35%");
    expect(m.rotation).toEqual(["Bowling Bash", "Bash"]);
    expect(generateMacro({ ...specRequest, plan: { sp_threshold: 0.25 } }, gen).content).toContain("sp < 25%");
    expect(parseMacros(m.content).ok).toBe(true);
  });

  test("a purpose naming no known map gets a slug name and no location line", () => {
    const m = generateMacro({ purpose: "Farm jellopy!!" }, gen);
    expect(m.macro_name).toBe("farm_jellopy");
    expect(m.content).not.toContain("location");
    expect(parseMacros(m.content).ok).toBe(true);
  });
});

describe("macro parser", () => {
  test("every shipped macro file parses without errors", () => {
    const files = readdirSync(new URL("macros/", dir)).filter((f) => f.endsWith(".txt"));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      const text = readFileSync(new URL(`macros/${f}`, dir), "utf8");
      expect({ f, errors: parseMacros(text).errors }).toEqual({ f, errors: [] });
    }
  });

  test("an unclosed block, unknown keyword and dangling call are each reported", () => {
    const p = parseMacros([
      "automacro a {", "    hp < 50%", "    teleport now", "    call missing", "}",
      "macro b {", "    do is \"Red Potion\"", "    dance", "",
    ].join("\n"));
    expect(p.ok).toBe(false);
    const msgs = p.errors.map((e) => e.message);
    expect(msgs.some((m) => m.includes('unknown automacro condition "teleport"'))).toBe(true);
    expect(msgs.some((m) => m.includes('unknown macro command "dance"'))).toBe(true);
    expect(msgs.some((m) => m.includes('"b" is not closed'))).toBe(true);
    expect(msgs.some((m) => m.includes('unknown macro "missing"'))).toBe(true);
  });

  test("bad numbers, quotes and stray text are reported with their line", () => {
    const p = parseMacros(["stray", "automacro x {", "    hp < lots", "    timeout soon", "    call y", "}", "macro y {", '    do is "Red Potion', "}"].join("\n"));
    expect(p.errors.map((e) => e.line).sort((a, b) => a - b)).toEqual([1, 3, 4, 8]);
  });
});
