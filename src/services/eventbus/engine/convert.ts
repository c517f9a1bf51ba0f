/**
 * A producer's JSON event → the canonical Event bytes, or the reason it goes to a
 * dead-letter topic. Pure: the clock, id source and typed-message encoders are given.
 * Nothing the producer sent is dropped: the payload is stored verbatim (beside a typed
 * view for the spec's messages), top-level fields the Event has no slot for go to its
 * `extra` Struct, and original spellings (type, timestamp) ride in `bus.*` metadata so
 * the event reads back exactly as sent.
 */
import { concatBytes, encodeEvent, timestampField, type CanonicalEvent } from '../wire/event.ts';
import { TYPE_URLS } from '../proto-urls.ts';
import { encodeStruct, encodeValue, isJsonObject, setOwn, type Json, type JsonObject } from '../wire/struct.ts';
import { classifyTimestamp, toTimestamp } from './time.ts';
import { checkTopic, stripPrefix, topicFor, type TopicTable } from './topics.ts';
import { decisionRequestView, decisionResponseView, errorView, gameStateView, type GameStateView } from './typed.ts';
import { EVENT_TYPES, RESERVED_TYPES, resolveTypeName, type EventTypeName } from './types.ts';

export const DEAD_REASONS = [
  'unparseable', 'not_an_object', 'missing_type', 'unknown_type', 'reserved_type', 'invalid_field',
  'invalid_timestamp', 'invalid_metadata', 'invalid_topic', 'invalid_payload', 'too_large',
] as const;
export type DeadReason = (typeof DEAD_REASONS)[number];

/** Metadata keys the bus writes; a producer's own `bus.*` keys are dropped on the way in. */
export const BUS = {
  typeRaw: 'bus.type_raw',
  timestampRaw: 'bus.timestamp_raw',
  payloadField: 'bus.payload_field',
  batchId: 'bus.batch_id',
  gameId: 'bus.game_id',
  gameIdFrom: 'bus.game_id_from',
  repaired: 'bus.json_repaired',
  sequence: 'bus.sequence',
  topic: 'bus.topic',
  partition: 'bus.partition',
  receivedAt: 'bus.received_at',
  reason: 'bus.dead_letter_reason',
} as const;
export const BUS_PREFIX = 'bus.';

/** Top-level keys that map onto Event fields; everything else is kept in `extra`. */
const EVENT_KEYS = new Set(['type', 'event_id', 'correlation_id', 'source', 'timestamp', 'version', 'metadata']);

export interface TypedEncoders {
  gameState(view: GameStateView): Uint8Array;
  decisionRequest(view: Record<string, unknown>): Uint8Array;
  decisionResponse(view: Record<string, unknown>): Uint8Array;
  error(view: Record<string, unknown>): Uint8Array;
}

export interface ConvertContext {
  receivedMs: number;
  /** `source` of the enclosing batch, used when an event has none. */
  batchSource: string | null;
  newId(): string;
  topics: TopicTable;
  topicPrefix: string;
  /** max_message_size: the canonical Event's encoded size. */
  maxEventBytes: number;
  typed: TypedEncoders;
}

export interface Accepted {
  ok: true;
  eventId: string;
  type: EventTypeName;
  topic: string;
  source: string;
  /** game_id the event names itself ('' when it names none). */
  gameId: string;
  timeMs: number;
  /** Event bytes without the per-request bus metadata. */
  content: Uint8Array;
  /** Hash of what the producer sent (a time the bus filled in is left out), for re-send detection. */
  fingerprint: number;
  /** The event's own traceparent metadata, which wins over the request's. */
  traceparent: string | null;
}

export interface Rejected {
  ok: false;
  reason: DeadReason;
  detail: string;
  eventId: string | null;
  originalType: string | null;
  source: string | null;
}

export type Converted = Accepted | Rejected;

const MAX_ID = 256;

