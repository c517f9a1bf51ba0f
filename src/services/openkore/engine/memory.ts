// Per-session decision memory: cooldowns and the last good decision (the §6.3
// "cached decision" fallback). Small and plain so it can cross to a worker.
import type { Decision } from "./types.ts";

export interface SessionMemory {
  last_teleport_ms: number;
  rule_fired_ms: Record<string, number>;
  last_llm_ms: number;
  /** Last non-idle decision from reflex/rule/ml, with when it was made. */
  cached?: { decision: Decision; at_ms: number };
}

export const newMemory = (): SessionMemory => ({
  last_teleport_ms: Number.NEGATIVE_INFINITY,
  rule_fired_ms: {},
  last_llm_ms: Number.NEGATIVE_INFINITY,
});
