import { afterAll, beforeAll, expect, test } from 'bun:test';
import { loadProtos, TO_OBJECT } from '../../../src/services/eventbus/proto.ts';
import type { JsonObject } from '../../../src/services/eventbus/wire/struct.ts';
import { allEvents, eachBackend, type Bus } from './bus.ts';
import { balatroJson, connectionTest, everyModEvent, gameStatePayload, modBatch, modEvent, modUuid } from './fixtures.ts';

const P = loadProtos();
let bus: Bus;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

async function bySeq(seq: number) {
  const page = await bus.history(`after=${seq - 1}&limit=1`);
  expect(page.events[0]!.sequence).toBe(seq);
  return page.events[0]!;
}

/** EventBatch from history with Accept: application/x-protobuf, decoded by protobufjs. */
async function protoHistory(query: string): Promise<Record<string, unknown>[]> {
  const r = await fetch(`${bus.url}/api/v1/events?${query}`, { headers: { Accept: 'application/x-protobuf' } });
  expect(r.headers.get('content-type')).toBe('application/x-protobuf');
  const batch = P.EventBatch.decode(new Uint8Array(await r.arrayBuffer()));
  return (P.EventBatch.toObject(batch, { ...TO_OBJECT, defaults: true }) as { events: Record<string, unknown>[] }).events;
}

