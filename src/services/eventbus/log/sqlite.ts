/**
 * The embedded EventLog: one SQLite file, a global sequence, partitions as a column.
 * Appends gather into groups (group commit): requests that arrive together are sealed
 * into one group, one transaction (committers.ts: on the event loop, or on a writer
 * thread), and their promises resolve only after COMMIT. Reads run on a connection of
 * their own (WAL readers never block the writer).
 */
import { Database } from 'bun:sqlite';
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { applyPragmas, migrate } from '../../../runtime/db.ts';
import { InlineCommitter, ThreadCommitter, type Committer } from './committers.ts';
import { DedupeWindow, idHash, type DedupeEntry } from './dedupe.ts';
import { NameTable } from './names.ts';
import { LogReader } from './sqlite-read.ts';
import { LOG_MIGRATIONS } from './schema.ts';
import { LogWriter, type WriterOpenOptions } from './writer.ts';
import { LogUnavailable, type AppendItem, type AppendResult, type EventLog, type LogStats, type ReadQuery, type ReadResult, type StoredEvent } from './types.ts';

export interface SqliteLogOptions {
  dataDir: string;
  /** File name without extension. */
  name: string;
  /** NORMAL survives a killed process; FULL also a power cut (an fsync per commit). */
  synchronous: 'NORMAL' | 'FULL';
  /** 0 = no cap; otherwise appends past it fail with LogUnavailable('full'). */
  maxStorageBytes: number;
  cacheKb: number;
  dedupeWindowMs: number;
  dedupeMaxEntries: number;
  /** Appends waiting for commit beyond this many bytes are refused (kind 'backlog'). */
  maxPendingBytes: number;
  /** A group is sealed at this many bytes; the next one starts. */
  maxGroupBytes: number;
  /** Assumed bounds for time-range reads: producer clocks ahead of ours, and how late events arrive. */
  clockSkewMs: number;
  latenessMs: number;
  now: () => number;
  /** Topic and game lookups are filled in bulk once this many events wait (default 4096) or after this long (default 250 ms). */
  indexEveryEvents?: number;
  indexEveryMs?: number;
  /** Commit on a thread of its own rather than on the event loop. */
  writerThread: boolean;
  /** Called after each group commit with its duration (group sealed → COMMIT acknowledged). */
  onCommit?: (ms: number, events: number) => void;
}

interface Group {
  /** Handed to the committer; no more items join it. */
  sent: boolean;
  items: AppendItem[];
  entries: DedupeEntry[];
  keys: number[];
  bytes: number;
  commit: Promise<number>;
  resolve: (firstSeq: number) => void;
  reject: (e: Error) => void;
}

const noop = (): void => {};
/** Two groups on a writer thread at once: it commits one while the event loop packs the next. */
const MAX_IN_FLIGHT = 2;
const PIPELINE_MIN_EVENTS = 64;
/** Rows per retention chunk: on the event loop a chunk is a pause of a few milliseconds. */
const SWEEP_CHUNK_INLINE = 1000;
const SWEEP_CHUNK_THREAD = 5000;

export class SqliteEventLog implements EventLog {
  private committer!: Committer;
  private readonly checkpointer: Worker;
  private readonly names = new NameTable();
  private readonly groups: Group[] = [];
  /** Groups on the writer thread (its queue runs them in order). */
  private inFlight = 0;
  private flushQueued = false;
  private pendingEvents = 0;
  private pendingBytes = 0;
  private last = 0;
  private first = 1;
  private lastReceived = 0;
  private commits = 0;
  private lastError: string | null = null;
  private closed = false;
  private broken: Error | null = null;
  private readonly dedupe: DedupeWindow;
  private readonly listeners = new Set<(events: StoredEvent[]) => void>();
  private readonly reader: LogReader;

  private constructor(
    private readonly db: Database,
    private readonly path: string,
    private readonly o: SqliteLogOptions,
  ) {
    this.dedupe = new DedupeWindow(o.dedupeWindowMs, o.dedupeMaxEntries);
    this.checkpointer = new Worker(new URL('./checkpoint.worker.ts', import.meta.url));
    this.checkpointer.on('error', (e: Error) => {
      this.lastError = `checkpointer stopped: ${e.message}`;
    });
    this.names.load(db);
    const { topics, games } = this.names;
    this.reader = new LogReader(db, { topicIds: topics.ids, topicNames: topics.names, gameIds: games.ids, gameNames: games.names }, o);
  }

  static async open(o: SqliteLogOptions): Promise<SqliteEventLog> {
    mkdirSync(o.dataDir, { recursive: true });
    const db = new Database(join(o.dataDir, `${o.name}.sqlite`), { create: true, strict: true });
    // 8 KiB pages suit rows of a few hundred bytes to tens of KiB (set before the first table exists).
    db.exec('PRAGMA page_size = 8192');
    applyPragmas(db);
    migrate(db, LOG_MIGRATIONS);
    const log = new SqliteEventLog(db, join(o.dataDir, `${o.name}.sqlite`), o);
    await log.start();
    return log;
  }

