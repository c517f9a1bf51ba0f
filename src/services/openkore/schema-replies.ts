// TypeBox schemas of every openkore reply, for the OpenAPI document and for tests that
// check real replies against them. Objects are open: documented fields are required,
// added ones allowed.
import { Type as T, type TSchema } from "@sinclair/typebox";
import { ACTION_TYPES, TIERS } from "./engine/types.ts";

const Str = T.String();
const Num = T.Number();
const Int = T.Integer();
const Nullable = <S extends TSchema>(s: S) => T.Union([s, T.Null()]);

export const ErrorReply = T.Object({
  status: T.Literal("error"),
  error_code: Str,
  message: Str,
  details: T.Record(Str, T.Unknown()),
  error: T.Object({ code: Str, message: Str, details: T.Record(Str, T.Unknown()) }),
  metadata: T.Object({ timestamp: Num, request_id: Str }),
}, { description: "§4.1 / §6.1 error envelope" });

export const ActionReply = T.Object({
  type: T.Union(ACTION_TYPES.map((a) => T.Literal(a))),
  reason: Str,
  target_id: T.Optional(Int), skill_id: T.Optional(Int), skill_name: T.Optional(Str), item_id: T.Optional(Int), item_name: T.Optional(Str),
  command: T.Optional(Str), target_position: T.Optional(T.Object({ x: Num, y: Num })), macro_name: T.Optional(Str),
  priority: T.Optional(T.Union([T.Literal("critical"), T.Literal("high"), T.Literal("normal"), T.Literal("low")])),
  confidence: T.Optional(Num),
});
const Tier = T.Union(TIERS.map((t) => T.Literal(t)));

export const HandshakeReply = T.Object({
  status: T.Literal("success"), session_id: T.String({ pattern: "^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", description: "UUID v4" }), server: Str, server_version: Str,
  capabilities: T.Array(Str), python_service_available: T.Boolean(), server_time: Num,
});

export const HealthReply = T.Object({
  status: T.Union([T.Literal("healthy"), T.Literal("unhealthy")]),
  issues: T.Array(Str),
  uptime_seconds: Int,
  active_sessions: Int,
  decision_engines: T.Object({ reflex: Str, rule: Str, ml: Str, llm: Str }),
  python_service: T.Object({
    status: T.Union([T.Literal("healthy"), T.Literal("unhealthy"), T.Literal("unavailable")]),
    url: T.Union([T.String({ pattern: "^https?://" }), T.Null()], { description: "base URL called over HTTP (AI_SERVICE_URL); null when calls stay in-process or none is configured" }),
    transport: T.Union([T.Literal("http"), T.Literal("in-process"), T.Literal("none")]),
    response_time_ms: Num,
    checked_at: T.Number({ description: "wall-clock ms of the probe this status comes from (made for this request)" }),
    error: T.Optional(Str),
  }),
  performance: T.Object({ avg_response_time_ms: Num, requests_per_second: Num, error_rate: Num }),
}, { description: "200 when healthy; 503 with the same body and issues[] when not" });

const Warning = T.Object({ code: Str, message: Str });
export const StateReply = T.Object({
  status: T.Literal("success"), decision_tier: Tier, processing_time_ms: Num, action: ActionReply, warnings: T.Optional(T.Array(Warning)),
});
export const StateAccepted = T.Object({
  status: T.Literal("processing"), decision_tier: T.Literal("llm"), task_id: Str, estimated_time_seconds: Num, processing_time_ms: Num, fallback_action: ActionReply,
});

const Progress = { elapsed_seconds: Num, estimated_remaining_seconds: Num, progress: Num };
export const TaskProcessing = T.Object({ status: T.Literal("processing"), task_id: Str, ...Progress });

export const PlanReply = T.Object({
  farming_location: Str, map_id: Str, estimated_exp_per_hour: Num, skill_rotation: T.Array(Str), hp_threshold_heal: Num, notes: T.Array(Str),
}, { description: "what the AI service's planner answered (absent when it was not used)" });

export const ActionTaskReply = T.Object({
  status: T.Union([T.Literal("completed"), T.Literal("failed")]), task_id: Str, processing_time_ms: Num, action: ActionReply, source: Str,
  plan: T.Optional(PlanReply), fallback_reason: T.Optional(Str),
});

