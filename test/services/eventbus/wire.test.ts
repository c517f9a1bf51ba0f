import { describe, expect, test } from 'bun:test';
import fc from 'fast-check';
import { loadProtos, TO_OBJECT } from '../../../src/services/eventbus/proto.ts';
import { decodeEvent, encodeEvent, metadataBytes, concatBytes, type CanonicalEvent } from '../../../src/services/eventbus/wire/event.ts';
import { decodeStruct, decodeValue, encodeStruct, encodeValue, type Json, type JsonObject } from '../../../src/services/eventbus/wire/struct.ts';
import { gameStatePayload } from './fixtures.ts';
import { gameStateView } from '../../../src/services/eventbus/engine/typed.ts';
import { encodeGameState } from '../../../src/services/eventbus/wire/game-state.ts';

const P = loadProtos();
const Struct = P.root.lookupType('google.protobuf.Struct');
const Value = P.root.lookupType('google.protobuf.Value');

/** protobufjs's reading of Struct bytes (its bundled well-known types use camelCase names), turned back into JSON. */
function refValue(v: Record<string, unknown>): Json {
  if ('nullValue' in v) return null;
  if ('numberValue' in v) return v.numberValue as number;
  if ('stringValue' in v) return v.stringValue as string;
  if ('boolValue' in v) return v.boolValue as boolean;
  if ('structValue' in v) return refStruct(v.structValue as Record<string, unknown>);
  if ('listValue' in v) return ((v.listValue as { values?: Record<string, unknown>[] }).values ?? []).map(refValue);
  throw new Error(`not a Value: ${JSON.stringify(v)}`);
}
function refStruct(s: Record<string, unknown>): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries((s.fields ?? {}) as Record<string, Record<string, unknown>>)) out[k] = refValue(v);
  return out;
}

const json = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, fc.constant(null), fc.boolean(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.string({ unit: 'grapheme' }), tie('arr'), tie('obj')),
  arr: fc.array(tie('value'), { maxLength: 5 }),
  obj: fc.dictionary(fc.string({ unit: 'grapheme', maxLength: 12 }).filter((k) => k !== '__proto__'), tie('value'), { maxKeys: 5 }),
})).obj as fc.Arbitrary<JsonObject>;

describe('Struct codec', () => {
  test('a full BalatroMCP game state round-trips and protobufjs reads the same JSON', () => {
    const p = JSON.parse(JSON.stringify(gameStatePayload())) as JsonObject;
    const bytes = encodeStruct(p);
    expect(decodeStruct(bytes)).toEqual(p);
    expect(refStruct(Struct.toObject(Struct.decode(bytes), { defaults: false }) as Record<string, unknown>)).toEqual(p);
  });

  test('every JSON object round-trips, and the bytes decode identically in protobufjs', () => {
    fc.assert(fc.property(json, (obj) => {
      const bytes = encodeStruct(obj);
      const norm = JSON.parse(JSON.stringify(obj)) as JsonObject;
      expect(JSON.stringify(decodeStruct(bytes))).toBe(JSON.stringify(norm));
      // Compared as JSON text: protobuf keeps -0 as a double while JSON has no negative zero.
      expect(JSON.stringify(refStruct(Struct.toObject(Struct.decode(bytes), { defaults: false }) as Record<string, unknown>))).toBe(JSON.stringify(norm));
    }), { numRuns: 300 });
  });

  test('non-object payloads are Values: null, false, 0, empty string and arrays survive', () => {
    for (const v of [null, false, 0, '', [], [1, 'a', null], 'é漢字🎲', -1.5e300]) {
      const bytes = encodeValue(v as Json);
      expect(decodeValue(bytes)).toEqual(v as Json);
      expect(refValue(Value.toObject(Value.decode(bytes), { defaults: false, oneofs: false }) as Record<string, unknown>)).toEqual(v as Json);
    }
  });
});

