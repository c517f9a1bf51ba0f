import { afterAll, beforeAll, expect, test } from 'bun:test';
import * as grpc from '@grpc/grpc-js';
import { loadProtos } from '../../../src/services/eventbus/proto.ts';
import { grpcAddress, eachBackend, type Bus } from './bus.ts';
import { balatroJson, modBatch, modEvent } from './fixtures.ts';
import { call, eventBusClient, rawPublishClient, type EventBusClient, type EventMsg } from './grpc-client.ts';

const P = loadProtos();
const Struct = P.root.lookupType('google.protobuf.Struct');
let bus: Bus;
let client: EventBusClient;
let address: string;

const head = async (): Promise<number> => (await bus.history('limit=1')).head_sequence;
const struct = (fields: Record<string, number>): Buffer => Buffer.from(Struct.encode(Struct.fromObject({ fields: Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, { numberValue: v }])) })).finish());
const money = (id: string): EventMsg => ({ event_id: id, type: 'MONEY_CHANGED', source: 'grpc-test', version: 1, timestamp: { seconds: 1_733_000_100, nanos: 0 }, payload: { type_url: 'type.googleapis.com/google.protobuf.Struct', value: struct({ new_value: 7 }) } });

eachBackend('gRPC', (start) => {
  beforeAll(async () => {
    bus = await start({ maxMessageSize: '64KB' });
    address = await grpcAddress(bus);
    client = eventBusClient(address);
  }, 30_000);
  afterAll(async () => {
    client.close();
    await bus.stop();
  }, 30_000);
  test('PublishEvent stores the event and answers event_id, sequence, accepted, topic; a re-send is a duplicate of the same sequence', async () => {
    const { err, res } = await call(client.PublishEvent, client, money('g-1'));
    expect(err).toBeNull();
    expect(res).toEqual({ event_id: 'g-1', sequence: res!.sequence, accepted: true, topic: 'game.money.changed', duplicate: false });
    const v = (await bus.history(`after=${res!.sequence - 1}&limit=1`)).events[0]!;
    expect(v.event).toEqual({ type: 'MONEY_CHANGED', event_id: 'g-1', source: 'grpc-test', timestamp: 1_733_000_100_000, version: 1, payload: { new_value: 7 } });
    const again = await call(client.PublishEvent, client, money('g-1'));
    expect(again.res).toMatchObject({ sequence: res!.sequence, duplicate: true, accepted: true });
  });

  test('a traceparent in the call metadata continues into the stored event', async () => {
    const md = new grpc.Metadata();
    md.set('traceparent', '00-11111111111111111111111111111111-2222222222222222-01');
    const { res } = await call(client.PublishEvent, client, money('g-trace'), md);
    const v = (await bus.history(`after=${res!.sequence - 1}&limit=1`)).events[0]!;
    expect((v.event.metadata as Record<string, string>).traceparent).toMatch(/^00-11111111111111111111111111111111-[0-9a-f]{16}-01$/);
  });

  test('invalid messages get INVALID_ARGUMENT with the reason, oversized ones RESOURCE_EXHAUSTED, and nothing is stored', async () => {
    const before = await head();
    const cases: [EventMsg, string][] = [
      [{ event_id: 'g-x1', type: 99 }, 'unknown_type'],
      [{ event_id: 'g-x2', type: 'GAME_STATE' }, 'invalid_payload'],
      [{ event_id: 'g-x3', type: 'DEAD_LETTER' }, 'reserved_type'],
      [{ event_id: 'g-x4', type: 'HEARTBEAT', metadata: { topic: 'bad..topic' } }, 'invalid_topic'],
      [{ event_id: 'g-x5', type: 'GAME_STATE', payload: { type_url: 'type.googleapis.com/jimbot.events.v1.GameStateEvent', value: Buffer.from([0x0a, 0xff, 0x01]) } }, 'invalid_payload'],
    ];
    for (const [msg, reason] of cases) {
      const { err } = await call(client.PublishEvent, client, msg);
      expect(err?.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(err?.details).toContain(reason);
    }
    const raw = rawPublishClient(address);
    const garbage = await raw.publish(new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0x0f]));
    expect(garbage?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(garbage?.details).toContain('unparseable');
    const huge = await raw.publish(P.Event.encode(P.Event.fromObject({ type: 'HEARTBEAT', source: 'x'.repeat(200_000) })).finish());
    expect(huge?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    raw.close();
    expect(await head()).toBe(before);
  });

  test('SubscribeEvents replays from a sequence, then streams live; each Event says where the bus put it', async () => {
    const first = ((await (await bus.post('/api/v1/events/batch', balatroJson(modBatch([modEvent('ROUND_CHANGED', { ante: 1, round: 1 }), modEvent('HEARTBEAT', {})])))).json()) as { results: { sequence: number }[] }).results[0]!.sequence;
    const stream = client.SubscribeEvents({ patterns: ['game.round.*'], from_sequence: first });
    const got: EventMsg[] = [];
    const meta = new Promise<grpc.Metadata>((resolve) => stream.on('metadata', resolve));
    stream.on('data', (e: EventMsg) => got.push(e));
    stream.on('error', (e: grpc.ServiceError) => expect(e.code).toBe(grpc.status.CANCELLED));
    const wait = async (n: number): Promise<void> => {
      const deadline = Date.now() + 5000;
      while (got.length < n && Date.now() < deadline) await Bun.sleep(10);
    };
    await wait(1);
    expect((await meta).get('x-replay-from')).toEqual([String(first)]);
    await bus.post('/api/v1/events', balatroJson(modEvent('ROUND_CHANGED', { ante: 1, round: 2 })));
    await wait(2);
    stream.cancel();
    expect(got).toHaveLength(2);
    expect(got.map((e) => e.metadata!['bus.topic'])).toEqual(['game.round.changed', 'game.round.changed']);
    expect(Number(got[0]!.metadata!['bus.sequence'])).toBe(first);
    expect(Number(got[1]!.metadata!['bus.sequence'])).toBeGreaterThan(first + 1);
    expect(got[0]!.type).toBe('ROUND_CHANGED');
    expect(got[0]!.payload!.type_url).toBe('type.googleapis.com/google.protobuf.Struct');
  });

  test('SubscribeEvents with bad patterns ends with INVALID_ARGUMENT', async () => {
    for (const patterns of [[], ['game..x'], ['>.game']]) {
      const stream = client.SubscribeEvents({ patterns });
      const err = await new Promise<grpc.ServiceError>((resolve) => stream.on('error', resolve));
      expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
    }
  });

  test('SendCommands queues commands the game then polls', async () => {
    const { err, res } = await call(client.SendCommands, client, { game_id: 'GRPC-G', commands: ['select_card:0', 'play_hand'] });
    expect(err).toBeNull();
    expect(res!.game_id).toBe('GRPC-G');
    expect(res!.command_ids).toHaveLength(2);
    expect(res!.queue_depth).toBe(2);
    const poll = await fetch(`${bus.url}/api/v1/commands/poll?game_id=GRPC-G`);
    expect(await poll.text()).toBe('select_card:0\nplay_hand\n');
    const bad = await call(client.SendCommands, client, { game_id: 'GRPC-G', commands: ['teleport'] });
    expect(bad.err?.code).toBe(grpc.status.INVALID_ARGUMENT);
  });
});
