// Small worlds built in memory, with every constant overridable per test.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createWorld, loadWorld, type World, type WorldDef, type WorldFiles } from "../../../src/services/mall/engine/index.ts";
import { readWorldFolder } from "../../../src/services/mall/world-files.ts";

export const HINTS = {
  idle: "idle_hint",
  patrol: "patrol_route",
  alert: "scan_area",
  suspicious: "pace_near_player",
  hostile: "hostile_hint",
  contradiction: "freeze_loop",
};

/** Settings that make every tick exactly predictable unless a test opts back in. */
export const QUIET = {
  cloud: { weights: { drift: 0 } },
  npcs: { idle_to_patrol: 0, patrol_to_idle: 0, contradiction_chance: 0 },
};

type Deep = { [k: string]: unknown };
export function merge(a: Deep, b: Deep): Deep {
  const out: Deep = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const cur = out[k];
    out[k] =
      v && typeof v === "object" && !Array.isArray(v) && cur && typeof cur === "object" && !Array.isArray(cur)
        ? merge(cur as Deep, v as Deep)
        : v;
  }
  return out;
}

export function tinyFiles(sim: Deep = {}, npcOverrides: Deep = {}): WorldFiles {
  return {
    zones: {
      zones: [
        { id: "A", neighbours: ["B", "C"] },
        { id: "B", neighbours: ["A"] },
        { id: "C", neighbours: ["A"], turbulence_rate: 2 },
        { id: "SERVICE_HALL", neighbours: [] },
      ],
    },
    npcs: {
      npcs: [
        merge(
          {
            id: "guard",
            home_zone: "A",
            allowed_zones: ["A", "B", "C"],
            initial_state: "idle",
            spine: { never: ["never sits", "never sings"], qbit_power: 500, qbit_charisma: 100 },
            behavior_hints: HINTS,
          },
          npcOverrides,
        ),
      ],
    },
    entities: [
      {
        file: "e.json",
        data: [
          { id: "relic", kind: "artifact", zone: "A", metrics: { resonance: 50, reach: 20 } },
          { id: "diary", kind: "log", zone: "B", metrics: { trust: 100 } },
          { id: "mayor", kind: "figure", zone: "B", metrics: { audience: 1000 } },
        ],
      },
    ],
    sim: merge(QUIET, sim),
  };
}

export function defOf(files: WorldFiles): WorldDef {
  const r = loadWorld(files);
  if (!r.ok) throw new Error(`${r.error.file}: ${r.error.field}: ${r.error.message}`);
  return r.def;
}

export function tinyWorld(sim: Deep = {}, npc: Deep = {}): World {
  return createWorld(defOf(tinyFiles(sim, npc)));
}

export async function shippedFiles(): Promise<WorldFiles> {
  const r = await readWorldFolder("config");
  if (!r.ok) throw new Error(r.error);
  return r.files;
}

/** Writes a world folder to a temp dir and returns its absolute path. */
export function writeWorld(files: WorldFiles): string {
  const dir = mkdtempSync(join(tmpdir(), "mall-world-"));
  writeFileSync(join(dir, "zones.json"), JSON.stringify(files.zones));
  writeFileSync(join(dir, "npcs.json"), JSON.stringify(files.npcs));
  mkdirSync(join(dir, "entities"));
  for (const e of files.entities) writeFileSync(join(dir, "entities", e.file), JSON.stringify(e.data));
  if (files.sim !== undefined) writeFileSync(join(dir, "sim.json"), JSON.stringify(files.sim));
  return dir;
}
