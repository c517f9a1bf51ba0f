import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { join } from "node:path";
import { CrewReply } from "../../../src/contracts/openkore-ai.ts";
import { compile } from "../../../src/runtime/validation.ts";
import { runCrew } from "../../../src/services/aiservice/engine/index.ts";
import { createAiService } from "../../../src/services/aiservice/index.ts";
import { startTestService, type TestService } from "../../helpers.ts";
import { shippedGameData } from "./fixtures.ts";

type Json = Record<string, unknown>;
const replyCheck = compile(CrewReply);

const specCrew = {
  session_id: "550e8400-e29b-41d4-a716-446655440000",
  task_type: "strategic",
  context: {
    character: { level: 85, job: "Knight", zeny: 5000000, current_goal: "Reach level 90" },
    constraints: { time_budget_hours: 10, consumable_budget: 500000 },
  },
  timeout_seconds: 120,
};

function crewRows(dataDir: string): number {
  const db = new Database(join(dataDir, "aiservice.sqlite"), { readonly: true });
  try {
    return db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM crew_tasks").get()?.n ?? -1;
  } finally {
    db.close();
  }
}

function withCharacter(extra: Json): Json {
  return { ...specCrew, context: { ...specCrew.context, character: { ...specCrew.context.character, ...extra } } };
}

async function json(res: Response): Promise<Json> {
  return (await res.json()) as Json;
}

function expectEnvelope(body: Json, code: string): void {
  expect(body["status"]).toBe("error");
  expect(body["error_code"]).toBe(code);
  expect((body["error"] as Json)["code"]).toBe(code);
  expect(typeof (body["metadata"] as Json)["request_id"]).toBe("string");
}

