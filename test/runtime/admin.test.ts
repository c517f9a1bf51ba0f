import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { defaultConfig } from '../../src/config.ts';
import { startHotloop, type Hotloop } from '../../src/runtime/app.ts';
import { createLogger } from '../../src/runtime/log.ts';
import { tempDir, testPool } from '../helpers.ts';
import { fixtureFactory } from './fixture-service.ts';

let app: Hotloop;
let admin: string;
let svcUrl: string;
beforeAll(async () => {
  const cfg = defaultConfig();
  cfg.dataDir = tempDir();
  cfg.admin.port = 0;
  for (const s of Object.values(cfg.services)) s.enabled = false;
  cfg.services.kolibri.enabled = true;
  cfg.services.kolibri.port = 0;
  app = await startHotloop(cfg, { factories: { kolibri: fixtureFactory({ stored: [], closed: false, lastTraceId: null }) }, pool: testPool(), log: createLogger('t', 'silent') });
  admin = app.admin!.url;
  svcUrl = app.services.get('kolibri')!.url;
});
afterAll(() => app.stop());

describe('admin port', () => {
  test('healthz lists the running services', async () => {
    const body = (await (await fetch(`${admin}/healthz`)).json()) as { status: string; services: string[] };
    expect(body.status).toBe('ok');
    expect(body.services).toEqual(['kolibri']);
  });

  test('metrics expose per-route latency, process and pool figures as Prometheus text', async () => {
    await fetch(`${svcUrl}/items`);
    const res = await fetch(`${admin}/metrics`);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(text).toMatch(/hotloop_http_request_duration_ms\{route="GET \/items",service="fixture",quantile="0.99"\} \d/);
    expect(text).toMatch(/hotloop_http_requests_total\{route="GET \/items",service="fixture",status="200"\} \d+/);
    expect(text).toMatch(/process_resident_memory_bytes \d+/);
    expect(text).toContain('hotloop_pool_queue_depth');
    expect(text).toContain('hotloop_pool_utilization');
    expect(text).toContain('hotloop_event_loop_lag');
  });

  test('the dashboard page and its charting library are served', async () => {
    const page = await fetch(`${admin}/`);
    expect(page.headers.get('content-type')).toContain('text/html');
    const html = await page.text();
    expect(html).toContain('/static/uplot.js');
    expect(html).toContain('/api/stats');
    const lib = await fetch(`${admin}/static/uplot.js`);
    expect(lib.status).toBe(200);
    expect(await lib.text()).toContain('uPlot');
  });

  test('stats report routes with percentiles and pool figures', async () => {
    const s = (await (await fetch(`${admin}/api/stats`)).json()) as { routes: { series: string; p99_ms: number }[]; pool: { threads: number } };
    expect(s.routes.some((r) => r.series.includes('GET /items'))).toBe(true);
    expect(s.pool.threads).toBeGreaterThanOrEqual(1);
  });

  test('stats carry a sliding window (10 s by default, or 60) with readable service and route names', async () => {
    await fetch(`${svcUrl}/items`);
    type Row = { service: string; route: string; count: number; p99_ms: number };
    const s = (await (await fetch(`${admin}/api/stats`)).json()) as { recent: { window_s: number; routes: Row[]; loop_lag: { count: number } } };
    expect(s.recent.window_s).toBe(10);
    const row = s.recent.routes.find((r) => r.route === 'GET /items');
    expect(row?.service).toBe('fixture');
    expect(row?.count).toBeGreaterThan(0);
    const m = (await (await fetch(`${admin}/api/stats?window=60`)).json()) as { recent: { window_s: number } };
    expect(m.recent.window_s).toBe(60);
    const html = await (await fetch(`${admin}/`)).text();
    expect(html).toContain('/api/stats?window=');
  });

  test('a stats reset empties latency histograms but keeps counters', async () => {
    await fetch(`${svcUrl}/items`);
    expect((await fetch(`${admin}/api/stats/reset`, { method: 'POST' })).status).toBe(200);
    const s = (await (await fetch(`${admin}/api/stats`)).json()) as { routes: unknown[] };
    expect(s.routes).toEqual([]);
    expect(app.metrics.counter('hotloop_http_requests_total', { service: 'fixture', route: 'GET /items', status: '200' })).toBeGreaterThan(0);
    await fetch(`${svcUrl}/items`);
    const after = (await (await fetch(`${admin}/api/stats`)).json()) as { routes: { series: string; count: number }[] };
    expect(after.routes.find((r) => r.series.includes('GET /items'))?.count).toBe(1);
  });

  test('openapi documents are generated from route tables and schemas', async () => {
    const doc = (await (await fetch(`${admin}/openapi/kolibri.json`)).json()) as { openapi: string; paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: { required: string[] } }> }; parameters?: { name: string }[] }>> };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toContain('/items/{id}');
    expect(doc.paths['/items/{id}']!.get!.parameters![0]!.name).toBe('id');
    expect(doc.paths['/items']!.post!.requestBody!.content['application/json']!.schema.required).toEqual(['name', 'qty']);
    expect(doc.paths['/ws']).toBeDefined();
    expect((await fetch(`${admin}/openapi/nope.json`)).status).toBe(404);
  });
});

describe('admin request limits', () => {
  test('a long path is a 414 in the plain envelope, not echoed back', async () => {
    for (const path of [`/openapi/${'x'.repeat(20_000)}`, `/nothing/${'y'.repeat(20_000)}`]) {
      const res = await fetch(`${admin}${path}`);
      expect(res.status).toBe(414);
      const text = await res.text();
      expect(text.length).toBeLessThan(300);
      expect((JSON.parse(text) as { error: { code: string } }).error.code).toBe('URI_TOO_LONG');
    }
  });
});
