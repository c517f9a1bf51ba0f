// TypeBox schemas for every openkore request and WebSocket message. Objects are
// closed (additionalProperties: false) so misspelt or extra fields are a 400.
import { Type as T, type Static, type TSchema } from "@sinclair/typebox";

const Closed = { additionalProperties: false } as const;
/**
 * Ids (players, senders, traders, monsters, items, skills): JSON integers 0..2^53−1. The
 * spec's clients send RO ids (32-bit) as JSON numbers; every integer up to 2^53−1 survives
 * JSON parsing exactly, anything larger would already have lost digits, so it is a 400.
 */
export const ID_MAX = Number.MAX_SAFE_INTEGER;
const Id = T.Integer({ minimum: 0, maximum: ID_MAX, description: "integer 0..9007199254740991" });
const Count = T.Integer({ minimum: 0, maximum: ID_MAX });
const Name = T.String({ minLength: 1, maxLength: 64 });
/** Coordinates, distances, budgets, durations: finite and bounded. */
const Num = T.Number({ minimum: 0, maximum: 1e9 });
const SessionId = T.String({ minLength: 1, maxLength: 64 });

/** A path parameter id under the same rule as body ids; null when it breaks it. */
export function parseIdParam(raw: string): number | null {
  if (!/^\d{1,16}$/.test(raw)) return null;
  const n = Number(raw);
  return n <= ID_MAX ? n : null;
}

export const Position = T.Object({ x: Num, y: Num }, Closed);
export const MapPosition = T.Object({ x: Num, y: Num, map: Name }, Closed);

export const Player = T.Object({
  id: Id, name: Name, level: T.Integer({ minimum: 1, maximum: 999 }),
  job: T.String({ minLength: 1, maxLength: 64, default: "Novice" }),
  job_level: T.Integer({ minimum: 1, maximum: 999, default: 1 }),
  hp: Count, hp_max: T.Integer({ minimum: 1, maximum: ID_MAX }), sp: Count, sp_max: Count,
  position: MapPosition,
  status: T.Array(T.String({ maxLength: 64 }), { maxItems: 64, default: [] }),
  weight: T.Integer({ minimum: 0, maximum: ID_MAX, default: 0 }), weight_max: T.Integer({ minimum: 0, maximum: ID_MAX, default: 0 }),
}, Closed);

export const Monster = T.Object({
  id: Id, name: T.String({ maxLength: 64 }), level: T.Optional(T.Integer({ minimum: 0, maximum: 999 })),
  hp_percent: T.Optional(T.Number({ minimum: 0, maximum: 100 })),
  position: Position, distance: Num, aggressive: T.Boolean({ default: false }),
}, Closed);
export const Item = T.Object({ id: Id, name: T.String({ maxLength: 64 }), quantity: Count }, Closed);
export const Skill = T.Object({ id: Id, name: T.String({ maxLength: 64 }), level: T.Integer({ minimum: 0, maximum: 999 }), sp_cost: Count }, Closed);
export const PartyMember = T.Object({ id: Id, name: T.String({ maxLength: 64 }), hp_percent: T.Optional(T.Number({ minimum: 0, maximum: 100 })) }, Closed);

const stateFields = {
  timestamp: T.Optional(Count),
  tick_number: T.Optional(Count),
  player: Player,
  monsters: T.Array(Monster, { maxItems: 500, default: [] }),
  items: T.Array(Item, { maxItems: 1000, default: [] }),
  party: T.Array(PartyMember, { maxItems: 20, default: [] }),
  skills: T.Array(Skill, { maxItems: 200, default: [] }),
};
export const StateBody = T.Object({ session_id: SessionId, ...stateFields }, Closed);
export type StateBody = Static<typeof StateBody>;
/** The `data` of a WS state frame: the same state without a session (the socket has one). */
export const StateData = T.Object({ session_id: T.Optional(SessionId), ...stateFields }, Closed);

/** Readable `expected` texts for the fields clients most often get wrong. */
export const EXPECTED: Record<string, string> = {
  "player.position": "object with x, y, map",
  player: "object with id, name, level, hp, hp_max, sp, sp_max, position",
  "player.hp": "integer ≥ 0 and ≤ player.hp_max",
  "player.sp": "integer ≥ 0 and ≤ player.sp_max",
  session_id: "session id from POST /api/v1/handshake",
  player_id: "integer 0..9007199254740991",
  sender_id: "integer 0..9007199254740991",
  trader_id: "integer 0..9007199254740991",
  "player.id": "integer 0..9007199254740991",
  delta: "integer (the resulting score is clamped to -100..100)",
};

export const HandshakeBody = T.Object({
  client: Name,
  client_version: T.String({ minLength: 1, maxLength: 32 }),
  pid: T.Optional(Count),
  capabilities: T.Array(T.String({ maxLength: 64 }), { maxItems: 32, default: [] }),
  authentication_token: T.Optional(T.String({ maxLength: 256 })),
}, Closed);

export const MacroExecuteBody = T.Object({
  session_id: SessionId,
  macro_name: T.String({ minLength: 1, maxLength: 64, pattern: "^[A-Za-z0-9_\\-]+$" }),
  parameters: T.Record(T.String({ maxLength: 64 }), T.Union([T.String({ maxLength: 256 }), T.Number(), T.Boolean()]), { default: {}, maxProperties: 32 }),
}, Closed);

