/**
 * The EventLog on NATS JetStream, shared by every hotloop node pointed at the same
 * stream. One stream holds every topic on subjects `<prefix>.<topic>`, so the stream
 * sequence is the bus's global sequence on every node. An append publishes each event
 * with `Nats-Msg-Id` = event_id + content hash and resolves only with JetStream's PubAck
 * (a re-send inside the duplicate window is answered with the first copy's sequence).
 * Each node follows the stream with one consumer (its tail): that is where live
 * delivery, the head sequence and topic list come from, whichever node published. While
 * NATS is unreachable appends fail at once (503 upstream) and the client reconnects by
 * itself; the tail then resumes after the last sequence it delivered.
 */
import { AckPolicy, DeliverPolicy, jetstream, type ConsumerMessages, type JetStreamClient, type JetStreamManager, type JsMsg } from '@nats-io/jetstream';
import { nanos, type NatsConnection } from '@nats-io/transport-node';
import { NatsLogReader, eventHeaders, toStored } from './nats-read.ts';
import { connectNats, ensureStream, type NatsStreamOptions } from './nats-stream.ts';
import { LogUnavailable, type AppendItem, type AppendResult, type EventLog, type LogStats, type ReadQuery, type ReadResult, type StoredEvent } from './types.ts';

export interface NatsLogOptions extends NatsStreamOptions {
  ackTimeoutMs: number;
  maxPendingBytes: number;
  clockSkewMs: number;
  latenessMs: number;
  /** Called after each acknowledged append with its duration (first publish → last PubAck). */
  onCommit?: (ms: number, events: number) => void;
  /** Informational lines (connection lost, reconnected, stream created). */
  note?: (message: string, fields: Record<string, unknown>) => void;
}

