/** A WebSocket client on a raw TCP socket that can stop reading (to play a subscriber that cannot keep up). */
import { connect, type Socket } from 'node:net';

export interface RawWs {
  sock: Socket;
  /** Text frames received so far, parsed as JSON. */
  messages: Record<string, unknown>[];
  pause(): void;
  resume(): void;
  close(): void;
}

export async function rawWebSocket(url: string): Promise<RawWs> {
  const u = new URL(url);
  const sock = connect(Number(u.port), u.hostname);
  await new Promise<void>((resolve, reject) => {
    sock.once('connect', () => resolve());
    sock.once('error', reject);
  });
  sock.write(`GET ${u.pathname}${u.search} HTTP/1.1\r\nHost: ${u.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`);
  const messages: Record<string, unknown>[] = [];
  let buf = Buffer.alloc(0);
  let upgraded = false;
  let parts: Buffer[] = [];
  sock.on('data', (d: Buffer) => {
    buf = Buffer.concat([buf, d]);
    if (!upgraded) {
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      if (!buf.subarray(0, 12).toString().includes('101')) throw new Error(`upgrade refused: ${buf.subarray(0, end).toString()}`);
      buf = buf.subarray(end + 4);
      upgraded = true;
    }
    for (;;) {
      if (buf.length < 2) return;
      const fin = (buf[0]! & 0x80) !== 0;
      let len = buf[1]! & 0x7f;
      let off = 2;
      if (len === 126) {
        if (buf.length < 4) return;
        len = buf.readUInt16BE(2);
        off = 4;
      } else if (len === 127) {
        if (buf.length < 10) return;
        len = Number(buf.readBigUInt64BE(2));
        off = 10;
      }
      if (buf.length < off + len) return;
      const opcode = buf[0]! & 0x0f;
      parts.push(buf.subarray(off, off + len));
      buf = buf.subarray(off + len);
      if (fin) {
        const payload = Buffer.concat(parts);
        parts = [];
        if (opcode === 1 || opcode === 0) messages.push(JSON.parse(payload.toString('utf8')) as Record<string, unknown>);
      }
    }
  });
  return { sock, messages, pause: () => sock.pause(), resume: () => sock.resume(), close: () => sock.destroy() };
}
