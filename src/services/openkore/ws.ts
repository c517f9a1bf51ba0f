// WS /ws/state-stream (§5): auth first (header or {type:"auth"} frame), then state
// frames answered with action frames; llm status and macro executions are pushed.
// Every frame of an authenticated socket takes a token from its session's rate limit
// before it is looked at, so malformed and invalid frames are limited too. The state
// path is synchronous and allocates little: it runs 20 times a second per client.
import { ApiError } from "../../runtime/errors.ts";
import { bearerToken } from "../../runtime/auth.ts";
import { rateLimitedError } from "../../runtime/ratelimit.ts";
import { openkoreProfile } from "../../runtime/errors.ts";
import { compile, type ValidationIssue } from "../../runtime/validation.ts";
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
    conn.data = { authed: true, session: s };
    s.sockets.add(conn);
    conn.send({ type: "auth_ok", session_id: s.id, server_time: g.now() });
  };
  const newSession = (): Session => core.sessions.create({ client: "ws", client_version: "1", pid: null, capabilities: ["state_stream"] }, g.now());

  /** Takes a token from the session's bucket (shared with its HTTP requests); false after sending the 429 frame. */
  const withinRate = (conn: Conn, seq: unknown, now: number): boolean => {
    const s = conn.data.session;
    if (s === null) return true;
    const d = g.limiter.tryTake(s.rateKey, 1, now);
    if (d === null) return true;
    g.stats.error();
    const err = rateLimitedError(d, openkoreProfile);
    conn.send({ ...errorFrame(err.code, err.message, err.details), seq: typeof seq === "number" ? seq : undefined });
    return false;
  };

  const invalidState = (conn: Conn, issue: ValidationIssue, seq: number | undefined): void => {
    g.stats.error();
    const field = issue.field === "(root)" ? "data" : `data.${issue.field}`;
    conn.send({ ...errorFrame("INVALID_STATE", issue.received === "missing" ? `Missing required field: ${field}` : `Invalid field ${field}`, { field, expected: EXPECTED[issue.field] ?? issue.expected, received: issue.received }), seq });
  };

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
      const now = g.now();
      g.stats.request(now);
      const frame = typeof raw === "object" && raw !== null ? (raw as { type?: unknown; seq?: unknown; data?: unknown }) : null;
      const type = frame?.type;
      if (type === "auth") {
        if (!authCheck.check(raw) || !tokenMatches(raw.token, g.token, g.tokenHash)) {
          g.stats.error();
          conn.send(errorFrame("INVALID_TOKEN", "Authentication token is invalid or expired"));
          conn.close(1008, "invalid token");
          return;
        }
        if (conn.data.authed && conn.data.session) return void conn.send({ type: "auth_ok", session_id: conn.data.session.id, server_time: now });
        const existing = raw.session_id !== undefined ? core.sessions.get(raw.session_id, now) : null;
        bind(conn, existing ?? newSession());
        return;
      }
      if (!conn.data.authed || conn.data.session === null) {
        g.stats.error();
        conn.send(errorFrame("INVALID_TOKEN", "Authenticate first: send {type:\"auth\", token}"));
        conn.close(1008, "not authenticated");
        return;
      }
      if (!withinRate(conn, frame?.seq, now)) return;
      if (type === "ping") return void conn.send({ type: "pong", timestamp: now });
      if (type !== "state") {
        g.stats.error();
        return void conn.send(errorFrame("INVALID_REQUEST", `Unknown message type ${JSON.stringify(type)}`, { field: "type", expected: "auth, state or ping" }));
      }
      const seq = typeof frame!.seq === "number" ? frame!.seq : undefined;
      // Defaults cost ~20 µs a frame: apply them only when a complete state fails the check.
      let data: unknown = frame!.data;
      if (!stateCheck.check(data)) {
        data = stateCheck.withDefaults(data);
        const issue = stateCheck.firstIssue(data);
        if (issue) return invalidState(conn, issue, seq);
      }
      const s = conn.data.session;
      if (s.removed) return void conn.send(errorFrame("SESSION_NOT_FOUND", "Session expired; reconnect"));
      core.sessions.touch(s, now);
      try {
        const out = core.decide(s, data as GameState, now);
        const reply: Record<string, unknown> = { type: "action", timestamp: now, decision_tier: out.tier, data: out.action, processing_time_ms: out.processing_time_ms };
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
      if (!withinRate(conn, undefined, g.now())) return;
      g.stats.error();
      conn.send(errorFrame("INVALID_REQUEST", `Malformed frame: ${issue.received}`, { ...issue }));
    },
    close(conn) {
      const s = conn.data.session;
      if (!s) return;
      s.sockets.delete(conn);
      core.sessions.released(s, g.now());
    },
  };
}
