// TypeBox schemas of every request and reply (mall-sim-bridge.md, locked contract).
import { Type } from "@sinclair/typebox";
import { SingleLine } from "../../runtime/text-schema.ts";

/** Longest config path (PATH_MAX on Linux). */
export const MAX_CONFIG_PATH = 4096;
/** Longest zone, entity, NPC or document id in a player event. */
export const MAX_EVENT_ID = 128;

export const InitBody = Type.Object({
  config_path: Type.Optional(SingleLine(MAX_CONFIG_PATH, { minLength: 1, description: 'Path to a world folder. Default "config".' })),
});

/** An id field of a player event; null counts as absent (`from_zone: null`). */
const EventId = (description: string) => Type.Optional(Type.Union([Type.Null(), SingleLine(MAX_EVENT_ID, { description })]));

/**
 * Shapes and sizes only: which fields a type requires, and whether ids name known zones,
 * is checked by the engine's event resolver, which names the exact field at fault.
 */
export const PlayerEvent = Type.Union([
  Type.Null(),
  Type.Object({
    type: Type.Optional(SingleLine(32, { description: "move | interact | discover | wait | run" })),
    to_zone: EventId("move: destination zone id"),
    from_zone: EventId("move: origin zone id"),
    zone: EventId("interact, discover, run: zone id"),
    target: EventId("interact: entity or object id"),
    document: EventId("discover: document or log id"),
  }),
]);

export const TickBody = Type.Object({
  dt: Type.Number({ exclusiveMinimum: 0, maximum: 10, description: "Delta time in seconds, (0, 10]" }),
  player_event: Type.Optional(PlayerEvent),
});

export const ResetBody = Type.Object({
  keep_memory: Type.Optional(Type.Boolean({ description: "Keep discovery/contradiction history" })),
});

export const ErrorReply = Type.Object({ error: Type.String(), traceback: Type.Optional(Type.String()) });

export const HealthReply = Type.Object({
  status: Type.Literal("ok"),
  service: Type.Literal("mall-sim-v6-bridge"),
  world_initialized: Type.Boolean(),
});

export const InitReply = Type.Object({
  status: Type.Literal("initialized"),
  config_path: Type.String(),
  cloud_level: Type.Number(),
  zones_loaded: Type.Integer(),
  npcs_loaded: Type.Integer(),
});

const Mood = Type.Union(["calm", "uneasy", "strained", "critical"].map((m) => Type.Literal(m)));
const Trend = Type.Union(["stable", "rising", "falling", "spiking"].map((m) => Type.Literal(m)));

export const CloudObject = Type.Object({
  level: Type.Number({ minimum: 0, maximum: 100 }),
  mood: Mood,
  trend: Trend,
  pressure_rate: Type.Number(),
  bleed_tier: Type.Integer({ minimum: 0, maximum: 3 }),
  bleed_ready: Type.Boolean(),
});

export const StatusReply = Type.Object({
  cloud: CloudObject,
  zones_count: Type.Integer(),
  npcs_count: Type.Integer(),
  session: Type.Object({ count: Type.Integer(), total_playtime: Type.Number() }),
  stats: Type.Object({ discoveries: Type.Integer(), contradictions: Type.Integer(), entities_loaded: Type.Integer() }),
});

export const ZoneState = Type.Object({
  zone_id: Type.String(),
  turbulence: Type.Number({ minimum: 0, maximum: 10 }),
  resonance: Type.Number({ minimum: 0 }),
  qbit_aggregate: Type.Number(),
  qbit_power: Type.Number(),
  qbit_charisma: Type.Number(),
  qbit_entity_count: Type.Integer(),
  swarm_bias: Type.Object({
    color_weight: Type.Number(),
    clustering: Type.Number(),
    speed: Type.Number({ minimum: 0.5, maximum: 2 }),
    avoidance: Type.Array(Type.String()),
  }),
  adjacency: Type.Record(Type.String(), Type.Number()),
});

export const TickReply = Type.Object({
  timestamp: Type.Number(),
  cloud: CloudObject,
  zones: Type.Record(Type.String(), ZoneState),
  npcs: Type.Array(
    Type.Object({
      id: Type.String(),
      zone: Type.String(),
      state: Type.Union(["idle", "patrol", "alert", "suspicious", "hostile", "contradiction"].map((s) => Type.Literal(s))),
      behavior_hint: Type.String(),
    }),
  ),
  events: Type.Array(Type.Object({ type: Type.String(), timestamp: Type.Number(), details: Type.Record(Type.String(), Type.Unknown()) })),
});

export const ResetReply = Type.Object({
  status: Type.Literal("reset"),
  keep_memory: Type.Boolean(),
  cloud_level: Type.Number(),
});
