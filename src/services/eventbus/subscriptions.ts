/**
 * Subscribers and fan-out. A subscriber has a pattern set and a cursor (the next
 * sequence it should get). Replay and catch-up read the log page by page until the
 * cursor passes the head; the switch to live happens in the same synchronous step as
 * that check, so no commit can fall between them (no gap, no duplicate). Live WebSocket
 * subscribers sharing a pattern set share one native Bun pub/sub topic: each commit is
 * encoded once per set and codec, and uWebSockets copies it to every socket. A socket
 * whose unread bytes pass the bound leaves the live topic, is told `lagged` with the
 * sequence to resume from, and catches up from the log once it drains, so ingest and
 * other subscribers never wait for it. gRPC streams follow grpc-js flow control.
 */
import type { WsConn } from '../../runtime/ws.ts';
import { BUS } from './engine/convert.ts';
import { compilePattern, type CompiledPattern } from './engine/topics.ts';
import { buildView, type EventView, type TypedDecoder } from './engine/view.ts';
import type { EventLog, StoredEvent } from './log/types.ts';
import type { BusMetrics } from './metrics.ts';
import type { EventBusOptions } from './options.ts';
import { concatBytes, metadataBytes } from './wire/event.ts';

export type SubMode = 'idle' | 'catchup' | 'live' | 'paused' | 'closed';

interface Sub {
  id: number;
  patterns: CompiledPattern[];
  key: string;
  cursor: number;
  mode: SubMode;
  autoResume: boolean;
  running: boolean;
  /** Sequence the current replay started from, to announce `live` once it completes. */
  replaying: boolean;
  /** Bumped when the cursor is moved from outside, so a page read for the old cursor is dropped. */
  epoch: number;
}

export interface WsSub extends Sub {
  kind: 'ws';
  conn: WsConn<unknown>;
}

export interface GrpcStream {
  write(bytes: Uint8Array): boolean;
  /** Resolves when the stream can take more (or is closed). */
  drained(): Promise<void>;
  readonly closed: boolean;
}

export interface GrpcSub extends Sub {
  kind: 'grpc';
  stream: GrpcStream;
  waitingDrain: boolean;
}

type AnySub = WsSub | GrpcSub;

export type PatternError = { index: number; pattern: string; detail: string };

const nativeTopic = (key: string): string => `eventbus:${key}`;

export class SubscriptionHub {
  private nextId = 1;
  private readonly subs = new Set<AnySub>();
  /** Live WebSocket pattern sets → members. */
  private readonly liveSets = new Map<string, { patterns: CompiledPattern[]; members: Set<WsSub> }>();
  private readonly liveGrpc = new Set<GrpcSub>();
  private lagTimer: ReturnType<typeof setInterval> | null = null;
  lagEvents = 0;
  delivered = 0;

  constructor(
    private readonly log: EventLog,
    private readonly publish: (topic: string, msg: unknown) => void,
    private readonly decodeTyped: TypedDecoder,
    private readonly opts: EventBusOptions,
    private readonly metrics: BusMetrics,
  ) {
    log.tail((events) => this.onCommit(events));
  }

  /** Compiles patterns; reports every bad one. */
  compile(patterns: unknown): { ok: true; patterns: CompiledPattern[] } | { ok: false; errors: PatternError[] } {
    if (!Array.isArray(patterns) || patterns.length === 0) return { ok: false, errors: [{ index: -1, pattern: '', detail: 'patterns must be a non-empty array of topic patterns' }] };
    if (patterns.length > this.opts.maxPatterns) return { ok: false, errors: [{ index: -1, pattern: '', detail: `at most ${this.opts.maxPatterns} patterns` }] };
    const out: CompiledPattern[] = [];
    const errors: PatternError[] = [];
    patterns.forEach((p, i) => {
      const r = typeof p === 'string' ? compilePattern(p, this.opts.topicPrefix) : ({ ok: false, detail: 'a pattern must be a string' } as const);
      if (r.ok) out.push(r.pattern);
      else errors.push({ index: i, pattern: typeof p === 'string' ? p.slice(0, 200) : String(p), detail: r.detail });
    });
    return errors.length ? { ok: false, errors } : { ok: true, patterns: out };
  }

