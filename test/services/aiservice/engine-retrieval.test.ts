// Retrieval quality: stored situations that match the current state rank above the rest,
// among hundreds of generated distractors.
import { describe, expect, test } from "bun:test";
import { embed, search, VectorIndex, type RankingWeights } from "../../../src/services/aiservice/engine/index.ts";
import { pick, rng } from "./fixtures.ts";

type Event = Record<string, unknown>;

const MAPS = ["prt_fild08", "pay_dun00", "gef_fild10", "iz_dun01", "orcsdun01", "xmas_dun01", "mag_dun01", "juperos_01"];
const JOBS = ["Archer", "Mage", "Acolyte", "Merchant", "Thief", "Assassin", "Priest"];
const TYPES = ["combat", "trade", "chat", "loot", "levelup"];

function distractors(count: number, seed: number): Event[] {
  const r = rng(seed);
  return Array.from({ length: count }, () => ({
    type: pick(r, TYPES),
    location: pick(r, MAPS),
    job: pick(r, JOBS),
    level: 1 + Math.floor(r() * 60),
    actors: ["Player", pick(r, ["Poring", "Orc Warrior", "Hydra", "Kaho", "Cookie", "Zombie"])],
    outcome: pick(r, ["success", "failure", "fled"]),
    situation: pick(r, ["quiet field", "single target", "selling loot", "party invite", "low weight"]),
    exp_gained: Math.floor(r() * 50000),
  }));
}

interface Bank {
  readonly index: VectorIndex;
  readonly labels: string[];
}

function bank(labelled: ReadonlyArray<readonly [string, Event]>, noise: Event[]): Bank {
  const index = new VectorIndex(256, { initialCapacity: 16 });
  const labels: string[] = [];
  // Relevant memories are interleaved with noise so position cannot explain the ranking.
  const all: Array<readonly [string, Event]> = noise.map((e) => ["noise", e] as const);
  labelled.forEach((item, i) => all.splice((i * 37) % (all.length + 1), 0, item));
  all.forEach(([label, event], row) => {
    index.add(embed(event).vector, 0.5, 1_000 + row, row);
    labels.push(label);
  });
  return { index, labels };
}

function topLabels(b: Bank, state: Event, k: number, weights?: RankingWeights): string[] {
  const w = weights ?? { importanceWeight: 0, recencyWeight: 0, recencyHalfLifeMs: 1 };
  const hits = search(b.index.snapshot(), { query: embed(state).vector, k, weights: w, now: 10_000 });
  return Array.from(hits.rows).map((row) => b.labels[row] ?? "?");
}

const clockTowerFights: Array<readonly [string, Event]> = [
  ["ct-aoe", { type: "combat", location: "c_tower3", job: "Knight", level: 84, situation: "multiple monsters nearby", actors: ["Player", "Alarm", "Clock", "Punk"], outcome: "success", strategy_used: "AOE skill rotation" }],
  ["ct-aoe", { type: "combat", location: "c_tower3", job: "Knight", level: 85, situation: "mobbed by several monsters", actors: ["Player", "Clock", "Rideword"], outcome: "success", strategy_used: "Magnum Break then Bash" }],
  ["ct-aoe", { type: "combat", location: "c_tower3", job: "Knight", level: 86, situation: "many monsters nearby", actors: ["Player", "Alarm", "Alarm"], outcome: "success", strategy_used: "AOE skill rotation" }],
];

const prontera: Array<readonly [string, Event]> = [
  ["prt-trade", { type: "trade", location: "prontera", job: "Knight", level: 85, situation: "trade request from player", actors: ["Player", "Merchant Bob"], outcome: "accepted", items: ["Red Potion", "Orange Potion"] }],
  ["prt-trade", { type: "trade", location: "prontera", job: "Knight", level: 83, situation: "player offered a trade", actors: ["Player", "Seller"], outcome: "rejected", items: ["Elunium"] }],
];

const deaths: Array<readonly [string, Event]> = [
  ["gh-death", { type: "death", location: "gl_knt01", job: "Knight", level: 82, situation: "surrounded by Raydric", actors: ["Player", "Raydric", "Raydric Archer"], outcome: "died", damage_taken: 9000 }],
  ["gh-death", { type: "death", location: "gl_knt01", job: "Knight", level: 84, situation: "low hp no potions left", actors: ["Player", "Khalitzburg"], outcome: "died", damage_taken: 8700 }],
];

describe("retrieval quality", () => {
  const b = bank([...clockTowerFights, ...prontera, ...deaths], distractors(400, 99));

  test("a crowded Clock Tower state retrieves the Clock Tower fights first", () => {
    const state = { location: "c_tower3", level: 85, job: "Knight", situation: "multiple monsters nearby" };
    expect(topLabels(b, state, 3)).toEqual(["ct-aoe", "ct-aoe", "ct-aoe"]);
  });

  test("a trade situation in Prontera retrieves the Prontera trades first", () => {
    const state = { location: "prontera", level: 85, job: "Knight", situation: "trade request from a player" };
    expect(topLabels(b, state, 2)).toEqual(["prt-trade", "prt-trade"]);
  });

  test("a dangerous Glast Heim state retrieves the deaths there first", () => {
    const state = { type: "death", location: "gl_knt01", job: "Knight", level: 83, situation: "surrounded, low hp" };
    expect(topLabels(b, state, 2)).toEqual(["gh-death", "gh-death"]);
  });

  test("the spec's retrieve example ranks the matching situations above every distractor", () => {
    const state = { location: "prontera", level: 85, job: "Knight", situation: "multiple monsters nearby" };
    const top = topLabels(b, state, 7);
    expect(top.filter((l) => l === "noise")).toEqual([]);
  });

  test("relevant memories stay on top with importance and recency weighting on", () => {
    const state = { location: "c_tower3", level: 85, job: "Knight", situation: "multiple monsters nearby" };
    const weights = { importanceWeight: 0.2, recencyWeight: 0.1, recencyHalfLifeMs: 86_400_000 };
    expect(topLabels(b, state, 3, weights)).toEqual(["ct-aoe", "ct-aoe", "ct-aoe"]);
  });
});
