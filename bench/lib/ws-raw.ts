/**
 * A WebSocket client on a raw TCP socket for fan-out benchmarks. It reads every byte the
 * server sends (so the server's work is the same as for any client) but hands the caller
 * only the first `peekBytes` of each frame, with the frame's length and the time its last
 * byte arrived: a hundred clients that turned every frame into a JS string would need
 * more CPU than the two cores this machine shares with the server. `full: true` keeps
 * whole frames, for the one client that decodes and checks everything.
 */

import { maskedFrame, OP_BINARY, OP_TEXT } from './ws-frame.ts';

export interface RawFrame {
  opcode: number;
  /** The first `peekBytes` of the payload (all of it with `full`). */
  head: Uint8Array;
  length: number;
  /** performance.now() when the frame's last byte was read. */
  at: number;
}

export interface RawWsOptions {
  url: string;
  /** `Sec-WebSocket-Protocol` to ask for (e.g. "msgpack"). */
  protocol?: string;
  peekBytes?: number;
  full?: boolean;
  onFrame(f: RawFrame): void;
}

export interface RawWsClient {
  /** Sends one text (or binary) frame, masked as a client must. */
  send(data: string | Uint8Array): void;
  close(): void;
}

const enc = new TextEncoder();

export function rawWs(o: RawWsOptions): Promise<RawWsClient> {
  const u = new URL(o.url);
  const peek = o.peekBytes ?? 128;
  return new Promise((resolve, reject) => {
    let upgraded = false;
    let pending = '';
    // Frame parser: header bytes are gathered one by one, then the payload is counted down.
    const header = new Uint8Array(10);
    let headerLen = 0;
    let opcode = 0;
    let total = 0;
    let remaining = -1;
    let head: Uint8Array = new Uint8Array(0);
    let headFill = 0;

    const emit = (): void => {
      o.onFrame({ opcode, head, length: total, at: performance.now() });
      remaining = -1;
    };

    const consume = (chunk: Uint8Array): void => {
      let i = 0;
      while (i < chunk.length) {
        if (remaining < 0) {
          header[headerLen++] = chunk[i++]!;
          if (headerLen < 2) continue;
          const b1 = header[1]! & 0x7f;
          if (headerLen < (b1 < 126 ? 2 : b1 === 126 ? 4 : 10)) continue;
          opcode = header[0]! & 0x0f;
          total = b1 < 126 ? b1 : b1 === 126 ? (header[2]! << 8) | header[3]! : Number(new DataView(header.buffer).getBigUint64(2));
          remaining = total;
          head = new Uint8Array(o.full ? total : Math.min(peek, total));
          headFill = 0;
          headerLen = 0;
          if (remaining === 0) emit();
          continue;
        }
        const take = Math.min(remaining, chunk.length - i);
        if (headFill < head.length) {
          const n = Math.min(take, head.length - headFill);
          head.set(chunk.subarray(i, i + n), headFill);
          headFill += n;
        }
        i += take;
        remaining -= take;
        if (remaining === 0) emit();
      }
    };

    void Bun.connect({
      hostname: u.hostname,
      port: Number(u.port),
      socket: {
        open(sock) {
          const proto = o.protocol ? `Sec-WebSocket-Protocol: ${o.protocol}\r\n` : '';
          sock.write(`GET ${u.pathname}${u.search} HTTP/1.1\r\nHost: ${u.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n${proto}\r\n`);
        },
        data(sock, chunk) {
          if (upgraded) return consume(chunk);
          pending += Buffer.from(chunk).toString('latin1');
          const end = pending.indexOf('\r\n\r\n');
          if (end < 0) return;
          if (!pending.startsWith('HTTP/1.1 101')) {
            reject(new Error(`upgrade refused: ${pending.slice(0, end)}`));
            sock.end();
            return;
          }
          upgraded = true;
          const rest = Buffer.from(pending.slice(end + 4), 'latin1');
          pending = '';
          resolve({ send: (d) => void sock.write(maskedFrame(typeof d === 'string' ? enc.encode(d) : d, typeof d === 'string' ? OP_TEXT : OP_BINARY).frame), close: () => sock.end() });
          if (rest.length) consume(rest);
        },
        error(_sock, e) {
          reject(e);
        },
      },
    }).catch(reject);
  });
}
