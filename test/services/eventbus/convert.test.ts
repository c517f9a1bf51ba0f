import { describe, expect, test } from 'bun:test';
import fc from 'fast-check';
import { makeCodecs } from '../../../src/services/eventbus/codec.ts';
import { checkJsonEvent, convertJsonEvent, writeJsonEvent, type CheckedJson } from '../../../src/services/eventbus/engine/convert.ts';
import { decisionRequestView, decisionResponseView, errorView, gameStateView } from '../../../src/services/eventbus/engine/typed.ts';
import { DEFAULT_TOPICS, EVENT_TYPES } from '../../../src/services/eventbus/engine/types.ts';
import { loadProtos, TYPE_URLS } from '../../../src/services/eventbus/proto.ts';
import { BackWriter } from '../../../src/services/eventbus/wire/back-writer.ts';
import { appendField, concatBytes, encodeEvent, timestampField } from '../../../src/services/eventbus/wire/event.ts';
import { encodeGameState } from '../../../src/services/eventbus/wire/game-state.ts';
import { encodeStruct, encodeValue, isJsonObject, type Json, type JsonObject } from '../../../src/services/eventbus/wire/struct.ts';
import { balatroJson, connectionTest, everyModEvent, modBatch } from './fixtures.ts';

const codecs = makeCodecs(loadProtos());
let ids = 0;
const ctx = { receivedMs: 1_733_000_000_123.5, batchSource: 'batch-src', newId: () => `gen-${ids++}`, topics: DEFAULT_TOPICS, topicPrefix: 'jimbot' };
const EVENT_KEYS = new Set(['type', 'event_id', 'correlation_id', 'source', 'timestamp', 'version', 'metadata']);

/** The same record from the forward encoders: the Event's parts encoded one by one, then put together. */
function forward(c: CheckedJson): Uint8Array {
  const p = c.payloadKey ? c.raw[c.payloadKey] : undefined;
  let payload: { typeUrl: string; value: Uint8Array } | null = null;
  if (isJsonObject(p)) {
    const struct = encodeStruct(p);
    const typed = c.type === 'GAME_STATE' ? [TYPE_URLS.gameState, encodeGameState(gameStateView(p))] as const
      : c.type === 'ERROR' ? [TYPE_URLS.error, codecs.typed.error(errorView(p, c.eventId, c.source))] as const
        : c.type === 'LEARNING_DECISION' ? (p.selected_action !== undefined && c.raw.subtype !== 'REQUEST' ? [TYPE_URLS.decisionResponse, codecs.typed.decisionResponse(decisionResponseView(p))] as const : [TYPE_URLS.decisionRequest, codecs.typed.decisionRequest(decisionRequestView(p))] as const)
          : null;
    payload = typed ? { typeUrl: typed[0], value: appendField(typed[1], 100, struct) } : { typeUrl: TYPE_URLS.struct, value: struct };
  } else if (p !== undefined) payload = { typeUrl: TYPE_URLS.value, value: encodeValue(p) };
  const extra: JsonObject = {};
  for (const k of Object.keys(c.raw)) if (!EVENT_KEYS.has(k) && k !== c.payloadKey) extra[k] = c.raw[k]!;
  const stable = encodeEvent({
    eventId: c.eventId, correlationId: c.correlationId, type: EVENT_TYPES[c.type], source: c.source, seconds: c.derived ? 0 : c.seconds, nanos: c.derived ? 0 : c.nanos,
    version: c.version, metadata: c.metadata, payload, extra: Object.keys(extra).length ? encodeStruct(extra) : null,
  });
  return c.derived ? concatBytes(stable, timestampField(c.seconds, c.nanos)) : stable;
}

function checked(raw: Json): CheckedJson {
  const c = checkJsonEvent(raw, ctx);
  if (!c.ok) throw new Error(`${c.reason}: ${c.detail}`);
  return c;
}

