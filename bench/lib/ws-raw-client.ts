/**
 * A minimal WebSocket client over a raw TCP socket, for the load generator only. Frames
 * are pre-encoded and pre-masked once per socket (RFC 6455 §5.3: client frames are
 * masked); a send patches the seq digits in place and writes the bytes, and a reply is
 * scanned as bytes for its seq. Measured here, Bun's WebSocket client costs more CPU per
 * frame than a bare Bun server spends answering it, so a swarm built on it would measure
 * itself.
 */
import type { Socket } from 'bun';
import { maskedFrame, OP_CLOSE, OP_PONG, OP_TEXT } from './ws-frame.ts';

/** Digits reserved for the seq; the number is padded with spaces (JSON whitespace). */
export const SEQ_WIDTH = 10;

const enc = new TextEncoder();

function indexOfBytes(hay: Uint8Array, needle: Uint8Array, from: number, to: number): number {
  const first = needle[0]!;
  outer: for (let i = from; i <= to - needle.length; i++) {
    if (hay[i] !== first) continue;
    for (let j = 1; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

export interface RawWsHandlers {
  /** A text frame from the server: its payload is bytes [start, end) of `buf`. */
  onText(buf: Uint8Array, start: number, end: number): void;
  onClose(): void;
}

export class RawWs {
  private socket: Socket<undefined> | null = null;
  private key = crypto.getRandomValues(new Uint8Array(4));
  private pendingIn: Uint8Array | null = null;
  private pendingOut: Uint8Array[] = [];
  private frame: Uint8Array = new Uint8Array(0);
  private seqAt = 0;
  private frameStart = 0;
  open = false;

  private constructor(private readonly h: RawWsHandlers) {}

  /** Connects and completes the upgrade handshake. */
  static async connect(url: string, protocols: string[] | undefined, h: RawWsHandlers): Promise<RawWs> {
    const u = new URL(url);
    const ws = new RawWs(h);
    const keyB64 = Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString('base64');
    let handshake = '';
    let upgraded = false;
    await new Promise<void>((resolve, reject) => {
      void Bun.connect({
        hostname: u.hostname,
        port: Number(u.port),
        socket: {
          open(s) {
            ws.socket = s;
            const proto = protocols?.length ? `Sec-WebSocket-Protocol: ${protocols.join(', ')}\r\n` : '';
            s.write(`GET ${u.pathname}${u.search} HTTP/1.1\r\nHost: ${u.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${keyB64}\r\nSec-WebSocket-Version: 13\r\n${proto}\r\n`);
          },
          data(_s, chunk) {
            if (upgraded) return ws.receive(chunk);
            handshake += Buffer.from(chunk).toString('latin1');
            const end = handshake.indexOf('\r\n\r\n');
            if (end < 0) return;
            if (!handshake.startsWith('HTTP/1.1 101')) return reject(new Error(`upgrade refused: ${handshake.split('\r\n')[0]}`));
            upgraded = true;
            ws.open = true;
            resolve();
            const rest = Buffer.from(handshake.slice(end + 4), 'latin1');
            if (rest.length > 0) ws.receive(rest);
          },
          drain() {
            ws.flush();
          },
          close() {
            const was = ws.open;
            ws.open = false;
            if (!upgraded) reject(new Error('closed before the upgrade'));
            if (was) h.onClose();
          },
          error(_s, e) {
            if (!upgraded) reject(e);
          },
        },
      }).catch(reject);
    });
    return ws;
  }

  /** Sends one text frame (no seq patching). */
  sendText(text: string): void {
    this.write(maskedFrame(enc.encode(text), OP_TEXT, this.key).frame);
  }

  /** Prepares `${prefix}${seq}${suffix}` frames; sendSeq then only patches the digits. */
  setTemplate(prefix: string, suffix: string): void {
    const p = enc.encode(prefix);
    const payload = enc.encode(prefix + ' '.repeat(SEQ_WIDTH) + suffix);
    const { frame, start } = maskedFrame(payload, OP_TEXT, this.key);
    this.frame = frame;
    this.frameStart = start;
    this.seqAt = p.length;
  }

  sendSeq(seq: number): void {
    const f = this.frame;
    const key = this.key;
    let s = String(seq);
    if (s.length > SEQ_WIDTH) throw new RangeError('seq too long');
    s = s.padEnd(SEQ_WIDTH, ' ');
    for (let i = 0; i < SEQ_WIDTH; i++) {
      const pos = this.seqAt + i;
      f[this.frameStart + pos] = s.charCodeAt(i) ^ key[pos & 3]!;
    }
    this.write(f);
  }

  close(): void {
    if (!this.socket) return;
    this.open = false;
    this.write(maskedFrame(new Uint8Array([0x03, 0xe8]), OP_CLOSE, this.key).frame);
    this.socket.end();
  }

  private write(bytes: Uint8Array): void {
    const s = this.socket;
    if (!s) return;
    if (this.pendingOut.length > 0) {
      this.pendingOut.push(bytes.slice());
      return;
    }
    const n = s.write(bytes);
    if (n < bytes.length) this.pendingOut.push(bytes.slice(Math.max(0, n)));
  }

  private flush(): void {
    const s = this.socket;
    while (s && this.pendingOut.length > 0) {
      const b = this.pendingOut[0]!;
      const n = s.write(b);
      if (n < b.length) {
        this.pendingOut[0] = b.slice(Math.max(0, n));
        return;
      }
      this.pendingOut.shift();
    }
  }

  private receive(chunk: Uint8Array): void {
    let buf = chunk;
    if (this.pendingIn) {
      const joined = new Uint8Array(this.pendingIn.length + chunk.length);
      joined.set(this.pendingIn);
      joined.set(chunk, this.pendingIn.length);
      buf = joined;
      this.pendingIn = null;
    }
    let i = 0;
    while (buf.length - i >= 2) {
      const op = buf[i]! & 0x0f;
      let len = buf[i + 1]! & 0x7f;
      let head = 2;
      if (len === 126) {
        if (buf.length - i < 4) break;
        len = (buf[i + 2]! << 8) | buf[i + 3]!;
        head = 4;
      } else if (len === 127) {
        if (buf.length - i < 10) break;
        len = Number(new DataView(buf.buffer, buf.byteOffset + i + 2, 8).getBigUint64(0));
        head = 10;
      }
      if (buf.length - i < head + len) break;
      const start = i + head;
      if (op === 0x1) this.h.onText(buf, start, start + len);
      else if (op === 0x9) this.write(maskedFrame(buf.subarray(start, start + len), OP_PONG, this.key).frame);
      else if (op === 0x8) this.socket?.end();
      i = start + len;
    }
    if (i < buf.length) this.pendingIn = buf.slice(i);
  }
}

/** Position of `needle` in bytes [from, to) of `hay`, or -1. */
export { indexOfBytes };
