/**
 * A producer's JSON event → the canonical Event, or the reason it goes to a dead-letter
 * topic. Two steps, both pure: `checkJsonEvent` validates and resolves everything the
 * reply and the log need (id, type, topic, time, game), and `writeJsonEvent` writes the
 * record into a back-to-front writer the caller reuses for a whole request.
 * Nothing the producer sent is dropped: the payload is stored verbatim (beside a typed
 * view for the spec's messages), top-level fields the Event has no slot for go to its
 * `extra` Struct, and original spellings (type, timestamp) ride in `bus.*` metadata so
 * the event reads back exactly as sent.
 */
import { BackWriter } from '../wire/back-writer.ts';
import { closeAny, writeEventHead, writeTimestamp } from '../wire/event-back.ts';
import { writeGameState } from '../wire/game-state.ts';
import { TYPE_URLS } from '../proto-urls.ts';
import { isJsonObject, setOwn, writeStruct, writeValue, type Json, type JsonObject } from '../wire/struct.ts';
import { classifyTimestamp, toTimestamp } from './time.ts';
import { checkTopic, stripPrefix, topicFor, type TopicTable } from './topics.ts';
import { decisionRequestView, decisionResponseView, errorView, gameStateView } from './typed.ts';
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

/** protobufjs encoders for the rarer typed payloads (GameStateEvent is written by hand). */
export interface TypedEncoders {
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
}

/** What the reply and the log need of an accepted event. */
export interface AcceptedHead {
  ok: true;
  eventId: string;
  type: EventTypeName;
  topic: string;
  source: string;
  /** game_id the event names itself ('' when it names none). */
  gameId: string;
  timeMs: number;
  /** The event's own traceparent metadata, which wins over the request's. */
  traceparent: string | null;
}

/** An accepted event whose bytes are already encoded (protobuf producers). */
export interface Accepted extends AcceptedHead {
  /** Event bytes without the per-request bus metadata. */
  content: Uint8Array;
  /** Hash of what the producer sent (a time the bus filled in is left out), for re-send detection. */
  fingerprint: number;
}

