import { describe, expect, test } from "bun:test";
import {
  createWorld,
  generateWorldFiles,
  loadWorld,
  resetWorld,
  resolvePlayerEvent,
  S,
  step,
  tickFrame,
  type World,
} from "../../../src/services/mall/engine/index.ts";
import { defOf, merge, shippedFiles, tinyWorld } from "./fixtures.ts";

function tick(w: World, dt: number, raw: unknown = null) {
  const ev = resolvePlayerEvent(w.index, raw);
  if (!ev.ok) throw new Error(ev.error);
  return step(w, { dt, event: ev.event });
}

const SCRIPT: unknown[] = [
  { type: "move", to_zone: "FC-ARCADE", from_zone: "CORRIDOR" },
  { type: "interact", target: "bag_of_screams", zone: "FC-ARCADE" },
  { type: "run", zone: "FC-ARCADE" },
  null,
  { type: "discover", document: "log_017", zone: "SERVICE_HALL" },
  { type: "wait" },
  { type: "move", to_zone: "MAIN_HALL" },
  { type: "interact", target: "security-wolf", zone: "MAIN_HALL" },
];

/** Frames of a scripted run, serialised with every timestamp set to the tick number. */
function run(w: World, ticks: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < ticks; i++) out.push(JSON.stringify(tickFrame(w, tick(w, 0.25, SCRIPT[i % SCRIPT.length]), i)));
  return out;
}

describe("player events", () => {
  test("zone_entered fires once when the player changes zone, naming where from", () => {
    const w = tinyWorld();
    const r1 = tick(w, 0.25, { type: "move", to_zone: "B", from_zone: "A" });
    expect(r1.events).toEqual([{ type: "zone_entered", details: { zone_id: "B", from_zone: "A" } }]);
    expect(tick(w, 0.25, { type: "move", to_zone: "B" }).events).toEqual([]);
    const r3 = tick(w, 0.25, { type: "run", zone: "C" });
    expect(r3.events).toEqual([{ type: "zone_entered", details: { zone_id: "C", from_zone: "B" } }]);
  });

  test("discovery_made fires once per discover event with document and zone", () => {
    const w = tinyWorld({}, { home_zone: "C", allowed_zones: ["C"] });
    const r = tick(w, 0.25, { type: "discover", document: "log_9", zone: "B" });
    const d = r.events.filter((e) => e.type === "discovery_made");
    expect(d).toHaveLength(1);
    expect(d[0]?.details).toMatchObject({ document: "log_9", zone: "B", source: "discover" });
    expect(tick(w, 0.25).events).toEqual([]);
  });

  test("unknown types, missing fields and unknown zones are refused with a message", () => {
    const w = tinyWorld();
    const cases: [unknown, string][] = [
      [{ type: "dance" }, 'Unknown player_event.type "dance"'],
      [{}, "player_event.type is required"],
      [{ type: "move" }, 'player_event.to_zone is required for type "move"'],
      [{ type: "move", to_zone: "NOWHERE" }, 'Unknown zone "NOWHERE" in player_event.to_zone'],
      [{ type: "move", to_zone: "A", from_zone: "NOWHERE" }, 'Unknown zone "NOWHERE" in player_event.from_zone'],
      [{ type: "interact", zone: "A" }, 'player_event.target is required for type "interact"'],
      [{ type: "interact", target: "relic" }, 'player_event.zone is required for type "interact"'],
      [{ type: "discover", zone: "A" }, 'player_event.document is required for type "discover"'],
      [{ type: "run" }, 'player_event.zone is required for type "run"'],
      [{ type: "run", zone: 5 }, "player_event.zone must be a non-empty string"],
      ["move", "player_event must be an object or null"],
    ];
    for (const [raw, msg] of cases) {
      const r = resolvePlayerEvent(w.index, raw);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error).toStartWith(msg);
    }
  });

  test("null and absent events are an idle tick", () => {
    const w = tinyWorld();
    expect(resolvePlayerEvent(w.index, null)).toEqual({ ok: true, event: null });
    expect(resolvePlayerEvent(w.index, undefined)).toEqual({ ok: true, event: null });
  });
});

describe("determinism and reset", () => {
  test("the same seed and the same ticks give byte-identical frames", async () => {
    const def = defOf(await shippedFiles());
    const a = run(createWorld(def), 400);
    const b = run(createWorld(defOf(await shippedFiles())), 400);
    expect(a).toEqual(b);
  });

  test("a different seed gives different frames", async () => {
    const files = await shippedFiles();
    const a = run(createWorld(defOf(files)), 40);
    const b = run(createWorld(defOf({ ...files, sim: merge(files.sim as Record<string, unknown>, { seed: 99 }) })), 40);
    expect(a).not.toEqual(b);
  });

  test("reset replays the run from the start", async () => {
    const w = createWorld(defOf(await shippedFiles()));
    const first = run(w, 120);
    resetWorld(w, false);
    expect(run(w, 120)).toEqual(first);
  });

  test("reset with memory keeps zone resonance and clears everything else", async () => {
    const w = createWorld(defOf(await shippedFiles()));
    run(w, 40);
    const res = w.state.res.slice();
    expect(Math.max(...res)).toBeGreaterThan(0);
    resetWorld(w, true);
    expect(Array.from(w.state.res)).toEqual(Array.from(res));
    expect(w.state.s[S.LEVEL]).toBe(0);
    expect(w.state.s[S.TIME]).toBe(0);
    expect(Math.max(...w.state.turb)).toBe(0);
    resetWorld(w, false);
    expect(Math.max(...w.state.res)).toBe(0);
  });

  test("a long scripted run emits every event type and keeps every value in range", async () => {
    const w = createWorld(defOf(await shippedFiles()));
    const seen = new Set<string>();
    for (let i = 0; i < 4000; i++) {
      const f = tickFrame(w, tick(w, 0.25, SCRIPT[i % SCRIPT.length]), i);
      for (const e of f.events) seen.add(e.type);
      expect(f.cloud.level).toBeGreaterThanOrEqual(0);
      expect(f.cloud.level).toBeLessThanOrEqual(100);
      for (const z of Object.values(f.zones)) {
        expect(z.turbulence).toBeGreaterThanOrEqual(0);
        expect(z.turbulence).toBeLessThanOrEqual(10);
        expect(z.swarm_bias.speed).toBeGreaterThanOrEqual(0.5);
        expect(z.swarm_bias.speed).toBeLessThanOrEqual(2);
      }
    }
    expect([...seen].sort()).toEqual(["cloud_mood_changed", "contradiction_triggered", "discovery_made", "zone_entered"]);
  });
});

describe("generated worlds", () => {
  test("the large generator yields a valid world of the asked size", () => {
    const r = loadWorld(generateWorldFiles({ zones: 1000, entities: 10000, npcs: 100 }));
    if (!r.ok) throw new Error(JSON.stringify(r.error));
    expect([r.def.zones.length, r.def.entities.length, r.def.npcs.length]).toEqual([1000, 10000, 100]);
    const w = createWorld(r.def);
    const f = tickFrame(w, tick(w, 0.25, { type: "move", to_zone: "Z00010" }), 0);
    expect(Object.keys(f.zones)).toHaveLength(1000);
    expect(f.npcs).toHaveLength(100);
  });
});
