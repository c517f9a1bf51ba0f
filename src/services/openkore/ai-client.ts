// The engine's view of the companion AI service (§3.7): health and the crew planner.
// In-process peer calls when both run in one process, HTTP when AI_SERVICE_URL is set.
// Requests are built from, and replies checked against, the shared contract
// (contracts/openkore-ai.ts): a reply that does not match is a failed call, never a
// plan read with defaults.
import { AiHealthReply, CREW_PATH, CrewReply, CrewRequest, HEALTH_PATH } from "../../contracts/openkore-ai.ts";
import type { Peers } from "../../runtime/peers.ts";
import { compile } from "../../runtime/validation.ts";

export type AiTransport = "http" | "in-process" | "none";

export interface AiHealth {
  status: "healthy" | "unhealthy" | "unavailable";
  /** Base URL the engine calls over HTTP; null when calls stay in-process or nothing is configured. */
  url: string | null;
  transport: AiTransport;
  /** Round trip of the call this status comes from. */
  response_time_ms: number;
  /** Wall-clock ms of that call. */
  checked_at: number;
  error?: string;
}

export interface AiServiceClient {
  readonly url: string | null;
  readonly transport: AiTransport;
  health(): Promise<AiHealth>;
  /** A contract-checked crew reply; throws on transport errors, non-2xx and contract mismatches. */
  crew(req: CrewRequest, signal?: AbortSignal): Promise<CrewReply>;
}

const requestCheck = compile(CrewRequest);
const replyCheck = compile(CrewReply);
const healthCheck = compile(AiHealthReply);

/** A reply (or request) that does not match the shared contract. */
export class ContractError extends Error {
  constructor(what: string, field: string, expected: string, received: string) {
    super(`${what} does not match the engine/AI-service contract at ${field}: expected ${expected}, got ${received}`);
  }
}

/** A crew call that got an HTTP error status from the AI service. */
export class AiStatusError extends Error {
  constructor(readonly status: number, message: string) { super(message); }
}

type Transport = (path: string, init: RequestInit) => Promise<Response>;

export interface ClientClock {
  /** Monotonic ms, for round-trip times. */
  mono: () => number;
  /** Wall-clock ms, for checked_at. */
  wall: () => number;
}

class TransportClient implements AiServiceClient {
  constructor(
    readonly url: string | null,
    readonly transport: AiTransport,
    private readonly send: Transport,
    private readonly headers: Record<string, string>,
    private readonly clock: ClientClock,
    private readonly probeTimeoutMs: number,
  ) {}

  async health(): Promise<AiHealth> {
    const t0 = this.clock.mono();
    const done = (status: AiHealth["status"], error?: string): AiHealth => {
      const h: AiHealth = { status, url: this.url, transport: this.transport, response_time_ms: Math.round(this.clock.mono() - t0), checked_at: this.clock.wall() };
      if (error !== undefined) h.error = error;
      return h;
    };
    try {
      const res = await this.send(HEALTH_PATH, { method: "GET", headers: this.headers, signal: AbortSignal.timeout(this.probeTimeoutMs) });
      const body: unknown = await res.json().catch(() => undefined);
      const issue = healthCheck.firstIssue(body);
      if (issue) return done("unhealthy", new ContractError(`health reply (HTTP ${res.status})`, issue.field, issue.expected, issue.received).message);
      const reply = body as AiHealthReply;
      if (!res.ok || reply.status !== "healthy") return done("unhealthy", `HTTP ${res.status}, status ${reply.status}${reply.issues?.length ? `: ${reply.issues.join("; ")}` : ""}`);
      return done("healthy");
    } catch (e) {
      return done("unavailable", e instanceof Error ? e.message : String(e));
    }
  }

  async crew(req: CrewRequest, signal?: AbortSignal): Promise<CrewReply> {
    const out = requestCheck.firstIssue(req);
    if (out) throw new ContractError("crew request", out.field, out.expected, out.received);
    const init: RequestInit = { method: "POST", headers: { ...this.headers, "Content-Type": "application/json" }, body: JSON.stringify(req) };
    if (signal) init.signal = signal;
    const res = await this.send(CREW_PATH, init);
    const body: unknown = await res.json().catch(() => undefined);
    if (!res.ok) {
      const msg = typeof body === "object" && body !== null && "message" in body ? String((body as { message: unknown }).message) : "";
      throw new AiStatusError(res.status, `AI service crew/execute answered ${res.status}${msg ? `: ${msg}` : ""}`);
    }
    const issue = replyCheck.firstIssue(body);
    if (issue) throw new ContractError("crew reply", issue.field, issue.expected, issue.received);
    return body as CrewReply;
  }
}

/** Nothing configured: every call reports the service as unavailable. */
class AbsentClient implements AiServiceClient {
  readonly url = null;
  readonly transport = "none";
  constructor(private readonly clock: ClientClock) {}
  async health(): Promise<AiHealth> {
    return { status: "unavailable", url: null, transport: "none", response_time_ms: 0, checked_at: this.clock.wall(), error: "AI service not configured" };
  }
  async crew(): Promise<CrewReply> { throw new Error("AI service not configured"); }
}

export interface AiClientOptions {
  env: Readonly<Record<string, string | undefined>>;
  peers: Peers;
  token: string;
  clock: ClientClock;
  probeTimeoutMs: number;
}

export function makeAiClient(o: AiClientOptions): AiServiceClient {
  const headers = { Authorization: `Bearer ${o.env.AI_SERVICE_TOKEN ?? o.token}` };
  const url = o.env.AI_SERVICE_URL;
  if (url) {
    const base = url.replace(/\/+$/, "");
    return new TransportClient(base, "http", (p, init) => fetch(base + p, init), headers, o.clock, o.probeTimeoutMs);
  }
  // Peers register as services start, so check at call time rather than construction time.
  return new TransportClient(null, "in-process", (p, init) => {
    if (!o.peers.has("aiservice")) return Promise.reject(new Error("AI service is not running in this process"));
    return o.peers.fetch("aiservice", p, init);
  }, headers, o.clock, o.probeTimeoutMs);
}

export const absentAiClient = (clock: ClientClock): AiServiceClient => new AbsentClient(clock);
