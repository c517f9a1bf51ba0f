// Shared test fixtures: the shipped game data and a seeded RNG.
import maps from "../../../config/aiservice/farming-maps.json";
import jobs from "../../../config/aiservice/jobs.json";
import potions from "../../../config/aiservice/potions.json";
import baseExp from "../../../config/aiservice/base-exp.json";
import planner from "../../../config/aiservice/planner.json";
import { loadMapTable } from "../../../src/contracts/ro-maps.ts";
import { buildGameData, type GameData } from "../../../src/services/aiservice/engine/index.ts";

export const rawGameData = { maps, jobs, potions, baseExp, planner };

export const mapTable = loadMapTable();

export function shippedGameData(): GameData {
  const built = buildGameData(structuredClone(rawGameData), mapTable);
  if (!built.ok) throw new Error(`shipped game data invalid: ${built.errors.join("; ")}`);
  return built.data;
}

/** mulberry32: small deterministic RNG for generated test data. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function pick<T>(r: () => number, items: readonly T[]): T {
  const item = items[Math.floor(r() * items.length)];
  if (item === undefined) throw new Error("pick from empty list");
  return item;
}
