// Shared setup for the openkore HTTP/WS tests: a service with a known token, a
// private copy of the shipped config, and an optional fake AI service (§3.7).
import { cpSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createOpenkoreService } from "../../../src/services/openkore/index.ts";
import { startTestService, tempDir, type TestService, type TestServiceOptions } from "../../helpers.ts";
import { specState } from "./fixtures.ts";

export const TOKEN = "test-token-0123456789";
export const AUTH = { Authorization: `Bearer ${TOKEN}` };
export const SHIPPED_CONFIG = new URL("../../../config/openkore/", import.meta.url).pathname;

export interface Started { svc: TestService; configDir: string }

export interface StartOpts {
  options?: Record<string, unknown>;
  env?: Record<string, string>;
  dataDir?: string;
  maxBodyBytes?: number;
  now?: () => number;
  also?: TestServiceOptions["also"];
}

export async function startOpenkore(opts: StartOpts = {}): Promise<Started> {
  const configDir = join(tempDir("openkore-cfg-"), "openkore");
  cpSync(SHIPPED_CONFIG, configDir, { recursive: true });
  const o: Parameters<typeof startTestService>[2] = {
    options: { config_dir: configDir, ...opts.options },
    env: { OPENKORE_AI_TOKEN: TOKEN, ...opts.env },
  };
  if (opts.dataDir) o.dataDir = opts.dataDir;
  if (opts.maxBodyBytes) o.maxBodyBytes = opts.maxBodyBytes;
  if (opts.now) o.now = opts.now;
  if (opts.also) o.also = opts.also;
  const svc = await startTestService("openkore", createOpenkoreService, o);
  return { svc, configDir };
}

/** The spec's §3.7 crew reply, plus the contract's map_id (the engine rejects replies without it). */
export const CREW_REPLY = {
  status: "success", task_id: "crew-12345",
  result: {
    strategic_plan: {
      farming_location: "Clock Tower 3F", map_id: "c_tower3", estimated_exp_per_hour: 800000, estimated_time_hours: 8.5,
      equipment_recommendations: ["Upgrade weapon to +7"], consumable_requirements: { white_potions: 200, blue_potions: 100 },
    },
    combat_strategy: { skill_rotation: ["Bash", "Magnum Break", "Bash", "Bash"], hp_threshold_heal: 0.5, sp_management: "Use blue potion at 30% SP" },
    resource_plan: { zeny_allocation: { consumables: 300000, equipment: 200000, reserve: 4500000 } },
  },
  processing_time_ms: 85000, agents_involved: ["strategic_planner", "combat_tactician", "resource_manager"],
};

/** The spec's §3.7 health reply. */
export const AI_HEALTH_REPLY = {
  status: "healthy",
  services: { openmemory: "operational", crewai: "operational", database: "operational" },
  database: { size_mb: 150, memories_stored: 12500, last_backup: 1738740000000 },
};

/** A stand-in for the :9902 service answering health and crew/execute after `delayMs`. */
export function fakeAiService(delayMs = 0, crewReply: unknown = CREW_REPLY): { url: string; calls: string[]; bodies: unknown[]; stop(): void } {
  const calls: string[] = [];
  const bodies: unknown[] = [];
  const server = Bun.serve({
    port: 0, hostname: "127.0.0.1",
    async fetch(req) {
      const path = new URL(req.url).pathname;
      calls.push(path);
      if (path === "/api/health") return Response.json(AI_HEALTH_REPLY);
      if (path === "/api/crew/execute") { bodies.push(await req.json()); await Bun.sleep(delayMs); return Response.json(crewReply); }
      return new Response("nope", { status: 404 });
    },
  });
  return { url: `http://127.0.0.1:${server.port}`, calls, bodies, stop: () => void server.stop(true) };
}

export async function handshake(svc: TestService): Promise<string> {
  const r = await svc.call("POST", "/api/v1/handshake", { client: "OpenKore", client_version: "3.2.0", pid: 12345, capabilities: ["state_updates"] }, AUTH);
  if (r.status !== 200) throw new Error(`handshake failed: ${r.status} ${await r.text()}`);
  return ((await r.json()) as { session_id: string }).session_id;
}

export function stateBody(sessionId: string): Record<string, unknown> {
  const s = specState();
  return { ...s, session_id: sessionId };
}

export type Json = Record<string, unknown>;
export async function json(r: Response): Promise<Json> {
  return (await r.json()) as Json;
}

/** Both §4.1 and §6.1 envelopes at once, with the request id. */
export function expectEnvelope(body: Json, code: string): void {
  if (body.status !== "error" || body.error_code !== code) throw new Error(`expected ${code} envelope, got ${JSON.stringify(body)}`);
  const e = body.error as Json;
  const m = body.metadata as Json;
  if (e.code !== code || e.message !== body.message || JSON.stringify(e.details) !== JSON.stringify(body.details)) throw new Error("error{} disagrees with the flat fields");
  if (typeof m.timestamp !== "number" || typeof m.request_id !== "string") throw new Error("metadata missing");
}

export async function poll(fn: () => Promise<boolean>, timeoutMs = 8000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await fn()) return;
    await Bun.sleep(25);
  }
  throw new Error("condition not reached in time");
}

/** The §3.4 request body, verbatim but for the session id. */
export const SPEC_GENERATE = {
  purpose: "Efficient leveling at Clock Tower 3F",
  constraints: { avoid_mvp: true, max_distance_from_spawn: 50, consumable_budget: 10000 },
  context: { character_level: 85, character_job: "Knight", available_skills: ["Bash", "Provoke", "Magnum Break"] },
};

export async function generateAndWait(svc: TestService, sid: string, body: Json = SPEC_GENERATE): Promise<Json> {
  const r = await svc.call("POST", "/api/v1/macro/generate", { session_id: sid, ...body }, AUTH);
  if (r.status !== 202) throw new Error(`macro/generate answered ${r.status}: ${await r.text()}`);
  const id = (await json(r)).task_id as string;
  let done: Json = {};
  await poll(async () => {
    const p = await svc.call("GET", `/api/v1/macro/status/${id}`, undefined, AUTH);
    done = await json(p);
    return p.status === 200;
  });
  return done;
}

/** The file a status reply points at, read from disk. */
export function macroFile(svc: TestService, status: Json): string {
  return readFileSync(join(svc.dataDir, "openkore", status.file_path as string), "utf8");
}


/** Polls /api/v1/action/{id} until the llm task is done; its final reply. */
export async function pollAction(svc: TestService, id: string): Promise<Json> {
  let done: Json = {};
  await poll(async () => {
    const p = await svc.call("GET", `/api/v1/action/${id}`, undefined, AUTH);
    if (p.status !== 200) return false;
    done = await json(p);
    return true;
  });
  return done;
}
