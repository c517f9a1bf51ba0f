import type { Constants } from "./constants.ts";
import { hashSeed, mulberry32Step } from "./rng.ts";
import type { EntityDef, EntityMetrics } from "./types.ts";

export interface QbitScore {
  power: number;
  charisma: number;
  overall: number;
}

/** Charisma: attention and resonance weight (REFERENCE §2), capped. */
export function scoreCharisma(m: EntityMetrics, cap: number): number {
  const c =
    Math.min((m.resonance / 100) * 600, 600) +
    Math.min((m.grassroots / 1e7) * 600, 600) +
    Math.min(Math.log10(Math.max(1, m.audience)) * 70, 450) +
    Math.min((m.deep_views / 5e7) * 600, 450) +
    Math.min((m.engagement / 100) * 400, 300) +
    Math.min((m.refs / 5000) * 300 + (m.trust / 100) * 300, 300);
  return Math.min(c, cap);
}

/** The Primary-tier bonus is drawn from a stream keyed by world seed and entity id. */
export function primaryBonus(seed: number, entityId: string, max: number): number {
  return mulberry32Step(hashSeed(seed, entityId)).value * max;
}

/** Power: structural leverage. Primary rides on backing, Secondary on pool and reach. */
export function scorePower(e: EntityDef, seed: number, q: Constants["qbit"]): number {
  const m = e.metrics;
  const p =
    e.tier === "Primary"
      ? Math.min((m.backing / 1e8) * 600, 600) + primaryBonus(seed, e.id, q.primary_bonus_max)
      : Math.min((m.pool / 2.5e11) * 1500, 1500) + Math.min((m.reach / 100) * 1000, 1000);
  return Math.min(p, q.power_cap);
}

export function scoreEntity(e: EntityDef, seed: number, q: Constants["qbit"]): QbitScore {
  const power = scorePower(e, seed, q);
  const charisma = scoreCharisma(e.metrics, q.charisma_cap);
  return { power, charisma, overall: power + charisma };
}
