// WS /ws/state-stream (§5): auth first (header or {type:"auth"} frame), then state
// frames answered with action frames; llm status and macro executions are pushed.
import { ApiError } from "../../runtime/errors.ts";
import { bearerToken } from "../../runtime/auth.ts";
import { enforceRateLimit } from "../../runtime/ratelimit.ts";
import { openkoreProfile } from "../../runtime/errors.ts";
import { compile } from "../../runtime/validation.ts";
import type { WsConn, WsRoute } from "../../runtime/ws.ts";
import type { App } from "./app.ts";
import type { GameState } from "./engine/types.ts";
import { invalidToken, tokenMatches } from "./guard.ts";
import { EXPECTED, StateData, WsAuth } from "./schema.ts";
import type { Session, WsData } from "./sessions.ts";

const stateCheck = compile(StateData);
const authCheck = compile(WsAuth);

type Conn = WsConn<WsData>;
const errorFrame = (code: string, message: string, details: Record<string, unknown> = {}) => ({ type: "error", error: { code, message, details } });

export function stateStream(a: App): WsRoute<WsData> {
  const { g, core } = a;
  const bind = (conn: Conn, s: Session): void => {
    conn.data = { authed: true, session: s.id };
    s.sockets.add(conn);
    conn.send({ type: "auth_ok", session_id: s.id, server_time: g.now() });
  };
  const newSession = (): Session => core.sessions.create({ client: "ws", client_version: "1", pid: null, capabilities: ["state_stream"] }, g.now());

  return {
    path: "/ws/state-stream",
    summary: "Real-time state → action stream",
    upgrade(ctx) {
      const header = ctx.request.headers.get("authorization");
      if (header === null) return { authed: false, session: null };
      const t = bearerToken(header);
      if (t === null || !tokenMatches(t, g.token, g.tokenHash)) throw invalidToken();
      return { authed: true, session: null };
    },
    open(conn) {
      if (conn.data.authed) bind(conn, newSession());
    },
    message(conn, raw) {
      g.stats.request(g.now());
      const type = typeof raw === "object" && raw !== null && "type" in raw ? (raw as { type: unknown }).type : undefined;
      if (type === "auth") {
        if (!authCheck.check(raw) || !tokenMatches(raw.token, g.token, g.tokenHash)) {
          g.stats.error();
          conn.send(errorFrame("INVALID_TOKEN", "Authentication token is invalid or expired"));
          conn.close(1008, "invalid token");
          return;
        }
        if (conn.data.authed && conn.data.session) return void conn.send({ type: "auth_ok", session_id: conn.data.session, server_time: g.now() });
        const existing = raw.session_id !== undefined ? core.sessions.get(raw.session_id, g.now()) : null;
        bind(conn, existing ?? newSession());
        return;
      }
      if (!conn.data.authed || conn.data.session === null) {
        g.stats.error();
        conn.send(errorFrame("INVALID_TOKEN", "Authenticate first: send {type:\"auth\", token}"));
        conn.close(1008, "not authenticated");
        return;
      }
      if (type === "ping") return void conn.send({ type: "pong", timestamp: g.now() });
      if (type !== "state") {
        g.stats.error();
        return void conn.send(errorFrame("INVALID_REQUEST", `Unknown message type ${JSON.stringify(type)}`, { field: "type", expected: "auth, state or ping" }));
      }
      const msg = raw as { seq?: unknown; data?: unknown };
      const seq = typeof msg.seq === "number" ? msg.seq : undefined;
      // Defaults cost ~20 µs a frame: apply them only when a complete state fails the check.
      let data: unknown = msg.data;
      let issue = null;
      if (!stateCheck.check(data)) {
        data = stateCheck.withDefaults(data);
        issue = stateCheck.firstIssue(data);
      }
      if (issue) {
        g.stats.error();
        const field = issue.field === "(root)" ? "data" : `data.${issue.field}`;
        return void conn.send({ ...errorFrame("INVALID_STATE", issue.received === "missing" ? `Missing required field: ${field}` : `Invalid field ${field}`, { field, expected: EXPECTED[issue.field] ?? issue.expected, received: issue.received }), seq });
      }
      const s = core.sessions.get(conn.data.session, g.now());
      if (!s) return void conn.send(errorFrame("SESSION_NOT_FOUND", "Session expired; reconnect"));
      try {
        enforceRateLimit(g.limiter, `s:${s.id}`, openkoreProfile);
        const out = core.decide(s, data as GameState);
        const reply: Record<string, unknown> = { type: "action", timestamp: g.now(), decision_tier: out.tier, data: out.action, processing_time_ms: out.processing_time_ms };
        if (seq !== undefined) reply.seq = seq;
        if (out.task) { reply.task_id = out.task.id; reply.status = "processing"; }
        if (out.notes.length) reply.warnings = out.notes;
        conn.send(reply);
      } catch (e) {
        g.stats.error();
        const err = e instanceof ApiError ? e : new ApiError(500, "INTERNAL_ERROR", e instanceof Error ? e.message : String(e));
        conn.send({ ...errorFrame(err.code, err.message, err.details), seq });
      }
    },
    invalid(conn, issue) {
      g.stats.error();
      conn.send(errorFrame("INVALID_REQUEST", `Malformed frame: ${issue.received}`, { ...issue }));
    },
    close(conn) {
      const id = conn.data.session;
      if (id) core.sessions.peek(id)?.sockets.delete(conn);
    },
  };
}
