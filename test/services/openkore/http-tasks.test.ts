import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Database } from "bun:sqlite";
import { DEFAULT_ENGINE_CONFIG } from "../../../src/services/openkore/engine/config.ts";
import { mlFeatures } from "../../../src/services/openkore/engine/features.ts";
import type { GameState } from "../../../src/services/openkore/engine/types.ts";
import type { TestService } from "../../helpers.ts";
import { AUTH, expectEnvelope, fakeAiService, handshake, json, poll, pollAction, startOpenkore, stateBody, type Json } from "./http-helpers.ts";

const fake = fakeAiService(400);
let svc: TestService;
let configDir: string;
let sid: string;
beforeAll(async () => {
  ({ svc, configDir } = await startOpenkore({ env: { AI_SERVICE_URL: fake.url }, options: { retrain_every: 25 } }));
  sid = await handshake(svc);
});
afterAll(async () => { await svc.stop(); fake.stop(); });

const milestone = (s: string): Json => {
  const b = stateBody(s) as { player: { level: number }; monsters: unknown[] };
  b.player.level = 90;
  b.monsters = [];
  return b as unknown as Json;
};

describe("health", () => {
  test("with the AI service up, health is 200 healthy with its status and live figures", async () => {
    const r = await svc.call("GET", "/api/v1/health", undefined, AUTH);
    expect(r.status).toBe(200);
    const b = await json(r);
    expect(b.status).toBe("healthy");
    expect(b.issues).toEqual([]);
    expect(b.decision_engines).toMatchObject({ reflex: "operational", rule: "operational", llm: "operational" });
    expect(b.python_service).toMatchObject({ status: "healthy", url: fake.url, transport: "http" });
    expect(typeof (b.performance as Json).requests_per_second).toBe("number");
    expect(b.active_sessions as number).toBeGreaterThanOrEqual(1);
  });

  test("with no AI service, health is 503 unhealthy naming it", async () => {
    const { svc: lone } = await startOpenkore();
    const r = await lone.call("GET", "/api/v1/health", undefined, AUTH);
    expect(r.status).toBe(503);
    const b = await json(r);
    expect(b.status).toBe("unhealthy");
    expect((b.issues as string[])[0]).toContain("Python service not responding");
    await lone.stop();
  });
});

describe("llm tier", () => {
  test("a level milestone answers 202 with a task and idle fallback; polling yields the planner's macro", async () => {
    const r = await svc.call("POST", "/api/v1/state", milestone(sid), AUTH);
    expect(r.status).toBe(202);
    const b = await json(r);
    expect(b).toMatchObject({ status: "processing", decision_tier: "llm", estimated_time_seconds: 30, fallback_action: { type: "idle", reason: "LLM processing strategic decision" } });
    const id = b.task_id as string;
    expect(id).toMatch(/^llm-task-\d+$/);
    const first = await svc.call("GET", `/api/v1/action/${id}`, undefined, AUTH);
    expect(first.status).toBe(202);
    expect(await json(first)).toMatchObject({ status: "processing", task_id: id });
    const done = await pollAction(svc, id);
    expect(done).toMatchObject({ status: "completed", task_id: id, action: { type: "macro", macro_name: "clock_tower_3f_leveling" } });
    expect((done.action as Json).reason).toContain("Clock Tower 3F");
    expect(done.processing_time_ms as number).toBeGreaterThanOrEqual(300);
    expect(existsSync(join(svc.dataDir, "openkore", "control", "macros", "generated", "clock_tower_3f_leveling.txt"))).toBe(true);
    expect(fake.calls).toContain("/api/crew/execute");
  }, 20_000);

  test("the llm tier fires at most once a minute per session", async () => {
    const s = await handshake(svc);
    expect((await svc.call("POST", "/api/v1/state", milestone(s), AUTH)).status).toBe(202);
    const again = await svc.call("POST", "/api/v1/state", milestone(s), AUTH);
    expect(again.status).toBe(200);
    expect((await json(again)).decision_tier).toBe("reflex");
  });

  test("an unknown task id is 404 TASK_NOT_FOUND", async () => {
    const r = await svc.call("GET", "/api/v1/action/llm-task-99999", undefined, AUTH);
    expect(r.status).toBe(404);
    expectEnvelope(await json(r), "TASK_NOT_FOUND");
  });

  test("with the AI service down the client still gets an action and SERVICE_UNAVAILABLE is noted", async () => {
    const { svc: lone } = await startOpenkore();
    const s = await handshake(lone);
    const r = await lone.call("POST", "/api/v1/state", milestone(s), AUTH);
    expect(r.status).toBe(200);
    const b = await json(r);
    expect(b.decision_tier).toBe("reflex");
    expect((b.action as Json).type).toBe("idle");
    expect((b.warnings as Json[])[0]?.code).toBe("SERVICE_UNAVAILABLE");
    await lone.stop();
  });
});

