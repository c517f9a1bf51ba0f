// Social routes (§10): chat, trade evaluation, reputation read and adjust.
import { ApiError } from "../../runtime/errors.ts";
import { route, type RouteDef } from "../../runtime/service.ts";
import type { App } from "./app.ts";
import { processChat } from "./engine/social/chat.ts";
import { adjust, adjustmentDelta, newPlayer, tierOf, type PlayerRecord } from "./engine/social/reputation.ts";
import { evaluateTrade } from "./engine/social/trade.ts";
import { notFound, serial, validationError } from "./guard.ts";
import { ChatReply, ReputationAdjustReply, ReputationReply, TradeReply, withErrors } from "./schema-replies.ts";
import { ChatBody, EXPECTED, ID_MAX, parseIdParam, ReputationAdjustBody, TradeBody } from "./schema.ts";

export function socialRoutes(a: App): RouteDef[] {
  const { g, core, configs } = a;
  const store = core.store;
  const load = (id: number, name: string): PlayerRecord => {
    const p = store.player(id) ?? newPlayer(id, name, g.now());
    return name && p.player_name !== name ? { ...p, player_name: name } : p;
  };
  const view = (p: PlayerRecord): Record<string, unknown> => ({
    player_id: p.player_id, player_name: p.player_name, reputation_score: p.reputation_score,
    reputation_tier: tierOf(p.reputation_score, configs.social), total_interactions: p.total_interactions,
    positive_interactions: p.positive_interactions, negative_interactions: p.negative_interactions,
    flags: { is_friend: p.flags.is_friend, is_guild_member: p.flags.is_guild_member, is_blacklisted: p.flags.is_blacklisted },
    notes: p.notes.slice(-10),
  });
  return [
    route({
      method: "POST", path: "/api/v1/social/chat/process", body: ChatBody, summary: "Decide whether and how to answer chat",
      responses: withErrors({ 200: ChatReply }),
      validationError: validationError("INVALID_REQUEST", g),
      handler: (c) => serial(c, g, () => {
        const now = g.now();
        const b = c.body;
        const rec = load(b.sender_id, b.sender_name);
        const r = processChat(b, rec, a.chatTimes.recent(b.sender_id, now), now, core.rng, configs.social);
        a.chatTimes.record(b.sender_id, now);
        if (r.reputation_adjustment !== 0) store.savePlayer(adjust(rec, r.reputation_adjustment, r.adjustment_kind ?? "chat", now, configs.social), now);
        else if (!store.player(b.sender_id)) store.savePlayer(rec, now);
        return {
          should_respond: r.should_respond, response_message: r.response_message, delay_ms: r.delay_ms,
          reasoning: r.reasoning, reputation_adjustment: r.reputation_adjustment,
        };
      }),
    }),
    route({
      method: "POST", path: "/api/v1/social/trade/evaluate", body: TradeBody, summary: "Evaluate a trade offer",
      responses: withErrors({ 200: TradeReply }),
      validationError: validationError("INVALID_REQUEST", g),
      handler: (c) => serial(c, g, () => {
        const now = g.now();
        const rec = load(c.body.trader_id, c.body.trader_name);
        const r = evaluateTrade(c.body, rec, configs.prices, configs.social);
        if (r.reputation_adjustment !== 0) store.savePlayer(adjust(rec, r.reputation_adjustment, `scam: ${r.reasoning}`, now, configs.social), now);
        return {
          decision: r.decision, reasoning: r.reasoning, is_fair: r.is_fair, fair_value_ratio: r.fair_value_ratio, is_scam: r.is_scam,
          response_message: r.response_message, our_value: r.our_value, their_value: r.their_value,
          unknown_items: r.unknown_items, our_unknown_items: r.our_unknown_items, reputation_adjustment: r.reputation_adjustment,
        };
      }),
    }),
    route({
      method: "GET", path: "/api/v1/social/reputation/:player_id", summary: "A player's reputation",
      responses: withErrors({ 200: ReputationReply }, [404]),
      handler: (c) => {
        const raw = c.params.player_id ?? "";
        const id = parseIdParam(raw);
        if (id === null) { g.stats.error(); throw new ApiError(400, "INVALID_REQUEST", `Invalid player_id ${JSON.stringify(raw.slice(0, 40))}: expected an integer 0..${ID_MAX}`, { field: "player_id", expected: EXPECTED.player_id, received: raw.slice(0, 40) }); }
        const p = store.player(id);
        if (!p) throw notFound(g, "PLAYER_NOT_FOUND", `No reputation record for player ${id}`, { player_id: id });
        return view(p);
      },
    }),
    route({
      method: "POST", path: "/api/v1/social/reputation/adjust", body: ReputationAdjustBody, summary: "Adjust a player's reputation",
      responses: withErrors({ 200: ReputationAdjustReply }),
      validationError: validationError("INVALID_REQUEST", g),
      handler: (c) => serial(c, g, () => {
        const b = c.body;
        let delta: number | undefined = b.delta;
        if (delta === undefined && b.kind !== undefined) {
          delta = adjustmentDelta(b.kind, configs.social);
          if (delta === undefined) { g.stats.error(); throw new ApiError(400, "INVALID_REQUEST", `Unknown adjustment kind ${b.kind}`, { field: "kind", expected: Object.keys(configs.social.adjustments).join(", ") }); }
        }
        if (delta === undefined) { g.stats.error(); throw new ApiError(400, "INVALID_REQUEST", "Missing required field: delta (or kind)", { field: "delta", expected: "integer, or kind" }); }
        const now = g.now();
        const before = load(b.player_id, b.player_name ?? "");
        let after = adjust(before, delta, b.reason, now, configs.social);
        if (b.flags) after = { ...after, flags: { ...after.flags, ...b.flags } };
        store.savePlayer(after, now);
        // delta is what was asked; applied_delta what the clamp to score_min..score_max let through.
        return { status: "success", previous_score: before.reputation_score, delta, applied_delta: after.reputation_score - before.reputation_score, ...view(after) };
      }),
    }),
  ];
}
