/**
 * JimBot event bus on :8080 (gRPC :50051): durable ingest from BalatroMCP, history,
 * topic subscriptions (WebSocket and gRPC), dead letters, and commands back to the game.
 */
import { randomUUID } from 'node:crypto';
import type { ServiceDef, ServiceFactory } from '../../runtime/service.ts';
import type { WsRoute } from '../../runtime/ws.ts';
import { makeCodecs } from './codec.ts';
import { mountComponents, splitOptions } from './components.ts';
import { CommandQueues } from './commands.ts';
import { DEFAULT_TOPICS } from './engine/types.ts';
import { eventBusProfile } from './errors.ts';
import { GameTracker } from './games.ts';
import { startGrpc, type RunningGrpc } from './grpc.ts';
import { Ingest } from './ingest.ts';
import { NatsEventLog } from './log/nats.ts';
import { SqliteEventLog } from './log/sqlite.ts';
import type { EventLog } from './log/types.ts';
import { BusMetrics } from './metrics.ts';
import { parseOptions } from './options.ts';
import { loadProtos } from './proto.ts';
import { buildRoutes } from './routes.ts';
import { SubscriptionHub } from './subscriptions.ts';
import { eventsSocket } from './ws-route.ts';

/** The spec's memory budget for the bus ("Memory Allocation": Event Bus 2GB). */
const MEMORY_BUDGET = 2 * 1024 ** 3;

