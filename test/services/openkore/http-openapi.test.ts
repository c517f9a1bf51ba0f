// The OpenAPI document (bearer scheme, every route's replies) and real replies checked
// against those reply schemas, so the document cannot drift from what is sent.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { TSchema } from "@sinclair/typebox";
import { openApiDocument } from "../../../src/runtime/openapi.ts";
import { compile } from "../../../src/runtime/validation.ts";
import * as R from "../../../src/services/openkore/schema-replies.ts";
import type { TestService } from "../../helpers.ts";
import { AUTH, fakeAiService, generateAndWait, handshake, json, startOpenkore, stateBody, type Json } from "./http-helpers.ts";

const fake = fakeAiService(0);
let svc: TestService;
let sid: string;
beforeAll(async () => {
  ({ svc } = await startOpenkore({ env: { AI_SERVICE_URL: fake.url } }));
  sid = await handshake(svc);
});
afterAll(async () => { await svc.stop(); fake.stop(); });

type Op = { security?: unknown; responses: Record<string, { content?: Record<string, { schema: unknown }> }> };

describe("openkore OpenAPI document", () => {
  test("declares the bearer scheme for every route, and health as open", () => {
    const running = svc.app.services.get("openkore");
    if (!running) throw new Error("not running");
    const doc = openApiDocument(running.def, svc.url) as { components: Json; security: unknown; paths: Record<string, Record<string, Op>> };
    expect((doc.components.securitySchemes as Json).bearerAuth).toMatchObject({ type: "http", scheme: "bearer" });
    expect(doc.security).toEqual([{ bearerAuth: [] }]);
    expect(doc.paths["/api/v1/health"]!.get!.security).toEqual([]);
    expect(doc.paths["/api/v1/state"]!.post!.security).toBeUndefined();
  });

  test("every route documents a success reply schema and the error envelope", () => {
    const running = svc.app.services.get("openkore");
    if (!running) throw new Error("not running");
    const doc = openApiDocument(running.def, svc.url) as { paths: Record<string, Record<string, Op>> };
    let ops = 0;
    for (const [path, methods] of Object.entries(doc.paths)) {
      if (path.startsWith("/ws/")) continue;
      for (const [method, op] of Object.entries(methods)) {
        ops++;
        const codes = Object.keys(op.responses);
        const ok = codes.filter((c) => c.startsWith("2"));
        expect({ route: `${method} ${path}`, ok: ok.length > 0 }).toEqual({ route: `${method} ${path}`, ok: true });
        for (const c of [...ok, "400", "401"]) expect({ route: `${method} ${path}`, c, schema: op.responses[c]?.content?.["application/json"]?.schema !== undefined }).toEqual({ route: `${method} ${path}`, c, schema: true });
      }
    }
    expect(ops).toBe(16);
  });
});

describe("real replies match the documented schemas", () => {
  const check = (schema: TSchema, body: unknown): void => {
    expect(compile(schema).firstIssue(body)).toBeNull();
  };

  test("handshake, state, health, metrics, errors", async () => {
    check(R.HandshakeReply, await json(await svc.call("POST", "/api/v1/handshake", { client: "OpenKore", client_version: "3.2.0" }, AUTH)));
    check(R.StateReply, await json(await svc.call("POST", "/api/v1/state", stateBody(sid), AUTH)));
    check(R.HealthReply, await json(await svc.call("GET", "/api/v1/health")));
    check(R.MetricsReply, await json(await svc.call("GET", "/api/v1/metrics", undefined, AUTH)));
    check(R.MetricsLogReply, await json(await svc.call("POST", "/api/v1/metrics/log", { session_id: sid, decision_tier: "rule", action_type: "attack", success: true, outcome: { exp_gained: 10 } }, AUTH)));
    check(R.ErrorReply, await json(await svc.call("POST", "/api/v1/state", { session_id: sid }, AUTH)));
    check(R.ErrorReply, await json(await svc.call("GET", "/api/v1/metrics")));
  });

  test("llm task, macros, config, social", async () => {
    const s = stateBody(await handshake(svc)) as { player: { level: number }; monsters: unknown[] };
    s.player.level = 90;
    s.monsters = [];
    const accepted = await json(await svc.call("POST", "/api/v1/state", s, AUTH));
    check(R.StateAccepted, accepted);
    const status = await generateAndWait(svc, sid);
    check(R.MacroStatusReply, status);
    check(R.MacroExecuteReply, await json(await svc.call("POST", "/api/v1/macro/execute", { session_id: sid, macro_name: "heal_routine" }, AUTH)));
    check(R.ConfigReloadReply, await json(await svc.call("POST", "/api/v1/config/reload", { config_type: "rules" }, AUTH)));
    check(R.ConfigViewReply, await json(await svc.call("GET", "/api/v1/config/llm", undefined, AUTH)));
    check(R.ChatReply, await json(await svc.call("POST", "/api/v1/social/chat/process", { sender_id: 1, sender_name: "A", message: "hi", channel: "whisper" }, AUTH)));
    check(R.TradeReply, await json(await svc.call("POST", "/api/v1/social/trade/evaluate", { trader_id: 1, trader_name: "A", our_items: [], their_items: [], zeny_offered: 0 }, AUTH)));
    check(R.ReputationAdjustReply, await json(await svc.call("POST", "/api/v1/social/reputation/adjust", { player_id: 1, delta: 3, reason: "x" }, AUTH)));
    check(R.ReputationReply, await json(await svc.call("GET", "/api/v1/social/reputation/1", undefined, AUTH)));
    check(R.DecideReply, await json(await svc.call("POST", "/api/v1/decide", { game_state: { character: { name: "K", level: 50, hp: 100, max_hp: 100, sp: 10, max_sp: 10, position: { map: "prontera", x: 1, y: 1 } } } }, AUTH)));
    let done: Json = {};
    for (let i = 0; i < 200; i++) {
      const r = await svc.call("GET", `/api/v1/action/${accepted.task_id as string}`, undefined, AUTH);
      done = await json(r);
      if (r.status === 200) break;
      check(R.TaskProcessing, done);
      await Bun.sleep(20);
    }
    check(R.ActionTaskReply, done);
  });
});
