// The shared engine ↔ AI-service contract and the one map table both sides read.
import { describe, expect, test } from "bun:test";
import { AiHealthReply, CrewReply, CrewRequest } from "../../src/contracts/openkore-ai.ts";
import { buildMapTable, loadMapTable } from "../../src/contracts/ro-maps.ts";
import { compile } from "../../src/runtime/validation.ts";
import { buildGameData } from "../../src/services/aiservice/engine/index.ts";
import { rawGameData } from "../services/aiservice/fixtures.ts";
import { AI_HEALTH_REPLY, CREW_REPLY } from "../services/openkore/http-helpers.ts";

const maps = loadMapTable();

describe("map table", () => {
  test("holds every map the planner farms, under the planner's names", () => {
    for (const m of rawGameData.maps.maps) expect({ id: m.id, known: maps.has(m.id) }).toEqual({ id: m.id, known: true });
    expect(maps.get("c_tower3")?.name).toBe("Clock Tower 3F");
    expect(maps.get("abyss_01")?.name).toBe("Abyss Lake Underground Cave 1F");
  });

  test("the planner refuses a farming map the table does not list", () => {
    const raw = structuredClone(rawGameData);
    raw.maps.maps[0]!.id = "atlantis01";
    const built = buildGameData(raw, maps);
    expect(built.ok).toBe(false);
    if (!built.ok) expect(built.errors).toContain("maps atlantis01: not in the shared map table");
  });

  test("finds maps by name, alias or id as whole words, the longest label first", () => {
    expect(maps.find("Efficient leveling at Clock Tower 3F")?.id).toBe("c_tower3");
    expect(maps.find("grind abyss lake")?.id).toBe("abyss_01");
    expect(maps.find("prontera south field please")?.id).toBe("prt_fild08");
    expect(maps.find("Prontera")?.id).toBe("prontera");
    expect(maps.find("farm the prontera culvert")?.id).toBe("prt_sewb1");
    expect(maps.find("go to c_tower2 now")?.id).toBe("c_tower2");
    expect(maps.find("somewhere nice")).toBeNull();
    expect(maps.find("c_tower31")).toBeNull();
  });

  test("a table with a duplicate id, a label naming two maps or a bad id is refused", () => {
    expect(() => buildMapTable({ maps: [{ id: "a", name: "A" }, { id: "a", name: "B" }] })).toThrow("map id a is listed twice");
    expect(() => buildMapTable({ maps: [{ id: "a", name: "A" }, { id: "b", name: "B", aliases: ["a"] }] })).toThrow('map label "a" names both a and b');
    expect(() => buildMapTable({ maps: [{ id: "Clock Tower", name: "A" }] })).toThrow("map table /maps/0/id");
  });
});

describe("crew contract", () => {
  test("the spec's §3.7 request and replies conform", () => {
    const spec = {
      session_id: "550e8400-e29b-41d4-a716-446655440000", task_type: "strategic",
      context: { character: { level: 85, job: "Knight", zeny: 5000000, current_goal: "Reach level 90" }, constraints: { time_budget_hours: 10, consumable_budget: 500000 } },
      timeout_seconds: 120,
    };
    expect(compile(CrewRequest).firstIssue(spec)).toBeNull();
    expect(compile(CrewReply).firstIssue(CREW_REPLY)).toBeNull();
    expect(compile(AiHealthReply).firstIssue(AI_HEALTH_REPLY)).toBeNull();
  });

  test("the engine's old request shape and a reply without map_id are refused", () => {
    const old = { session_id: "s", task_type: "strategic", context: { character: { character_level: 85, character_job: "Knight" } }, timeout_seconds: 300 };
    expect(compile(CrewRequest).firstIssue(old)?.field).toBe("context.character.character_level");
    const noMap = structuredClone(CREW_REPLY) as { result: { strategic_plan: Record<string, unknown> } };
    delete noMap.result.strategic_plan.map_id;
    expect(compile(CrewReply).firstIssue(noMap)?.field).toBe("result.strategic_plan.map_id");
  });
});
