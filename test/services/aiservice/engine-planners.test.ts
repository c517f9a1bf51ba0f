import { describe, expect, test } from "bun:test";
import {
  buildGameData,
  chooseMap,
  findJob,
  goalLevel,
  levelFit,
  readContext,
  runCrew,
  type GameData,
} from "../../../src/services/aiservice/engine/index.ts";
import { mapTable, rawGameData, shippedGameData } from "./fixtures.ts";

const data: GameData = shippedGameData();

const specContext = {
  character: { level: 85, job: "Knight", zeny: 5000000, current_goal: "Reach level 90" },
  constraints: { time_budget_hours: 10, consumable_budget: 500000 },
};

function price(name: string): number {
  const p = data.potions.find((x) => x.name === name);
  if (!p) throw new Error(name);
  return p.price;
}

describe("game data", () => {
  test("the shipped data validates", () => {
    expect(buildGameData(structuredClone(rawGameData), mapTable).ok).toBe(true);
  });

  test("a map whose min_level exceeds max_level is rejected with its id", () => {
    const raw = structuredClone(rawGameData);
    const first = raw.maps.maps[0];
    if (!first) throw new Error("no maps");
    first.min_level = 50;
    first.max_level = 10;
    const built = buildGameData(raw, mapTable);
    expect(built.ok).toBe(false);
    if (!built.ok) expect(built.errors.join()).toContain(first.id);
  });

  test("schema errors and an unlisted default job are reported", () => {
    const wrongType = { ...structuredClone(rawGameData), planner: { ...rawGameData.planner, exp_rate: "fast" } };
    expect(buildGameData(wrongType, mapTable).ok).toBe(false);
    const noDefault = structuredClone(rawGameData);
    noDefault.jobs.default_job = "Gunslinger";
    const built = buildGameData(noDefault, mapTable);
    expect(built.ok).toBe(false);
    if (!built.ok) expect(built.errors.join()).toContain("Gunslinger");
  });
});

