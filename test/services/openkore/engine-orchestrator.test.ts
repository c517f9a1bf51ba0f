import { describe, expect, test } from "bun:test";
import { DEFAULT_ENGINE_CONFIG as cfg } from "../../../src/services/openkore/engine/config.ts";
import { newMemory, type SessionMemory } from "../../../src/services/openkore/engine/memory.ts";
import { emptyModel } from "../../../src/services/openkore/engine/ml.ts";
import { decide, type DecideCtx } from "../../../src/services/openkore/engine/orchestrator.ts";
import { seededRng } from "../../../src/services/openkore/engine/rng.ts";
import { parseRules } from "../../../src/services/openkore/engine/rules.ts";
import { monster, specState, withHp } from "./fixtures.ts";

const rules = parseRules(await Bun.file(new URL("../../../config/openkore/rules.json", import.meta.url)).json()).rules;
const ctx = (mem: SessionMemory, now: number, llmAvailable = true): DecideCtx =>
  ({ cfg, rules, model: emptyModel(), mem, now, rng: seededRng(7), llmAvailable });

describe("tier orchestration", () => {
  test("reflex wins over rule when both apply", () => {
    const s = withHp(specState(), 0.2);
    const r = decide(s, ctx(newMemory(), 0));
    expect(r.decision.tier).toBe("reflex");
    expect(r.startLlm).toBe(false);
  });

  test("the spec example falls to the rule tier", () => {
    expect(decide(specState(), ctx(newMemory(), 0)).decision.tier).toBe("rule");
  });

  test("with nothing to do and no milestone the reply is a reflex idle", () => {
    const s = specState();
    s.monsters = [];
    const r = decide(s, ctx(newMemory(), 0));
    expect(r.decision).toMatchObject({ tier: "reflex", action: { type: "idle" } });
  });

  test("at a level milestone the llm tier starts once a minute with an idle fallback", () => {
    const s = specState();
    s.monsters = [];
    s.player.level = 90;
    const mem = newMemory();
    const first = decide(s, ctx(mem, 1000));
    expect(first.startLlm).toBe(true);
    expect(first.decision).toMatchObject({ tier: "llm", action: { type: "idle" } });
    expect(decide(s, ctx(mem, 30_000)).startLlm).toBe(false);
    expect(decide(s, ctx(mem, 61_000)).startLlm).toBe(true);
  });

  test("with the AI service down the llm tier notes SERVICE_UNAVAILABLE and replays the cached decision", () => {
    const mem = newMemory();
    const s = specState();
    s.player.level = 90;
    expect(decide(s, ctx(mem, 0, false)).decision.tier).toBe("rule");
    const quiet = { ...s, monsters: [monster(200001, 20, false)] };
    const r = decide(quiet, ctx(mem, 1000, false));
    expect(r.notes).toEqual(["SERVICE_UNAVAILABLE"]);
    expect(r.startLlm).toBe(false);
    expect(r.decision.tier).toBe("rule");
    expect(r.decision.action.reason).toStartWith("Cached decision");
  });

  test("a stale or targetless cache falls back to the reflex default", () => {
    const mem = newMemory();
    const s = specState();
    s.player.level = 90;
    decide(s, ctx(mem, 0, false));
    const gone = { ...s, monsters: [] };
    expect(decide(gone, ctx(mem, 1000, false)).decision).toMatchObject({ tier: "reflex", action: { type: "idle" } });
    const far = { ...s, monsters: [monster(200001, 20, false)] };
    expect(decide(far, ctx(mem, 1000 + cfg.fallback_cache_ms + 1, false)).decision.action.type).toBe("idle");
  });
});
