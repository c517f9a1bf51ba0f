import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { startBus, type Bus } from './bus.ts';

let bus: Bus;
beforeAll(async () => {
  bus = await startBus();
});
afterAll(() => bus.stop());

const DEPTH = 1_000_000;

describe('deeply nested ingest bodies', () => {
  test('a batch whose event payload is nested a million objects deep is a 400 in the bus envelope, not a 500, and stores nothing', async () => {
    const before = (await bus.health()).last_sequence;
    const body = `{"events":[{"type":"MONEY_CHANGED","event_id":"deep-1","payload":${'{"a":'.repeat(DEPTH)}1${'}'.repeat(DEPTH)}}]}`;
    const res = await bus.post('/api/v1/events/batch', body, { 'Content-Type': 'application/json' });
    expect(res.status).toBe(400);
    const b = (await res.json()) as { status: string; error: { code: string; message: string; details: { max_depth: number } } };
    expect(b.status).toBe('error');
    expect(b.error.code).toBe('BAD_REQUEST');
    expect(b.error.message).toBe('Request body is nested deeper than 64 levels');
    expect(b.error.details.max_depth).toBe(64);
    expect((await bus.health()).last_sequence).toBe(before);
  });
});
