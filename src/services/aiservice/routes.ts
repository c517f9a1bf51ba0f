// Endpoint table (openkore-ai-engine.md §3.7): validate, call the memory bank or the
// crew, shape the reply. Errors use the §4.1 envelope (runtime openkoreProfile).

import { CREW_EXPECTED } from "../../contracts/openkore-ai.ts";
import { ApiError } from "../../runtime/errors.ts";
import { llmHealth, type LlmProvider } from "../../runtime/llm.ts";
import { route, type RequestContext, type RouteDef } from "../../runtime/service.ts";
import type { ValidationIssue } from "../../runtime/validation.ts";
import type { Backups } from "./backup.ts";
import { AGENTS } from "./engine/index.ts";
import type { CrewRunner } from "./crew.ts";
import type { MemoryBank } from "./memory.ts";
import type { AiServiceOptions } from "./options.ts";
import {
  CrewExecuteBody,
  CrewExecuteReply,
  HealthReply,
  MemoryRetrieveBody,
  MemoryRetrieveReply,
  MemoryStoreBody,
  MemoryStoreReply,
} from "./schema.ts";
import type { AiStore } from "./store.ts";

export interface RouteDeps {
  readonly opts: AiServiceOptions;
  readonly bank: MemoryBank;
  readonly crew: CrewRunner;
  readonly store: AiStore;
  readonly backups: Backups;
  readonly embedderName: string;
  readonly now: () => number;
  /** The kernel's LLM provider (the crew's planner when not local): health reports what its calls found. */
  readonly llm?: LlmProvider;
}

export const API_VERSION = "2.0";

/**
 * "Missing required field: x" for absent fields (as §3.3's example), "Unknown field x" for
 * fields the contract does not have, "Unknown task type: x" (as the spec's service), else
 * what was expected and what came.
 */
export function invalidRequest(issue: ValidationIssue, body?: unknown): ApiError {
  const expected = CREW_EXPECTED[issue.field] ?? issue.expected;
  const taskType = issue.field === "task_type" && typeof body === "object" && body !== null ? (body as { task_type?: unknown }).task_type : undefined;
  let message: string;
  if (issue.received === "missing") message = `Missing required field: ${issue.field}`;
  else if (/^no such field|unexpected property|additional propert/i.test(issue.expected)) message = `Unknown field "${issue.field}"`;
  else if (typeof taskType === "string") message = `Unknown task type: ${taskType}`;
  else message = `Invalid field "${issue.field}": expected ${expected}, got ${issue.received}`;
  return new ApiError(400, "INVALID_REQUEST", message, { field: issue.field, expected, received: issue.received });
}

function limitSize(field: string, value: unknown, maxBytes: number): void {
  const bytes = Buffer.byteLength(JSON.stringify(value));
  if (bytes > maxBytes) {
    throw new ApiError(400, "INVALID_REQUEST", `Field "${field}" is ${bytes} bytes; the limit is ${maxBytes}`, {
      field,
      expected: `at most ${maxBytes} bytes of JSON`,
      received: `${bytes} bytes`,
    });
  }
}

function metadata(ctx: RequestContext, now: () => number): { timestamp: number; processing_time_ms: number; version: string } {
  return { timestamp: now(), processing_time_ms: Math.round((performance.now() - ctx.startedAt) * 1000) / 1000, version: API_VERSION };
}

export function buildRoutes(d: RouteDeps): RouteDef[] {
  const validationError = (issue: ValidationIssue, ctx: RequestContext): ApiError => invalidRequest(issue, ctx.body);
  return [
    route({
      method: "POST",
      path: "/api/memory/store",
      summary: "Store an episodic memory with its embedding",
      body: MemoryStoreBody,
      responses: { 200: MemoryStoreReply },
      validationError,
      handler: async (ctx) => {
        const b = ctx.body;
        limitSize("event", b.event, d.opts.max_event_bytes);
        const m = await d.bank.remember(b.session_id, b.event, b.importance);
        return {
          status: "success",
          memory_id: m.memoryId,
          embedding_generated: m.generated,
          stored_at: m.storedAt,
          metadata: metadata(ctx, d.now),
        };
      },
    }),
    route({
      method: "POST",
      path: "/api/memory/retrieve",
      summary: "Top-k most similar memories of a session",
      body: MemoryRetrieveBody,
      responses: { 200: MemoryRetrieveReply },
      validationError,
      handler: async (ctx) => {
        const b = ctx.body;
        limitSize("current_state", b.current_state, d.opts.max_event_bytes);
        const started = performance.now();
        const memories = await d.bank.recall(b.session_id, b.current_state, b.top_k);
        const queryMs = Math.round((performance.now() - started) * 1000) / 1000;
        return { status: "success", memories, query_time_ms: queryMs, metadata: metadata(ctx, d.now) };
      },
    }),
    route({
      method: "POST",
      path: "/api/crew/execute",
      summary: "Run the strategic_planner / combat_tactician / resource_manager crew",
      body: CrewExecuteBody,
      responses: { 200: CrewExecuteReply },
      validationError,
      handler: async (ctx) => {
        const b = ctx.body;
        const timeout = b.timeout_seconds ?? d.opts.default_timeout_seconds;
        if (timeout > d.opts.max_timeout_seconds) {
          throw invalidRequest({ field: "timeout_seconds", expected: `a number in (0, ${d.opts.max_timeout_seconds}]`, received: String(timeout) });
        }
        const out = await d.crew.execute(b.session_id, b.task_type, b.context, timeout);
        return {
          status: "success",
          task_id: out.taskId,
          result: out.result,
          processing_time_ms: Math.round(out.processingMs * 1000) / 1000,
          agents_involved: [...AGENTS],
          planner: out.planner,
          metadata: metadata(ctx, d.now),
        };
      },
    }),
    route({
      method: "GET",
      path: "/api/health",
      summary: "Service, database and backup status",
      responses: { 200: HealthReply },
      handler: () => health(d),
    }),
  ];
}

function health(d: RouteDeps): unknown {
  let dbOk = false;
  let dbError = "";
  try {
    dbOk = d.store.ping();
  } catch (e) {
    dbError = e instanceof Error ? e.message : String(e);
  }
  const body = {
    status: dbOk ? "healthy" : "unhealthy",
    services: { openmemory: "operational", crewai: "operational", database: dbOk ? "operational" : "down" },
    database: {
      size_mb: Math.round((d.store.sizeBytes() / 1_048_576) * 100) / 100,
      memories_stored: d.bank.memoriesStored,
      last_backup: d.backups.lastBackup,
      ...(d.backups.lastError ? { last_backup_error: d.backups.lastError } : {}),
    },
    sessions: d.bank.sessionCount,
    embedding: { provider: d.embedderName, dim: d.opts.embedding_dim },
    crew_planner: d.crew.plannerName,
    ...(d.llm ? { llm: { provider: d.llm.name, model: d.llm.model, ...llmHealth(d.llm) } } : {}),
  };
  if (dbOk) return body;
  return Response.json({ ...body, issues: [`database check failed${dbError ? `: ${dbError}` : ""}`] }, { status: 503 });
}
