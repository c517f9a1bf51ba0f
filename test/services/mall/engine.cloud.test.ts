import { describe, expect, test } from "bun:test";
import {
  bleedTier,
  cloudFrame,
  DEFAULT_CONSTANTS,
  moodCode,
  resetWorld,
  resolvePlayerEvent,
  S,
  step,
  type World,
} from "../../../src/services/mall/engine/index.ts";
import { tinyWorld } from "./fixtures.ts";

const C = DEFAULT_CONSTANTS.cloud;

function tick(w: World, dt: number, raw: unknown = null) {
  const ev = resolvePlayerEvent(w.index, raw);
  if (!ev.ok) throw new Error(ev.error);
  return step(w, { dt, event: ev.event });
}
const level = (w: World) => w.state.s[S.LEVEL] ?? NaN;
const away = { home_zone: "C", allowed_zones: ["C"] };

describe("cloud update", () => {
  test("a move into SERVICE_HALL adds the player weight times 0.5", () => {
    const w = tinyWorld({}, away);
    tick(w, 0.25, { type: "move", to_zone: "SERVICE_HALL" });
    expect(level(w)).toBeCloseTo(0.5 * 0.5, 12);
  });

  test("a move into an ordinary zone adds only the entity term of that zone", () => {
    const w = tinyWorld({}, away);
    const a = w.index.zoneIndex.get("A") ?? -1;
    tick(w, 0.25, { type: "move", to_zone: "A" });
    expect(level(w)).toBeCloseTo(0.15 * (w.state.agg[a] ?? 0) * 0.0002, 12);
  });

  test("interacting with an artifact beside an idle NPC combines player, NPC and entity terms", () => {
    const w = tinyWorld();
    const a = w.index.zoneIndex.get("A") ?? -1;
    const relic = w.index.entityIndex.get("relic") ?? -1;
    tick(w, 0.25, { type: "interact", target: "relic", zone: "A" });
    const e = (w.state.agg[a] ?? 0) * 0.0002 + ((w.state.entCharisma[relic] ?? 0) / 3000) * 0.5;
    expect(level(w)).toBeCloseTo(0.5 * 1.5 + 0.25 * 0.8 + 0.15 * e, 12);
  });

  test("interact weights follow the target: NPC 0.8, log 2.0, figure 0.8, unknown object 1.5", () => {
    const cases: [unknown, number][] = [
      [{ type: "interact", target: "guard", zone: "SERVICE_HALL" }, 0.8],
      [{ type: "interact", target: "diary", zone: "SERVICE_HALL" }, 2.0],
      [{ type: "interact", target: "mayor", zone: "SERVICE_HALL" }, 0.8],
      [{ type: "interact", target: "vending_machine", zone: "SERVICE_HALL" }, 1.5],
      [{ type: "discover", document: "note_1", zone: "SERVICE_HALL" }, 2.0],
      [{ type: "run", zone: "SERVICE_HALL" }, 0.2],
      [{ type: "wait" }, 0],
    ];
    for (const [ev, p] of cases) {
      const w = tinyWorld({}, away);
      tick(w, 0.25, ev);
      const target = (ev as { target?: string }).target ?? "";
      const ent = w.index.entityIndex.get(target);
      const e = ent === undefined ? 0 : ((w.state.entCharisma[ent] ?? 0) / 3000) * 0.5;
      expect(level(w)).toBeCloseTo(0.5 * p + 0.15 * e, 12);
    }
  });

  test("drift stays within (0.005 + U(-0.02, 0.03))·dt times its weight", () => {
    const w = tinyWorld({ cloud: { weights: { drift: 0.1 } } }, away);
    w.state.s[S.LEVEL] = 50;
    let sum = 0;
    for (let i = 0; i < 2000; i++) {
      const before = level(w);
      tick(w, 0.5);
      const d = level(w) - before;
      expect(d).toBeGreaterThanOrEqual(0.1 * (0.005 - 0.02) * 0.5 - 1e-12);
      expect(d).toBeLessThanOrEqual(0.1 * (0.005 + 0.03) * 0.5 + 1e-12);
      sum += d;
    }
    // mean of the noise is +0.005, so drift averages +0.01·dt·weight
    expect(sum / 2000).toBeCloseTo(0.1 * 0.01 * 0.5, 4);
  });

  test("the level is clamped to 0..100", () => {
    const w = tinyWorld({ cloud: { weights: { drift: 1 }, drift: { base: 0, noise_min: -5, noise_max: -5 } } }, away);
    tick(w, 1);
    expect(level(w)).toBe(0);
    w.state.s[S.LEVEL] = 99.9;
    tick(w, 0.25, { type: "discover", document: "x", zone: "SERVICE_HALL" });
    tick(w, 0.25, { type: "discover", document: "y", zone: "SERVICE_HALL" });
    expect(level(w)).toBeLessThanOrEqual(100);
  });
});

