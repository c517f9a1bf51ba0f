import { describe, expect, test } from "bun:test";
import { seededRng } from "../../../src/services/openkore/engine/rng.ts";
import { processChat, typingDelay } from "../../../src/services/openkore/engine/social/chat.ts";
import { DEFAULT_SOCIAL_CONFIG as cfg, type PriceEntry } from "../../../src/services/openkore/engine/social/config.ts";
import { adjust, newPlayer, tierOf, type PlayerRecord } from "../../../src/services/openkore/engine/social/reputation.ts";
import { SpamWindow } from "../../../src/services/openkore/engine/social/spam-window.ts";
import { PriceTable, evaluateTrade, type TradeRequest } from "../../../src/services/openkore/engine/social/trade.ts";

const priceDoc = (await Bun.file(new URL("../../../config/openkore/prices.json", import.meta.url)).json()) as { items: PriceEntry[] };
const prices = new PriceTable(priceDoc.items);
const withScore = (score: number, flags: Partial<PlayerRecord["flags"]> = {}): PlayerRecord => {
  const p = newPlayer(12345, "PlayerName", 0);
  return { ...p, reputation_score: score, flags: { ...p.flags, ...flags } };
};
const specTrade = (): TradeRequest => ({
  trader_id: 12345, trader_name: "PlayerName",
  our_items: [{ id: 501, name: "Red Potion", amount: 10 }],
  their_items: [{ id: 502, name: "Orange Potion", amount: 10 }],
  zeny_offered: 0,
});

describe("reputation", () => {
  test("tiers follow the documented thresholds", () => {
    const cases: [number, string][] = [[100, "whitelisted"], [75, "trusted"], [74, "friendly"], [50, "friendly"], [25, "acquaintance"],
      [0, "neutral"], [-9, "neutral"], [-10, "suspicious"], [-50, "suspicious"], [-51, "blocked"]];
    for (const [score, tier] of cases) expect(tierOf(score, cfg)).toBe(tier);
  });

  test("adjustments clamp to -100..100 and count positive and negative interactions", () => {
    let p = newPlayer(1, "A", 0);
    p = adjust(p, 150, "gift", 1, cfg);
    expect(p.reputation_score).toBe(100);
    p = adjust(p, -250, "scam", 2, cfg);
    expect(p.reputation_score).toBe(-100);
    expect([p.total_interactions, p.positive_interactions, p.negative_interactions]).toEqual([2, 1, 1]);
  });

  test("falling to blocked blacklists the player and the blacklist stays after recovery", () => {
    let p = adjust(newPlayer(1, "A", 0), -60, "scam", 1, cfg);
    expect(p.flags.is_blacklisted).toBe(true);
    p = adjust(p, 80, "apology", 2, cfg);
    expect(tierOf(p.reputation_score, cfg)).toBe("neutral");
    expect(p.flags.is_blacklisted).toBe(true);
  });

  test("only the last 50 notes are kept", () => {
    let p = newPlayer(1, "A", 0);
    for (let i = 0; i < 60; i++) p = adjust(p, 1, `n${i}`, i, cfg);
    expect(p.notes).toHaveLength(50);
    expect(p.notes[0]?.reason).toBe("n10");
    expect(p.notes[49]?.score_after).toBe(60);
  });
});