  stats(): { subscribers: number; live: number; catching_up: number; paused: number; lag_events: number; delivered: number } {
    let live = 0;
    let catching = 0;
    let paused = 0;
    for (const s of this.subs) {
      if (s.mode === 'live') live++;
      else if (s.mode === 'catchup') catching++;
      else if (s.mode === 'paused') paused++;
    }
    return { subscribers: this.subs.size, live, catching_up: catching, paused, lag_events: this.lagEvents, delivered: this.delivered };
  }

  private base(): Sub {
    return { id: this.nextId++, patterns: [], key: '', cursor: 0, mode: 'idle', autoResume: true, running: false, replaying: false, epoch: 0 };
  }

  addWs(conn: WsConn<unknown>): WsSub {
    const s: WsSub = { ...this.base(), kind: 'ws', conn };
    this.subs.add(s);
    return s;
  }

  addGrpc(stream: GrpcStream): GrpcSub {
    const s: GrpcSub = { ...this.base(), kind: 'grpc', stream, waitingDrain: false };
    this.subs.add(s);
    return s;
  }

  remove(s: AnySub): void {
    this.leaveLive(s);
    s.mode = 'closed';
    this.subs.delete(s);
  }

  /** Where a replay from `from` really starts (swept events are gone; the head is the limit). */
  clampStart(from: number): number {
    return Math.min(Math.max(from, this.log.firstSequence()), this.log.lastSequence() + 1);
  }

  /**
   * Sets a subscriber's patterns; with `from` it (re)starts from that sequence, otherwise
   * it continues where it is (a new subscriber starts live at the head).
   */
  update(s: AnySub, patterns: CompiledPattern[], from: number | null, autoResume = true): void {
    s.autoResume = autoResume;
    const wasLive = s.mode === 'live';
    this.leaveLive(s);
    s.patterns = dedupePatterns(patterns);
    s.key = s.patterns.map((p) => p.source).sort().join(' ');
    if (s.patterns.length === 0) {
      s.mode = 'idle';
      return;
    }
    if (from !== null) {
      s.epoch++;
      s.cursor = this.clampStart(from);
      s.replaying = true;
      s.mode = 'catchup';
      void this.catchUp(s);
    } else if (wasLive || s.mode === 'idle') {
      s.cursor = this.log.lastSequence() + 1;
      this.joinLive(s);
    }
    // A subscriber catching up or paused picks the new patterns up on its next page.
  }

  private joinLive(s: AnySub): void {
    s.mode = 'live';
    if (s.kind === 'grpc') {
      this.liveGrpc.add(s);
      return;
    }
    let set = this.liveSets.get(s.key);
    if (!set) {
      set = { patterns: s.patterns, members: new Set() };
      this.liveSets.set(s.key, set);
    }
    set.members.add(s);
    s.conn.subscribe(nativeTopic(s.key));
  }

  private leaveLive(s: AnySub): void {
    if (s.mode !== 'live') return;
    if (s.kind === 'grpc') {
      this.liveGrpc.delete(s);
      return;
    }
    const set = this.liveSets.get(s.key);
    if (set) {
      set.members.delete(s);
      if (set.members.size === 0) this.liveSets.delete(s.key);
    }
    s.conn.unsubscribe(nativeTopic(s.key));
  }

  view(e: StoredEvent): EventView {
    return buildView({ seq: e.seq, topic: e.topic, partition: e.partition, gameId: e.gameId, receivedMs: e.receivedMs, record: e.record, payloadJson: e.payloadJson }, this.decodeTyped);
  }

  /** The Event bytes a gRPC subscriber gets: the record plus where the bus put it. */
  grpcMessage(e: StoredEvent): Uint8Array {
    const m: Record<string, string> = { [BUS.sequence]: String(e.seq), [BUS.topic]: e.topic, [BUS.partition]: String(e.partition), [BUS.receivedAt]: String(e.receivedMs) };
    if (e.gameId !== '') m[BUS.gameId] = e.gameId;
    return concatBytes(e.record, metadataBytes(m));
  }

  private matches(patterns: CompiledPattern[], topic: string): boolean {
    for (const p of patterns) if (p.matches(topic)) return true;
    return false;
  }

