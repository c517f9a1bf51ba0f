/**
 * Admin listener (:9090): Prometheus /metrics for every service plus process figures,
 * /healthz, a live dashboard at / (uPlot from npm, served as a file; no build step),
 * /api/stats (what the dashboard polls; POST /api/stats/reset empties the latency
 * histograms), /openapi/<service>.json, and with pool.faultInjection only,
 * /api/pool/faults (arm worker faults for the worker-fault drill).
 */
import type { Server } from 'bun';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ListenerConfig } from '../config.ts';
import { kernelError, plainProfile } from './errors.ts';
import type { Logger } from './log.ts';
import type { LatencySnapshot, Metrics } from './metrics.ts';
import { openApiDocument } from './openapi.ts';
import type { WorkerPool } from './pool.ts';
import { DEFAULT_MAX_HEADER_BYTES, DEFAULT_MAX_URL_BYTES, oversizedRequest } from './request-limits.ts';
import type { RunningHttpService } from './server.ts';

/** The admin port echoes paths in its 404s: the services' URL and header limits apply. */
const ADMIN_LIMITS = { maxUrlBytes: DEFAULT_MAX_URL_BYTES, maxHeaderBytes: DEFAULT_MAX_HEADER_BYTES };

export interface AdminDeps {
  services: Map<string, RunningHttpService>;
  metrics: Metrics;
  pool: WorkerPool;
  log: Logger;
}

export interface RunningAdmin {
  url: string;
  server: Server<undefined>;
  stop(): void;
}

const DASHBOARD = fileURLToPath(new URL('./dashboard.html', import.meta.url));
const UPLOT_JS = fileURLToPath(import.meta.resolve('uplot/dist/uPlot.iife.min.js'));
const UPLOT_CSS = fileURLToPath(import.meta.resolve('uplot/dist/uPlot.min.css'));

/** How often the event-loop delay is sampled: 100 samples a second carry a p99 within ten seconds. */
export const LOOP_LAG_INTERVAL_MS = 10;

/** Samples event-loop delay: how late a 10 ms timer fires (whatever held the loop, and the machine's own scheduling delay). */
function loopLagProbe(metrics: Metrics): () => void {
  let last = performance.now();
  let lagMs = 0;
  const t = setInterval(() => {
    const now = performance.now();
    lagMs = Math.max(0, now - last - LOOP_LAG_INTERVAL_MS);
    metrics.observe('hotloop_event_loop_lag_ms', {}, lagMs, `Event-loop delay (ms), sampled every ${LOOP_LAG_INTERVAL_MS} ms`);
    last = now;
  }, LOOP_LAG_INTERVAL_MS);
  t.unref();
  metrics.gauge('hotloop_event_loop_lag_last_ms', {}, () => lagMs, 'Most recent event-loop delay sample (ms)');
  return () => clearInterval(t);
}

