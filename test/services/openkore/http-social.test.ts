import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { TestService } from "../../helpers.ts";
import { AUTH, expectEnvelope, json, startOpenkore, type Json } from "./http-helpers.ts";

let svc: TestService;
beforeAll(async () => { ({ svc } = await startOpenkore()); });
afterAll(() => svc.stop());

const specTrade = { trader_id: 12345, trader_name: "PlayerName", our_items: [{ id: 501, name: "Red Potion", amount: 10 }], their_items: [{ id: 502, name: "Orange Potion", amount: 10 }], zeny_offered: 0 };

describe("social", () => {
  test("the spec's chat whisper is answered with a delay and +1 reputation", async () => {
    const r = await svc.call("POST", "/api/v1/social/chat/process", { sender_id: 12345, sender_name: "PlayerName", message: "hey wanna party?", channel: "whisper", conversation_id: "conv_12345_67890" }, AUTH);
    expect(r.status).toBe(200);
    const b = await json(r);
    expect(b.should_respond).toBe(true);
    expect(["sure why not", "ok send invite", "sure, inv me"]).toContain(b.response_message as string);
    expect(b.delay_ms as number).toBeGreaterThanOrEqual(200);
    expect(b.reasoning).toBe("Neutral player, not busy");
    expect(b.reputation_adjustment).toBe(1);
    const rep = await json(await svc.call("GET", "/api/v1/social/reputation/12345", undefined, AUTH));
    expect(rep).toMatchObject({ player_id: 12345, player_name: "PlayerName", reputation_score: 1, total_interactions: 1, positive_interactions: 1 });
  });

  test("the spec's trade is rejected politely from a stranger and accepted once the trader is friendly", async () => {
    const no = await json(await svc.call("POST", "/api/v1/social/trade/evaluate", { ...specTrade, trader_id: 777 }, AUTH));
    expect(no.decision).toBe("reject_politely");
    const adj = await svc.call("POST", "/api/v1/social/reputation/adjust", { player_id: 12345, delta: 64, reason: "helped in combat" }, AUTH);
    expect(adj.status).toBe(200);
    expect(await json(adj)).toMatchObject({ status: "success", previous_score: 1, reputation_score: 65, reputation_tier: "friendly" });
    const b = await json(await svc.call("POST", "/api/v1/social/trade/evaluate", specTrade, AUTH));
    expect(b).toMatchObject({ decision: "accept", reasoning: "Fair trade with friendly player", is_fair: true, is_scam: false, response_message: "ok deal", fair_value_ratio: 4 });
  });

  test("the spec's reputation view has tier, counts and flags", async () => {
    const b = await json(await svc.call("GET", "/api/v1/social/reputation/12345", undefined, AUTH));
    expect(b).toMatchObject({
      player_id: 12345, player_name: "PlayerName", reputation_score: 65, reputation_tier: "friendly", total_interactions: 2,
      positive_interactions: 2, negative_interactions: 0, flags: { is_friend: false, is_guild_member: false, is_blacklisted: false },
    });
  });

  test("the spec's -30 scam adjustment lowers the score and records the note", async () => {
    const b = await json(await svc.call("POST", "/api/v1/social/reputation/adjust", { player_id: 12345, delta: -30, reason: "Attempted trade scam" }, AUTH));
    expect(b.reputation_score).toBe(35);
    expect((b.notes as Json[]).at(-1)).toMatchObject({ delta: -30, reason: "Attempted trade scam", score_after: 35 });
  });

  test("a scam item offer is reported and costs 30 reputation", async () => {
    const b = await json(await svc.call("POST", "/api/v1/social/trade/evaluate", { ...specTrade, their_items: [{ name: "Fake Elunium", amount: 1 }] }, AUTH));
    expect(b).toMatchObject({ decision: "report_scam", is_scam: true, reputation_adjustment: -30 });
    expect((await json(await svc.call("GET", "/api/v1/social/reputation/12345", undefined, AUTH))).reputation_score).toBe(5);
  });

  test("a named adjustment kind applies its configured delta; falling to blocked blacklists", async () => {
    const b = await json(await svc.call("POST", "/api/v1/social/reputation/adjust", { player_id: 999, player_name: "Botty", kind: "bot_like", reason: "moves in straight lines" }, AUTH));
    expect(b).toMatchObject({ delta: -20, reputation_score: -20, reputation_tier: "suspicious" });
    const c = await json(await svc.call("POST", "/api/v1/social/reputation/adjust", { player_id: 999, kind: "scam", reason: "scam" }, AUTH));
    expect(c).toMatchObject({ reputation_score: -50, reputation_tier: "suspicious" });
    const d = await json(await svc.call("POST", "/api/v1/social/reputation/adjust", { player_id: 999, kind: "spam", reason: "spam" }, AUTH));
    expect((d.flags as Json).is_blacklisted).toBe(true);
    const chat = await json(await svc.call("POST", "/api/v1/social/chat/process", { sender_id: 999, sender_name: "Botty", message: "hi", channel: "whisper" }, AUTH));
    expect(chat).toMatchObject({ should_respond: false, reasoning: "Sender is blacklisted" });
  });

  test("bad social input is 400 and changes nothing", async () => {
    const before = await json(await svc.call("GET", "/api/v1/social/reputation/12345", undefined, AUTH));
    const cases: [string, Json][] = [
      ["/api/v1/social/reputation/adjust", { player_id: 12345, reason: "no delta" }],
      ["/api/v1/social/reputation/adjust", { player_id: 12345, kind: "hugging", reason: "?" }],
      ["/api/v1/social/reputation/adjust", { player_id: 12345, delta: "ten", reason: "?" }],
      ["/api/v1/social/reputation/adjust", { player_id: -1, delta: 1, reason: "?" }],
      ["/api/v1/social/trade/evaluate", { ...specTrade, zeny_offered: -5 }],
      ["/api/v1/social/trade/evaluate", { ...specTrade, extra: true }],
      ["/api/v1/social/chat/process", { sender_id: 12345, sender_name: "PlayerName", message: "hi", channel: "telepathy" }],
      ["/api/v1/social/chat/process", { sender_id: 12345, sender_name: "PlayerName", channel: "whisper" }],
    ];
    for (const [path, body] of cases) {
      const r = await svc.call("POST", path, body, AUTH);
      expect({ path, status: r.status }).toEqual({ path, status: 400 });
      expectEnvelope(await json(r), "INVALID_REQUEST");
    }
    expect(await json(await svc.call("GET", "/api/v1/social/reputation/12345", undefined, AUTH))).toEqual(before);
  });

  test("an unknown player is 404 and a non-numeric id 400", async () => {
    const r = await svc.call("GET", "/api/v1/social/reputation/424242", undefined, AUTH);
    expect(r.status).toBe(404);
    expectEnvelope(await json(r), "PLAYER_NOT_FOUND");
    expect((await svc.call("GET", "/api/v1/social/reputation/abc", undefined, AUTH)).status).toBe(400);
  });

  test("reputation survives a restart", async () => {
    const { svc: a } = await startOpenkore();
    await a.call("POST", "/api/v1/social/reputation/adjust", { player_id: 5, player_name: "Pal", delta: 40, reason: "buffs", flags: { is_friend: true } }, AUTH);
    await a.stop({ keepData: true });
    const { svc: b } = await startOpenkore({ dataDir: a.dataDir });
    expect(await json(await b.call("GET", "/api/v1/social/reputation/5", undefined, AUTH))).toMatchObject({ reputation_score: 40, flags: { is_friend: true } });
    await b.stop();
  });
});

