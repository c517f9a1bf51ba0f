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
import { SERVER_VERSION, type App } from "./app.ts";
import { ConfigSet, DEFAULT_CONFIG_DIR } from "./configs.ts";
import { OpenkoreCore } from "./core.ts";
import { authHook, rateHook, type Guard } from "./guard.ts";
import { readOptions } from "./options.ts";
import { decideRoutes } from "./routes-decide.ts";
import { opsRoutes } from "./routes-ops.ts";
import { socialRoutes } from "./routes-social.ts";
import { Sessions } from "./sessions.ts";
import { Stats } from "./stats.ts";
import { OpenkoreStore } from "./store.ts";
import { TaskRunner } from "./tasks.ts";
import { stateStream } from "./ws.ts";

export const createOpenkoreService: ServiceFactory = async (ctx) => {
  const o = readOptions(ctx.config.options);
  const configs = new ConfigSet(o.config_dir ?? DEFAULT_CONFIG_DIR, ctx.llmConfig);
  const bad = configs.loadAll();
  if (bad.length > 0) throw new ConfigError(`services.openkore.options.config_dir`, bad.map((e) => `${e.file}: ${e.field ?? ""} ${e.message}`).join("; "));

  const tok = loadOrCreateToken(ctx.env.OPENKORE_AI_TOKEN, join(ctx.dataDir, "openkore", "token"));
  // Printed once, on the start that generated it, so the operator can configure the plugin.
  if (tok.generated) console.log(`openkore: generated API token ${tok.token} (saved to ${join(ctx.dataDir, "openkore", "token")})`);

  const store = new OpenkoreStore(ctx.dataDir);
  const startedAt = ctx.now();
  const stats = new Stats(startedAt, ctx.metrics);
  const sessions = new Sessions(o.max_sessions, store);
  const ai = makeAiClient({ env: ctx.env, peers: ctx.peers, token: tok.token, now: () => performance.now() });
  const push = (sessionId: string, msg: unknown): void => {
    const s = sessions.get(sessionId, ctx.now());
    if (s) for (const c of s.sockets) c.send(msg);
  };
  const tasks = new TaskRunner({
    store, ai, llm: ctx.llm, configs, dataDir: ctx.dataDir, now: ctx.now, log: ctx.log, push,
    estimates: { llm: o.llm_estimate_seconds, macro: o.macro_estimate_seconds },
    timeoutsMs: { llm: configs.engine.budgets_ms.llm, macro: configs.engine.budgets_ms.llm_strategic },
  });
  const guard: Guard = {
    token: tok.token, tokenHash: hashToken(tok.token),
    limiter: new RateLimiter({ capacity: o.rate_limit_per_second, refillPerSec: o.rate_limit_per_second }, ctx.now),
    serial: new SerialQueue({ maxDepth: o.queue_depth, maxInFlight: o.max_in_flight, startTimeoutMs: o.start_timeout_ms }, openkoreProfile),
    sessions, stats, now: ctx.now, requestTimeoutMs: o.request_timeout_ms,
  };
  const core = new OpenkoreCore(o, configs, sessions, store, stats, tasks, ai, ctx.pool, ctx.log, ctx.now);
  void core.refreshAi(true);

  const app: App = { ctx, g: guard, core, configs, tasks, startedAt, push, chatTimes: new Map(), seq: { exec: 0 } };
  const def: ServiceDef = {
    name: "openkore", profile: openkoreProfile, title: "OpenKore AI Engine", version: SERVER_VERSION,
    onRequest: authHook(guard),
    preHandler: rateHook(guard),
    routes: [...decideRoutes(app), ...opsRoutes(app), ...socialRoutes(app)],
    ws: [stateStream(app) as WsRoute<unknown>],
    async close() {
      tasks.close();
      await core.idle();
      store.close();
    },
  };
  return def;
};