  private async start(): Promise<void> {
    const page = this.db.query<{ page_size: number }, []>('PRAGMA page_size').get()?.page_size ?? 4096;
    const w: WriterOpenOptions = {
      path: this.path, synchronous: this.o.synchronous, cacheKb: this.o.cacheKb,
      maxPageCount: this.o.maxStorageBytes > 0 ? Math.max(16, Math.floor(this.o.maxStorageBytes / page)) : 0,
      indexEveryEvents: this.o.indexEveryEvents ?? 4096, indexEveryMs: this.o.indexEveryMs ?? 250,
      // Only an outside connection (an operator's sqlite3) can hold the write lock: on the
      // event loop a commit waits for it briefly and the request gets a 503 to retry.
      busyTimeoutMs: this.o.writerThread ? 5000 : 250,
    };
    try {
      this.committer = this.o.writerThread
        ? await ThreadCommitter.open(w, this.o.maxGroupBytes, (e) => this.fail(new LogUnavailable(`log writer stopped: ${e.message}`, 'failed')))
        : new InlineCommitter(LogWriter.open(w), w.indexEveryMs);
    } catch (e) {
      await this.checkpointer.terminate();
      this.reader.close();
      this.db.close();
      throw new Error(`cannot open the event log: ${e instanceof Error ? e.message : String(e)}`);
    }
    this.last = this.committer.lastSeq;
    this.first = this.committer.firstSeq;
    this.checkpointer.postMessage({ op: 'start', path: this.path, intervalMs: 500 });
    this.rebuildDedupe();
  }

  /** Re-sends after a restart are still recognised: reload the window from the newest rows. */
  private rebuildDedupe(): void {
    const since = this.o.now() - this.o.dedupeWindowMs;
    const rows = this.db
      .query<{ seq: number; idh: number; fp: number; received_ms: number }, [number, number]>('SELECT seq, idh, fp, received_ms FROM events WHERE seq > ? ORDER BY seq DESC LIMIT ?')
      .all(Math.max(0, this.last - this.o.dedupeMaxEntries), this.o.dedupeMaxEntries);
    for (let i = rows.length - 1; i >= 0; i--) {
      const r = rows[i]!;
      if (r.received_ms < since) continue;
      this.dedupe.set(r.idh, { fp: r.fp, seq: r.seq, atMs: r.received_ms, pending: null, offset: 0 });
    }
  }

  private fail(e: Error): void {
    this.broken = e;
    this.lastError = e.message;
    for (const g of this.groups.splice(0)) this.abandon(g, e);
  }

  private abandon(g: Group, e: Error): void {
    for (let i = 0; i < g.entries.length; i++) this.dedupe.delete(g.keys[i]!, g.entries[i]!);
    this.pendingEvents -= g.items.length;
    this.pendingBytes -= g.bytes;
    g.reject(e);
  }

  private openGroup(): Group {
    const tail = this.groups[this.groups.length - 1];
    if (tail && !tail.sent && tail.bytes < this.o.maxGroupBytes) return tail;
    let resolve!: (n: number) => void;
    let reject!: (e: Error) => void;
    const commit = new Promise<number>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    commit.catch(noop);
    const g: Group = { sent: false, items: [], entries: [], keys: [], bytes: 0, commit, resolve, reject };
    this.groups.push(g);
    return g;
  }

  async append(items: AppendItem[]): Promise<AppendResult[]> {
    if (this.closed) throw new LogUnavailable('the event log is closed', 'closed');
    if (this.broken) throw new LogUnavailable(this.broken.message, 'failed');
    let bytes = 0;
    for (const it of items) bytes += it.record.length;
    if (this.pendingBytes > 0 && this.pendingBytes + bytes > this.o.maxPendingBytes) {
      throw new LogUnavailable(`${this.pendingBytes} bytes are waiting for commit (limit ${this.o.maxPendingBytes})`, 'backlog');
    }
    const now = this.o.now();
    this.dedupe.evict(now);
    const results: AppendResult[] = new Array(items.length);
    const waits: Promise<void>[] = [];
    let group: Group | null = null;
    const mine: [number, number][] = [];
    for (let i = 0; i < items.length; i++) {
      const it = items[i]!;
      const key = idHash(it.eventId);
      const seen = this.dedupe.get(key, it.fingerprint);
      if (seen) {
        if (seen.pending === null) results[i] = { seq: seen.seq, duplicate: true };
        else {
          const offset = seen.offset;
          waits.push(seen.pending.then((first) => void (results[i] = { seq: first + offset, duplicate: true })));
        }
        continue;
      }
      group ??= this.openGroup();
      const idx = group.items.length;
      const entry: DedupeEntry = { fp: it.fingerprint, seq: 0, atMs: now, pending: group.commit, offset: idx };
      group.items.push(it);
      group.entries.push(entry);
      group.keys.push(key);
      group.bytes += it.record.length;
      this.dedupe.set(key, entry);
      this.pendingEvents++;
      this.pendingBytes += it.record.length;
      mine.push([i, idx]);
    }
    if (group) {
      this.scheduleFlush();
      const first = await group.commit;
      for (const [i, idx] of mine) results[i] = { seq: first + idx, duplicate: false };
    }
    if (waits.length) await Promise.all(waits);
    return results;
  }

