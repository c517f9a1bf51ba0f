import { describe, expect, test } from "bun:test";
import { actionToLegacy, legacyToState, type LegacyState } from "../../../src/services/openkore/engine/compat.ts";
import { DEFAULT_ENGINE_CONFIG as cfg } from "../../../src/services/openkore/engine/config.ts";
import { newMemory } from "../../../src/services/openkore/engine/memory.ts";
import { evaluateRules, parseRules } from "../../../src/services/openkore/engine/rules.ts";

const legacy: LegacyState = {
  character: {
    name: "Hero", level: 50, hp: 900, max_hp: 1000, sp: 200, max_sp: 300, position: { map: "prt_fild08", x: 100, y: 100 },
    weight: 100, max_weight: 1000, job_class: "Swordman", status_effects: [],
  },
  monsters: [{ id: "m-77", name: "Poring", hp: 40, max_hp: 50, distance: 4, is_aggressive: true }],
  inventory: [{ id: "501", name: "Red Potion", amount: 3 }],
  nearby_players: [{ name: "Pal", is_party_member: true }, { name: "Stranger" }],
};

describe("decide compatibility", () => {
  test("the original body maps onto the state the tiers read", () => {
    const ids = new Map<number, string>();
    const s = legacyToState(legacy, ids);
    expect(s.player).toMatchObject({ hp: 900, hp_max: 1000, job: "Swordman", position: { map: "prt_fild08", x: 100, y: 100 } });
    expect(s.monsters[0]).toMatchObject({ name: "Poring", distance: 4, aggressive: true, hp_percent: 80 });
    expect(s.items[0]).toEqual({ id: 501, name: "Red Potion", quantity: 3 });
    expect(s.party.map((p) => p.name)).toEqual(["Pal"]);
    expect(ids.get(s.monsters[0]!.id)).toBe("m-77");
  });

  test("a rule decision maps back with the client's own monster id", () => {
    const ids = new Map<number, string>();
    const s = legacyToState(legacy, ids);
    const rules = parseRules([{ id: "hit", priority: 1, conditions: [], action: { type: "attack" } }]).rules;
    const d = evaluateRules(rules, s, cfg, newMemory(), 0);
    const a = actionToLegacy(d!.action, ids);
    expect(a).toEqual({ type: "attack", parameters: { target_id: "m-77" }, reason: "Rule hit", confidence: 0.9 });
  });

  test("skills, items, moves and idle use the original type names", () => {
    const ids = new Map<number, string>([[501, "501"]]);
    expect(actionToLegacy({ type: "attack", target_id: 1, skill_id: 5, skill_name: "Bash", reason: "r" }, ids).type).toBe("skill");
    expect(actionToLegacy({ type: "use_item", item_id: 501, item_name: "Red Potion", reason: "r" }, ids).parameters).toEqual({ item_id: "501", item_name: "Red Potion" });
    expect(actionToLegacy({ type: "move", target_position: { x: 3, y: 4 }, reason: "r" }, ids).parameters).toEqual({ x: "3", y: "4" });
    expect(actionToLegacy({ type: "idle", reason: "r" }, ids).type).toBe("none");
  });
});