  /** Splits views into frames of at most maxFrameBytes (by encoded record size, a close proxy). */
  private frames(events: StoredEvent[], views: (i: number) => EventView, idx: number[]): EventView[][] {
    const out: EventView[][] = [];
    let cur: EventView[] = [];
    let bytes = 0;
    for (const i of idx) {
      const size = events[i]!.record.length * 2 + 256;
      if (cur.length > 0 && bytes + size > this.opts.maxFrameBytes) {
        out.push(cur);
        cur = [];
        bytes = 0;
      }
      cur.push(views(i));
      bytes += size;
    }
    if (cur.length) out.push(cur);
    return out;
  }

  private onCommit(events: StoredEvent[]): void {
    if (this.liveSets.size > 0) {
      const started = performance.now();
      const cache: (EventView | undefined)[] = new Array(events.length);
      const views = (i: number): EventView => (cache[i] ??= this.view(events[i]!));
      const next = events[events.length - 1]!.seq + 1;
      for (const [key, set] of [...this.liveSets]) {
        const idx: number[] = [];
        for (let i = 0; i < events.length; i++) if (this.matches(set.patterns, events[i]!.topic)) idx.push(i);
        if (idx.length > 0) {
          for (const frame of this.frames(events, views, idx)) {
            this.publish(nativeTopic(key), eventsFrame(frame));
            this.delivered += frame.length * set.members.size;
            // Checked per frame: a socket is cut before it can reach uWebSockets' own
            // backpressure limit (where sends would be dropped without a trace).
            const after = frame[frame.length - 1]!.sequence + 1;
            for (const s of [...set.members]) {
              if (s.conn.bufferedAmount() > this.opts.subscriberBufferBytes) {
                s.cursor = after;
                this.lag(s);
              }
            }
          }
        }
        for (const s of set.members) s.cursor = next;
      }
      this.metrics.fanout(performance.now() - started);
    }
    for (const s of [...this.liveGrpc]) this.deliverGrpc(s, events);
  }

  private lag(s: WsSub): void {
    this.leaveLive(s);
    s.mode = 'paused';
    this.lagEvents++;
    this.metrics.error('eventbus.subscriptions', 'INFO', 'subscriber_lagged');
    // Queued behind what the client has not read yet: it sees exactly where its stream stopped.
    s.conn.send({ type: 'lagged', resume_from: s.cursor, auto_resume: s.autoResume, message: `subscriber fell more than ${this.opts.subscriberBufferBytes} bytes behind; live delivery stopped at sequence ${s.cursor - 1}` });
    if (s.autoResume) this.ensureLagTimer();
  }

  private ensureLagTimer(): void {
    if (this.lagTimer) return;
    this.lagTimer = setInterval(() => {
      let waiting = 0;
      for (const s of this.subs) {
        if (s.kind !== 'ws' || s.mode !== 'paused' || !s.autoResume) continue;
        waiting++;
        if (s.conn.bufferedAmount() <= this.opts.subscriberBufferBytes / 2) {
          s.mode = 'catchup';
          void this.catchUp(s);
        }
      }
      if (waiting === 0 && this.lagTimer) {
        clearInterval(this.lagTimer);
        this.lagTimer = null;
      }
    }, this.opts.lagCheckInterval);
  }

  private deliverGrpc(s: GrpcSub, events: StoredEvent[]): void {
    for (const e of events) {
      if (e.seq < s.cursor || !this.matches(s.patterns, e.topic)) continue;
      const ok = s.stream.write(this.grpcMessage(e));
      this.delivered++;
      s.cursor = e.seq + 1;
      if (!ok) {
        this.liveGrpc.delete(s);
        s.mode = 'catchup';
        s.waitingDrain = true;
        void this.catchUp(s);
        return;
      }
    }
    s.cursor = Math.max(s.cursor, events[events.length - 1]!.seq + 1);
  }

  private backedUp(s: AnySub): boolean {
    if (s.kind === 'ws') return s.conn.bufferedAmount() > this.opts.subscriberBufferBytes;
    return s.waitingDrain;
  }

