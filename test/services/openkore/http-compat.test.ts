import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { SerialQueue } from "../../../src/runtime/serial.ts";
import { RateLimiter } from "../../../src/runtime/ratelimit.ts";
import { openkoreProfile, ApiError } from "../../../src/runtime/errors.ts";
import type { RequestContext } from "../../../src/runtime/service.ts";
import { serial, type Guard } from "../../../src/services/openkore/guard.ts";
import type { TestService } from "../../helpers.ts";
import { AUTH, expectEnvelope, json, startOpenkore } from "./http-helpers.ts";

let svc: TestService;
beforeAll(async () => { ({ svc } = await startOpenkore()); });
afterAll(() => svc.stop());

const legacy = {
  request_id: "req-1",
  game_state: {
    character: { name: "Hero", level: 50, hp: 900, max_hp: 1000, sp: 200, max_sp: 300, position: { map: "prt_fild08", x: 100, y: 100 }, weight: 100, max_weight: 1000, job_class: "Swordman", status_effects: [] },
    monsters: [{ id: "m-77", name: "Poring", hp: 40, max_hp: 50, distance: 4, is_aggressive: true }],
    inventory: [{ id: "501", name: "Red Potion", amount: 3 }],
    nearby_players: [],
  },
};

describe("POST /api/v1/decide", () => {
  test("the original plugin's body gets {action{type,parameters,reason,confidence}, tier_used, latency_ms, request_id}", async () => {
    const r = await svc.call("POST", "/api/v1/decide", legacy, AUTH);
    expect(r.status).toBe(200);
    const b = await json(r);
    expect(b.tier_used).toBe("rule");
    expect(b.request_id).toBe("req-1");
    expect(typeof b.latency_ms).toBe("number");
    expect(b.action).toEqual({ type: "attack", parameters: { target_id: "m-77" }, reason: "Rule: monster within attack range", confidence: 0.85 });
  });

  test("a body without game_state.character is 400 INVALID_STATE", async () => {
    const r = await svc.call("POST", "/api/v1/decide", { request_id: "x", game_state: {} }, AUTH);
    expect(r.status).toBe(400);
    expectEnvelope(await json(r), "INVALID_STATE");
  });
});

describe("per-session serial queue", () => {
  const guard = (depth: number, startMs: number, runMs: number): Guard => ({
    token: "t", tokenHash: "h", limiter: new RateLimiter({ capacity: 100, refillPerSec: 100 }),
    serial: new SerialQueue({ maxDepth: depth, maxInFlight: 100, startTimeoutMs: startMs }, openkoreProfile),
    sessions: null as never, stats: { error() {} } as never, now: Date.now, requestTimeoutMs: runMs, sessionTtlSeconds: 3600,
  });
  const ctx = (session: string): RequestContext => ({ body: { session_id: session }, ip: "1.2.3.4" }) as unknown as RequestContext;

  test("requests of one session run one at a time in arrival order; other sessions run alongside", async () => {
    const g = guard(1000, 5000, 30_000);
    const log: string[] = [];
    let running = 0;
    let maxRunning = 0;
    const job = (name: string, ms: number) => async () => {
      running++; maxRunning = Math.max(maxRunning, running);
      log.push(`start ${name}`);
      await Bun.sleep(ms);
      log.push(`end ${name}`);
      running--;
    };
    const t0 = performance.now();
    await Promise.all([serial(ctx("A"), g, job("a1", 30)), serial(ctx("A"), g, job("a2", 5)), serial(ctx("A"), g, job("a3", 5)), serial(ctx("B"), g, job("b1", 30))]);
    const aOnly = log.filter((l) => l.endsWith("a1") || l.endsWith("a2") || l.endsWith("a3"));
    expect(aOnly).toEqual(["start a1", "end a1", "start a2", "end a2", "start a3", "end a3"]);
    expect(maxRunning).toBe(2);
    expect(performance.now() - t0).toBeLessThan(120);
  });

  test("a full session queue answers 503 SERVICE_UNAVAILABLE", async () => {
    const g = guard(1, 5000, 30_000);
    const slow = serial(ctx("A"), g, () => Bun.sleep(50));
    const queued = serial(ctx("A"), g, () => 1);
    const e = await serial(ctx("A"), g, () => 2).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ApiError);
    expect((e as ApiError).status).toBe(503);
    expect((e as ApiError).code).toBe("SERVICE_UNAVAILABLE");
    await slow; await queued;
  });

  test("a request that cannot start in time gets 503 and one that runs too long 408 TIMEOUT", async () => {
    const g = guard(1000, 30, 40);
    const hog = serial(ctx("A"), g, () => Bun.sleep(200)).catch((x: unknown) => x);
    const waiting = await serial(ctx("A"), g, () => 1).catch((x: unknown) => x);
    expect((waiting as ApiError).status).toBe(503);
    const slow = (await hog) as ApiError;
    expect(slow.status).toBe(408);
    expect(slow.code).toBe("TIMEOUT");
  });
});
