// Player reputation (REFERENCE §1): clamped score, tiers, named adjustments, a
// bounded note log, and the blacklist latch when a player falls to the lowest tier.
import type { SocialConfig } from "./config.ts";

/** `delta` is the change applied; `requested` the asked-for delta when the clamp cut it. */
export interface ReputationNote { at: number; delta: number; requested?: number; reason: string; score_after: number }

export interface PlayerRecord {
  player_id: number;
  player_name: string;
  reputation_score: number;
  total_interactions: number;
  positive_interactions: number;
  negative_interactions: number;
  flags: { is_friend: boolean; is_guild_member: boolean; is_blacklisted: boolean; is_whitelisted: boolean };
  notes: ReputationNote[];
  updated_at: number;
}

export function newPlayer(id: number, name: string, now: number): PlayerRecord {
  return {
    player_id: id, player_name: name, reputation_score: 0,
    total_interactions: 0, positive_interactions: 0, negative_interactions: 0,
    flags: { is_friend: false, is_guild_member: false, is_blacklisted: false, is_whitelisted: false },
    notes: [], updated_at: now,
  };
}

export function tierOf(score: number, cfg: SocialConfig): string {
  for (const t of cfg.tiers) if (score >= t.min) return t.name;
  return cfg.lowest_tier;
}

/** Tier rank: 0 = highest; used for "below friendly" style comparisons. */
export function tierRank(name: string, cfg: SocialConfig): number {
  const i = cfg.tiers.findIndex((t) => t.name === name);
  return i === -1 ? cfg.tiers.length : i;
}

export const isBelow = (score: number, tier: string, cfg: SocialConfig): boolean =>
  tierRank(tierOf(score, cfg), cfg) > tierRank(tier, cfg);

/** Resolve a named adjustment ("scam") or pass a number through. */
export function adjustmentDelta(kind: string | number, cfg: SocialConfig): number | undefined {
  return typeof kind === "number" ? kind : cfg.adjustments[kind];
}

/** Apply a delta, returning a new record; the blacklist latches on reaching the lowest tier. */
export function adjust(rec: PlayerRecord, delta: number, reason: string, now: number, cfg: SocialConfig): PlayerRecord {
  const score = Math.max(cfg.score_min, Math.min(cfg.score_max, rec.reputation_score + delta));
  const note: ReputationNote = { at: now, delta: score - rec.reputation_score, reason, score_after: score };
  if (note.delta !== delta) note.requested = delta;
  const notes = [...rec.notes, note];
  if (notes.length > cfg.max_notes) notes.splice(0, notes.length - cfg.max_notes);
  const flags = { ...rec.flags };
  if (tierOf(score, cfg) === cfg.lowest_tier) flags.is_blacklisted = true;
  if (score >= cfg.score_max) flags.is_whitelisted = true;
  return {
    ...rec,
    reputation_score: score,
    total_interactions: rec.total_interactions + 1,
    positive_interactions: rec.positive_interactions + (delta > 0 ? 1 : 0),
    negative_interactions: rec.negative_interactions + (delta < 0 ? 1 : 0),
    flags,
    notes,
    updated_at: now,
  };
}
