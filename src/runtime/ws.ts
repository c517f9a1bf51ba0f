/**
 * WebSocket layer over Bun's native server: JSON by default, MessagePack when the
 * client asks (`Sec-WebSocket-Protocol: msgpack` or `?format=msgpack`); sends that
 * respect backpressure; idle timeout with pings; topic publish/subscribe where each
 * message is encoded once per codec.
 */
import type { ServerWebSocket, Server } from 'bun';
import { Packr } from 'msgpackr';
import type { TSchema } from '@sinclair/typebox';
import type { RequestContext } from './service.ts';
import { compile, type ValidationIssue, type Validator } from './validation.ts';

export type Codec = 'json' | 'msgpack';

const packr = new Packr({ useRecords: false });

export function encode(codec: Codec, msg: unknown): string | Uint8Array {
  return codec === 'json' ? JSON.stringify(msg) : packr.pack(msg);
}

export function decode(codec: Codec, data: string | Buffer): unknown {
  if (typeof data === 'string') return JSON.parse(data);
  if (codec === 'msgpack') return packr.unpack(data);
  return JSON.parse(data.toString('utf8'));
}

/** Codec requested by the client during the handshake. */
export function requestedCodec(req: Request): Codec {
  const proto = req.headers.get('sec-websocket-protocol');
  if (proto && proto.split(',').some((p) => p.trim().toLowerCase() === 'msgpack')) return 'msgpack';
  const q = req.url.indexOf('?');
  if (q >= 0 && new URLSearchParams(req.url.slice(q + 1)).get('format') === 'msgpack') return 'msgpack';
  return 'json';
}

export interface WsConn<D> {
  readonly id: number;
  readonly codec: Codec;
  readonly remoteAddress: string;
  data: D;
  /** false when the message was dropped because the client is not reading. */
  send(msg: unknown): boolean;
  /** Bytes queued for this socket that the client has not read yet (for services that pace their own sends). */
  bufferedAmount(): number;
  close(code?: number, reason?: string): void;
  subscribe(topic: string): void;
  unsubscribe(topic: string): void;
}

export interface WsRoute<D = unknown> {
  path: string;
  summary?: string;
  /** Decides the connection's initial data; throw an ApiError to refuse the upgrade. */
  upgrade?(ctx: RequestContext): D | Promise<D>;
  /** Incoming message schema; failures go to `invalid` (default: an error frame). */
  schema?: TSchema;
  open?(conn: WsConn<D>): void;
  message(conn: WsConn<D>, msg: unknown): void | Promise<void>;
  /** A frame that is not JSON/MessagePack or fails the schema. */
  invalid?(conn: WsConn<D>, issue: ValidationIssue): void;
  close?(conn: WsConn<D>, code: number, reason: string): void;
}

/** Per-socket data the kernel keeps; the service's own data is `user`. */
export interface SocketData {
  route: WsRoute<unknown>;
  validator: Validator<TSchema> | null;
  codec: Codec;
  user: unknown;
  conn: WsConn<unknown> | null;
  /** A frame or pong arrived since the idle sweep last looked. */
  active: boolean;
  /** When the idle sweep first found the socket inactive (performance.now() ms), or -1. */
  idleSince: number;
  pinged: boolean;
  /** The last send was queued behind unsent data; cleared when Bun reports a drain. */
  congested: boolean;
}

export interface WsOptions {
  /**
   * A socket that sends no frame and answers no ping for this long is closed (1001); it
   * is pinged at half the time. Fractions are allowed (tests); 0 disables both.
   */
  idleTimeoutSec: number;
  maxPayloadBytes: number;
  /** Above this many buffered bytes a client is considered slow and sends are dropped. */
  maxBufferedBytes: number;
}

export const DEFAULT_WS_OPTIONS: WsOptions = { idleTimeoutSec: 120, maxPayloadBytes: 1_048_576, maxBufferedBytes: 4 * 1_048_576 };

let nextId = 1;

