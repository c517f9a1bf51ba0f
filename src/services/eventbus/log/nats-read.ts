/**
 * Reads of the NATS log. Each read is a short-lived ephemeral consumer (no acks, in
 * memory) that starts at a sequence (a time bound is turned into one by binary search);
 * the filters (topic, game, type, partition, event time) are applied here, and the number
 * of messages looked at is bounded by `maxScan` (the reply then carries a cursor), so no
 * request does unbounded work. JetStream reads forward only: a descending read takes windows backwards from its
 * cursor. Reads stop at the head this node has seen through its tail, so a replay never
 * runs ahead of live delivery (no event is sent twice).
 */
import { AckPolicy, DeliverPolicy, type JetStreamClient, type ConsumerInfo, type JetStreamManager, type JsMsg, type StoredMsg } from '@nats-io/jetstream';
import { headers as natsHeaders, nanos, type MsgHdrs } from '@nats-io/transport-node';
import type { ReadQuery, ReadResult, StoredEvent } from './types.ts';

/** Per-message headers carrying what the SQLite log keeps in columns. */
export const H = { type: 'Bus-Type', partition: 'Bus-Partition', game: 'Bus-Game', time: 'Bus-Time' } as const;

export function eventHeaders(type: number, partition: number, gameId: string, timeMs: number): MsgHdrs {
  const h = natsHeaders();
  h.set(H.type, String(type));
  h.set(H.partition, String(partition));
  // Header values are one line of ASCII: game ids come from producers, so they are escaped.
  if (gameId !== '') h.set(H.game, encodeURIComponent(gameId));
  h.set(H.time, String(timeMs));
  return h;
}

function stored(seq: number, subject: string, h: MsgHdrs | undefined, receivedMs: number, record: Uint8Array, prefixLen: number): StoredEvent {
  const game = h?.get(H.game) ?? '';
  return {
    seq, topic: subject.slice(prefixLen), partition: Number(h?.get(H.partition) ?? 0), gameId: game === '' ? '' : decodeURIComponent(game),
    type: Number(h?.get(H.type) ?? 0), timeMs: Number(h?.get(H.time) ?? 0), receivedMs, record,
  };
}

export function toStored(m: JsMsg, prefixLen: number): StoredEvent {
  return stored(m.info.streamSequence, m.subject, m.headers, Math.floor(m.info.timestampNanos / 1e6), m.data, prefixLen);
}

function fromStoredMsg(m: StoredMsg, prefixLen: number): StoredEvent {
  return stored(m.seq, m.subject, m.header, m.time.getTime(), m.data, prefixLen);
}

/** Messages fetched per request to the server. */
const CHUNK = 1000;
/** Without a consumer (see scanByGets): at most this many single-message gets per read, this many at once. */
const GET_SCAN_MAX = 1000;
const GET_PARALLEL = 64;
/** A fetch ends when its count arrives; this bounds it when messages were purged or the server went away. */
const FETCH_EXPIRES_MS = 2000;

interface Scan {
  startSeq: number;
  /** Stop before this sequence. */
  endSeq: number;
  maxScan: number;
  /** Return false to stop the scan. */
  visit(e: StoredEvent): boolean;
}

export class NatsLogReader {
  constructor(
    private readonly jsm: JetStreamManager,
    private readonly js: JetStreamClient,
    private readonly o: { stream: string; prefix: string; clockSkewMs: number; latenessMs: number },
  ) {}

