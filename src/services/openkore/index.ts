// openkore engine service (:9901): wires config, store, sessions, tiers, tasks,
// guards and the route tables. See README.md.
import { join } from "node:path";
import { ConfigError } from "../../config.ts";
import { hashToken, loadOrCreateToken } from "../../runtime/auth.ts";
import { openkoreProfile } from "../../runtime/errors.ts";
import { RateLimiter } from "../../runtime/ratelimit.ts";
import { SerialQueue } from "../../runtime/serial.ts";
import type { ServiceDef, ServiceFactory } from "../../runtime/service.ts";
import type { WsRoute } from "../../runtime/ws.ts";
import { makeAiClient } from "./ai-client.ts";
import { AiMonitor } from "./ai-monitor.ts";
import { SERVER_VERSION, type App } from "./app.ts";
import { ConfigSet, DEFAULT_CONFIG_DIR } from "./configs.ts";
import { OpenkoreCore } from "./core.ts";
import { SpamWindow } from "./engine/social/spam-window.ts";
import { authHook, rateHook, type Guard } from "./guard.ts";
import { readOptions } from "./options.ts";
import { decideRoutes } from "./routes-decide.ts";
import { opsRoutes } from "./routes-ops.ts";
import { socialRoutes } from "./routes-social.ts";
import { FLUSH_SLICE, Sessions } from "./sessions.ts";
import { Stats } from "./stats.ts";
import { OpenkoreStore } from "./store.ts";
import { TaskRunner } from "./tasks.ts";
import { stateStream } from "./ws.ts";

export const createOpenkoreService: ServiceFactory = async (ctx) => {
  const o = readOptions(ctx.config.options);
  const configs = new ConfigSet(o.config_dir ?? DEFAULT_CONFIG_DIR, ctx.llmConfig);
  const bad = configs.loadAll();
  if (bad.length > 0) throw new ConfigError(`services.openkore.options.config_dir`, bad.map((e) => `${e.file}: ${e.field ?? ""} ${e.message}`).join("; "));

  const tokenFile = join(ctx.dataDir, "openkore", "token");
  const tok = loadOrCreateToken(ctx.env.OPENKORE_AI_TOKEN, tokenFile);
  // The token itself never goes to the log stream (shippers keep it): only where it is.
  if (tok.generated) ctx.log.warn("generated API token (no OPENKORE_AI_TOKEN set); clients need it as the bearer token", { token_file: tokenFile });

  const aiUrl = ctx.env.AI_SERVICE_URL;
  if (aiUrl !== undefined && aiUrl !== "" && !/^https?:\/\/[^/\s]+/.test(aiUrl)) throw new ConfigError("AI_SERVICE_URL", `must be an http(s) URL such as http://127.0.0.1:9902, got ${JSON.stringify(aiUrl)}`);
  const store = new OpenkoreStore(ctx.dataDir);
  const startedAt = ctx.now();
  const stats = new Stats(startedAt, ctx.metrics);
  const sessions = new Sessions({ capacity: o.max_sessions, ttlMs: o.session_ttl_seconds * 1000 }, store, ctx.now());
  const ai = makeAiClient({ env: ctx.env, peers: ctx.peers, token: tok.token, clock: { mono: () => performance.now(), wall: ctx.now }, probeTimeoutMs: o.ai_probe_timeout_ms });
  const monitor = new AiMonitor(ai, o.ai_probe_ms, ctx.now);
  const push = (sessionId: string, msg: unknown): void => {
    const s = sessions.peek(sessionId);
    if (s) for (const c of s.sockets) c.send(msg);
  };
  const tasks = new TaskRunner({
    store, ai, monitor, llm: ctx.llm, configs, dataDir: ctx.dataDir, now: ctx.now, log: ctx.log, push,
    estimates: { llm: o.llm_estimate_seconds, macro: o.macro_estimate_seconds },
    timeoutsMs: { llm: configs.engine.budgets_ms.llm, macro: configs.engine.budgets_ms.llm_strategic },
    maxRunning: o.max_running_tasks,
  });
  const guard: Guard = {
    token: tok.token, tokenHash: hashToken(tok.token),
    limiter: new RateLimiter({ capacity: o.rate_limit_per_second, refillPerSec: o.rate_limit_per_second }, ctx.now),
    serial: new SerialQueue({ maxDepth: o.queue_depth, maxInFlight: o.max_in_flight, startTimeoutMs: o.start_timeout_ms }, openkoreProfile),
    sessions, stats, now: ctx.now, requestTimeoutMs: o.request_timeout_ms, sessionTtlSeconds: o.session_ttl_seconds,
  };
  const core = new OpenkoreCore(o, configs, sessions, store, stats, tasks, monitor, ctx.pool, ctx.log, ctx.now);
  void monitor.probe();
  const chatTimes = new SpamWindow(60_000, o.max_chat_senders);

  // Housekeeping off the request path: expire sessions, persist last_seen, prune old tasks and outcomes.
  let flushing = false;
  let closed = false;
  const flushSlices = (): void => {
    if (closed) return;
    flushing = sessions.flush(FLUSH_SLICE);
    if (flushing) setImmediate(flushSlices);
  };
  const housekeeping = (): void => {
    const now = ctx.now();
    sessions.sweep(now);
    if (!flushing) flushSlices();
    store.pruneTasks(now - o.task_ttl_seconds * 1000);
    store.pruneOutcomes(o.outcome_log_max_rows);
    chatTimes.prune(now);
  };
  const sweepTimer = setInterval(housekeeping, Math.min(60_000, Math.max(1000, (o.session_ttl_seconds * 1000) / 4)));
  sweepTimer.unref?.();

  const app: App = { ctx, g: guard, core, configs, tasks, startedAt, push, chatTimes, ai: monitor, seq: { exec: 0 } };
  const def: ServiceDef = {
    name: "openkore", profile: openkoreProfile, title: "OpenKore AI Engine", version: SERVER_VERSION,
    security: { bearer: { description: "OPENKORE_AI_TOKEN, or the token generated into <dataDir>/openkore/token on first start; /api/v1/health needs none" } },
    onRequest: authHook(guard),
    preHandler: rateHook(guard),
    routes: [...decideRoutes(app), ...opsRoutes(app), ...socialRoutes(app)],
    ws: [stateStream(app) as WsRoute<unknown>],
    async close() {
      closed = true;
      clearInterval(sweepTimer);
      tasks.close();
      await core.idle();
      sessions.flush();
      store.close();
    },
  };
  return def;
};
