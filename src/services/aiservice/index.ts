// OpenKore AI service (:9902): episodic memory with similarity search, and the
// multi-agent planning crew. See README.md in this folder.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigError } from "../../config.ts";
import { loadMapTable, type MapTable } from "../../contracts/ro-maps.ts";
import { checkBearer } from "../../runtime/auth.ts";
import { ApiError, openkoreProfile } from "../../runtime/errors.ts";
import type { Logger } from "../../runtime/log.ts";
import type { ServiceDef, ServiceFactory } from "../../runtime/service.ts";
import { Backups } from "./backup.ts";
import { Maintenance } from "./maintenance.ts";
import { CrewRunner } from "./crew.ts";
import { buildGameData, type GameData } from "./engine/index.ts";
import { llmEmbedder, localEmbedder, MemoryBank } from "./memory.ts";
import { parseOptions } from "./options.ts";
import { buildRoutes } from "./routes.ts";
import { AiStore } from "./store.ts";

const GAME_FILES = {
  maps: "farming-maps.json",
  jobs: "jobs.json",
  potions: "potions.json",
  baseExp: "base-exp.json",
  planner: "planner.json",
} as const;

export function loadGameData(dir: string, maps: MapTable): GameData {
  const raw: Record<string, unknown> = {};
  for (const [key, file] of Object.entries(GAME_FILES)) {
    try {
      raw[key] = JSON.parse(readFileSync(join(dir, file), "utf8")) as unknown;
    } catch (e) {
      throw new ConfigError("services.aiservice.options.game_data_dir", `cannot read ${file}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  const built = buildGameData(raw, maps);
  if (!built.ok) throw new ConfigError("services.aiservice.options.game_data_dir", built.errors.join("; "));
  return built.data;
}

/** Moves WAL checkpoints off the request path; falls back to inline ones if the thread fails. */
function startCheckpoints(store: AiStore, maintenance: Maintenance, seconds: number, log: Logger): ReturnType<typeof setInterval> | null {
  if (seconds <= 0) return null;
  store.db.exec("PRAGMA wal_autocheckpoint = 0");
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    maintenance
      .checkpoint()
      .catch((e: unknown) => {
        log.error("checkpoint failed; inline auto-checkpoint restored", { error: String(e) });
        store.db.exec("PRAGMA wal_autocheckpoint = 1000");
        clearInterval(timer);
      })
      .finally(() => {
        busy = false;
      });
  }, seconds * 1000);
  timer.unref?.();
  return timer;
}

export const createAiService: ServiceFactory = (ctx) => {
  const opts = parseOptions(ctx.config.options);
  const token = ctx.env["OPENKORE_AI_TOKEN"];
  if (opts.require_token && !token) throw new ConfigError("services.aiservice.options.require_token", "OPENKORE_AI_TOKEN is not set");
  let maps: MapTable;
  try {
    maps = loadMapTable();
  } catch (e) {
    throw new ConfigError("services.aiservice", `shared map table: ${e instanceof Error ? e.message : String(e)}`);
  }
  const data = loadGameData(opts.game_data_dir, maps);
  const remote = ctx.llmConfig.provider !== "local";
  if (opts.embedding_provider === "llm" && !ctx.llm.embed) {
    throw new ConfigError("services.aiservice.options.embedding_provider", `LLM provider ${ctx.llm.name} has no embeddings endpoint`);
  }
  const embedder = opts.embedding_provider === "llm" ? llmEmbedder(ctx.llm, opts.embedding_dim) : localEmbedder(opts.embedding_dim);

  const store = new AiStore(ctx.dataDir);
  const bank = new MemoryBank(store, embedder, ctx.pool, opts, ctx.now);
  const t0 = performance.now();
  const { loaded, skipped } = bank.load();
  ctx.log.info("memories loaded", { loaded, skipped, ms: Math.round(performance.now() - t0) });
  const crew = new CrewRunner(data, maps, remote && opts.crew_llm === "auto" ? ctx.llm : null, store, ctx.now, ctx.log, opts.crew_tasks_retain);
  const maintenance = new Maintenance(store.path);
  const checkpoints = startCheckpoints(store, maintenance, opts.checkpoint_interval_seconds, ctx.log);
  const backups = new Backups(
    maintenance,
    join(ctx.dataDir, "aiservice", "backups"),
    opts.backup_interval_minutes * 60_000,
    opts.backup_retain,
    ctx.now,
    ctx.log,
  );
  backups.start();

  const def: ServiceDef = {
    name: "aiservice",
    title: "OpenKore AI service (episodic memory, planning crew)",
    version: "2.0.0",
    profile: openkoreProfile,
    routes: buildRoutes({ opts, bank, crew, store, backups, embedderName: embedder.name, now: ctx.now, llm: ctx.llm }),
    onRequest: opts.require_token
      ? (req) => {
          if (!checkBearer(req.request.headers.get("authorization"), token ?? "")) {
            throw new ApiError(401, "INVALID_TOKEN", "Authentication token is invalid or expired");
          }
        }
      : undefined,
    close: async () => {
      if (checkpoints) clearInterval(checkpoints);
      await backups.stop();
      maintenance.close();
      store.close();
    },
  };
  return def;
};
