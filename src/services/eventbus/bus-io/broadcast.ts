/** A WebSocket that only listens: subscribed to one native topic, a welcome on open, `ping` → `pong`, anything else an error frame. */
import type { WsRoute } from '../../../runtime/ws.ts';

export function broadcastSocket(o: { path: string; summary: string; topic: string; welcome: () => Record<string, unknown> }): WsRoute<null> {
  return {
    path: o.path,
    summary: o.summary,
    upgrade: () => null,
    open(conn) {
      conn.subscribe(o.topic);
      conn.send({ type: 'welcome', ...o.welcome() });
    },
    message(conn, msg) {
      if (typeof msg === 'object' && msg !== null && (msg as { type?: unknown }).type === 'ping') conn.send({ type: 'pong', ...o.welcome() });
      else conn.send({ type: 'error', error: { code: 'VALIDATION_ERROR', message: 'this stream takes only {"type":"ping"}', details: {} } });
    },
  };
}
