/**
 * The canonical `jimbot.events.v1.Event` (events.proto) encoded and decoded by hand for
 * the hot path. A record is `content ++ bus metadata`: protobuf merges repeated map
 * entries, so metadata the bus adds per delivery (sequence, topic) is appended to the
 * stored bytes without re-encoding them.
 */
import { Reader, WIRE_LEN, Writer, utf8Length, varintSize } from './pb.ts';
import { setOwn } from './struct.ts';

export interface AnyPayload {
  typeUrl: string;
  value: Uint8Array;
}

export interface CanonicalEvent {
  eventId: string;
  correlationId: string;
  type: number;
  source: string;
  /** google.protobuf.Timestamp */
  seconds: number;
  nanos: number;
  version: number;
  metadata: Record<string, string>;
  payload: AnyPayload | null;
  /** Encoded google.protobuf.Struct (field 100), or null. */
  extra: Uint8Array | null;
}

const EXTRA_FIELD = 100;

/** A map<string,string> entry, its length computed rather than written twice. */
function writeEntry(w: Writer, field: number, k: string, v: string): void {
  const kl = utf8Length(k);
  const vl = utf8Length(v);
  const len = (kl > 0 ? 1 + varintSize(kl) + kl : 0) + (vl > 0 ? 1 + varintSize(vl) + vl : 0);
  w.tag(field, WIRE_LEN);
  w.varint(len);
  if (kl > 0) w.string(1, k);
  if (vl > 0) w.string(2, v);
}

/** Metadata map entries (field 7) as bytes, ready to append to a record. */
export function metadataBytes(entries: Record<string, string>): Uint8Array {
  const keys = Object.keys(entries);
  if (keys.length === 0) return NO_BYTES;
  const w = new Writer(128);
  for (const k of keys) writeEntry(w, 7, k, entries[k]!);
  return w.finish();
}

const NO_BYTES = new Uint8Array(0);

function writeTimestamp(w: Writer, seconds: number, nanos: number): void {
  w.tag(5, WIRE_LEN);
  w.varint((seconds !== 0 ? 1 + varintSize(seconds) : 0) + (nanos !== 0 ? 1 + varintSize(nanos) : 0));
  if (seconds !== 0) {
    w.tag(1, 0);
    w.varint(seconds);
  }
  if (nanos !== 0) {
    w.tag(2, 0);
    w.varint(nanos);
  }
}

/** Field 5 (google.protobuf.Timestamp) on its own, to append to a record. */
export function timestampField(seconds: number, nanos: number): Uint8Array {
  const w = new Writer(24);
  writeTimestamp(w, seconds, nanos);
  return w.finish();
}

export function encodeEvent(e: CanonicalEvent): Uint8Array {
  const w = new Writer(256 + (e.payload ? e.payload.value.length : 0) + (e.extra ? e.extra.length : 0));
  if (e.eventId !== '') w.string(1, e.eventId);
  if (e.correlationId !== '') w.string(2, e.correlationId);
  if (e.type !== 0) {
    w.tag(3, 0);
    w.varint(e.type);
  }
  if (e.source !== '') w.string(4, e.source);
  if (e.seconds !== 0 || e.nanos !== 0) writeTimestamp(w, e.seconds, e.nanos);
  if (e.version !== 0) {
    w.tag(6, 0);
    w.varint(e.version);
  }
  for (const k in e.metadata) writeEntry(w, 7, k, e.metadata[k]!);
  if (e.payload) {
    const ul = utf8Length(e.payload.typeUrl);
    const vl = e.payload.value.length;
    w.tag(8, WIRE_LEN);
    w.varint((ul > 0 ? 1 + varintSize(ul) + ul : 0) + (vl > 0 ? 1 + varintSize(vl) + vl : 0));
    if (ul > 0) w.string(1, e.payload.typeUrl);
    if (vl > 0) w.bytes(2, e.payload.value);
  }
  if (e.extra && e.extra.length > 0) w.bytes(EXTRA_FIELD, e.extra);
  return w.finish();
}

function readTimestamp(r: Reader, out: CanonicalEvent): void {
  while (!r.done) {
    const tag = r.varint();
    if (tag === 0x08) out.seconds = r.int64();
    else if (tag === 0x10) out.nanos = r.int32();
    else r.skip(tag & 7);
  }
}

function readEntry(r: Reader, into: Record<string, string>): void {
  let k = '';
  let v = '';
  while (!r.done) {
    const t = r.varint();
    if (t === 0x0a) k = r.string();
    else if (t === 0x12) v = r.string();
    else r.skip(t & 7);
  }
  setOwn(into, k, v);
}

function readAny(r: Reader): AnyPayload {
  let typeUrl = '';
  let value: Uint8Array = EMPTY;
  while (!r.done) {
    const t = r.varint();
    if (t === 0x0a) typeUrl = r.string();
    else if (t === 0x12) {
      const [s, e] = r.span();
      value = r.buf.subarray(s, e);
    } else r.skip(t & 7);
  }
  return { typeUrl, value };
}

const EMPTY = new Uint8Array(0);

/** Decodes an Event; payload value and extra are views into `buf`. Throws RangeError on malformed bytes. */
export function decodeEvent(buf: Uint8Array): CanonicalEvent {
  const out: CanonicalEvent = { eventId: '', correlationId: '', type: 0, source: '', seconds: 0, nanos: 0, version: 0, metadata: {}, payload: null, extra: null };
  const r = new Reader(buf);
  while (!r.done) {
    const tag = r.varint();
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    if (wire === WIRE_LEN) {
      switch (field) {
        case 1: out.eventId = r.string(); break;
        case 2: out.correlationId = r.string(); break;
        case 4: out.source = r.string(); break;
        case 5:
        case 7:
        case 8: {
          const outer = r.enter();
          if (field === 5) readTimestamp(r, out);
          else if (field === 7) readEntry(r, out.metadata);
          else out.payload = readAny(r);
          r.leave(outer);
          break;
        }
        case EXTRA_FIELD: {
          const [a, b] = r.span();
          out.extra = buf.subarray(a, b);
          break;
        }
        default: r.skip(wire);
      }
    } else if (wire === 0 && field === 3) out.type = r.int32();
    else if (wire === 0 && field === 6) out.version = r.int32();
    else r.skip(wire);
  }
  return out;
}

/** Finds field 100 (`source_payload`) in a typed payload message, if present. */
export function findSourcePayload(buf: Uint8Array): [number, number] | null {
  const r = new Reader(buf);
  let found: [number, number] | null = null;
  while (!r.done) {
    const tag = r.varint();
    if (tag === EXTRA_FIELD * 8 + WIRE_LEN) found = r.span();
    else r.skip(tag & 7);
  }
  return found;
}

/** `bytes` with a length-delimited field appended (e.g. source_payload on a typed message). */
export function appendField(bytes: Uint8Array, field: number, value: Uint8Array): Uint8Array {
  const w = new Writer(bytes.length + value.length + 8);
  w.raw(bytes);
  w.bytes(field, value);
  return w.finish();
}

export function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (b.length === 0) return a;
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
