/**
 * The log's only writer: one connection that assigns sequences at commit time (a failed
 * transaction leaves no gap), inserts a group in one transaction with multi-row INSERTs,
 * and fills the topic and game lookup tables in bulk, a few thousand events at a time,
 * in a transaction of its own after a commit: an index updated inside every commit
 * rewrote one leaf page per topic and game each time, which cost more than the rows.
 * It runs on the event loop (committers.ts, the default) or on a thread of its own
 * (writer.worker.ts, with fsync per commit).
 */
import { Database, type Statement } from 'bun:sqlite';
import { INDEXED_UPTO } from './schema.ts';

export interface WriterOpenOptions {
  path: string;
  synchronous: 'NORMAL' | 'FULL';
  /** 0 = no cap (PRAGMA max_page_count). */
  maxPageCount: number;
  cacheKb: number;
  /** Lookup tables are filled once this many events wait, or when the oldest has waited this long. */
  indexEveryEvents: number;
  indexEveryMs: number;
  /** How long a commit waits for a lock another connection holds (short on the event loop). */
  busyTimeoutMs: number;
}

/** Fills the nine values after `seq` of row `i` at `args[at]` (topic_id, game, part, type, time_ms, received_ms, idh, fp, record). */
export type RowFiller = (i: number, args: (number | Uint8Array)[], at: number) => void;

export type CommitResult = { ok: true; firstSeq: number } | { ok: false; error: string; full: boolean };
export type SweepResult = { ok: true; deleted: number; newFirstSeq: number } | { ok: false; error: string };

/**
 * Rows per multi-row INSERT: one statement step per CHUNK rows costs less than CHUNK
 * steps. A group is split into chunks of 32, then 16, 8, 4, 2, 1 (a 50-event batch is
 * three statements).
 */
const CHUNK = 32;
const COLS = 10;
const INSERT = 'INSERT INTO events (seq, topic_id, game, part, type, time_ms, received_ms, idh, fp, record) VALUES ';

export class LogWriter {
  private nextSeq = 1;
  private first = 1;
  private indexedUpto = 0;
  private lastIndexAt = 0;
  /** INSERT statements for 1, 2, 4, ... CHUNK rows, by log2 of the row count. */
  private readonly inserts: Statement[] = [];
  private readonly argsBySize: (number | Uint8Array)[][] = [];
  private readonly insTopic: Statement;
  private readonly insGame: Statement;
  private readonly indexTopics: Statement;
  private readonly indexGames: Statement;
  private readonly setMeta: Statement;
  private closed = false;

  private constructor(
    private readonly db: Database,
    private readonly o: WriterOpenOptions,
  ) {
    for (let rows = 1; rows <= CHUNK; rows *= 2) {
      this.inserts.push(db.prepare(INSERT + Array(rows).fill('(?,?,?,?,?,?,?,?,?,?)').join(',')));
      this.argsBySize.push(new Array(rows * COLS));
    }
    this.insTopic = db.prepare('INSERT OR IGNORE INTO topics (id, name) VALUES (?, ?)');
    this.insGame = db.prepare('INSERT OR IGNORE INTO games (id, name) VALUES (?, ?)');
    this.indexTopics = db.prepare('INSERT OR IGNORE INTO topic_seq (topic_id, seq) SELECT topic_id, seq FROM events WHERE seq > ? AND seq <= ?');
    this.indexGames = db.prepare('INSERT OR IGNORE INTO game_seq (game, seq) SELECT game, seq FROM events WHERE seq > ? AND seq <= ? AND game != 0');
    this.setMeta = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value');
    const row = db.query<{ lo: number | null; hi: number | null }, []>('SELECT min(seq) AS lo, max(seq) AS hi FROM events').get();
    const kept = db.query<{ value: string }, []>("SELECT value FROM meta WHERE key = 'last_seq'").get();
    // After a sweep emptied the table, the high-water mark keeps sequences from restarting.
    this.nextSeq = Math.max(row?.hi ?? 0, kept ? Number(kept.value) : 0) + 1;
    this.first = row?.lo ?? this.nextSeq;
    const mark = db.query<{ value: string }, [string]>('SELECT value FROM meta WHERE key = ?').get(INDEXED_UPTO);
    this.indexedUpto = mark ? Number(mark.value) : 0;
    // Events committed after the last bulk fill (a killed process) are added now.
    this.indexNow();
  }

