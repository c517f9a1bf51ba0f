/**
 * Analytics mount: a durable consumer of the whole log into analytics.sqlite, the
 * read-only SQL route served by killable query-runner processes, and WS /ws/metrics.
 */
import type { WsRoute } from '../../../runtime/ws.ts';
import type { ComponentContext, Mounted } from '../bus-io/context.ts';
import { DurableConsumer } from '../bus-io/consumer.ts';
import { readOptions } from '../bus-io/options.ts';
import { AnalyticsIngest } from './ingest.ts';
import { METRICS_TOPIC, metricsSocket, secondFigures } from './live.ts';
import { QueryPool } from './query-pool.ts';
import { analyticsRoutes } from './routes.ts';
import { AnalyticsStore } from './store.ts';
import { AnalyticsWriter } from './writer.ts';

export const ANALYTICS_DEFAULTS = {
  flushMs: 100,
  /** Waiting rows past which the consumer waits for the writer (and falls behind the log instead of the bus slowing down). */
  flushRows: 20_000,
  /** Games kept in memory for their running aggregates. */
  maxGames: 10_000,
  /** Index every event in `events` (the writer thread's main cost); false keeps only the derived tables. */
  indexEvents: true,
  runners: 2,
  maxQueued: 32,
  maxRows: 10_000,
  maxBytes: 16 * 1_048_576,
  defaultTimeoutMs: 5000,
  maxTimeoutMs: 60_000,
  maxSqlBytes: 100_000,
  /** Start the query runners at start-up (else on the first query). */
  warm: false,
  /** WS /ws/metrics frame interval (figures are still per second). */
  metricsIntervalMs: 1000,
};

export async function mountAnalytics(c: ComponentContext): Promise<Mounted> {
  const o = readOptions('services.eventbus.options.analytics', c.options('analytics'), ANALYTICS_DEFAULTS);
  const store = new AnalyticsStore(c.dataDir);
  const writer = new AnalyticsWriter(c.dataDir);
  const breaker = c.breakers.get('analytics');
  const ingest = new AnalyticsIngest(store, writer, c.window, {
    flushRows: o.flushRows, maxGames: o.maxGames, indexEvents: o.indexEvents, now: c.ctx.now,
    onFlushError: (e) => {
      breaker.failure('flush failed');
      c.errors.report({ component: 'analytics', severity: 'ERROR', errorType: 'flush_failed', action: 'RETRY', message: 'writing analytics rows failed; kept for the next flush', error: e });
    },
  });
  const consumer = new DurableConsumer(c.log, { name: 'analytics', patterns: ['>'], position: () => ingest.written, handle: (events, through) => ingest.handle(events, through), pageSize: 5000 }, c.topicPrefix);
  const pool = new QueryPool(store.path, {
    runners: o.runners, maxQueued: o.maxQueued,
    onCrash: (message) => {
      breaker.failure(message);
      c.errors.report({ component: 'analytics', severity: 'ERROR', errorType: 'runner_crashed', action: 'RETRY', message });
    },
  });
  if (o.warm) pool.warm();
  const flusher = setInterval(() => void ingest.flush(), o.flushMs);
  flusher.unref();
  const ticker = setInterval(() => {
    const figures = secondFigures(c.window, c.ctx.now(), o.metricsIntervalMs);
    if (c.ctx.ws.subscribers(METRICS_TOPIC) > 0) c.ctx.ws.publish(METRICS_TOPIC, figures);
  }, o.metricsIntervalMs);
  ticker.unref();
  consumer.start();
  return {
    name: 'analytics',
    routes: analyticsRoutes(pool, o, async () => {
      // Read your writes: what the consumer has taken from the log is committed before the query runs.
      await ingest.flush();
      return { as_of_sequence: ingest.written, head_sequence: c.log.lastSequence() };
    }, (ms) => c.window.latency('query', ms)),
    ws: [metricsSocket(o.metricsIntervalMs) as WsRoute<unknown>],
    grpc: [],
    health: () => ({ position: consumer.position(), written: ingest.written, lag: consumer.lag(), indexed: ingest.indexed, flush_failures: ingest.failures, last_write_ms: Math.round(writer.lastWriteMs * 1000) / 1000, queries: pool.stats() }),
    close: async () => {
      clearInterval(flusher);
      clearInterval(ticker);
      consumer.stop();
      await ingest.flush().catch(() => {});
      await writer.close();
      await pool.close();
      store.close();
    },
  };
}
