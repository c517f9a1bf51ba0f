// TypeBox schemas for every request and reply (openkore-ai-engine.md §3.7).

import { Type, type Static } from "@sinclair/typebox";

const SessionId = Type.String({ minLength: 1, maxLength: 128, description: "Client session id" });
const JsonObject = Type.Record(Type.String(), Type.Unknown());

export const MemoryStoreBody = Type.Object({
  session_id: SessionId,
  event: JsonObject,
  importance: Type.Number({ minimum: 0, maximum: 1, default: 0.5 }),
});
export type MemoryStoreBody = Static<typeof MemoryStoreBody>;

export const MemoryRetrieveBody = Type.Object({
  session_id: SessionId,
  current_state: JsonObject,
  top_k: Type.Integer({ minimum: 1, maximum: 100, default: 5 }),
});
export type MemoryRetrieveBody = Static<typeof MemoryRetrieveBody>;

export const CrewExecuteBody = Type.Object({
  session_id: SessionId,
  task_type: Type.String({ description: "strategic | analysis" }),
  context: JsonObject,
  timeout_seconds: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
});
export type CrewExecuteBody = Static<typeof CrewExecuteBody>;

const Metadata = Type.Object({ timestamp: Type.Number(), processing_time_ms: Type.Number(), version: Type.String() });

export const MemoryStoreReply = Type.Object({
  status: Type.Literal("success"),
  memory_id: Type.String(),
  embedding_generated: Type.Boolean(),
  stored_at: Type.Number(),
  metadata: Metadata,
});

export const MemoryRetrieveReply = Type.Object({
  status: Type.Literal("success"),
  memories: Type.Array(
    Type.Object({
      memory_id: Type.String(),
      similarity: Type.Number(),
      score: Type.Number({ description: "similarity weighted by importance and recency; the ranking key" }),
      importance: Type.Number(),
      event: JsonObject,
      timestamp: Type.Number(),
    }),
  ),
  query_time_ms: Type.Number(),
  metadata: Metadata,
});

const ZenyAllocation = Type.Object({ consumables: Type.Number(), equipment: Type.Number(), reserve: Type.Number() });

/** The crew `result`; also the shape an LLM reply must have to replace the local plan. */
export const CrewResultSchema = Type.Object({
  strategic_plan: Type.Object({
    farming_location: Type.String(),
    estimated_exp_per_hour: Type.Number(),
    estimated_time_hours: Type.Number(),
    equipment_recommendations: Type.Array(Type.String()),
    consumable_requirements: Type.Record(Type.String(), Type.Number()),
  }),
  combat_strategy: Type.Object({
    skill_rotation: Type.Array(Type.String()),
    hp_threshold_heal: Type.Number({ minimum: 0, maximum: 1 }),
    sp_management: Type.String(),
  }),
  resource_plan: Type.Object({ zeny_allocation: ZenyAllocation }),
});
export type CrewResultShape = Static<typeof CrewResultSchema>;

export const CrewExecuteReply = Type.Object({
  status: Type.Literal("success"),
  task_id: Type.String(),
  result: CrewResultSchema,
  processing_time_ms: Type.Number(),
  agents_involved: Type.Array(Type.String()),
  planner: Type.String({ description: "deterministic | llm" }),
  metadata: Metadata,
});

export const HealthReply = Type.Object({
  status: Type.String(),
  services: Type.Object({ openmemory: Type.String(), crewai: Type.String(), database: Type.String() }),
  database: Type.Object({
    size_mb: Type.Number(),
    memories_stored: Type.Number(),
    last_backup: Type.Union([Type.Number(), Type.Null()]),
  }),
});
