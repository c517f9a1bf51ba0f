import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { Type } from '@sinclair/typebox';
import { ApiError, kolibriProfile } from '../../src/runtime/errors.ts';
import { route, type ServiceFactory } from '../../src/runtime/service.ts';
import { startTestService, type TestService } from '../helpers.ts';

// Hooks may be synchronous or return promises; the pipeline runs them in order either way.
const seen: string[] = [];
const factory: ServiceFactory = () => ({
  name: 'hooks',
  profile: kolibriProfile,
  onRequest: (c) => {
    seen.push('service-before');
    if (c.request.headers.get('x-stop') === 'service') throw new ApiError(403, 'forbidden', 'stopped by the service hook');
  },
  preHandler: async () => {
    await Bun.sleep(1);
    seen.push('service-after');
  },
  routes: [
    route({
      method: 'POST', path: '/mixed', body: Type.Object({ n: Type.Integer() }),
      onRequest: async (c) => {
        await Bun.sleep(1);
        seen.push('route-before');
        if (c.request.headers.get('x-stop') === 'route') throw new ApiError(429, 'rate_limited', 'stopped by the route hook');
      },
      preHandler: (c) => {
        seen.push(`route-after ${(c.body as { n: number }).n}`);
      },
      handler: (c) => {
        seen.push('handler');
        return { n: c.body.n + 1 };
      },
    }),
    route({ method: 'GET', path: '/sync', handler: () => ({ ok: true }) }),
    route({ method: 'GET', path: '/rejects', handler: () => Promise.reject(new ApiError(409, 'conflict', 'taken')) }),
    route({ method: 'GET', path: '/own-error', handler: () => Response.json({ error: { code: 'conflict', message: 'mine', details: {} } }, { status: 409 }) }),
  ],
});

let svc: TestService;
beforeAll(async () => {
  svc = await startTestService('kolibri', factory);
});
afterAll(() => svc.stop());

describe('request hooks', () => {
  test('sync and async hooks run in order: service, route, body, service, route, handler', async () => {
    seen.length = 0;
    const res = await svc.call('POST', '/mixed', { n: 4 });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ n: 5 });
    expect(seen).toEqual(['service-before', 'route-before', 'service-after', 'route-after 4', 'handler']);
  });

  test('a hook that throws, synchronously or after an await, answers in the envelope and skips the rest', async () => {
    seen.length = 0;
    const a = await svc.call('POST', '/mixed', { n: 1 }, { 'x-stop': 'service' });
    expect(a.status).toBe(403);
    expect(await a.json()).toEqual({ error: { code: 'forbidden', message: 'stopped by the service hook', details: {} } });
    expect(seen).toEqual(['service-before']);
    seen.length = 0;
    const b = await svc.call('POST', '/mixed', { n: 1 }, { 'x-stop': 'route' });
    expect(b.status).toBe(429);
    expect(seen).toEqual(['service-before', 'route-before']);
  });

  test('a body that fails validation never reaches the post-validation hooks', async () => {
    seen.length = 0;
    const res = await svc.call('POST', '/mixed', { n: 'x' });
    expect(res.status).toBe(400);
    expect(seen).toEqual(['service-before', 'route-before']);
  });

  test('synchronous and rejected handlers both answer, with the request id echoed', async () => {
    const ok = await svc.call('GET', '/sync', undefined, { 'X-Request-Id': 'sync-1' });
    expect(await ok.json()).toEqual({ ok: true });
    expect(ok.headers.get('x-request-id')).toBe('sync-1');
    const bad = await svc.call('GET', '/rejects', undefined, { 'X-Request-Id': 'rej-1' });
    expect(bad.status).toBe(409);
    expect(bad.headers.get('x-request-id')).toBe('rej-1');
    expect(((await bad.json()) as { error: { message: string } }).error.message).toBe('taken');
  });
});

describe('error totals per service', () => {
  test('kernel rejections (415, 413, malformed JSON, 404) and handler failures are counted with their codes', async () => {
    const s = await startTestService('kolibri', factory);
    try {
      const post = (body: string, type = 'application/json') => fetch(`${s.url}/mixed`, { method: 'POST', headers: { 'content-type': type }, body });
      expect((await post('{"n":1}', 'text/plain')).status).toBe(415);
      expect((await post(JSON.stringify({ n: 1, pad: 'x'.repeat(2_000_000) }))).status).toBe(413);
      expect((await post('{"n": ')).status).toBe(400);
      expect((await post('{"n": "1"}')).status).toBe(400);
      expect((await fetch(`${s.url}/nowhere`)).status).toBe(404);
      expect((await fetch(`${s.url}/own-error`)).status).toBe(409);
      expect((await post('{"n": 1}')).status).toBe(200);
      const m = s.app.metrics;
      expect(m.serviceTotals('hooks')).toEqual({ requests: 7, errors: 6, clientErrors: 6, serverErrors: 0 });
      const rows = m.httpCounts('hooks').map((r) => `${r.route} ${r.status} ${r.code} ${r.count}`).sort();
      expect(rows).toEqual([
        'GET /own-error 409 conflict 1',
        'POST /mixed 200 null 1',
        'POST /mixed 400 bad_request 2',
        'POST /mixed 413 payload_too_large 1',
        'POST /mixed 415 unsupported_media_type 1',
        'not_found 404 not_found 1',
      ]);
      const text = m.render((n) => n === 'hotloop_http_errors_total');
      expect(text).toContain('hotloop_http_errors_total{code="unsupported_media_type",route="POST /mixed",service="hooks",status="415"} 1');
      expect(text).toContain('hotloop_http_errors_total{code="bad_request",route="POST /mixed",service="hooks",status="400"} 2');
    } finally {
      await s.stop();
    }
  });
});