  private async waitForRoom(s: AnySub): Promise<void> {
    if (s.kind === 'grpc') {
      await s.stream.drained();
      s.waitingDrain = false;
      if (s.stream.closed) this.remove(s);
    } else await Bun.sleep(this.opts.lagCheckInterval);
  }

  /** Replays from the log until the cursor passes the head, then goes live. */
  private async catchUp(s: AnySub): Promise<void> {
    if (s.running) return;
    s.running = true;
    try {
      while (s.mode === 'catchup') {
        if (this.backedUp(s)) {
          await this.waitForRoom(s);
          continue;
        }
        const head = this.log.lastSequence();
        if (s.cursor > head) {
          // Same synchronous step as the check: the next commit already finds us live.
          this.joinLive(s);
          if (s.replaying && s.kind === 'ws') s.conn.send({ type: 'live', sequence: head });
          s.replaying = false;
          return;
        }
        const topics = this.log.topics().filter((t) => this.matches(s.patterns, t));
        const epoch = s.epoch;
        const page = await this.log.read({ after: s.cursor - 1, topics, limit: this.opts.replayPageSize, maxScan: this.opts.historyMaxScan });
        if (s.mode !== 'catchup') return;
        // Re-subscribed from another sequence while this page was read: read again from there.
        if (s.epoch !== epoch) continue;
        const stoppedAt = page.events.length > 0 ? this.deliverPage(s, page.events) : null;
        if (stoppedAt !== null) s.cursor = stoppedAt;
        else s.cursor = page.next !== null ? page.next + 1 : Math.max(page.events.length ? page.events[page.events.length - 1]!.seq + 1 : s.cursor, head + 1);
      }
    } catch (e) {
      if (s.kind === 'ws') s.conn.send({ type: 'error', error: { code: 'STORAGE_UNAVAILABLE', message: `replay failed: ${e instanceof Error ? e.message : String(e)}`, details: { resume_from: s.cursor } } });
      s.mode = 'paused';
    } finally {
      s.running = false;
    }
  }

  /**
   * Sends a replayed page. A WebSocket page goes frame by frame and stops once the socket
   * holds more than its bound; returns the sequence after the last event sent, or null
   * when the whole page went out.
   */
  private deliverPage(s: AnySub, events: StoredEvent[]): number | null {
    if (s.kind === 'ws') {
      const idx = events.map((_, i) => i);
      const cache: (EventView | undefined)[] = new Array(events.length);
      for (const frame of this.frames(events, (i) => (cache[i] ??= this.view(events[i]!)), idx)) {
        if (!s.conn.send(eventsFrame(frame))) return frame[0]!.sequence;
        this.delivered += frame.length;
        if (s.conn.bufferedAmount() > this.opts.subscriberBufferBytes) {
          const after = frame[frame.length - 1]!.sequence + 1;
          return after > events[events.length - 1]!.seq ? null : after;
        }
      }
      return null;
    }
    for (const e of events) {
      this.delivered++;
      if (!s.stream.write(this.grpcMessage(e))) s.waitingDrain = true;
    }
    return null;
  }

  close(): void {
    if (this.lagTimer) clearInterval(this.lagTimer);
    this.lagTimer = null;
    for (const s of [...this.subs]) this.remove(s);
  }
}

/**
 * An `events` frame. The first and last sequence and the time the frame was sent (Unix ms,
 * fractional) lead, so a client can track its position, spot a gap and measure its lag
 * from the first bytes of a frame without parsing the events.
 */
function eventsFrame(views: EventView[]): { type: 'events'; first_sequence: number; last_sequence: number; sent_at: number; events: EventView[] } {
  return { type: 'events', first_sequence: views[0]!.sequence, last_sequence: views[views.length - 1]!.sequence, sent_at: nowMs(), events: views };
}

/** Wall-clock milliseconds with sub-millisecond precision. */
const nowMs = (): number => Math.round((performance.timeOrigin + performance.now()) * 1000) / 1000;

function dedupePatterns(p: CompiledPattern[]): CompiledPattern[] {
  const seen = new Map<string, CompiledPattern>();
  for (const x of p) if (!seen.has(x.source)) seen.set(x.source, x);
  return [...seen.values()];
}
