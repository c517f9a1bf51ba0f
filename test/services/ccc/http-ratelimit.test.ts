import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { startTestService, type TestService } from '../../helpers.ts';
import { createCccService } from '../../../src/services/ccc/index.ts';
import { bearer, body, expectError, testClock, type Json, type Session } from './helpers.ts';

const clock = testClock();
let svc: TestService;

/** Spec defaults: session 10, conversations 30, context 50, chat 20, analytics 5 per minute; 100 overall. */
beforeAll(async () => {
  svc = await startTestService('ccc', createCccService, { now: clock.now });
});
afterAll(() => svc.stop());

const create = async (): Promise<Session> => {
  const b = await body(await svc.call('POST', '/api/v2/sessions', {}));
  return { id: b.session_id as string, token: b.token as string, created: b };
};

const headers = (res: Response): Json => ({
  limit: res.headers.get('x-ratelimit-limit'), remaining: res.headers.get('x-ratelimit-remaining'),
  reset: res.headers.get('x-ratelimit-reset'), window: res.headers.get('x-ratelimit-window'),
});

describe('rate limits per session and endpoint class', () => {
  test('analytics allows 5 a minute per session, then 429 RATE_LIMIT_EXCEEDED with retry_after; other classes are unaffected', async () => {
    const s = await create();
    const seen: Json[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await svc.call('GET', `/api/v2/sessions/${s.id}/analytics`, undefined, bearer(s.token));
      expect(res.status).toBe(200);
      seen.push(headers(res));
    }
    expect(seen.map((h) => [h.limit, h.remaining, h.window])).toEqual([['5', '4', '60'], ['5', '3', '60'], ['5', '2', '60'], ['5', '1', '60'], ['5', '0', '60']]);
    // The bucket is full again 60 s after it was emptied (5 tokens at 1 per 12 s).
    expect(Number(seen[4]!.reset)).toBe(Math.ceil(clock.now() / 1000) + 60);
    const res = await svc.call('GET', `/api/v2/sessions/${s.id}/analytics`, undefined, bearer(s.token));
    const e = await expectError(res, 429, 'RATE_LIMIT_EXCEEDED');
    expect(e.retry_after).toBe(12);
    expect(e.details).toEqual({ endpoint_class: 'analytics', limit: 5, window_seconds: 60, retry_after: 12 });
    expect(res.headers.get('retry-after')).toBe('12');
    expect(headers(res)).toMatchObject({ limit: '5', remaining: '0', window: '60' });
    const ctx = await svc.call('GET', `/api/v2/sessions/${s.id}/context`, undefined, bearer(s.token));
    expect(ctx.status).toBe(200);
    expect(headers(ctx)).toMatchObject({ limit: '50', remaining: '49' });
    // Another session has its own buckets.
    const other = await create();
    expect((await svc.call('GET', `/api/v2/sessions/${other.id}/analytics`, undefined, bearer(other.token))).status).toBe(200);
    clock.advance(12_000);
    expect((await svc.call('GET', `/api/v2/sessions/${s.id}/analytics`, undefined, bearer(s.token))).status).toBe(200);
  });

  test('each class has the spec limit in its headers', async () => {
    const s = await create();
    const conv = await svc.call('POST', '/api/v2/conversations', { directive: 'x', use_context: false }, bearer(s.token));
    expect(headers(conv).limit).toBe('30');
    const chat = await svc.call('POST', '/v2/chat/completions', { messages: [{ role: 'user', content: 'x' }] }, bearer(s.token));
    expect(headers(chat).limit).toBe('20');
    const sess = await svc.call('GET', `/api/v2/sessions/${s.id}`, undefined, bearer(s.token));
    expect(headers(sess).limit).toBe('10');
  });

  test('session creation is limited per client address to 10 a minute', async () => {
    clock.advance(120_000);
    let last: Response | null = null;
    for (let i = 0; i < 11; i++) last = await svc.call('POST', '/api/v2/sessions', {});
    await expectError(last!, 429, 'RATE_LIMIT_EXCEEDED');
  });

  test('error replies carry the rate-limit headers too, bad tokens included', async () => {
    clock.advance(120_000);
    const s = await create();
    const notFound = await svc.call('GET', '/api/v2/conversations/conv_0000000000000000', undefined, bearer(s.token));
    expect(notFound.status).toBe(404);
    expect(headers(notFound)).toMatchObject({ limit: '30', window: '60' });
    const unauth = await svc.call('GET', `/api/v2/sessions/${s.id}`, undefined, bearer('nope'));
    expect(unauth.status).toBe(401);
    expect(headers(unauth)).toMatchObject({ limit: '10', window: '60' });
  });
});

describe('the overall cap and Stage 1', () => {
  test('the overall per-session cap applies across classes and is reported when it is the tighter one', async () => {
    const capped = await startTestService('ccc', createCccService, { options: { overallPerMinute: 3 } });
    try {
      const b = await body(await capped.call('POST', '/api/v2/sessions', {}));
      const h = bearer(b.token as string);
      const first = await capped.call('GET', `/api/v2/sessions/${b.session_id}/context`, undefined, h);
      expect(headers(first)).toMatchObject({ limit: '3', remaining: '2' });
      await capped.call('GET', `/api/v2/sessions/${b.session_id}`, undefined, h);
      await capped.call('GET', `/api/v2/sessions/${b.session_id}/analytics`, undefined, h);
      const e = await expectError(await capped.call('GET', `/api/v2/sessions/${b.session_id}/context`, undefined, h), 429, 'RATE_LIMIT_EXCEEDED');
      expect((e.details as Json).endpoint_class).toBe('overall');
    } finally {
      await capped.stop();
    }
  });

  test('/v1/chat/completions is unlimited by default and limited per address when configured', async () => {
    for (let i = 0; i < 25; i++) expect((await svc.call('POST', '/v1/chat/completions', { messages: [{ role: 'user', content: 'x' }] })).status).toBe(200);
    const limited = await startTestService('ccc', createCccService, { options: { v1PerMinute: 2 } });
    try {
      const call = () => limited.call('POST', '/v1/chat/completions', { messages: [{ role: 'user', content: 'x' }] });
      expect(headers(await call())).toMatchObject({ limit: '2', remaining: '1', window: '60' });
      await call();
      await expectError(await call(), 429, 'RATE_LIMIT_EXCEEDED');
    } finally {
      await limited.stop();
    }
  });
});
