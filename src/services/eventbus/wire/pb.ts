/**
 * Minimal protobuf wire primitives for the ingest hot path: a forward writer for
 * messages whose children are already encoded, and a reader. protobufjs (loaded from
 * the .proto files) is the reference these are tested against; it is used directly
 * where speed does not matter.
 */

export const WIRE_VARINT = 0;
export const WIRE_I64 = 1;
export const WIRE_LEN = 2;
export const WIRE_I32 = 5;

const utf8 = new TextEncoder();
// Little-endian scratch for fixed-width reads (every supported platform is little-endian).
const SCRATCH = new ArrayBuffer(8);
const SCRATCH_BYTES = new Uint8Array(SCRATCH);
const SCRATCH_F64 = new Float64Array(SCRATCH);
const SCRATCH_F32 = new Float32Array(SCRATCH);
const utf8Dec = new TextDecoder('utf-8');

/** UTF-8 byte length without allocating. */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4;
        i++;
      } else n += 3;
    } else n += 3;
  }
  return n;
}

export function varintSize(v: number): number {
  let n = 1;
  while (v >= 0x80) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

/** Growable forward writer. */
export class Writer {
  buf: Uint8Array;
  pos = 0;

  constructor(size = 256) {
    this.buf = new Uint8Array(size);
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.pos + n));
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  varint(v: number): void {
    this.ensure(10);
    const b = this.buf;
    // Non-negative integers up to 2^53; negative int32 values take the 10-byte form.
    if (v < 0) {
      let lo = v >>> 0;
      let hi = Math.floor(v / 4294967296) >>> 0;
      for (let i = 0; i < 9; i++) {
        b[this.pos++] = (lo & 0x7f) | 0x80;
        lo = ((lo >>> 7) | (hi << 25)) >>> 0;
        hi >>>= 7;
      }
      b[this.pos++] = 1;
      return;
    }
    while (v >= 0x80) {
      b[this.pos++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 128);
    }
    b[this.pos++] = v;
  }

  tag(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  string(field: number, s: string): void {
    const len = utf8Length(s);
    this.tag(field, WIRE_LEN);
    this.varint(len);
    this.ensure(len);
    if (len === s.length) {
      const b = this.buf;
      for (let i = 0; i < len; i++) b[this.pos + i] = s.charCodeAt(i);
    } else utf8.encodeInto(s, this.buf.subarray(this.pos, this.pos + len));
    this.pos += len;
  }

  /** A float field (wire type 5, little-endian IEEE 754 single). */
  float(field: number, v: number): void {
    this.tag(field, WIRE_I32);
    this.ensure(4);
    SCRATCH_F32[0] = v;
    for (let i = 0; i < 4; i++) this.buf[this.pos++] = SCRATCH_BYTES[i]!;
  }

  int32(field: number, v: number): void {
    if (v === 0) return;
    this.tag(field, WIRE_VARINT);
    this.varint(v);
  }

  bytes(field: number, bytes: Uint8Array): void {
    this.tag(field, WIRE_LEN);
    this.varint(bytes.length);
    this.raw(bytes);
  }

  raw(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}

/** Buffer's native UTF-8 slice (Node and Bun have it, untyped): ~3x faster than TextDecoder for short strings. */
type SliceBuffer = Buffer & { utf8Slice?: (start: number, end: number) => string };

/** Reads one message's fields; `end` bounds nested reads. */
export class Reader {
  pos: number;
  private readonly text: SliceBuffer;

  constructor(
    readonly buf: Uint8Array,
    start = 0,
    public end = buf.length,
  ) {
    this.pos = start;
    this.text = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  varint(): number {
    const b = this.buf;
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new RangeError('truncated varint');
      const byte = b[this.pos++]!;
      if (i < 8) result += (byte & 0x7f) * mul;
      mul *= 128;
      if (byte < 0x80) return result;
    }
    throw new RangeError('varint too long');
  }

  /** int32 fields: negative values arrive as 10-byte two's complement. */
  int32(): number {
    return this.varintLow32() | 0;
  }

  private varintLow32(): number {
    const b = this.buf;
    let lo = 0;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new RangeError('truncated varint');
      const byte = b[this.pos++]!;
      if (i < 5) lo |= (byte & 0x7f) << (7 * i);
      if (byte < 0x80) return lo >>> 0;
    }
    throw new RangeError('varint too long');
  }

  /** int64 as a JS number (exact up to 2^53; negative values supported). */
  int64(): number {
    const b = this.buf;
    let lo = 0;
    let hi = 0;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new RangeError('truncated varint');
      const byte = b[this.pos++]!;
      if (i < 4) lo |= (byte & 0x7f) << (7 * i);
      else if (i === 4) {
        lo |= (byte & 0x0f) << 28;
        hi |= (byte & 0x7f) >> 4;
      } else hi |= (byte & 0x7f) << (7 * i - 32);
      if (byte < 0x80) {
        lo >>>= 0;
        return hi & 0x80000000 ? -((~hi >>> 0) * 4294967296 + ((~lo >>> 0) + 1)) : (hi >>> 0) * 4294967296 + lo;
      }
    }
    throw new RangeError('varint too long');
  }

  /** Length-delimited field: returns [start, end) and skips past it. */
  span(): [number, number] {
    const len = this.varint();
    const start = this.pos;
    if (start + len > this.end) throw new RangeError('length-delimited field runs past its message');
    this.pos = start + len;
    return [start, start + len];
  }

  string(): string {
    const len = this.varint();
    const a = this.pos;
    const b = a + len;
    if (b > this.end) throw new RangeError('length-delimited field runs past its message');
    this.pos = b;
    const t = this.text;
    return t.utf8Slice ? t.utf8Slice(a, b) : utf8Dec.decode(this.buf.subarray(a, b));
  }

  /** Steps into a length-delimited field: reads stop at its end until `leave` (no allocation). */
  enter(): number {
    const len = this.varint();
    const outer = this.end;
    const end = this.pos + len;
    if (end > outer) throw new RangeError('length-delimited field runs past its message');
    this.end = end;
    return outer;
  }

  leave(outer: number): void {
    this.pos = this.end;
    this.end = outer;
  }

  double(): number {
    if (this.pos + 8 > this.end) throw new RangeError('truncated double');
    for (let i = 0; i < 8; i++) SCRATCH_BYTES[i] = this.buf[this.pos + i]!;
    this.pos += 8;
    return SCRATCH_F64[0]!;
  }

  float(): number {
    if (this.pos + 4 > this.end) throw new RangeError('truncated float');
    for (let i = 0; i < 4; i++) SCRATCH_BYTES[i] = this.buf[this.pos + i]!;
    this.pos += 4;
    return SCRATCH_F32[0]!;
  }

  skip(wire: number): void {
    switch (wire) {
      case WIRE_VARINT:
        this.varint();
        return;
      case WIRE_I64:
        this.pos += 8;
        break;
      case WIRE_LEN:
        this.span();
        return;
      case WIRE_I32:
        this.pos += 4;
        break;
      default:
        throw new RangeError(`unsupported wire type ${wire}`);
    }
    if (this.pos > this.end) throw new RangeError('truncated field');
  }
}
