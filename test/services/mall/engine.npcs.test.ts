import { describe, expect, test } from "bun:test";
import { DEFAULT_CONSTANTS, npcFramesOf, resolvePlayerEvent, S, step, type World } from "./npc-helpers.ts";
import { contradictionThreshold } from "../../../src/services/mall/engine/state.ts";
import { tinyWorld } from "./fixtures.ts";

function tick(w: World, dt: number, raw: unknown = null) {
  const ev = resolvePlayerEvent(w.index, raw);
  if (!ev.ok) throw new Error(ev.error);
  return step(w, { dt, event: ev.event });
}
const state = (w: World) => npcFramesOf(w)[0]?.state;
const zoneOf = (w: World) => npcFramesOf(w)[0]?.zone;
const contradictions = (w: World, r: ReturnType<typeof tick>) => r.events.filter((e) => e.type === "contradiction_triggered");

describe("NPC contradictions", () => {
  test("threshold falls with spine power: >2000 60, >1500 65, >1000 70, else 75", () => {
    const n = DEFAULT_CONSTANTS.npcs;
    const cases: [number, number][] = [[2500, 60], [2000, 65], [1600, 65], [1500, 70], [1001, 70], [1000, 75], [0, 75]];
    for (const [p, t] of cases) expect(contradictionThreshold(p, n)).toBe(t);
  });

  test("below the threshold no contradiction fires even with a certain roll", () => {
    const w = tinyWorld({ npcs: { contradiction_chance: 1 } });
    w.state.s[S.LEVEL] = 74.9;
    for (let i = 0; i < 20; i++) expect(contradictions(w, tick(w, 0.25))).toEqual([]);
  });

  test("at the threshold a successful roll triggers one contradiction event with a never-rule", () => {
    const w = tinyWorld({ npcs: { contradiction_chance: 1 } });
    w.state.s[S.LEVEL] = 75;
    const r = tick(w, 0.25);
    const c = contradictions(w, r);
    expect(c).toHaveLength(1);
    expect(c[0]?.details).toMatchObject({ npc_id: "guard", zone: "A", threshold: 75, cloud_level: 75 });
    expect(["never sits", "never sings"]).toContain(String(c[0]?.details.rule));
    expect(state(w)).toBe("contradiction");
    expect(npcFramesOf(w)[0]?.behavior_hint).toBe("freeze_loop");
    expect(contradictions(w, tick(w, 0.25))).toEqual([]);
  });

  test("a contradiction adds 3.0 to the NPC term of the cloud update", () => {
    const w = tinyWorld({ npcs: { contradiction_chance: 1 } });
    w.state.s[S.LEVEL] = 80;
    tick(w, 0.25);
    expect(w.state.s[S.LEVEL]).toBeCloseTo(80 + 0.25 * 3.0, 12);
  });

  test("a contradiction ends in idle after 5 to 15 seconds and the next waits 30 s", () => {
    const w = tinyWorld({ npcs: { contradiction_chance: 1 } });
    w.state.s[S.LEVEL] = 90;
    tick(w, 0.25);
    let t = 0;
    while (state(w) === "contradiction") {
      tick(w, 0.25);
      t += 0.25;
    }
    expect(t).toBeGreaterThanOrEqual(5);
    expect(t).toBeLessThanOrEqual(15.25);
    expect(state(w)).toBe("idle");
    let since = t + 0.25;
    let fired = false;
    while (!fired) {
      fired = contradictions(w, tick(w, 0.25)).length > 0;
      since += 0.25;
    }
    expect(since).toBeGreaterThanOrEqual(30);
    expect(since).toBeLessThanOrEqual(30.25);
  });

  test("a failed roll leaves the NPC to its ordinary machine", () => {
    const w = tinyWorld({ npcs: { contradiction_chance: 0 } });
    w.state.s[S.LEVEL] = 95;
    for (let i = 0; i < 50; i++) expect(contradictions(w, tick(w, 0.25))).toEqual([]);
    expect(state(w)).toBe("idle");
  });
});

describe("NPC state machine", () => {
  test("idle turns alert when the player runs in its zone, not elsewhere", () => {
    const w = tinyWorld();
    tick(w, 0.25, { type: "run", zone: "B" });
    expect(state(w)).toBe("idle");
    tick(w, 0.25, { type: "run", zone: "A" });
    expect(state(w)).toBe("alert");
  });

  test("alert turns suspicious on a run and back to idle when the player is gone", () => {
    const w = tinyWorld({}, { initial_state: "alert" });
    tick(w, 0.25, { type: "run", zone: "A" });
    expect(state(w)).toBe("suspicious");
    const w2 = tinyWorld({}, { initial_state: "alert" });
    tick(w2, 0.25, { type: "move", to_zone: "B" });
    expect(state(w2)).toBe("idle");
  });

  test("suspicious turns hostile on interact only above level 70", () => {
    const w = tinyWorld({}, { initial_state: "suspicious" });
    w.state.s[S.LEVEL] = 70;
    tick(w, 0.25, { type: "interact", target: "relic", zone: "A" });
    expect(state(w)).toBe("suspicious");
    w.state.s[S.LEVEL] = 70.5;
    tick(w, 0.25, { type: "interact", target: "relic", zone: "A" });
    expect(state(w)).toBe("hostile");
  });

  test("hostile calms to suspicious below level 50, and suspicious to alert when the player leaves", () => {
    const w = tinyWorld({}, { initial_state: "hostile" });
    w.state.s[S.LEVEL] = 60;
    tick(w, 0.25, { type: "move", to_zone: "A" });
    expect(state(w)).toBe("hostile");
    w.state.s[S.LEVEL] = 49;
    tick(w, 0.25, { type: "wait" });
    expect(state(w)).toBe("suspicious");
    tick(w, 0.25, { type: "move", to_zone: "B" });
    expect(state(w)).toBe("alert");
  });

  test("escalation to alert adds 0.8 to the NPC term", () => {
    const w = tinyWorld({}, {});
    tick(w, 0.25, { type: "run", zone: "A" });
    const a = w.index.zoneIndex.get("A") ?? -1;
    const e = (w.state.agg[a] ?? 0) * 0.0002;
    expect(w.state.s[S.LEVEL]).toBeCloseTo(0.5 * 0.2 + 0.25 * 0.8 + 0.15 * e, 12);
  });

  test("idle starts patrolling and patrol returns to idle by their configured chances", () => {
    const w = tinyWorld({ npcs: { idle_to_patrol: 1 } });
    tick(w, 0.25);
    expect(state(w)).toBe("patrol");
    const w2 = tinyWorld({ npcs: { patrol_to_idle: 1 } }, { initial_state: "patrol" });
    tick(w2, 0.25);
    expect(state(w2)).toBe("idle");
  });

  test("patrol turns suspicious when the player runs in its zone", () => {
    const w = tinyWorld({}, { initial_state: "patrol" });
    tick(w, 0.25, { type: "run", zone: "A" });
    expect(state(w)).toBe("suspicious");
  });

  test("a patrolling NPC walks its allowed zones in order after each dwell", () => {
    const w = tinyWorld({ npcs: { patrol_dwell_s: 1 } }, { initial_state: "patrol" });
    const seen: string[] = [];
    for (let i = 0; i < 12; i++) {
      tick(w, 0.5);
      seen.push(zoneOf(w) ?? "");
    }
    expect(seen).toEqual(["A", "B", "B", "C", "C", "A", "A", "B", "B", "C", "C", "A"]);
    expect(npcFramesOf(w)[0]?.behavior_hint).toBe("patrol_route");
  });
});
