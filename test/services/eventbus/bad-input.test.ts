import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { loadProtos } from '../../../src/services/eventbus/proto.ts';
import { allEvents, openSocket, startBus, type Bus } from './bus.ts';
import { balatroJson, gameStatePayload, modBatch, modEvent, MOD_HEADERS } from './fixtures.ts';

const P = loadProtos();
let bus: Bus;
beforeAll(async () => {
  bus = await startBus({ maxMessageSize: '64KB', maxBatchBytes: '256KB', maxBatchEvents: 100, deadLetterMaxOriginalBytes: 1024 });
});
afterAll(() => bus.stop());

const head = async (): Promise<number> => (await bus.history('limit=1')).head_sequence;

/** Status, the bus's envelope with the code, and an unchanged log. */
async function refused(res: Promise<Response>, status: number, code: string): Promise<Record<string, unknown>> {
  const before = await head();
  const r = await res;
  expect(r.status).toBe(status);
  const body = (await r.json()) as { status: string; error: { code: string; message: string; details: Record<string, unknown> }; request_id: string };
  expect(body.status).toBe('error');
  expect(body.error.code).toBe(code);
  expect(body.error.message.length).toBeGreaterThan(5);
  expect(typeof body.error.details).toBe('object');
  expect(body.request_id).toBeTruthy();
  expect(await head()).toBe(before);
  return body.error.details;
}