describe("macros", () => {
  test("executing a shipped macro starts it", async () => {
    const r = await svc.call("POST", "/api/v1/macro/execute", { session_id: sid, macro_name: "heal_routine", parameters: { hp_threshold: 0.5, item_preference: "White Potion" } }, AUTH);
    expect(r.status).toBe(200);
    const b = await json(r);
    expect(b).toMatchObject({ status: "success", macro_name: "heal_routine", started: true });
    expect(b.execution_id).toMatch(/^exec-\d+$/);
  });

  test("an unknown macro is 404 MACRO_NOT_FOUND and an unknown session 404 SESSION_NOT_FOUND", async () => {
    const r = await svc.call("POST", "/api/v1/macro/execute", { session_id: sid, macro_name: "dance_routine" }, AUTH);
    expect(r.status).toBe(404);
    expectEnvelope(await json(r), "MACRO_NOT_FOUND");
    const s = await svc.call("POST", "/api/v1/macro/execute", { session_id: "nope", macro_name: "heal_routine" }, AUTH);
    expect(s.status).toBe(404);
  });

  test("an unknown macro task is 404", async () => {
    expect((await svc.call("GET", "/api/v1/macro/status/macro-gen-424242", undefined, AUTH)).status).toBe(404);
  });
});

describe("config", () => {
  test("reloading rules reports rules_loaded and no errors", async () => {
    const r = await svc.call("POST", "/api/v1/config/reload", { session_id: sid, config_type: "rules", reason: "User updated combat rules" }, AUTH);
    expect(r.status).toBe(200);
    expect(await json(r)).toEqual({ status: "success", config_reloaded: "rules", rules_loaded: 3, validation_errors: [] });
  });

  test("a bad rules file is reported and the old rules stay in force", async () => {
    const file = join(configDir, "rules.json");
    const good = readFileSync(file, "utf8");
    writeFileSync(file, JSON.stringify({ rules: [{ id: "x", priority: 1, conditions: [{ field: "mana", op: "lt", value: 3 }], action: { type: "idle" } }] }));
    try {
      const b = await json(await svc.call("POST", "/api/v1/config/reload", { config_type: "rules" }, AUTH));
      expect(b.status).toBe("error");
      expect(b.rules_loaded).toBe(3);
      expect((b.validation_errors as Json[])[0]).toMatchObject({ file: "rules.json", rule: "x", field: "conditions[0].field" });
      const d = await json(await svc.call("POST", "/api/v1/state", stateBody(sid), AUTH));
      expect(d.decision_tier).toBe("rule");
    } finally {
      writeFileSync(file, good);
    }
  });

  test("a new rule takes effect after reload", async () => {
    const file = join(configDir, "rules.json");
    const good = readFileSync(file, "utf8");
    const doc = JSON.parse(good) as { rules: unknown[] };
    doc.rules.unshift({ id: "sit_in_prontera", priority: 1, conditions: [{ field: "map", op: "eq", value: "prontera" }], action: { type: "sit", reason: "town rest" } });
    writeFileSync(file, JSON.stringify(doc));
    try {
      expect((await json(await svc.call("POST", "/api/v1/config/reload", { config_type: "rules" }, AUTH))).rules_loaded).toBe(4);
      const d = await json(await svc.call("POST", "/api/v1/state", stateBody(sid), AUTH));
      expect(d.action).toMatchObject({ type: "sit", reason: "town rest" });
    } finally {
      writeFileSync(file, good);
      await svc.call("POST", "/api/v1/config/reload", { config_type: "rules" }, AUTH);
    }
  });

  test("an unknown config_type in a reload is 400", async () => {
    const r = await svc.call("POST", "/api/v1/config/reload", { config_type: "graphics" }, AUTH);
    expect(r.status).toBe(400);
    expectEnvelope(await json(r), "INVALID_REQUEST");
  });

  test("GET config shows llm settings with secrets masked and 404 for unknown types", async () => {
    const b = await json(await svc.call("GET", "/api/v1/config/llm", undefined, AUTH));
    expect(b.config_type).toBe("llm");
    expect(b.current_config).toMatchObject({ provider: "local", timeout_seconds: expect.any(Number) });
    const rules = await json(await svc.call("GET", "/api/v1/config/rules", undefined, AUTH));
    expect((rules.current_config as Json).rules_loaded).toBe(3);
    const r = await svc.call("GET", "/api/v1/config/graphics", undefined, AUTH);
    expect(r.status).toBe(404);
    expectEnvelope(await json(r), "CONFIG_NOT_FOUND");
  });
});