/** An append answers once this node's tail has delivered it (read-your-writes), or after this long anyway: it is stored. */
const TAIL_WAIT_MS = 1000;
/** Stream state (first sequence, bytes, the stream's own head) is refreshed this often. */
const INFO_EVERY_MS = 1000;
/** A tail behind the stream that has not moved for this long is replaced. */
const TAIL_STALL_MS = 2000;
const RESTART_TIMEOUT_MS = 5000;

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took over ${ms} ms`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

interface Waiter {
  seq: number;
  resolve: () => void;
}

export class NatsEventLog implements EventLog {
  private readonly js: JetStreamClient;
  private readonly reader: NatsLogReader;
  private readonly prefixLen: number;
  private last = 0;
  private first = 1;
  /** The stream's head as last reported by the server (the tail may be behind it). */
  private streamLast = 0;
  private storageBytes = 0;
  private readonly topicSet = new Set<string>();
  private readonly listeners = new Set<(events: StoredEvent[]) => void>();
  private waiters: Waiter[] = [];
  private tailBuf: StoredEvent[] = [];
  private tailScheduled = false;
  private tailMsgs: ConsumerMessages | null = null;
  private tailName = '';
  /** The sequence a skipped delivery was last restarted for. */
  private gapAt = 0;
  private connected = true;
  private closed = false;
  private lastError: string | null = null;
  /** Why the connection is down (null while connected). */
  private downReason: string | null = null;
  private pendingEvents = 0;
  private pendingBytes = 0;
  private commits = 0;
  private disconnects = 0;
  private infoTimer: ReturnType<typeof setInterval> | null = null;
  private restarting = false;
  private tailRestarts = 0;
  private stalledAt = -1;
  private stalledSince = 0;

  private constructor(
    private readonly nc: NatsConnection,
    private readonly jsm: JetStreamManager,
    private readonly o: NatsLogOptions,
  ) {
    this.js = jetstream(nc, { timeout: o.ackTimeoutMs });
    this.reader = new NatsLogReader(jsm, this.js, { stream: o.stream, prefix: o.prefix, clockSkewMs: o.clockSkewMs, latenessMs: o.latenessMs });
    this.prefixLen = o.prefix.length + 1;
  }

  static async open(o: NatsLogOptions): Promise<NatsEventLog> {
    const nc = await connectNats(o);
    try {
      const { jsm, info, created, updated } = await ensureStream(nc, o);
      if (created) o.note?.('JetStream stream created', { stream: o.stream, subjects: `${o.prefix}.>`, replicas: o.replicas });
      if (updated.length > 0) o.note?.('JetStream stream limits updated', { stream: o.stream, changes: updated });
      const log = new NatsEventLog(nc, jsm, o);
      log.last = log.streamLast = info.state.last_seq;
      log.first = info.state.messages > 0 ? info.state.first_seq : info.state.last_seq + 1;
      log.storageBytes = info.state.bytes;
      await log.loadTopics();
      await log.startTail();
      log.watchConnection();
      log.infoTimer = setInterval(() => {
        void log.refreshInfo();
        log.watchTail();
      }, INFO_EVERY_MS);
      log.infoTimer.unref();
      return log;
    } catch (e) {
      await nc.close().catch(() => undefined);
      throw e;
    }
  }

  private async loadTopics(): Promise<void> {
    const info = await this.jsm.streams.info(this.o.stream, { subjects_filter: '>' });
    for (const subject of Object.keys(info.state.subjects ?? {})) this.topicSet.add(subject.slice(this.prefixLen));
  }

  private async startTail(): Promise<void> {
    // A plain ephemeral consumer (no acks) rather than the client's ordered consumer: after a
    // cluster fail-over the ordered one was seen to stall without an error; this one fails
    // loudly and is replaced (watchTail) from the sequence after the last one delivered.
    const ci = await this.jsm.consumers.add(this.o.stream, {
      ack_policy: AckPolicy.None, deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: this.last + 1, inactive_threshold: nanos(30_000),
    });
    const consumer = this.js.consumers.getConsumerFromInfo(ci);
    // Heartbeats every 2 s: a consumer lost with a restarted server is noticed within seconds.
    const msgs = await consumer.consume({ max_messages: 2000, expires: 5000, idle_heartbeat: 2000, callback: (m) => this.onTail(m) });
    this.tailMsgs = msgs;
    this.tailName = ci.name;
    void msgs.closed().then(() => {
      if (this.tailMsgs === msgs && !this.closed) void this.restartTail('tail consumer stopped');
    });
  }

  /** A new consumer from the sequence after the last one delivered: no gap, no duplicate. */
  private async restartTail(why: string): Promise<void> {
    if (this.restarting || this.closed) return;
    this.restarting = true;
    this.tailRestarts++;
    this.o.note?.('restarting the tail consumer', { reason: why, from_sequence: this.last + 1 });
    const old = this.tailMsgs;
    const oldName = this.tailName;
    this.tailMsgs = null;
    try {
      // Not awaited: closing a consumer whose server is gone can wait for a reply that never comes.
      void old?.close().catch(() => undefined);
      if (oldName) this.jsm.consumers.delete(this.o.stream, oldName).catch(() => undefined);
      this.flushTail();
      await withTimeout(this.startTail(), RESTART_TIMEOUT_MS, 'creating the tail consumer');
      this.o.note?.('tail consumer restarted', { from_sequence: this.last + 1 });
    } catch (e) {
      this.lastError = `tail consumer: ${e instanceof Error ? e.message : String(e)}`;
      this.o.note?.('tail consumer restart failed; trying again', { error: this.lastError });
    } finally {
      this.restarting = false;
    }
  }

  /** Called with each stream-info refresh: a tail that is behind and has not moved for a few seconds is restarted. */
  private watchTail(): void {
    if (this.closed || this.restarting) return;
    if (this.tailMsgs === null) {
      void this.restartTail('the last attempt to create the tail consumer failed');
      return;
    }
    if (this.streamLast <= this.last) {
      this.stalledSince = 0;
      return;
    }
    if (this.last !== this.stalledAt) {
      this.stalledAt = this.last;
      this.stalledSince = Date.now();
      return;
    }
    if (Date.now() - this.stalledSince >= TAIL_STALL_MS) {
      this.stalledSince = Date.now();
      void this.restartTail(`no progress for ${TAIL_STALL_MS} ms at sequence ${this.last} while the stream is at ${this.streamLast}`);
    }
  }

  private onTail(m: JsMsg): void {
    if (this.restarting) return;
    const seq = m.info.streamSequence;
    const expected = (this.tailBuf.length > 0 ? this.tailBuf[this.tailBuf.length - 1]!.seq : this.last) + 1;
    if (seq < expected) return;
    // A gap the stream does not explain (retention) may be a lost delivery: start again where
    // the tail stands, once; the same gap from the new consumer is deleted messages, taken as such.
    if (seq > expected && expected >= this.first && this.gapAt !== expected) {
      this.gapAt = expected;
      void this.restartTail(`delivery skipped from ${expected} to ${seq}`);
      return;
    }
    this.tailBuf.push(toStored(m, this.prefixLen));
    if (!this.tailScheduled) {
      this.tailScheduled = true;
      // Messages parsed from one socket read arrive in one synchronous run: they go out as one commit group.
      queueMicrotask(() => this.flushTail());
    }
  }

  private flushTail(): void {
    this.tailScheduled = false;
    const events = this.tailBuf;
    if (events.length === 0) return;
    this.tailBuf = [];
    for (const e of events) this.topicSet.add(e.topic);
    this.last = events[events.length - 1]!.seq;
    if (this.streamLast < this.last) this.streamLast = this.last;
    if (this.first > events[0]!.seq) this.first = events[0]!.seq;
    for (const l of this.listeners) l(events);
    if (this.waiters.length > 0) {
      const still: Waiter[] = [];
      for (const w of this.waiters) (w.seq <= this.last ? w.resolve() : still.push(w));
      this.waiters = still;
    }
  }

  private watchConnection(): void {
    void (async () => {
      for await (const s of this.nc.status()) {
        if (s.type === 'disconnect') {
          this.connected = false;
          this.disconnects++;
          this.downReason = `NATS connection lost (${s.server}); reconnecting every ${this.o.reconnectWaitMs} ms`;
          this.o.note?.('NATS connection lost', { server: s.server });
        } else if (s.type === 'reconnecting') {
          this.connected = false;
        } else if (s.type === 'reconnect') {
          this.connected = true;
          this.downReason = null;
          this.lastError = null;
          this.o.note?.('NATS reconnected', { server: s.server });
          void this.refreshInfo();
        } else if (s.type === 'error') {
          this.lastError = `NATS: ${s.error.message}`;
        }
      }
    })();
  }

  private async refreshInfo(): Promise<void> {
    if (this.closed || !this.connected) return;
    try {
      const info = await this.jsm.streams.info(this.o.stream);
      this.streamLast = Math.max(this.streamLast, info.state.last_seq);
      this.first = info.state.messages > 0 ? info.state.first_seq : Math.max(this.first, info.state.last_seq + 1);
      this.storageBytes = info.state.bytes;
      // The stream answers: an earlier publish or read failure is history.
      this.lastError = null;
    } catch (e) {
      if (this.connected && !this.closed) this.lastError = `stream info: ${e instanceof Error ? e.message : String(e)}`;
    }
  }

  /** Resolves once the tail has delivered `seq`, or after TAIL_WAIT_MS (the event is stored either way). */
  private caughtUp(seq: number): Promise<void> {
    if (seq <= this.last) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const w: Waiter = { seq, resolve };
      this.waiters.push(w);
      setTimeout(() => {
        const i = this.waiters.indexOf(w);
        if (i >= 0) this.waiters.splice(i, 1);
        resolve();
      }, TAIL_WAIT_MS).unref();
    });
  }

  async append(items: AppendItem[]): Promise<AppendResult[]> {
    if (this.closed) throw new LogUnavailable('the event log is closed', 'closed');
    if (!this.connected || this.nc.isClosed()) throw new LogUnavailable(`NATS is unreachable: ${this.downReason ?? 'connection closed'}`, 'failed');
    let bytes = 0;
    for (const it of items) bytes += it.record.length;
    if (this.pendingBytes > 0 && this.pendingBytes + bytes > this.o.maxPendingBytes) {
      throw new LogUnavailable(`${this.pendingBytes} bytes are waiting for JetStream acknowledgement (limit ${this.o.maxPendingBytes})`, 'backlog');
    }
    this.pendingEvents += items.length;
    this.pendingBytes += bytes;
    const started = performance.now();
    const prefix = this.o.prefix;
    try {
      // Published back to back on one connection: they land in this order (other nodes may interleave).
      const acks = items.map((it) =>
        this.js.publish(`${prefix}.${it.topic}`, it.record, {
          msgID: `${it.eventId}/${it.fingerprint.toString(16)}`, headers: eventHeaders(it.type, it.partition, it.gameId, it.timeMs), timeout: this.o.ackTimeoutMs,
        }),
      );
      const replies = await Promise.all(acks);
      let max = 0;
      const out: AppendResult[] = new Array(replies.length);
      for (let i = 0; i < replies.length; i++) {
        const a = replies[i]!;
        out[i] = { seq: a.seq, duplicate: a.duplicate };
        if (a.seq > max) max = a.seq;
      }
      if (max > this.streamLast) this.streamLast = max;
      this.commits++;
      this.lastError = null;
      this.o.onCommit?.(performance.now() - started, items.length);
      await this.caughtUp(max);
      return out;
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      this.lastError = `publish not acknowledged: ${msg}`;
      throw new LogUnavailable(`JetStream did not acknowledge the events (${msg}); nothing acknowledged is lost and a retry is stored once`, 'failed');
    } finally {
      this.pendingEvents -= items.length;
      this.pendingBytes -= bytes;
    }
  }

  lastSequence(): number {
    return this.last;
  }

  firstSequence(): number {
    return this.first;
  }

  topics(): string[] {
    return [...this.topicSet];
  }

  tail(listener: (events: StoredEvent[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async read(q: ReadQuery): Promise<ReadResult> {
    if (this.closed) throw new LogUnavailable('the event log is closed', 'closed');
    if (!this.connected) throw new LogUnavailable(`NATS is unreachable: ${this.downReason ?? 'connection closed'}`, 'failed');
    try {
      return await this.reader.read(q, this.first, this.last);
    } catch (e) {
      throw new LogUnavailable(`reading the stream failed: ${e instanceof Error ? e.message : String(e)}`, 'failed');
    }
  }

  /** Retention is the stream's max_age: JetStream deletes old events itself. */
  async sweep(): Promise<number> {
    return 0;
  }

  /** How far this node's tail is behind the stream (events published but not yet delivered here). */
  tailLag(): number {
    return Math.max(0, this.streamLast - this.last);
  }

  natsState(): { connected: boolean; server: string; stream: string; replicas: number; disconnects: number; tail_lag: number; tail_restarts: number } {
    return { connected: this.connected, server: this.nc.getServer(), stream: this.o.stream, replicas: this.o.replicas, disconnects: this.disconnects, tail_lag: this.tailLag(), tail_restarts: this.tailRestarts };
  }

  stats(): LogStats {
    const count = this.last >= this.first ? this.last - this.first + 1 : 0;
    return {
      firstSeq: this.first, lastSeq: this.last, count, pendingEvents: this.pendingEvents, pendingBytes: this.pendingBytes,
      storageBytes: this.storageBytes, storageLimitBytes: 0, dedupeEntries: 0, dedupeWindowMs: Math.min(this.o.dedupeWindowMs, this.o.retentionMs),
      commits: this.commits, lastError: this.downReason ?? this.lastError, broken: this.closed || !this.connected,
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.infoTimer) clearInterval(this.infoTimer);
    for (const w of this.waiters.splice(0)) w.resolve();
    const tail = this.tailMsgs;
    this.tailMsgs = null;
    await tail?.close().catch(() => undefined);
    if (this.tailName) await this.jsm.consumers.delete(this.o.stream, this.tailName).catch(() => undefined);
    // drain: publishes in flight get their acknowledgements before the connection closes.
    await Promise.race([this.nc.drain().catch(() => undefined), Bun.sleep(3000)]);
    if (!this.nc.isClosed()) await this.nc.close().catch(() => undefined);
  }
}
