import { describe, expect, test } from "bun:test";
import {
  createWorld,
  generateWorldFiles,
  resolvePlayerEvent,
  S,
  step,
  tickFrame,
  tickFrameJson,
} from "../../../src/services/mall/engine/index.ts";
import { defOf, shippedFiles } from "./fixtures.ts";

describe("direct frame JSON", () => {
  test("is byte-identical to stringifying the frame object over a long run", async () => {
    const w = createWorld(defOf(await shippedFiles()));
    const events = [
      { type: "move", to_zone: "SERVICE_HALL" },
      { type: "interact", target: "log_017", zone: "SERVICE_HALL" },
      { type: "run", zone: "SERVICE_HALL" },
      null,
    ];
    for (let i = 0; i < 3000; i++) {
      const ev = resolvePlayerEvent(w.index, events[i % events.length]);
      if (!ev.ok) throw new Error(ev.error);
      const r = step(w, { dt: 0.25, event: ev.event });
      expect(tickFrameJson(w, r, 1732649283.45 + i)).toBe(JSON.stringify(tickFrame(w, r, 1732649283.45 + i)));
    }
    // the run must have crossed every swarm regime for the comparison to mean much
    expect(Math.max(...w.state.turb)).toBeGreaterThan(6);
    expect(w.state.s[S.LEVEL]).toBeGreaterThan(75);
  });

  test("matches on a generated world with zone ids that need no escaping and NPC hints per state", () => {
    const w = createWorld(defOf(generateWorldFiles({ zones: 50, entities: 300, npcs: 10 })));
    for (let i = 0; i < 50; i++) {
      const r = step(w, { dt: 0.5, event: null });
      expect(tickFrameJson(w, r, i)).toBe(JSON.stringify(tickFrame(w, r, i)));
    }
  });
});
