import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import type { TestService } from "../../helpers.ts";
import { AUTH, TOKEN, expectEnvelope, handshake, json, startOpenkore, stateBody } from "./http-helpers.ts";

let svc: TestService;
let sid: string;
beforeAll(async () => {
  ({ svc } = await startOpenkore());
  sid = await handshake(svc);
});
afterAll(() => svc.stop());

const decisions = async (): Promise<number> => ((await json(await svc.call("GET", "/api/v1/metrics", undefined, AUTH))).decision_stats as { total_decisions: number }).total_decisions;

describe("auth and handshake", () => {
  test("the spec's handshake returns a UUID v4 session, capabilities and server time", async () => {
    const before = Date.now();
    const r = await svc.call("POST", "/api/v1/handshake", {
      client: "OpenKore", client_version: "3.2.0", pid: 12345, capabilities: ["state_updates", "macro_execution", "hot_reload"], authentication_token: TOKEN,
    }, AUTH);
    expect(r.status).toBe(200);
    const b = await json(r);
    expect(b.status).toBe("success");
    expect(b.session_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(b.server).toBe("OpenKore AI Engine");
    expect(b.server_version).toBe("2.0.0");
    expect(b.capabilities).toEqual(expect.arrayContaining(["reflex_engine", "rule_engine", "ml_engine", "llm_integration", "python_service"]));
    expect(b.python_service_available).toBe(false);
    expect(b.server_time as number).toBeGreaterThanOrEqual(before);
  });

  test("the body token may be the SHA-256 of the token", async () => {
    const hash = new Bun.CryptoHasher("sha256").update(TOKEN).digest("hex");
    const r = await svc.call("POST", "/api/v1/handshake", { client: "OpenKore", client_version: "3.2.0", authentication_token: hash }, AUTH);
    expect(r.status).toBe(200);
  });

  test("a missing or wrong bearer token is 401 INVALID_TOKEN in both envelopes and creates no session", async () => {
    const active = async (): Promise<unknown> => (await json(await svc.call("GET", "/api/v1/metrics", undefined, AUTH))).active_sessions;
    const n = await active();
    for (const headers of [{}, { Authorization: "Bearer wrong" }, { Authorization: TOKEN }] as Record<string, string>[]) {
      const r = await svc.call("POST", "/api/v1/handshake", { client: "OpenKore", client_version: "3.2.0" }, headers);
      expect(r.status).toBe(401);
      const b = await json(r);
      expectEnvelope(b, "INVALID_TOKEN");
      expect(b.message).toBe("Authentication token is invalid or expired");
    }
    const bad = await svc.call("POST", "/api/v1/handshake", { client: "OpenKore", client_version: "3.2.0", authentication_token: "nope" }, AUTH);
    expect(bad.status).toBe(401);
    expect(await active()).toBe(n);
  });

  test("every route but health needs the token", async () => {
    for (const [m, p] of [["GET", "/api/v1/metrics"], ["GET", "/api/v1/config/rules"], ["GET", "/api/v1/social/reputation/1"], ["GET", "/api/v1/action/llm-task-1"], ["GET", "/api/v1/macro/status/macro-gen-1"]] as const) {
      const r = await svc.call(m, p);
      expect(r.status).toBe(401);
      expectEnvelope(await json(r), "INVALID_TOKEN");
    }
  });

  test("health answers a liveness probe without a token, and still rejects a wrong one", async () => {
    const open = await svc.call("GET", "/api/v1/health");
    expect(open.status).toBe(503); // no AI service in this test: unhealthy, but answered
    expect((await json(open)).status).toBe("unhealthy");
    const withToken = await svc.call("GET", "/api/v1/health", undefined, AUTH);
    expect(withToken.status).toBe(503);
    const wrong = await svc.call("GET", "/api/v1/health", undefined, { Authorization: "Bearer wrong" });
    expect(wrong.status).toBe(401);
    expectEnvelope(await json(wrong), "INVALID_TOKEN");
  });

  test("a handshake missing client info is 400 INVALID_REQUEST naming the field", async () => {
    const r = await svc.call("POST", "/api/v1/handshake", { client_version: "3.2.0" }, AUTH);
    expect(r.status).toBe(400);
    const b = await json(r);
    expectEnvelope(b, "INVALID_REQUEST");
    expect((b.details as { field: string }).field).toBe("client");
  });
});

describe("POST /api/v1/state", () => {
  test("ids beyond 2^53−1 anywhere in a state are 400 INVALID_STATE naming the field, and no decision is made", async () => {
    const n = await decisions();
    const base = JSON.stringify(stateBody(sid));
    const cases: [string, string][] = [
      ['"id": 150001', "player.id"], ['"id": 200001', "monsters[0].id"], ['"id": 501', "items[0].id"], ['"id": 5,', "skills[0].id"],
    ];
    for (const [needle, field] of cases) {
      const raw = base.replace(needle.replace(/ /g, ""), needle.replace(/ /g, "").replace(/\d+/, "18446744073709551616"));
      expect(raw).not.toBe(base);
      const r = await svc.call("POST", "/api/v1/state", raw, AUTH);
      expect({ field, status: r.status }).toEqual({ field, status: 400 });
      const b = await json(r);
      expectEnvelope(b, "INVALID_STATE");
      expect((b.details as { field: string }).field).toBe(field);
    }
    expect(await decisions()).toBe(n);
  });

  test("the spec's example state is answered by the rule tier: Bash on the Poring", async () => {
    const r = await svc.call("POST", "/api/v1/state", stateBody(sid), AUTH);
    expect(r.status).toBe(200);
    const b = await json(r);
    expect(b.status).toBe("success");
    expect(b.decision_tier).toBe("rule");
    expect(typeof b.processing_time_ms).toBe("number");
    expect(b.action).toMatchObject({ type: "attack", target_id: 200001, skill_id: 5, priority: "normal", confidence: 0.85 });
    expect(typeof (b.action as { reason: string }).reason).toBe("string");
  });

  test("critical HP with a White Potion is a reflex decision", async () => {
    const body = stateBody(sid) as { player: { hp: number }; items: unknown[] };
    body.player.hp = 1000;
    body.items = [{ id: 504, name: "White Potion", quantity: 3 }];
    const b = await json(await svc.call("POST", "/api/v1/state", body, AUTH));
    expect(b.decision_tier).toBe("reflex");
    expect(b.action).toMatchObject({ type: "use_item", item_id: 504, item_name: "White Potion", confidence: 0.95 });
  });

  test("missing player.position is 400 INVALID_STATE with the spec's details", async () => {
    const body = stateBody(sid) as { player: Record<string, unknown> };
    delete body.player.position;
    const n = await decisions();
    const r = await svc.call("POST", "/api/v1/state", body, AUTH);
    expect(r.status).toBe(400);
    const b = await json(r);
    expectEnvelope(b, "INVALID_STATE");
    expect(b.message).toBe("Missing required field: player.position");
    expect(b.details).toMatchObject({ field: "player.position", expected: "object with x, y, map" });
    expect(await decisions()).toBe(n);
  });

  const bad: [string, (b: Record<string, unknown> & { player: Record<string, unknown>; monsters: Record<string, unknown>[] }) => void, string][] = [
    ["an extra top-level field", (b) => { b.mana = 5; }, "mana"],
    ["a wrong-typed hp", (b) => { b.player.hp = "lots"; }, "player.hp"],
    ["a negative hp", (b) => { b.player.hp = -1; }, "player.hp"],
    ["hp above hp_max", (b) => { b.player.hp = 9000; }, "player.hp"],
    ["sp above sp_max", (b) => { b.player.sp = 9000; }, "player.sp"],
    ["a monster without distance", (b) => { delete b.monsters[0]!.distance; }, "monsters[0].distance"],
    ["a missing session_id", (b) => { delete b.session_id; }, "session_id"],
  ];
  for (const [what, mutate, field] of bad) {
    test(`${what} is 400 INVALID_STATE naming ${field}, and nothing is decided`, async () => {
      const body = structuredClone(stateBody(sid)) as Parameters<typeof mutate>[0];
      mutate(body);
      const n = await decisions();
      const r = await svc.call("POST", "/api/v1/state", body, AUTH);
      expect(r.status).toBe(400);
      const b = await json(r);
      expectEnvelope(b, "INVALID_STATE");
      expect((b.details as { field: string }).field).toBe(field);
      expect(await decisions()).toBe(n);
    });
  }

  test("an unknown session id is 404 SESSION_NOT_FOUND", async () => {
    const n = await decisions();
    const r = await svc.call("POST", "/api/v1/state", stateBody("00000000-0000-4000-8000-000000000000"), AUTH);
    expect(r.status).toBe(404);
    expectEnvelope(await json(r), "SESSION_NOT_FOUND");
    expect(await decisions()).toBe(n);
  });

  test("malformed JSON is 400 and a non-JSON content type 415", async () => {
    const r = await svc.call("POST", "/api/v1/state", "{not json", AUTH);
    expect(r.status).toBe(400);
    expectEnvelope(await json(r), "INVALID_REQUEST");
    const t = await svc.call("POST", "/api/v1/state", "x=1", { ...AUTH, "Content-Type": "text/plain" });
    expect(t.status).toBe(415);
  });

  test("the token was taken from OPENKORE_AI_TOKEN, so no token file was written", () => {
    expect(existsSync(join(svc.dataDir, "openkore", "token"))).toBe(false);
  });
});

describe("token file", () => {
  test("without OPENKORE_AI_TOKEN a token is generated, saved 0600 and reused after restart", async () => {
    const { svc: s1 } = await startOpenkore({ env: { OPENKORE_AI_TOKEN: "" } });
    const file = join(s1.dataDir, "openkore", "token");
    const token = (await Bun.file(file).text()).trim();
    expect(token).toMatch(/^[0-9a-f]{64}$/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect((await s1.call("GET", "/api/v1/metrics", undefined, { Authorization: `Bearer ${token}` })).status).toBe(200);
    await s1.stop({ keepData: true });
    const { svc: s2 } = await startOpenkore({ env: { OPENKORE_AI_TOKEN: "" }, dataDir: s1.dataDir });
    expect((await s2.call("GET", "/api/v1/metrics", undefined, { Authorization: `Bearer ${token}` })).status).toBe(200);
    await s2.stop();
  });
});

describe("oversized bodies", () => {
  test("a body over the limit is 413 and decides nothing", async () => {
    const { svc: small } = await startOpenkore({ maxBodyBytes: 2048 });
    const s = await handshake(small);
    const body = stateBody(s) as { monsters: unknown[] };
    // Just over the limit: far larger bodies are cut by Bun itself before the envelope is built.
    let n = 0;
    while (JSON.stringify(body).length <= 2100) body.monsters = Array.from({ length: ++n }, (_, i) => ({ id: i, name: "Poring", position: { x: 1, y: 1 }, distance: 3, aggressive: false }));
    const r = await small.call("POST", "/api/v1/state", body, AUTH);
    expect(r.status).toBe(413);
    expectEnvelope(await json(r), "PAYLOAD_TOO_LARGE");
    await small.stop();
  });
});
