/** Kolibri Ω on :9000 — Δ-VM, expression compiler, F-KV, program scoring, proof-of-work chain. */
import { closeDatabase, openDatabase } from "../../runtime/db.ts";
import { kolibriProfile } from "../../runtime/errors.ts";
import { Idempotency } from "../../runtime/idempotency.ts";
import { RateLimiter } from "../../runtime/ratelimit.ts";
import type { ServiceDef, ServiceFactory } from "../../runtime/service.ts";
import type { WsConn, WsRoute } from "../../runtime/ws.ts";
import { KolibriCore, TOPICS } from "./core.ts";
import { parseOptions } from "./options.ts";
import { buildRoutes } from "./routes.ts";
import { EventsClientMessage } from "./schema.ts";
import { renderRouteTotals } from "./stats.ts";
import { KolibriStore, MIGRATIONS } from "./store.ts";

type Topic = keyof typeof TOPICS;
const ALL_TOPICS = Object.keys(TOPICS) as Topic[];

export const createKolibriService: ServiceFactory = (ctx) => {
  const opts = parseOptions(ctx.config.options);
  const db = openDatabase(ctx.dataDir, "kolibri", MIGRATIONS);
  const store = new KolibriStore(db, ctx.now, opts.replayCacheMax);
  const core = new KolibriCore({ opts, store, pool: ctx.pool, metrics: ctx.metrics, hub: ctx.ws, now: ctx.now, log: ctx.log });
  const routes = buildRoutes({
    core,
    opts,
    idem: new Idempotency(store),
    metrics: ctx.metrics,
    limits: {
      dialog: RateLimiter.perMinute(opts.dialogPerMinute, ctx.now),
      program: RateLimiter.perMinute(opts.programPerMinute, ctx.now),
      chain: RateLimiter.perMinute(opts.chainPerMinute, ctx.now),
    },
  });

  // The spec's "planned" stream: every client starts subscribed to all topics.
  const events: WsRoute<{ topics: Set<Topic> }> = {
    path: "/api/v1/events",
    summary: "VM traces, accepted programs and new blocks as they happen",
    schema: EventsClientMessage,
    upgrade: () => ({ topics: new Set<Topic>() }),
    open(conn) {
      for (const t of ALL_TOPICS) conn.subscribe(TOPICS[t]);
      conn.data.topics = new Set(ALL_TOPICS);
      core.vmWatchers++;
      conn.send({ type: "hello", topics: ALL_TOPICS, height: core.blocks.length });
    },
    message(conn: WsConn<{ topics: Set<Topic> }>, raw) {
      const msg = raw as { type: "subscribe" | "unsubscribe" | "ping"; topics?: Topic[] };
      if (msg.type === "ping") {
        conn.send({ type: "pong" });
        return;
      }
      const hadVm = conn.data.topics.has("vm");
      for (const t of msg.topics ?? ALL_TOPICS) {
        if (msg.type === "subscribe") {
          conn.subscribe(TOPICS[t]);
          conn.data.topics.add(t);
        } else {
          conn.unsubscribe(TOPICS[t]);
          conn.data.topics.delete(t);
        }
      }
      core.vmWatchers += Number(conn.data.topics.has("vm")) - Number(hadVm);
      conn.send({ type: "subscribed", topics: [...conn.data.topics] });
    },
    close(conn) {
      if (conn.data.topics.has("vm")) core.vmWatchers--;
    },
  };

  const def: ServiceDef = {
    name: "kolibri",
    title: "Kolibri Ω API",
    version: opts.version,
    profile: kolibriProfile,
    routes,
    ws: [events as WsRoute<unknown>],
    // The kernel's registry already holds the other kolibri_* series (admin /metrics renders them).
    renderMetrics: () => renderRouteTotals(ctx.metrics, "kolibri"),
    close: () => closeDatabase(db),
  };
  return def;
};