/** An accepted JSON event, checked but not yet written (see writeJsonEvent). */
export interface CheckedJson extends AcceptedHead {
  raw: JsonObject;
  correlationId: string;
  version: number;
  metadata: Record<string, string>;
  payloadKey: 'payload' | 'data' | null;
  /** The canonical time; `derived` when the bus filled it in (receive time), which the fingerprint leaves out. */
  seconds: number;
  nanos: number;
  derived: boolean;
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

const TYPED_TYPES: ReadonlySet<EventTypeName> = new Set<EventTypeName>(['GAME_STATE', 'LEARNING_DECISION', 'ERROR']);

/** Writes the typed payload message of GAME_STATE, LEARNING_DECISION or ERROR and returns its type URL. */
function writeTyped(w: BackWriter, c: CheckedJson, p: JsonObject, typed: TypedEncoders): string {
  switch (c.type) {
    case 'GAME_STATE':
      writeGameState(w, gameStateView(p));
      return TYPE_URLS.gameState;
    case 'LEARNING_DECISION': {
      const sub = typeof c.raw.subtype === 'string' ? c.raw.subtype.toUpperCase() : '';
      if (sub === 'RESPONSE' || (sub !== 'REQUEST' && p.selected_action !== undefined)) {
        w.raw(typed.decisionResponse(decisionResponseView(p)));
        return TYPE_URLS.decisionResponse;
      }
      w.raw(typed.decisionRequest(decisionRequestView(p)));
      return TYPE_URLS.decisionRequest;
    }
    default:
      w.raw(typed.error(errorView(p, c.eventId, c.source)));
      return TYPE_URLS.error;
  }
}

/** Validates a producer's JSON event and resolves its id, type, topic, time and game. */
export function checkJsonEvent(raw: Json, ctx: ConvertContext): CheckedJson | Rejected {
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
  if (TYPED_TYPES.has(type) && !isJsonObject(payload)) return reject('invalid_payload', `a ${type} event needs a payload object`, raw);

  const ts = toTimestamp(time.ms);
  const topic = topicOverride ?? topicFor(ctx.topics, type, raw.subtype);
  return {
    ok: true, eventId, type, topic, source, gameId: explicitGameId(raw, payload), timeMs: time.ms, traceparent: metadata.traceparent ?? null,
    raw, correlationId, version, metadata, payloadKey, seconds: ts.seconds, nanos: ts.nanos,
    // A receive time differs on every re-send: it goes after the bytes the fingerprint covers.
    derived: time.basis === 'game_clock' || time.basis === 'received',
  };
}

/**
 * Writes the canonical Event of a checked event in front of what `w` holds (the caller
 * has already written the record's trailing metadata there). Returns the encoded size
 * (without that trailing metadata) and the fingerprint of the producer's part.
 */
export function writeJsonEvent(w: BackWriter, c: CheckedJson, typed: TypedEncoders): { size: number; fingerprint: number } {
  const end = w.len;
  if (c.derived) writeTimestamp(w, c.seconds, c.nanos);
  const stableEnd = w.len;
  const raw = c.raw;
  const payloadKey = c.payloadKey;
  let extra = false;
  for (const k in raw) {
    if (!EVENT_KEYS.has(k) && k !== payloadKey) {
      extra = true;
      break;
    }
  }
  if (extra) {
    const mark = w.len;
    writeStruct(w, raw, (k) => EVENT_KEYS.has(k) || k === payloadKey);
    w.varint(w.len - mark);
    w.byte(0x06);
    w.byte(0xa2); // field 100 (extra), wire type 2
  }
  const payload = payloadKey ? raw[payloadKey] : undefined;
  if (isJsonObject(payload)) {
    const mark = w.len;
    writeStruct(w, payload);
    let url: string = TYPE_URLS.struct;
    if (TYPED_TYPES.has(c.type)) {
      // The verbatim payload rides as the typed message's field 100 (source_payload).
      w.varint(w.len - mark);
      w.byte(0x06);
      w.byte(0xa2);
      url = writeTyped(w, c, payload, typed);
    }
    closeAny(w, mark, url);
  } else if (payload !== undefined) {
    const mark = w.len;
    writeValue(w, payload);
    closeAny(w, mark, TYPE_URLS.value);
  }
  writeEventHead(w, {
    eventId: c.eventId, correlationId: c.correlationId, type: EVENT_TYPES[c.type], source: c.source,
    seconds: c.derived ? 0 : c.seconds, nanos: c.derived ? 0 : c.nanos, version: c.version, metadata: c.metadata,
  });
  return { size: w.len - end, fingerprint: Bun.hash.xxHash32(w.view(w.len, stableEnd)) };
}

/** One JSON event → its canonical bytes on their own (tests and one-off conversions). */
export function convertJsonEvent(raw: Json, ctx: ConvertContext & { typed: TypedEncoders; maxEventBytes: number }): Converted {
  const c = checkJsonEvent(raw, ctx);
  if (!c.ok) return c;
  const w = new BackWriter(1024);
  const { size, fingerprint } = writeJsonEvent(w, c, ctx.typed);
  if (size > ctx.maxEventBytes) return reject('too_large', `the event is ${size} bytes encoded, over the ${ctx.maxEventBytes}-byte max_message_size`, c.raw);
  return { ok: true, eventId: c.eventId, type: c.type, topic: c.topic, source: c.source, gameId: c.gameId, timeMs: c.timeMs, traceparent: c.traceparent, content: w.result(), fingerprint };
}

/** The too_large dead-letter reason for an event written at `size` bytes. */
export function tooLarge(c: CheckedJson, size: number, max: number): Rejected {
  return reject('too_large', `the event is ${size} bytes encoded, over the ${max}-byte max_message_size`, c.raw);
}
