import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { allEvents, openSocket, startBus, type Bus } from '../bus.ts';
import { applied, gql, JOKER_SYNERGIES, postGames, type GameSpec } from './games.ts';

let bus: Bus;
beforeAll(async () => {
  bus = await startBus();
});
afterAll(async () => {
  await bus.stop();
});

const games = (prefix: string, count: number, jokers: string[], rounds: number[], wonFirst = 0): GameSpec[] =>
  Array.from({ length: count }, (_, i) => ({ id: `${prefix}-${i}`, jokers, rounds, won: i < wonFirst, ante: i < wonFirst ? 9 : 4 }));

describe('knowledge graph learns synergy from GAME_STATE / ROUND_COMPLETE events', () => {
  test("the spec's JokerSynergies query returns the learned pairs, field by field, with the REFERENCE formula's strength", async () => {
    const seq = await postGames(bus, [
      // Jolly + Duo: 20 games at 300 (12 won); Jolly alone 10 at 100; Duo alone 10 at 200 → solo 150, bonus 150.
      ...games('pair', 20, ['Jolly Joker', 'The Duo'], [100, 200], 12),
      ...games('jolly', 10, ['Jolly Joker'], [40, 60]),
      ...games('duo', 10, ['The Duo'], [200]),
      // Greedy + Droll: 25 at 200; Greedy alone 10 at 150; Droll alone 10 at 170 → solo 160, bonus 40 (additive, 0.25).
      ...games('gd', 25, ['Greedy Joker', 'Droll Joker'], [200]),
      ...games('greedy', 10, ['Greedy Joker'], [150]),
      ...games('droll', 10, ['Droll Joker'], [170]),
      // Only 19 shared games: no edge.
      ...games('few', 19, ['Banner', 'Mystic Summit'], [500]),
    ]);
    await applied(bus, seq);
    const jolly = await gql(bus, JOKER_SYNERGIES, { jokerName: 'Jolly Joker' });
    expect(jolly).toEqual({ status: 200, body: { data: { joker: { synergies: [{ target: { name: 'The Duo' }, strength: 1, conditions: ['hand:Pair'] }] } } } });
    const greedy = await gql(bus, JOKER_SYNERGIES, { jokerName: 'greedy joker' });
    expect(greedy.body).toEqual({ data: { joker: { synergies: [{ target: { name: 'Droll Joker' }, strength: 0.25, conditions: ['hand:Flush', 'suit:Diamonds'] }] } } });
    const banner = await gql(bus, JOKER_SYNERGIES, { jokerName: 'Banner' });
    expect(banner.body).toEqual({ data: { joker: { synergies: [] } } });
    const none = await gql(bus, JOKER_SYNERGIES, { jokerName: 'No Such Joker' });
    expect(none.body).toEqual({ data: { joker: null } });
  });

  test('every edge field: type, confidence, games, win rate, bonus, origin; and the joker tallies', async () => {
    const r = await gql(bus, `{ joker(name: "The Duo") { name key rarity cost games win_rate mean_score synergies { source { name } target { name } strength win_rate synergy_type confidence games bonus origin } } }`);
    expect(r.body.data).toEqual({
      joker: {
        name: 'The Duo', key: 'j_duo', rarity: 'Rare', cost: 8, games: 30, win_rate: 12 / 30, mean_score: (20 * 300 + 10 * 200) / 30,
        synergies: [{ source: { name: 'The Duo' }, target: { name: 'Jolly Joker' }, strength: 1, win_rate: 0.6, synergy_type: 'multiplicative', confidence: 0.2, games: 20, bonus: 150, origin: 'learned' }],
      },
    });
    const gd = await gql(bus, `{ synergies(min_games: 20) { source { name } target { name } synergy_type strength } }`);
    expect(gd.body.data).toEqual({ synergies: [
      { source: { name: 'Jolly Joker' }, target: { name: 'The Duo' }, synergy_type: 'multiplicative', strength: 1 },
      { source: { name: 'Droll Joker' }, target: { name: 'Greedy Joker' }, synergy_type: 'additive', strength: 0.25 },
    ] });
  });

  test('game sessions record their jokers, ante, rounds, score and outcome', async () => {
    const r = await gql(bus, `{ game_session(session_id: "pair-0") { session_id source final_ante final_score won ended rounds jokers { name } } stats { jokers sessions ended_sessions active_sessions } }`);
    expect(r.body.data).toEqual({
      game_session: { session_id: 'pair-0', source: 'BalatroMCP', final_ante: 9, final_score: 300, won: true, ended: true, rounds: 2, jokers: [{ name: 'Jolly Joker' }, { name: 'The Duo' }] },
      stats: { jokers: 150, sessions: 104, ended_sessions: 104, active_sessions: 0 },
    });
  });

  test('a new game from the same source ends the unfinished one (won when it passed ante 8), and WS /ws/knowledge pushes the changes', async () => {
    const sock = await openSocket(`${bus.url.replace('http', 'ws')}/ws/knowledge`);
    const welcome = await sock.next('welcome');
    expect(typeof welcome.version).toBe('number');
    const seq = await postGames(bus, [{ id: 'open-1', jokers: ['Joker', 'Blueprint'], rounds: [1000], ante: 9, source: 'bot-7' }].map((g) => g));
    await applied(bus, seq);
    // postGames ends each game; start one that stays open, then a second from the same source.
    const r = await bus.call('POST', '/api/v1/events/batch', { events: [
      { type: 'GAME_STATE', source: 'bot-8', payload: { game_id: 'open-2', ante: 10, jokers: [{ name: 'Baron' }], game_state: 'SELECTING_HAND' } },
      { type: 'GAME_STATE', source: 'bot-8', payload: { game_id: 'open-3', ante: 1, jokers: [{ name: 'Joker' }], game_state: 'SELECTING_HAND' } },
    ] });
    await applied(bus, ((await r.json()) as { last_sequence: number }).last_sequence);
    const s = await gql(bus, `{ a: game_session(session_id: "open-2") { ended won final_ante } b: game_session(session_id: "open-3") { ended won } }`);
    expect(s.body.data).toEqual({ a: { ended: true, won: true, final_ante: 10 }, b: { ended: false, won: null } });
    const change = await sock.next('change');
    expect(change.sequence).toBeGreaterThan(0);
    expect((change.change as { kind: string }).kind).toBe('session');
    sock.ws.close();
  });
});