describe("trade evaluation", () => {
  test("the spec's example from a friendly player is a fair accept", () => {
    const r = evaluateTrade(specTrade(), withScore(65), prices, cfg);
    expect(r.decision).toBe("accept");
    expect(r.is_fair).toBe(true);
    expect(r.is_scam).toBe(false);
    expect(r.reasoning).toBe("Fair trade with friendly player");
    expect(r.response_message).toBe("ok deal");
    expect(r.our_value).toBe(500);
    expect(r.their_value).toBe(2000);
    expect(r.fair_value_ratio).toBe(4);
  });

  test("a blacklisted trader is rejected silently even with a fair offer", () => {
    const r = evaluateTrade(specTrade(), withScore(65, { is_blacklisted: true }), prices, cfg);
    expect(r.decision).toBe("reject_silently");
    expect(r.response_message).toBeNull();
  });

  test("a known scam item is reported with a -30 adjustment", () => {
    const req = { ...specTrade(), their_items: [{ name: "Fake Elunium", amount: 1 }] };
    const r = evaluateTrade(req, withScore(65), prices, cfg);
    expect(r.decision).toBe("report_scam");
    expect(r.is_scam).toBe(true);
    expect(r.reputation_adjustment).toBe(-30);
  });

  test("bait — over 100,000z and more than 3x our side — is a scam", () => {
    const req = { ...specTrade(), their_items: [], zeny_offered: 200_000 };
    expect(evaluateTrade(req, withScore(80), prices, cfg).decision).toBe("report_scam");
    const fairBig = { ...req, our_items: [{ name: "Oridecon", amount: 10 }] };
    expect(evaluateTrade(fairBig, withScore(80), prices, cfg).is_scam).toBe(false);
  });

  test("a stranger below friendly is rejected politely unless a friend or guild member", () => {
    expect(evaluateTrade(specTrade(), withScore(0), prices, cfg).decision).toBe("reject_politely");
    expect(evaluateTrade(specTrade(), withScore(0, { is_friend: true }), prices, cfg).decision).toBe("accept");
    expect(evaluateTrade(specTrade(), withScore(0, { is_guild_member: true }), prices, cfg).decision).toBe("accept");
  });

  test("a trade worth over 1,000,000z needs a trusted partner", () => {
    const req: TradeRequest = { ...specTrade(), our_items: [{ name: "Phreeoni Card", amount: 1 }], their_items: [], zeny_offered: 3_000_000 };
    expect(evaluateTrade(req, withScore(60), prices, cfg).decision).toBe("reject_politely");
    expect(evaluateTrade(req, withScore(80), prices, cfg).decision).toBe("accept");
  });

  test("an unfair offer is negotiated and names the zeny that would make it fair", () => {
    const req = { ...specTrade(), our_items: [{ name: "Orange Potion", amount: 10 }], their_items: [{ name: "Red Potion", amount: 10 }] };
    const r = evaluateTrade(req, withScore(60), prices, cfg);
    expect(r.decision).toBe("negotiate");
    expect(r.fair_value_ratio).toBe(0.25);
    expect(r.response_message).toBe("add 1100z and it's a deal");
  });

  test("market prices win over NPC prices and unknown items are listed", () => {
    expect(prices.unitValue({ name: "Oridecon" })).toBe(35000);
    expect(prices.unitValue({ id: 501, name: "whatever" })).toBe(50);
    const r = evaluateTrade({ ...specTrade(), their_items: [{ name: "Mystery Box", amount: 1 }] }, withScore(60), prices, cfg);
    expect(r.unknown_items).toEqual(["Mystery Box"]);
    expect(r.our_unknown_items).toEqual([]);
  });

  test("an unpriced item of ours is never accepted, whoever the trader and whatever they offer", () => {
    const ours = [{ name: "Valkyrie Helm", amount: 1 }];
    for (const rec of [withScore(65), withScore(100), withScore(0, { is_friend: true }), withScore(80, { is_guild_member: true })]) {
      for (const their of [[{ id: 501, name: "Red Potion", amount: 1 }], [{ id: 4121, name: "Phreeoni Card", amount: 1 }]]) {
        for (const zeny of [0, 50_000, 9_000_000]) {
          const r = evaluateTrade({ ...specTrade(), our_items: ours, their_items: their, zeny_offered: zeny }, rec, prices, cfg);
          expect(r.decision).not.toBe("accept");
          expect(r.is_fair).toBe(false);
          expect(r.fair_value_ratio).toBeNull();
          expect(r.our_unknown_items).toEqual(["Valkyrie Helm"]);
        }
      }
    }
    // With a priced item beside it, the unpriced one still blocks the accept.
    const mixed = evaluateTrade({ ...specTrade(), our_items: [{ id: 501, name: "Red Potion", amount: 1 }, ...ours] }, withScore(65), prices, cfg);
    expect(mixed).toMatchObject({ decision: "reject_politely", our_value: 50, reasoning: "No price for our Valkyrie Helm: what cannot be valued is never given away automatically" });
  });

  test("blacklist and scam items still come first when our side is unpriced", () => {
    const req = { ...specTrade(), our_items: [{ name: "Valkyrie Helm", amount: 1 }] };
    expect(evaluateTrade(req, withScore(65, { is_blacklisted: true }), prices, cfg).decision).toBe("reject_silently");
    expect(evaluateTrade({ ...req, their_items: [{ name: "Fake Elunium", amount: 1 }] }, withScore(65), prices, cfg).decision).toBe("report_scam");
  });
});