eachBackend('ingest', (start) => {
  beforeAll(async () => {
    bus = await start();
  }, 30_000);
  afterAll(() => bus.stop(), 30_000);
  test("the spec's JSON example is stored on game.state.update and reads back field by field", async () => {
    const example = {
      type: 'GAME_STATE', source: 'BalatroMCP', event_id: 'uuid-here', timestamp: 1234567890000, version: 1,
      payload: { game_id: 'seed_12345', ante: 3, round: 2, chips: 300, mult: 4, money: 15, jokers: [{ name: 'Joker', rarity: 'Common' }], hand: [{ suit: 'Hearts', rank: 'A' }], shop_items: { joker_1: 6 } },
    };
    const res = await bus.post('/api/v1/events', JSON.stringify(example));
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toEqual({ status: 'ok', event_id: 'uuid-here', sequence: body.sequence as number, topic: 'game.state.update', accepted: true, duplicate: false, dead_lettered: [] });
    const v = await bySeq(body.sequence as number);
    expect(v.topic).toBe('game.state.update');
    expect(v.game_id).toBe('seed_12345');
    expect(v.time).toBe(1234567890000);
    expect(v.payload_type).toBe('jimbot.events.v1.GameStateEvent');
    expect(v.event).toEqual(example);
  });

  test('every event type BalatroMCP sends lands on its topic, and every event (payload, extra fields) reads back exactly as sent', async () => {
    const events = everyModEvent('RUN42');
    const wire = balatroJson(modBatch(events));
    const sent = (JSON.parse(wire) as { events: JsonObject[] }).events;
    const res = await bus.post('/api/v1/events/batch', wire);
    expect(res.status).toBe(200);
    const reply = (await res.json()) as { status: string; received: number; accepted: number; dead_lettered: unknown[]; results: { sequence: number; topic: string; status: string }[] };
    expect(reply).toMatchObject({ status: 'ok', received: sent.length, accepted: sent.length, dead_lettered: [] });
    const topics = reply.results.map((r) => r.topic);
    expect(topics).toEqual([
      'system.heartbeat', 'game.money.changed', 'game.score.changed', 'game.hand.played', 'game.cards.discarded', 'game.jokers.changed', 'game.round.changed',
      'game.phase.changed', 'game.round.complete', 'game.joker.trigger', 'game.scoring.joker_trigger', 'learning.decision.request', 'system.error', 'game.state.update',
    ]);
    for (let i = 0; i < sent.length; i++) {
      const v = await bySeq(reply.results[i]!.sequence);
      // Lossless: jokers, hand, deck, shop_items, score_history, changes, priority, subtype... all as sent.
      expect(v.event).toEqual(sent[i]!);
      expect(v.game_id).toBe('RUN42');
    }
  });

  test('the stored record is a protobuf Event; GAME_STATE carries a typed GameStateEvent (jokers, hand, deck) beside the verbatim payload', async () => {
    const res = await bus.post('/api/v1/events', balatroJson(modEvent('GAME_STATE', gameStatePayload('TYPED1'))));
    const { sequence } = (await res.json()) as { sequence: number };
    const [ev] = await protoHistory(`after=${sequence - 1}&limit=1`);
    expect(ev!.type).toBe('GAME_STATE');
    expect(ev!.source).toBe('BalatroMCP');
    const md = ev!.metadata as Record<string, string>;
    expect(md['bus.sequence']).toBe(String(sequence));
    expect(md['bus.topic']).toBe('game.state.update');
    const packed = ev!.payload as { type_url: string; value: string };
    expect(packed.type_url).toBe('type.googleapis.com/jimbot.events.v1.GameStateEvent');
    const gs = P.GameStateEvent.toObject(P.GameStateEvent.decode(Buffer.from(packed.value, 'base64')), TO_OBJECT) as Record<string, unknown>;
    expect(gs.game_id).toBe('TYPED1');
    expect(gs.ante).toBe(3);
    expect(gs.chips).toBe(1250);
    expect((gs.jokers as { name: string; position: number; properties: Record<string, string> }[]).map((j) => [j.name, j.position ?? 0, j.properties.cost])).toEqual([['Joker', 0, '2'], ['Greedy Joker', 1, '5']]);
    expect((gs.hand as { rank: string; suit: string }[]).map((c) => `${c.rank} ${c.suit}`)).toEqual(['Ace Spades', 'King Hearts', '10 Clubs']);
    expect((gs.deck as unknown[]).length).toBe(52);
    expect(gs.shop_items).toEqual({ joker_1: 10, booster_1: 4, voucher_1: 10 });
    expect(gs.source_payload).toBeDefined();
  });

  test('connection_test keeps `data`, gets a UUID event_id, and its Unix-ms timestamp is the event time', async () => {
    const res = await bus.post('/api/v1/events', balatroJson(connectionTest()));
    const body = (await res.json()) as { event_id: string; sequence: number; topic: string };
    expect(body.topic).toBe('system.connection.test');
    expect(body.event_id).toMatch(UUID);
    const v = await bySeq(body.sequence);
    expect(v.event).toEqual({ ...connectionTest(), event_id: body.event_id, version: 1 });
    expect(v.time).toBe(1_733_000_000_000);
  });

  test("game-clock timestamps keep their reading and take the receive time as event time", async () => {
    const wire = balatroJson(modEvent('MONEY_CHANGED', { old_value: 1, new_value: 2, difference: 1 }));
    const before = Date.now();
    const { sequence } = (await (await bus.post('/api/v1/events', wire)).json()) as { sequence: number };
    const v = await bySeq(sequence);
    expect(v.event.timestamp).toBe((JSON.parse(wire) as { timestamp: number }).timestamp);
    expect(v.time).toBeGreaterThanOrEqual(before - 1);
    expect(v.time).toBeLessThanOrEqual(Date.now());
  });

  test('re-sent events are stored once and answered as accepted, inside one batch and across batches', async () => {
    const a = modEvent('HAND_PLAYED', { hands_remaining: 3, hand_number: 1 });
    const b = modEvent('CARDS_DISCARDED', { discards_remaining: 2 });
    const head = (await bus.history('order=desc&limit=1')).head_sequence;
    const first = (await (await bus.post('/api/v1/events/batch', balatroJson(modBatch([a, a, b, a])))).json()) as { accepted: number; duplicates: number; results: { sequence: number; status: string }[] };
    expect(first.accepted).toBe(4);
    expect(first.duplicates).toBe(2);
    expect(first.results.map((r) => r.status)).toEqual(['accepted', 'duplicate', 'accepted', 'duplicate']);
    expect(first.results[1]!.sequence).toBe(first.results[0]!.sequence);
    // The client's buffer flush re-sends the same events in a new batch.
    const again = (await (await bus.post('/api/v1/events/batch', balatroJson(modBatch([b, a])))).json()) as { status: string; results: { sequence: number; status: string }[] };
    expect(again.status).toBe('ok');
    expect(again.results.map((r) => [r.status, r.sequence])).toEqual([['duplicate', first.results[2]!.sequence], ['duplicate', first.results[0]!.sequence]]);
    expect((await bus.history('order=desc&limit=1')).head_sequence).toBe(head + 2);
  });

  test('the same event_id with different content is a different event (the mod reseeds its UUID generator with the game)', async () => {
    const id = modUuid();
    const one = (await (await bus.post('/api/v1/events', JSON.stringify({ type: 'HEARTBEAT', event_id: id, payload: { n: 1 } }))).json()) as { sequence: number; duplicate: boolean };
    const two = (await (await bus.post('/api/v1/events', JSON.stringify({ type: 'HEARTBEAT', event_id: id, payload: { n: 2 } }))).json()) as { sequence: number; duplicate: boolean };
    expect(two.duplicate).toBe(false);
    expect(two.sequence).toBe(one.sequence + 1);
  });

  test('protobuf bodies: a single Event and an EventBatch are stored like JSON ones', async () => {
    const Struct = P.root.lookupType('google.protobuf.Struct');
    const structBytes = Struct.encode(Struct.fromObject({ fields: { new_value: { numberValue: 9 } } })).finish();
    const ev = P.Event.encode(P.Event.fromObject({ event_id: 'pb-1', type: 'MONEY_CHANGED', source: 'sdk', timestamp: { seconds: 1_733_000_001, nanos: 500_000_000 }, version: 2, metadata: { game_id: 'PB' }, payload: { type_url: 'type.googleapis.com/google.protobuf.Struct', value: structBytes } })).finish();
    const one = await bus.post('/api/v1/events', ev, { 'Content-Type': 'application/x-protobuf' });
    expect(one.status).toBe(200);
    const body = (await one.json()) as { sequence: number; topic: string };
    expect(body.topic).toBe('game.money.changed');
    const v = await bySeq(body.sequence);
    expect(v.event).toEqual({ type: 'MONEY_CHANGED', event_id: 'pb-1', source: 'sdk', timestamp: 1_733_000_001_500, version: 2, metadata: { game_id: 'PB' }, payload: { new_value: 9 } });
    expect(v.game_id).toBe('PB');

    const gs = P.GameStateEvent.encode(P.GameStateEvent.fromObject({ game_id: 'PB2', ante: 4, jokers: [{ name: 'Blueprint', rarity: 'Rare', position: 1 }] })).finish();
    const batch = P.EventBatch.encode(P.EventBatch.fromObject({ batch_id: 'b-pb', source: 'sdk', events: [
      { event_id: 'pb-2', type: 'GAME_STATE', payload: { type_url: 'type.googleapis.com/jimbot.events.v1.GameStateEvent', value: gs } },
      { event_id: 'pb-3', type: 'HEARTBEAT' },
    ] })).finish();
    const res = (await (await bus.post('/api/v1/events/batch', batch, { 'Content-Type': 'application/x-protobuf' })).json()) as { batch_id: string; results: { sequence: number; topic: string }[] };
    expect(res.batch_id).toBe('b-pb');
    expect(res.results.map((r) => r.topic)).toEqual(['game.state.update', 'system.heartbeat']);
    const g = await bySeq(res.results[0]!.sequence);
    expect(g.game_id).toBe('PB2');
    expect(g.event.payload).toEqual({ game_id: 'PB2', ante: 4, jokers: [{ name: 'Blueprint', rarity: 'Rare', position: 1 }] });
  });

  test('a traceparent on the request is continued (same trace, the bus span) into the stored metadata', async () => {
    const trace = '0af7651916cd43dd8448eb211c80319c';
    const res = await bus.post('/api/v1/events', JSON.stringify({ type: 'HEARTBEAT', payload: {} }), { 'Content-Type': 'application/json', traceparent: `00-${trace}-b7ad6b7169203331-01` });
    const v = await bySeq(((await res.json()) as { sequence: number }).sequence);
    const tp = (v.event.metadata as Record<string, string>).traceparent!;
    expect(tp).toMatch(new RegExp(`^00-${trace}-[0-9a-f]{16}-01$`));
    expect(tp).not.toContain('b7ad6b7169203331');
  });

  test('events that name no game take the batch game, else the source\'s only active game; with two games active none is guessed', async () => {
    // A producer name of its own, so games other tests played do not count as active.
    const ev = (type: string, payload: Record<string, unknown>) => ({ ...modEvent(type, payload as never), source: 'mod-games' });
    const own = (await (await bus.post('/api/v1/events/batch', balatroJson(modBatch([ev('GAME_STATE', gameStatePayload('G-A')), ev('MONEY_CHANGED', { new_value: 1 })])))).json()) as { results: { sequence: number }[] };
    expect((await bySeq(own.results[1]!.sequence)).game_id).toBe('G-A');
    const alone = (await (await bus.post('/api/v1/events', balatroJson(ev('JOKER_TRIGGER', { joker_name: 'Joker' })))).json()) as { sequence: number };
    expect((await bySeq(alone.sequence)).game_id).toBe('G-A');
    await bus.post('/api/v1/events', balatroJson(ev('GAME_STATE', gameStatePayload('G-B'))));
    const ambiguous = (await (await bus.post('/api/v1/events', balatroJson(ev('JOKER_TRIGGER', { joker_name: 'Joker' })))).json()) as { sequence: number };
    expect((await bySeq(ambiguous.sequence)).game_id).toBeNull();
    const named = (await (await bus.post('/api/v1/events', balatroJson(ev('JOKER_TRIGGER', { joker_name: 'Joker' })), { 'Content-Type': 'application/json', 'X-Game-Id': 'G-B' })).json()) as { sequence: number };
    expect((await bySeq(named.sequence)).game_id).toBe('G-B');
  });

  test("BalatroMCP's encoder quirks are recovered: {} for [], numbers as strings, unescaped quotes, control characters and backslashes, nan/inf", async () => {
    const id = modUuid();
    // What table_to_json prints for these values (array items are not escaped; numbers print as Lua does).
    const raw = `{"batch_id":"q1","events":[{"type":"LEARNING_DECISION","source":"BalatroMCP","event_id":"${id}","timestamp":5100000.5,"payload":{"request_id":"R1","available_actions":["say "hi" now","tab\there","C:\\Games\\Balatro"],"recent":{},"scores":["300","450.5"],"chips":nan,"mult":inf,"game_state":{"game_id":"Q"}}}],"source":"BalatroMCP","timestamp":1733000000000}`;
    expect(() => JSON.parse(raw)).toThrow();
    const res = await bus.post('/api/v1/events/batch', raw);
    expect(res.status).toBe(200);
    const reply = (await res.json()) as { results: { sequence: number; status: string }[] };
    expect(reply.results[0]!.status).toBe('accepted');
    const v = await bySeq(reply.results[0]!.sequence);
    expect(v.event.payload).toEqual({ request_id: 'R1', available_actions: ['say "hi" now', 'tab\there', 'C:\\Games\\Balatro'], recent: {}, scores: ['300', '450.5'], chips: 'nan', mult: 'inf', game_state: { game_id: 'Q' } });
    const [pb] = await protoHistory(`after=${v.sequence - 1}&limit=1`);
    expect((pb!.metadata as Record<string, string>)['bus.json_repaired']).toBe('true');
  });

  test('a batch posted as a bare JSON array, and a batch with {} for its empty events list, are accepted', async () => {
    const arr = (await (await bus.post('/api/v1/events/batch', JSON.stringify([{ type: 'HEARTBEAT', payload: {} }]))).json()) as { received: number; accepted: number };
    expect(arr).toMatchObject({ received: 1, accepted: 1 });
    const empty = await bus.post('/api/v1/events/batch', '{"batch_id":"e1","events":{},"source":"BalatroMCP","timestamp":1733000000000}');
    expect(empty.status).toBe(200);
    expect(await empty.json()).toMatchObject({ status: 'ok', batch_id: 'e1', received: 0, accepted: 0, results: [] });
  });

  test('keys named __proto__ (payload, extra fields, metadata) are kept as data, not as prototypes', async () => {
    const raw = '{"type":"HEARTBEAT","__proto__":{"x":1},"metadata":{"__proto__":"m"},"payload":{"__proto__":{"polluted":true},"ok":1}}';
    const { sequence } = (await (await bus.post('/api/v1/events', raw)).json()) as { sequence: number };
    const v = await bySeq(sequence);
    expect(JSON.stringify(v.event)).toContain('"__proto__":{"polluted":true}');
    expect(Object.getOwnPropertyNames(v.event.payload as object)).toEqual(['__proto__', 'ok']);
    expect(Object.getOwnPropertyNames(v.event)).toContain('__proto__');
    expect((v.event.metadata as Record<string, string>)['__proto__']).toBe('m');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  test('history and live delivery see the same views (both are built from the stored record)', async () => {
    const all = await allEvents(bus);
    expect(all.length).toBeGreaterThan(20);
    const seqs = all.map((v) => v.sequence);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
  });
});
