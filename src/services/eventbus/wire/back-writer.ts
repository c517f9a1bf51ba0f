/**
 * A protobuf writer that fills its buffer from the end: a message's fields are written
 * last-first, so when a nested message is done its length is known and its prefix is
 * written in place (no size pass, no copies). Callers mark lengths with `len`, never
 * positions, because growing moves the content.
 */
const utf8 = new TextEncoder();

// Little-endian scratch for doubles (every supported platform is little-endian).
const F64 = new Float64Array(1);
const F64_BYTES = new Uint8Array(F64.buffer);
const F32 = new Float32Array(1);
const F32_BYTES = new Uint8Array(F32.buffer);

export class BackWriter {
  buf: Uint8Array;
  pos: number;

  constructor(size: number) {
    this.buf = new Uint8Array(size);
    this.pos = size;
  }

  /** Bytes written so far; growth moves content, so callers mark lengths, not positions. */
  get len(): number {
    return this.buf.length - this.pos;
  }

  grow(n: number): void {
    const used = this.buf.length - this.pos;
    const size = Math.max(this.buf.length * 2, used + n + 64);
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(this.pos), size - used);
    this.buf = next;
    this.pos = size - used;
  }

  /** A tag or other single byte below 0x80. */
  byte(b: number): void {
    if (this.pos < 1) this.grow(1);
    this.buf[--this.pos] = b;
  }

  varint(v: number): void {
    if (this.pos < 10) this.grow(10);
    if (v < 0x80) {
      this.buf[--this.pos] = v;
      return;
    }
    if (v < 0x4000) {
      this.buf[--this.pos] = v >>> 7;
      this.buf[--this.pos] = (v & 0x7f) | 0x80;
      return;
    }
    let n = 0;
    let t = v;
    while (t >= 0x80) {
      t = Math.floor(t / 128);
      n++;
    }
    let p = this.pos - n - 1;
    this.pos = p;
    while (v >= 0x80) {
      this.buf[p++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buf[p] = v;
  }

  /** Writes a string's UTF-8 bytes and returns their length. */
  str(s: string): number {
    const n = s.length;
    if (this.pos < n) this.grow(n);
    // Optimistic ASCII copy from the end; the first non-ASCII character falls back to the encoder.
    const b = this.buf;
    const p = this.pos - n;
    for (let i = n - 1; i >= 0; i--) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) return this.strUtf8(s);
      b[p + i] = c;
    }
    this.pos = p;
    return n;
  }

  private strUtf8(s: string): number {
    const bytes = utf8.encode(s);
    if (this.pos < bytes.length) this.grow(bytes.length);
    this.pos -= bytes.length;
    this.buf.set(bytes, this.pos);
    return bytes.length;
  }

  /** int32 values: negative ones take the 10-byte two's-complement form. */
  int32(v: number): void {
    if (v >= 0) {
      this.varint(v);
      return;
    }
    if (this.pos < 10) this.grow(10);
    let lo = v >>> 0;
    let hi = 0xffffffff;
    const p = (this.pos -= 10);
    for (let i = 0; i < 9; i++) {
      this.buf[p + i] = (lo & 0x7f) | 0x80;
      lo = ((lo >>> 7) | (hi << 25)) >>> 0;
      hi >>>= 7;
    }
    this.buf[p + 9] = 1;
  }

  float(v: number): void {
    if (this.pos < 4) this.grow(4);
    F32[0] = v;
    const p = (this.pos -= 4);
    for (let i = 0; i < 4; i++) this.buf[p + i] = F32_BYTES[i]!;
  }

  double(v: number): void {
    if (this.pos < 8) this.grow(8);
    F64[0] = v;
    const b = this.buf;
    const p = (this.pos -= 8);
    b[p] = F64_BYTES[0]!;
    b[p + 1] = F64_BYTES[1]!;
    b[p + 2] = F64_BYTES[2]!;
    b[p + 3] = F64_BYTES[3]!;
    b[p + 4] = F64_BYTES[4]!;
    b[p + 5] = F64_BYTES[5]!;
    b[p + 6] = F64_BYTES[6]!;
    b[p + 7] = F64_BYTES[7]!;
  }

  /** Copies `bytes` in front of what is written. */
  raw(bytes: Uint8Array): void {
    const n = bytes.length;
    if (this.pos < n) this.grow(n);
    this.pos -= n;
    this.buf.set(bytes, this.pos);
  }

  /** A length-delimited field whose content is `bytes`, written in front. */
  bytesField(tag: number, bytes: Uint8Array): void {
    this.raw(bytes);
    this.varint(bytes.length);
    this.byte(tag);
  }

  /** A string field under a one-byte tag, skipped when empty (proto3 default). */
  strField(tag: number, s: string): void {
    if (s === '') return;
    this.varint(this.str(s));
    this.byte(tag);
  }

  /** The bytes written between two `len` marks (`later` ≥ `earlier`), as a view that the next write may move. */
  view(later: number, earlier: number): Uint8Array {
    const end = this.buf.length;
    return this.buf.subarray(end - later, end - earlier);
  }

  result(): Uint8Array {
    return this.buf.slice(this.pos);
  }

  /** Drops what was written after the `len` mark `mark`. */
  truncate(mark: number): void {
    this.pos = this.buf.length - mark;
  }

  /** Empties the writer for reuse, dropping a buffer that grew past `keepBytes`. */
  reset(keepBytes: number): void {
    if (this.buf.length > keepBytes) this.buf = new Uint8Array(keepBytes);
    this.pos = this.buf.length;
  }
}

