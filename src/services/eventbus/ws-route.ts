/**
 * WebSocket /ws/events. Client → bus: `subscribe {patterns, from_sequence?, auto_resume?}`,
 * `unsubscribe {patterns?}`, `ping`. Bus → client: `welcome`, `subscribed`, `events
 * {events: [...]}`, `live {sequence}` (a replay has caught up), `lagged {resume_from}`,
 * `unsubscribed`, `pong`, `error`. Patterns and from_sequence may also ride on the URL
 * (`?patterns=game.>,system.*&from_sequence=1`).
 */
import type { WsConn, WsRoute } from '../../runtime/ws.ts';
import { busError } from './errors.ts';
import type { EventLog } from './log/types.ts';
import type { CompiledPattern } from './engine/topics.ts';
import type { PatternError, SubscriptionHub, WsSub } from './subscriptions.ts';

interface SocketState {
  sub: WsSub | null;
  initial: { patterns: CompiledPattern[]; from: number | null; autoResume: boolean } | null;
}

type Conn = WsConn<SocketState>;

function errorFrame(code: string, message: string, details: Record<string, unknown> = {}): unknown {
  return { type: 'error', error: { code, message, details } };
}

function patternMessage(errors: PatternError[]): string {
  return errors.map((e) => (e.index >= 0 ? `patterns[${e.index}] "${e.pattern}": ${e.detail}` : e.detail)).join('; ');
}

function fromSequence(v: unknown): number | null | 'bad' {
  if (v === undefined || v === null) return null;
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return v;
  if (typeof v === 'string' && /^\d{1,16}$/.test(v)) return Number(v);
  return 'bad';
}

export function eventsSocket(hub: SubscriptionHub, log: EventLog): WsRoute<SocketState> {
  const subscribed = (conn: Conn, from: number | null): void => {
    const s = conn.data.sub!;
    conn.send({ type: 'subscribed', patterns: s.patterns.map((p) => p.source), from_sequence: from, replay_from: from === null ? null : hub.clampStart(from), head_sequence: log.lastSequence() });
  };

  return {
    path: '/ws/events',
    summary: 'Topic subscriptions with replay from a sequence; JSON or MessagePack frames',
    upgrade(ctx) {
      const raw = ctx.query.get('patterns') ?? ctx.query.get('topic');
      if (raw === null) return { sub: null, initial: null };
      const compiled = hub.compile(raw.split(',').map((p) => p.trim()));
      if (!compiled.ok) throw busError('INVALID_PATTERN', patternMessage(compiled.errors), { errors: compiled.errors });
      const from = fromSequence(ctx.query.get('from_sequence') ?? undefined);
      if (from === 'bad') throw busError('INVALID_QUERY', '"from_sequence" must be a non-negative integer', { parameter: 'from_sequence' });
      return { sub: null, initial: { patterns: compiled.patterns, from, autoResume: ctx.query.get('auto_resume') !== 'false' } };
    },
    open(conn) {
      conn.data.sub = hub.addWs(conn as WsConn<unknown>);
      conn.send({ type: 'welcome', head_sequence: log.lastSequence(), first_sequence: log.firstSequence(), codec: conn.codec });
      const init = conn.data.initial;
      if (init) {
        if (init.from !== null) {
          conn.data.sub.patterns = init.patterns;
          subscribed(conn, init.from);
          hub.update(conn.data.sub, init.patterns, init.from, init.autoResume);
        } else {
          hub.update(conn.data.sub, init.patterns, null, init.autoResume);
          subscribed(conn, null);
        }
      }
    },
    message(conn, raw) {
      const sub = conn.data.sub!;
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
        conn.send(errorFrame('VALIDATION_ERROR', 'a message is an object with a "type"', { received: Array.isArray(raw) ? 'array' : typeof raw }));
        return;
      }
      const msg = raw as Record<string, unknown>;
      switch (msg.type) {
        case 'ping':
          conn.send({ type: 'pong', head_sequence: log.lastSequence() });
          return;
        case 'subscribe': {
          const list = msg.patterns ?? (typeof msg.pattern === 'string' ? [msg.pattern] : undefined);
          const compiled = hub.compile(list);
          if (!compiled.ok) {
            conn.send(errorFrame('INVALID_PATTERN', patternMessage(compiled.errors), { errors: compiled.errors }));
            return;
          }
          const from = fromSequence(msg.from_sequence);
          if (from === 'bad') {
            conn.send(errorFrame('VALIDATION_ERROR', '"from_sequence" must be a non-negative integer', { field: 'from_sequence' }));
            return;
          }
          if (msg.auto_resume !== undefined && typeof msg.auto_resume !== 'boolean') {
            conn.send(errorFrame('VALIDATION_ERROR', '"auto_resume" must be a boolean', { field: 'auto_resume' }));
            return;
          }
          const all = [...sub.patterns, ...compiled.patterns];
          // Announce first: a replay's events follow the `subscribed` frame.
          const autoResume = msg.auto_resume !== false;
          if (from === null) {
            hub.update(sub, all, null, autoResume);
            subscribed(conn, null);
          } else {
            sub.patterns = all;
            subscribed(conn, from);
            hub.update(sub, all, from, autoResume);
          }
          return;
        }
        case 'unsubscribe': {
          let keep = sub.patterns;
          if (msg.patterns === undefined) keep = [];
          else if (Array.isArray(msg.patterns) && msg.patterns.every((p) => typeof p === 'string')) keep = sub.patterns.filter((p) => !(msg.patterns as string[]).includes(p.source));
          else {
            conn.send(errorFrame('VALIDATION_ERROR', '"patterns" must be an array of strings (or absent for all)', { field: 'patterns' }));
            return;
          }
          hub.update(sub, keep, null, sub.autoResume);
          conn.send({ type: 'unsubscribed', patterns: keep.map((p) => p.source) });
          return;
        }
        default:
          conn.send(errorFrame('VALIDATION_ERROR', `unknown message type ${JSON.stringify(msg.type ?? null)} (subscribe, unsubscribe, ping)`, { field: 'type' }));
      }
    },
    invalid(conn, issue) {
      conn.send(errorFrame('BAD_REQUEST', `Malformed frame: ${issue.received}`, { ...issue }));
    },
    close(conn) {
      if (conn.data.sub) hub.remove(conn.data.sub);
    },
  };
}