function reject(reason: DeadReason, detail: string, raw: JsonObject | null): Rejected {
  const id = raw && typeof raw.event_id === 'string' && raw.event_id !== '' && raw.event_id.length <= MAX_ID ? raw.event_id : null;
  const type = raw && typeof raw.type === 'string' ? raw.type.slice(0, 128) : null;
  const source = raw && typeof raw.source === 'string' ? raw.source.slice(0, 256) : null;
  return { ok: false, reason, detail, eventId: id, originalType: type, source };
}

/** The game an event names: its own game_id, metadata, payload, or a decision's game state. */
export function explicitGameId(raw: JsonObject, payload: Json | undefined): string {
  const pick = (v: Json | undefined): string => (typeof v === 'string' && v !== '' && v !== 'unknown' ? v : '');
  const meta = isJsonObject(raw.metadata) ? raw.metadata : null;
  const p = isJsonObject(payload) ? payload : null;
  return pick(raw.game_id) || pick(meta?.game_id) || pick(p?.game_id) || (p && isJsonObject(p.game_state) ? pick(p.game_state.game_id) : '');
}

function typedPayload(type: EventTypeName, raw: JsonObject, p: JsonObject, eventId: string, source: string, typed: TypedEncoders): { url: string; bytes: Uint8Array } | null {
  switch (type) {
    case 'GAME_STATE':
      return { url: TYPE_URLS.gameState, bytes: typed.gameState(gameStateView(p)) };
    case 'LEARNING_DECISION': {
      const sub = typeof raw.subtype === 'string' ? raw.subtype.toUpperCase() : '';
      if (sub === 'RESPONSE' || (sub !== 'REQUEST' && p.selected_action !== undefined)) return { url: TYPE_URLS.decisionResponse, bytes: typed.decisionResponse(decisionResponseView(p)) };
      return { url: TYPE_URLS.decisionRequest, bytes: typed.decisionRequest(decisionRequestView(p)) };
    }
    case 'ERROR':
      return { url: TYPE_URLS.error, bytes: typed.error(errorView(p, eventId, source)) };
    default:
      return null;
  }
}

