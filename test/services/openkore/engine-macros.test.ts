import { describe, expect, test } from "bun:test";
import { readFileSync, readdirSync } from "node:fs";
import { DEFAULT_ENGINE_CONFIG as cfg } from "../../../src/services/openkore/engine/config.ts";
import { generateMacro, type MacroGenConfig } from "../../../src/services/openkore/engine/macro-gen.ts";
import { parseMacros } from "../../../src/services/openkore/engine/macro-parser.ts";

const dir = new URL("../../../config/openkore/", import.meta.url);
const maps = (await Bun.file(new URL("maps.json", dir)).json()) as Record<string, string>;
const PRICES: Record<string, number> = { "White Potion": 1200, "Yellow Potion": 550, "Orange Potion": 200, "Red Potion": 50 };
const gen: MacroGenConfig = {
  maps, healing_items: cfg.healing_items.map((h) => h.name), unit_price: (n) => PRICES[n], budget_units: 50,
  mvps: ["Osiris", "Baphomet"], offensive_skills: cfg.offensive_skills,
};
const specRequest = {
  purpose: "Efficient leveling at Clock Tower 3F",
  constraints: { avoid_mvp: true, max_distance_from_spawn: 50, consumable_budget: 10000 },
  context: { character_level: 85, character_job: "Knight", available_skills: ["Bash", "Provoke", "Magnum Break"] },
};

describe("macro generator", () => {
  test("the spec's request yields clock_tower_3f_leveling on c_tower3 and parses cleanly", () => {
    const m = generateMacro(specRequest, gen);
    expect(m.macro_name).toBe("clock_tower_3f_leveling");
    expect(m.map).toBe("c_tower3");
    expect(m.rotation).toEqual(["Bash", "Magnum Break"]);
    expect(m.heal_item).toBe("Orange Potion");
    const p = parseMacros(m.content);
    expect(p.errors).toEqual([]);
    expect(p.automacros.map((a) => a.name)).toEqual([
      "clock_tower_3f_leveling_heal", "clock_tower_3f_leveling_sp", "clock_tower_3f_leveling_combat", "clock_tower_3f_leveling_avoid_mvp",
    ]);
    expect(m.content).toContain("location c_tower3");
    expect(m.content).toContain('do ss "Bash" $target');
  });

  test("planner hints set the heal threshold and rotation", () => {
    const m = generateMacro({ ...specRequest, plan: { hp_threshold_heal: 0.35, skill_rotation: ["Bowling Bash", "Bash"] } }, gen);
    expect(m.content).toContain("hp < 35%");
    expect(m.rotation).toEqual(["Bowling Bash", "Bash"]);
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
