// The engine and the real AI service: in one process (peer calls, no AI_SERVICE_URL)
// and as a separately started service reached over HTTP (AI_SERVICE_URL). The spec's
// bodies go in verbatim; the plan and the macro are checked for their content.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createAiService } from "../../../src/services/aiservice/index.ts";
import { startServer, type BenchServer } from "../../../bench/lib/server.ts";
import type { TestService } from "../../helpers.ts";
import { AUTH, generateAndWait, handshake, json, macroFile, pollAction, startOpenkore, stateBody, type Json } from "./http-helpers.ts";

/** The §3.4 macro a level-85 Knight with Bash, Provoke and Magnum Break must get at Clock Tower 3F. */
function expectClockTowerMacro(svc: TestService, done: Json): void {
  expect(done).toMatchObject({ status: "completed", source: "ai_service", map: "c_tower3", macro_name: "clock_tower_3f_leveling" });
  const plan = done.plan as Json;
  expect(plan.farming_location).toBe("Clock Tower 3F");
  expect(plan.map_id).toBe("c_tower3");
  expect(plan.estimated_exp_per_hour).toBe(800000);
  // The planner's Knight rotation on a dense map, with the Provoke opener the character has.
  expect(plan.skill_rotation).toEqual(["Provoke", "Bash", "Magnum Break", "Bash", "Bash"]);
  expect(plan.notes).toContain("planned at the preferred map Clock Tower 3F");
  const content = done.macro_content as string;
  expect(content).toBe(macroFile(svc, done));
  expect(content).not.toContain("prontera");
  expect(content.match(/^ {4}location c_tower3$/gm)?.length).toBe(4);
  expect(content).toContain([
    "macro clock_tower_3f_leveling_rotation {",
    '    do ss "Provoke" $target', "    pause 0.5",
    '    do ss "Bash" $target', "    pause 0.5",
    '    do ss "Magnum Break" $target', "    pause 0.5",
    '    do ss "Bash" $target', "    pause 0.5",
    '    do ss "Bash" $target', "    pause 0.5",
    "}",
  ].join("\n"));
  expect(content).toContain(`hp < ${Math.round((plan.hp_threshold_heal as number) * 100)}%`);
  expect(done.estimated_efficiency).toBe("800,000 exp/h at Clock Tower 3F (planner estimate)");
}

describe("engine with the real AI service in the same process", () => {
  let svc: TestService;
  beforeAll(async () => {
    ({ svc } = await startOpenkore({ also: { aiservice: createAiService } }));
  });
  afterAll(() => svc.stop());

  test("health is 200 healthy and reports the in-process AI service truthfully", async () => {
    const r = await svc.call("GET", "/api/v1/health");
    const b = await json(r);
    expect(r.status).toBe(200);
    expect(b.status).toBe("healthy");
    expect(b.issues).toEqual([]);
    expect(b.python_service).toMatchObject({ status: "healthy", url: null, transport: "in-process" });
  });

  test("the spec's macro/generate body yields the Clock Tower 3F macro with Provoke, Bash and Magnum Break", async () => {
    const sid = await handshake(svc);
    expectClockTowerMacro(svc, await generateAndWait(svc, sid));
    // The crew call went through the AI service's own pipeline (its route histogram saw it).
    const crew = svc.app.metrics.latency("hotloop_http_request_duration_ms", { service: "aiservice", route: "POST /api/crew/execute" });
    expect(crew?.count).toBeGreaterThanOrEqual(1);
  }, 20_000);

  test("a level-90 milestone is planned by the crew and the llm macro is written for the planner's map", async () => {
    const sid = await handshake(svc);
    const body = stateBody(sid) as { player: { level: number; job: string }; monsters: unknown[] };
    body.player.level = 90;
    body.monsters = [];
    const r = await svc.call("POST", "/api/v1/state", body, AUTH);
    expect(r.status).toBe(202);
    const done = await pollAction(svc, (await json(r)).task_id as string);
    expect(done.status).toBe("completed");
    const plan = done.plan as Json;
    expect(plan).toMatchObject({ farming_location: "Abyss Lake Underground Cave 1F", map_id: "abyss_01" });
    const action = done.action as Json;
    expect(action).toMatchObject({ type: "macro", macro_name: "abyss_lake_underground_cave_1f_leveling", reason: "LLM generated optimal farming strategy: Abyss Lake Underground Cave 1F" });
    const file = readFileSync(join(svc.dataDir, "openkore", "control", "macros", "generated", `${action.macro_name as string}.txt`), "utf8");
    expect(file.match(/^ {4}location abyss_01$/gm)?.length).toBe(3);
    expect(file).not.toContain("location prontera");
    // The state's skills (Bash) are the character's: the rotation keeps only those.
    expect(file).toContain('do ss "Bash" $target');
    expect(file).not.toContain("Magnum Break");
  }, 20_000);
});

describe("engine with the AI service in its own process (AI_SERVICE_URL)", () => {
  let ai: BenchServer;
  let aiUrl: string;
  let svc: TestService;
  beforeAll(async () => {
    ai = await startServer(["aiservice"]);
    aiUrl = ai.url("aiservice");
    ({ svc } = await startOpenkore({ env: { AI_SERVICE_URL: aiUrl } }));
  }, 20_000);
  afterAll(async () => {
    await svc.stop();
    await ai.stop();
  });

  test("the spec's macro/generate body yields the same macro over HTTP", async () => {
    const r = await svc.call("GET", "/api/v1/health");
    expect(r.status).toBe(200);
    expect((await json(r)).python_service).toMatchObject({ status: "healthy", url: aiUrl, transport: "http" });
    const sid = await handshake(svc);
    expectClockTowerMacro(svc, await generateAndWait(svc, sid));
  }, 20_000);

  test("once the AI service stops, the next health and handshake say so (no stale healthy)", async () => {
    const before = await json(await svc.call("GET", "/api/v1/health"));
    expect((before.python_service as Json).status).toBe("healthy");
    await ai.stop();
    const stoppedAt = Date.now();
    const r = await svc.call("GET", "/api/v1/health");
    expect(r.status).toBe(503);
    const b = await json(r);
    expect(b.status).toBe("unhealthy");
    const py = b.python_service as Json;
    expect(py).toMatchObject({ status: "unavailable", url: aiUrl, transport: "http" });
    expect(py.checked_at as number).toBeGreaterThanOrEqual(stoppedAt);
    expect(typeof py.error).toBe("string");
    expect((b.issues as string[])[0]).toStartWith("Python service not responding");
    expect(b.decision_engines).toMatchObject({ llm: "degraded" });
    const hs = await json(await svc.call("POST", "/api/v1/handshake", { client: "OpenKore", client_version: "3.2.0" }, AUTH));
    expect(hs.python_service_available).toBe(false);
  }, 20_000);
});
