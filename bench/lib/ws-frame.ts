/**
 * RFC 6455 client frames for the raw-socket WebSocket clients (the bench's swarm and
 * fan-out clients, and the kernel tests' silent client): FIN set, one opcode, the payload
 * masked as §5.3 requires of every client frame.
 */

export const OP_TEXT = 0x1;
export const OP_BINARY = 0x2;
export const OP_CLOSE = 0x8;
export const OP_PONG = 0xa;

/**
 * A masked client frame of `payload` and the offset where the masked payload starts (a
 * caller that patches bytes in place masks them with `key[(i - start) & 3]`). A random key
 * when none is given.
 */
export function maskedFrame(payload: Uint8Array, opcode = OP_TEXT, key: Uint8Array = crypto.getRandomValues(new Uint8Array(4))): { frame: Uint8Array; start: number } {
  const len = payload.length;
  const head = len < 126 ? 2 : len < 65_536 ? 4 : 10;
  const frame = new Uint8Array(head + 4 + len);
  frame[0] = 0x80 | opcode;
  if (len < 126) frame[1] = 0x80 | len;
  else if (len < 65_536) {
    frame[1] = 0x80 | 126;
    frame[2] = len >> 8;
    frame[3] = len & 0xff;
  } else {
    frame[1] = 0x80 | 127;
    new DataView(frame.buffer).setBigUint64(2, BigInt(len));
  }
  frame.set(key, head);
  const start = head + 4;
  for (let i = 0; i < len; i++) frame[start + i] = payload[i]! ^ key[i & 3]!;
  return { frame, start };
}
