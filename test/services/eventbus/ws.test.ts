import { afterAll, beforeAll, expect, test } from 'bun:test';
import fc from 'fast-check';
import { allEvents, openSocket, eachBackend, type Bus, type View } from './bus.ts';
import { balatroJson, connectionTest, everyModEvent, modBatch, modEvent } from './fixtures.ts';
import { rawWebSocket } from './raw-ws.ts';

let bus: Bus;

const wsUrl = (q = ''): string => `${bus.url.replace('http', 'ws')}/ws/events${q}`;
const postBatch = async (events: ReturnType<typeof modEvent>[]): Promise<{ results: { sequence: number; topic: string }[] }> =>
  (await (await bus.post('/api/v1/events/batch', balatroJson(modBatch(events)))).json()) as { results: { sequence: number; topic: string }[] };

async function subscribe(patterns: string[], from?: number, protocols?: string[]) {
  const s = await openSocket(wsUrl(), protocols);
  await s.next('welcome');
  s.send({ type: 'subscribe', patterns, ...(from !== undefined ? { from_sequence: from } : {}) });
  const ack = await s.next('subscribed');
  return { s, ack };
}

eachBackend('WebSocket subscriptions', (start) => {
  beforeAll(async () => {
    bus = await start({ subscriberBufferBytes: '64KB', lagCheckInterval: '10ms', replayPageSize: 200 });
  }, 30_000);
  afterAll(() => bus.stop(), 30_000);
  test('patterns: * is one segment, > one or more trailing segments, # zero or more; only matching events arrive', async () => {
    const star = await subscribe(['game.*.changed']);
    const rest = await subscribe(['system.>']);
    const hash = await subscribe(['game.scoring.#', 'system.connection.test']);
    const oneSeg = await subscribe(['game.*']);
    expect(star.ack).toMatchObject({ patterns: ['game.*.changed'], from_sequence: null });
    await postBatch(everyModEvent('WS1'));
    await bus.post('/api/v1/events', balatroJson(connectionTest()));
    const topicsOf = async (s: typeof star.s, n: number): Promise<string[]> => (await s.events(n)).map((v) => v.topic);
    expect(await topicsOf(star.s, 5)).toEqual(['game.money.changed', 'game.score.changed', 'game.jokers.changed', 'game.round.changed', 'game.phase.changed']);
    expect(await topicsOf(rest.s, 3)).toEqual(['system.heartbeat', 'system.error', 'system.connection.test']);
    expect(await topicsOf(hash.s, 2)).toEqual(['game.scoring.joker_trigger', 'system.connection.test']);
    // The last event has arrived everywhere; `game.*` (one segment) matched none of the three-segment topics.
    expect(oneSeg.s.all.filter((m) => m.type === 'events')).toEqual([]);
    for (const x of [star, rest, hash, oneSeg]) x.s.ws.close();
  });

  test('frames carry the same view as history, MessagePack frames too, with the request traceparent in metadata', async () => {
    const json = await subscribe(['game.money.changed']);
    const mp = await subscribe(['game.money.changed'], undefined, ['msgpack']);
    const trace = '4bf92f3577b34da6a3ce929d0e0e4736';
    const res = await bus.post('/api/v1/events', balatroJson(modEvent('MONEY_CHANGED', { old_value: 3, new_value: 8, difference: 5 })), { 'Content-Type': 'application/json', traceparent: `00-${trace}-00f067aa0ba902b7-01` });
    const { sequence } = (await res.json()) as { sequence: number };
    const [live] = await json.s.events(1);
    const [packed] = await mp.s.events(1);
    const [stored] = (await bus.history(`after=${sequence - 1}&limit=1`)).events;
    expect(live).toEqual(stored!);
    expect(packed).toEqual(stored!);
    expect((live!.event.metadata as Record<string, string>).traceparent).toContain(trace);
    json.s.ws.close();
    mp.s.ws.close();
  });

  test('live frames equal history for any JSON payload (unicode, lone surrogates, __proto__ keys, nesting, -0, big numbers), with live views built from the request', async () => {
    const text = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 12 }), fc.string({ unit: 'binary', maxLength: 6 }), fc.constantFrom('\ud83d', 'a\ude00b', '__proto__', 'constructor'));
    const value = fc.letrec((tie) => ({
      v: fc.oneof({ depthSize: 'small' }, fc.constant(null), fc.boolean(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(-0, 2 ** 60, 1e-300), text, tie('a'), tie('o')),
      a: fc.array(tie('v'), { maxLength: 3 }),
      o: fc.dictionary(text, tie('v'), { maxKeys: 4 }),
    }));
    const payloads = fc.sample(fc.dictionary(text, value.v, { minKeys: 1, maxKeys: 5 }), { numRuns: 40, seed: 20261202 });
    const sub = await subscribe(['game.money.changed']);
    // JSON.stringify escapes lone surrogates (\\ud83d), so they reach the server as the JSON text says.
    const body = JSON.stringify(modBatch(payloads.map((p) => modEvent('MONEY_CHANGED', p as Record<string, never>))));
    const results = ((await (await bus.post('/api/v1/events/batch', body)).json()) as { results: { sequence: number }[] }).results;
    const live = await sub.s.events(payloads.length);
    const stored = (await bus.history(`after=${results[0]!.sequence - 1}&limit=${payloads.length}`)).events;
    expect(live.map((v) => v.sequence)).toEqual(results.map((r) => r.sequence));
    expect(JSON.stringify(live)).toBe(JSON.stringify(stored));
    sub.s.ws.close();
  });

  test('events frames lead with the first and last sequence of the events they carry and the time they were sent, replayed and live, JSON and MessagePack', async () => {
    const started = Date.now();
    const seqs = (await postBatch(Array.from({ length: 4 }, (_, i) => modEvent('CARDS_DISCARDED', { discards_remaining: i })))).results.map((r) => r.sequence);
    const json = await subscribe(['game.cards.discarded'], seqs[0]);
    const mp = await subscribe(['game.cards.discarded'], seqs[0], ['msgpack']);
    await json.s.next('live');
    await mp.s.next('live');
    const live = (await postBatch(Array.from({ length: 3 }, (_, i) => modEvent('CARDS_DISCARDED', { discards_remaining: 9 - i })))).results.map((r) => r.sequence);
    for (const s of [json.s, mp.s]) {
      const frames: Record<string, unknown>[] = [];
      while (frames.flatMap((f) => f.events as View[]).length < seqs.length + live.length) frames.push(await s.next('events'));
      for (const f of frames) {
        const evs = f.events as View[];
        expect(Object.keys(f)).toEqual(['type', 'first_sequence', 'last_sequence', 'sent_at', 'events']);
        expect(f.sent_at as number).toBeGreaterThanOrEqual(started);
        expect(f.sent_at as number).toBeLessThanOrEqual(Date.now() + 1);
        expect([f.first_sequence, f.last_sequence]).toEqual([evs[0]!.sequence, evs[evs.length - 1]!.sequence]);
      }
      expect(frames.flatMap((f) => (f.events as View[]).map((v) => v.sequence))).toEqual([...seqs, ...live]);
      s.ws.close();
    }
  });

  test('replay from a sequence switches to live with no gap and no duplicate while events keep arriving', async () => {
    const first = (await postBatch(Array.from({ length: 30 }, () => modEvent('JOKER_TRIGGER', { joker_name: 'Joker' })))).results[0]!.sequence;
    let producing = true;
    const producer = (async () => {
      while (producing) await postBatch(Array.from({ length: 20 }, () => modEvent('JOKER_TRIGGER', { joker_name: 'Joker' })));
    })();
    await Bun.sleep(30);
    const { s, ack } = await subscribe(['game.joker.trigger'], first);
    expect(ack.replay_from).toBe(first);
    await s.next('live', 5000);
    await Bun.sleep(80);
    producing = false;
    await producer;
    const last = (await bus.history('topic=game.joker.trigger&order=desc&limit=1')).events[0]!.sequence;
    const expected = (await allEvents(bus, 'topic=game.joker.trigger', first - 1)).map((v) => v.sequence);
    expect(expected[expected.length - 1]).toBe(last);
    const got: number[] = [];
    while (got.length < expected.length) got.push(...(await s.events(1)).map((v: View) => v.sequence));
    expect(got).toEqual(expected);
    s.ws.close();
  });

  test('subscribing again with from_sequence restarts the stream there', async () => {
    const seqs = (await postBatch(Array.from({ length: 6 }, (_, i) => modEvent('HAND_PLAYED', { hands_remaining: i })))).results.map((r) => r.sequence);
    const { s } = await subscribe(['game.hand.played'], seqs[0]);
    expect((await s.events(6)).map((v) => v.sequence)).toEqual(seqs);
    await s.next('live');
    s.send({ type: 'subscribe', patterns: ['game.hand.played'], from_sequence: seqs[3] });
    const ack = await s.next('subscribed');
    expect(ack.replay_from).toBe(seqs[3]);
    expect((await s.events(3)).map((v) => v.sequence)).toEqual(seqs.slice(3));
    s.ws.close();
  });

  test('patterns and from_sequence may ride on the URL; unsubscribe stops delivery', async () => {
    const h = (await bus.history('limit=1')).head_sequence;
    await postBatch([modEvent('ROUND_CHANGED', { ante: 2, round: 3 })]);
    const s = await openSocket(wsUrl(`?patterns=game.round.changed&from_sequence=${h + 1}`));
    await s.next('welcome');
    await s.next('subscribed');
    expect((await s.events(1))[0]!.topic).toBe('game.round.changed');
    await s.next('live');
    s.send({ type: 'unsubscribe' });
    expect(await s.next('unsubscribed')).toEqual({ type: 'unsubscribed', patterns: [] });
    await postBatch([modEvent('ROUND_CHANGED', { ante: 2, round: 4 })]);
    s.send({ type: 'ping' });
    await s.next('pong');
    expect(s.all.filter((m) => m.type === 'events')).toHaveLength(1);
    s.ws.close();
  });

  test('a subscriber that never reads is cut from live delivery with a lagged notice; ingest and other subscribers carry on; it resumes without gap once it reads', async () => {
    const start = (await bus.history('limit=1')).head_sequence + 1;
    const slow = await rawWebSocket(wsUrl(`?patterns=game.>&from_sequence=${start}`));
    const fast = await subscribe(['game.>']);
    await Bun.sleep(50);
    slow.pause();
    const sent: number[] = [];
    // Enough bytes to fill the kernel's socket buffers (several MB on loopback) and then the bus's bound.
    for (let i = 0; i < 80; i++) {
      const r = await postBatch(Array.from({ length: 10 }, () => modEvent('SCORE_CHANGED', { old_chips: i, new_chips: i + 1, note: 'n'.repeat(12_000) })));
      sent.push(...r.results.map((x) => x.sequence));
    }
    const got = (await fast.s.events(sent.length, 10_000)).map((v) => v.sequence);
    expect(got).toEqual(sent);
    const stats = (await bus.health()).subscribers as { paused: number; catching_up: number; lag_events: number };
    expect(stats.lag_events).toBeGreaterThanOrEqual(1);
    expect(stats.paused + stats.catching_up).toBeGreaterThanOrEqual(1);
    slow.resume();
    const deadline = Date.now() + 10_000;
    const seqs = (): number[] => slow.messages.filter((m) => m.type === 'events').flatMap((m) => (m.events as View[]).map((v) => v.sequence));
    while (seqs().length < sent.length && Date.now() < deadline) await Bun.sleep(20);
    const lagged = slow.messages.find((m) => m.type === 'lagged') as { resume_from: number; auto_resume: boolean } | undefined;
    expect(lagged?.auto_resume).toBe(true);
    expect(seqs()).toEqual(sent);
    // Everything before the notice came live; the rest was replayed from resume_from.
    const before = slow.messages.slice(0, slow.messages.indexOf(lagged as Record<string, unknown>)).filter((m) => m.type === 'events').flatMap((m) => (m.events as View[]).map((v) => v.sequence));
    expect(before[before.length - 1]).toBe(lagged!.resume_from - 1);
    slow.close();
    fast.s.ws.close();
  });
});
