/**
 * WS /ws/metrics: every `metricsIntervalMs` (1 s), the figures of the interval that just closed, per second — events/s
 * by type (and in total), decisions/s, strategy responses/s, and p99 latencies (ms) of
 * decisions, GraphQL, the advisor, resource requests, analytics queries and event commit
 * (receive → committed, as the analytics consumer sees it).
 */
import type { WsRoute } from '../../../runtime/ws.ts';
import { broadcastSocket } from '../bus-io/broadcast.ts';
import type { SecondWindow } from '../bus-io/window.ts';

export const METRICS_TOPIC = 'eventbus:metrics';

export function secondFigures(w: SecondWindow, at: number, intervalMs: number): Record<string, unknown> {
  const { counts, p99 } = w.take();
  const scale = 1000 / intervalMs;
  const byType: Record<string, number> = {};
  let total = 0;
  for (const [k, v] of Object.entries(counts)) {
    if (!k.startsWith('event:')) continue;
    byType[k.slice(6)] = v * scale;
    total += v * scale;
  }
  const p99ms: Record<string, number | null> = {};
  for (const k of ['decisions', 'graphql', 'graphql_mutation', 'advisor', 'resources', 'query', 'ingest_commit']) p99ms[k] = p99[k]?.p99_ms ?? null;
  return {
    type: 'metrics', at, interval_ms: intervalMs,
    events_per_s: { total, by_type: byType },
    decisions_per_s: (counts.decisions ?? 0) * scale,
    decisions_logged_per_s: (counts.decisions_logged ?? 0) * scale,
    strategy_responses_per_s: (counts.strategy_responses ?? 0) * scale,
    p99_ms: p99ms,
    samples: Object.fromEntries(Object.entries(p99).map(([k, v]) => [k, v.count])),
  };
}

export function metricsSocket(intervalMs: number): WsRoute<null> {
  return broadcastSocket({ path: '/ws/metrics', summary: 'StreamMetrics: a {type:"metrics"} frame every interval with events/s by type, decisions/s and p99 latencies', topic: METRICS_TOPIC, welcome: () => ({ stream: 'metrics', interval_ms: intervalMs }) });
}