/** Publishes to topics of one service's sockets, in whichever codecs they use. */
export class WsHub {
  private server: Server<SocketData> | null = null;
  dropped = 0;
  connections = 0;

  bind(server: Server<SocketData> | null): void {
    this.server = server;
  }

  publish(topic: string, msg: unknown): void {
    const s = this.server;
    if (!s) return;
    if (s.subscriberCount(`${topic}#json`) > 0) s.publish(`${topic}#json`, JSON.stringify(msg));
    if (s.subscriberCount(`${topic}#msgpack`) > 0) s.publish(`${topic}#msgpack`, packr.pack(msg));
  }

  subscribers(topic: string): number {
    const s = this.server;
    return s ? s.subscriberCount(`${topic}#json`) + s.subscriberCount(`${topic}#msgpack`) : 0;
  }
}

export function makeConn(ws: ServerWebSocket<SocketData>, hub: WsHub, opts: WsOptions): WsConn<unknown> {
  const d = ws.data;
  const codec = d.codec;
  // The buffered amount is only asked for while the socket is congested: a send to a
  // reading client costs one native call.
  const sendEncoded = (payload: string | Uint8Array): boolean => {
    if (d.congested && ws.getBufferedAmount() > opts.maxBufferedBytes) {
      if (ws.readyState !== 1) return false;
      hub.dropped++;
      return false;
    }
    const status = ws.send(payload);
    if (status > 0) return true;
    if (status === -1) {
      d.congested = true;
      return true;
    }
    if (ws.readyState === 1) hub.dropped++;
    return false;
  };
  const conn: WsConn<unknown> = {
    id: nextId++,
    codec,
    remoteAddress: ws.remoteAddress,
    get data() {
      return d.user;
    },
    set data(v: unknown) {
      d.user = v;
    },
    bufferedAmount: () => (ws.readyState === 1 ? ws.getBufferedAmount() : 0),
    send: (msg) => sendEncoded(encode(codec, msg)),
    close: (code, reason) => ws.close(code, reason),
    subscribe: (topic) => ws.subscribe(`${topic}#${codec}`),
    unsubscribe: (topic) => ws.unsubscribe(`${topic}#${codec}`),
  };
  return conn;
}

export function validatorFor(route: WsRoute<unknown>): Validator<TSchema> | null {
  return route.schema ? compile(route.schema) : null;
}

/**
 * Idle timeout with sub-second resolution (Bun's own rounds up to 8 s and to 4 s steps):
 * every quarter of the timeout, sockets that were active are marked inactive, sockets
 * inactive for half of it are pinged, and ones inactive for all of it are closed. A frame
 * or a pong marks a socket active (one boolean store on the hot path).
 */
export class IdleSweeper {
  private readonly sockets = new Set<ServerWebSocket<SocketData>>();
  private timer: ReturnType<typeof setInterval> | null = null;
  closedIdle = 0;

  constructor(private readonly timeoutMs: number) {}

  get enabled(): boolean {
    return this.timeoutMs > 0;
  }

  track(ws: ServerWebSocket<SocketData>): void {
    if (!this.enabled) return;
    this.sockets.add(ws);
    if (!this.timer) {
      this.timer = setInterval(() => this.sweep(performance.now()), Math.max(10, this.timeoutMs / 4));
      this.timer.unref?.();
    }
  }

  untrack(ws: ServerWebSocket<SocketData>): void {
    this.sockets.delete(ws);
    if (this.sockets.size === 0) this.stop();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  sweep(now: number): void {
    for (const ws of this.sockets) {
      const d = ws.data;
      if (d.active) {
        d.active = false;
        d.idleSince = now;
        d.pinged = false;
        continue;
      }
      const idle = now - d.idleSince;
      if (idle >= this.timeoutMs) {
        this.closedIdle++;
        this.sockets.delete(ws);
        ws.close(1001, 'idle timeout');
      } else if (!d.pinged && idle >= this.timeoutMs / 2) {
        d.pinged = true;
        ws.ping();
      }
    }
  }
}
