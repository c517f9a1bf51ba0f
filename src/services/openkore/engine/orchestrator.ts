// Tier orchestration (REFERENCE §1): reflex → rule → ml → llm; the first tier that
// produces an action wins, else reflex idles. The llm tier only starts a task; its
// immediate reply is a fallback action, and when the AI service is down the §6.3
// chain (cached decision, then reflex default) still yields an action.
import type { EngineConfig } from "./config.ts";
import type { SessionMemory } from "./memory.ts";
import { mlDecide, type MlModel } from "./ml.ts";
import { idleDecision, reflexDecide } from "./reflex.ts";
import type { Rng } from "./rng.ts";
import { evaluateRules, type Rule } from "./rules.ts";
import type { Decision, GameState } from "./types.ts";

export interface DecideCtx {
  cfg: EngineConfig;
  rules: readonly Rule[];
  model: MlModel;
  mem: SessionMemory;
  now: number;
  rng: Rng;
  /** Whether the planner/LLM behind the llm tier is reachable right now. */
  llmAvailable: boolean;
}

export interface DecideResult {
  decision: Decision;
  /** True when the caller must start an llm task; decision.action is its fallback. */
  startLlm: boolean;
  /** Error codes met on the way, e.g. SERVICE_UNAVAILABLE when the llm tier was wanted but down. */
  notes: readonly string[];
}

const NO_NOTES: readonly string[] = Object.freeze([]);

export function wantsLlm(s: GameState, cfg: EngineConfig, mem: SessionMemory, now: number): boolean {
  const m = cfg.llm.level_milestone;
  return m > 0 && s.player.level > 0 && s.player.level % m === 0 && now - mem.last_llm_ms >= cfg.llm.min_interval_ms;
}

function cachedStillValid(s: GameState, mem: SessionMemory, cfg: EngineConfig, now: number): Decision | null {
  const c = mem.cached;
  if (!c || now - c.at_ms > cfg.fallback_cache_ms) return null;
  const t = c.decision.action.target_id;
  if (t !== undefined && !s.monsters.some((m) => m.id === t)) return null;
  return { ...c.decision, action: { ...c.decision.action, reason: `Cached decision: ${c.decision.action.reason}` } };
}

export function decide(s: GameState, ctx: DecideCtx): DecideResult {
  const { cfg, mem, now } = ctx;
  const fast = reflexDecide(s, cfg, mem, now) ?? evaluateRules(ctx.rules, s, cfg, mem, now) ?? mlDecide(ctx.model, s, cfg, ctx.rng);
  if (fast) {
    // Updated in place: this runs on every state frame.
    if (mem.cached) {
      mem.cached.decision = fast;
      mem.cached.at_ms = now;
    } else mem.cached = { decision: fast, at_ms: now };
    return { decision: fast, startLlm: false, notes: NO_NOTES };
  }
  if (wantsLlm(s, cfg, mem, now)) {
    if (ctx.llmAvailable) {
      mem.last_llm_ms = now;
      return {
        decision: { tier: "llm", action: { type: "idle", reason: "LLM processing strategic decision" } },
        startLlm: true,
        notes: NO_NOTES,
      };
    }
    const cached = cachedStillValid(s, mem, cfg, now);
    return { decision: cached ?? idleDecision("AI service unavailable; reflex default"), startLlm: false, notes: ["SERVICE_UNAVAILABLE"] };
  }
  return { decision: idleDecision(), startLlm: false, notes: NO_NOTES };
}
