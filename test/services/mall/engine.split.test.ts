import { describe, expect, test } from "bun:test";
import {
  createWorld,
  finishZones,
  frameHead,
  frameTail,
  generateWorldFiles,
  resolvePlayerEvent,
  step,
  stepGlobal,
  stepZones,
  tickFrameJson,
  type World,
  zonesJson,
} from "../../../src/services/mall/engine/index.ts";
import { skipAhead, StateRng } from "../../../src/services/mall/engine/rng.ts";
import { stateColumns } from "../../../src/services/mall/engine/state.ts";
import { defOf } from "./fixtures.ts";

// A large world's tick runs its zone phase in ranges (one per pool thread); the result must be
// the inline tick's, byte for byte (REFERENCE §2: same seed + same ticks = same frames).
const files = generateWorldFiles({ zones: 120, entities: 600, npcs: 12, seed: 11 });
const events = (w: World, i: number) => {
  const raws = [{ type: "move", to_zone: `Z${String(i % 120).padStart(5, "0")}` }, { type: "discover", document: "E3", zone: "Z00004" }, null, { type: "run", zone: "Z00009" }];
  const ev = resolvePlayerEvent(w.index, raws[i % raws.length]);
  if (!ev.ok) throw new Error(ev.error);
  return ev.event;
};

/** One tick with the zone phase cut at `cuts`, each range formatted apart and joined as the bridge does. */
function splitTick(w: World, i: number, cuts: number[]): string {
  const g = stepGlobal(w, { dt: 0.25, event: events(w, i) });
  const bounds = [0, ...cuts, w.index.zoneIds.length];
  const parts: string[] = [];
  // Ranges in reverse: the order they finish in must not matter.
  for (let k = bounds.length - 2; k >= 0; k--) stepZones(w, g.zones, bounds[k]!, bounds[k + 1]!);
  for (let k = 0; k < bounds.length - 1; k++) if (bounds[k]! < bounds[k + 1]!) parts.push(zonesJson(w, bounds[k]!, bounds[k + 1]!));
  finishZones(w, g.zones);
  return frameHead(w, i) + parts.join(",") + frameTail(w, g, i);
}

describe("the zone phase split across ranges", () => {
  for (const cuts of [[60], [1, 2, 119], [40, 80], [0, 120]]) {
    test(`ranges cut at ${cuts.join(", ")} give the inline frames and state over 40 ticks (four adjacency recomputes)`, () => {
      const inline = createWorld(defOf(files));
      const split = createWorld(defOf(files));
      for (let i = 0; i < 40; i++) {
        const expected = tickFrameJson(inline, step(inline, { dt: 0.25, event: events(inline, i) }), i);
        expect(splitTick(split, i, cuts)).toBe(expected);
      }
      expect(stateColumns(split.state).map(([k, v]) => [k, Array.from(v)])).toEqual(stateColumns(inline.state).map(([k, v]) => [k, Array.from(v)]));
    });
  }

  test("skipping ahead N draws lands where N draws would", () => {
    const rng = new StateRng(123456789);
    for (let n = 0; n < 1000; n++) {
      expect(skipAhead(123456789, n)).toBe(rng.state);
      rng.next();
    }
    expect(skipAhead(0xffffffff, 3_000_000)).toBe((0xffffffff + 3_000_000 * 0x6d2b79f5) % 2 ** 32);
  });
});