describe("metrics and the ml tier", () => {
  test("logging outcomes persists them and retrains the ml tier, which then decides", async () => {
    const s = await handshake(svc);
    // No monster within 15: neither reflex nor rule acts, so the ml tier is next.
    const quiet = stateBody(s) as { monsters: { distance: number; position: { x: number; y: number } }[] };
    quiet.monsters[0]!.distance = 20;
    quiet.monsters[0]!.position = { x: 170, y: 200 };
    const first = await json(await svc.call("POST", "/api/v1/state", quiet, AUTH));
    expect(first.decision_tier).toBe("reflex");
    for (let i = 0; i < 25; i++) {
      const r = await svc.call("POST", "/api/v1/metrics/log", { session_id: s, decision_tier: "ml", action_type: "move", success: true, outcome: { exp_gained: 10 }, processing_time_ms: 3 }, AUTH);
      expect(r.status).toBe(200);
      const b = await json(r);
      expect(b.status).toBe("logged");
      expect(b.log_id).toMatch(/^log-\d+$/);
    }
    await poll(async () => {
      const m = await json(await svc.call("GET", "/api/v1/metrics", undefined, AUTH));
      return ((m.ml_model as Json).actions as Json).move !== undefined;
    });
    const d = await json(await svc.call("POST", "/api/v1/state", quiet, AUTH));
    expect(d.decision_tier).toBe("ml");
    expect(d.action).toMatchObject({ type: "move", target_position: { x: 170, y: 200 } });
    expect((d.action as Json).confidence as number).toBeGreaterThanOrEqual(0.7);
  }, 20_000);

  test("a logged outcome carries the ml features of the session's last decision, none before any", async () => {
    const s = await handshake(svc);
    const features = async (): Promise<number[] | null> => {
      const r = await json(await svc.call("POST", "/api/v1/metrics/log", { session_id: s, decision_tier: "rule", action_type: "attack", success: true, outcome: {} }, AUTH));
      const db = new Database(join(svc.dataDir, "openkore.sqlite"), { readonly: true });
      try {
        const row = db.query<{ features: string | null }, [number]>("SELECT features FROM outcome_log WHERE id = ?").get(Number(String(r.log_id).slice(4)));
        return row?.features ? (JSON.parse(row.features) as number[]) : null;
      } finally {
        db.close();
      }
    };
    expect(await features()).toBeNull();
    const a = stateBody(s) as unknown as GameState;
    await svc.call("POST", "/api/v1/state", a, AUTH);
    expect(await features()).toEqual([...mlFeatures(a, DEFAULT_ENGINE_CONFIG)]);
    const b = stateBody(s) as unknown as GameState;
    b.player.hp = 1000;
    b.items = [{ id: 501, name: "Red Potion", quantity: 3 }];
    b.monsters[0]!.aggressive = true;
    await svc.call("POST", "/api/v1/state", b, AUTH);
    const fb = await features();
    expect(fb).toEqual([...mlFeatures(b, DEFAULT_ENGINE_CONFIG)]);
    expect(fb).not.toEqual([...mlFeatures(a, DEFAULT_ENGINE_CONFIG)]);
  });

  test("metrics report decisions per tier with avg and p99, rates and resources", async () => {
    const b = await json(await svc.call("GET", "/api/v1/metrics", undefined, AUTH));
    const ds = b.decision_stats as Record<string, number>;
    expect(ds.total_decisions).toBe(ds.reflex_decisions! + ds.rule_decisions! + ds.ml_decisions! + ds.llm_decisions!);
    expect(ds.rule_decisions).toBeGreaterThan(0);
    const perf = b.performance as Json;
    expect(Object.keys(perf.avg_response_time_ms as Json)).toEqual(["reflex", "rule", "ml", "llm"]);
    expect((perf.p99_response_time_ms as Json).rule as number).toBeGreaterThan(0);
    expect(typeof perf.error_rate).toBe("number");
    expect(b.resource_usage).toMatchObject({ memory_mb: expect.any(Number), threads: expect.any(Number), cpu_percent: expect.any(Number) });
  });

  test("a log with a wrong-typed field or unknown session stores nothing", async () => {
    const count = async (): Promise<number> => ((await json(await svc.call("GET", "/api/v1/metrics", undefined, AUTH))).ml_model as { logged_outcomes: number }).logged_outcomes;
    const n = await count();
    const bad = await svc.call("POST", "/api/v1/metrics/log", { session_id: sid, decision_tier: "ml", action_type: "attack", success: "yes" }, AUTH);
    expect(bad.status).toBe(400);
    expectEnvelope(await json(bad), "INVALID_REQUEST");
    const tier = await svc.call("POST", "/api/v1/metrics/log", { session_id: sid, decision_tier: "psychic", action_type: "attack", success: true }, AUTH);
    expect(tier.status).toBe(400);
    const unknown = await svc.call("POST", "/api/v1/metrics/log", { session_id: "ghost", decision_tier: "ml", action_type: "attack", success: true }, AUTH);
    expect(unknown.status).toBe(404);
    expect(await count()).toBe(n);
  });
});