describe("spam window", () => {
  test("counts a sender's messages within the window only", () => {
    const w = new SpamWindow(60_000, 100);
    for (const t of [0, 10_000, 20_000]) w.record(7, t);
    expect(w.recent(7, 30_000)).toEqual([0, 10_000, 20_000]);
    expect(w.recent(7, 65_000)).toEqual([10_000, 20_000]);
    expect(w.recent(8, 65_000)).toEqual([]);
  });

  test("senders silent for a whole window are dropped, and the table never exceeds its bound", () => {
    const w = new SpamWindow(60_000, 1000);
    for (let i = 0; i < 5000; i++) w.record(i, i);
    expect(w.size).toBe(1000);
    expect(w.recent(3999, 5000)).toEqual([]); // the oldest went first
    expect(w.recent(4999, 5000)).toEqual([4999]);
    w.prune(4999 + 60_000);
    expect(w.size).toBe(0);
  });
});

describe("chat", () => {
  const msg = { sender_id: 12345, sender_name: "PlayerName", message: "hey wanna party?", channel: "whisper" as const };

  test("the spec's whisper from a friendly player is answered with a party reply and +1", () => {
    const r = processChat(msg, withScore(60), [], 0, seededRng(1), cfg);
    expect(r.should_respond).toBe(true);
    expect(["sure why not", "ok send invite", "sure, inv me"]).toContain(r.response_message ?? "");
    expect(r.reputation_adjustment).toBe(1);
    expect(r.reasoning).toBe("Friendly player, not busy");
    expect(r.delay_ms).toBeGreaterThanOrEqual(200);
    expect(r.delay_ms).toBeLessThanOrEqual(5000);
  });

  test("blacklisted senders are ignored", () => {
    expect(processChat(msg, withScore(60, { is_blacklisted: true }), [], 0, seededRng(1), cfg).should_respond).toBe(false);
  });

  test("a sixth message within a minute is spam with -5", () => {
    const r = processChat(msg, withScore(0), [1, 2, 3, 4, 5], 10_000, seededRng(1), cfg);
    expect(r).toMatchObject({ should_respond: false, reputation_adjustment: -5, adjustment_kind: "spam" });
    expect(processChat(msg, withScore(0), [1, 2, 3, 4, 5], 70_000, seededRng(1), cfg).should_respond).toBe(true);
  });

  test("trade spam keywords are ignored but whitelisted players are always answered", () => {
    const ad = { ...msg, message: "WTS cheap potions" };
    expect(processChat(ad, withScore(0), [], 0, seededRng(1), cfg).reasoning).toContain("wts");
    expect(processChat(ad, withScore(100), [], 0, seededRng(1), cfg).should_respond).toBe(true);
  });

  test("whispers from strangers below neutral are not answered", () => {
    expect(processChat(msg, withScore(-20), [], 0, seededRng(1), cfg).should_respond).toBe(false);
    expect(processChat(msg, withScore(-20, { is_friend: true }), [], 0, seededRng(1), cfg).should_respond).toBe(true);
  });

  test("party chat is answered about 20% of the time and guild chat about 15%", () => {
    const rate = (channel: "party" | "guild"): number => {
      const rng = seededRng(42);
      let yes = 0;
      for (let i = 0; i < 2000; i++) if (processChat({ ...msg, channel }, withScore(30), [], 0, rng, cfg).should_respond) yes++;
      return yes / 2000;
    };
    expect(rate("party")).toBeCloseTo(0.2, 1);
    expect(rate("guild")).toBeCloseTo(0.15, 1);
  });

  test("typing delay is 8 chars/s plus 500 ms within ±30%, clamped to 200..5000", () => {
    const rng = seededRng(3);
    for (let i = 0; i < 200; i++) {
      const d = typingDelay("sure why not", rng, cfg);
      expect(d).toBeGreaterThanOrEqual(Math.round(2000 * 0.7));
      expect(d).toBeLessThanOrEqual(Math.round(2000 * 1.3));
    }
    expect(typingDelay("x".repeat(500), rng, cfg)).toBe(5000);
  });
});
