import { describe, expect, test } from "bun:test";
import { createWorld, DEFAULT_CONSTANTS, type EntityDef, scoreEntity } from "../../../src/services/mall/engine/index.ts";
import { defOf, tinyFiles } from "./fixtures.ts";

const Q = DEFAULT_CONSTANTS.qbit;
const zero = { resonance: 0, grassroots: 0, audience: 0, deep_views: 0, engagement: 0, refs: 0, trust: 0, backing: 0, pool: 0, reach: 0 };
type EntityOver = Partial<Omit<EntityDef, "metrics">> & { metrics?: Partial<EntityDef["metrics"]> };
const entity = (over: EntityOver): EntityDef => ({
  id: "e",
  name: "e",
  kind: "artifact",
  zone: "A",
  tier: "Secondary",
  ...over,
  metrics: { ...zero, ...over.metrics },
});

describe("QBIT scoring", () => {
  test("charisma adds each capped term of the reference formula", () => {
    const s = scoreEntity(entity({ metrics: { resonance: 50, grassroots: 5e6, audience: 1000, deep_views: 2.5e7, engagement: 50, refs: 2500, trust: 10 } }), 1, Q);
    const expected = 300 + 300 + 3 * 70 + 300 + 200 + (150 + 30);
    expect(s.charisma).toBeCloseTo(expected, 9);
  });

  test("each charisma term stops at its own cap and the total at 3000", () => {
    const huge = { resonance: 1e9, grassroots: 1e12, audience: 1e300, deep_views: 1e12, engagement: 1e9, refs: 1e9, trust: 1e9 };
    expect(scoreEntity(entity({ metrics: huge }), 1, Q).charisma).toBe(600 + 600 + 450 + 450 + 300 + 300);
    expect(scoreEntity(entity({ metrics: huge }), 1, { ...Q, charisma_cap: 1000 }).charisma).toBe(1000);
  });

  test("audience below 1 contributes nothing instead of a negative logarithm", () => {
    expect(scoreEntity(entity({ metrics: { audience: 0.001 } }), 1, Q).charisma).toBe(0);
  });

  test("Secondary power comes from pool and reach", () => {
    const s = scoreEntity(entity({ metrics: { pool: 1.25e11, reach: 50 } }), 1, Q);
    expect(s.power).toBeCloseTo(750 + 500, 9);
    expect(s.overall).toBeCloseTo(s.power + s.charisma, 9);
  });

  test("Primary power is backing plus a seeded bonus below the configured maximum", () => {
    const e = entity({ tier: "Primary", metrics: { backing: 5e7 } });
    const a = scoreEntity(e, 42, Q).power;
    expect(a).toBeGreaterThanOrEqual(300);
    expect(a).toBeLessThan(300 + Q.primary_bonus_max);
    expect(scoreEntity(e, 42, Q).power).toBe(a);
    expect(scoreEntity(e, 43, Q).power).not.toBe(a);
    expect(scoreEntity({ ...e, id: "other" }, 42, Q).power).not.toBe(a);
  });

  test("zone QBIT columns are the sums over the entities tagged with the zone", () => {
    const def = defOf(tinyFiles());
    const w = createWorld(def);
    const b = w.index.zoneIndex.get("B") ?? -1;
    const scores = def.entities.filter((e) => e.zone === "B").map((e) => scoreEntity(e, def.constants.seed, def.constants.qbit));
    const power = scores.reduce((a, s) => a + s.power, 0);
    const charisma = scores.reduce((a, s) => a + s.charisma, 0);
    expect(w.state.count[b]).toBe(2);
    expect(w.state.power[b]).toBeCloseTo(power, 9);
    expect(w.state.charisma[b]).toBeCloseTo(charisma, 9);
    expect(w.state.agg[b]).toBeCloseTo(power + charisma, 9);
    expect(w.state.count[w.index.zoneIndex.get("C") ?? -1]).toBe(0);
  });
});