describe("strategic_planner", () => {
  test("picks the in-range map with the highest fit-weighted exp for every job and level", () => {
    for (const jobName of ["Knight", "Wizard", "Hunter", "Priest", "Assassin"]) {
      const { job } = findJob(data, jobName);
      for (let level = 1; level <= 99; level += 7) {
        const candidates = data.maps
          .filter((m) => level >= m.min_level && level <= m.max_level && m.role_fit[job.role] > 0)
          .map((m) => ({ id: m.id, s: m.exp_per_hour * m.role_fit[job.role] * levelFit(m, level, data.planner.level_fit_edge) }));
        if (candidates.length === 0) continue;
        const best = candidates.reduce((a, b) => (b.s > a.s ? b : a));
        const choice = chooseMap(data, job, level);
        expect(choice.map.id).toBe(best.id);
        expect(choice.inRange).toBe(true);
        expect(choice.expPerHour).toBe(Math.round(best.s / 1000) * 1000);
      }
    }
  });

  test("level fit is 1 in the middle of a range and the configured edge value at its ends", () => {
    const map = data.maps.find((m) => m.max_level > m.min_level);
    if (!map) throw new Error("no ranged map");
    expect(levelFit(map, (map.min_level + map.max_level) / 2, 0.7)).toBeCloseTo(1, 9);
    expect(levelFit(map, map.min_level, 0.7)).toBeCloseTo(0.7, 9);
    expect(levelFit(map, map.max_level, 0.7)).toBeCloseTo(0.7, 9);
  });

  test("the spec example plans Knight 85 → 90 with time from the exp table", () => {
    const result = runCrew(data, "strategic", specContext);
    const plan = result.strategic_plan;
    const { job } = findJob(data, "Knight");
    expect(plan.map_id).toBe(chooseMap(data, job, 85).map.id);
    expect(plan.target_level).toBe(90);
    const need = data.expNormal.slice(84, 89).reduce((a, b) => a + b, 0);
    expect(plan.estimated_time_hours).toBeCloseTo(need / plan.estimated_exp_per_hour, 1);
    expect(plan.within_time_budget).toBe(plan.estimated_time_hours <= 10);
    expect(Object.keys(plan.consumable_requirements)).toEqual(["white_potions", "blue_potions"]);
    expect(result.summary).toContain(plan.farming_location);
    expect(result.summary).toContain(`level ${plan.target_level}`);
  });

  test("transcendent jobs use the transcendent exp table", () => {
    const normal = runCrew(data, "strategic", { character: { level: 85, job: "Knight", zeny: 0, current_goal: "Reach level 86" } });
    const trans = runCrew(data, "strategic", { character: { level: 85, job: "Lord Knight", zeny: 0, current_goal: "Reach level 86" } });
    const ratio = trans.strategic_plan.estimated_time_hours / normal.strategic_plan.estimated_time_hours;
    expect(ratio).toBeCloseTo((data.expTranscendent[84] ?? 0) / (data.expNormal[84] ?? 1), 1);
  });

  test("consumables stay within the consumable budget and buy HP before SP", () => {
    const result = runCrew(data, "strategic", specContext);
    const req = result.strategic_plan.consumable_requirements;
    const cost = (req["white_potions"] ?? 0) * price("White Potion") + (req["blue_potions"] ?? 0) * price("Blue Potion");
    expect(cost).toBeLessThanOrEqual(500000);
    expect(result.resource_plan.zeny_allocation.consumables).toBe(cost);
    // A budget that only covers HP potions buys no SP potions.
    const tight = runCrew(data, "strategic", { ...specContext, constraints: { time_budget_hours: 10, consumable_budget: 100000 } });
    expect(tight.strategic_plan.consumable_requirements["white_potions"]).toBe(Math.floor(100000 / price("White Potion")));
    expect(tight.strategic_plan.consumable_requirements["blue_potions"]).toBeUndefined();
  });

  test("potion tier follows level: low levels plan red potions", () => {
    const result = runCrew(data, "strategic", { character: { level: 10, job: "Swordman", zeny: 100000 } });
    expect(Object.keys(result.strategic_plan.consumable_requirements)).toEqual(["red_potions"]);
  });

  test("a level outside every map range falls back to the nearest range with a note", () => {
    const sparse = buildGameData({ ...structuredClone(rawGameData), maps: { maps: rawGameData.maps.maps.filter((m) => m.min_level >= 60) } }, mapTable);
    if (!sparse.ok) throw new Error("fixture");
    const result = runCrew(sparse.data, "strategic", { character: { level: 5, job: "Knight", zeny: 1000 } });
    expect(result.strategic_plan.map_id).toBe(sparse.data.maps.reduce((a, b) => (b.min_level < a.min_level ? b : a)).id);
    expect(result.notes.join()).toContain("nearest");
  });
});

