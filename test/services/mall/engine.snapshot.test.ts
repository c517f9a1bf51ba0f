import { describe, expect, test } from "bun:test";
import { createWorld, resolvePlayerEvent, restore, snapshot, step, tickFrame } from "../../../src/services/mall/engine/index.ts";
import { defOf, shippedFiles, tinyFiles } from "./fixtures.ts";

describe("snapshots", () => {
  test("a restored world continues with the same frames as the original", async () => {
    const def = defOf(await shippedFiles());
    const a = createWorld(def);
    const ev = resolvePlayerEvent(a.index, { type: "run", zone: "FC-ARCADE" });
    if (!ev.ok) throw new Error(ev.error);
    for (let i = 0; i < 50; i++) step(a, { dt: 0.25, event: ev.event });
    const b = createWorld(defOf(await shippedFiles()));
    expect(restore(b.state, snapshot(a.state))).toBe(true);
    for (let i = 0; i < 50; i++) {
      const fa = JSON.stringify(tickFrame(a, step(a, { dt: 0.25, event: ev.event }), 0));
      const fb = JSON.stringify(tickFrame(b, step(b, { dt: 0.25, event: ev.event }), 0));
      expect(fb).toBe(fa);
    }
  });

  test("a snapshot of a differently shaped world is refused and changes nothing", async () => {
    const big = createWorld(defOf(await shippedFiles()));
    const small = createWorld(defOf(tinyFiles()));
    const before = snapshot(small.state).slice();
    expect(restore(small.state, snapshot(big.state))).toBe(false);
    expect(snapshot(small.state)).toEqual(before);
  });
});
