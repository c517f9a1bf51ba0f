import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { startTestService, type TestService } from '../helpers.ts';
import { fixtureFactory, type FixtureState } from './fixture-service.ts';

interface Line { level: string; message: string; status?: number; code?: string; stack?: string; route?: string }

const lines: Line[] = [];
let svc: TestService;
beforeAll(async () => {
  const state: FixtureState = { stored: [], closed: false, lastTraceId: null };
  svc = await startTestService('mall', fixtureFactory(state), { logLevel: 'info', logSink: (l) => lines.push(JSON.parse(l) as Line) });
});
afterAll(() => svc.stop());

const linesFor = async (path: string, method = 'GET', body?: unknown): Promise<Line[]> => {
  const before = lines.length;
  await (await svc.call(method, path, body)).arrayBuffer();
  return lines.slice(before).filter((l) => l.status !== undefined);
};

describe('failure logging', () => {
  test('a client error (4xx) is one info line without a stack', async () => {
    for (const [path, method, body] of [['/items/999', 'GET'], ['/items', 'POST', { qty: 1 }], ['/nowhere', 'GET']] as const) {
      const got = await linesFor(path, method, body);
      if (path === '/nowhere') {
        expect(got).toEqual([]); // unmatched paths are counted in metrics, not logged
        continue;
      }
      expect(got).toHaveLength(1);
      expect(got[0]).toMatchObject({ level: 'info', message: 'request rejected' });
      expect(got[0]!.stack).toBeUndefined();
    }
  });

  test('a deliberate 503 is a warning without a stack', async () => {
    const got = await linesFor('/busy');
    expect(got).toEqual([expect.objectContaining({ level: 'warn', message: 'request refused', status: 503, code: 'service_unavailable' })]);
    expect(got[0]!.stack).toBeUndefined();
  });

  test('an unexpected exception is an error with its stack', async () => {
    const got = await linesFor('/boom');
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({ level: 'error', message: 'request failed', status: 500 });
    expect(got[0]!.stack).toContain('kaboom');
  });
});
