// The per-client rate limit applies before a body or frame is validated: invalid bodies
// and malformed or invalid WebSocket frames use up the client's tokens too, and a client
// over the rate gets RATE_LIMIT whatever it sends. HTTP and WS share the session's bucket.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { TestService } from "../../helpers.ts";
import { specState } from "./fixtures.ts";
import { AUTH, TOKEN, expectEnvelope, handshake, json, startOpenkore, stateBody, type Json } from "./http-helpers.ts";

// A frozen clock: no token comes back until the test moves it.
let clock = 2_000_000;
let svc: TestService;
beforeAll(async () => {
  ({ svc } = await startOpenkore({ options: { rate_limit_per_second: 5 }, now: () => clock }));
});
afterAll(() => svc.stop());

const invalidState = (sid: string): Json => {
  const body = stateBody(sid) as { player: Json };
  delete body.player.hp;
  return body;
};

describe("HTTP bodies", () => {
  test("invalid bodies take tokens: past the rate an invalid /state is 429, not 400, and a valid one then finds the bucket empty", async () => {
    const sid = await handshake(svc);
    for (let i = 0; i < 5; i++) {
      const r = await svc.call("POST", "/api/v1/state", invalidState(sid), AUTH);
      expect(r.status).toBe(400);
      expect(r.headers.get("x-ratelimit-remaining")).toBe(String(4 - i));
      expectEnvelope(await json(r), "INVALID_STATE");
    }
    const over = await svc.call("POST", "/api/v1/state", invalidState(sid), AUTH);
    expect(over.status).toBe(429);
    expect(over.headers.get("retry-after")).toBe("1");
    expectEnvelope(await json(over), "RATE_LIMIT");
    expect((await svc.call("POST", "/api/v1/state", stateBody(sid), AUTH)).status).toBe(429);
    clock += 1000;
    expect((await svc.call("POST", "/api/v1/state", stateBody(sid), AUTH)).status).toBe(200);
  });
});

describe("WebSocket frames", () => {
  test("malformed and invalid frames take tokens: past the rate every frame gets a RATE_LIMIT error with its seq, and HTTP shares the bucket", async () => {
    clock += 10_000;
    const sid = await handshake(svc);
    const frames: Json[] = [];
    const ws = new WebSocket(svc.url.replace(/^http/, "ws") + "/ws/state-stream");
    ws.onmessage = (e: MessageEvent) => frames.push(JSON.parse(String(e.data)) as Json);
    await new Promise((resolve, reject) => { ws.onopen = resolve; ws.onerror = reject; });
    const next = async (): Promise<Json> => {
      for (let t = 0; t < 500 && frames.length === 0; t++) await Bun.sleep(5);
      const f = frames.shift();
      if (!f) throw new Error("no frame");
      return f;
    };
    try {
      // Auth frames are not counted: the session is not known before them.
      ws.send(JSON.stringify({ type: "auth", token: TOKEN, session_id: sid }));
      expect(await next()).toMatchObject({ type: "auth_ok", session_id: sid });
      ws.send("{nope");
      expect(await next()).toMatchObject({ type: "error", error: { code: "INVALID_REQUEST" } });
      ws.send(JSON.stringify({ type: "state", seq: 1, data: { player: {} } }));
      expect(await next()).toMatchObject({ type: "error", seq: 1, error: { code: "INVALID_STATE" } });
      ws.send(JSON.stringify({ type: "dance" }));
      expect(await next()).toMatchObject({ type: "error", error: { code: "INVALID_REQUEST" } });
      ws.send(JSON.stringify({ type: "state", seq: 2, data: specState() }));
      expect(await next()).toMatchObject({ type: "action", seq: 2 });
      // The fifth token goes to an invalid HTTP body of the same session.
      expect((await svc.call("POST", "/api/v1/state", invalidState(sid), AUTH)).status).toBe(400);
      ws.send(JSON.stringify({ type: "state", seq: 3, data: specState() }));
      const limited = await next();
      expect(limited).toMatchObject({ type: "error", seq: 3, error: { code: "RATE_LIMIT", details: { limit: 5, retry_after: 1 } } });
      ws.send("{nope");
      expect(await next()).toMatchObject({ type: "error", error: { code: "RATE_LIMIT" } });
      ws.send(JSON.stringify({ type: "ping" }));
      expect(await next()).toMatchObject({ type: "error", error: { code: "RATE_LIMIT" } });
      clock += 1000;
      ws.send(JSON.stringify({ type: "state", seq: 4, data: specState() }));
      expect(await next()).toMatchObject({ type: "action", seq: 4, decision_tier: "rule" });
      expect(frames).toEqual([]);
    } finally {
      ws.close();
    }
  });
});