describe("rate limit", () => {
  test("over the per-client rate the reply is 429 RATE_LIMIT with Retry-After", async () => {
    const { svc: s } = await startOpenkore({ options: { rate_limit_per_second: 5 } });
    const codes: number[] = [];
    let last: Response | null = null;
    for (let i = 0; i < 8; i++) { last = await s.call("GET", "/api/v1/config/rules", undefined, AUTH); codes.push(last.status); }
    expect(codes.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
    expect(codes.at(-1)).toBe(429);
    expect(Number(last!.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expectEnvelope(await json(last!), "RATE_LIMIT");
    await s.stop();
  });
});

describe("player ids: one range everywhere, exact, never a 500", () => {
  // Raw JSON so the digits reach the server as written.
  const OUT_OF_RANGE = ["9223372036854775807", "9223372036854775808", "1e20", "9007199254740992", "9007199254740993", "-1", "12.5", '"12345"'];
  const bodies = (id: string): [string, string][] => [
    ["/api/v1/social/reputation/adjust", `{"player_id": ${id}, "delta": 5, "reason": "x"}`],
    ["/api/v1/social/chat/process", `{"sender_id": ${id}, "sender_name": "Big", "message": "hi", "channel": "whisper"}`],
    ["/api/v1/social/trade/evaluate", `{"trader_id": ${id}, "trader_name": "Big", "our_items": [], "their_items": [], "zeny_offered": 0}`],
  ];

  for (const id of OUT_OF_RANGE) {
    test(`${id} is 400 naming the field and its range in every body and in the path`, async () => {
      for (const [path, body] of bodies(id)) {
        const r = await svc.call("POST", path, body, AUTH);
        expect({ path, status: r.status }).toEqual({ path, status: 400 });
        const b = await json(r);
        expectEnvelope(b, "INVALID_REQUEST");
        expect((b.details as Json).field).toMatch(/^(player_id|sender_id|trader_id)$/);
        expect((b.details as Json).expected).toBe("integer 0..9007199254740991");
      }
      const g = await svc.call("GET", `/api/v1/social/reputation/${encodeURIComponent(id)}`, undefined, AUTH);
      expect(g.status).toBe(400);
      expect(((await json(g)).details as Json).expected).toBe("integer 0..9007199254740991");
    });
  }

  test("the largest id, 2^53−1, is stored exactly and read back by the GET route; its neighbour stays separate", async () => {
    const max = "9007199254740991";
    const prev = "9007199254740990";
    expect((await svc.call("POST", "/api/v1/social/reputation/adjust", `{"player_id": ${max}, "player_name": "Max", "delta": 7, "reason": "x"}`, AUTH)).status).toBe(200);
    expect((await svc.call("POST", "/api/v1/social/reputation/adjust", `{"player_id": ${prev}, "player_name": "Prev", "delta": -3, "reason": "x"}`, AUTH)).status).toBe(200);
    const a = await svc.call("GET", `/api/v1/social/reputation/${max}`, undefined, AUTH);
    expect(await a.text()).toContain(`"player_id":${max},"player_name":"Max","reputation_score":7`);
    expect(await json(await svc.call("GET", `/api/v1/social/reputation/${prev}`, undefined, AUTH))).toMatchObject({ player_name: "Prev", reputation_score: -3 });
  });
});

describe("reputation deltas beyond ±200", () => {
  test("are applied and the score is clamped to -100..100; the reply and note say what was applied", async () => {
    const down = await svc.call("POST", "/api/v1/social/reputation/adjust", { player_id: 4040, player_name: "Scammer", delta: -500, reason: "stole a Valkyrie Helm" }, AUTH);
    expect(down.status).toBe(200);
    const b = await json(down);
    expect(b).toMatchObject({ previous_score: 0, delta: -500, applied_delta: -100, reputation_score: -100, reputation_tier: "blocked", flags: { is_blacklisted: true } });
    expect((b.notes as Json[]).at(-1)).toMatchObject({ delta: -100, requested: -500, reason: "stole a Valkyrie Helm", score_after: -100 });
    const up = await json(await svc.call("POST", "/api/v1/social/reputation/adjust", { player_id: 4041, delta: 1_000_000, reason: "saved the guild" }, AUTH));
    expect(up).toMatchObject({ delta: 1_000_000, applied_delta: 100, reputation_score: 100, reputation_tier: "whitelisted" });
    expect((up.notes as Json[]).at(-1)).toMatchObject({ delta: 100, requested: 1_000_000 });
    const exact = await json(await svc.call("POST", "/api/v1/social/reputation/adjust", { player_id: 4042, delta: -30, reason: "scam" }, AUTH));
    expect((exact.notes as Json[]).at(-1)).toEqual({ at: expect.any(Number), delta: -30, reason: "scam", score_after: -30 });
  });

  test("non-numbers and fractions are still 400", async () => {
    for (const body of ['{"player_id": 4043, "delta": "-500", "reason": "x"}', '{"player_id": 4043, "delta": 2.5, "reason": "x"}', '{"player_id": 4043, "delta": null, "reason": "x"}', '{"player_id": 4043, "delta": 1e300, "reason": "x"}']) {
      const r = await svc.call("POST", "/api/v1/social/reputation/adjust", body, AUTH);
      expect({ body, status: r.status }).toEqual({ body, status: 400 });
      expect(((await json(r)).details as Json).field).toBe("delta");
    }
    expect((await svc.call("GET", "/api/v1/social/reputation/4043", undefined, AUTH)).status).toBe(404);
  });
});

describe("trade items without a price", () => {
  test("our Valkyrie Helm for their Red Potion from a friendly trader is not accepted, and the reply says why", async () => {
    await svc.call("POST", "/api/v1/social/reputation/adjust", { player_id: 6500, player_name: "Friendly", delta: 65, reason: "regular" }, AUTH);
    const r = await svc.call("POST", "/api/v1/social/trade/evaluate", { trader_id: 6500, trader_name: "Friendly", our_items: [{ name: "Valkyrie Helm", amount: 1 }], their_items: [{ id: 501, name: "Red Potion", amount: 1 }], zeny_offered: 0 }, AUTH);
    expect(r.status).toBe(200);
    expect(await json(r)).toEqual({
      decision: "reject_politely",
      reasoning: "No price for our Valkyrie Helm: what cannot be valued is never given away automatically",
      is_fair: false, fair_value_ratio: null, is_scam: false, response_message: "sorry, keeping my Valkyrie Helm",
      our_value: 0, their_value: 50, unknown_items: ["Valkyrie Helm"], our_unknown_items: ["Valkyrie Helm"], reputation_adjustment: 0,
    });
  });

  test("a big zeny offer for our unpriced item is not called bait (its worth is unknown) and is not accepted either", async () => {
    const b = await json(await svc.call("POST", "/api/v1/social/trade/evaluate", { trader_id: 6500, trader_name: "Friendly", our_items: [{ name: "Valkyrie Helm", amount: 1 }], their_items: [], zeny_offered: 5_000_000 }, AUTH));
    expect(b).toMatchObject({ decision: "reject_politely", is_scam: false, reputation_adjustment: 0 });
    expect((await json(await svc.call("GET", "/api/v1/social/reputation/6500", undefined, AUTH))).reputation_score).toBe(65);
  });

  test("an unpriced item on their side counts as nothing: a fair trade in priced items is still accepted", async () => {
    const b = await json(await svc.call("POST", "/api/v1/social/trade/evaluate", { trader_id: 6500, trader_name: "Friendly", our_items: [{ id: 501, name: "Red Potion", amount: 4 }], their_items: [{ id: 502, name: "Orange Potion", amount: 1 }, { name: "Mystery Box", amount: 1 }], zeny_offered: 0 }, AUTH));
    expect(b).toMatchObject({ decision: "accept", is_fair: true, our_value: 200, their_value: 200, fair_value_ratio: 1, unknown_items: ["Mystery Box"], our_unknown_items: [] });
  });
});