export const MacroGenerateBody = T.Object({
  session_id: SessionId,
  purpose: T.String({ minLength: 1, maxLength: 500 }),
  constraints: T.Object({
    avoid_mvp: T.Optional(T.Boolean()),
    max_distance_from_spawn: T.Optional(Num),
    consumable_budget: T.Optional(T.Integer({ minimum: 0, maximum: ID_MAX })),
  }, { ...Closed, default: {} }),
  context: T.Object({
    character_level: T.Optional(T.Integer({ minimum: 1, maximum: 999 })),
    character_job: T.Optional(Name),
    available_skills: T.Optional(T.Array(Name, { maxItems: 64 })),
  }, { ...Closed, default: {} }),
}, Closed);

export const CONFIG_TYPES = ["rules", "macros", "social", "llm"] as const;
export type ConfigType = (typeof CONFIG_TYPES)[number];
export const ConfigReloadBody = T.Object({
  session_id: T.Optional(SessionId),
  config_type: T.Union(CONFIG_TYPES.map((c) => T.Literal(c))),
  reason: T.Optional(T.String({ maxLength: 500 })),
}, Closed);

const TierName = T.Union([T.Literal("reflex"), T.Literal("rule"), T.Literal("ml"), T.Literal("llm")]);
export const MetricsLogBody = T.Object({
  session_id: SessionId,
  decision_tier: TierName,
  action_type: T.String({ minLength: 1, maxLength: 32 }),
  success: T.Boolean(),
  // Stored with every log: flat and bounded (the spec's outcome is flat scalars).
  outcome: T.Record(T.String({ maxLength: 64 }), T.Union([T.String({ maxLength: 256 }), T.Number(), T.Boolean(), T.Null()]), { default: {}, maxProperties: 32 }),
  processing_time_ms: T.Optional(Num),
}, Closed);

const Channel = T.Union([T.Literal("whisper"), T.Literal("party"), T.Literal("guild"), T.Literal("public")]);
export const ChatBody = T.Object({
  sender_id: Id, sender_name: Name, message: T.String({ minLength: 1, maxLength: 500 }),
  channel: Channel, conversation_id: T.Optional(T.String({ maxLength: 128 })),
}, Closed);

const TradeItem = T.Object({ id: T.Optional(Id), name: Name, amount: T.Integer({ minimum: 1, maximum: 1_000_000 }) }, Closed);
export const TradeBody = T.Object({
  trader_id: Id, trader_name: Name,
  our_items: T.Array(TradeItem, { maxItems: 12 }), their_items: T.Array(TradeItem, { maxItems: 12 }),
  zeny_offered: T.Integer({ minimum: 0, maximum: 1_000_000_000 }),
  zeny_requested: T.Optional(T.Integer({ minimum: 0, maximum: 1_000_000_000 })),
}, Closed);

export const ReputationAdjustBody = T.Object({
  player_id: Id,
  player_name: T.Optional(Name),
  // Any integer: the score is clamped to score_min..score_max (REFERENCE §1), not the delta.
  delta: T.Optional(T.Integer({ minimum: -ID_MAX, maximum: ID_MAX })),
  kind: T.Optional(T.String({ minLength: 1, maxLength: 32 })),
  reason: T.String({ minLength: 1, maxLength: 500 }),
  flags: T.Optional(T.Object({ is_friend: T.Optional(T.Boolean()), is_guild_member: T.Optional(T.Boolean()), is_blacklisted: T.Optional(T.Boolean()) }, Closed)),
}, Closed);

// /api/v1/decide: the original plugin's body; objects stay open because that client sends extras.
const LegacyPos = T.Object({ map: Name, x: Num, y: Num });
export const DecideBody = T.Object({
  request_id: T.Optional(T.String({ maxLength: 128 })),
  session_id: T.Optional(SessionId),
  game_state: T.Object({
    character: T.Object({
      name: Name, level: T.Integer({ minimum: 1, maximum: 999 }), hp: Count, max_hp: T.Integer({ minimum: 1 }),
      sp: Count, max_sp: Count, position: LegacyPos,
      weight: T.Optional(Count), max_weight: T.Optional(Count), job_class: T.Optional(Name),
      status_effects: T.Optional(T.Array(T.String({ maxLength: 64 }), { maxItems: 64 })), zeny: T.Optional(Count),
    }),
    monsters: T.Optional(T.Array(T.Object({
      id: T.Union([T.String({ maxLength: 64 }), Id]), name: T.String({ maxLength: 64 }), distance: Num,
      hp: T.Optional(Count), max_hp: T.Optional(Count), is_aggressive: T.Optional(T.Boolean()),
      position: T.Optional(Position),
    }), { maxItems: 500 })),
    inventory: T.Optional(T.Array(T.Object({ id: T.Union([T.String({ maxLength: 64 }), Id]), name: T.String({ maxLength: 64 }), amount: Count }), { maxItems: 1000 })),
    nearby_players: T.Optional(T.Array(T.Object({ name: T.String({ maxLength: 64 }), is_party_member: T.Optional(T.Boolean()) }), { maxItems: 200 })),
  }),
});

// WebSocket frames (client → server).
export const WsAuth = T.Object({ type: T.Literal("auth"), token: T.String({ maxLength: 256 }), session_id: T.Optional(SessionId) }, Closed);
export const WsState = T.Object({ type: T.Literal("state"), timestamp: T.Optional(Count), seq: T.Optional(Count), data: StateData }, Closed);
export const WsPing = T.Object({ type: T.Literal("ping") }, Closed);
export const WsIn = T.Union([WsAuth, WsState, WsPing]);

export const Schemas: Record<string, TSchema> = {
  StateBody, HandshakeBody, MacroExecuteBody, MacroGenerateBody, ConfigReloadBody, MetricsLogBody, ChatBody, TradeBody, ReputationAdjustBody, DecideBody, WsIn,
};
