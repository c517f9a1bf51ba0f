// Synthetic worlds for benchmarks and scale tests: a grid of zones, entities scattered
// over them, NPCs with short patrol routes. Output is raw files, so it also exercises
// validation exactly like a world folder on disk.
import { mulberry32Step } from "./rng.ts";
import { ENTITY_KINDS, NPC_STATES, type WorldFiles } from "./types.ts";

export interface GenerateOptions {
  zones: number;
  entities: number;
  npcs: number;
  seed?: number;
}

function stream(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    const r = mulberry32Step(s);
    s = r.state;
    return r.value;
  };
}

export function generateWorldFiles(o: GenerateOptions): WorldFiles {
  const rnd = stream(o.seed ?? 7);
  const width = Math.max(1, Math.ceil(Math.sqrt(o.zones)));
  const id = (i: number) => `Z${String(i).padStart(5, "0")}`;
  const zones = Array.from({ length: o.zones }, (_, i) => {
    const x = i % width;
    const cand = [x > 0 ? i - 1 : -1, x < width - 1 ? i + 1 : -1, i - width, i + width];
    return {
      id: id(i),
      neighbours: cand.filter((n) => n >= 0 && n < o.zones).map(id),
      turbulence_rate: 0.5 + rnd(),
    };
  });
  const entities = Array.from({ length: o.entities }, (_, i) => ({
    id: `E${i}`,
    kind: ENTITY_KINDS[i % ENTITY_KINDS.length],
    zone: id(Math.floor(rnd() * o.zones)),
    tier: rnd() < 0.3 ? "Primary" : "Secondary",
    metrics: {
      resonance: rnd() * 100,
      grassroots: rnd() * 1e7,
      audience: Math.floor(rnd() * 1e6),
      deep_views: rnd() * 5e7,
      engagement: rnd() * 100,
      refs: Math.floor(rnd() * 5000),
      trust: rnd() * 100,
      backing: rnd() * 1e8,
      pool: rnd() * 2.5e11,
      reach: rnd() * 100,
    },
  }));
  const hints = Object.fromEntries(NPC_STATES.map((s) => [s, `${s}_anim`]));
  const npcs = Array.from({ length: o.npcs }, (_, i) => {
    const home = Math.floor(rnd() * o.zones);
    const route = [home];
    for (let k = 0; k < 3; k++) {
      const last = route[route.length - 1] ?? home;
      const nb = zones[last]?.neighbours ?? [];
      const next = nb[Math.floor(rnd() * nb.length)];
      if (next !== undefined) route.push(Number(next.slice(1)));
    }
    return {
      id: `npc-${i}`,
      home_zone: id(home),
      allowed_zones: [...new Set(route)].map(id),
      initial_state: i % 3 === 0 ? "patrol" : "idle",
      spine: { never: ["leave the route", "speak first"], qbit_power: rnd() * 2500, qbit_charisma: rnd() * 2500 },
      behavior_hints: hints,
    };
  });
  return { zones: { zones }, npcs: { npcs }, entities: [{ file: "generated.json", data: entities }] };
}
