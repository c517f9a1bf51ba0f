import { afterAll, describe, expect, test } from "bun:test";
import { AUTH, startOpenkore } from "./http-helpers.ts";

/** An AI service that never answers: every task waits on it. */
const hung = new Set<() => void>();
const silent = Bun.serve({ port: 0, idleTimeout: 0, fetch: () => new Promise<Response>((resolve) => void hung.add(() => resolve(new Response("late", { status: 503 })))) });
afterAll(() => {
  for (const release of hung) release();
  void silent.stop(true);
});

const call = (url: string, method: string, path: string, body?: unknown): Promise<Response> =>
  fetch(url + path, { method, headers: { ...AUTH, "Content-Type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });

describe("tasks across a restart", () => {
  test("a macro task still processing when the server stopped is reported failed after the restart, not processing forever", async () => {
    const { svc } = await startOpenkore({ env: { AI_SERVICE_URL: `http://127.0.0.1:${silent.port}` } });
    const hs = (await (await call(svc.url, "POST", "/api/v1/handshake", { client: "OpenKore", client_version: "3.2.0" })).json()) as { session_id: string };
    const g = await call(svc.url, "POST", "/api/v1/macro/generate", { session_id: hs.session_id, purpose: "Efficient leveling at Clock Tower 3F", context: { character_level: 85, character_job: "Knight", available_skills: ["Bash"] } });
    expect(g.status).toBe(202);
    const task = ((await g.json()) as { task_id: string }).task_id;
    expect((await call(svc.url, "GET", `/api/v1/macro/status/${task}`)).status).toBe(202);
    await svc.stop({ keepData: true });

    const { svc: again } = await startOpenkore({ dataDir: svc.dataDir });
    try {
      const st = await call(again.url, "GET", `/api/v1/macro/status/${task}`);
      expect(st.status).toBe(200);
      expect(await st.json()).toEqual({ status: "failed", task_id: task, error: "LLM task interrupted: the server restarted before it completed; ask again" });
    } finally {
      await again.stop();
    }
  });
});
