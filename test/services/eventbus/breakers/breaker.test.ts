import { describe, expect, test } from 'bun:test';
import { CircuitBreaker, type BreakerState } from '../../../../src/services/eventbus/breakers/breaker.ts';
import { BREAKER_DEFAULTS, parseBreakerOptions } from '../../../../src/services/eventbus/breakers/registry.ts';

describe('circuit breaker', () => {
  test('opens after the threshold of consecutive failures, lets half-open probes through after the timeout, closes after that many successes', () => {
    let now = 0;
    const moves: [BreakerState, BreakerState][] = [];
    const b = new CircuitBreaker('x', { failureThreshold: 3, timeoutMs: 1000, halfOpenRequests: 2 }, () => now, (_n, from, to) => moves.push([from, to]));
    b.failure();
    b.success();
    b.failure();
    b.failure();
    expect(b.state()).toBe('closed');
    b.failure();
    expect(b.state()).toBe('open');
    expect([b.allow(), b.retryAfterMs()]).toEqual([false, 1000]);
    now = 1000;
    expect(b.state()).toBe('half_open');
    expect([b.allow(), b.allow(), b.allow()]).toEqual([true, true, false]);
    b.success();
    expect(b.state()).toBe('half_open');
    b.success();
    expect(b.state()).toBe('closed');
    expect(moves).toEqual([['closed', 'open'], ['open', 'half_open'], ['half_open', 'closed']]);
  });

  test('a failed probe re-opens it for another timeout', () => {
    let now = 0;
    const b = new CircuitBreaker('x', { failureThreshold: 1, timeoutMs: 500, halfOpenRequests: 3 }, () => now);
    b.failure();
    now = 600;
    expect(b.allow()).toBe(true);
    b.failure();
    expect(b.state()).toBe('open');
    expect(b.retryAfterMs()).toBe(500);
    expect(b.snapshot()).toMatchObject({ state: 'open', failure_threshold: 1, timeout_ms: 500, half_open_requests: 3, transitions: 3 });
  });

  test("the spec's settings per component, overridable in config", () => {
    expect(BREAKER_DEFAULTS.default).toEqual({ failureThreshold: 5, timeoutMs: 30_000, halfOpenRequests: 3 });
    expect(BREAKER_DEFAULTS.claude_advisor).toEqual({ failureThreshold: 3, timeoutMs: 60_000 });
    expect(BREAKER_DEFAULTS.knowledge_graph).toEqual({ failureThreshold: 10, timeoutMs: 15_000 });
    expect(parseBreakerOptions({ learning: { timeoutMs: 5 } }).learning).toEqual({ timeoutMs: 5 });
    expect(() => parseBreakerOptions({ learning: { color: 1 } })).toThrow('services.eventbus.options.breakers.learning.color');
    expect(() => parseBreakerOptions({ robots: {} })).toThrow('unknown option');
  });
});
