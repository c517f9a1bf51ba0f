import { describe, expect, test } from "bun:test";
import { DEFAULT_CONSTANTS, loadWorld, type WorldFiles } from "../../../src/services/mall/engine/index.ts";
import { shippedFiles, tinyFiles } from "./fixtures.ts";

function errorOf(files: WorldFiles) {
  const r = loadWorld(files);
  if (r.ok) throw new Error("expected a validation error");
  return r.error;
}

describe("world loading", () => {
  test("the shipped world has 11 zones, 4 NPCs and at least 15 entities", async () => {
    const r = loadWorld(await shippedFiles());
    if (!r.ok) throw new Error(JSON.stringify(r.error));
    expect(r.def.zones).toHaveLength(11);
    expect(r.def.npcs.map((n) => n.id)).toEqual(["janitor-001", "uncle-danny", "security-wolf", "milo-optician"]);
    expect(r.def.entities.length).toBeGreaterThanOrEqual(15);
    for (const id of ["FC-ARCADE", "CORRIDOR", "SERVICE_HALL", "MAIN_HALL"]) {
      expect(r.def.zones.some((z) => z.id === id)).toBe(true);
    }
    expect(r.def.entities.some((e) => e.id === "bag_of_screams" && e.zone === "FC-ARCADE")).toBe(true);
  });

  test("every shipped zone has neighbours and every shipped NPC a full hint table", async () => {
    const r = loadWorld(await shippedFiles());
    if (!r.ok) throw new Error("shipped world invalid");
    for (const z of r.def.zones) expect(z.neighbours.length).toBeGreaterThan(0);
    for (const n of r.def.npcs) expect(Object.keys(n.behavior_hints)).toHaveLength(6);
  });

  test("missing sim.json gives the reference constants", () => {
    const files = tinyFiles();
    delete files.sim;
    const r = loadWorld(files);
    expect(r.ok && r.def.constants).toEqual(DEFAULT_CONSTANTS);
  });

  test("a neighbour naming an unknown zone is rejected naming the file and field", () => {
    const files = tinyFiles();
    files.zones = { zones: [{ id: "A", neighbours: ["NOPE"] }] };
    expect(errorOf(files)).toEqual({ file: "zones.json", field: "zones[0].neighbours[0]", message: 'unknown zone "NOPE"' });
  });

  test("duplicate zone ids are rejected", () => {
    const files = tinyFiles();
    files.zones = [{ id: "A" }, { id: "A" }];
    expect(errorOf(files)).toMatchObject({ file: "zones.json", field: "zones[1].id" });
  });

  test("a negative turbulence rate is rejected", () => {
    const files = tinyFiles();
    files.zones = [{ id: "A", turbulence_rate: -1 }];
    expect(errorOf(files)).toMatchObject({ file: "zones.json", field: "zones[0].turbulence_rate" });
  });

  test("an NPC whose home zone does not exist is rejected", () => {
    expect(errorOf(tinyFiles({}, { home_zone: "Z" }))).toMatchObject({ file: "npcs.json", field: "npcs[0].home_zone" });
  });

  test("an NPC missing a state in its hint table is rejected naming the state", () => {
    const files = tinyFiles();
    const npcs = (files.npcs as { npcs: Record<string, unknown>[] }).npcs;
    const { patrol: _dropped, ...rest } = npcs[0]?.behavior_hints as Record<string, string>;
    npcs[0] = { ...npcs[0], behavior_hints: rest };
    const err = errorOf(files);
    expect(err).toMatchObject({ file: "npcs.json", field: "npcs[0].behavior_hints.patrol" });
  });

  test("an NPC with an unknown initial state is rejected", () => {
    expect(errorOf(tinyFiles({}, { initial_state: "dancing" }))).toMatchObject({ field: "npcs[0].initial_state" });
  });

  test("an NPC spine without never-rules is rejected", () => {
    const err = errorOf(tinyFiles({}, { spine: { never: [], qbit_power: 1, qbit_charisma: 1 } }));
    expect(err).toMatchObject({ field: "npcs[0].spine.never" });
  });

  test("an NPC's home zone joins its allowed zones when left out", () => {
    const r = loadWorld(tinyFiles({}, { allowed_zones: ["B"] }));
    expect(r.ok && r.def.npcs[0]?.allowed_zones).toEqual(["A", "B"]);
  });

  test("an entity of unknown kind is rejected naming its file", () => {
    const files = tinyFiles();
    files.entities = [{ file: "bad.json", data: [{ id: "x", kind: "ghost", zone: "A" }] }];
    expect(errorOf(files)).toMatchObject({ file: "entities/bad.json", field: "entities[0].kind" });
  });

  test("an entity with an unknown metric is rejected", () => {
    const files = tinyFiles();
    files.entities = [{ file: "m.json", data: { id: "x", kind: "log", zone: "A", metrics: { vibes: 1 } } }];
    expect(errorOf(files)).toMatchObject({ file: "entities/m.json", field: "entities[0].metrics.vibes" });
  });

  test("an entity file may hold one entity object", () => {
    const files = tinyFiles();
    files.entities = [{ file: "one.json", data: { id: "x", kind: "log", zone: "A" } }];
    const r = loadWorld(files);
    expect(r.ok && r.def.entities.map((e) => e.id)).toEqual(["x"]);
  });

  test("duplicate entity ids across files are rejected", () => {
    const files = tinyFiles();
    files.entities.push({ file: "dup.json", data: [{ id: "relic", kind: "log", zone: "A" }] });
    expect(errorOf(files)).toMatchObject({ file: "entities/dup.json", field: "entities[0].id" });
  });

  test("an unknown setting in sim.json is rejected", () => {
    expect(errorOf(tinyFiles({ cloud: { wieghts: {} } }))).toEqual({
      file: "sim.json",
      field: "cloud.wieghts",
      message: "unknown setting",
    });
  });

  test("a setting of the wrong type in sim.json is rejected", () => {
    expect(errorOf(tinyFiles({ seed: "abc" }))).toMatchObject({ file: "sim.json", field: "seed" });
  });

  test("sim.json overrides only the settings it names", () => {
    const r = loadWorld(tinyFiles({ cloud: { moods: { uneasy: 30 } } }));
    if (!r.ok) throw new Error("invalid");
    expect(r.def.constants.cloud.moods).toEqual({ uneasy: 30, strained: 50, critical: 75 });
  });
});
