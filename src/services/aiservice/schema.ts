// TypeBox schemas for every request and reply (openkore-ai-engine.md §3.7).

import { Type, type Static } from "@sinclair/typebox";
import { AiHealthReply, CrewReply, CrewRequest, CrewResult, ReplyMetadata } from "../../contracts/openkore-ai.ts";

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

/** The crew request is the engine ↔ AI-service contract itself (closed objects). */
export const CrewExecuteBody = CrewRequest;
export type CrewExecuteBody = Static<typeof CrewExecuteBody>;

export const Metadata = ReplyMetadata;

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

/** The crew `result`; also the shape an LLM reply must have to replace the local plan. */
export const CrewResultSchema = CrewResult;
export type CrewResultShape = Static<typeof CrewResult>;
export const CrewExecuteReply = CrewReply;

export const HealthReply = AiHealthReply;