describe("combat_tactician", () => {
  test("dense maps get the job's AoE rotation, others its single-target rotation", () => {
    for (const level of [20, 45, 85]) {
      const result = runCrew(data, "strategic", { character: { level, job: "Wizard", zeny: 1e6 } });
      const map = data.maps.find((m) => m.id === result.strategic_plan.map_id);
      const { job } = findJob(data, "Wizard");
      const expected = data.planner.dense_maps_use_aoe.includes(map?.density ?? "") ? job.rotation_aoe : job.rotation_single;
      expect(result.combat_strategy.skill_rotation).toEqual(expected);
    }
  });

  test("skills the character lacks are dropped from the rotation", () => {
    const result = runCrew(data, "strategic", { character: { level: 85, job: "Knight", zeny: 1e6, skills: ["Bash"] } });
    expect(result.combat_strategy.skill_rotation).toEqual(["Bash", "Bash", "Bash"]);
    const none = runCrew(data, "strategic", { character: { level: 85, job: "Knight", zeny: 1e6, skills: ["Heal"] } });
    expect(none.combat_strategy.skill_rotation).toEqual(["Attack"]);
  });

  test("the job's opener goes first when the character has it, and a lone opener is followed by a basic attack", () => {
    const all = runCrew(data, "strategic", { character: { level: 85, job: "Knight", zeny: 1e6, skills: ["Bash", "Provoke", "Magnum Break"] } });
    expect(all.strategic_plan.map_id).toBe("c_tower3");
    expect(all.combat_strategy.skill_rotation).toEqual(["Provoke", "Bash", "Magnum Break", "Bash", "Bash"]);
    const lone = runCrew(data, "strategic", { character: { level: 85, job: "Knight", zeny: 1e6, skills: ["Provoke"] } });
    expect(lone.combat_strategy.skill_rotation).toEqual(["Provoke", "Attack"]);
    // Without a skill list the job's plain rotation is used (the spec's example).
    expect(runCrew(data, "strategic", specContext).combat_strategy.skill_rotation).toEqual(["Bash", "Magnum Break", "Bash", "Bash"]);
  });

  test("the SP threshold is given as a number beside the SP policy text", () => {
    const result = runCrew(data, "strategic", specContext);
    expect(result.combat_strategy.sp_threshold).toBe(findJob(data, "Knight").job.sp_threshold);
    expect(result.combat_strategy.sp_management).toContain(`${Math.round(result.combat_strategy.sp_threshold * 100)}% SP`);
  });

  test("heal threshold rises with map danger and stays within bounds", () => {
    const { job } = findJob(data, "Knight");
    for (let level = 1; level <= 99; level += 4) {
      const result = runCrew(data, "strategic", { character: { level, job: "Knight", zeny: 1e6 } });
      const map = data.maps.find((m) => m.id === result.strategic_plan.map_id);
      const raw = job.hp_threshold_heal + ((map?.danger ?? 0) - 0.5) * data.planner.heal_threshold_danger_gain;
      const clamped = Math.min(data.planner.heal_threshold_max, Math.max(data.planner.heal_threshold_min, raw));
      expect(result.combat_strategy.hp_threshold_heal).toBeCloseTo(clamped, 2);
    }
  });

  test("SP policy names the planned SP potion and the job's SP threshold", () => {
    const result = runCrew(data, "strategic", specContext);
    expect(result.combat_strategy.sp_management).toBe("Use blue potion at 30% SP");
    const broke = runCrew(data, "strategic", { character: { level: 85, job: "Knight", zeny: 0 } });
    expect(broke.combat_strategy.sp_management).toBe("Sit to regenerate SP at 30% SP");
  });
});

describe("resource_manager", () => {
  test("the allocation always sums to the character's zeny", () => {
    for (const zeny of [0, 999, 50000, 5000000, 123456789]) {
      const a = runCrew(data, "strategic", { ...specContext, character: { ...specContext.character, zeny } }).resource_plan.zeny_allocation;
      expect(a.consumables + a.equipment + a.reserve).toBe(zeny);
      expect(a.reserve).toBeGreaterThanOrEqual(0);
    }
  });

  test("equipment spending stays within its fraction and only lists items for the job's role", () => {
    const result = runCrew(data, "strategic", specContext);
    const a = result.resource_plan.zeny_allocation;
    expect(a.equipment).toBeLessThanOrEqual((5000000 - a.consumables) * data.planner.equipment_fraction);
    const map = data.maps.find((m) => m.id === result.strategic_plan.map_id);
    const cost = result.strategic_plan.equipment_recommendations.map((n) => map?.equipment.find((e) => e.name === n)?.cost ?? NaN);
    expect(cost.reduce((x, y) => x + y, 0)).toBe(a.equipment);
    const mage = runCrew(data, "strategic", { character: { level: 85, job: "Wizard", zeny: 5e6 } });
    const mageMap = data.maps.find((m) => m.id === mage.strategic_plan.map_id);
    for (const name of mage.strategic_plan.equipment_recommendations) {
      const roles = mageMap?.equipment.find((e) => e.name === name)?.roles;
      expect(roles === undefined || roles.includes("magic")).toBe(true);
    }
  });
});

