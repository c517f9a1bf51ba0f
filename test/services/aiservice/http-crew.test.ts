import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { join } from "node:path";
import { runCrew } from "../../../src/services/aiservice/engine/index.ts";
import { createAiService } from "../../../src/services/aiservice/index.ts";
import { startTestService, type TestService } from "../../helpers.ts";
import { shippedGameData } from "./fixtures.ts";

type Json = Record<string, unknown>;

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
    expect(typeof plan["farming_location"]).toBe("string");
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
    // The reply is exactly the engine's plan for this context.
    const expected = runCrew(shippedGameData(), "strategic", specCrew.context);
    expect(result).toEqual(JSON.parse(JSON.stringify(expected)) as Json);
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
    ["an oversized context", { ...specCrew, context: { notes: "x".repeat(70_000) } }, "context"],
    ["timeout_seconds of 0", { ...specCrew, timeout_seconds: 0 }, "timeout_seconds"],
    ["timeout_seconds above the maximum", { ...specCrew, timeout_seconds: 601 }, "timeout_seconds"],
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
  });
});

describe("POST /api/crew/execute with an LLM provider configured", () => {
  let mode: "slow" | "plan" | "garbage" = "plan";
  let llmCalls = 0;
  const llmPlan = {
    strategic_plan: { farming_location: "Glast Heim Chivalry 1F", estimated_exp_per_hour: 700000, estimated_time_hours: 9, equipment_recommendations: ["Holy weapon"], consumable_requirements: { white_potions: 100 } },
    combat_strategy: { skill_rotation: ["Bash", "Bowling Bash"], hp_threshold_heal: 0.55, sp_management: "Use blue potion at 25% SP" },
    resource_plan: { zeny_allocation: { consumables: 120000, equipment: 150000, reserve: 4730000 } },
  };
  const upstream = Bun.serve({
    port: 0,
    async fetch(req) {
      llmCalls++;
      if (mode === "slow") await Bun.sleep(3000);
      const content = mode === "plan" ? "Here is the plan:\n```json\n" + JSON.stringify(llmPlan) + "\n```" : "I cannot help with that.";
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
