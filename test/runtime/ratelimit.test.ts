import { describe, expect, test } from 'bun:test';
import { ApiError, PROFILES } from '../../src/runtime/errors.ts';
import { RateLimiter, enforceRateLimit, rateLimitHeaders } from '../../src/runtime/ratelimit.ts';

function clock(start = 1_000_000): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => (t += ms) };
}

describe('token bucket rate limiter', () => {
  test('allows a full bucket then refuses with a retry time', () => {
    const c = clock();
    const rl = new RateLimiter({ capacity: 3, refillPerSec: 1 }, c.now);
    expect([1, 2, 3].map(() => rl.take('a').allowed)).toEqual([true, true, true]);
    const d = rl.take('a');
    expect(d.allowed).toBe(false);
    expect(d.retryAfterSec).toBe(1);
    expect(d.remaining).toBe(0);
  });

  test('refills over time', () => {
    const c = clock();
    const rl = new RateLimiter({ capacity: 2, refillPerSec: 2 }, c.now);
    rl.take('a');
    rl.take('a');
    expect(rl.take('a').allowed).toBe(false);
    c.advance(500);
    expect(rl.take('a').allowed).toBe(true);
  });

  test('tryTake shares the bucket with take, returns nothing when allowed and take\'s refusal when not', () => {
    const c = clock();
    const rl = new RateLimiter({ capacity: 2, refillPerSec: 1 }, c.now);
    expect(rl.tryTake('a')).toBeNull();
    expect(rl.take('a').allowed).toBe(true);
    const refused = rl.tryTake('a');
    expect(refused).toMatchObject({ allowed: false, limit: 2, remaining: 0, retryAfterSec: 1 });
    expect(rl.take('a').allowed).toBe(false);
    // A clock reading passed in is used instead of the limiter's own.
    expect(rl.tryTake('a', 1, c.now() + 1000)).toBeNull();
  });

  test('keeps clients apart', () => {
    const rl = RateLimiter.perMinute(1, clock().now);
    expect(rl.take('a').allowed).toBe(true);
    expect(rl.take('a').allowed).toBe(false);
    expect(rl.take('b').allowed).toBe(true);
  });

  test('per-minute limits refill one token every 60/n seconds', () => {
    const c = clock();
    const rl = RateLimiter.perMinute(60, c.now);
    for (let i = 0; i < 60; i++) rl.take('x');
    const refused = rl.take('x');
    expect(refused.allowed).toBe(false);
    expect(refused.retryAfterSec).toBe(1);
    c.advance(1000);
    expect(rl.take('x').allowed).toBe(true);
  });

  test('headers carry limit, remaining, reset and Retry-After when refused', () => {
    const c = clock(10_000);
    const rl = new RateLimiter({ capacity: 1, refillPerSec: 0.5 }, c.now);
    const ok = rateLimitHeaders(rl.take('k'));
    expect(ok['X-RateLimit-Limit']).toBe('1');
    expect(ok['X-RateLimit-Remaining']).toBe('0');
    expect(Number(ok['X-RateLimit-Reset'])).toBe(12);
    expect(ok['Retry-After']).toBeUndefined();
    expect(rateLimitHeaders(rl.take('k'))['Retry-After']).toBe('2');
  });

  test('enforceRateLimit throws the service 429 in its vocabulary', () => {
    const rl = new RateLimiter({ capacity: 1, refillPerSec: 1 }, clock().now);
    enforceRateLimit(rl, 'k', PROFILES.openkore);
    let caught: unknown;
    try {
      enforceRateLimit(rl, 'k', PROFILES.openkore);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(ApiError);
    const e = caught as ApiError;
    expect([e.status, e.code]).toEqual([429, 'RATE_LIMIT']);
    expect(e.headers['Retry-After']).toBe('1');
  });

  test('enforceRateLimit adds X-RateLimit-Window when given a window, on success and on the 429', () => {
    const rl = RateLimiter.perMinute(1, clock().now);
    expect(enforceRateLimit(rl, 'k', PROFILES.ccc)['X-RateLimit-Window']).toBeUndefined();
    const rl2 = RateLimiter.perMinute(1, clock().now);
    expect(enforceRateLimit(rl2, 'k', PROFILES.ccc, 'calls', 60)['X-RateLimit-Window']).toBe('60');
    const e = (() => {
      try {
        enforceRateLimit(rl2, 'k', PROFILES.ccc, 'calls', 60);
      } catch (x) {
        return x as ApiError;
      }
      return null;
    })();
    expect(e?.headers['X-RateLimit-Window']).toBe('60');
    expect(PROFILES.ccc.format(e!, { requestId: 'r', debug: false })).toEqual({
      error: { code: 'RATE_LIMIT_EXCEEDED', message: 'Too many calls: limit is 1, retry in 60 s', details: { limit: 1, retry_after: 60 }, retry_after: 60 },
    });
  });

  test('a clock stepping back neither drains nor refills a bucket', () => {
    const c = clock(100_000);
    const rl = new RateLimiter({ capacity: 3, refillPerSec: 1 }, c.now);
    rl.take('k');
    c.advance(-50_000);
    const d = rl.take('k');
    expect(d.allowed).toBe(true);
    expect(d.remaining).toBe(1);
  });
});