  /**
   * First sequence received at or after `ms` (receive times rise with the sequence), by
   * binary search over single-message gets: ~20 requests for a million events.
   */
  async seqAtReceived(ms: number, first: number, last: number): Promise<number> {
    let lo = first;
    let hi = last + 1;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      const m = await this.jsm.streams.getMessage(this.o.stream, { seq: mid });
      // null: deleted (retention): everything below it is older.
      if (!m || m.time.getTime() < ms) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * Visits messages in order from `startSeq`; returns how many were looked at. The range's
   * size is known (sequences are contiguous up to this node's head), so each fetch asks for
   * exactly what is there and never waits for its expiry (the consumer's own pending count
   * was not reliable on nats-server 2.9 right after creation).
   */
  private async scan(s: Scan): Promise<{ scanned: number; lastSeq: number; short: boolean }> {
    let lastSeq = s.startSeq - 1;
    let short = false;
    if (s.endSeq <= s.startSeq) return { scanned: 0, lastSeq, short };
    let ci: ConsumerInfo;
    try {
      ci = await this.jsm.consumers.add(this.o.stream, {
        ack_policy: AckPolicy.None, mem_storage: true, num_replicas: 1, inactive_threshold: nanos(30_000),
        deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: s.startSeq,
      });
    } catch {
      // Creating a consumer needs the cluster's meta leader; during its election the stream
      // leader still answers single-message gets, so a read goes on (a bounded page with a cursor).
      return this.scanByGets(s);
    }
    const prefixLen = this.o.prefix.length + 1;
    let scanned = 0;
    try {
      const consumer = this.js.consumers.getConsumerFromInfo(ci);
      let going = true;
      while (going && lastSeq + 1 < s.endSeq && scanned < s.maxScan) {
        const want = Math.min(s.endSeq - lastSeq - 1, CHUNK, s.maxScan - scanned);
        const batch = await consumer.fetch({ max_messages: want, expires: FETCH_EXPIRES_MS });
        let got = 0;
        for await (const m of batch) {
          got++;
          const seq = m.info.streamSequence;
          if (!going) continue;
          if (seq >= s.endSeq) {
            going = false;
            continue;
          }
          scanned++;
          lastSeq = seq;
          if (!s.visit(toStored(m, prefixLen))) going = false;
        }
        // Fewer than asked: part of the range was purged, or the server went away mid-read.
        if (got < want) {
          short = going;
          break;
        }
      }
    } finally {
      this.jsm.consumers.delete(this.o.stream, ci.name).catch(() => undefined);
    }
    // Nothing at all where the head says there are events: the stream is not answering.
    if (short && scanned === 0) throw new Error(`the stream returned no events from sequence ${s.startSeq} (expected up to ${s.endSeq - 1})`);
    return { scanned, lastSeq, short };
  }

  /** The same scan with one get per sequence: slower, but needs only the stream's leader. */
  private async scanByGets(s: Scan): Promise<{ scanned: number; lastSeq: number; short: boolean }> {
    const prefixLen = this.o.prefix.length + 1;
    const end = Math.min(s.endSeq, s.startSeq + Math.min(s.maxScan, GET_SCAN_MAX));
    let lastSeq = s.startSeq - 1;
    let scanned = 0;
    for (let base = s.startSeq; base < end; base += GET_PARALLEL) {
      const seqs = Array.from({ length: Math.min(GET_PARALLEL, end - base) }, (_, i) => base + i);
      const msgs = await Promise.all(seqs.map((seq) => this.jsm.streams.getMessage(this.o.stream, { seq })));
      for (let i = 0; i < msgs.length; i++) {
        scanned++;
        lastSeq = seqs[i]!;
        const m = msgs[i];
        // null: deleted (retention or purge); nothing to visit at this sequence.
        if (m && !s.visit(fromStoredMsg(m, prefixLen))) return { scanned, lastSeq, short: false };
      }
    }
    return { scanned, lastSeq, short: end < s.endSeq };
  }

  /** `first`/`last`: the sequences this node knows are in the log. */
  async read(q: ReadQuery, first: number, last: number): Promise<ReadResult> {
    const empty: ReadResult = { events: [], next: null };
    if (q.topics !== undefined && q.topics.length === 0) return empty;
    if (q.types !== undefined && q.types.length === 0) return empty;
    const lo = Math.max(q.after ?? 0, first - 1);
    const hi = Math.min(q.before ?? Infinity, last + 1);
    if (hi - lo <= 1) return empty;
    const topicSet = q.topics ? new Set(q.topics) : null;
    const types = q.types ? new Set(q.types.map((t) => Math.trunc(t))) : null;
    const lateEnd = q.toMs !== undefined ? q.toMs + this.o.latenessMs : Infinity;
    const matches = (e: StoredEvent): boolean =>
      (topicSet === null || topicSet.has(e.topic)) && (q.gameId === undefined || e.gameId === q.gameId) && (types === null || types.has(e.type)) &&
      (q.partition === undefined || e.partition === q.partition) && (q.fromMs === undefined || e.timeMs >= q.fromMs) && (q.toMs === undefined || e.timeMs <= q.toMs);
    const maxScan = q.maxScan ?? Infinity;

    if (q.descending !== true) {
      const events: StoredEvent[] = [];
      let pastTime = false;
      // A time bound starts at that receive time, less the producers' clock skew.
      const startSeq = q.fromMs !== undefined ? Math.max(lo + 1, await this.seqAtReceived(q.fromMs - this.o.clockSkewMs, lo + 1, hi - 1)) : lo + 1;
      const r = await this.scan({
        startSeq, endSeq: hi, maxScan,
        visit: (e) => {
          if (e.receivedMs > lateEnd) {
            pastTime = true;
            return false;
          }
          if (matches(e)) events.push(e);
          return events.length < q.limit;
        },
      });
      let next: number | null = null;
      if (events.length === q.limit) next = events[events.length - 1]!.seq;
      // Stopped by the scan bound, or a short fetch: hand back a cursor, never a silent end.
      else if (!pastTime && (r.scanned >= maxScan || r.short) && r.lastSeq < hi - 1) next = r.lastSeq;
      return { events, next };
    }

    // Descending: windows of sequences below the cursor, newest window first.
    const out: StoredEvent[] = [];
    let end = hi;
    let window = Math.max(q.limit * 4, 256);
    let budget = maxScan;
    while (end - 1 > lo && out.length < q.limit && budget > 0) {
      const start = Math.max(lo + 1, end - Math.min(window, budget));
      const found: StoredEvent[] = [];
      const r = await this.scan({ startSeq: start, endSeq: end, maxScan: end - start, visit: (e) => (matches(e) && found.push(e), true) });
      budget -= Math.max(r.scanned, end - start);
      for (let i = found.length - 1; i >= 0 && out.length < q.limit; i--) out.push(found[i]!);
      end = start;
      window *= 2;
    }
    let next: number | null = null;
    if (out.length === q.limit) next = out[out.length - 1]!.seq;
    else if (end - 1 > lo) next = end;
    return { events: out, next };
  }
}