const json = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, fc.constant(null), fc.boolean(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.string({ unit: 'grapheme' }), tie('arr'), tie('obj')),
  arr: fc.array(tie('value'), { maxLength: 4 }),
  obj: fc.dictionary(fc.string({ unit: 'grapheme', maxLength: 8 }).filter((k) => k !== '__proto__'), tie('value'), { maxKeys: 4 }),
}));

describe('JSON events written back to front', () => {
  test('every BalatroMCP event is byte for byte what the forward encoders write, and the fingerprint covers all but a filled-in time', () => {
    const events = (JSON.parse(balatroJson(modBatch([...everyModEvent('RUN7'), connectionTest()]))) as { events: Json[] }).events;
    for (const raw of events) {
      const c = checked(raw);
      const w = new BackWriter(64);
      w.raw(new Uint8Array([1, 2, 3]));
      const { size, fingerprint } = writeJsonEvent(w, c, codecs.typed);
      const mine = w.result();
      const ref = forward(c);
      expect(Buffer.from(mine.subarray(0, size)).equals(Buffer.from(ref))).toBe(true);
      // What was in the writer before stays behind the record.
      expect([...mine.subarray(size)]).toEqual([1, 2, 3]);
      const stable = c.derived ? ref.subarray(0, ref.length - timestampField(c.seconds, c.nanos).length) : ref;
      expect(fingerprint).toBe(Bun.hash.xxHash32(stable));
    }
  });

  test('any payload, extra fields, metadata and timestamp kind give the same bytes as the forward encoders', () => {
    const event = fc.record({
      type: fc.constantFrom('GAME_STATE', 'money_changed', 'HEARTBEAT', 'ERROR', 'LEARNING_DECISION', 'METRIC', 'connection_test'),
      payload: fc.oneof(json.obj, json.value),
      extra: json.obj,
      metadata: fc.dictionary(fc.string({ maxLength: 6 }).filter((k) => k !== '__proto__' && !k.startsWith('bus.') && k !== 'topic'), fc.string({ maxLength: 10 }), { maxKeys: 3 }),
      timestamp: fc.oneof(fc.constant(undefined), fc.double({ min: 0, max: 2e12, noNaN: true }), fc.constant('2024-01-15T10:30:00Z'), fc.integer({ min: 1_000_000_000, max: 2_000_000_000 })),
      correlation: fc.option(fc.string({ maxLength: 8 }), { nil: undefined }),
    });
    fc.assert(fc.property(event, (e) => {
      const raw: JsonObject = { ...(e.extra as JsonObject), type: e.type, source: 'prop', metadata: e.metadata };
      if (e.timestamp !== undefined) raw.timestamp = e.timestamp;
      if (e.correlation !== undefined) raw.correlation_id = e.correlation;
      raw[e.type === 'connection_test' ? 'data' : 'payload'] = ['GAME_STATE', 'ERROR', 'LEARNING_DECISION'].includes(e.type) && !isJsonObject(e.payload as Json) ? {} : (e.payload as Json);
      const c = checkJsonEvent(JSON.parse(JSON.stringify(raw)) as Json, ctx);
      if (!c.ok) return;
      const w = new BackWriter(16);
      const { size } = writeJsonEvent(w, c, codecs.typed);
      expect(size).toBe(w.len);
      expect(Buffer.from(w.result()).equals(Buffer.from(forward(c)))).toBe(true);
    }), { numRuns: 200 });
  });

  test('convertJsonEvent refuses an event over max_message_size as too_large', () => {
    const big = { type: 'HEARTBEAT', payload: { blob: 'x'.repeat(5000) } };
    expect(convertJsonEvent(big, { ...ctx, typed: codecs.typed, maxEventBytes: 4096 })).toMatchObject({ ok: false, reason: 'too_large' });
    expect(convertJsonEvent(big, { ...ctx, typed: codecs.typed, maxEventBytes: 8192 })).toMatchObject({ ok: true, topic: 'system.heartbeat' });
  });
});
