// Request guards shared by the routes: bearer auth, per-client rate limit, the
// per-session serial queue with its start and run timeouts, and session lookup.
import { createHash } from "node:crypto";
import { ApiError, openkoreProfile } from "../../runtime/errors.ts";
import { bearerToken, safeEqual } from "../../runtime/auth.ts";
import { enforceRateLimit, type RateLimiter } from "../../runtime/ratelimit.ts";
import type { SerialQueue } from "../../runtime/serial.ts";
import type { RequestContext } from "../../runtime/service.ts";
import type { ValidationIssue } from "../../runtime/validation.ts";
import { EXPECTED } from "./schema.ts";
import type { Session, Sessions } from "./sessions.ts";
import type { Stats } from "./stats.ts";

export const invalidToken = (): ApiError => new ApiError(401, "INVALID_TOKEN", "Authentication token is invalid or expired");

/** The token itself or its SHA-256 hex (the spec's examples send "sha256_hash"). */
export function tokenMatches(given: string, token: string, tokenHash: string): boolean {
  return safeEqual(given, token) || safeEqual(given.toLowerCase(), tokenHash);
}
export const sha256 = (s: string): string => createHash("sha256").update(s).digest("hex");

export interface Guard {
  token: string;
  tokenHash: string;
  limiter: RateLimiter;
  serial: SerialQueue;
  sessions: Sessions;
  stats: Stats;
  now: () => number;
  requestTimeoutMs: number;
  sessionTtlSeconds: number;
}

/** Routes a liveness probe may call without a token (a token, when sent, is still checked). */
export const PUBLIC_PATHS: ReadonlySet<string> = new Set(["/api/v1/health"]);

/** Service-wide onRequest: count, then authenticate. */
export function authHook(g: Guard) {
  return (ctx: RequestContext): void => {
    g.stats.request(g.now());
    const header = ctx.request.headers.get("authorization");
    if (header === null && PUBLIC_PATHS.has(ctx.path)) return;
    const t = bearerToken(header);
    if (t === null || !tokenMatches(t, g.token, g.tokenHash)) { g.stats.error(); throw invalidToken(); }
  };
}

/** The client a request counts against: its session, else token + address. */
export function clientKey(ctx: RequestContext, g: Guard): string {
  const b = ctx.body;
  if (typeof b === "object" && b !== null && "session_id" in b && typeof b.session_id === "string") return `s:${b.session_id}`;
  return `c:${g.tokenHash.slice(0, 12)}|${ctx.ip}`;
}

/** Takes the request's token from its client's bucket, or throws the 429. */
function chargeRate(ctx: RequestContext, g: Guard): void {
  try {
    Object.assign(ctx.headers, enforceRateLimit(g.limiter, clientKey(ctx, g), openkoreProfile));
  } catch (e) { g.stats.error(); throw e; }
}

/** Service-wide preHandler: rate limit once the body is known (so the session keys it). */
export function rateHook(g: Guard) {
  return (ctx: RequestContext): void => chargeRate(ctx, g);
}

/** Runs `fn` in the client's FIFO; 503 if it cannot start in time, 408 if it runs too long. */
export async function serial<T>(ctx: RequestContext, g: Guard, fn: () => T | Promise<T>, timeoutMs = g.requestTimeoutMs): Promise<T> {
  try {
    return await g.serial.run(clientKey(ctx, g), () => withTimeout(fn, timeoutMs));
  } catch (e) { g.stats.error(); throw e; }
}

async function withTimeout<T>(fn: () => T | Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ApiError(408, "TIMEOUT", `Request exceeded ${ms} ms`, { timeout_ms: ms })), ms);
  });
  try { return await Promise.race([Promise.resolve().then(fn), late]); } finally { clearTimeout(timer); }
}

export function requireSession(g: Guard, id: string): Session {
  const s = g.sessions.get(id, g.now());
  if (!s) {
    g.stats.error();
    throw new ApiError(404, "SESSION_NOT_FOUND", `Unknown or expired session_id ${id} (sessions expire after ${g.sessionTtlSeconds} s without requests); call POST /api/v1/handshake for a new one`, { field: "session_id", session_id: id, session_ttl_seconds: g.sessionTtlSeconds });
  }
  return s;
}

/**
 * Validation failures in the spec's INVALID_STATE / INVALID_REQUEST shapes. An invalid
 * body takes its token from the client's rate limit first (a valid one takes it in
 * rateHook), so a client over the rate gets 429 whatever it sends.
 */
export function validationError(code: "INVALID_STATE" | "INVALID_REQUEST", g: Guard) {
  return (issue: ValidationIssue, ctx: RequestContext): ApiError => {
    chargeRate(ctx, g);
    g.stats.error();
    const expected = EXPECTED[issue.field] ?? issue.expected;
    const hint = issue.field === "session_id" ? " (call POST /api/v1/handshake first to get one)" : "";
    const message = issue.received === "missing" ? `Missing required field: ${issue.field}${hint}` : `Invalid field ${issue.field}: expected ${expected}, got ${issue.received}${hint}`;
    return new ApiError(400, code, message, { field: issue.field, expected, received: issue.received });
  };
}

export function notFound(g: Guard, code: string, message: string, details: Record<string, unknown>): ApiError {
  g.stats.error();
  return new ApiError(404, code, message, details);
}
