import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { Type } from '@sinclair/typebox';
import { kolibriProfile } from '../../src/runtime/errors.ts';
import { route } from '../../src/runtime/service.ts';
import { startTestService, type TestService } from '../helpers.ts';
import { fixtureFactory, type FixtureState } from './fixture-service.ts';

interface Envelope { error: { code: string; message: string; details: Record<string, unknown> } }

let svc: TestService;
beforeAll(async () => {
  const state: FixtureState = { stored: [], closed: false, lastTraceId: null };
  svc = await startTestService('mall', fixtureFactory(state));
});
afterAll(() => svc.stop());

describe('request line and header limits', () => {
  test('a 100 KB query string is a 414 in the service envelope, on known and unknown paths', async () => {
    for (const path of ['/items', '/no/such/route']) {
      const res = await fetch(`${svc.url}${path}?q=${'a'.repeat(100_000)}`);
      expect(res.status).toBe(414);
      const body = (await res.json()) as Envelope;
      expect(body.error.code).toBe('uri_too_long');
      expect(body.error.message).toContain('8192-byte limit');
      expect(body.error.details.limit_bytes).toBe(8192);
      expect(res.headers.get('x-request-id')).toBeTruthy();
    }
  });

  test('a URL at the limit is served', async () => {
    const base = '/items?q=';
    const res = await fetch(`${svc.url}${base}${'a'.repeat(8192 - base.length)}`);
    expect(res.status).toBe(200);
  });

  test('headers over 16 KiB are a 431 with a body, not an empty reply', async () => {
    const res = await fetch(`${svc.url}/items`, { headers: { 'X-Padding': 'p'.repeat(20_000) } });
    expect(res.status).toBe(431);
    const body = (await res.json()) as Envelope;
    expect(body.error.code).toBe('headers_too_large');
    expect(body.error.details.limit_bytes).toBe(16_384);
  });

  test('a POST with an oversized URL stores nothing', async () => {
    const before = ((await (await svc.call('GET', '/items')).json()) as { items: unknown[] }).items.length;
    const res = await fetch(`${svc.url}/items?${'x'.repeat(9000)}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name: 'a', qty: 1 }) });
    expect(res.status).toBe(414);
    expect(((await (await svc.call('GET', '/items')).json()) as { items: unknown[] }).items.length).toBe(before);
  });

  test('limits are per service settings', async () => {
    const state: FixtureState = { stored: [], closed: false, lastTraceId: null };
    const small = await startTestService('mall', fixtureFactory(state), { configure: (c) => { c.services.mall.maxUrlBytes = 300; } });
    expect((await fetch(`${small.url}/items?q=${'a'.repeat(400)}`)).status).toBe(414);
    expect((await fetch(`${small.url}/items?q=${'a'.repeat(200)}`)).status).toBe(200);
    await small.stop();
  });
});

describe('deeply nested bodies', () => {
  test('a body that overflows the stack of a handler walking it is a 400, not a 500', async () => {
    const walk = (v: unknown): number => (typeof v === 'object' && v !== null ? 1 + Math.max(0, ...Object.values(v).map(walk)) : 0);
    const s = await startTestService('kolibri', () => ({
      name: 'deep', profile: kolibriProfile,
      routes: [
        route({ method: 'POST', path: '/walk', body: Type.Object({ data: Type.Unknown() }), handler: (c) => ({ depth: walk(c.body.data) }) }),
        route({ method: 'GET', path: '/recurse', handler: () => { const f = (n: number): number => f(n + 1) + 1; return f(0); } }),
      ],
    }));
    const deep = `{"data": ${'['.repeat(200_000)}${']'.repeat(200_000)}}`;
    const res = await s.call('POST', '/walk', deep);
    expect(res.status).toBe(400);
    expect(((await res.json()) as Envelope).error).toMatchObject({ code: 'bad_request', details: { max_depth: 64 } });
    expect(await (await s.call('POST', '/walk', { data: [[[1]]] })).json()).toEqual({ depth: 3 });
    // A server bug that overflows on a shallow request stays a 500.
    expect((await s.call('GET', '/recurse')).status).toBe(500);
    await s.stop();
  });
});