export const createEventBusService: ServiceFactory = async (ctx) => {
  const split = splitOptions(ctx.config.options);
  const opts = parseOptions(split.bus, ctx.env);
  const proto = loadProtos();
  const codecs = makeCodecs(proto);
  const topics = { ...DEFAULT_TOPICS, ...opts.topics };
  const metrics = new BusMetrics(ctx.metrics);
  const nats = opts.backend === 'nats'
    ? await NatsEventLog.open({
      servers: opts.natsUrl.split(',').map((u) => u.trim()), stream: opts.natsStream || opts.topicPrefix.toUpperCase().replace(/-/g, '_'), prefix: opts.topicPrefix,
      retentionMs: opts.retentionPeriod, maxMessageSize: opts.maxMessageSize, replicas: opts.replicationFactor, dedupeWindowMs: opts.dedupeWindow,
      reconnectWaitMs: opts.natsReconnectWait, name: `hotloop-eventbus-${process.pid}`, ackTimeoutMs: opts.natsAckTimeout, maxPendingBytes: opts.maxPendingBytes,
      clockSkewMs: opts.clockSkew, latenessMs: opts.lateness, onCommit: (ms) => metrics.commit(ms), note: (m, f) => ctx.log.info(m, { service: 'eventbus', ...f }),
    })
    : null;
  const log: EventLog = nats ?? await SqliteEventLog.open({
    dataDir: ctx.dataDir, name: 'eventbus', synchronous: opts.fsync ? 'FULL' : 'NORMAL', maxStorageBytes: opts.maxStorageBytes, cacheKb: Math.round(opts.cacheSize / 1024),
    dedupeWindowMs: opts.dedupeWindow, dedupeMaxEntries: opts.dedupeMaxEntries, maxPendingBytes: opts.maxPendingBytes, maxGroupBytes: opts.maxGroupBytes,
    clockSkewMs: opts.clockSkew, latenessMs: opts.lateness, now: ctx.now, writerThread: opts.writerThread || opts.fsync, onCommit: (ms) => metrics.commit(ms),
  });
  const games = new GameTracker(opts.gameActiveWindow, ctx.now);
  const newId = (): string => randomUUID();
  const ingest = new Ingest({ log, codecs, opts, topics, games, metrics, now: ctx.now, newId });
  const hub = new SubscriptionHub(log, (t, m) => ctx.ws.publish(t, m), codecs.decodeTyped, opts, metrics);
  const commands = new CommandQueues(ctx.dataDir, { log, proto, codecs, opts, topics, games, now: ctx.now, newId });
  const started = Date.now();

  let grpc: RunningGrpc | null = null;
  let components: Awaited<ReturnType<typeof mountComponents>> | null = null;
  const cleanup = async (): Promise<void> => {
    await components?.close();
    hub.close();
    await grpc?.stop();
    await log.close();
    commands.close();
  };
  try {
    // Knowledge graph, decisions, advisor, analytics, resources: consumers and producers on this log.
    components = await mountComponents(ctx, { log, ingest, busMetrics: metrics, topicPrefix: opts.topicPrefix, commandTypes: opts.commandTypes, options: split.components });
  } catch (e) {
    await cleanup();
    throw e;
  }
  if (opts.grpcEnabled) {
    try {
      grpc = await startGrpc({
        proto, ingest, hub, commands, opts, metrics, log: ctx.log, extraServices: components.mounted.flatMap((m) => m.grpc),
        observe: (method, ms) => ctx.metrics.observe('eventbus_grpc_duration_ms', { method }, ms, 'gRPC call latency (ms)'),
      });
      ctx.log.info('listening', { service: 'eventbus.grpc', url: `grpc://${grpc.address}` });
    } catch (e) {
      await cleanup();
      throw new Error(`eventbus: gRPC cannot listen on ${opts.grpcHost}:${opts.grpcPort}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  // Retention: delete in bounded chunks so appends queued behind a sweep wait milliseconds, not seconds.
  let sweeping = false;
  const sweepOnce = async (): Promise<void> => {
    if (sweeping) return;
    sweeping = true;
    try {
      const cutoff = ctx.now() - opts.retentionPeriod;
      let total = 0;
      for (let i = 0; i < 1000; i++) {
        const n = await log.sweep(cutoff);
        total += n;
        if (n === 0) break;
        await Bun.sleep(5);
      }
      if (total > 0) ctx.log.info('retention sweep', { deleted: total, first_sequence: log.firstSequence() });
    } finally {
      sweeping = false;
    }
  };
  const sweeper = setInterval(() => void sweepOnce(), opts.sweepInterval);
  sweeper.unref();
  void sweepOnce();

  const health = (): { status: 'ok' | 'degraded' | 'unavailable'; body: Record<string, unknown> } => {
    const s = log.stats();
    const subs = hub.stats();
    const usage = s.storageLimitBytes > 0 ? s.storageBytes / s.storageLimitBytes : null;
    const status = s.broken ? 'unavailable' : s.lastError !== null || (usage !== null && usage > 0.9) || s.pendingBytes > opts.maxPendingBytes / 2 ? 'degraded' : 'ok';
    return {
      status,
      body: {
        status, service: 'eventbus', version: '1.0.0', uptime_s: Math.round((Date.now() - started) / 1000),
        last_sequence: s.lastSeq, first_sequence: s.firstSeq, events: s.count,
        backlog: { pending_events: s.pendingEvents, pending_bytes: s.pendingBytes, queued_commands: commands.totalQueued(), lagging_subscribers: subs.paused + subs.catching_up },
        storage: {
          engine: opts.backend, bytes: s.storageBytes, limit_bytes: s.storageLimitBytes, usage_ratio: usage, synchronous: nats ? null : opts.fsync ? 'FULL' : 'NORMAL',
          retention_ms: opts.retentionPeriod, partitions: opts.partitions, replication_factor: opts.replicationFactor, max_message_size: opts.maxMessageSize,
        },
        subscribers: subs,
        dedupe: { entries: s.dedupeEntries, window_ms: s.dedupeWindowMs },
        grpc: grpc ? { address: grpc.address } : null,
        nats: nats ? nats.natsState() : null,
        last_error: s.lastError,
        components: components?.health() ?? null,
      },
    };
  };

  metrics.resource('storage', 'eventbus', () => {
    const s = log.stats();
    return s.storageLimitBytes > 0 ? s.storageBytes / s.storageLimitBytes : 0;
  });
  metrics.resource('backlog', 'eventbus', () => log.stats().pendingBytes / opts.maxPendingBytes);
  metrics.resource('memory', 'eventbus', () => process.memoryUsage.rss() / MEMORY_BUDGET);
  metrics.resource('dedupe_window', 'eventbus', () => log.stats().dedupeEntries / opts.dedupeMaxEntries);
  ctx.metrics.gauge('eventbus_last_sequence', {}, () => log.lastSequence(), 'Highest committed sequence');
  ctx.metrics.gauge('eventbus_subscribers', {}, () => hub.stats().subscribers, 'Connected subscribers (WebSocket and gRPC)');
  ctx.metrics.gauge('eventbus_subscriber_lag_events_total', {}, () => hub.lagEvents, 'Times a subscriber fell behind and left live delivery');

  ctx.log.info('event log open', { backend: opts.backend, last_sequence: log.lastSequence(), first_sequence: log.firstSequence(), ...(nats ? nats.natsState() : { synchronous: opts.fsync ? 'FULL' : 'NORMAL' }) });

  const routes = [...buildRoutes({ ingest, log, hub, commands, metrics, opts, topics, health }), ...components.mounted.flatMap((m) => m.routes)];
  const def: ServiceDef = {
    name: 'eventbus',
    title: 'JimBot event bus',
    version: '1.0.0',
    profile: eventBusProfile,
    routes,
    ws: [eventsSocket(hub, log) as WsRoute<unknown>, ...components.mounted.flatMap((m) => m.ws)],
    renderMetrics: () => metrics.render(),
    close: async () => {
      clearInterval(sweeper);
      await cleanup();
    },
  };
  return def;
};
