/**
 * A WebSocket client over a raw TCP socket for kernel tests that need what a browser-style
 * client hides: it can stay silent (no pong to a ping), stop reading, and report every
 * frame the server sends, with its opcode.
 */
import type { Socket } from 'bun';
import { maskedFrame } from '../../bench/lib/ws-frame.ts';

export interface RawFrame {
  op: number;
  payload: Uint8Array;
}

export interface RawClient {
  frames: RawFrame[];
  /** Resolves when the TCP connection is closed. */
  closed: Promise<void>;
  isClosed(): boolean;
  sendText(text: string): void;
  /** Stop reading from the socket (the server's sends pile up), or start again. */
  pause(): void;
  resume(): void;
  end(): void;
}

/** Connects and completes the upgrade; never answers pings. */
export async function rawConnect(url: string): Promise<RawClient> {
  const u = new URL(url);
  const frames: RawFrame[] = [];
  let buf = new Uint8Array(0);
  let upgraded = false;
  let isClosed = false;
  let socket: Socket<undefined> | null = null;
  let onClosed: () => void = () => {};
  const closed = new Promise<void>((r) => (onClosed = r));
  const parse = (): void => {
    let i = 0;
    while (buf.length - i >= 2) {
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
      frames.push({ op: buf[i]! & 0x0f, payload: buf.slice(i + head, i + head + len) });
      i += head + len;
    }
    buf = buf.slice(i);
  };
  await new Promise<void>((resolve, reject) => {
    void Bun.connect({
      hostname: u.hostname,
      port: Number(u.port),
      socket: {
        open(s) {
          socket = s;
          s.write(`GET ${u.pathname} HTTP/1.1\r\nHost: ${u.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`);
        },
        data(_s, chunk) {
          const joined = new Uint8Array(buf.length + chunk.length);
          joined.set(buf);
          joined.set(chunk, buf.length);
          buf = joined;
          if (!upgraded) {
            const text = Buffer.from(buf).toString('latin1');
            const end = text.indexOf('\r\n\r\n');
            if (end < 0) return;
            if (!text.startsWith('HTTP/1.1 101')) return reject(new Error(text.split('\r\n')[0]));
            upgraded = true;
            buf = buf.slice(end + 4);
            resolve();
          }
          parse();
        },
        close() {
          isClosed = true;
          onClosed();
        },
        error(_s, e) {
          reject(e);
        },
      },
    }).catch(reject);
  });
  const s = socket as Socket<undefined> | null;
  if (!s) throw new Error('no socket');
  return {
    frames,
    closed,
    isClosed: () => isClosed,
    sendText: (text) => void s.write(maskedFrame(new TextEncoder().encode(text)).frame),
    pause: () => s.pause(),
    resume: () => s.resume(),
    end: () => s.end(),
  };
}
