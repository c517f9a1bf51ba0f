import { afterAll, describe, expect, test } from "bun:test";
import { createAiService } from "../../../src/services/aiservice/index.ts";
import { startTestService } from "../../helpers.ts";

type Json = Record<string, unknown>;

/** An OpenAI-compatible endpoint that answers with prose (not a plan), or fails with a 500, on command. */
let failing = false;
const upstream = Bun.serve({
  port: 0,
  fetch() {
    if (failing) return Response.json({ error: { message: "overloaded" } }, { status: 500 });
    return Response.json({ model: "up", choices: [{ message: { role: "assistant", content: "no plan here" }, finish_reason: "stop" }], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } });
  },
});
afterAll(() => void upstream.stop(true));

const crew = { session_id: "h", task_type: "strategic", context: { character: { level: 85, job: "Knight", zeny: 5_000_000, current_goal: "Reach level 90" } } };

describe("GET /api/health and the crew's language model", () => {
  test("reports the provider and what its calls found: failing with the reason while the endpoint fails (the crew keeps its local plan), ok once it answers", async () => {
    const svc = await startTestService("aiservice", createAiService, {
      configure: (cfg) => void Object.assign(cfg.llm, { provider: "openai", baseUrl: `http://127.0.0.1:${upstream.port}/v1`, model: "up" }),
    });
    try {
      const llm = async (): Promise<Json> => ((await (await svc.call("GET", "/api/health")).json()) as Json).llm as Json;
      expect(await llm()).toMatchObject({ provider: "openai", model: "up", status: "unknown", last_error: null });
      failing = true;
      const planned = await svc.call("POST", "/api/crew/execute", crew);
      expect(planned.status).toBe(200);
      expect(((await planned.json()) as Json).planner).toBe("deterministic");
      expect(await llm()).toMatchObject({ status: "failing", last_error: "LLM endpoint answered 500", consecutive_failures: 1 });
      failing = false;
      expect((await svc.call("POST", "/api/crew/execute", crew)).status).toBe(200);
      expect(await llm()).toMatchObject({ status: "ok", consecutive_failures: 0 });
    } finally {
      await svc.stop();
    }
  });
});
