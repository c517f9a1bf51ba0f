// Endpoint table of the mall bridge: validate, call the bridge, shape the reply.
import { ApiError, kernelError, mallProfile, storageError } from "../../runtime/errors.ts";
import type { SerialQueue } from "../../runtime/serial.ts";
import { type RequestContext, type RouteDef, route } from "../../runtime/service.ts";
import { issueMessage, type ValidationIssue } from "../../runtime/validation.ts";
import type { MallBridge } from "./bridge.ts";
import { resolvePlayerEvent, S, statusFrame } from "./engine/index.ts";
import type { MallOptions } from "./options.ts";
import {
  ErrorReply, HealthReply, InitBody, InitReply, ResetBody, ResetReply, StatusReply, TickBody, TickReply,
} from "./schema.ts";
import type { MallStore } from "./store.ts";

export interface RouteDeps {
  bridge: MallBridge;
  store: MallStore;
  queue: SerialQueue;
  opts: MallOptions;
  now: () => number;
}

export const NOT_INITIALIZED = "World not initialized. Call /init first.";
export const DT_RANGE = "dt must be in range (0, 10.0]";
const WORLD = "world";
/** What Response.json sends, so every reply carries the same type and charset. */
const JSON_TYPE = "application/json;charset=utf-8";

const badRequest = (message: string) => kernelError(mallProfile, "bad_request", message);

function issueError(issue: ValidationIssue): ApiError {
  if (issue.field === "dt") return badRequest(DT_RANGE);
  return badRequest(issueMessage(issue));
}

/** Failures inside a tick are the spec's "Simulation error", keeping the original trace. */
function simulationError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  // A full or read-only disk is the kernel's 507/503, not a simulation error.
  const storage = storageError(mallProfile, e);
  if (storage) return storage;
  const err = kernelError(mallProfile, "internal", `Simulation error: ${e instanceof Error ? e.message : String(e)}`);
  if (e instanceof Error && e.stack) err.stack = e.stack;
  return err;
}

export function mallRoutes(d: RouteDeps): RouteDef[] {
  const requireWorld = (): void => {
    if (!d.bridge.world) throw kernelError(mallProfile, "unavailable", NOT_INITIALIZED);
  };
  const errors = { 400: ErrorReply, 500: ErrorReply, 503: ErrorReply };
  return [
    route({
      method: "GET",
      path: "/health",
      summary: "Health check; always answers while the server runs",
      responses: { 200: HealthReply },
      handler: () => ({ status: "ok", service: "mall-sim-v6-bridge", world_initialized: d.bridge.world !== null }),
    }),
    route({
      method: "POST",
      path: "/init",
      summary: "Initialise the world from a config folder (opens a new session)",
      body: InitBody,
      bodyOptional: true,
      responses: { 200: InitReply, ...errors },
      validationError: issueError,
      handler: (c) =>
        d.queue.run(WORLD, async () => {
          const configPath = c.body.config_path ?? d.opts.defaultConfigPath;
          const r = await d.bridge.init(configPath, d.now() / 1000);
          if (!r.ok) {
            throw r.status === 400 ? badRequest(r.error) : kernelError(mallProfile, "internal", r.error);
          }
          return {
            status: "initialized",
            config_path: configPath,
            cloud_level: r.world.state.s[S.LEVEL] ?? 0,
            zones_loaded: r.world.def.zones.length,
            npcs_loaded: r.world.def.npcs.length,
          };
        }),
    }),
    route({
      method: "GET",
      path: "/status",
      summary: "World snapshot: cloud, counts, sessions and history",
      responses: { 200: StatusReply, 503: ErrorReply },
      onRequest: requireWorld,
      handler: () =>
        d.queue.run(WORLD, () => {
          const world = d.bridge.world;
          if (!world) throw kernelError(mallProfile, "unavailable", NOT_INITIALIZED);
          return statusFrame(world, d.store.history());
        }),
    }),
    route({
      method: "POST",
      path: "/tick",
      summary: "Advance the simulation by dt seconds with an optional player event",
      body: TickBody,
      responses: { 200: TickReply, ...errors },
      onRequest: requireWorld,
      validationError: issueError,
      handler: (c: RequestContext<{ dt: number; player_event?: unknown }>) =>
        d.queue.run(WORLD, async () => {
          const world = d.bridge.world;
          if (!world) throw kernelError(mallProfile, "unavailable", NOT_INITIALIZED);
          const ev = resolvePlayerEvent(world.index, c.body.player_event);
          if (!ev.ok) throw badRequest(ev.error);
          try {
            const out = await d.bridge.tick(c.body.dt, ev.event, d.now() / 1000);
            return new Response(out.body, { headers: { "content-type": JSON_TYPE } });
          } catch (e) {
            throw simulationError(e);
          }
        }),
    }),
    route({
      method: "POST",
      path: "/reset",
      summary: "Reset the world to initial conditions, optionally keeping its memory",
      body: ResetBody,
      bodyOptional: true,
      responses: { 200: ResetReply, ...errors },
      onRequest: requireWorld,
      validationError: issueError,
      handler: (c) =>
        d.queue.run(WORLD, async () => {
          const keep = c.body.keep_memory ?? false;
          const world = await d.bridge.reset(keep);
          return { status: "reset", keep_memory: keep, cloud_level: world.state.s[S.LEVEL] ?? 0 };
        }),
    }),
  ];
}