export const MacroExecuteReply = T.Object({ status: T.Literal("success"), macro_name: Str, execution_id: Str, started: T.Boolean(), pushed_to_sockets: Int });
export const MacroGenerateAccepted = T.Object({ status: T.Literal("processing"), task_id: Str, estimated_time_seconds: Num, webhook_url: Str });
export const MacroStatusReply = T.Object({
  status: T.Literal("completed"), task_id: Str, macro_name: Str, macro_content: Str,
  file_path: T.String({ description: "relative to <dataDir>/openkore; one file per task" }),
  estimated_efficiency: T.Union([Str, T.Null()], { description: "the planner's exp/hour at the macro's map, as text; null without a planner figure" }),
  estimated_exp_per_hour: Nullable(Num),
  map: Nullable(Str), source: Str, plan: T.Optional(PlanReply), fallback_reason: T.Optional(Str),
});
export const MacroFailedReply = T.Object({ status: T.Literal("failed"), task_id: Str, error: Str });

const ValidationError = T.Object({ file: Str, field: T.Optional(Str), line: T.Optional(Int), message: Str, rule: T.Optional(Str) });
export const ConfigReloadReply = T.Object({
  status: T.Union([T.Literal("success"), T.Literal("error")]), config_reloaded: Str,
  rules_loaded: T.Optional(Int), macros_loaded: T.Optional(Int), validation_errors: T.Array(ValidationError),
});
export const ConfigViewReply = T.Object({ config_type: Str, current_config: T.Unknown() });

const PerTier = T.Object({ reflex: Num, rule: Num, ml: Num, llm: Num });
export const MetricsReply = T.Object({
  timestamp: Num, uptime_seconds: Int,
  decision_stats: T.Object({ total_decisions: Int, reflex_decisions: Int, rule_decisions: Int, ml_decisions: Int, llm_decisions: Int }),
  performance: T.Object({ avg_response_time_ms: PerTier, p99_response_time_ms: PerTier, requests_per_second: Num, error_rate: Num }),
  resource_usage: T.Object({ cpu_percent: Num, memory_mb: Num, threads: Int }),
  ml_model: T.Object({ trained_at: Nullable(Num), actions: T.Record(Str, T.Object({ samples: Int, positives: Int })), logged_outcomes: Int }),
  active_sessions: Int, llm_tasks_running: Int,
});
export const MetricsLogReply = T.Object({ status: T.Literal("logged"), log_id: Str });

export const ChatReply = T.Object({ should_respond: T.Boolean(), response_message: Nullable(Str), delay_ms: Num, reasoning: Str, reputation_adjustment: Num });
export const TradeReply = T.Object({
  decision: T.Union(["accept", "negotiate", "reject_politely", "reject_silently", "report_scam"].map((d) => T.Literal(d))),
  reasoning: Str, is_fair: T.Boolean(),
  fair_value_ratio: T.Union([Num, T.Null()], { description: "their/our value; null while an item of ours has no price" }),
  is_scam: T.Boolean(), response_message: Nullable(Str), our_value: Num, their_value: Num,
  unknown_items: T.Array(Str), our_unknown_items: T.Array(Str), reputation_adjustment: Num,
});
const Note = T.Object({ at: Num, delta: Num, requested: T.Optional(Num), reason: Str, score_after: Num });
export const ReputationReply = T.Object({
  player_id: Int, player_name: Str, reputation_score: Num, reputation_tier: Str,
  total_interactions: Int, positive_interactions: Int, negative_interactions: Int,
  flags: T.Object({ is_friend: T.Boolean(), is_guild_member: T.Boolean(), is_blacklisted: T.Boolean() }),
  notes: T.Array(Note),
});
export const ReputationAdjustReply = T.Intersect([
  T.Object({ status: T.Literal("success"), previous_score: Num, delta: Num, applied_delta: Num }),
  ReputationReply,
]);

export const DecideReply = T.Object({ action: T.Record(Str, T.Unknown()), tier_used: Tier, latency_ms: Num, request_id: Str, task_id: T.Optional(Str) });

/** Error replies every route can give (auth, validation, rate limit, queue, timeout). */
export const COMMON_ERRORS: Record<number, TSchema> = { 400: ErrorReply, 401: ErrorReply, 408: ErrorReply, 429: ErrorReply, 503: ErrorReply };
export const withErrors = (ok: Record<number, TSchema>, extra: readonly number[] = []): Record<number, TSchema> => {
  const out: Record<number, TSchema> = { ...COMMON_ERRORS, ...ok };
  for (const s of extra) out[s] ??= ErrorReply;
  return out;
};