/** `typed ++ field 100 (source_payload Struct)`. */
function withSourcePayload(typed: Uint8Array, struct: Uint8Array): Uint8Array {
  const lenBytes: number[] = [];
  let n = struct.length;
  while (n >= 0x80) {
    lenBytes.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  lenBytes.push(n);
  const out = new Uint8Array(typed.length + 2 + lenBytes.length + struct.length);
  out.set(typed, 0);
  let p = typed.length;
  out[p++] = 0xa2; // field 100, wire type 2
  out[p++] = 0x06;
  for (const b of lenBytes) out[p++] = b;
  out.set(struct, p);
  return out;
}

export function convertJsonEvent(raw: Json, ctx: ConvertContext): Converted {
  if (!isJsonObject(raw)) return reject('not_an_object', `an event must be a JSON object, got ${Array.isArray(raw) ? 'an array' : raw === null ? 'null' : typeof raw}`, null);
  const rawType = raw.type;
  if (rawType === undefined || rawType === null || rawType === '') return reject('missing_type', 'the event has no "type"', raw);
  if (typeof rawType !== 'string') return reject('missing_type', `"type" must be a string, got ${Array.isArray(rawType) ? 'array' : typeof rawType}`, raw);
  const type = resolveTypeName(rawType);
  if (type === null) return reject('unknown_type', `unknown event type "${rawType.slice(0, 64)}"`, raw);
  if (RESERVED_TYPES.has(type)) return reject('reserved_type', `type ${type} is written by the bus itself`, raw);

  let eventId: string;
  if (raw.event_id === undefined || raw.event_id === null) eventId = ctx.newId();
  else if (typeof raw.event_id === 'string' && raw.event_id !== '' && raw.event_id.length <= MAX_ID) eventId = raw.event_id;
  else return reject('invalid_field', `"event_id" must be a non-empty string of at most ${MAX_ID} characters`, raw);

  const correlationId = raw.correlation_id ?? '';
  if (typeof correlationId !== 'string') return reject('invalid_field', '"correlation_id" must be a string', raw);
  const source = raw.source ?? ctx.batchSource ?? '';
  if (typeof source !== 'string') return reject('invalid_field', '"source" must be a string', raw);
  const version = raw.version ?? 1;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 0 || version > 2_147_483_647) return reject('invalid_field', '"version" must be a non-negative integer', raw);

  const time = classifyTimestamp(raw.timestamp, ctx.receivedMs);
  if (!time.ok) return reject('invalid_timestamp', time.detail, raw);

  const metadata: Record<string, string> = {};
  let topicOverride: string | null = null;
  if (raw.metadata !== undefined && raw.metadata !== null) {
    if (!isJsonObject(raw.metadata)) return reject('invalid_metadata', '"metadata" must be an object of strings', raw);
    for (const [k, v] of Object.entries(raw.metadata)) {
      if (typeof v !== 'string') return reject('invalid_metadata', `metadata "${k.slice(0, 64)}" must be a string (Event.metadata is map<string, string>)`, raw);
      if (k.startsWith(BUS_PREFIX)) continue;
      setOwn(metadata, k, v);
    }
    if (metadata.topic !== undefined) {
      const t = stripPrefix(metadata.topic, ctx.topicPrefix);
      const check = checkTopic(t);
      if (!check.ok) return reject('invalid_topic', check.detail, raw);
      if (t.startsWith('deadletter.')) return reject('invalid_topic', 'dead-letter topics are written by the bus itself', raw);
      topicOverride = t;
    }
  }
  if (rawType !== type) metadata[BUS.typeRaw] = rawType;
  if (time.raw !== null) metadata[BUS.timestampRaw] = time.raw;

  // connection_test carries `data`, not `payload`; so may other events that have no payload.
  const payloadKey = raw.payload !== undefined ? 'payload' : raw.data !== undefined ? 'data' : null;
  if (payloadKey === 'data') metadata[BUS.payloadField] = 'data';
  const payload = payloadKey ? raw[payloadKey] : undefined;

  let packed: { typeUrl: string; value: Uint8Array } | null = null;
  const needsObject = type === 'GAME_STATE' || type === 'LEARNING_DECISION' || type === 'ERROR';
  if (needsObject && !isJsonObject(payload)) return reject('invalid_payload', `a ${type} event needs a payload object`, raw);
  if (isJsonObject(payload)) {
    const struct = encodeStruct(payload);
    const typed = typedPayload(type, raw, payload, eventId, source, ctx.typed);
    packed = typed ? { typeUrl: typed.url, value: withSourcePayload(typed.bytes, struct) } : { typeUrl: TYPE_URLS.struct, value: struct };
  } else if (payload !== undefined) {
    packed = { typeUrl: TYPE_URLS.value, value: encodeValue(payload) };
  }

  let extra: JsonObject | null = null;
  for (const k in raw) {
    if (EVENT_KEYS.has(k) || k === payloadKey) continue;
    setOwn((extra ??= {}), k, raw[k]!);
  }

  const ts = toTimestamp(time.ms);
  // A receive time differs on every re-send: it goes after the bytes the fingerprint covers.
  const derived = time.basis === 'game_clock' || time.basis === 'received';
  const event: CanonicalEvent = {
    eventId, correlationId, type: EVENT_TYPES[type], source, seconds: derived ? 0 : ts.seconds, nanos: derived ? 0 : ts.nanos, version, metadata,
    payload: packed, extra: extra ? encodeStruct(extra) : null,
  };
  const stable = encodeEvent(event);
  const content = derived ? concatBytes(stable, timestampField(ts.seconds, ts.nanos)) : stable;
  if (content.length > ctx.maxEventBytes) return reject('too_large', `the event is ${content.length} bytes encoded, over the ${ctx.maxEventBytes}-byte max_message_size`, raw);
  const topic = topicOverride ?? topicFor(ctx.topics, type, raw.subtype);
  return { ok: true, eventId, type, topic, source, gameId: explicitGameId(raw, payload), timeMs: time.ms, content, fingerprint: Bun.hash.xxHash32(stable), traceparent: metadata.traceparent ?? null };
}
