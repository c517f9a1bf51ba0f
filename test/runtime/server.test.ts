import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { startTestService, type TestService } from '../helpers.ts';
import { fixtureFactory, type FixtureState } from './fixture-service.ts';

const state: FixtureState = { stored: [], closed: false, lastTraceId: null };
let svc: TestService;
beforeAll(async () => {
  svc = await startTestService('mall', fixtureFactory(state));
});
afterAll(() => svc.stop());

interface Envelope { error: { code: string; message: string; details: Record<string, unknown> } }

describe('http pipeline', () => {
  test('valid JSON is parsed, validated, defaulted and handed to the handler', async () => {
    const res = await svc.call('POST', '/items', { name: 'potion', qty: 2 });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { ok: boolean; count: number };
    expect(body.ok).toBe(true);
    expect(state.stored.at(-1)).toEqual({ name: 'potion', qty: 2, tag: 'none' });
  });

  test('path params reach the handler and handler errors use the envelope', async () => {
    const ok = await svc.call('GET', '/items/0');
    expect(((await ok.json()) as { name: string }).name).toBe('potion');
    const missing = await svc.call('GET', '/items/999');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: { code: 'not_found', message: 'No item 999', details: { id: '999' } } });
  });

  test('malformed JSON is a 400 in the service envelope and stores nothing', async () => {
    const before = state.stored.length;
    const res = await svc.call('POST', '/items', '{"name": "x", qty: }');
    expect(res.status).toBe(400);
    const body = (await res.json()) as Envelope;
    expect(body.error.code).toBe('bad_request');
    expect(body.error.message).toStartWith('Malformed JSON');
    expect(state.stored.length).toBe(before);
  });

  test('a schema failure names the field and what was expected', async () => {
    const before = state.stored.length;
    const res = await svc.call('POST', '/items', { name: 'x', qty: 11 });
    expect(res.status).toBe(400);
    const body = (await res.json()) as Envelope;
    expect(body.error.details.field).toBe('qty');
    expect(String(body.error.details.expected)).toContain('10');
    expect(state.stored.length).toBe(before);
  });

  test('a missing field and a wrong type are both rejected', async () => {
    const missing = (await (await svc.call('POST', '/items', { qty: 1 })).json()) as Envelope;
    expect(missing.error.details).toMatchObject({ field: 'name', received: 'missing' });
    const wrong = (await (await svc.call('POST', '/items', { name: 'x', qty: '1' })).json()) as Envelope;
    expect(wrong.error.details).toMatchObject({ field: 'qty', received: 'string' });
  });

  test('an oversized body is a 413 before it is parsed', async () => {
    const res = await svc.call('POST', '/items', { name: 'x'.repeat(500), qty: 1 });
    expect(res.status).toBe(413);
    expect(((await res.json()) as Envelope).error.code).toBe('payload_too_large');
  });

  test('a body far over every limit still gets the 413 envelope', async () => {
    const res = await svc.call('POST', '/items', { name: 'x'.repeat(3_000_000), qty: 1 });
    expect(res.status).toBe(413);
    expect(((await res.json()) as Envelope).error.code).toBe('payload_too_large');
  });

  test('a non-JSON content type is a 415', async () => {
    const res = await svc.call('POST', '/items', 'name=x&qty=1', { 'Content-Type': 'application/x-www-form-urlencoded' });
    expect(res.status).toBe(415);
    expect(((await res.json()) as Envelope).error.code).toBe('unsupported_media_type');
  });

  test('an empty body is a 400 unless the route allows it, then defaults apply', async () => {
    const res = await fetch(`${svc.url}/items`, { method: 'POST' });
    expect(res.status).toBe(400);
    const opt = await fetch(`${svc.url}/optional`, { method: 'POST' });
    expect(opt.status).toBe(200);
    expect(await opt.json()).toEqual({ seed: 7 });
  });

  test('an unknown route is a 404 and a wrong method a 405 with Allow', async () => {
    const nf = await svc.call('GET', '/nope');
    expect(nf.status).toBe(404);
    expect(((await nf.json()) as Envelope).error.code).toBe('not_found');
    const na = await svc.call('DELETE', '/items');
    expect(na.status).toBe(405);
    expect(na.headers.get('allow')).toBe('GET, POST');
    expect(((await na.json()) as Envelope).error.code).toBe('method_not_allowed');
  });

  test('an exception in a handler is a 500 in the envelope, and the server keeps serving', async () => {
    const res = await svc.call('GET', '/boom');
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ error: { code: 'internal_error', message: 'kaboom', details: {} } });
    expect((await svc.call('GET', '/items')).status).toBe(200);
  });

  test('request ids are echoed or generated', async () => {
    const given = await svc.call('GET', '/items', undefined, { 'X-Request-Id': 'abc-123' });
    expect(given.headers.get('x-request-id')).toBe('abc-123');
    const a = (await svc.call('GET', '/items')).headers.get('x-request-id');
    const b = (await svc.call('GET', '/items')).headers.get('x-request-id');
    expect(a).toBeTruthy();
    expect(a).not.toBe(b);
  });

  test('an incoming traceparent continues into the request context', async () => {
    await svc.call('POST', '/items', { name: 'traced', qty: 1 }, { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' });
    expect(state.lastTraceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
  });

  test('rate limits answer 429 with Retry-After and X-RateLimit headers', async () => {
    const statuses: number[] = [];
    let last: Response | null = null;
    for (let i = 0; i < 4; i++) {
      last = await svc.call('GET', '/limited');
      statuses.push(last.status);
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect(Number(last!.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(last!.headers.get('x-ratelimit-limit')).toBe('3');
    expect(last!.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(((await last!.json()) as Envelope).error.code).toBe('rate_limited');
  });

  test('pool results, task failures and timeouts map to 200, 500 and 408', async () => {
    expect(await (await svc.call('GET', '/pool/noop')).json()).toEqual({ n: 3 });
    const fail = await svc.call('GET', '/pool/fail');
    expect(fail.status).toBe(500);
    expect(((await fail.json()) as Envelope).error.message).toContain('task exploded');
    const slow = await svc.call('GET', '/pool/slow');
    expect(slow.status).toBe(408);
    expect(((await slow.json()) as Envelope).error.code).toBe('timeout');
  });

  test('peer calls run through the target pipeline in-process', async () => {
    const res = await svc.call('GET', '/peer');
    expect(res.status).toBe(200);
    expect(((await res.json()) as { items: unknown[] }).items.length).toBe(state.stored.length);
  });

  test('every request lands in the per-route histogram and status counter', async () => {
    await svc.call('GET', '/items');
    const snap = svc.app.metrics.latency('hotloop_http_request_duration_ms', { service: 'fixture', route: 'GET /items' });
    expect(snap?.count).toBeGreaterThan(0);
    expect(svc.app.metrics.counter('hotloop_http_requests_total', { service: 'fixture', route: 'GET /items/:id', status: '404' })).toBe(1);
  });
});

describe('shutdown', () => {
  test('stop waits for in-flight requests, then closes the service', async () => {
    const st: FixtureState = { stored: [], closed: false, lastTraceId: null };
    const s = await startTestService('mall', fixtureFactory(st));
    const pending = fetch(`${s.url}/slow`);
    await Bun.sleep(50);
    await s.stop();
    const res = await pending;
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ done: true });
    expect(st.closed).toBe(true);
    await expect(fetch(`${s.url}/items`)).rejects.toThrow();
  });
});
