import { describe, expect, test } from 'bun:test';
import { formatTraceparent, traceFrom } from '../../src/runtime/trace.ts';
import { compilePattern, matchPattern } from '../../src/runtime/router.ts';

describe('traceparent', () => {
  test('continues a valid incoming trace with a new span', () => {
    const t = traceFrom('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');
    expect(t.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(t.parentSpanId).toBe('00f067aa0ba902b7');
    expect(t.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(t.spanId).not.toBe('00f067aa0ba902b7');
    expect(formatTraceparent(t)).toBe(`00-4bf92f3577b34da6a3ce929d0e0e4736-${t.spanId}-01`);
  });

  test('starts a new trace for missing, malformed or all-zero headers', () => {
    for (const h of [null, 'garbage', '00-00000000000000000000000000000000-00f067aa0ba902b7-01']) {
      const t = traceFrom(h);
      expect(t.traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(t.traceId).not.toBe('0'.repeat(32));
      expect(t.parentSpanId).toBeUndefined();
    }
  });
});

describe('route patterns', () => {
  test('match path params and decode them', () => {
    const p = compilePattern('/api/v1/action/:task_id');
    expect(matchPattern(p, '/api/v1/action/task%201')).toEqual({ task_id: 'task 1' });
    expect(matchPattern(p, '/api/v1/action/')).toBeNull();
    expect(matchPattern(p, '/api/v1/action/a/b')).toBeNull();
  });

  test('escape literal characters', () => {
    const p = compilePattern('/metrics.json');
    expect(matchPattern(p, '/metrics.json')).toEqual({});
    expect(matchPattern(p, '/metricsxjson')).toBeNull();
  });
});
