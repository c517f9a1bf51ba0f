import { describe, expect, test } from "bun:test";
import {
  createWorld,
  MOODS,
  moodName,
  NPC_STATES,
  resolvePlayerEvent,
  S,
  statusFrame,
  step,
  tickFrame,
  TRENDS,
} from "../../../src/services/mall/engine/index.ts";
import { defOf, shippedFiles } from "./fixtures.ts";

const CLOUD_KEYS = ["bleed_ready", "bleed_tier", "level", "mood", "pressure_rate", "trend"];
const ZONE_KEYS = [
  "adjacency", "qbit_aggregate", "qbit_charisma", "qbit_entity_count", "qbit_power",
  "resonance", "swarm_bias", "turbulence", "zone_id",
];
const history = { sessions: 3, total_playtime: 1847.2, discoveries: 12, contradictions: 2 };

async function world() {
  return createWorld(defOf(await shippedFiles()));
}

function tickOnce(w: Awaited<ReturnType<typeof world>>, raw: unknown) {
  const ev = resolvePlayerEvent(w.index, raw);
  if (!ev.ok) throw new Error(ev.error);
  return tickFrame(w, step(w, { dt: 0.25, event: ev.event }), 1732649283.45);
}

describe("frames", () => {
  test("a tick frame has exactly the spec's fields and types", async () => {
    const f = tickOnce(await world(), { type: "move", to_zone: "FC-ARCADE", from_zone: "CORRIDOR" });
    expect(Object.keys(f).sort()).toEqual(["cloud", "events", "npcs", "timestamp", "zones"]);
    expect(f.timestamp).toBe(1732649283.45);
    expect(Object.keys(f.cloud).sort()).toEqual(CLOUD_KEYS);
    expect(MOODS).toContain(f.cloud.mood);
    expect(TRENDS).toContain(f.cloud.trend);
    const arcade = f.zones["FC-ARCADE"];
    if (!arcade) throw new Error("FC-ARCADE missing");
    expect(Object.keys(arcade).sort()).toEqual(ZONE_KEYS);
    expect(arcade.zone_id).toBe("FC-ARCADE");
    expect(Number.isInteger(arcade.qbit_entity_count)).toBe(true);
    expect(arcade.qbit_entity_count).toBe(3);
    expect(Object.keys(arcade.swarm_bias).sort()).toEqual(["avoidance", "clustering", "color_weight", "speed"]);
    expect(Object.keys(arcade.adjacency).sort()).toEqual(["CORRIDOR", "MAIN_HALL", "SERVICE_HALL"]);
    for (const n of f.npcs) {
      expect(Object.keys(n).sort()).toEqual(["behavior_hint", "id", "state", "zone"]);
      expect(NPC_STATES).toContain(n.state);
    }
    expect(f.npcs.map((n) => n.id)).toEqual(["janitor-001", "uncle-danny", "security-wolf", "milo-optician"]);
    expect(f.npcs[1]?.behavior_hint).toBe("cooking_idle");
    for (const e of f.events) expect(Object.keys(e).sort()).toEqual(["details", "timestamp", "type"]);
    expect(f.events[0]).toEqual({
      type: "zone_entered",
      timestamp: 1732649283.45,
      details: { zone_id: "FC-ARCADE", from_zone: "CORRIDOR" },
    });
  });

  test("a status frame has exactly the spec's fields, with history from outside the world", async () => {
    const s = statusFrame(await world(), history);
    expect(s).toEqual({
      cloud: { level: 0, mood: "calm", trend: "stable", pressure_rate: 0, bleed_tier: 0, bleed_ready: false },
      zones_count: 11,
      npcs_count: 4,
      session: { count: 3, total_playtime: 1847.2 },
      stats: { discoveries: 12, contradictions: 2, entities_loaded: 16 },
    });
  });

  test("status and tick share the cloud object and agree on the counts", async () => {
    const w = await world();
    for (let i = 0; i < 30; i++) {
      const f = tickOnce(w, { type: "discover", document: `d${i}`, zone: "SERVICE_HALL" });
      const s = statusFrame(w, history);
      expect(s.cloud).toEqual(f.cloud);
      expect(s.zones_count).toBe(Object.keys(f.zones).length);
      expect(s.npcs_count).toBe(f.npcs.length);
      expect(s.cloud.mood).toBe(moodName(Math.min(3, Math.floor(s.cloud.level / 25))));
    }
    expect(w.state.s[S.LEVEL]).toBeGreaterThan(25);
  });
});
