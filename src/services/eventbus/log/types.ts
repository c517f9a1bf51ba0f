/**
 * The event log behind the bus. The SQLite implementation (sqlite.ts) is the embedded
 * default; a NATS JetStream implementation fits the same contract: append resolves only
 * once the events are durably stored (JetStream PubAck), dedupe by (event_id,
 * fingerprint) inside a window (Nats-Msg-Id + duplicate_window), reads by sequence,
 * time, topic and game, a committed-order tail, and time-based retention.
 */

export interface AppendItem {
  eventId: string;
  /** Hash of the event's content; same id + same content within the window = a re-send. */
  fingerprint: number;
  topic: string;
  /** '' when the event belongs to no known game. */
  gameId: string;
  partition: number;
  type: number;
  /** Canonical event time, Unix ms. */
  timeMs: number;
  /** Canonical Event bytes. */
  record: Uint8Array;
  /**
   * In memory only, never stored: the producer's payload exactly as decoding `record`'s
   * payload gives it back (set by JSON ingest when that holds), handed to tail listeners so
   * live views need not decode what was just encoded.
   */
  payloadJson?: unknown;
}

export interface AppendResult {
  seq: number;
  /** An earlier append already holds this event; `seq` is that one's. */
  duplicate: boolean;
}

export interface StoredEvent {
  seq: number;
  topic: string;
  partition: number;
  gameId: string;
  type: number;
  timeMs: number;
  receivedMs: number;
  record: Uint8Array;
  /** See AppendItem.payloadJson: present on live events of this node's own JSON ingest. */
  payloadJson?: unknown;
}

export interface ReadQuery {
  /** Sequences strictly above (ascending) or below (descending) this cursor. */
  after?: number;
  before?: number;
  fromMs?: number;
  toMs?: number;
  /** Exact topic names (patterns are resolved against `topics()` first); empty list = none match. */
  topics?: string[];
  gameId?: string;
  types?: number[];
  partition?: number;
  limit: number;
  descending?: boolean;
  /** Stop after looking at this many rows even if fewer matched (bounded work per request). */
  maxScan?: number;
}

export interface ReadResult {
  events: StoredEvent[];
  /** Cursor to continue from (last sequence looked at), or null when the range is exhausted. */
  next: number | null;
}

export interface LogStats {
  firstSeq: number;
  lastSeq: number;
  count: number;
  /** Appends waiting for their commit. */
  pendingEvents: number;
  pendingBytes: number;
  storageBytes: number;
  storageLimitBytes: number;
  dedupeEntries: number;
  /** How far back a re-send is still recognised, given the window's size bound. */
  dedupeWindowMs: number;
  commits: number;
  lastError: string | null;
  /** The log cannot take appends at all (writer gone); health reports unavailable. */
  broken: boolean;
}

export class LogUnavailable extends Error {
  constructor(
    message: string,
    readonly kind: 'full' | 'backlog' | 'failed' | 'closed',
  ) {
    super(message);
    this.name = 'LogUnavailable';
  }
}

export interface EventLog {
  /** Stores every item or none; resolves after commit; rejects with LogUnavailable. */
  append(items: AppendItem[]): Promise<AppendResult[]>;
  read(q: ReadQuery): Promise<ReadResult>;
  /** Highest committed sequence (0 when empty). */
  lastSequence(): number;
  firstSequence(): number;
  /** Every topic the log holds (for pattern filters). */
  topics(): string[];
  /** Committed events in sequence order, as they commit. Returns an unsubscribe function. */
  tail(listener: (events: StoredEvent[]) => void): () => void;
  /** Deletes a bounded chunk of the events received before `cutoffMs`; resolves with how many (call again until 0). */
  sweep(cutoffMs: number): Promise<number>;
  stats(): LogStats;
  close(): Promise<void>;
}