describe("mood, bleed and trend", () => {
  test("mood follows the level at 25, 50 and 75", () => {
    const cases: [number, number][] = [[0, 0], [24.99, 0], [25, 1], [49.99, 1], [50, 2], [74.99, 2], [75, 3], [100, 3]];
    for (const [l, code] of cases) expect(moodCode(l, C.moods)).toBe(code);
  });

  test("bleed tier is 1 at 75, 2 at 80 and 3 at 90", () => {
    const cases: [number, number][] = [[74.99, 0], [75, 1], [79.99, 1], [80, 2], [89.99, 2], [90, 3]];
    for (const [l, tier] of cases) expect(bleedTier(l, C.bleed)).toBe(tier);
  });

  test("crossing a mood boundary emits cloud_mood_changed once", () => {
    const w = tinyWorld({}, away);
    w.state.s[S.LEVEL] = 24.5;
    const r = tick(w, 0.25, { type: "discover", document: "x", zone: "SERVICE_HALL" });
    expect(r.events.filter((e) => e.type === "cloud_mood_changed")).toEqual([
      { type: "cloud_mood_changed", details: { from: "calm", to: "uneasy", level: level(w) } },
    ]);
    expect(tick(w, 0.25).events).toEqual([]);
    expect(cloudFrame(w).mood).toBe("uneasy");
  });

  test("bleed_ready latches at 75 and holds when the level falls, until reset", () => {
    const w = tinyWorld({}, away);
    w.state.s[S.LEVEL] = 76;
    tick(w, 0.25);
    expect(cloudFrame(w)).toMatchObject({ bleed_ready: true, bleed_tier: 1 });
    w.state.s[S.LEVEL] = 10;
    tick(w, 0.25);
    expect(cloudFrame(w)).toMatchObject({ bleed_ready: true, bleed_tier: 0 });
    resetWorld(w, false);
    expect(cloudFrame(w)).toMatchObject({ bleed_ready: false, level: 0 });
  });

  test("trend is rising above +1 and spiking above +5 over the window, with the rate per second", () => {
    const w = tinyWorld({}, away);
    const discover = { type: "discover", document: "x", zone: "SERVICE_HALL" };
    tick(w, 1, discover);
    expect(cloudFrame(w).trend).toBe("stable");
    tick(w, 1, discover);
    expect(cloudFrame(w)).toMatchObject({ trend: "rising", pressure_rate: 1 });
    for (let i = 0; i < 4; i++) tick(w, 1, discover);
    expect(cloudFrame(w)).toMatchObject({ trend: "spiking", pressure_rate: 1 });
  });

  test("trend settles to stable once the window holds no change", () => {
    const w = tinyWorld({}, away);
    for (let i = 0; i < 6; i++) tick(w, 1, { type: "discover", document: "x", zone: "SERVICE_HALL" });
    for (let i = 0; i < 53; i++) tick(w, 1);
    expect(cloudFrame(w).trend).toBe("spiking");
    for (let i = 0; i < 7; i++) tick(w, 1);
    expect(cloudFrame(w)).toMatchObject({ trend: "stable", pressure_rate: 0 });
  });

  test("a steadily falling level reads falling with a negative rate", () => {
    const w = tinyWorld(
      { cloud: { initial_level: 90, weights: { drift: 0.1 }, drift: { base: 0, noise_min: -20, noise_max: -20 } } },
      away,
    );
    for (let i = 0; i < 4; i++) tick(w, 0.5);
    const f = cloudFrame(w);
    expect(f.trend).toBe("falling");
    expect(f.pressure_rate).toBeCloseTo(-2, 9);
  });
});
