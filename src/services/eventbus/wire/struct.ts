/**
 * JSON ⇄ google.protobuf.Value / Struct / ListValue wire bytes, written by hand: a
 * producer's payload is stored verbatim as a Struct, and this runs for every event.
 * Encoding writes backwards so every length prefix is known when it is written.
 */
import { BackWriter } from './back-writer.ts';
import { Reader, WIRE_I64, WIRE_LEN, WIRE_VARINT } from './pb.ts';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type JsonObject = { [k: string]: Json };

/** Writes a Value's fields (not its own length prefix) in front of what `w` holds. */
export function writeValue(w: BackWriter, v: Json): void {
  if (v === null) {
    w.byte(0);
    w.byte(0x08);
  } else if (typeof v === 'string') {
    w.varint(w.str(v));
    w.byte(0x1a);
  } else if (typeof v === 'number') {
    w.double(v);
    w.byte(0x11);
  } else if (typeof v === 'boolean') {
    w.byte(v ? 1 : 0);
    w.byte(0x20);
  } else if (Array.isArray(v)) {
    const mark = w.len;
    writeList(w, v);
    w.varint(w.len - mark);
    w.byte(0x32);
  } else if (typeof v === 'object') {
    const mark = w.len;
    writeStruct(w, v);
    w.varint(w.len - mark);
    w.byte(0x2a);
  } else {
    // undefined/functions never come out of JSON.parse; treat like JSON.stringify would (null).
    w.byte(0);
    w.byte(0x08);
  }
}

function writeList(w: BackWriter, list: Json[]): void {
  for (let i = list.length - 1; i >= 0; i--) {
    const mark = w.len;
    writeValue(w, list[i]!);
    w.varint(w.len - mark);
    w.byte(0x0a);
  }
}

/** Writes a Struct's fields in front of what `w` holds; keys for which `skip` is true are left out. */
export function writeStruct(w: BackWriter, obj: JsonObject, skip?: (key: string) => boolean): void {
  const keys = Object.keys(obj);
  for (let i = keys.length - 1; i >= 0; i--) {
    const k = keys[i]!;
    const v = obj[k];
    if (v === undefined || (skip !== undefined && skip(k))) continue;
    const mark = w.len;
    writeValue(w, v);
    w.varint(w.len - mark);
    w.byte(0x12);
    w.varint(w.str(k));
    w.byte(0x0a);
    w.varint(w.len - mark);
    w.byte(0x0a);
  }
}

/** google.protobuf.Struct bytes of a JSON object. */
export function encodeStruct(obj: JsonObject, sizeHint = 2048): Uint8Array {
  const w = new BackWriter(sizeHint);
  writeStruct(w, obj);
  return w.result();
}

/** google.protobuf.Value bytes of a JSON value of whatever kind. */
export function encodeValue(v: Json, sizeHint = 256): Uint8Array {
  const w = new BackWriter(sizeHint);
  writeValue(w, v);
  return w.result();
}

function readValue(r: Reader): Json {
  let out: Json = null;
  while (!r.done) {
    const tag = r.varint();
    const field = tag >>> 3;
    const wire = tag & 7;
    if (field === 1 && wire === WIRE_VARINT) {
      r.varint();
      out = null;
    } else if (field === 2 && wire === WIRE_I64) out = r.double();
    else if (field === 3 && wire === WIRE_LEN) out = r.string();
    else if (field === 4 && wire === WIRE_VARINT) out = r.varint() !== 0;
    else if (field === 5 && wire === WIRE_LEN) {
      const outer = r.enter();
      out = readStruct(r);
      r.leave(outer);
    } else if (field === 6 && wire === WIRE_LEN) {
      const outer = r.enter();
      out = readList(r);
      r.leave(outer);
    } else r.skip(wire);
  }
  return out;
}

function readList(r: Reader): Json[] {
  const out: Json[] = [];
  while (!r.done) {
    const tag = r.varint();
    if (tag === 0x0a) {
      const outer = r.enter();
      out.push(readValue(r));
      r.leave(outer);
    } else r.skip(tag & 7);
  }
  return out;
}

function readStruct(r: Reader): JsonObject {
  const out: JsonObject = {};
  while (!r.done) {
    const tag = r.varint();
    if (tag !== 0x0a) {
      r.skip(tag & 7);
      continue;
    }
    const entry = r.enter();
    let key = '';
    let value: Json = null;
    while (!r.done) {
      const t = r.varint();
      if (t === 0x0a) key = r.string();
      else if (t === 0x12) {
        const outer = r.enter();
        value = readValue(r);
        r.leave(outer);
      } else r.skip(t & 7);
    }
    r.leave(entry);
    setOwn(out, key, value);
  }
  return out;
}

export function decodeStruct(buf: Uint8Array, start = 0, end = buf.length): JsonObject {
  return readStruct(new Reader(buf, start, end));
}

export function decodeValue(buf: Uint8Array, start = 0, end = buf.length): Json {
  return readValue(new Reader(buf, start, end));
}

export function decodeList(buf: Uint8Array, start = 0, end = buf.length): Json[] {
  return readList(new Reader(buf, start, end));
}

/** Sets an own property even for the key "__proto__" (which plain assignment would turn into a prototype change). */
export function setOwn<T>(o: Record<string, T>, k: string, v: T): void {
  if (k === '__proto__') Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  else o[k] = v;
}

export const isJsonObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Any UTF-16 surrogate (a lone one does not survive UTF-8; pairs are rare in game events and checked the same way). */
const SURROGATE = /[\ud800-\udfff]/;

function survives(v: unknown, depth: number): boolean {
  if (typeof v === 'string') return !SURROGATE.test(v);
  if (v === null || typeof v !== 'object') return true;
  if (depth > 64) return false;
  if (Array.isArray(v)) {
    for (const x of v) if (!survives(x, depth + 1)) return false;
    return true;
  }
  for (const k in v) if (SURROGATE.test(k) || !survives((v as Record<string, unknown>)[k], depth + 1)) return false;
  return true;
}

/**
 * `v` itself when encoding it as a Struct/Value and decoding it gives an equal value back
 * (parsed JSON does, unless a string holds a UTF-16 surrogate), else undefined.
 */
export function roundTrips(v: unknown): unknown {
  return survives(v, 0) ? v : undefined;
}
