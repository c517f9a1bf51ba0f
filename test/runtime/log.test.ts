import { describe, expect, test } from 'bun:test';
import { createLogger, isLogLevel } from '../../src/runtime/log.ts';

function capture(level: Parameters<typeof createLogger>[1]) {
  const lines: Record<string, unknown>[] = [];
  const log = createLogger('svc', level, (l) => lines.push(JSON.parse(l) as Record<string, unknown>));
  return { log, lines };
}

describe('structured log', () => {
  test('writes one JSON object per line with timestamp, level, component and message', () => {
    const { log, lines } = capture('info');
    log.info('listening', { url: 'http://127.0.0.1:1', trace_id: 'abc', span_id: 'def' });
    expect(lines.length).toBe(1);
    const l = lines[0]!;
    expect(l).toMatchObject({ level: 'info', component: 'svc', message: 'listening', url: 'http://127.0.0.1:1', trace_id: 'abc', span_id: 'def' });
    expect(Number.isNaN(Date.parse(String(l.timestamp)))).toBe(false);
  });

  test('drops lines below the configured level', () => {
    const { log, lines } = capture('warn');
    log.debug('a');
    log.info('b');
    log.warn('c');
    log.error('d');
    expect(lines.map((l) => l.message)).toEqual(['c', 'd']);
    expect(log.enabled('info')).toBe(false);
    expect(log.enabled('error')).toBe(true);
  });

  test('silent writes nothing and children extend the component name', () => {
    const quiet = capture('silent');
    quiet.log.error('x');
    expect(quiet.lines).toEqual([]);
    const { log, lines } = capture('info');
    log.child('pool').info('ready');
    expect(lines[0]!.component).toBe('svc.pool');
  });

  test('recognises level names', () => {
    expect(isLogLevel('debug')).toBe(true);
    expect(isLogLevel('verbose')).toBe(false);
    expect(isLogLevel(3)).toBe(false);
  });
});
