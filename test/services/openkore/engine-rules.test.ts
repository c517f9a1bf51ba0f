import { describe, expect, test } from "bun:test";
import { DEFAULT_ENGINE_CONFIG as cfg } from "../../../src/services/openkore/engine/config.ts";
import { newMemory } from "../../../src/services/openkore/engine/memory.ts";
import { evaluateRules, parseRules } from "../../../src/services/openkore/engine/rules.ts";
import { monster, specState, withHp } from "./fixtures.ts";

const shipped = parseRules(await Bun.file(new URL("../../../config/openkore/rules.json", import.meta.url)).json());

describe("rule file", () => {
  test("the shipped rule file loads three rules with no validation errors, heal first", () => {
    expect(shipped.errors).toEqual([]);
    expect(shipped.rules.map((r) => r.id)).toEqual(["heal_mid_hp", "attack_nearby", "retreat_outnumbered"]);
  });

  test("unknown fields, bad ops, missing values and duplicate ids are each reported with their rule", () => {
    const { rules, errors } = parseRules({
      rules: [
        { id: "a", priority: 1, conditions: [{ field: "mana", op: "lt", value: 1 }], action: { type: "idle" } },
        { id: "b", priority: 1, conditions: [{ field: "hp_percent", op: "between", value: 1 }], action: { type: "idle" } },
        { id: "c", priority: 1, conditions: [{ field: "hp_percent", op: "lt" }], action: { type: "idle" } },
        { id: "d", priority: 1, conditions: [], action: { type: "dance" } },
        { id: "e", priority: 1, conditions: [], action: { type: "idle" } },
        { id: "e", priority: 2, conditions: [], action: { type: "idle" } },
        { id: "f", priority: "high", conditions: [], action: { type: "idle" } },
        { id: "g", priority: 1, conditions: [{ field: "map", op: "in", value: "prontera" }], action: { type: "idle" } },
        { id: "h", priority: 1, conditions: [{ field: "hp_percent", op: "gt", value: "50" }], action: { type: "idle" } },
      ],
    });
    expect(rules.map((r) => r.id)).toEqual(["e"]);
    const byRule = (id: string): string[] => errors.filter((e) => e.rule === id).map((e) => e.field);
    expect(byRule("a")).toEqual(["conditions[0].field"]);
    expect(byRule("b")).toEqual(["conditions[0].op"]);
    expect(byRule("c")).toEqual(["conditions[0].value"]);
    expect(byRule("d")).toEqual(["action.type"]);
    expect(byRule("e")).toEqual(["id"]);
    expect(byRule("f")).toEqual(["priority"]);
    expect(byRule("g")).toEqual(["conditions[0].value"]);
    expect(byRule("h")).toEqual(["conditions[0].value"]);
  });

  test("a document without a rules array is one error", () => {
    expect(parseRules({ nope: 1 }).errors).toHaveLength(1);
    expect(parseRules("x").rules).toEqual([]);
  });
});

describe("rule tier", () => {
  test("the spec's example state attacks the Poring with Bash", () => {
    const d = evaluateRules(shipped.rules, specState(), cfg, newMemory(), 0);
    expect(d?.tier).toBe("rule");
    expect(d?.rule_id).toBe("attack_nearby");
    expect(d?.action).toMatchObject({ type: "attack", target_id: 200001, skill_id: 5 });
  });

  test("with SP at 30% or less the attack is a basic attack", () => {
    const s = specState();
    s.player.sp = 190;
    const d = evaluateRules(shipped.rules, s, cfg, newMemory(), 0);
    expect(d?.action.type).toBe("attack");
    expect(d?.action.skill_id).toBeUndefined();
  });

  test("a target beyond 10 cells gets a basic attack, beyond 15 none", () => {
    const s = specState();
    s.monsters = [monster(9, 12, false)];
    expect(evaluateRules(shipped.rules, s, cfg, newMemory(), 0)?.action).toMatchObject({ type: "attack", target_id: 9 });
    expect(evaluateRules(shipped.rules, s, cfg, newMemory(), 0)?.action.skill_id).toBeUndefined();
    s.monsters = [monster(9, 16, false)];
    expect(evaluateRules(shipped.rules, s, cfg, newMemory(), 0)).toBeNull();
  });

  test("the nearest aggressive monster is targeted before a nearer passive one", () => {
    const s = specState();
    s.monsters = [monster(1, 2, false), monster(2, 6, true)];
    expect(evaluateRules(shipped.rules, s, cfg, newMemory(), 0)?.action.target_id).toBe(2);
  });

  test("HP between 25% and 60% heals with the best item held", () => {
    const s = withHp(specState(), 0.5);
    s.items.push({ id: 504, name: "White Potion", quantity: 2 });
    const d = evaluateRules(shipped.rules, s, cfg, newMemory(), 0);
    expect(d?.rule_id).toBe("heal_mid_hp");
    expect(d?.action.item_name).toBe("White Potion");
  });

  test("healing without potions falls through to the next rule", () => {
    const s = withHp(specState(), 0.5);
    s.items = [];
    expect(evaluateRules(shipped.rules, s, cfg, newMemory(), 0)?.rule_id).toBe("attack_nearby");
  });

  test("three aggressive monsters within 8 at low HP retreat away from them", () => {
    const s = withHp(specState(), 0.3);
    s.items = [];
    s.monsters = [monster(1, 3, true, 153, 200), monster(2, 4, true, 154, 200), monster(3, 5, true, 155, 200)];
    const d = evaluateRules(shipped.rules, s, cfg, newMemory(), 0);
    expect(d?.rule_id).toBe("retreat_outnumbered");
    expect(d?.action.type).toBe("move");
    expect(d?.action.target_position?.x).toBeLessThan(150);
  });

  test("a rule on cooldown is skipped until the cooldown passes", () => {
    const s = withHp(specState(), 0.5);
    const mem = newMemory();
    expect(evaluateRules(shipped.rules, s, cfg, mem, 1000)?.rule_id).toBe("heal_mid_hp");
    expect(evaluateRules(shipped.rules, s, cfg, mem, 1200)?.rule_id).toBe("attack_nearby");
    expect(evaluateRules(shipped.rules, s, cfg, mem, 1500)?.rule_id).toBe("heal_mid_hp");
  });

  test("status, map, in and exists conditions follow their documented meaning", () => {
    const { rules, errors } = parseRules([
      { id: "poisoned_in_town", priority: 1, conditions: [{ field: "status", op: "in", value: ["Poisoned", "Bleeding"] }, { field: "map", op: "eq", value: "PRONTERA" }], action: { type: "command", command: "rest" } },
      { id: "no_target", priority: 2, conditions: [{ field: "nearest_monster.distance", op: "not_exists" }], action: { type: "sit" } },
    ]);
    expect(errors).toEqual([]);
    const s = specState();
    expect(evaluateRules(rules, s, cfg, newMemory(), 0)).toBeNull();
    s.player.status = ["poisoned"];
    expect(evaluateRules(rules, s, cfg, newMemory(), 0)?.action.command).toBe("rest");
    s.player.status = [];
    s.monsters = [];
    expect(evaluateRules(rules, s, cfg, newMemory(), 0)?.action.type).toBe("sit");
  });

  test("a rule whose confidence is under the floor never fires", () => {
    const { rules } = parseRules([{ id: "weak", priority: 1, conditions: [], confidence: 0.5, action: { type: "sit" } }]);
    expect(evaluateRules(rules, specState(), cfg, newMemory(), 0)).toBeNull();
  });
});
