/**
 * Stored record → the JSON an HTTP or WebSocket client reads: the envelope the bus adds
 * (sequence, topic, partition, game, times) around the event as the producer sent it.
 * Live delivery and history both build views here, so they are identical.
 */
import { decodeEvent, findSourcePayload, type CanonicalEvent } from '../wire/event.ts';
import { TYPE_URLS } from '../proto-urls.ts';
import { decodeStruct, decodeValue, setOwn, type Json, type JsonObject } from '../wire/struct.ts';
import { BUS, BUS_PREFIX } from './convert.ts';
import { fromTimestamp } from './time.ts';
import { TYPE_NAME_BY_NUMBER } from './types.ts';

export interface StoredFields {
  seq: number;
  topic: string;
  partition: number;
  gameId: string;
  receivedMs: number;
  record: Uint8Array;
  /** The payload as decoding the record would give it (live events of this node's JSON ingest): used instead of decoding. */
  payloadJson?: unknown;
}

export interface EventView {
  sequence: number;
  topic: string;
  partition: number;
  game_id: string | null;
  received_at: number;
  /** Canonical event time, Unix ms. */
  time: number;
  payload_type: string | null;
  event: JsonObject;
}

/** Decodes typed payload messages that carry no verbatim copy (events published as protobuf). */
export type TypedDecoder = (typeUrl: string, bytes: Uint8Array) => JsonObject | null;

const b64 = (u: Uint8Array): string => Buffer.from(u.buffer, u.byteOffset, u.byteLength).toString('base64');

function payloadJson(e: CanonicalEvent, decodeTyped: TypedDecoder): Json | undefined {
  const p = e.payload;
  if (!p) return undefined;
  if (p.typeUrl === TYPE_URLS.struct) return decodeStruct(p.value);
  if (p.typeUrl === TYPE_URLS.value) return decodeValue(p.value);
  const verbatim = p.typeUrl === TYPE_URLS.deadLetter ? null : findSourcePayload(p.value);
  if (verbatim) return decodeStruct(p.value, verbatim[0], verbatim[1]);
  const typed = decodeTyped(p.typeUrl, p.value);
  if (typed) return typed;
  return { '@type': p.typeUrl, value: b64(p.value) };
}

function parseRaw(raw: string): Json {
  try {
    return JSON.parse(raw) as Json;
  } catch {
    return raw;
  }
}

/** The event as its producer sent it (plus the event_id the bus gave it, if it had none). */
export function eventJson(e: CanonicalEvent, decodeTyped: TypedDecoder, knownPayload?: unknown): JsonObject {
  const m = e.metadata;
  const out: JsonObject = {};
  out.type = m[BUS.typeRaw] ?? TYPE_NAME_BY_NUMBER[e.type] ?? String(e.type);
  out.event_id = e.eventId;
  out.source = e.source;
  const raw = m[BUS.timestampRaw];
  out.timestamp = raw !== undefined ? parseRaw(raw) : fromTimestamp(e.seconds, e.nanos);
  out.version = e.version;
  if (e.correlationId !== '') out.correlation_id = e.correlationId;
  let meta: JsonObject | null = null;
  for (const k in m) {
    if (k.startsWith(BUS_PREFIX)) continue;
    setOwn((meta ??= {}), k, m[k]!);
  }
  if (meta) out.metadata = meta;
  const payload = knownPayload !== undefined ? (knownPayload as Json) : payloadJson(e, decodeTyped);
  if (payload !== undefined) out[m[BUS.payloadField] === 'data' ? 'data' : 'payload'] = payload;
  if (e.extra) {
    const extra = decodeStruct(e.extra);
    for (const k of Object.keys(extra)) if (!Object.hasOwn(out, k)) setOwn(out, k, extra[k]!);
  }
  return out;
}

export function buildView(s: StoredFields, decodeTyped: TypedDecoder): EventView {
  const e = decodeEvent(s.record);
  return {
    sequence: s.seq,
    topic: s.topic,
    partition: s.partition,
    game_id: s.gameId === '' ? null : s.gameId,
    received_at: s.receivedMs,
    time: fromTimestamp(e.seconds, e.nanos),
    payload_type: e.payload ? e.payload.typeUrl.slice(e.payload.typeUrl.lastIndexOf('/') + 1) : null,
    event: eventJson(e, decodeTyped, s.payloadJson),
  };
}
