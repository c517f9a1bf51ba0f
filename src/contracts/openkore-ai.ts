// The engine ↔ AI-service contract (openkore-ai-engine.md §3.7): one TypeBox schema per
// message. The AI service validates requests and its own replies with these schemas; the
// engine builds its requests from the types and validates every reply before using it.
// Neither service imports the other: both import this module.
import { Type as T, type Static } from "@sinclair/typebox";
import { MAP_ID_PATTERN, MapId } from "./ro-maps.ts";

const Closed = { additionalProperties: false } as const;

/** Longest free text the contract carries (goals, purposes). */
export const MAX_GOAL_CHARS = 500;
export const MAX_SKILLS = 64;
export const MAX_NAME_CHARS = 64;
/** Levels: pre-renewal tops at 99, renewal servers go higher; the planner's table caps at 99. */
export const MAX_LEVEL = 999;

const Name = T.String({ minLength: 1, maxLength: MAX_NAME_CHARS });
const Level = T.Integer({ minimum: 1, maximum: MAX_LEVEL });
const Zeny = T.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });

export const CrewCharacter = T.Object({
  level: T.Optional(Level),
  job: T.Optional(Name),
  zeny: T.Optional(Zeny),
  current_goal: T.Optional(T.String({ maxLength: MAX_GOAL_CHARS, description: 'e.g. "Reach level 90"' })),
  target_level: T.Optional(Level),
  skills: T.Optional(T.Array(Name, { maxItems: MAX_SKILLS, description: "skills the character has; the rotation uses only these" })),
}, Closed);

export const CrewConstraints = T.Object({
  time_budget_hours: T.Optional(T.Number({ exclusiveMinimum: 0, maximum: 10_000 })),
  consumable_budget: T.Optional(Zeny),
}, Closed);

export const CrewPerformance = T.Object({
  exp_per_hour: T.Optional(T.Number({ minimum: 0, maximum: 1e10 })),
  hours_played: T.Optional(T.Number({ exclusiveMinimum: 0, maximum: 100_000 })),
  deaths: T.Optional(T.Integer({ minimum: 0, maximum: 1_000_000 })),
  map: T.Optional(Name),
}, Closed);

export const CrewContext = T.Object({
  character: T.Optional(CrewCharacter),
  constraints: T.Optional(CrewConstraints),
  performance: T.Optional(CrewPerformance),
  preferred_map: T.Optional(T.String({ pattern: MAP_ID_PATTERN, description: "map id the client asked for; planned there when the planner has data for it" })),
}, Closed);
export type CrewContext = Static<typeof CrewContext>;

export const TASK_TYPES = ["strategic", "analysis"] as const;
export type TaskType = (typeof TASK_TYPES)[number];

export const CrewRequest = T.Object({
  session_id: T.String({ minLength: 1, maxLength: 128 }),
  task_type: T.Union(TASK_TYPES.map((t) => T.Literal(t))),
  context: CrewContext,
  timeout_seconds: T.Optional(T.Number({ exclusiveMinimum: 0, maximum: 3600 })),
}, Closed);
export type CrewRequest = Static<typeof CrewRequest>;

/** Readable `expected` texts for the contract's fields (validation details). */
export const CREW_EXPECTED: Record<string, string> = {
  task_type: TASK_TYPES.join(" | "),
  "context.character.level": `integer 1..${MAX_LEVEL}`,
  "context.character.target_level": `integer 1..${MAX_LEVEL}`,
  "context.character.zeny": "integer ≥ 0",
  "context.character.skills": `array of at most ${MAX_SKILLS} skill names`,
  "context.constraints.time_budget_hours": "number > 0 and ≤ 10000",
  "context.constraints.consumable_budget": "integer ≥ 0",
  "context.performance.exp_per_hour": "number 0..1e10",
  "context.performance.hours_played": "number > 0 and ≤ 100000",
  "context.performance.deaths": "integer 0..1000000",
  "context.preferred_map": "RO map id (lower-case letters, digits, _), e.g. c_tower3",
};

// Replies: objects stay open so the AI service may add fields without breaking the engine.
export const StrategicPlan = T.Object({
  farming_location: T.String({ minLength: 1 }),
  map_id: MapId,
  estimated_exp_per_hour: T.Number({ minimum: 0 }),
  estimated_time_hours: T.Number({ minimum: 0 }),
  target_level: T.Optional(T.Integer({ minimum: 1 })),
  within_time_budget: T.Optional(T.Boolean()),
  equipment_recommendations: T.Array(T.String()),
  consumable_requirements: T.Record(T.String(), T.Number({ minimum: 0 })),
});

export const CombatStrategy = T.Object({
  skill_rotation: T.Array(T.String({ minLength: 1 }), { minItems: 1 }),
  hp_threshold_heal: T.Number({ minimum: 0, maximum: 1 }),
  sp_threshold: T.Optional(T.Number({ minimum: 0, maximum: 1 })),
  sp_management: T.String(),
});

export const ResourcePlan = T.Object({
  zeny_allocation: T.Object({ consumables: T.Number(), equipment: T.Number(), reserve: T.Number() }),
});

export const Analysis = T.Object({
  exp_efficiency: T.Union([T.Number(), T.Null()]),
  deaths_per_hour: T.Union([T.Number(), T.Null()]),
  findings: T.Array(T.String()),
});

export const CrewResult = T.Object({
  strategic_plan: StrategicPlan,
  combat_strategy: CombatStrategy,
  resource_plan: ResourcePlan,
  analysis: T.Optional(Analysis),
  summary: T.Optional(T.String()),
  notes: T.Optional(T.Array(T.String())),
});
export type CrewResult = Static<typeof CrewResult>;

export const ReplyMetadata = T.Object({ timestamp: T.Number(), processing_time_ms: T.Number(), version: T.String() });

export const CrewReply = T.Object({
  status: T.Literal("success"),
  task_id: T.String(),
  result: CrewResult,
  processing_time_ms: T.Number({ minimum: 0 }),
  agents_involved: T.Array(T.String()),
  planner: T.Optional(T.Union([T.Literal("deterministic"), T.Literal("llm")])),
  metadata: T.Optional(ReplyMetadata),
});
export type CrewReply = Static<typeof CrewReply>;

export const AiHealthReply = T.Object({
  status: T.Union([T.Literal("healthy"), T.Literal("unhealthy")]),
  services: T.Object({ openmemory: T.String(), crewai: T.String(), database: T.String() }),
  database: T.Object({
    size_mb: T.Number({ minimum: 0 }),
    memories_stored: T.Integer({ minimum: 0 }),
    last_backup: T.Union([T.Number(), T.Null()]),
  }),
  issues: T.Optional(T.Array(T.String())),
});
export type AiHealthReply = Static<typeof AiHealthReply>;

export const CREW_PATH = "/api/crew/execute";
export const HEALTH_PATH = "/api/health";
