import { describe, expect, test } from 'bun:test';
import { Metrics } from '../../src/runtime/metrics.ts';

describe('metrics', () => {
  test('percentiles come from the recorded latencies', () => {
    const m = new Metrics();
    for (let i = 1; i <= 100; i++) m.observe('lat', { route: 'a' }, i / 10);
    const s = m.latency('lat', { route: 'a' })!;
    expect(s.count).toBe(100);
    expect(s.p50_ms).toBeCloseTo(5, 1);
    expect(s.p99_ms).toBeCloseTo(9.9, 1);
    expect(s.max_ms).toBeCloseTo(10, 1);
    expect(s.mean_ms).toBeCloseTo(5.05, 1);
  });

  test('keeps sub-millisecond resolution', () => {
    const m = new Metrics();
    m.observe('lat', {}, 0.25);
    expect(m.latency('lat', {})!.p50_ms).toBeCloseTo(0.25, 3);
  });

  test('counters add per label set, independent of label order', () => {
    const m = new Metrics();
    m.inc('req', { a: '1', b: '2' });
    m.inc('req', { b: '2', a: '1' }, 2);
    m.inc('req', { a: '1', b: '3' });
    expect(m.counter('req', { a: '1', b: '2' })).toBe(3);
    expect(m.counter('req', { a: '1', b: '3' })).toBe(1);
  });

  test('pre-resolved handles feed the same series', () => {
    const m = new Metrics();
    const rec = m.histogram('lat', { r: 'x' });
    const c = m.counterHandle('n', { r: 'x' });
    rec(1);
    rec(3);
    c();
    c(4);
    expect(m.latency('lat', { r: 'x' })!.count).toBe(2);
    expect(m.counter('n', { r: 'x' })).toBe(5);
  });

  test('renders Prometheus text with summaries, counters and gauges', () => {
    const m = new Metrics();
    m.observe('vm_latency_ms', { op: 'run' }, 2, 'VM latency');
    m.inc('req_total', { route: '/a"b' });
    m.gauge('depth', {}, () => 7);
    const text = m.render();
    expect(text).toContain('# TYPE vm_latency_ms summary');
    expect(text).toContain('vm_latency_ms{op="run",quantile="0.99"} 2');
    expect(text).toContain('vm_latency_ms{op="run",quantile="0.95"} 2');
    expect(text).toContain('vm_latency_ms_count{op="run"} 1');
    expect(text).toContain('req_total{route="/a\\"b"} 1');
    expect(text).toContain('# TYPE depth gauge\ndepth 7');
  });

  test('render can be filtered to one service prefix', () => {
    const m = new Metrics();
    m.inc('kolibri_x', {});
    m.inc('mall_y', {});
    const text = m.render((n) => n.startsWith('kolibri_'));
    expect(text).toContain('kolibri_x');
    expect(text).not.toContain('mall_y');
  });

  test('summaries carry the 0.95 quantile between 0.9 and 0.99', () => {
    const m = new Metrics();
    for (let i = 1; i <= 1000; i++) m.observe('lat', {}, i / 100);
    const q = (p: string): number => Number(new RegExp(`lat\\{quantile="${p}"\\} ([0-9.]+)`).exec(m.render())?.[1]);
    expect(q('0.95')).toBeCloseTo(9.5, 1);
    expect(q('0.9')).toBeLessThan(q('0.95'));
    expect(q('0.95')).toBeLessThan(q('0.99'));
  });

  test('http outcomes add up per service: requests, failures by code, and totals', () => {
    const m = new Metrics();
    const tick = m.httpOutcomes('mall', 'POST /tick');
    tick.count(200, null);
    tick.count(200, null);
    tick.count(400, 'BAD_REQUEST');
    tick.count(503, 'UNAVAILABLE');
    m.httpOutcomes('mall', 'not_found').count(404, 'NOT_FOUND');
    m.httpOutcomes('kolibri', 'GET /x').count(200, null);
    expect(m.serviceTotals('mall')).toEqual({ requests: 5, errors: 3, clientErrors: 2, serverErrors: 1 });
    expect(m.serviceTotals('kolibri')).toEqual({ requests: 1, errors: 0, clientErrors: 0, serverErrors: 0 });
    expect(m.serviceTotals('nobody')).toEqual({ requests: 0, errors: 0, clientErrors: 0, serverErrors: 0 });
    expect(m.httpCounts('mall').find((r) => r.status === 200)).toEqual({ route: 'POST /tick', status: 200, code: null, count: 2 });
    expect(m.counter('hotloop_http_requests_total', { service: 'mall', route: 'POST /tick', status: '400' })).toBe(1);
    expect(m.counter('hotloop_http_errors_total', { service: 'mall', route: 'POST /tick', status: '503', code: 'UNAVAILABLE' })).toBe(1);
    // A failure without a code of its own is labelled by its status.
    tick.count(418, null);
    expect(m.httpCounts('mall').find((r) => r.status === 418)?.code).toBe('http_418');
  });

  test('sliding windows cover the last 10 s or minute, not everything since start', () => {
    let now = 1_000_000;
    const m = new Metrics(() => now);
    for (let i = 0; i < 100; i++) m.observe('lat', { route: 'a' }, 50);
    now += 30_000;
    for (let i = 0; i < 100; i++) m.observe('lat', { route: 'a' }, 1);
    now += 1_000;
    const [last10] = m.recent('lat', 10);
    expect(last10!.count).toBe(100);
    expect(last10!.p99_ms).toBeCloseTo(1, 1);
    expect(last10!.values).toEqual({ route: 'a' });
    const [lastMin] = m.recent('lat', 60);
    expect(lastMin!.count).toBe(200);
    expect(lastMin!.p99_ms).toBeGreaterThan(47);
    expect(lastMin!.p99_ms).toBeLessThanOrEqual(50);
    expect(m.latency('lat', { route: 'a' })!.count).toBe(200); // since start: everything
    now += 60_000;
    expect(m.recent('lat', 60)[0]!.count).toBe(0);
    m.observe('lat', { route: 'a' }, 2);
    expect(m.recent('lat', 10)[0]!.p50_ms).toBeCloseTo(2, 0);
  });
});
