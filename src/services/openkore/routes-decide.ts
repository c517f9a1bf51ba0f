// Connection, state and decision routes (§3.2, §3.3, /api/v1/decide).
import { ApiError } from "../../runtime/errors.ts";
import { route, type RouteDef } from "../../runtime/service.ts";
import { SERVER_NAME, SERVER_VERSION, type App } from "./app.ts";
import { actionToLegacy, legacyToState, type LegacyState } from "./engine/compat.ts";
import type { GameState } from "./engine/types.ts";
import { notFound, requireSession, serial, tokenMatches, validationError } from "./guard.ts";
import { DecideBody, HandshakeBody, StateBody } from "./schema.ts";
import type { DecisionOut } from "./core.ts";
import { ActionTaskReply, DecideReply, HandshakeReply, HealthReply, StateAccepted, StateReply, TaskProcessing, withErrors } from "./schema-replies.ts";
import type { TaskResult } from "./tasks.ts";

const ENGINE_CAPS = ["reflex_engine", "rule_engine", "ml_engine", "llm_integration", "python_service", "websocket_stream", "social", "macro_generation"];

export function stateReply(out: DecisionOut): Response | Record<string, unknown> {
  const warnings = out.notes.map((code) => ({ code, message: "AI service unavailable; fell back to cached decision / reflex default" }));
  if (out.task) {
    return Response.json({
      status: "processing", decision_tier: "llm", task_id: out.task.id, estimated_time_seconds: out.task.estimated_seconds,
      processing_time_ms: out.processing_time_ms, fallback_action: out.action,
    }, { status: 202 });
  }
  const body: Record<string, unknown> = { status: "success", decision_tier: out.tier, processing_time_ms: out.processing_time_ms, action: out.action };
  if (warnings.length > 0) body.warnings = warnings;
  return body;
}

export function decideRoutes(a: App): RouteDef[] {
  const { g, core } = a;
  return [
    route({
      method: "POST", path: "/api/v1/handshake", body: HandshakeBody, summary: "Create a session",
      responses: withErrors({ 200: HandshakeReply }),
      validationError: validationError("INVALID_REQUEST", g),
      handler: async (c) => {
        if (c.body.authentication_token !== undefined && !tokenMatches(c.body.authentication_token, g.token, g.tokenHash)) {
          g.stats.error();
          throw new ApiError(401, "INVALID_TOKEN", "Authentication token is invalid or expired");
        }
        // Known status when fresh, else a probe; a hung remote AI service may not hold up a handshake beyond 50 ms.
        const ai = await a.ai.fresh(50);
        const s = core.sessions.create({ client: c.body.client, client_version: c.body.client_version, pid: c.body.pid ?? null, capabilities: c.body.capabilities }, g.now());
        return {
          status: "success", session_id: s.id, server: SERVER_NAME, server_version: SERVER_VERSION,
          capabilities: ENGINE_CAPS, python_service_available: ai.status === "healthy", server_time: g.now(),
        };
      },
    }),
    route({
      method: "GET", path: "/api/v1/health", summary: "Health check (no token needed; a wrong one is still 401)", public: true,
      responses: { ...withErrors({ 200: HealthReply }), 503: HealthReply },
      handler: async () => {
        // Always a probe now (bounded by ai_probe_timeout_ms): health never reports an old answer.
        const h = await a.ai.probe();
        const issues: string[] = [];
        if (core.configs.rules.length === 0) issues.push("No rules loaded");
        if (h.status !== "healthy" && !core.o.llm_without_ai_service) issues.push(`Python service not responding (${h.error ?? h.status}); llm tier falls back to cached/reflex decisions`);
        // Spec §3.2: every issue (including the Python service not responding) makes it a 503.
        const unhealthy = issues.length > 0;
        const lat = core.stats.tierLatency();
        const total = Object.values(lat).reduce((n, t) => n + t.count, 0);
        const avg = total ? Object.values(lat).reduce((n, t) => n + t.avg_ms * t.count, 0) / total : 0;
        const python: Record<string, unknown> = { status: h.status, url: h.url, transport: h.transport, response_time_ms: h.response_time_ms, checked_at: h.checked_at };
        if (h.error !== undefined) python.error = h.error;
        const body = {
          status: unhealthy ? "unhealthy" : "healthy",
          issues,
          uptime_seconds: Math.floor((g.now() - a.startedAt) / 1000),
          active_sessions: core.sessions.count(g.now()),
          decision_engines: {
            reflex: "operational", rule: core.configs.rules.length ? "operational" : "down",
            ml: Object.keys(core.model.actions).length ? "operational" : "untrained",
            llm: core.llmAvailable ? "operational" : "degraded",
          },
          python_service: python,
          performance: { avg_response_time_ms: Math.round(avg * 1000) / 1000, requests_per_second: core.stats.rps(g.now()), error_rate: core.stats.errorRate() },
        };
        return unhealthy ? Response.json(body, { status: 503 }) : body;
      },
    }),
    route({
      method: "POST", path: "/api/v1/state", body: StateBody, summary: "Send game state, get an action",
      responses: withErrors({ 200: StateReply, 202: StateAccepted }, [404]),
      validationError: validationError("INVALID_STATE", g),
      handler: (c) => serial(c, g, () => {
        const s = requireSession(g, c.body.session_id);
        const out = core.decide(s, c.body as GameState);
        return stateReply(out);
      }),
    }),
    route({
      method: "GET", path: "/api/v1/action/:task_id", summary: "Poll an llm decision",
      responses: withErrors({ 200: ActionTaskReply, 202: TaskProcessing }, [404]),
      handler: (c) => {
        const id = c.params.task_id ?? "";
        const row = a.tasks.get(id);
        if (!row || row.kind !== "llm") throw notFound(g, "TASK_NOT_FOUND", `Unknown task ${id}`, { task_id: id });
        if (row.status === "processing") return Response.json({ status: "processing", task_id: id, ...a.tasks.progress(row) }, { status: 202 });
        const r = JSON.parse(row.result ?? "{}") as TaskResult;
        const body: Record<string, unknown> = { status: row.status, task_id: id, processing_time_ms: r.processing_time_ms, action: r.action, source: r.source };
        if (r.plan) body.plan = r.plan;
        if (r.fallback_reason !== undefined) body.fallback_reason = r.fallback_reason;
        return body;
      },
    }),
    route({
      method: "POST", path: "/api/v1/decide", body: DecideBody, summary: "Original plugin's decision call",
      responses: withErrors({ 200: DecideReply }, [404]),
      validationError: validationError("INVALID_STATE", g),
      handler: (c) => serial(c, g, () => {
        const ids = new Map<number, string>();
        const state = legacyToState(c.body.game_state as LegacyState, ids);
        const s = c.body.session_id !== undefined ? requireSession(g, c.body.session_id) : compatSession(a, `${g.tokenHash}|${c.ip}`);
        const out = core.decide(s, state);
        const body: Record<string, unknown> = {
          action: actionToLegacy(out.action, ids), tier_used: out.tier, latency_ms: out.processing_time_ms,
          request_id: c.body.request_id ?? c.requestId,
        };
        if (out.task) body.task_id = out.task.id;
        return body;
      }),
    }),
  ];
}

/** The original plugin never handshakes: one implicit session per client (it expires like any other). */
function compatSession(a: App, key: string) {
  const now = a.g.now();
  return a.core.sessions.implicit(key, now, () => a.core.sessions.create({ client: "OpenKore-legacy", client_version: "1", pid: null, capabilities: ["decide"] }, now));
}
