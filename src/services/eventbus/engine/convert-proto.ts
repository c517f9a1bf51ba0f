/**
 * A producer's protobuf `Event` (gRPC PublishEvent, or a REST body sent as
 * application/x-protobuf) → the canonical record. The producer's bytes are kept as they
 * are (unknown fields included); a missing event_id or timestamp is filled by appending
 * the field, which protobuf reads as overriding. Only `bus.*` metadata forces a
 * re-encode (those keys are the bus's own delivery annotations).
 */
import { decodeEvent, encodeEvent, timestampField, type CanonicalEvent } from '../wire/event.ts';
import { Writer } from '../wire/pb.ts';
import { TYPE_URLS } from '../proto-urls.ts';
import { decodeStruct, decodeValue, isJsonObject, type JsonObject } from '../wire/struct.ts';
import { BUS_PREFIX, type Converted, type Rejected } from './convert.ts';
import { toTimestamp } from './time.ts';
import { checkTopic, stripPrefix, topicFor, type TopicTable } from './topics.ts';
import { RESERVED_TYPES, TYPE_NAME_BY_NUMBER } from './types.ts';

export interface ProtoContext {
  receivedMs: number;
  newId(): string;
  topics: TopicTable;
  topicPrefix: string;
  maxEventBytes: number;
  /** protobufjs decode of a typed payload; null when it does not decode. */
  decodeTyped(typeUrl: string, bytes: Uint8Array): JsonObject | null;
}

function reject(reason: Rejected['reason'], detail: string, e: CanonicalEvent | null): Rejected {
  return { ok: false, reason, detail, eventId: e && e.eventId !== '' ? e.eventId.slice(0, 256) : null, originalType: e ? (TYPE_NAME_BY_NUMBER[e.type] ?? String(e.type)) : null, source: e ? e.source.slice(0, 256) : null };
}

const TYPED = new Set<string>([TYPE_URLS.gameState, TYPE_URLS.decisionRequest, TYPE_URLS.decisionResponse, TYPE_URLS.error]);

export function convertProtoEvent(bytes: Uint8Array, ctx: ProtoContext): Converted {
  let e: CanonicalEvent;
  try {
    e = decodeEvent(bytes);
  } catch (err) {
    return reject('unparseable', `not a jimbot.events.v1.Event: ${err instanceof Error ? err.message : String(err)}`, null);
  }
  const name = TYPE_NAME_BY_NUMBER[e.type];
  if (name === undefined) return reject('unknown_type', `unknown EventType value ${e.type}`, e);
  if (RESERVED_TYPES.has(name)) return reject('reserved_type', `type ${name} is written by the bus itself`, e);
  if (e.eventId.length > 256) return reject('invalid_field', 'event_id is longer than 256 characters', e);

  let payloadJson: JsonObject | null = null;
  const p = e.payload;
  if (p) {
    try {
      if (p.typeUrl === TYPE_URLS.struct) payloadJson = decodeStruct(p.value);
      else if (p.typeUrl === TYPE_URLS.value) decodeValue(p.value);
      else if (TYPED.has(p.typeUrl)) {
        payloadJson = ctx.decodeTyped(p.typeUrl, p.value);
        if (payloadJson === null) throw new Error(`payload does not decode as ${p.typeUrl}`);
      }
    } catch (err) {
      return reject('invalid_payload', err instanceof Error ? err.message : String(err), e);
    }
  }
  const needsPayload = name === 'GAME_STATE' || name === 'LEARNING_DECISION' || name === 'ERROR';
  if (needsPayload && !p) return reject('invalid_payload', `a ${name} event needs a payload`, e);

  let topicOverride: string | null = null;
  const metaTopic = e.metadata.topic;
  if (metaTopic !== undefined) {
    const t = stripPrefix(metaTopic, ctx.topicPrefix);
    const check = checkTopic(t);
    if (!check.ok) return reject('invalid_topic', check.detail, e);
    if (t.startsWith('deadletter.')) return reject('invalid_topic', 'dead-letter topics are written by the bus itself', e);
    topicOverride = t;
  }

  let content = bytes;
  const busKeys = Object.keys(e.metadata).filter((k) => k.startsWith(BUS_PREFIX));
  const eventId = e.eventId !== '' ? e.eventId : ctx.newId();
  const stamped = e.seconds === 0 && e.nanos === 0;
  const ts = stamped ? toTimestamp(ctx.receivedMs) : { seconds: e.seconds, nanos: e.nanos };
  if (busKeys.length > 0) {
    for (const k of busKeys) delete e.metadata[k];
    content = encodeEvent({ ...e, eventId, seconds: ts.seconds, nanos: ts.nanos });
  } else if (e.eventId === '' || stamped) {
    const w = new Writer(bytes.length + 64);
    w.raw(bytes);
    if (e.eventId === '') w.string(1, eventId);
    if (stamped) w.raw(timestampField(ts.seconds, ts.nanos));
    content = w.finish();
  }
  if (content.length > ctx.maxEventBytes) return reject('too_large', `the event is ${content.length} bytes, over the ${ctx.maxEventBytes}-byte max_message_size`, e);

  const pick = (v: unknown): string => (typeof v === 'string' && v !== '' && v !== 'unknown' ? v : '');
  const gameId = pick(e.metadata.game_id) || pick(payloadJson?.game_id) || (payloadJson && isJsonObject(payloadJson.game_state) ? pick(payloadJson.game_state.game_id) : '');
  const topic = topicOverride ?? topicFor(ctx.topics, name, e.metadata.subtype);
  return { ok: true, eventId, type: name, topic, source: e.source, gameId, timeMs: ts.seconds * 1000 + ts.nanos / 1e6, content, fingerprint: Bun.hash.xxHash32(bytes), traceparent: e.metadata.traceparent ?? null };
}
