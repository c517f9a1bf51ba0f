// Reflex tier (REFERENCE §1): survival checks in fixed priority, confidence 0.95.
import type { EngineConfig } from "./config.ts";
import {
  bestHealingItem, countWithin, hasStatus, heldItem, hpFraction, spFraction, underAttack, weightFraction,
} from "./features.ts";
import type { SessionMemory } from "./memory.ts";
import type { Action, Decision, GameState, ItemState } from "./types.ts";

function useItem(it: ItemState, reason: string, priority: Action["priority"], confidence: number): Decision {
  return {
    tier: "reflex",
    action: { type: "use_item", item_id: it.id, item_name: it.name, priority, reason, confidence },
  };
}

/** First reflex that applies, or null. Mutates `mem` only when teleporting. */
export function reflexDecide(s: GameState, cfg: EngineConfig, mem: SessionMemory, now: number): Decision | null {
  const r = cfg.reflex;
  const hp = hpFraction(s);
  const conf = r.confidence;

  const crowd = countWithin(s, r.teleport_range, false);
  if (hp < r.teleport_hp && crowd > r.teleport_monster_count && now - mem.last_teleport_ms >= r.teleport_cooldown_ms) {
    mem.last_teleport_ms = now;
    return {
      tier: "reflex",
      action: {
        type: "teleport", priority: "critical", confidence: conf,
        reason: `Emergency reflex: HP ${(hp * 100).toFixed(0)}% with ${crowd} monsters within ${r.teleport_range} cells`,
      },
    };
  }
  if (hp < r.hp_critical) {
    const it = heldItem(s, r.critical_hp_item) ?? bestHealingItem(s, cfg);
    if (it) return useItem(it, `Emergency reflex: HP critical (${(hp * 100).toFixed(0)}%)`, "critical", conf);
  }
  const bad = hasStatus(s, r.dangerous_statuses);
  if (bad !== undefined) {
    const it = heldItem(s, r.cure_item);
    if (it) return useItem(it, `Emergency reflex: cure ${bad}`, "critical", conf);
  }
  if (hp < r.hp_low && underAttack(s, cfg)) {
    const it = heldItem(s, r.low_hp_item) ?? bestHealingItem(s, cfg);
    if (it) return useItem(it, `Emergency reflex: HP low (${(hp * 100).toFixed(0)}%) while under attack`, "high", conf);
  }
  if (weightFraction(s) >= r.weight_critical) {
    return {
      tier: "reflex",
      action: { type: "command", command: "storage", priority: "high", confidence: conf, reason: "Reflex: weight critical, storing items" },
    };
  }
  if (spFraction(s) < r.sp_low) {
    const it = heldItem(s, r.sp_item);
    if (it) return useItem(it, `Reflex: SP low (${(spFraction(s) * 100).toFixed(0)}%)`, "normal", conf);
  }
  return null;
}

/** The emergency default when no tier produced an action. */
export const idleDecision = (reason = "No tier produced an action"): Decision => ({
  tier: "reflex",
  action: { type: "idle", priority: "low", reason, confidence: 1 },
});
