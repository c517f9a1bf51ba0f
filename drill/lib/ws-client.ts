/** A WebSocket client for drills: frames queue up, a drill waits for the one it needs. */
import type { Session, WsEndpoint } from './types.ts';

export interface DrillSocket {
  ws: WebSocket;
  frames: unknown[];
  closed: { code: number; reason: string } | null;
  send(frame: unknown): void;
  /** Resolves with the first queued or arriving frame that `match` accepts (removing it), or null after `ms`. */
  waitFor(match: (m: unknown) => boolean, ms: number): Promise<unknown>;
  close(): void;
}

function decodeFrame(data: unknown): unknown {
  const text = typeof data === 'string' ? data : new TextDecoder().decode(data as ArrayBuffer);
  try {
    return JSON.parse(text);
  } catch {
    return { unparsable: text.slice(0, 200) };
  }
}

export function wsUrl(base: string, e: WsEndpoint): string {
  return `${base.replace(/^http/, 'ws')}${e.path}${e.query ? `?${e.query}` : ''}`;
}

/** Opens a socket and, when the endpoint has one, completes its hello (auth) exchange. */
export async function openSocket(base: string, e: WsEndpoint, s: Session, timeoutMs = 5000): Promise<DrillSocket> {
  const ws = new WebSocket(wsUrl(base, e));
  ws.binaryType = 'arraybuffer';
  const waiters: { match: (m: unknown) => boolean; resolve: (m: unknown) => void }[] = [];
  const sock: DrillSocket = {
    ws,
    frames: [],
    closed: null,
    send: (frame) => ws.send(typeof frame === 'string' || frame instanceof Uint8Array ? frame : JSON.stringify(frame)),
    waitFor(match, ms) {
      const i = sock.frames.findIndex(match);
      if (i >= 0) return Promise.resolve(sock.frames.splice(i, 1)[0]);
      return new Promise((resolve) => {
        const w = { match, resolve };
        waiters.push(w);
        setTimeout(() => {
          const k = waiters.indexOf(w);
          if (k >= 0) {
            waiters.splice(k, 1);
            resolve(null);
          }
        }, ms);
      });
    },
    close: () => ws.close(),
  };
  ws.onmessage = (ev: MessageEvent) => {
    const m = decodeFrame(ev.data);
    const k = waiters.findIndex((w) => w.match(m));
    if (k >= 0) waiters.splice(k, 1)[0]!.resolve(m);
    else {
      sock.frames.push(m);
      if (sock.frames.length > 500) sock.frames.shift();
    }
  };
  ws.onclose = (ev: CloseEvent) => {
    sock.closed = { code: ev.code, reason: ev.reason };
  };
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`WebSocket ${e.path} did not open within ${timeoutMs} ms`)), timeoutMs);
    ws.onopen = () => {
      clearTimeout(t);
      resolve();
    };
    ws.onerror = () => {
      clearTimeout(t);
      reject(new Error(`WebSocket ${e.path} failed to open`));
    };
  });
  if (e.hello) {
    sock.send(e.hello(s));
    const ok = await sock.waitFor((m) => e.isReady?.(m) ?? true, timeoutMs);
    if (ok === null) throw new Error(`WebSocket ${e.path}: no reply to the hello frame`);
  }
  return sock;
}
