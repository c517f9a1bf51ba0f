// The engine and the real AI service in one process: the engine reaches it in-process
// (no AI_SERVICE_URL), for its health block and its llm tier.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createAiService } from "../../../src/services/aiservice/index.ts";
import { createOpenkoreService } from "../../../src/services/openkore/index.ts";
import { startTestService, type TestService } from "../../helpers.ts";
import { AUTH, TOKEN, handshake, json, poll, stateBody, type Json } from "./http-helpers.ts";

let svc: TestService;
beforeAll(async () => {
  svc = await startTestService("openkore", createOpenkoreService, { env: { OPENKORE_AI_TOKEN: TOKEN }, also: { aiservice: createAiService } });
});
afterAll(() => svc.stop());

describe("engine with the real AI service in the same process", () => {
  test("health is 200 healthy and reports the AI service's status", async () => {
    const r = await svc.call("GET", "/api/v1/health", undefined, AUTH);
    const b = await json(r);
    expect(r.status).toBe(200);
    expect(b.status).toBe("healthy");
    expect(b.issues).toEqual([]);
    expect((b.python_service as Json).status).toBe("healthy");
  });

  test("a level milestone is planned by the AI service's crew and comes back as an action", async () => {
    const sid = await handshake(svc);
    const body = stateBody(sid) as { player: { level: number; job: string }; monsters: unknown[] };
    body.player.level = 90;
    body.monsters = [];
    const r = await svc.call("POST", "/api/v1/state", body, AUTH);
    expect(r.status).toBe(202);
    const id = (await json(r)).task_id as string;
    let done: Json = {};
    await poll(async () => {
      const p = await svc.call("GET", `/api/v1/action/${id}`, undefined, AUTH);
      if (p.status !== 200) return false;
      done = await json(p);
      return true;
    });
    expect(done.status).toBe("completed");
    const action = done.action as Json;
    expect(typeof action.type).toBe("string");
    expect(String(action.reason).length).toBeGreaterThan(0);
    // The crew call went through the AI service's own pipeline (its route histogram saw it).
    const crew = svc.app.metrics.latency("hotloop_http_request_duration_ms", { service: "aiservice", route: "POST /api/crew/execute" });
    expect(crew?.count).toBeGreaterThanOrEqual(1);
  }, 20_000);
});
