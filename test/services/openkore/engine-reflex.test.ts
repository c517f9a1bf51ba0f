import { describe, expect, test } from "bun:test";
import { DEFAULT_ENGINE_CONFIG as cfg } from "../../../src/services/openkore/engine/config.ts";
import { newMemory } from "../../../src/services/openkore/engine/memory.ts";
import { reflexDecide } from "../../../src/services/openkore/engine/reflex.ts";
import type { GameState } from "../../../src/services/openkore/engine/types.ts";
import { monster, specState, withHp } from "./fixtures.ts";

const potions = (s: GameState, ...names: string[]): GameState => ({
  ...s, items: names.map((n, i) => ({ id: 500 + i, name: n, quantity: 5 })),
});

describe("reflex tier", () => {
  test("a healthy player triggers no reflex", () => {
    expect(reflexDecide(specState(), cfg, newMemory(), 0)).toBeNull();
  });

  test("HP under 25% uses a White Potion with confidence 0.95", () => {
    const s = potions(withHp(specState(), 0.2), "Red Potion", "White Potion");
    const d = reflexDecide(s, cfg, newMemory(), 0);
    expect(d?.tier).toBe("reflex");
    expect(d?.action.type).toBe("use_item");
    expect(d?.action.item_name).toBe("White Potion");
    expect(d?.action.confidence).toBe(0.95);
  });

  test("HP under 25% without a White Potion uses the best healing item held", () => {
    const s = potions(withHp(specState(), 0.2), "Red Potion", "Orange Potion");
    expect(reflexDecide(s, cfg, newMemory(), 0)?.action.item_name).toBe("Orange Potion");
  });

  test("a dangerous status uses a Green Potion", () => {
    const s = potions(specState(), "Green Potion");
    s.player.status = ["Stunned"];
    const d = reflexDecide(s, cfg, newMemory(), 0);
    expect(d?.action.item_name).toBe("Green Potion");
    expect(d?.action.reason).toContain("Stunned");
  });

  test("HP under 40% uses a Red Potion only while under attack", () => {
    const calm = potions(withHp(specState(), 0.35), "Red Potion");
    calm.monsters = [monster(1, 3, false)];
    expect(reflexDecide(calm, cfg, newMemory(), 0)).toBeNull();
    const hit = { ...calm, monsters: [monster(1, 3, true)] };
    expect(reflexDecide(hit, cfg, newMemory(), 0)?.action.item_name).toBe("Red Potion");
  });

  test("weight at 90% issues the storage command", () => {
    const s = specState();
    s.player.weight = 2160;
    const d = reflexDecide(s, cfg, newMemory(), 0);
    expect(d?.action).toMatchObject({ type: "command", command: "storage" });
  });

  test("SP under 20% uses a Blue Potion", () => {
    const s = potions(specState(), "Blue Potion");
    s.player.sp = 100;
    expect(reflexDecide(s, cfg, newMemory(), 0)?.action.item_name).toBe("Blue Potion");
  });

  test("healing outranks storage when both apply", () => {
    const s = potions(withHp(specState(), 0.1), "White Potion");
    s.player.weight = 2400;
    expect(reflexDecide(s, cfg, newMemory(), 0)?.action.type).toBe("use_item");
  });

  test("HP under 20% with more than 5 monsters within 7 teleports, then waits out the cooldown", () => {
    const s = potions(withHp(specState(), 0.15), "White Potion");
    s.monsters = [1, 2, 3, 4, 5, 6].map((i) => monster(i, 3, true));
    const mem = newMemory();
    expect(reflexDecide(s, cfg, mem, 1000)?.action.type).toBe("teleport");
    expect(reflexDecide(s, cfg, mem, 2000)?.action.type).toBe("use_item");
    expect(reflexDecide(s, cfg, mem, 1000 + cfg.reflex.teleport_cooldown_ms)?.action.type).toBe("teleport");
  });

  test("five monsters are not enough to teleport", () => {
    const s = potions(withHp(specState(), 0.15), "White Potion");
    s.monsters = [1, 2, 3, 4, 5].map((i) => monster(i, 3, true));
    expect(reflexDecide(s, cfg, newMemory(), 0)?.action.type).toBe("use_item");
  });
});