describe("POST /api/crew/execute with the deterministic planners", () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService("aiservice", createAiService);
  });
  afterAll(async () => {
    await svc.stop();
  });

  test("the spec example returns the spec's result structure field by field", async () => {
    const res = await svc.call("POST", "/api/crew/execute", specCrew);
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body["status"]).toBe("success");
    expect(String(body["task_id"])).toMatch(/^crew-\d+$/);
    expect(body["agents_involved"]).toEqual(["strategic_planner", "combat_tactician", "resource_manager"]);
    expect(typeof body["processing_time_ms"]).toBe("number");
    expect(body["planner"]).toBe("deterministic");
    const result = body["result"] as Json;
    const plan = result["strategic_plan"] as Json;
    // The spec's example plan: Clock Tower 3F at 800,000 exp/h, the spec's Knight rotation, heal at 50 %.
    expect(plan["farming_location"]).toBe("Clock Tower 3F");
    expect(plan["map_id"]).toBe("c_tower3");
    expect(plan["estimated_exp_per_hour"]).toBe(800000);
    expect((result["combat_strategy"] as Json)["skill_rotation"]).toEqual(["Bash", "Magnum Break", "Bash", "Bash"]);
    expect((result["combat_strategy"] as Json)["hp_threshold_heal"]).toBe(0.5);
    expect(plan["estimated_exp_per_hour"]).toBeGreaterThan(0);
    expect(plan["estimated_time_hours"]).toBeGreaterThan(0);
    expect(Array.isArray(plan["equipment_recommendations"])).toBe(true);
    expect(Object.keys(plan["consumable_requirements"] as Json)).toEqual(["white_potions", "blue_potions"]);
    const combat = result["combat_strategy"] as Json;
    expect((combat["skill_rotation"] as string[]).length).toBeGreaterThan(0);
    expect(combat["hp_threshold_heal"]).toBeGreaterThan(0);
    expect(combat["hp_threshold_heal"]).toBeLessThan(1);
    expect(combat["sp_management"]).toBe("Use blue potion at 30% SP");
    const z = (result["resource_plan"] as Json)["zeny_allocation"] as Record<string, number>;
    expect((z["consumables"] ?? 0) + (z["equipment"] ?? 0) + (z["reserve"] ?? 0)).toBe(5000000);
    // The reply is exactly the engine's plan for this context, and it meets the shared contract.
    const expected = runCrew(shippedGameData(), "strategic", specCrew.context);
    expect(result).toEqual(JSON.parse(JSON.stringify(expected)) as Json);
    expect(replyCheck.firstIssue(body)).toBeNull();
  });

  test("analysis tasks add an analysis block", async () => {
    const body = await json(await svc.call("POST", "/api/crew/execute", { ...specCrew, task_type: "analysis", context: { ...specCrew.context, performance: { exp_per_hour: 100000, hours_played: 2, deaths: 3 } } }));
    const analysis = (body["result"] as Json)["analysis"] as Json;
    expect(analysis["deaths_per_hour"]).toBe(1.5);
    expect((analysis["findings"] as string[]).length).toBeGreaterThan(0);
  });

  test("timeout_seconds may be omitted", async () => {
    const { timeout_seconds: _, ...rest } = specCrew;
    expect((await svc.call("POST", "/api/crew/execute", rest)).status).toBe(200);
  });

  const bad: Array<[string, unknown, string]> = [
    ["an unknown task_type", { ...specCrew, task_type: "conquer" }, "task_type"],
    ["a missing session_id", { task_type: "strategic", context: {}, timeout_seconds: 5 }, "session_id"],
    ["a context that is not an object", { ...specCrew, context: "level 85" }, "context"],
    ["a field the contract does not have", { ...specCrew, context: { notes: "x".repeat(70_000) } }, "context.notes"],
    ["timeout_seconds of 0", { ...specCrew, timeout_seconds: 0 }, "timeout_seconds"],
    ["timeout_seconds above the maximum", { ...specCrew, timeout_seconds: 601 }, "timeout_seconds"],
    ["a level sent as a string", withCharacter({ level: "85" }), "context.character.level"],
    ["a negative level", withCharacter({ level: -5 }), "context.character.level"],
    ["a level of 0", withCharacter({ level: 0 }), "context.character.level"],
    ["a fractional level", withCharacter({ level: 85.5 }), "context.character.level"],
    ["a level above 999", withCharacter({ level: 1000 }), "context.character.level"],
    ["negative zeny", withCharacter({ zeny: -1 }), "context.character.zeny"],
    ["an empty job", withCharacter({ job: "" }), "context.character.job"],
    ["a goal over 500 characters", withCharacter({ current_goal: "x".repeat(501) }), "context.character.current_goal"],
    ["65 skills", withCharacter({ skills: Array.from({ length: 65 }, (_, i) => `Skill ${i}`) }), "context.character.skills"],
    ["the engine's old field names", withCharacter({ character_level: 85 }), "context.character.character_level"],
    ["a time budget of 0 hours", { ...specCrew, context: { ...specCrew.context, constraints: { time_budget_hours: 0 } } }, "context.constraints.time_budget_hours"],
    ["1e9 deaths", { ...specCrew, task_type: "analysis", context: { ...specCrew.context, performance: { deaths: 1e9, hours_played: 2 } } }, "context.performance.deaths"],
    ["a preferred map that is not a map id", { ...specCrew, context: { ...specCrew.context, preferred_map: "Clock Tower 3F" } }, "context.preferred_map"],
  ];
  for (const [what, payload, field] of bad) {
    test(`rejects ${what} with 400 and records no task`, async () => {
      const before = crewRows(svc.dataDir);
      const res = await svc.call("POST", "/api/crew/execute", payload);
      expect(res.status).toBe(400);
      const body = await json(res);
      expectEnvelope(body, "INVALID_REQUEST");
      expect((body["error"] as Json)["details"]).toMatchObject({ field });
      expect(crewRows(svc.dataDir)).toBe(before);
    });
  }

  test("unknown task types are named in the message", async () => {
    const body = await json(await svc.call("POST", "/api/crew/execute", { ...specCrew, task_type: "conquer" }));
    expect(body["message"]).toBe("Unknown task type: conquer");
    expect(body["details"]).toEqual({ field: "task_type", expected: "strategic | analysis", received: "string" });
  });

  test("validation messages name the field, what it must be and what came", async () => {
    const level = await json(await svc.call("POST", "/api/crew/execute", withCharacter({ level: "85" })));
    expect(level["message"]).toBe('Invalid field "context.character.level": expected integer 1..999, got string');
    expect(level["details"]).toEqual({ field: "context.character.level", expected: "integer 1..999", received: "string" });
    const unknown = await json(await svc.call("POST", "/api/crew/execute", withCharacter({ character_level: 85 })));
    expect(unknown["message"]).toBe('Unknown field "context.character.character_level"');
  });
});