describe("crew", () => {
  test("identical input gives identical plans", () => {
    expect(runCrew(data, "strategic", specContext)).toEqual(runCrew(data, "strategic", structuredClone(specContext)));
  });

  test("an unknown job is planned as the default job and noted", () => {
    const result = runCrew(data, "strategic", { character: { level: 50, job: "Gunslinger", zeny: 1000 } });
    expect(result.notes.join()).toContain("Gunslinger");
    const map = data.maps.find((m) => m.id === result.strategic_plan.map_id);
    const dense = data.planner.dense_maps_use_aoe.includes(map?.density ?? "");
    expect(result.combat_strategy.skill_rotation).toEqual(dense ? data.defaultJob.rotation_aoe : data.defaultJob.rotation_single);
    expect(findJob(data, "Gunslinger").known).toBe(false);
  });

  test("analysis flags a low exp rate, frequent deaths and a worse map", () => {
    const ctx = { ...specContext, performance: { exp_per_hour: 200000, hours_played: 4, deaths: 6, map: "prt_fild08" } };
    const result = runCrew(data, "analysis", ctx);
    const a = result.analysis;
    if (!a) throw new Error("analysis missing");
    expect(a.exp_efficiency).toBeCloseTo(200000 / result.strategic_plan.estimated_exp_per_hour, 2);
    expect(a.deaths_per_hour).toBe(1.5);
    expect(a.findings.length).toBe(3);
    const fine = runCrew(data, "analysis", { ...specContext, performance: { exp_per_hour: result.strategic_plan.estimated_exp_per_hour, hours_played: 4, deaths: 0 } });
    expect(fine.analysis?.findings).toEqual(["performance matches the plan"]);
    expect(runCrew(data, "strategic", ctx).analysis).toBeUndefined();
  });

  test("defaults that change the plan are noted: no level, a level above the table", () => {
    const none = readContext({ character: { job: "Mage" } });
    expect(none.level).toBe(1);
    expect(none.notes).toEqual(["no character.level given: planned for level 1"]);
    const high = readContext({ character: { level: 150, job: "Knight", current_goal: "get to lv 160" } }, data.maxLevel);
    expect(high.level).toBe(99);
    expect(high.targetLevel).toBe(160);
    expect(high.notes).toEqual(["level 150 is above the planner's table (99): planned as level 99"]);
    expect(goalLevel("Reach level 90")).toBe(90);
    expect(goalLevel("farm zeny")).toBeUndefined();
    expect(runCrew(data, "strategic", { character: { level: 150, job: "Knight" } }).notes).toContain("level 150 is above the planner's table (99): planned as level 99");
  });

  test("a preferred map is planned there, even out of range (noted); an unknown or unsuitable one is noted and ignored", () => {
    const there = runCrew(data, "strategic", { ...specContext, preferred_map: "gl_knt01" });
    expect(there.strategic_plan).toMatchObject({ map_id: "gl_knt01", farming_location: "Glast Heim Chivalry 1F" });
    expect(there.notes).toContain("planned at the preferred map Glast Heim Chivalry 1F");
    const low = runCrew(data, "strategic", { ...specContext, preferred_map: "prt_fild08" });
    expect(low.strategic_plan.map_id).toBe("prt_fild08");
    const fild = data.maps.find((m) => m.id === "prt_fild08");
    if (!fild) throw new Error("fixture");
    expect(low.strategic_plan.estimated_exp_per_hour).toBe(Math.round((fild.exp_per_hour * data.planner.level_fit_edge) / 1000) * 1000);
    expect(low.notes).toContain("preferred map Prontera South Field is for levels 1-12; planned there as asked");
    const town = runCrew(data, "strategic", { ...specContext, preferred_map: "prontera" });
    expect(town.strategic_plan.map_id).toBe("c_tower3");
    expect(town.notes).toContain("preferred map prontera has no farming data: planner's choice used");
  });

  test("analysis: deaths without hours_played are reported as unratable, never as matching the plan", () => {
    const r = runCrew(data, "analysis", { ...specContext, performance: { deaths: 1_000_000 } });
    expect(r.analysis).toEqual({ exp_efficiency: null, deaths_per_hour: null, findings: ["1000000 deaths reported without hours_played: the death rate cannot be rated"] });
    const empty = runCrew(data, "analysis", { ...specContext, performance: {} });
    expect(empty.analysis?.findings).toEqual(["performance block has nothing to compare: send exp_per_hour, deaths with hours_played, or map"]);
  });
});
