// Macro generation against a stand-in AI service: what the engine sends (the shared
// contract), what it makes of the plan, one file per task, and a reply that breaks the
// contract.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { CrewRequest } from "../../../src/contracts/openkore-ai.ts";
import { compile } from "../../../src/runtime/validation.ts";
import { MacroStatusReply } from "../../../src/services/openkore/schema-replies.ts";
import type { TestService } from "../../helpers.ts";
import { AUTH, CREW_REPLY, fakeAiService, generateAndWait, handshake, json, macroFile, pollAction, startOpenkore, stateBody, type Json } from "./http-helpers.ts";

const fake = fakeAiService(50);
const broken = fakeAiService(0, { ...CREW_REPLY, result: { ...CREW_REPLY.result, strategic_plan: { ...CREW_REPLY.result.strategic_plan, map_id: undefined } } });
let svc: TestService;
let sid: string;
beforeAll(async () => {
  ({ svc } = await startOpenkore({ env: { AI_SERVICE_URL: fake.url } }));
  sid = await handshake(svc);
});
afterAll(async () => { await svc.stop(); fake.stop(); broken.stop(); });

describe("macro/generate with the AI service's planner", () => {
  test("the spec's request sends the contract's crew request: level, job, skills, goal, budget and the asked-for map", async () => {
    const before = fake.bodies.length;
    await generateAndWait(svc, sid);
    const sent = fake.bodies[before] as Json;
    expect(compile(CrewRequest).firstIssue(sent)).toBeNull();
    expect(sent).toEqual({
      session_id: sid, task_type: "strategic", timeout_seconds: 300,
      context: {
        character: { level: 85, job: "Knight", skills: ["Bash", "Provoke", "Magnum Break"], current_goal: "Efficient leveling at Clock Tower 3F" },
        constraints: { consumable_budget: 10000 },
        preferred_map: "c_tower3",
      },
    });
  });

  test("the status answers the Clock Tower 3F macro built from the plan, equal to the file it names", async () => {
    const done = await generateAndWait(svc, sid);
    expect(compile(MacroStatusReply).firstIssue(done)).toBeNull();
    expect(done).toMatchObject({
      status: "completed", source: "ai_service", map: "c_tower3",
      estimated_efficiency: "800,000 exp/h at Clock Tower 3F (planner estimate)", estimated_exp_per_hour: 800000,
      plan: { farming_location: "Clock Tower 3F", map_id: "c_tower3", estimated_exp_per_hour: 800000, skill_rotation: ["Bash", "Magnum Break", "Bash", "Bash"], hp_threshold_heal: 0.5, notes: [] },
    });
    const name = done.macro_name as string;
    expect(name).toMatch(/^clock_tower_3f_leveling(_\d+)?$/);
    expect(done.file_path).toBe(`control/macros/generated/${name}.txt`);
    const content = done.macro_content as string;
    expect(content).toBe(macroFile(svc, done));
    expect(content.match(/^ {4}location c_tower3$/gm)?.length).toBe(4); // heal, sp, combat, avoid_mvp
    expect(content).toContain(`macro ${name}_rotation {\n    do ss "Bash" $target\n    pause 0.5\n    do ss "Magnum Break" $target\n    pause 0.5\n    do ss "Bash" $target`);
    expect(content).toContain(`automacro ${name}_heal {\n    location c_tower3\n    hp < 50%`);
    expect(content).toContain('do is "Orange Potion"'); // 50 of them fit the 10,000z budget
    expect(content).toContain("monster Osiris, Baphomet");
    const meta = JSON.parse(readFileSync(join(svc.dataDir, "openkore", "control", "macros", "generated", `${name}.json`), "utf8")) as Json;
    expect(meta).toMatchObject({ macro_name: name, task_id: done.task_id, map: "c_tower3", map_name: "Clock Tower 3F", source: "ai_service" });
  });

  test("two tasks for the same macro never share a file: each status equals its own file", async () => {
    const [a, b] = await Promise.all([generateAndWait(svc, sid), generateAndWait(svc, sid)]);
    expect(a!.file_path).not.toBe(b!.file_path);
    expect(a!.macro_name).not.toBe(b!.macro_name);
    for (const done of [a!, b!]) {
      expect(done.macro_content).toBe(macroFile(svc, done));
      expect(done.macro_content as string).toContain(`# Generated macro: ${done.macro_name as string}\n`);
      expect(done.macro_content as string).toContain(`automacro ${done.macro_name as string}_heal {`);
    }
  });
});

describe("the llm tier's crew request", () => {
  test("a state with many skills and an empty skill name still sends a valid request", async () => {
    const s = await handshake(svc);
    const body = stateBody(s) as { player: { level: number }; monsters: unknown[]; skills: unknown[] };
    body.player.level = 90;
    body.monsters = [];
    body.skills = [{ id: 1, name: "", level: 1, sp_cost: 0 }, ...Array.from({ length: 70 }, (_, i) => ({ id: 100 + i, name: `Skill ${i % 66}`, level: 1, sp_cost: 1 }))];
    const before = fake.bodies.length;
    const r = await svc.call("POST", "/api/v1/state", body, AUTH);
    expect(r.status).toBe(202);
    const done = await pollAction(svc, (await json(r)).task_id as string);
    expect(done.source).toBe("ai_service");
    const sent = fake.bodies[before] as { context: { character: { level: number; job: string; skills: string[]; current_goal: string } } };
    expect(compile(CrewRequest).firstIssue(sent)).toBeNull();
    expect(sent.context.character).toEqual({
      level: 90, job: "Knight", current_goal: "Strategic leveling plan for a level 90 Knight",
      // The state's slot holds the first 24 skills (slots.ts LIMITS); the empty name is dropped.
      skills: Array.from({ length: 23 }, (_, i) => `Skill ${i}`),
    });
  });
});

describe("a planner reply that breaks the contract", () => {
  test("is not read with defaults: the task falls back to the LLM provider, says why, and keeps the asked-for map", async () => {
    const { svc: other } = await startOpenkore({ env: { AI_SERVICE_URL: broken.url } });
    try {
      const s = await handshake(other);
      const done = await generateAndWait(other, s);
      expect(done.source).toBe("llm:local");
      expect(done.plan).toBeUndefined();
      expect(done.fallback_reason as string).toStartWith("crew reply does not match the engine/AI-service contract at result.strategic_plan.map_id: expected ");
      expect(done.fallback_reason as string).toEndWith(", got missing");
      expect(done.map).toBe("c_tower3");
      expect(done.estimated_efficiency).toBeNull();
      // Fallback without a plan: the character's skills, the opener first.
      expect(done.macro_content as string).toContain('do ss "Provoke" $target\n    pause 0.5\n    do ss "Bash" $target\n    pause 0.5\n    do ss "Magnum Break" $target');
      // The AI service answered, so it is not reported as down.
      const h = await json(await other.call("GET", "/api/v1/health"));
      expect((h.python_service as Json).status).toBe("healthy");
    } finally {
      await other.stop();
    }
  });
});
