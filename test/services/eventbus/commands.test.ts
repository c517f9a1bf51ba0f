import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { rmSync } from 'node:fs';
import { allEvents, startBus, type Bus } from './bus.ts';
import { balatroJson, gameStatePayload, modEvent } from './fixtures.ts';

let bus: Bus;
beforeAll(async () => {
  bus = await startBus({ maxQueuedCommands: 5, maxCommandsPerPoll: 3 });
});
afterAll(() => bus.stop());

const send = (body: unknown): Promise<Response> => fetch(`${bus.url}/api/v1/commands`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
/** The mod's poll: GET with Content-Type text/plain, no game id. */
const poll = (q = ''): Promise<Response> => fetch(`${bus.url}/api/v1/commands/poll${q}`, { headers: { 'Content-Type': 'text/plain' } });

describe('commands', () => {
  test('an empty queue polls as an empty 200 text/plain', async () => {
    const r = await poll('?game_id=NOBODY');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toStartWith('text/plain');
    expect(await r.text()).toBe('');
  });

  test('queued commands come back as lines, in order, each once, at most maxCommandsPerPoll per poll', async () => {
    const res = await send({ game_id: 'G1', commands: ['select_card:0', { type: 'select_card', params: [2] }, 'play_hand', { type: 'buy_joker', params: [1] }] });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { status: string; game_id: string; queued: { command_id: number; command: string; sequence: number }[]; queue_depth: number };
    expect(body.status).toBe('ok');
    expect(body.game_id).toBe('G1');
    expect(body.queued.map((q) => q.command)).toEqual(['select_card:0', 'select_card:2', 'play_hand', 'buy_joker:1']);
    expect(body.queue_depth).toBe(4);
    expect(await (await poll('?game_id=G1')).text()).toBe('select_card:0\nselect_card:2\nplay_hand\n');
    expect(await (await poll('?game_id=G1')).text()).toBe('buy_joker:1\n');
    expect(await (await poll('?game_id=G1')).text()).toBe('');
  });

  test('queues are per game; a poll without game_id serves the game that most recently sent events', async () => {
    await send({ game_id: 'OTHER', commands: ['skip_shop'] });
    await bus.post('/api/v1/events', balatroJson(modEvent('GAME_STATE', gameStatePayload('RECENT'))));
    await send({ commands: ['go_to_shop'] });
    const r = await poll();
    expect(r.headers.get('x-game-id')).toBe('RECENT');
    expect(await r.text()).toBe('go_to_shop\n');
    expect(await (await poll('?game_id=OTHER')).text()).toBe('skip_shop\n');
  });

  test('every command is recorded on the bus when queued and when delivered', async () => {
    const h = (await bus.history('limit=1')).head_sequence;
    const q = (await (await send({ game_id: 'REC', commands: ['reroll_shop'] })).json()) as { queued: { command_id: number; sequence: number }[] };
    await poll('?game_id=REC');
    const evs = await allEvents(bus, 'topic=game.command.>', h);
    expect(evs.map((v) => [v.topic, v.game_id, (v.event.payload as { command: string; state: string; command_id: number }).command, (v.event.payload as { state: string }).state])).toEqual([
      ['game.command.queued', 'REC', 'reroll_shop', 'queued'],
      ['game.command.delivered', 'REC', 'reroll_shop', 'delivered'],
    ]);
    expect(evs[0]!.sequence).toBe(q.queued[0]!.sequence);
    expect(evs[0]!.event.type).toBe('COMMAND');
    const list = (await (await fetch(`${bus.url}/api/v1/commands?game_id=REC`)).json()) as { commands: { state: string; delivered_sequence: number }[] };
    expect(list.commands[0]!.state).toBe('delivered');
    expect(list.commands[0]!.delivered_sequence).toBe(evs[1]!.sequence);
  });

  test('invalid commands are a 400 and none of the request is queued', async () => {
    for (const commands of [['teleport'], ['select_card'], ['select_card:first'], ['play_hand\nsell_joker:0'], ['buy_joker:1,2'], ['discard:'], [], ['ok', 'select_card:0']]) {
      const before = (await bus.history('limit=1')).head_sequence;
      const r = await send({ game_id: 'BAD', commands });
      expect(r.status).toBe(400);
      const e = (await r.json()) as { status: string; error: { code: string } };
      expect(e.status).toBe('error');
      expect(['INVALID_COMMAND', 'VALIDATION_ERROR']).toContain(e.error.code);
      expect((await bus.history('limit=1')).head_sequence).toBe(before);
    }
    expect(await (await poll('?game_id=BAD')).text()).toBe('');
  });

  test('a full queue is a 429 QUEUE_FULL with Retry-After', async () => {
    await send({ game_id: 'FULL', commands: ['sort_hand', 'sort_hand', 'sort_hand', 'sort_hand'] });
    const r = await send({ game_id: 'FULL', commands: ['sort_hand', 'sort_hand'] });
    expect(r.status).toBe(429);
    expect(r.headers.get('retry-after')).toBe('1');
    expect(((await r.json()) as { error: { code: string } }).error.code).toBe('QUEUE_FULL');
  });

  test('queued commands survive a restart and are not delivered twice', async () => {
    const b = await startBus({}, {});
    await (await fetch(`${b.url}/api/v1/commands`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ game_id: 'R', commands: ['select_small_blind', 'play_hand'] }) })).json();
    expect(await (await fetch(`${b.url}/api/v1/commands/poll?game_id=R`)).text()).toBe('select_small_blind\nplay_hand\n');
    await fetch(`${b.url}/api/v1/commands`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ game_id: 'R', commands: ['discard'] }) });
    const dir = b.dataDir;
    await b.stop({ keepData: true });
    const again = await startBus({}, { dataDir: dir });
    try {
      expect(await (await fetch(`${again.url}/api/v1/commands/poll?game_id=R`)).text()).toBe('discard\n');
      expect(await (await fetch(`${again.url}/api/v1/commands/poll?game_id=R`)).text()).toBe('');
    } finally {
      await again.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
