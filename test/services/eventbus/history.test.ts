import { afterAll, beforeAll, expect, test } from 'bun:test';
import { eachBackend, type Bus } from './bus.ts';

let bus: Bus;
// Producer clocks in Unix ms, a little before now (as a live producer's are).
const T0 = Math.floor(Date.now() / 1000) * 1000 - 60_000;

const ids = (p: { events: { event: Record<string, unknown> }[] }): string[] => p.events.map((v) => v.event.event_id as string);

eachBackend('history', (start) => {
  beforeAll(async () => {
    bus = await start();
    // 12 events a second apart across two games and three types.
    const events = Array.from({ length: 12 }, (_, i) => ({
      type: ['GAME_STATE', 'MONEY_CHANGED', 'HEARTBEAT'][i % 3], event_id: `h-${i}`, source: 'history-test', timestamp: T0 + i * 1000,
      payload: i % 3 === 0 ? { game_id: i < 6 ? 'HA' : 'HB', ante: i } : { i },
      metadata: { game_id: i < 6 ? 'HA' : 'HB' },
    }));
    const r = await bus.post('/api/v1/events/batch', JSON.stringify({ batch_id: 'hist', events }), { 'Content-Type': 'application/json', 'X-Game-Id': 'HX' });
    if (r.status !== 200) throw new Error(await r.text());
  }, 30_000);
  afterAll(() => bus.stop(), 30_000);
  test("the spec's ?from=&to=&type= returns the matching events oldest first, inclusive at both ends", async () => {
    const p = await bus.history(`from=${T0 + 2000}&to=${T0 + 8000}&type=MONEY_CHANGED`);
    expect(ids(p)).toEqual(['h-4', 'h-7']);
    expect(p.events.map((v) => v.time)).toEqual([T0 + 4000, T0 + 7000]);
    expect(p).toMatchObject({ status: 'ok', count: 2, has_more: false, next_after: null, next_before: null, head_sequence: 12 });
    const iso = await bus.history(`from=${new Date(T0).toISOString()}&to=${new Date(T0 + 1000).toISOString()}`);
    expect(ids(iso)).toEqual(['h-0', 'h-1']);
    const secs = await bus.history(`from=${(T0 + 11_000) / 1000}`);
    expect(ids(secs)).toEqual(['h-11']);
  });

  test('types and topic patterns take comma lists; game_id and partition narrow further', async () => {
    expect(ids(await bus.history('type=GAME_STATE,heartbeat&limit=4'))).toEqual(['h-0', 'h-2', 'h-3', 'h-5']);
    expect(ids(await bus.history('topic=game.*.changed,system.heartbeat&limit=3'))).toEqual(['h-1', 'h-2', 'h-4']);
    expect(ids(await bus.history('topic=jimbot.game.state.>'))).toEqual(['h-0', 'h-3', 'h-6', 'h-9']);
    expect(ids(await bus.history('game_id=HB&type=GAME_STATE'))).toEqual(['h-6', 'h-9']);
    expect((await bus.history('game_id=NOBODY')).events).toEqual([]);
    const part = (await bus.history('game_id=HA&limit=1')).events[0]!.partition;
    expect((await bus.history(`partition=${part}`)).events.every((v) => v.partition === part)).toBe(true);
  });

  test('cursor paging walks forwards with after and backwards with before', async () => {
    const p1 = await bus.history('limit=5');
    expect(ids(p1)).toEqual(['h-0', 'h-1', 'h-2', 'h-3', 'h-4']);
    expect(p1.next_after).toBe(5);
    const p2 = await bus.history(`limit=5&after=${p1.next_after}`);
    expect(ids(p2)).toEqual(['h-5', 'h-6', 'h-7', 'h-8', 'h-9']);
    const p3 = await bus.history(`limit=5&after=${p2.next_after}`);
    expect(ids(p3)).toEqual(['h-10', 'h-11']);
    expect(p3.has_more).toBe(false);
    const d1 = await bus.history('order=desc&limit=4');
    expect(ids(d1)).toEqual(['h-11', 'h-10', 'h-9', 'h-8']);
    expect(d1.next_before).toBe(9);
    expect(ids(await bus.history(`order=desc&limit=4&before=${d1.next_before}`))).toEqual(['h-7', 'h-6', 'h-5', 'h-4']);
  });

  test('the topics listing names what the log holds and the type → topic table', async () => {
    const t = (await (await fetch(`${bus.url}/api/v1/topics`)).json()) as { topics: string[]; defaults: Record<string, string>; prefix: string };
    expect(t.topics).toEqual(['game.money.changed', 'game.state.update', 'system.heartbeat']);
    expect(t.defaults.ROUND_COMPLETE).toBe('game.round.complete');
    expect(t.prefix).toBe('jimbot');
  });
});