export function startAdmin(cfg: ListenerConfig, deps: AdminDeps): RunningAdmin {
  const { metrics, pool, services } = deps;
  metrics.gauge('process_resident_memory_bytes', {}, () => process.memoryUsage.rss(), 'Resident set size');
  metrics.gauge('process_heap_used_bytes', {}, () => process.memoryUsage().heapUsed, 'JS heap in use');
  metrics.gauge('hotloop_pool_queue_depth', {}, () => pool.stats().queueSize, 'Tasks waiting for a pool thread');
  metrics.gauge('hotloop_pool_utilization', {}, () => pool.stats().utilization, 'Share of pool thread time spent on tasks (0-1)');
  metrics.gauge('hotloop_pool_threads', {}, () => pool.stats().threads, 'Pool threads alive');
  metrics.gauge('hotloop_pool_tasks_completed', {}, () => pool.stats().completed, 'Pool tasks completed');
  metrics.gauge('hotloop_uptime_seconds', {}, () => process.uptime(), 'Process uptime');
  const stopProbe = loopLagProbe(metrics);
  const started = Date.now();

  // Histograms exist from startup for every route; only routes that saw traffic are listed.
  const routeRows = (snaps: LatencySnapshot[]) =>
    snaps.filter((s) => s.count > 0).map((s) => ({
      series: s.labels, service: s.values.service ?? '', route: s.values.route ?? '',
      count: s.count, p50_ms: s.p50_ms, p90_ms: s.p90_ms, p99_ms: s.p99_ms, max_ms: s.max_ms,
    }));
  const lag = (snaps: LatencySnapshot[]) => ({ count: snaps[0]?.count ?? 0, p50_ms: snaps[0]?.p50_ms ?? 0, p90_ms: snaps[0]?.p90_ms ?? 0, p99_ms: snaps[0]?.p99_ms ?? 0, max_ms: snaps[0]?.max_ms ?? 0 });
  /** Since start (or the last reset), plus a sliding window of the last `windowS` seconds (10 or 60) for the dashboard. */
  const stats = (windowS: number): unknown => ({
    time: Date.now(),
    uptime_s: (Date.now() - started) / 1000,
    rss_bytes: process.memoryUsage.rss(),
    pool: pool.stats(),
    loop_lag_p99_ms: metrics.snapshot('hotloop_event_loop_lag_ms')[0]?.p99_ms ?? 0,
    loop_lag: lag(metrics.snapshot('hotloop_event_loop_lag_ms')),
    routes: routeRows(metrics.snapshot('hotloop_http_request_duration_ms')),
    recent: {
      window_s: windowS,
      loop_lag: lag(metrics.recent('hotloop_event_loop_lag_ms', windowS)),
      routes: routeRows(metrics.recent('hotloop_http_request_duration_ms', windowS)),
    },
  });

  /** `{task, mode: throw|exit|hang, count?}`: the next `count` runs of the task fail that way (drills only). */
  const armFault = async (req: Request): Promise<Response> => {
    const bad = (message: string): Response => Response.json(plainProfile.format(kernelError(plainProfile, 'bad_request', message), { requestId: '', debug: false }), { status: 400 });
    let b: unknown;
    try {
      b = await req.json();
    } catch {
      return bad('expected a JSON body {task, mode, count?}');
    }
    const { task, mode, count = 1 } = (typeof b === 'object' && b !== null ? b : {}) as { task?: unknown; mode?: unknown; count?: unknown };
    if (typeof task !== 'string' || task === '') return bad('task must be a pool task name');
    if (mode !== 'throw' && mode !== 'exit' && mode !== 'hang') return bad('mode must be throw, exit or hang');
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > 1000) return bad('count must be an integer 1..1000');
    return Response.json({ armed: pool.armFault(task, mode, count) });
  };

  const server = Bun.serve({
    hostname: cfg.host,
    port: cfg.port,
    tls: cfg.tls ? { cert: Bun.file(cfg.tls.certFile), key: Bun.file(cfg.tls.keyFile) } : undefined,
    routes: {
      '/metrics': () => {
        const extra = [...services.values()].map((s) => s.def.renderMetrics?.() ?? '').join('');
        return new Response(metrics.render() + extra, { headers: { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' } });
      },
      '/healthz': () => Response.json({ status: 'ok', uptime_s: process.uptime(), services: [...services.keys()] }),
      '/api/stats': (req) => Response.json(stats(new URL(req.url).searchParams.get('window') === '60' ? 60 : 10)),
      '/api/stats/reset': {
        POST: () => {
          metrics.resetLatencies();
          return Response.json({ status: 'ok' });
        },
      },
      // Without pool.faultInjection the route answers like any unknown path.
      '/api/pool/faults': pool.options.faultInjection
        ? { GET: () => Response.json({ faults: pool.armedFaults(), pool: pool.stats() }), POST: armFault }
        : (req) => Response.json({ error: { code: 'NOT_FOUND', message: `No route for ${req.method} /api/pool/faults`, details: {} } }, { status: 404 }),
      '/': () => new Response(readFileSync(DASHBOARD), { headers: { 'Content-Type': 'text/html; charset=utf-8' } }),
      '/static/uplot.js': () => new Response(Bun.file(UPLOT_JS), { headers: { 'Content-Type': 'text/javascript; charset=utf-8' } }),
      '/static/uplot.css': () => new Response(Bun.file(UPLOT_CSS), { headers: { 'Content-Type': 'text/css; charset=utf-8' } }),
      '/openapi/:service': (req) => {
        const tooLong = oversizedRequest(req, ADMIN_LIMITS, plainProfile);
        if (tooLong) return Response.json(plainProfile.format(tooLong, { requestId: '', debug: false }), { status: tooLong.status });
        const name = req.params.service.replace(/\.json$/, '');
        const s = services.get(name);
        if (!s) return Response.json({ error: { code: 'NOT_FOUND', message: `No running service "${name}"`, details: { known: [...services.keys()] } } }, { status: 404 });
        return Response.json(openApiDocument(s.def, s.url));
      },
    },
    fetch: (req) => {
      const tooLong = oversizedRequest(req, ADMIN_LIMITS, plainProfile);
      if (tooLong) return Response.json(plainProfile.format(tooLong, { requestId: '', debug: false }), { status: tooLong.status });
      return Response.json({ error: { code: 'NOT_FOUND', message: `No route for ${req.method} ${new URL(req.url).pathname}`, details: {} } }, { status: 404 });
    },
  });
  return {
    url: `http://${cfg.host}:${server.port}`,
    server,
    stop() {
      stopProbe();
      void server.stop(true);
    },
  };
}