  private scheduleFlush(): void {
    if (this.flushQueued || this.inFlight >= MAX_IN_FLIGHT) return;
    const next = this.groups.find((g) => !g.sent);
    // With a group already on the writer, a second goes only once it is worth a message of its own.
    if (!next || (this.inFlight > 0 && next.items.length < PIPELINE_MIN_EVENTS)) return;
    this.flushQueued = true;
    // setImmediate runs after pending I/O: requests that arrived together commit together.
    setImmediate(() => {
      this.flushQueued = false;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    const g = this.groups.find((x) => !x.sent);
    if (!g || this.inFlight >= MAX_IN_FLIGHT || this.broken) return;
    g.sent = true;
    this.inFlight++;
    const n = g.items.length;
    const topicIds: number[] = new Array(n);
    const gameIds: number[] = new Array(n);
    const newTopics: [number, string][] = [];
    const newGames: [number, string][] = [];
    for (let i = 0; i < n; i++) {
      const it = g.items[i]!;
      topicIds[i] = this.names.topics.id(it.topic, newTopics);
      gameIds[i] = it.gameId === '' ? 0 : this.names.games.id(it.gameId, newGames);
    }
    const receivedMs = (this.lastReceived = Math.max(this.lastReceived, Math.floor(this.o.now())));
    const sentAt = performance.now();
    const reply = await this.committer.append({ items: g.items, keys: g.keys, topicIds, gameIds, newTopics, newGames, receivedMs, bytes: g.bytes });
    this.inFlight--;
    // A writer thread that died has already failed every queued group (fail()).
    if (this.broken) return;
    if (this.groups[0] === g) this.groups.shift();
    if (!reply.ok) {
      this.lastError = reply.error;
      this.abandon(g, new LogUnavailable(reply.full ? `storage is full: ${reply.error}` : `commit failed: ${reply.error}`, reply.full ? 'full' : 'failed'));
      this.scheduleFlush();
      return;
    }
    this.commits++;
    this.lastError = null;
    this.o.onCommit?.(performance.now() - sentAt, n);
    this.names.topics.committed(newTopics);
    this.names.games.committed(newGames);
    const first = reply.firstSeq;
    this.last = first + n - 1;
    if (this.first > first) this.first = first;
    this.pendingEvents -= n;
    this.pendingBytes -= g.bytes;
    g.resolve(first);
    for (let i = 0; i < n; i++) {
      const e = g.entries[i]!;
      e.seq = first + i;
      e.pending = null;
    }
    if (this.listeners.size > 0) {
      const events: StoredEvent[] = new Array(n);
      for (let i = 0; i < n; i++) {
        const it = g.items[i]!;
        events[i] = { seq: first + i, topic: it.topic, partition: it.partition, gameId: it.gameId, type: it.type, timeMs: it.timeMs, receivedMs, record: it.record, payloadJson: it.payloadJson };
      }
      for (const l of this.listeners) l(events);
    }
    this.scheduleFlush();
  }

  lastSequence(): number {
    return this.last;
  }

  firstSequence(): number {
    return this.first;
  }

  topics(): string[] {
    return [...this.names.topics.ids.keys()];
  }

  tail(listener: (events: StoredEvent[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async read(q: ReadQuery): Promise<ReadResult> {
    if (this.closed) throw new LogUnavailable('the event log is closed', 'closed');
    return this.reader.read(q, this.first, this.last);
  }

  async sweep(cutoffMs: number): Promise<number> {
    if (this.closed || this.broken) return 0;
    const r = await this.committer.sweep(cutoffMs, this.committer instanceof InlineCommitter ? SWEEP_CHUNK_INLINE : SWEEP_CHUNK_THREAD);
    if (!r.ok) {
      this.lastError = r.error;
      return 0;
    }
    this.first = r.newFirstSeq;
    return r.deleted;
  }

  stats(): LogStats {
    let storage = 0;
    try {
      storage = statSync(this.path).size;
      storage += statSync(`${this.path}-wal`).size;
    } catch {
      // The WAL file may not exist between checkpoints.
    }
    const count = this.last >= this.first ? this.last - this.first + 1 : 0;
    return {
      firstSeq: this.first, lastSeq: this.last, count, pendingEvents: this.pendingEvents, pendingBytes: this.pendingBytes,
      storageBytes: storage, storageLimitBytes: this.o.maxStorageBytes, dedupeEntries: this.dedupe.size,
      dedupeWindowMs: this.dedupe.coverageMs(this.o.now()), commits: this.commits, lastError: this.lastError,
      broken: this.broken !== null || this.closed,
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    // Let queued appends commit first: what was accepted gets its answer.
    while (this.groups.length > 0 && !this.broken) await this.groups[this.groups.length - 1]!.commit.catch(noop);
    this.closed = true;
    await new Promise<void>((resolve) => {
      this.checkpointer.once('message', () => resolve());
      this.checkpointer.postMessage({ op: 'stop' });
      setTimeout(resolve, 1000).unref();
    });
    await this.checkpointer.terminate();
    await this.committer.close();
    this.reader.close();
    this.db.close();
  }
}