describe("POST /api/crew/execute with an LLM provider configured", () => {
  let mode: "slow" | "plan" | "garbage" | "badmap" | "renamed" = "plan";
  let llmCalls = 0;
  const llmPlan = {
    strategic_plan: { farming_location: "Glast Heim Chivalry 1F", map_id: "gl_knt01", estimated_exp_per_hour: 700000, estimated_time_hours: 9, equipment_recommendations: ["Holy weapon"], consumable_requirements: { white_potions: 100 } },
    combat_strategy: { skill_rotation: ["Bash", "Bowling Bash"], hp_threshold_heal: 0.55, sp_threshold: 0.25, sp_management: "Use blue potion at 25% SP" },
    resource_plan: { zeny_allocation: { consumables: 120000, equipment: 150000, reserve: 4730000 } },
  };
  const upstream = Bun.serve({
    port: 0,
    async fetch(req) {
      llmCalls++;
      if (mode === "slow") await Bun.sleep(3000);
      const plan =
        mode === "badmap" ? { ...llmPlan, strategic_plan: { ...llmPlan.strategic_plan, map_id: "atlantis01" } }
        : mode === "renamed" ? { ...llmPlan, strategic_plan: { ...llmPlan.strategic_plan, farming_location: "GH knights" } }
        : llmPlan;
      const content = mode === "garbage" ? "I cannot help with that." : "Here is the plan:\n```json\n" + JSON.stringify(plan) + "\n```";
      void req;
      return Response.json({ model: "fake-model", choices: [{ message: { content } }], usage: { prompt_tokens: 10, completion_tokens: 20 } });
    },
  });
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService("aiservice", createAiService, {
      configure: (cfg) => {
        cfg.llm = { ...cfg.llm, provider: "openai", baseUrl: `http://127.0.0.1:${upstream.port}/v1`, apiKey: "test", model: "fake-model" };
      },
    });
  });
  afterAll(async () => {
    await svc.stop();
    upstream.stop(true);
  });

  test("a well-formed LLM plan is returned with planner=llm", async () => {
    mode = "plan";
    const body = await json(await svc.call("POST", "/api/crew/execute", specCrew));
    expect(body["planner"]).toBe("llm");
    expect(body["result"]).toMatchObject(llmPlan);
  });

  test("an LLM plan naming a map outside the shared table is not used; a renamed map gets the table's name", async () => {
    mode = "badmap";
    const bad = await json(await svc.call("POST", "/api/crew/execute", specCrew));
    expect(bad["planner"]).toBe("deterministic");
    expect(((bad["result"] as Json)["notes"] as string[])).toContain("LLM plan names unknown map atlantis01; deterministic plan returned");
    expect(((bad["result"] as Json)["strategic_plan"] as Json)["map_id"]).toBe("c_tower3");
    mode = "renamed";
    const renamed = await json(await svc.call("POST", "/api/crew/execute", specCrew));
    expect(renamed["planner"]).toBe("llm");
    expect((renamed["result"] as Json)["strategic_plan"]).toMatchObject({ map_id: "gl_knt01", farming_location: "Glast Heim Chivalry 1F" });
  });

  test("an unusable LLM reply falls back to the deterministic plan with a note", async () => {
    mode = "garbage";
    const body = await json(await svc.call("POST", "/api/crew/execute", specCrew));
    expect(body["planner"]).toBe("deterministic");
    const result = body["result"] as Json;
    expect((result["strategic_plan"] as Json)["farming_location"]).toBe(runCrew(shippedGameData(), "strategic", specCrew.context).strategic_plan.farming_location);
    expect((result["notes"] as string[]).join()).toContain("LLM reply");
  });

  test("a task over timeout_seconds answers 408 TIMEOUT and records nothing", async () => {
    mode = "slow";
    const before = crewRows(svc.dataDir);
    const calls = llmCalls;
    const started = performance.now();
    const res = await svc.call("POST", "/api/crew/execute", { ...specCrew, timeout_seconds: 0.3 });
    expect(res.status).toBe(408);
    expect(performance.now() - started).toBeLessThan(2500);
    const body = await json(res);
    expectEnvelope(body, "TIMEOUT");
    expect(body["details"]).toEqual({ timeout_seconds: 0.3 });
    expect(llmCalls).toBe(calls + 1);
    expect(crewRows(svc.dataDir)).toBe(before);
  });
});
