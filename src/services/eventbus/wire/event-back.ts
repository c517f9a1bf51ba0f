/**
 * The canonical Event written back to front (see back-writer.ts): the ingest path writes
 * a request's records into one reused buffer, each record's trailing parts (per-request
 * metadata, a receive-time timestamp, `extra`, the payload) before its leading fields,
 * so no record needs a buffer or a copy of its own. Byte for byte what `encodeEvent`
 * writes for the same fields (tested), so fingerprints do not change.
 */
import type { BackWriter } from './back-writer.ts';
import type { CanonicalEvent } from './event.ts';

/** Fields 1–7 of an Event. */
export type EventHead = Omit<CanonicalEvent, 'payload' | 'extra'>;

/** One map<string,string> entry of field 7. */
export function writeMetaEntry(w: BackWriter, k: string, v: string): void {
  const mark = w.len;
  w.strField(0x12, v);
  w.strField(0x0a, k);
  w.varint(w.len - mark);
  w.byte(0x3a);
}

/** Metadata entries (field 7) in the object's key order. */
export function writeMetadata(w: BackWriter, m: Record<string, string>): void {
  const keys = Object.keys(m);
  for (let i = keys.length - 1; i >= 0; i--) writeMetaEntry(w, keys[i]!, m[keys[i]!]!);
}

/** Field 5 (google.protobuf.Timestamp); zero parts are left out as proto3 does. */
export function writeTimestamp(w: BackWriter, seconds: number, nanos: number): void {
  const mark = w.len;
  if (nanos !== 0) {
    w.varint(nanos);
    w.byte(0x10);
  }
  if (seconds !== 0) {
    w.varint(seconds);
    w.byte(0x08);
  }
  w.varint(w.len - mark);
  w.byte(0x2a);
}

/** Fields 1–7, written in front of the payload and extra already in `w`. */
export function writeEventHead(w: BackWriter, e: EventHead): void {
  writeMetadata(w, e.metadata);
  if (e.version !== 0) {
    w.varint(e.version);
    w.byte(0x30);
  }
  if (e.seconds !== 0 || e.nanos !== 0) writeTimestamp(w, e.seconds, e.nanos);
  w.strField(0x22, e.source);
  if (e.type !== 0) {
    w.varint(e.type);
    w.byte(0x18);
  }
  w.strField(0x12, e.correlationId);
  w.strField(0x0a, e.eventId);
}

/** Field 8 (google.protobuf.Any) around a value already written since `mark`. */
export function closeAny(w: BackWriter, mark: number, typeUrl: string): void {
  const vl = w.len - mark;
  if (vl > 0) {
    w.varint(vl);
    w.byte(0x12);
  }
  w.strField(0x0a, typeUrl);
  w.varint(w.len - mark);
  w.byte(0x42);
}
