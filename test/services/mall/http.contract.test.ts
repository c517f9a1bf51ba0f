import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createMallService } from "../../../src/services/mall/index.ts";
import { startTestService, type TestService } from "../../helpers.ts";

// The spec's example timestamp, so replies can be compared with its examples.
const NOW_MS = 1732649283450;
const ZONE_KEYS = [
  "adjacency", "qbit_aggregate", "qbit_charisma", "qbit_entity_count", "qbit_power",
  "resonance", "swarm_bias", "turbulence", "zone_id",
];
let svc: TestService;

async function json(res: Response): Promise<Record<string, unknown>> {
  return (await res.json()) as Record<string, unknown>;
}

type Frame = {
  timestamp: number;
  cloud: Record<string, unknown>;
  zones: Record<string, Record<string, unknown>>;
  npcs: Record<string, unknown>[];
  events: { type: string; timestamp: number; details: Record<string, unknown> }[];
};

async function tick(body: unknown): Promise<Frame> {
  const res = await svc.call("POST", "/tick", body);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toContain("application/json");
  return (await res.json()) as Frame;
}

beforeAll(async () => {
  svc = await startTestService("mall", createMallService, { now: () => NOW_MS });
});
afterAll(() => svc.stop());

describe("mall bridge contract (spec examples)", () => {
  test("GET /health before init reports the service and an uninitialised world", async () => {
    const res = await svc.call("GET", "/health");
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({ status: "ok", service: "mall-sim-v6-bridge", world_initialized: false });
  });

  test("POST /init with the spec's body loads the shipped world", async () => {
    const res = await svc.call("POST", "/init", { config_path: "config" });
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({
      status: "initialized",
      config_path: "config",
      cloud_level: 0.0,
      zones_loaded: 11,
      npcs_loaded: 4,
    });
    expect(await json(await svc.call("GET", "/health"))).toEqual({
      status: "ok",
      service: "mall-sim-v6-bridge",
      world_initialized: true,
    });
  });

  test("POST /init with no body defaults config_path to \"config\"", async () => {
    const res = await svc.call("POST", "/init");
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({ status: "initialized", config_path: "config", zones_loaded: 11 });
  });

  test("GET /status returns the spec's snapshot fields", async () => {
    const res = await svc.call("GET", "/status");
    expect(res.status).toBe(200);
    const s = await json(res);
    expect(Object.keys(s).sort()).toEqual(["cloud", "npcs_count", "session", "stats", "zones_count"]);
    expect(s.cloud).toEqual({ level: 0, mood: "calm", trend: "stable", pressure_rate: 0, bleed_tier: 0, bleed_ready: false });
    expect(s.zones_count).toBe(11);
    expect(s.npcs_count).toBe(4);
    expect(s.session).toEqual({ count: 2, total_playtime: 0 });
    expect(s.stats).toEqual({ discoveries: 0, contradictions: 0, entities_loaded: 16 });
  });

  test("POST /tick with the spec's move example returns a FrameUpdate", async () => {
    const f = await tick({ dt: 0.25, player_event: { type: "move", to_zone: "FC-ARCADE", from_zone: "CORRIDOR" } });
    expect(Object.keys(f).sort()).toEqual(["cloud", "events", "npcs", "timestamp", "zones"]);
    expect(f.timestamp).toBe(1732649283.45);
    expect(Object.keys(f.cloud).sort()).toEqual(["bleed_ready", "bleed_tier", "level", "mood", "pressure_rate", "trend"]);
    expect(f.cloud.mood).toBe("calm");
    expect(typeof f.cloud.pressure_rate).toBe("number");
    expect(Object.keys(f.zones)).toHaveLength(11);
    for (const id of ["FC-ARCADE", "CORRIDOR"]) {
      const z = f.zones[id];
      if (!z) throw new Error(`${id} missing`);
      expect(Object.keys(z).sort()).toEqual(ZONE_KEYS);
      expect(z.zone_id).toBe(id);
      expect(Object.keys(z.swarm_bias as object).sort()).toEqual(["avoidance", "clustering", "color_weight", "speed"]);
      const weights = Object.values(z.adjacency as Record<string, number>);
      expect(weights.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
    }
    expect(f.zones["FC-ARCADE"]?.qbit_entity_count).toBe(3);
    expect(Object.keys(f.zones["FC-ARCADE"]?.adjacency as object).sort()).toEqual(["CORRIDOR", "MAIN_HALL", "SERVICE_HALL"]);
    const byId = Object.fromEntries(f.npcs.map((n) => [n.id, n]));
    expect(byId["janitor-001"]).toMatchObject({ zone: "CORRIDOR", state: "patrol", behavior_hint: "patrol_route" });
    expect(byId["uncle-danny"]).toMatchObject({ zone: "FC-ARCADE", behavior_hint: expect.any(String) });
    expect(byId["security-wolf"]).toMatchObject({ zone: "MAIN_HALL" });
    expect(f.events).toContainEqual({
      type: "zone_entered",
      timestamp: 1732649283.45,
      details: { zone_id: "FC-ARCADE", from_zone: "CORRIDOR" },
    });
  });

  test("POST /tick with the interact example counts a discovery of the artifact", async () => {
    const f = await tick({ dt: 0.25, player_event: { type: "interact", target: "bag_of_screams", zone: "FC-ARCADE" } });
    const d = f.events.find((e) => e.type === "discovery_made");
    expect(d?.details).toMatchObject({ document: "bag_of_screams", zone: "FC-ARCADE", source: "interact" });
    expect(f.zones["FC-ARCADE"]?.resonance as number).toBeGreaterThan(0);
  });

  test("POST /tick with the discover example logs the document", async () => {
    const f = await tick({ dt: 0.25, player_event: { type: "discover", document: "log_017", zone: "SERVICE_HALL" } });
    expect(f.events.map((e) => e.type)).toEqual(expect.arrayContaining(["zone_entered", "discovery_made"]));
    const s = await json(await svc.call("GET", "/status"));
    expect((s.stats as Record<string, number>).discoveries).toBe(2);
  });

  test("POST /tick accepts wait, run, null and absent player events", async () => {
    for (const body of [
      { dt: 0.25, player_event: { type: "wait" } },
      { dt: 0.25, player_event: { type: "run", zone: "FC-ARCADE" } },
      { dt: 0.25, player_event: null },
      { dt: 0.25 },
      { dt: 10 },
    ]) {
      const f = await tick(body);
      expect(f.npcs).toHaveLength(4);
    }
  });

  test("status and tick agree: same cloud object, mood from level, counts match", async () => {
    const f = await tick({ dt: 0.25, player_event: { type: "discover", document: "log_003", zone: "SERVICE_HALL" } });
    const s = await json(await svc.call("GET", "/status"));
    expect(s.cloud).toEqual(f.cloud);
    expect(s.zones_count).toBe(Object.keys(f.zones).length);
    expect(s.npcs_count).toBe(f.npcs.length);
    const level = f.cloud.level as number;
    expect(f.cloud.mood).toBe(["calm", "uneasy", "strained", "critical"][Math.min(3, Math.floor(level / 25))]);
  });

  test("total_playtime sums the simulated time of every tick", async () => {
    const s = await json(await svc.call("GET", "/status"));
    // 0.25 × 8 ticks + one of 10 s
    expect((s.session as Record<string, number>).total_playtime).toBeCloseTo(12, 9);
  });

  test("POST /reset with the spec's body resets the world and clears history", async () => {
    const res = await svc.call("POST", "/reset", { keep_memory: false });
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({ status: "reset", keep_memory: false, cloud_level: 0.0 });
    const s = await json(await svc.call("GET", "/status"));
    expect(s.stats).toEqual({ discoveries: 0, contradictions: 0, entities_loaded: 16 });
    expect((s.cloud as Record<string, unknown>).level).toBe(0);
  });

  test("POST /reset with keep_memory keeps the discovery history", async () => {
    await tick({ dt: 0.25, player_event: { type: "discover", document: "log_017", zone: "SERVICE_HALL" } });
    const res = await svc.call("POST", "/reset", { keep_memory: true });
    expect(await json(res)).toEqual({ status: "reset", keep_memory: true, cloud_level: 0 });
    const s = await json(await svc.call("GET", "/status"));
    expect((s.stats as Record<string, number>).discoveries).toBe(1);
    const f = await tick({ dt: 0.25 });
    expect(f.zones.SERVICE_HALL?.resonance as number).toBeGreaterThan(0);
  });

  test("POST /reset without a body means keep_memory false", async () => {
    expect(await json(await svc.call("POST", "/reset"))).toEqual({ status: "reset", keep_memory: false, cloud_level: 0 });
  });
});

describe("reply headers", () => {
  test("every reply, /tick included, says application/json with the utf-8 charset", async () => {
    const s = await startTestService("mall", createMallService, { now: () => NOW_MS });
    try {
      const replies = [
        await s.call("GET", "/health"),
        await s.call("POST", "/tick", { dt: 0.25 }), // 503 before /init
        await s.call("POST", "/init"),
        await s.call("GET", "/status"),
        await s.call("POST", "/tick", { dt: 0.25, player_event: { type: "move", to_zone: "FC-ARCADE" } }),
        await s.call("POST", "/tick", { dt: 0.25, player_event: null }),
        await s.call("POST", "/tick", { dt: 99 }), // 400
        await s.call("POST", "/reset"),
      ];
      expect(replies.map((r) => r.status)).toEqual([200, 503, 200, 200, 200, 200, 400, 200]);
      for (const r of replies) expect(r.headers.get("content-type")).toBe("application/json;charset=utf-8");
    } finally {
      await s.stop();
    }
  });
});