  /** Opens the file (schema already migrated); throws when it cannot. */
  static open(o: WriterOpenOptions): LogWriter {
    const db = new Database(o.path, { strict: true });
    try {
      db.exec('PRAGMA journal_mode = WAL');
      db.exec(`PRAGMA synchronous = ${o.synchronous}`);
      db.exec(`PRAGMA busy_timeout = ${Math.round(o.busyTimeoutMs)}`);
      db.exec(`PRAGMA cache_size = -${o.cacheKb}`);
      if (o.maxPageCount > 0) db.exec(`PRAGMA max_page_count = ${o.maxPageCount}`);
      // Checkpoints run on their own thread (checkpoint.worker.ts); this is only a backstop on WAL size.
      db.exec('PRAGMA wal_autocheckpoint = 65536');
      return new LogWriter(db, o);
    } catch (e) {
      db.close();
      throw e;
    }
  }

  get lastSeq(): number {
    return this.nextSeq - 1;
  }

  get firstSeq(): number {
    return this.first;
  }

  /** Inserts `n` rows (and names first used by them) in one transaction. */
  append(n: number, newTopics: [number, string][], newGames: [number, string][], fill: RowFiller): CommitResult {
    const start = this.nextSeq;
    try {
      this.db.transaction(() => {
        for (const [id, name] of newTopics) this.insTopic.run(id, name);
        for (const [id, name] of newGames) this.insGame.run(id, name);
        let seq = start;
        let i = 0;
        for (let size = this.inserts.length - 1; size >= 0; size--) {
          const rows = 1 << size;
          const args = this.argsBySize[size]!;
          const st = this.inserts[size]!;
          for (; i + rows <= n; i += rows) {
            for (let k = 0; k < rows; k++) {
              args[k * COLS] = seq++;
              fill(i + k, args, k * COLS + 1);
            }
            st.run(...args);
          }
        }
      }).immediate();
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      return { ok: false, error: msg, full: /full/i.test(msg) };
    } finally {
      // Records are views of the caller's buffers: drop them once bound.
      for (const a of this.argsBySize) a.fill(0);
    }
    this.nextSeq = start + n;
    if (this.first > start) this.first = start;
    return { ok: true, firstSeq: start };
  }

  /** Fills the lookup tables when enough events (or time) have gathered since the last fill. */
  indexIfDue(): void {
    const waiting = this.nextSeq - 1 - this.indexedUpto;
    if (waiting >= this.o.indexEveryEvents || (waiting > 0 && performance.now() - this.lastIndexAt >= this.o.indexEveryMs)) this.indexNow();
  }

  /** Copies the events after the fill mark into topic_seq and game_seq; committed with the new mark. */
  indexNow(): void {
    const upTo = this.nextSeq - 1;
    this.lastIndexAt = performance.now();
    if (this.closed || upTo <= this.indexedUpto) return;
    const from = this.indexedUpto;
    try {
      this.db.transaction(() => {
        this.indexTopics.run(from, upTo);
        this.indexGames.run(from, upTo);
        this.setMeta.run(INDEXED_UPTO, String(upTo));
      }).immediate();
      this.indexedUpto = upTo;
    } catch {
      // Busy or full: the events stay findable by scanning; the next fill tries again.
    }
  }

  /** Deletes up to `maxRows` of the oldest events received before `cutoffMs`, with their lookup entries. */
  sweep(cutoffMs: number, maxRows: number): SweepResult {
    const d = this.db;
    try {
      const cut = d.query<{ seq: number }, [number, number]>('SELECT seq FROM events WHERE received_ms >= ? OR seq >= ? ORDER BY seq LIMIT 1').get(cutoffMs, this.first + maxRows);
      // Sequences rise with receive time, so everything below the first young row is old.
      const upTo = cut ? cut.seq : this.nextSeq;
      let deleted = 0;
      if (upTo > this.first) {
        d.transaction(() => {
          // Lookup entries first, found through the distinct topics and games of the rows going.
          d.run('DELETE FROM topic_seq WHERE topic_id IN (SELECT DISTINCT topic_id FROM events WHERE seq < ?1) AND seq < ?1', [upTo]);
          d.run('DELETE FROM game_seq WHERE game IN (SELECT DISTINCT game FROM events WHERE seq < ?1 AND game != 0) AND seq < ?1', [upTo]);
          deleted = d.run('DELETE FROM events WHERE seq < ?', [upTo]).changes;
          this.setMeta.run('last_seq', String(this.nextSeq - 1));
        }).immediate();
        this.first = upTo;
      }
      return { ok: true, deleted, newFirstSeq: this.first };
    } catch (e) {
      return { ok: false, error: e instanceof Error ? e.message : String(e) };
    }
  }

  /** Fills the lookups, records the high-water mark, folds the WAL into the file and closes. */
  close(): void {
    if (this.closed) return;
    this.indexNow();
    this.closed = true;
    try {
      this.setMeta.run('last_seq', String(this.nextSeq - 1));
      this.db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
    } finally {
      for (const st of [...this.inserts, this.insTopic, this.insGame, this.indexTopics, this.indexGames, this.setMeta]) st.finalize();
      this.db.close();
    }
  }
}