describe('Event codec', () => {
  const base: CanonicalEvent = {
    eventId: '0b7a1c9e-1111-4a2b-9c3d-abcdefabcdef', correlationId: 'corr-1', type: 9, source: 'BalatroMCP', seconds: 1_733_000_000, nanos: 123_000_000,
    version: 1, metadata: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', 'bus.type_raw': 'money_changed' },
    payload: { typeUrl: 'type.googleapis.com/google.protobuf.Struct', value: encodeStruct({ old_value: 12, new_value: 17 }) },
    extra: encodeStruct({ priority: 'low', changes: [] }),
  };

  test('hand-encoded Events decode in protobufjs field by field, and back', () => {
    const bytes = encodeEvent(base);
    const o = P.Event.toObject(P.Event.decode(bytes), TO_OBJECT) as Record<string, unknown>;
    expect(o.event_id).toBe(base.eventId);
    expect(o.correlation_id).toBe('corr-1');
    expect(o.type).toBe('MONEY_CHANGED');
    expect(o.source).toBe('BalatroMCP');
    expect(o.timestamp).toEqual({ seconds: 1_733_000_000, nanos: 123_000_000 });
    expect(o.version).toBe(1);
    expect(o.metadata).toEqual(base.metadata);
    expect((o.payload as { type_url: string }).type_url).toBe(base.payload!.typeUrl);
    expect(decodeEvent(bytes)).toMatchObject({ ...base, payload: { typeUrl: base.payload!.typeUrl } });
    expect(decodeStruct(decodeEvent(bytes).payload!.value)).toEqual({ old_value: 12, new_value: 17 });
    expect(decodeStruct(decodeEvent(bytes).extra!)).toEqual({ priority: 'low', changes: [] });
  });

  test('protobufjs-encoded Events decode in the hand decoder (GAME_STATE = 0 is omitted on the wire)', () => {
    const bytes = P.Event.encode(P.Event.fromObject({ event_id: 'x', type: 'GAME_STATE', source: 's', timestamp: { seconds: 5, nanos: 6 }, version: 2, metadata: { a: 'b' } })).finish();
    expect(decodeEvent(bytes)).toMatchObject({ eventId: 'x', type: 0, source: 's', seconds: 5, nanos: 6, version: 2, metadata: { a: 'b' }, payload: null, extra: null });
  });

  test('metadata appended to a record overrides and extends its map, as protobuf map merging says', () => {
    const bytes = concatBytes(encodeEvent(base), metadataBytes({ 'bus.sequence': '42', traceparent: 'override' }));
    const o = P.Event.toObject(P.Event.decode(bytes), TO_OBJECT) as { metadata: Record<string, string> };
    expect(o.metadata['bus.sequence']).toBe('42');
    expect(o.metadata.traceparent).toBe('override');
    expect(decodeEvent(bytes).metadata['bus.sequence']).toBe('42');
  });

  test('truncated or garbage bytes throw instead of returning a half event', () => {
    const bytes = encodeEvent(base);
    expect(() => decodeEvent(bytes.subarray(0, bytes.length - 3))).toThrow(RangeError);
    expect(() => decodeEvent(new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]))).toThrow(RangeError);
  });
});

describe('GameStateEvent codec', () => {
  test('the hand encoder and protobufjs produce the same message for a full BalatroMCP state and for odd values', () => {
    const full = JSON.parse(JSON.stringify(gameStatePayload())) as JsonObject;
    const odd = { game_id: 'é-seed', ante: -1, round: 2_147_483_647, chips: '300', jokers: {}, hand: [{ rank: 10, suit: 'Hearts' }], shop_items: { a: -5, b: { cost: 3 } }, score_history: { '1': 0.1, '2': '2.5', x: [1] } } as JsonObject;
    for (const p of [full, odd]) {
      const view = gameStateView(p);
      const mine = P.GameStateEvent.toObject(P.GameStateEvent.decode(encodeGameState(view)), TO_OBJECT);
      const ref = P.GameStateEvent.toObject(P.GameStateEvent.decode(P.GameStateEvent.encode(P.GameStateEvent.fromObject(view as Record<string, unknown>)).finish()), TO_OBJECT);
      expect(mine).toEqual(ref);
    }
    const o = P.GameStateEvent.toObject(P.GameStateEvent.decode(encodeGameState(gameStateView(odd))), TO_OBJECT) as Record<string, unknown>;
    expect(o).toMatchObject({ game_id: 'é-seed', ante: -1, round: 2_147_483_647, chips: 300, hand: [{ rank: '10', suit: 'Hearts' }], shop_items: { a: -5, b: 3 } });
    expect((o.score_history as Record<string, number>)['2']).toBe(2.5);
  });
});
