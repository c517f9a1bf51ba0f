import { describe, expect, test } from "bun:test";
import { resolvePlayerEvent, S, step, tickFrame, type World } from "../../../src/services/mall/engine/index.ts";
import { buildIndex } from "../../../src/services/mall/engine/state.ts";
import { swarmBias } from "../../../src/services/mall/engine/zones.ts";
import { defOf, tinyFiles, tinyWorld } from "./fixtures.ts";

function tick(w: World, dt: number, raw: unknown = null) {
  const ev = resolvePlayerEvent(w.index, raw);
  if (!ev.ok) throw new Error(ev.error);
  return step(w, { dt, event: ev.event });
}
const z = (w: World, id: string) => w.index.zoneIndex.get(id) ?? -1;
const away = { home_zone: "B", allowed_zones: ["B"] };

describe("zone turbulence and resonance", () => {
  test("turbulence approaches level/10 + aggregate·0.001 at 0.01·dt·rate", () => {
    const w = tinyWorld({}, away);
    w.state.s[S.LEVEL] = 50;
    tick(w, 2);
    const a = z(w, "A");
    expect(w.state.turb[z(w, "C")]).toBeCloseTo(5 * 0.01 * 2 * 2, 12);
    expect(w.state.turb[a]).toBeCloseTo((5 + (w.state.agg[a] ?? 0) * 0.001) * 0.01 * 2 * 1, 12);
  });

  test("the player's zone gains 0.1·dt of turbulence on top", () => {
    const w = tinyWorld({}, away);
    tick(w, 2, { type: "move", to_zone: "C" });
    const cloud = w.state.s[S.LEVEL] ?? 0;
    expect(w.state.turb[z(w, "C")]).toBeCloseTo((cloud / 10) * 0.01 * 2 * 2 + 0.1 * 2, 12);
  });

  test("turbulence is clamped to 10", () => {
    const w = tinyWorld({}, away);
    w.state.s[S.LEVEL] = 100;
    w.state.turb[z(w, "C")] = 10;
    tick(w, 10, { type: "move", to_zone: "C" });
    expect(w.state.turb[z(w, "C")]).toBe(10);
  });

  test("a discovery adds 1·(1 + charisma/3000·0.5) resonance to its zone only", () => {
    const w = tinyWorld({}, away);
    const b = z(w, "B");
    tick(w, 0.25, { type: "discover", document: "page", zone: "B" });
    expect(w.state.res[b]).toBeCloseTo(1 + ((w.state.charisma[b] ?? 0) / 3000) * 0.5, 12);
    expect(w.state.res[z(w, "A")]).toBe(0);
  });

  test("interacting with a log is a discovery; with a figure it is not", () => {
    const w = tinyWorld({}, away);
    const r1 = tick(w, 0.25, { type: "interact", target: "diary", zone: "B" });
    expect(r1.events.filter((e) => e.type === "discovery_made")).toHaveLength(1);
    const r2 = tick(w, 0.25, { type: "interact", target: "mayor", zone: "B" });
    expect(r2.events.filter((e) => e.type === "discovery_made")).toHaveLength(0);
  });
});

describe("swarm bias", () => {
  const def = defOf(tinyFiles());
  const sw = def.constants.zones.swarm;
  const index = buildIndex(def);

  test("follows the piecewise reference curve", () => {
    expect(swarmBias(2, sw, index)).toEqual({ color_weight: 0.25, clustering: 0.2, speed: 1.1, avoidance: [] });
    const mid = swarmBias(5, sw, index);
    expect(mid.clustering).toBeCloseTo(0.5, 12);
    expect(mid.color_weight).toBeCloseTo(0.625, 12);
    expect(mid.avoidance).toEqual(["SERVICE_HALL"]);
    const high = swarmBias(8, sw, index);
    expect(high).toEqual({ color_weight: 1, clustering: 0.1, speed: 1.4, avoidance: ["SERVICE_HALL"] });
  });

  test("avoidance lists only zones that exist in the world", () => {
    // the tiny world has SERVICE_HALL but no ANCHOR_STORE
    expect(swarmBias(6.5, sw, index).avoidance).toEqual(["SERVICE_HALL"]);
  });

  test("speed is clamped to 0.5..2.0", () => {
    expect(swarmBias(10, { ...sw, speed_divisor: 1 }, index).speed).toBe(2);
    expect(swarmBias(10, { ...sw, speed_divisor: -1 }, index).speed).toBe(0.5);
  });
});

describe("adjacency", () => {
  test("rows cover exactly the configured neighbours and sum to 1", () => {
    const w = tinyWorld();
    const f = tickFrame(w, tick(w, 0.25), 0);
    expect(Object.keys(f.zones.A?.adjacency ?? {})).toEqual(["B", "C"]);
    expect(Object.keys(f.zones.B?.adjacency ?? {})).toEqual(["A"]);
    expect(f.zones.SERVICE_HALL?.adjacency).toEqual({});
    for (const zone of Object.values(f.zones)) {
      const weights = Object.values(zone.adjacency);
      if (weights.length === 0) continue;
      expect(weights.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
      for (const v of weights) expect(v).toBeGreaterThan(0);
    }
  });

  test("is recomputed every 10 ticks and held in between", () => {
    const w = tinyWorld();
    const first = w.state.adj.slice();
    for (let i = 1; i <= 9; i++) {
      tick(w, 0.25);
      expect(Array.from(w.state.adj)).toEqual(Array.from(first));
    }
    tick(w, 0.25);
    expect(Array.from(w.state.adj)).not.toEqual(Array.from(first));
  });

  test("a neighbour of similar QBIT mass and high resonance draws more weight without jitter", () => {
    const w = tinyWorld({ zones: { adjacency: { jitter_max: 0, interval_ticks: 1 } } });
    w.state.res[z(w, "C")] = 100;
    tick(w, 0.25);
    const f = tickFrame(w, { events: [] }, 0);
    const row = f.zones.A?.adjacency ?? {};
    expect(row.C ?? 0).toBeGreaterThan(row.B ?? 1);
  });
});
