// Trade evaluation (REFERENCE §1): value both sides from the price table, detect
// scams and bait, then decide in the documented order.
import type { PriceEntry, SocialConfig } from "./config.ts";
import { isBelow, tierOf, type PlayerRecord } from "./reputation.ts";

export interface TradeItem { id?: number; name: string; amount: number }
export interface TradeRequest {
  trader_id: number;
  trader_name: string;
  our_items: TradeItem[];
  their_items: TradeItem[];
  zeny_offered: number;
  /** Zeny we put in, if any (extension; the spec's example omits it). */
  zeny_requested?: number;
}

export type TradeDecision = "accept" | "negotiate" | "reject_politely" | "reject_silently" | "report_scam";

export interface TradeResult {
  decision: TradeDecision;
  reasoning: string;
  is_fair: boolean;
  /** their/our value; null when an item of ours has no price (the ratio would be meaningless). */
  fair_value_ratio: number | null;
  is_scam: boolean;
  response_message: string | null;
  /** Values of the priced items only. */
  our_value: number;
  their_value: number;
  /** Items without a price, both sides. */
  unknown_items: string[];
  /** Items of ours without a price: while there are any, the trade is never accepted. */
  our_unknown_items: string[];
  /** Reputation change the caller applies now (scam) — fair trades earn theirs on completion. */
  reputation_adjustment: number;
}

export class PriceTable {
  private readonly byName = new Map<string, PriceEntry>();
  private readonly byId = new Map<number, PriceEntry>();
  constructor(entries: readonly PriceEntry[]) {
    for (const e of entries) {
      this.byName.set(e.name.toLowerCase(), e);
      if (e.id !== undefined) this.byId.set(e.id, e);
    }
  }
  /** Market price first, NPC price as fallback; undefined when the item is unknown. */
  unitValue(item: { id?: number; name: string }): number | undefined {
    const e = (item.id !== undefined ? this.byId.get(item.id) : undefined) ?? this.byName.get(item.name.toLowerCase());
    return e ? (e.market_price ?? e.npc_price) : undefined;
  }
  get size(): number { return this.byName.size; }
}

function sideValue(items: readonly TradeItem[], prices: PriceTable, unknown: string[]): number {
  let v = 0;
  for (const it of items) {
    const u = prices.unitValue(it);
    if (u === undefined) unknown.push(it.name);
    else v += u * it.amount;
  }
  return v;
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

export function evaluateTrade(req: TradeRequest, rec: PlayerRecord, prices: PriceTable, cfg: SocialConfig): TradeResult {
  const ourUnknown: string[] = [];
  const theirUnknown: string[] = [];
  const ourValue = sideValue(req.our_items, prices, ourUnknown) + (req.zeny_requested ?? 0);
  // Their unpriced items count as 0: we may undervalue what we get, never what we give.
  const theirValue = sideValue(req.their_items, prices, theirUnknown) + req.zeny_offered;
  const priced = ourUnknown.length === 0;
  const ratio = ourValue === 0 ? (theirValue === 0 ? 1 : Infinity) : theirValue / ourValue;
  const t = cfg.trade;
  const scamItem = req.their_items.find((i) => t.scam_items.some((s) => s.toLowerCase() === i.name.toLowerCase()));
  // Bait needs our side's full value: an unpriced item of ours may be worth what they offer.
  const bait = priced && theirValue > t.bait_zeny && (ourValue === 0 || theirValue > t.bait_ratio * ourValue);
  const isScam = scamItem !== undefined || bait;
  const isFair = priced && ratio >= t.fair_ratio;
  const tier = tierOf(rec.reputation_score, cfg);
  const known = rec.flags.is_friend || rec.flags.is_guild_member;
  const base = {
    is_fair: isFair, fair_value_ratio: !priced ? null : Number.isFinite(ratio) ? round3(ratio) : 999, is_scam: isScam,
    our_value: ourValue, their_value: theirValue, unknown_items: [...ourUnknown, ...theirUnknown], our_unknown_items: ourUnknown, reputation_adjustment: 0,
  };
  if (rec.flags.is_blacklisted) {
    return { ...base, decision: "reject_silently", reasoning: "Trader is blacklisted", response_message: null };
  }
  if (isScam) {
    return {
      ...base, decision: "report_scam", response_message: "no",
      reasoning: scamItem ? `Known scam item offered: ${scamItem.name}` : `Bait: ${theirValue}z offered for ${ourValue}z`,
      reputation_adjustment: cfg.adjustments.scam ?? -30,
    };
  }
  if (!priced) {
    return {
      ...base, decision: "reject_politely",
      reasoning: `No price for our ${ourUnknown.join(", ")}: what cannot be valued is never given away automatically`,
      response_message: `sorry, keeping my ${ourUnknown.join(", ")}`,
    };
  }
  if (isBelow(rec.reputation_score, "friendly", cfg) && !known) {
    return { ...base, decision: "reject_politely", reasoning: `Reputation too low for trading (${tier})`, response_message: "sorry, not trading right now" };
  }
  if (Math.max(ourValue, theirValue) > t.high_value && isBelow(rec.reputation_score, "trusted", cfg)) {
    return { ...base, decision: "reject_politely", reasoning: `High-value trade needs a trusted partner (${tier})`, response_message: "too rich for me, sorry" };
  }
  if (!isFair) {
    const need = Math.ceil(t.fair_ratio * ourValue - theirValue);
    return {
      ...base, decision: "negotiate",
      reasoning: `Unfair: they give ${theirValue}z of value for our ${ourValue}z (ratio ${base.fair_value_ratio})`,
      response_message: `add ${need}z and it's a deal`,
    };
  }
  const who = rec.flags.is_friend ? "friend" : rec.flags.is_guild_member ? "guild member" : `${tier} player`;
  return { ...base, decision: "accept", reasoning: `Fair trade with ${who}`, response_message: "ok deal" };
}
