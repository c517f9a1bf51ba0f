import { describe, expect, test } from "bun:test";
import { Interner } from "../../../src/services/openkore/engine/interner.ts";
import { LIMITS, SLOT_STRIDE, SlotStore } from "../../../src/services/openkore/engine/slots.ts";
import { monster, specState } from "./fixtures.ts";

describe("slot store", () => {
  test("a state written to a slot reads back field by field", () => {
    const names = new Interner();
    const store = new SlotStore(4);
    const s = specState();
    s.party = [{ id: 7, name: "Buddy", hp_percent: 80 }];
    store.write(2, s, names);
    const back = store.read(2, names);
    expect(back.player).toEqual(s.player);
    expect(back.monsters).toEqual(s.monsters);
    expect(back.items).toEqual(s.items);
    expect(back.skills).toEqual(s.skills);
    expect(back.party).toEqual(s.party);
    expect(back.tick_number).toBe(12345);
    expect(store.isUsed(2)).toBe(true);
    expect(store.isUsed(1)).toBe(false);
  });

  test("slots are independent and a second store over the same buffer sees the same data", () => {
    const names = new Interner();
    const store = new SlotStore(3);
    const a = specState();
    const b = specState();
    b.player.hp = 1;
    b.player.position.map = "geffen";
    store.write(0, a, names);
    store.write(1, b, names);
    const mirror = new SlotStore(3, store.buffer);
    expect(mirror.read(0, names).player.hp).toBe(5234);
    expect(mirror.read(1, names).player.hp).toBe(1);
    expect(mirror.read(1, names).player.position.map).toBe("geffen");
    expect(store.buffer.byteLength).toBe(3 * SLOT_STRIDE * 8);
  });

  test("too many monsters keeps the nearest ones", () => {
    const names = new Interner();
    const store = new SlotStore(1);
    const s = specState();
    s.monsters = Array.from({ length: LIMITS.monsters + 10 }, (_, i) => monster(i + 1, 100 - i, false));
    store.write(0, s, names);
    const back = store.read(0, names);
    expect(back.monsters.length).toBe(LIMITS.monsters);
    expect(Math.max(...back.monsters.map((m) => m.distance))).toBe(100 - 10);
  });

  test("rewriting a slot with other names, or after the name table was cleared, reads back the new state", () => {
    const names = new Interner();
    const store = new SlotStore(2);
    const a = specState();
    store.write(0, a, names);
    store.write(1, a, names);
    const b = specState();
    b.player.name = "Other";
    b.player.position.map = "geffen";
    b.monsters = [b.monsters[0]!, { ...b.monsters[0]!, id: 9, name: "Drops" }];
    b.items = [{ id: 501, name: "Apple", quantity: 1 }];
    store.write(0, b, names);
    expect(store.read(0, names).player).toEqual(b.player);
    expect(store.read(0, names).monsters).toEqual(b.monsters);
    expect(store.read(0, names).items).toEqual(b.items);
    names.clear();
    for (let i = 0; i < 50; i++) names.id(`noise-${i}`);
    store.write(1, a, names);
    expect(store.read(1, names).player).toEqual(a.player);
    expect(store.read(1, names).monsters).toEqual(a.monsters);
    expect(store.read(1, names).skills).toEqual(a.skills);
    const other = new Interner(["z"]);
    store.write(0, b, other);
    expect(store.read(0, other).monsters).toEqual(b.monsters);
  });

  test("clear frees a slot", () => {
    const names = new Interner();
    const store = new SlotStore(1);
    store.write(0, specState(), names);
    store.clear(0);
    expect(store.isUsed(0)).toBe(false);
  });

  test("an interner mirror extends from the tail and rejects gaps", () => {
    const a = new Interner(["x", "y"]);
    const m = new Interner();
    m.extend(0, a.names);
    a.id("z");
    m.extend(2, a.names.slice(2));
    expect(m.find("z")).toBe(2);
    expect(() => m.extend(5, ["q"])).toThrow();
  });
});

describe("interner", () => {
  test("a cleared table starts ids from 0 again and a slot written after the clear reads back exactly", () => {
    const names = new Interner();
    const store = new SlotStore(1);
    for (let i = 0; i < 1000; i++) names.id(`junk-${i}`);
    names.clear();
    expect(names.size).toBe(0);
    expect(names.find("junk-1")).toBe(-1);
    const s = specState();
    store.write(0, s, names);
    expect(store.read(0, names).monsters).toEqual(s.monsters);
    expect(names.size).toBeLessThan(20);
  });
});
