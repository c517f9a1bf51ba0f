import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { pack, unpack } from "msgpackr";
import type { TestService } from "../../helpers.ts";
import { specState } from "./fixtures.ts";
import { AUTH, TOKEN, fakeAiService, json, startOpenkore, type Json } from "./http-helpers.ts";

const fake = fakeAiService(1500);
let svc: TestService;
let wsUrl: string;
beforeAll(async () => {
  ({ svc } = await startOpenkore({ env: { AI_SERVICE_URL: fake.url } }));
  wsUrl = svc.url.replace(/^http/, "ws") + "/ws/state-stream";
});
afterAll(async () => { await svc.stop(); fake.stop(); });

/** A client that queues every frame it gets. */
function client(url = wsUrl, opts?: { headers?: Record<string, string>; protocols?: string[] }) {
  const frames: Json[] = [];
  const ws = opts?.headers ? new WebSocket(url, { headers: opts.headers } as unknown as string[]) : new WebSocket(url, opts?.protocols);
  ws.binaryType = "arraybuffer";
  let closed: { code: number } | null = null;
  ws.onmessage = (e: MessageEvent) => frames.push((typeof e.data === "string" ? JSON.parse(e.data) : unpack(new Uint8Array(e.data as ArrayBuffer))) as Json);
  ws.onclose = (e: CloseEvent) => { closed = { code: e.code }; };
  const opened = new Promise<void>((res, rej) => { ws.onopen = () => res(); ws.onerror = () => rej(new Error("ws error")); });
  const next = async (pred: (f: Json) => boolean = () => true, ms = 5000): Promise<Json> => {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      const i = frames.findIndex(pred);
      if (i >= 0) return frames.splice(i, 1)[0]!;
      await Bun.sleep(5);
    }
    throw new Error(`no matching frame; have ${JSON.stringify(frames)}`);
  };
  return { ws, frames, opened, next, closed: () => closed };
}

describe("WS /ws/state-stream", () => {
  test("auth frame, then the spec's state frame gets an action frame with the tier", async () => {
    const c = client();
    await c.opened;
    c.ws.send(JSON.stringify({ type: "auth", token: TOKEN }));
    const ok = await c.next();
    expect(ok.type).toBe("auth_ok");
    expect(ok.session_id).toMatch(/^[0-9a-f-]{36}$/);
    c.ws.send(JSON.stringify({ type: "state", timestamp: 1738744800000, seq: 7, data: specState() }));
    const a = await c.next();
    expect(a).toMatchObject({ type: "action", decision_tier: "rule", seq: 7, data: { type: "attack", target_id: 200001, skill_id: 5 } });
    expect(typeof a.timestamp).toBe("number");
    c.ws.close();
  });

  test("a state before auth gets an error and the socket is closed", async () => {
    const c = client();
    await c.opened;
    c.ws.send(JSON.stringify({ type: "state", data: specState() }));
    const e = await c.next();
    expect(e).toMatchObject({ type: "error", error: { code: "INVALID_TOKEN" } });
    await Bun.sleep(100);
    expect(c.closed()?.code).toBe(1008);
  });

  test("a wrong token in the auth frame is refused and closed", async () => {
    const c = client();
    await c.opened;
    c.ws.send(JSON.stringify({ type: "auth", token: "wrong" }));
    expect(await c.next()).toMatchObject({ type: "error", error: { code: "INVALID_TOKEN" } });
    await Bun.sleep(100);
    expect(c.closed()?.code).toBe(1008);
  });

  test("a malformed frame and an invalid state get error frames and the socket stays usable", async () => {
    const c = client();
    await c.opened;
    c.ws.send(JSON.stringify({ type: "auth", token: TOKEN }));
    await c.next((f) => f.type === "auth_ok");
    c.ws.send("{nope");
    expect(await c.next()).toMatchObject({ type: "error", error: { code: "INVALID_REQUEST" } });
    const bad = specState() as unknown as { player: Record<string, unknown> };
    delete bad.player.position;
    c.ws.send(JSON.stringify({ type: "state", seq: 1, data: bad }));
    expect(await c.next()).toMatchObject({ type: "error", seq: 1, error: { code: "INVALID_STATE", details: { field: "data.player.position", expected: "object with x, y, map" } } });
    const over = specState();
    over.player.hp = 99999;
    c.ws.send(JSON.stringify({ type: "state", seq: 2, data: over }));
    expect(await c.next()).toMatchObject({ type: "error", seq: 2, error: { code: "INVALID_STATE" } });
    c.ws.send(JSON.stringify({ type: "dance" }));
    expect(await c.next()).toMatchObject({ type: "error", error: { code: "INVALID_REQUEST" } });
    c.ws.send(JSON.stringify({ type: "state", seq: 3, data: specState() }));
    expect(await c.next()).toMatchObject({ type: "action", seq: 3 });
    c.ws.close();
  });

  test("MessagePack clients get MessagePack frames", async () => {
    const c = client(wsUrl, { protocols: ["msgpack"] });
    await c.opened;
    c.ws.send(pack({ type: "auth", token: TOKEN }));
    await c.next((f) => f.type === "auth_ok");
    c.ws.send(pack({ type: "state", seq: 9, data: specState() }));
    expect(await c.next()).toMatchObject({ type: "action", seq: 9, decision_tier: "rule" });
    c.ws.close();
  });

  test("the Authorization header authenticates at upgrade; a wrong header is refused", async () => {
    const c = client(wsUrl, { headers: AUTH });
    await c.opened;
    expect((await c.next()).type).toBe("auth_ok");
    c.ws.close();
    const bad = client(wsUrl, { headers: { Authorization: "Bearer nope" } });
    await expect(bad.opened).rejects.toThrow();
  });

  test("a macro executed over HTTP is pushed to the session's socket as an action", async () => {
    const c = client();
    await c.opened;
    c.ws.send(JSON.stringify({ type: "auth", token: TOKEN }));
    const sid = (await c.next((f) => f.type === "auth_ok")).session_id as string;
    const r = await svc.call("POST", "/api/v1/macro/execute", { session_id: sid, macro_name: "storage_run" }, AUTH);
    expect((await json(r)).pushed_to_sockets).toBe(1);
    expect(await c.next()).toMatchObject({ type: "action", data: { type: "macro", macro_name: "storage_run" } });
    c.ws.close();
  });

  test("while an llm task runs the socket gets status frames, then the llm action", async () => {
    const c = client();
    await c.opened;
    c.ws.send(JSON.stringify({ type: "auth", token: TOKEN }));
    await c.next((f) => f.type === "auth_ok");
    const s = specState();
    s.player.level = 90;
    s.monsters = [];
    c.ws.send(JSON.stringify({ type: "state", seq: 1, data: s }));
    const first = await c.next();
    expect(first).toMatchObject({ type: "action", decision_tier: "llm", status: "processing", data: { type: "idle" } });
    const status = await c.next((f) => f.type === "status" && typeof f.progress === "number" && (f.progress as number) < 1, 4000);
    expect(status.message).toContain("LLM processing strategic plan");
    const done = await c.next((f) => f.type === "action" && f.decision_tier === "llm", 8000);
    expect(done).toMatchObject({ task_id: first.task_id, data: { type: "macro", macro_name: "clock_tower_3f_leveling" } });
    c.ws.close();
  }, 20_000);
});