describe('bad input', () => {
  test('malformed JSON is a 400 INVALID_JSON and stores nothing', async () => {
    const good = balatroJson(modBatch([modEvent('HEARTBEAT', {})]));
    const details = await refused(bus.post('/api/v1/events/batch', good.slice(0, -7)), 400, 'INVALID_JSON');
    expect(String(details.parser)).toContain('JSON');
    await refused(bus.post('/api/v1/events', '{"type": "HEARTBEAT", payload: }'), 400, 'INVALID_JSON');
  });

  test('a batch with some invalid events stores the valid ones and dead-letters each of the rest with its reason and original', async () => {
    const h = await head();
    const valid1 = modEvent('MONEY_CHANGED', { old_value: 1, new_value: 2 });
    const valid2 = modEvent('ROUND_CHANGED', { ante: 1, round: 2 });
    const bad = [
      { source: 'BalatroMCP', payload: { x: 1 } },
      { type: 'TELEPORTED', event_id: 'bad-unknown', payload: {} },
      'just a string',
      { type: 'HEARTBEAT', timestamp: 'yesterday', payload: {} },
      { type: 'HEARTBEAT', metadata: { retries: 3 }, payload: {} },
      { type: 'DEAD_LETTER', payload: {} },
      { type: 'HEARTBEAT', metadata: { topic: 'deadletter.fake' }, payload: {} },
      { type: 'GAME_STATE', payload: 'not an object' },
      { type: 'HEARTBEAT', event_id: 42 },
    ];
    const body = JSON.stringify({ batch_id: 'mixed-1', source: 'BalatroMCP', events: [valid1, ...bad, valid2] });
    const res = await bus.post('/api/v1/events/batch', body);
    expect(res.status).toBe(200);
    const r = (await res.json()) as { status: string; accepted: number; dead_lettered: { index: number; event_id: string; reason: string; detail: string; topic: string }[]; results: { status: string }[] };
    expect(r.status).toBe('partial');
    expect(r.accepted).toBe(2);
    expect(r.dead_lettered.map((d) => [d.index, d.reason])).toEqual([
      [1, 'missing_type'], [2, 'unknown_type'], [3, 'not_an_object'], [4, 'invalid_timestamp'], [5, 'invalid_metadata'], [6, 'reserved_type'], [7, 'invalid_topic'], [8, 'invalid_payload'], [9, 'invalid_field'],
    ]);
    expect(r.dead_lettered[1]!.event_id).toBe('bad-unknown');
    expect(r.dead_lettered[1]!.topic).toBe('deadletter.unknown_type');
    expect(r.dead_lettered.every((d) => d.detail.length > 5)).toBe(true);
    expect(await head()).toBe(h + 11);
    const stored = await allEvents(bus, '', h);
    expect(stored.filter((v) => !v.topic.startsWith('deadletter.')).map((v) => v.event.event_id)).toEqual([valid1.event_id, valid2.event_id]);
    const letters = await allEvents(bus, 'topic=deadletter.>', h);
    expect(letters).toHaveLength(9);
    const unknown = letters.find((v) => v.topic === 'deadletter.unknown_type')!;
    expect(unknown.event.type).toBe('DEAD_LETTER');
    const dl = unknown.event.payload as { reason: string; detail: string; original: string; index: number; batch_id: string; original_type: string };
    expect(dl.reason).toBe('unknown_type');
    expect(dl.detail).toContain('TELEPORTED');
    expect(JSON.parse(dl.original)).toEqual(bad[1]!);
    expect(dl.index).toBe(2);
    expect(dl.batch_id).toBe('mixed-1');
    expect(dl.original_type).toBe('TELEPORTED');
  });

  test('a single event with a missing or unknown type is held in the dead-letter topic with its exact body, answered 200', async () => {
    const raw = '{"type":"MYSTERY","source":"BalatroMCP","payload":{"a":1}}';
    const res = await bus.post('/api/v1/events', raw);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { status: string; accepted: boolean; topic: string; dead_lettered: { reason: string }[]; sequence: number };
    expect(body).toMatchObject({ status: 'dead_lettered', accepted: false, topic: 'deadletter.unknown_type' });
    expect(body.dead_lettered[0]!.reason).toBe('unknown_type');
    const v = (await bus.history(`after=${body.sequence - 1}&limit=1`)).events[0]!;
    expect((v.event.payload as { original: string }).original).toBe(raw);
    const missing = (await (await bus.post('/api/v1/events', '{"payload":{}}')).json()) as { topic: string };
    expect(missing.topic).toBe('deadletter.missing_type');
  });

  test('an event over max_message_size is dead-lettered (a prefix of it kept) while its batch-mates are stored', async () => {
    const big = modEvent('GAME_STATE', { ...gameStatePayload('BIG'), blob: 'x'.repeat(80_000) });
    const small = modEvent('HEARTBEAT', { ok: true });
    const res = await bus.post('/api/v1/events/batch', balatroJson(modBatch([big, small])));
    expect(res.status).toBe(200);
    const r = (await res.json()) as { dead_lettered: { index: number; reason: string; sequence: number }[]; results: { status: string; sequence: number }[] };
    expect(r.dead_lettered.map((d) => [d.index, d.reason])).toEqual([[0, 'too_large']]);
    expect(r.results[1]!.status).toBe('accepted');
    // The refused event's bytes are gone from the request's buffer; its batch-mate is intact.
    const mate = (await bus.history(`after=${r.results[1]!.sequence - 1}&limit=1`)).events[0]!;
    expect(mate.event.payload).toEqual({ ok: true });
    const v = (await bus.history(`after=${r.dead_lettered[0]!.sequence - 1}&limit=1`)).events[0]!;
    const dl = v.event.payload as { original: string; original_size: number };
    expect(dl.original).toHaveLength(1024);
    expect(dl.original_size).toBeGreaterThan(80_000);
  });

  test('a single body over max_message_size and a batch over the body limit are 413s', async () => {
    await refused(bus.post('/api/v1/events', JSON.stringify({ type: 'HEARTBEAT', payload: { blob: 'y'.repeat(70_000) } })), 413, 'PAYLOAD_TOO_LARGE');
    const many = Array.from({ length: 50 }, () => modEvent('HEARTBEAT', { blob: 'z'.repeat(6000) }));
    const d = await refused(bus.post('/api/v1/events/batch', balatroJson(modBatch(many))), 413, 'PAYLOAD_TOO_LARGE');
    expect(d.limit_bytes).toBe(256 * 1024);
    const count = await refused(bus.post('/api/v1/events/batch', JSON.stringify({ events: Array.from({ length: 101 }, () => ({ type: 'HEARTBEAT' })) })), 413, 'PAYLOAD_TOO_LARGE');
    expect(count.limit_events).toBe(100);
  });

  test('a wrong content type is a 415', async () => {
    const body = balatroJson(modEvent('HEARTBEAT', {}));
    const d = await refused(bus.post('/api/v1/events', body, { 'Content-Type': 'text/plain' }), 415, 'UNSUPPORTED_MEDIA_TYPE');
    expect(d.accepted).toEqual(['application/json', 'application/x-protobuf']);
    await refused(bus.post('/api/v1/events/batch', body, { 'Content-Type': 'application/xml' }), 415, 'UNSUPPORTED_MEDIA_TYPE');
  });

  test('a protobuf body that does not decode is a 400 INVALID_PROTOBUF', async () => {
    const garbage = new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01]);
    await refused(bus.post('/api/v1/events', garbage, { 'Content-Type': 'application/x-protobuf' }), 400, 'INVALID_PROTOBUF');
    await refused(bus.post('/api/v1/events/batch', garbage, { 'Content-Type': 'application/x-protobuf' }), 400, 'INVALID_PROTOBUF');
  });

  test('a protobuf batch whose framing decodes but one Event does not: that Event is dead-lettered as unparseable', async () => {
    const good = P.Event.encode(P.Event.fromObject({ event_id: 'ok-1', type: 'HEARTBEAT' })).finish();
    const bad = new Uint8Array([0x1a, 0x05, 0x41]);
    const w = [0x12, good.length, ...good, 0x12, bad.length, ...bad];
    const res = await bus.post('/api/v1/events/batch', new Uint8Array(w), { 'Content-Type': 'application/x-protobuf' });
    expect(res.status).toBe(200);
    const r = (await res.json()) as { accepted: number; dead_lettered: { index: number; reason: string }[] };
    expect(r.accepted).toBe(1);
    expect(r.dead_lettered.map((d) => [d.index, d.reason])).toEqual([[1, 'unparseable']]);
  });

  test('a body that is not UTF-8 is a 400 INVALID_ENCODING naming the offset', async () => {
    const bytes = new Uint8Array([...new TextEncoder().encode('{"type":"HEARTBEAT","payload":{"n":"'), 0xc3, 0x28, ...new TextEncoder().encode('"}}')]);
    const d = await refused(bus.post('/api/v1/events', bytes), 400, 'INVALID_ENCODING');
    expect(d.offset).toBe(36);
  });

  test('an empty body, and a batch without an events array, are 400s', async () => {
    await refused(bus.post('/api/v1/events', ''), 400, 'BAD_REQUEST');
    const d = await refused(bus.post('/api/v1/events/batch', JSON.stringify({ batch_id: 'x', events: 'none' })), 400, 'VALIDATION_ERROR');
    expect(d.field).toBe('events');
    await refused(bus.post('/api/v1/events/batch', JSON.stringify({ batch_id: 'x' })), 400, 'VALIDATION_ERROR');
  });

  test('history rejects bad parameters with 400 and says which', async () => {
    const get = (q: string): Promise<Response> => fetch(`${bus.url}/api/v1/events?${q}`);
    for (const [q, code, param] of [
      ['form=1', 'INVALID_QUERY', 'form'], ['limit=0', 'INVALID_QUERY', 'limit'], ['limit=5000', 'INVALID_QUERY', 'limit'], ['after=-1', 'INVALID_QUERY', 'after'],
      ['from=soon', 'INVALID_QUERY', 'from'], ['from=1733000000000&to=1700000000000', 'INVALID_QUERY', undefined], ['type=TELEPORTED', 'INVALID_QUERY', 'type'],
      ['order=sideways', 'INVALID_QUERY', 'order'], ['partition=8', 'INVALID_QUERY', 'partition'], ['topic=', 'INVALID_PATTERN', 'topic'], ['topic=game..x', 'INVALID_PATTERN', 'topic'],
      ['topic=game.>.x', 'INVALID_PATTERN', 'topic'], ['topic=ga*', 'INVALID_PATTERN', 'topic'], ['limit=1&limit=2', 'INVALID_QUERY', 'limit'],
    ] as const) {
      const d = await refused(get(q), 400, code);
      if (param) expect(d.parameter).toBe(param);
    }
  });

  test('empty or malformed subscription patterns get an error frame, or a refused upgrade when on the URL', async () => {
    const s = await openSocket(`${bus.url.replace('http', 'ws')}/ws/events`);
    await s.next('welcome');
    for (const patterns of [[], [''], ['game..state'], ['a.>.b'], ['ga*me'], 'game.>', [42]]) {
      s.send({ type: 'subscribe', patterns });
      const e = (await s.next('error')) as { error: { code: string; message: string } };
      expect(e.error.code).toBe('INVALID_PATTERN');
    }
    s.send({ type: 'subscribe', patterns: ['game.>'], from_sequence: -4 });
    expect(((await s.next('error')) as { error: { code: string } }).error.code).toBe('VALIDATION_ERROR');
    s.ws.send('{not json');
    expect(((await s.next('error')) as { error: { code: string } }).error.code).toBe('BAD_REQUEST');
    s.send({ type: 'teleport' });
    expect(((await s.next('error')) as { error: { code: string } }).error.code).toBe('VALIDATION_ERROR');
    s.ws.close();
    const up = await fetch(`${bus.url}/ws/events?patterns=game..x`, { headers: { Upgrade: 'websocket', Connection: 'Upgrade', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Version': '13' } });
    expect(up.status).toBe(400);
    expect(((await up.json()) as { error: { code: string } }).error.code).toBe('INVALID_PATTERN');
  });
});

describe('storage limits', () => {
  test('a full disk budget answers 503 STORAGE_FULL with Retry-After, stores nothing of that request, and health says degraded', async () => {
    const small = await startBus({ maxStorageBytes: '400KB' });
    try {
      const blob = (n: number): string => balatroJson(modBatch(Array.from({ length: 5 }, () => modEvent('HEARTBEAT', { blob: 'q'.repeat(n) }))));
      let res: Response | null = null;
      for (let i = 0; i < 40; i++) {
        const h = (await small.history('limit=1')).head_sequence;
        res = await small.post('/api/v1/events/batch', blob(20_000));
        if (res.status !== 200) {
          expect((await small.history('limit=1')).head_sequence).toBe(h);
          break;
        }
      }
      expect(res!.status).toBe(503);
      expect(res!.headers.get('retry-after')).toBe('30');
      expect(((await res!.json()) as { error: { code: string } }).error.code).toBe('STORAGE_FULL');
      const hl = await small.health();
      expect(hl.status).toBe('degraded');
      expect(String(hl.last_error)).toContain('full');
    } finally {
      await small.stop();
    }
  });
});
