import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import * as grpc from '@grpc/grpc-js';
import { allEvents, grpcAddress, startBus, type Bus } from '../bus.ts';
import { eventually, learningClient, unary, type DecisionReply, type LearningClient } from '../component-clients.ts';
import { state } from './data.ts';

let bus: Bus;
let client: LearningClient;
beforeAll(async () => {
  bus = await startBus();
  client = learningClient(await grpcAddress(bus));
});
afterAll(async () => {
  client.close();
  await bus.stop();
});

const head = async (): Promise<number> => (await bus.history('limit=1')).head_sequence;

describe('POST /api/v1/decisions', () => {
  test('answers a LearningDecisionResponse and logs the request and response on the bus', async () => {
    const r = await bus.call('POST', '/api/v1/decisions', { request_id: 'rest-1', game_state: state('rest-game', true, 120), available_actions: ['discard', 'play_hand', 'sort_hand'], time_limit_ms: 50, context: { current_score: 120, target_score: 300 } });
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ request_id: 'rest-1', selected_action: 'play_hand', confidence: 1 / 3, action_values: { discard: 0, play_hand: 1, sort_hand: 0 }, used_llm: false, strategy_name: 'fallback_heuristic:no_model' });
    const evs = await eventually(async () => {
      const all = (await allEvents(bus, 'topic=learning.decision.>')).filter((e) => (e.event.payload as { request_id?: string }).request_id === 'rest-1');
      return all.length === 2 ? all : undefined;
    });
    expect(evs.map((e) => [e.topic, e.game_id, e.event.source])).toEqual([['learning.decision.request', 'rest-game', 'learning'], ['learning.decision.response', 'rest-game', 'learning']]);
    expect(evs[0]!.event.payload).toMatchObject({ request_id: 'rest-1', available_actions: ['discard', 'play_hand', 'sort_hand'], time_limit_ms: 50, game_state: { game_id: 'rest-game', chips: 120 } });
    expect(evs[1]!.event.payload).toMatchObject({ request_id: 'rest-1', selected_action: 'play_hand', strategy_name: 'fallback_heuristic:no_model' });
  });

  test('no available actions, unknown actions and bad fields are 400s with a reason, and nothing is logged', async () => {
    const before = await head();
    const cases: [Record<string, unknown>, string, string][] = [
      [{ available_actions: [] }, 'NO_ACTIONS', 'at least one available action'],
      [{}, 'NO_ACTIONS', 'at least one available action'],
      [{ available_actions: ['play_hand', 'fly_away', 'teleport:3'] }, 'UNKNOWN_ACTION', 'unknown actions: "fly_away", "teleport:3"'],
      [{ available_actions: ['play_hand'], time_limit_ms: -5 }, 'VALIDATION_ERROR', 'time_limit_ms'],
      [{ available_actions: ['play_hand'], game_state: 'SHOP' }, 'VALIDATION_ERROR', 'game_state must be an object'],
    ];
    for (const [body, code, text] of cases) {
      const r = await bus.call('POST', '/api/v1/decisions', body);
      expect({ body, status: r.status }).toEqual({ body, status: 400 });
      const e = (await r.json()) as { status: string; error: { code: string; message: string } };
      expect({ body, code: e.error.code }).toEqual({ body, code });
      expect(e.error.message).toContain(text);
    }
    const bad = await bus.call('POST', '/api/v1/decisions', '{"available_actions": [');
    expect(bad.status).toBe(400);
    await Bun.sleep(20);
    expect(await head()).toBe(before);
  });
});

describe('gRPC Learning service', () => {
  test('GetDecision answers the canonical LearningDecisionResponse; bad requests are INVALID_ARGUMENT', async () => {
    const { err, res } = await unary(client, client.GetDecision, { request_id: 'g-1', game_state: { game_id: 'grpc-game', ante: 2, hand: [{ suit: 'Hearts', rank: 'A' }] }, available_actions: ['skip_shop', 'buy_joker'], time_limit_ms: 100 });
    expect(err).toBeNull();
    expect(res).toEqual({ request_id: 'g-1', selected_action: 'skip_shop', confidence: 0.5, action_values: { skip_shop: 1, buy_joker: 0 }, used_llm: false, strategy_name: 'fallback_heuristic:no_model', source_payload: null });
    const none = await unary(client, client.GetDecision, { request_id: 'g-2', available_actions: [] });
    expect(none.err?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(none.err?.details).toBe('NO_ACTIONS: a decision needs at least one available action');
    const unknown = await unary(client, client.GetDecision, { request_id: 'g-3', available_actions: ['moonwalk'] });
    expect(unknown.err?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(unknown.err?.details).toStartWith('UNKNOWN_ACTION: unknown action: "moonwalk"');
  });

  test('StreamDecisions answers each request in order on one stream', async () => {
    const stream = client.StreamDecisions();
    const got: DecisionReply[] = [];
    stream.on('data', (d: DecisionReply) => got.push(d));
    const done = new Promise<void>((resolve) => stream.on('end', resolve));
    for (let i = 0; i < 5; i++) stream.write({ request_id: `s-${i}`, available_actions: i % 2 ? ['discard', 'play_hand'] : ['reroll_shop', 'skip_shop'] });
    stream.end();
    await done;
    expect(got.map((g) => [g.request_id, g.selected_action])).toEqual([['s-0', 'skip_shop'], ['s-1', 'play_hand'], ['s-2', 'skip_shop'], ['s-3', 'play_hand'], ['s-4', 'skip_shop']]);
  });

  test('a bad request on the stream ends it with INVALID_ARGUMENT after answering the good ones', async () => {
    const stream = client.StreamDecisions();
    const got: DecisionReply[] = [];
    stream.on('data', (d: DecisionReply) => got.push(d));
    const status = new Promise<grpc.ServiceError>((resolve) => stream.on('error', resolve));
    stream.write({ request_id: 'ok-1', available_actions: ['play_hand'] });
    stream.write({ request_id: 'bad-1', available_actions: [] });
    const e = await status;
    expect(e.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(got.map((g) => g.request_id)).toEqual(['ok-1']);
  });
});

describe('LEARNING_DECISION requests from other producers', () => {
  test('a recent request on the bus is answered with a response event', async () => {
    const r = await bus.call('POST', '/api/v1/events', { type: 'LEARNING_DECISION', subtype: 'REQUEST', source: 'BalatroMCP', payload: { request_id: 'REQ-bus-1', game_state: state('bus-game', false, 0), available_actions: ['discard', 'play_hand'], time_limit_ms: 1000 } });
    expect(r.status).toBe(200);
    const resp = await eventually(async () => (await allEvents(bus, 'topic=learning.decision.response')).find((e) => (e.event.payload as { request_id?: string }).request_id === 'REQ-bus-1'));
    expect(resp.event).toMatchObject({ type: 'LEARNING_DECISION', source: 'learning', subtype: 'RESPONSE', payload: { request_id: 'REQ-bus-1', selected_action: 'play_hand', strategy_name: 'fallback_heuristic:no_model' } });
    expect(resp.game_id).toBe('bus-game');
  });
});
