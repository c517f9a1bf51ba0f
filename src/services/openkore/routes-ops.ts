// Macro, configuration and metrics routes (§3.4–3.6).
import { route, type RouteDef } from "../../runtime/service.ts";
import type { App } from "./app.ts";
import { notFound, requireSession, serial, validationError } from "./guard.ts";
import { ConfigReloadBody, MacroExecuteBody, MacroGenerateBody, MetricsLogBody } from "./schema.ts";
import { Type as T } from "@sinclair/typebox";
import {
  ConfigReloadReply, ConfigViewReply, MacroExecuteReply, MacroFailedReply, MacroGenerateAccepted, MacroStatusReply, MetricsLogReply, MetricsReply,
  TaskProcessing, withErrors,
} from "./schema-replies.ts";
import type { TaskResult } from "./tasks.ts";

export function opsRoutes(a: App): RouteDef[] {
  const { g, core, configs } = a;
  return [
    route({
      method: "POST", path: "/api/v1/macro/execute", body: MacroExecuteBody, summary: "Execute a known macro",
      responses: withErrors({ 200: MacroExecuteReply }, [404]),
      validationError: validationError("INVALID_REQUEST", g),
      handler: (c) => serial(c, g, () => {
        const s = requireSession(g, c.body.session_id);
        const m = configs.macros.get(c.body.macro_name);
        if (!m) throw notFound(g, "MACRO_NOT_FOUND", `Unknown macro ${c.body.macro_name}`, { macro_name: c.body.macro_name, known: [...configs.macros.keys()] });
        const execution_id = `exec-${++a.seq.exec}`;
        a.push(s.id, {
          type: "action", timestamp: g.now(), decision_tier: "macro",
          data: { type: "macro", macro_name: m.name, parameters: c.body.parameters, execution_id, reason: "Macro execution requested" },
        });
        return { status: "success", macro_name: m.name, execution_id, started: true, pushed_to_sockets: s.sockets.size };
      }),
    }),
    route({
      method: "POST", path: "/api/v1/macro/generate", body: MacroGenerateBody, summary: "Generate an eventMacro",
      responses: withErrors({ 202: MacroGenerateAccepted }, [404]),
      validationError: validationError("INVALID_REQUEST", g),
      handler: (c) => serial(c, g, () => {
        const s = requireSession(g, c.body.session_id);
        const req = { purpose: c.body.purpose, constraints: c.body.constraints, context: c.body.context };
        const row = a.tasks.startMacro(s.id, req);
        return Response.json({ status: "processing", task_id: row.id, estimated_time_seconds: row.estimated_seconds, webhook_url: `/api/v1/macro/status/${row.id}` }, { status: 202 });
      }),
    }),
    route({
      method: "GET", path: "/api/v1/macro/status/:task_id", summary: "Macro generation status",
      responses: withErrors({ 200: T.Union([MacroStatusReply, MacroFailedReply]), 202: TaskProcessing }, [404]),
      handler: (c) => {
        const id = c.params.task_id ?? "";
        const row = a.tasks.get(id);
        if (!row || row.kind !== "macro") throw notFound(g, "TASK_NOT_FOUND", `Unknown task ${id}`, { task_id: id });
        if (row.status === "processing") return Response.json({ status: "processing", task_id: id, ...a.tasks.progress(row) }, { status: 202 });
        const r = JSON.parse(row.result ?? "{}") as TaskResult;
        if (!r.macro) return { status: "failed", task_id: id, error: r.action?.reason ?? "generation failed" };
        const body: Record<string, unknown> = {
          status: "completed", task_id: id, macro_name: r.macro.macro_name, macro_content: r.macro.content,
          file_path: r.macro.file_path, estimated_efficiency: r.macro.estimated_efficiency, estimated_exp_per_hour: r.macro.estimated_exp_per_hour,
          map: r.macro.map, source: r.source,
        };
        if (r.plan) body.plan = r.plan;
        if (r.fallback_reason !== undefined) body.fallback_reason = r.fallback_reason;
        return body;
      },
    }),
    route({
      method: "POST", path: "/api/v1/config/reload", body: ConfigReloadBody, summary: "Hot-reload a config",
      responses: withErrors({ 200: ConfigReloadReply }, [404]),
      validationError: validationError("INVALID_REQUEST", g),
      handler: (c) => serial(c, g, () => {
        if (c.body.session_id !== undefined) requireSession(g, c.body.session_id);
        const r = configs.reload(c.body.config_type);
        if (r.status === "error") g.stats.error();
        c.log.info("config reload", { config_type: c.body.config_type, reason: c.body.reason, errors: r.validation_errors.length });
        return r;
      }),
    }),
    route({
      method: "GET", path: "/api/v1/config/:config_type", summary: "Current configuration (secrets masked)",
      responses: withErrors({ 200: ConfigViewReply }, [404]),
      handler: (c) => {
        const t = c.params.config_type ?? "";
        const v = configs.view(t);
        if (v === undefined) throw notFound(g, "CONFIG_NOT_FOUND", `Unknown config type ${t}`, { config_type: t, known: ["rules", "macros", "social", "llm", "engine"] });
        return { config_type: t, current_config: v };
      },
    }),
    route({
      method: "GET", path: "/api/v1/metrics", summary: "Decision and performance metrics",
      responses: withErrors({ 200: MetricsReply }),
      handler: () => {
        const lat = core.stats.tierLatency();
        const d = core.stats.decisions;
        const mem = process.memoryUsage();
        return {
          timestamp: g.now(),
          uptime_seconds: Math.floor((g.now() - a.startedAt) / 1000),
          decision_stats: {
            total_decisions: d.reflex + d.rule + d.ml + d.llm,
            reflex_decisions: d.reflex, rule_decisions: d.rule, ml_decisions: d.ml, llm_decisions: d.llm,
          },
          performance: {
            avg_response_time_ms: { reflex: lat.reflex.avg_ms, rule: lat.rule.avg_ms, ml: lat.ml.avg_ms, llm: lat.llm.avg_ms },
            p99_response_time_ms: { reflex: lat.reflex.p99_ms, rule: lat.rule.p99_ms, ml: lat.ml.p99_ms, llm: lat.llm.p99_ms },
            requests_per_second: core.stats.rps(g.now()),
            error_rate: core.stats.errorRate(),
          },
          resource_usage: {
            cpu_percent: core.stats.cpuPercent(),
            memory_mb: Math.round(mem.rss / 1048576),
            threads: a.ctx.pool.stats().threads + 1,
          },
          ml_model: {
            trained_at: core.model.trained_at,
            actions: Object.fromEntries(Object.entries(core.model.actions).map(([k, m]) => [k, { samples: m.samples, positives: m.positives }])),
            logged_outcomes: core.store.outcomeCount(),
          },
          active_sessions: core.sessions.count(g.now()),
          llm_tasks_running: a.tasks.active,
        };
      },
    }),
    route({
      method: "POST", path: "/api/v1/metrics/log", body: MetricsLogBody, summary: "Log a decision outcome",
      responses: withErrors({ 200: MetricsLogReply }, [404]),
      validationError: validationError("INVALID_REQUEST", g),
      handler: (c) => serial(c, g, () => {
        const s = requireSession(g, c.body.session_id);
        const b: { decision_tier: string; action_type: string; success: boolean; outcome: unknown; processing_time_ms?: number } = {
          decision_tier: c.body.decision_tier, action_type: c.body.action_type, success: c.body.success, outcome: c.body.outcome,
        };
        if (c.body.processing_time_ms !== undefined) b.processing_time_ms = c.body.processing_time_ms;
        const id = core.logOutcome(s, b);
        return { status: "logged", log_id: `log-${id}` };
      }),
    }),
  ];
}