describe('UpdateKnowledge through the GraphQL mutation', () => {
  test('an asserted synergy goes on the bus as KNOWLEDGE_UPDATE and is applied before the answer', async () => {
    const r = await gql(bus, `mutation M($in: KnowledgeUpdateInput!) { update_knowledge(input: $in) { update_id accepted sequence applied version changes message } }`, {
      in: { update_id: 'u-1', source: 'expert', synergies: [{ source: 'Blueprint', target: 'Baron', strength: 0.8, conditions: ['rank:King held'] }] },
    });
    const u = r.body.data!.update_knowledge as { update_id: string; accepted: boolean; sequence: number; applied: boolean; version: number; changes: number; message: string };
    expect(u).toMatchObject({ update_id: 'u-1', accepted: true, applied: true, changes: 1, message: 'applied' });
    const ev = (await allEvents(bus, 'topic=knowledge.update')).find((e) => e.sequence === u.sequence)!;
    expect(ev.event).toMatchObject({ type: 'KNOWLEDGE_UPDATE', event_id: 'u-1', source: 'expert' });
    const q = await gql(bus, JOKER_SYNERGIES, { jokerName: 'Baron' });
    expect(q.body.data).toEqual({ joker: { synergies: [{ target: { name: 'Blueprint' }, strength: 0.8, conditions: ['rank:King', 'held_in_hand', 'joker_to_the_right', 'rank:King held'] }] } });
    const again = await gql(bus, `mutation { update_knowledge(input: {update_id: "u-1", source: "expert", synergies: [{source: "Blueprint", target: "Baron", strength: 0.8, conditions: ["rank:King held"]}]}) { sequence applied message } }`);
    expect(again.body.data).toEqual({ update_knowledge: { sequence: u.sequence, applied: true, message: 'already applied (same update_id and content)' } });
  });
});
