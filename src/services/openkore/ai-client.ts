// The engine's view of the companion AI service (§3.7): health and the crew planner.
// In-process peer calls when both run in one process, HTTP when AI_SERVICE_URL is set.
import type { Peers } from "../../runtime/peers.ts";

export interface AiHealth { status: "healthy" | "unhealthy" | "unavailable"; url: string; response_time_ms: number; error?: string }

export interface CrewRequest {
  session_id: string;
  task_type: "strategic" | "analysis";
  context: Record<string, unknown>;
  timeout_seconds: number;
}

/** The parts of a crew result the engine uses; everything is optional on the wire. */
export interface CrewPlan {
  farming_location?: string;
  skill_rotation?: string[];
  hp_threshold_heal?: number;
  summary?: string;
  raw: unknown;
}

export interface AiServiceClient {
  readonly url: string;
  health(): Promise<AiHealth>;
  crew(req: CrewRequest, signal?: AbortSignal): Promise<CrewPlan>;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Obj) : {});

/** Pull the fields the engine understands out of a §3.7 crew reply. */
export function planFromCrew(body: unknown): CrewPlan {
  const result = obj(obj(body).result);
  const strategic = obj(result.strategic_plan);
  const combat = obj(result.combat_strategy);
  const plan: CrewPlan = { raw: body };
  if (typeof strategic.farming_location === "string") plan.farming_location = strategic.farming_location;
  if (Array.isArray(combat.skill_rotation)) plan.skill_rotation = combat.skill_rotation.filter((s): s is string => typeof s === "string");
  if (typeof combat.hp_threshold_heal === "number") plan.hp_threshold_heal = combat.hp_threshold_heal;
  if (typeof result.summary === "string") plan.summary = result.summary;
  return plan;
}

type Transport = (path: string, init: RequestInit) => Promise<Response>;

class TransportClient implements AiServiceClient {
  constructor(readonly url: string, private readonly send: Transport, private readonly headers: Record<string, string>, private readonly now: () => number) {}

  async health(): Promise<AiHealth> {
    const t0 = this.now();
    try {
      const res = await this.send("/api/health", { method: "GET", headers: this.headers, signal: AbortSignal.timeout(2000) });
      const body = obj(await res.json().catch(() => ({})));
      const ok = res.ok && body.status === "healthy";
      const h: AiHealth = { status: ok ? "healthy" : "unhealthy", url: this.url, response_time_ms: Math.round(this.now() - t0) };
      if (!ok) h.error = `status ${res.status}`;
      return h;
    } catch (e) {
      return { status: "unavailable", url: this.url, response_time_ms: Math.round(this.now() - t0), error: e instanceof Error ? e.message : String(e) };
    }
  }

  async crew(req: CrewRequest, signal?: AbortSignal): Promise<CrewPlan> {
    const init: RequestInit = { method: "POST", headers: { ...this.headers, "Content-Type": "application/json" }, body: JSON.stringify(req) };
    if (signal) init.signal = signal;
    const res = await this.send("/api/crew/execute", init);
    if (!res.ok) throw new Error(`AI service crew/execute answered ${res.status}`);
    return planFromCrew(await res.json());
  }
}

/** Nothing configured: every call reports the service as unavailable. */
class AbsentClient implements AiServiceClient {
  readonly url = "";
  async health(): Promise<AiHealth> { return { status: "unavailable", url: "", response_time_ms: 0, error: "AI service not configured" }; }
  async crew(): Promise<CrewPlan> { throw new Error("AI service not configured"); }
}

export function makeAiClient(o: { env: Readonly<Record<string, string | undefined>>; peers: Peers; token: string; now: () => number }): AiServiceClient {
  const headers = { Authorization: `Bearer ${o.env.AI_SERVICE_TOKEN ?? o.token}` };
  const url = o.env.AI_SERVICE_URL;
  if (url) {
    const base = url.replace(/\/+$/, "");
    return new TransportClient(base, (p, init) => fetch(base + p, init), headers, o.now);
  }
  // Peers register as services start, so check at call time rather than construction time.
  return new TransportClient("in-process:aiservice", (p, init) => {
    if (!o.peers.has("aiservice")) return Promise.reject(new Error("AI service is not running"));
    return o.peers.fetch("aiservice", p, init);
  }, headers, o.now);
}

export const absentAiClient = (): AiServiceClient => new AbsentClient();
